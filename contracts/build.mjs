#!/usr/bin/env node
// Compiles contracts/src/**/*.sol with solcjs (standard JSON) and writes
// contracts/out/<ContractName>.json = { abi, bytecode, deployedBytecode }.
//
// Usage (from the repo root):  node contracts/build.mjs [--force]
//
// * solc and OpenZeppelin are resolved from .tools/node_modules (run `make tools`).
// * Settings: optimizer on (200 runs), evmVersion "prague", no viaIR.
// * Skips compilation when every output is newer than every source (use --force to rebuild).
// * Exits non-zero and prints the compiler's messages on any error; prints warnings.

import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONTRACTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(CONTRACTS_DIR, "..");
const NODE_MODULES = path.join(REPO_ROOT, ".tools", "node_modules");
const SRC_DIR = path.join(CONTRACTS_DIR, "src");
const OUT_DIR = path.join(CONTRACTS_DIR, "out");

// Extra artifacts taken from library sources (deployments need the proxy).
const EXTRA_SOURCES = {
  "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol": ["ERC1967Proxy"],
};

const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "prague",
  outputSelection: {
    "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] },
  },
};

function listSol(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSol(p));
    else if (entry.name.endsWith(".sol")) out.push(p);
  }
  return out.sort();
}

function newestMtime(files) {
  return Math.max(0, ...files.map((f) => fs.statSync(f).mtimeMs));
}

function main() {
  const force = process.argv.includes("--force");
  if (!fs.existsSync(path.join(NODE_MODULES, "solc"))) {
    console.error(`solc not found in ${NODE_MODULES}; run \`make tools\` first`);
    process.exit(1);
  }
  const require = createRequire(path.join(NODE_MODULES, "noop.js"));
  const solc = require("solc");

  const srcFiles = listSol(SRC_DIR);
  if (srcFiles.length === 0) {
    console.error(`no .sol files under ${SRC_DIR}`);
    process.exit(1);
  }

  // Freshness check: a stamp file lists the artifacts of the last successful build.
  const stampPath = path.join(OUT_DIR, ".build-stamp.json");
  if (!force && fs.existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(fs.readFileSync(stampPath, "utf8"));
      const inputs = [...srcFiles, fileURLToPath(import.meta.url)];
      const outputs = stamp.artifacts.map((n) => path.join(OUT_DIR, `${n}.json`));
      const sameSources =
        JSON.stringify(stamp.sources) === JSON.stringify(srcFiles.map((f) => path.relative(CONTRACTS_DIR, f)));
      if (sameSources && outputs.every((f) => fs.existsSync(f))) {
        const oldestOut = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs), fs.statSync(stampPath).mtimeMs);
        if (oldestOut > newestMtime(inputs)) {
          console.log(`contracts/out is up to date (${outputs.length} artifacts); use --force to rebuild`);
          return;
        }
      }
    } catch {
      /* fall through to a full build */
    }
  }

  const sources = {};
  for (const f of srcFiles) {
    const key = path.relative(CONTRACTS_DIR, f).split(path.sep).join("/"); // e.g. src/GhostCore.sol
    sources[key] = { content: fs.readFileSync(f, "utf8") };
  }
  for (const key of Object.keys(EXTRA_SOURCES)) {
    sources[key] = { content: fs.readFileSync(path.join(NODE_MODULES, key), "utf8") };
  }

  const findImports = (importPath) => {
    const candidates = [path.join(CONTRACTS_DIR, importPath), path.join(NODE_MODULES, importPath)];
    for (const c of candidates) {
      if (fs.existsSync(c)) return { contents: fs.readFileSync(c, "utf8") };
    }
    return { error: `file not found: ${importPath}` };
  };

  const input = { language: "Solidity", sources, settings: SETTINGS };
  const t0 = Date.now();
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const secs = ((Date.now() - t0) / 1000).toFixed(1);

  let errors = 0;
  for (const msg of output.errors ?? []) {
    if (msg.severity === "error") {
      errors++;
      console.error(msg.formattedMessage ?? msg.message);
    } else {
      console.warn(msg.formattedMessage ?? msg.message);
    }
  }
  if (errors > 0 || !output.contracts) {
    console.error(`solc ${solc.version()}: ${errors} error(s)`);
    process.exit(1);
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const written = [];
  const emit = (name, c) => {
    const bytecode = c.evm?.bytecode?.object ?? "";
    if (!bytecode) return; // interfaces / abstract contracts
    const artifact = {
      abi: c.abi,
      bytecode: `0x${bytecode}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
    if (written.includes(name)) {
      console.error(`duplicate contract name ${name}`);
      process.exit(1);
    }
    fs.writeFileSync(path.join(OUT_DIR, `${name}.json`), JSON.stringify(artifact, null, 2) + "\n");
    written.push(name);
    const size = (c.evm.deployedBytecode.object.length / 2) | 0;
    if (size > 24576) console.warn(`WARNING: ${name} runtime size ${size} exceeds EIP-170 (24576)`);
  };
  for (const [file, contracts] of Object.entries(output.contracts)) {
    if (file.startsWith("src/")) {
      for (const [name, c] of Object.entries(contracts)) emit(name, c);
    } else if (EXTRA_SOURCES[file]) {
      for (const name of EXTRA_SOURCES[file]) emit(name, contracts[name]);
    }
  }
  // Remove stale artifacts of contracts that no longer exist.
  for (const f of fs.readdirSync(OUT_DIR)) {
    if (f.endsWith(".json") && !f.startsWith(".") && !written.includes(f.slice(0, -5))) {
      fs.unlinkSync(path.join(OUT_DIR, f));
    }
  }
  fs.writeFileSync(
    stampPath,
    JSON.stringify({
      solc: solc.version(),
      sources: srcFiles.map((f) => path.relative(CONTRACTS_DIR, f)),
      artifacts: written.sort(),
    }) + "\n",
  );
  console.log(`solc ${solc.version()}: compiled ${srcFiles.length} files in ${secs}s -> ${written.length} artifacts in contracts/out`);
}

main();
