#!/usr/bin/env node
// End-to-end check of the wraith GHOSTNET test contracts.
//
// Usage (from the repo root):  node contracts/check.mjs [--keep] [--only core,periphery,...]
//
// 1. Builds contracts/out if needed (node contracts/build.mjs).
// 2. Static check: every event topic0 in contracts/out matches CONTRACTS.md (path from
//    $GHOSTNET_CONTRACTS_MD, default /work/shared/ghostnet/CONTRACTS.md; skipped if absent),
//    every contract that CONTRACTS.md names as an emitter declares that event, and the
//    GhostCore/TraceScan function selectors of CONTRACTS.md §4.2 exist.
// 3. Starts anvil on port 18545 (killed at the end unless --keep), deploys with
//    `cast send --create`, runs scenarios and asserts the exact log sequence (emitter, topic0,
//    decoded values) of every transaction against CONTRACTS.md §3/§5.
// Exit code 0 = all checks passed.

import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CONTRACTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(CONTRACTS_DIR, "..");
const NODE_MODULES = path.join(REPO_ROOT, ".tools", "node_modules");
const CAST = path.join(NODE_MODULES, ".bin", "cast");
const ANVIL = path.join(NODE_MODULES, ".bin", "anvil");
// WRAITH_CONTRACTS_OUT: run the scenarios against other artifacts (e.g. upstream GHOSTNET bytecode
// compiled elsewhere, plus our ERC1967Proxy/MockSwapRouter); skips the build.
const OUT_DIR = process.env.WRAITH_CONTRACTS_OUT ?? path.join(CONTRACTS_DIR, "out");
const PORT = 18545;
const RPC = `http://127.0.0.1:${PORT}`;
const SPEC = process.env.GHOSTNET_CONTRACTS_MD ?? "/work/shared/ghostnet/CONTRACTS.md";
const require = createRequire(path.join(NODE_MODULES, "noop.js"));
const { keccak256 } = require("js-sha3");

const args = process.argv.slice(2);
const KEEP = args.includes("--keep");
const onlyIdx = args.indexOf("--only");
const ONLY = onlyIdx >= 0 ? args[onlyIdx + 1].split(",") : null;

// anvil's default mnemonic accounts
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
];

// ─── tiny utilities ─────────────────────────────────────────────────────────────────

const E18 = 10n ** 18n;
const DATA = (n) => BigInt(Math.round(n * 1e6)) * 10n ** 12n; // DATA(1.5) = 1.5e18
const DEAD = "0x000000000000000000000000000000000000dead";
const ZERO = "0x0000000000000000000000000000000000000000";
const kec = (s) => "0x" + keccak256(s);
const lc = (a) => a.toLowerCase();

let passed = 0;
let failed = 0;
function ok(cond, msg) {
  if (cond) {
    passed++;
  } else {
    failed++;
    console.error(`  FAIL: ${msg}`);
  }
  return cond;
}
function eq(actual, expected, msg) {
  const a = typeof actual === "string" ? actual.toLowerCase() : actual;
  const e = typeof expected === "string" ? expected.toLowerCase() : expected;
  return ok(a === e, `${msg}: expected ${expected}, got ${actual}`);
}
function section(name) {
  console.log(`\n== ${name}`);
}

function cast(...a) {
  return execFileSync(CAST, a, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}
const addrOf = (key) => lc(cast("wallet", "address", "--private-key", key));
const ACC = KEYS.map(addrOf);

// ─── artifacts and ABI helpers ──────────────────────────────────────────────────────

const ART = {};
for (const f of fs.existsSync(OUT_DIR) ? fs.readdirSync(OUT_DIR) : []) {
  if (f.endsWith(".json") && !f.startsWith(".")) ART[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(OUT_DIR, f)));
}

function canonicalType(input) {
  if (input.type.startsWith("tuple")) {
    return `(${input.components.map(canonicalType).join(",")})${input.type.slice(5)}`;
  }
  return input.type;
}
const eventSig = (ev) => `${ev.name}(${ev.inputs.map(canonicalType).join(",")})`;
const topicOf = (ev) => kec(eventSig(ev));

/** contractName -> [{sig, topic0, ev}] */
const EVENTS = {};
for (const [name, art] of Object.entries(ART)) {
  EVENTS[name] = art.abi.filter((x) => x.type === "event").map((ev) => ({ sig: eventSig(ev), topic0: topicOf(ev), ev }));
}

/** address -> deployment receipt */
const DEPLOY_RCPT = {};
/** address -> contract name (for decoding) */
const NAMES = {};
const LABELS = {};

function isDynamic(input) {
  if (input.type === "string" || input.type === "bytes" || input.type.endsWith("[]")) return true;
  if (input.type === "tuple") return input.components.some(isDynamic);
  return false;
}
function wordsOf(hex) {
  const h = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out = [];
  for (let i = 0; i + 64 <= h.length; i += 64) out.push(h.slice(i, i + 64));
  return out;
}
function decodeStatic(type, word) {
  if (type === "address") return "0x" + word.slice(24);
  if (type === "bool") return BigInt("0x" + word) !== 0n;
  if (type.startsWith("bytes")) return "0x" + word;
  if (type.startsWith("int")) {
    let v = BigInt("0x" + word);
    if (v >= 1n << 255n) v -= 1n << 256n;
    return v;
  }
  return BigInt("0x" + word);
}
/** decode one value of `input` from `words` at head index `i` (returns [value, headWordsUsed]) */
function decodeAt(input, words, i) {
  const t = input.type;
  const fixedArr = t.match(/^(.*)\[(\d+)\]$/);
  if (t === "string" || t === "bytes") {
    const off = Number(BigInt("0x" + words[i])) / 32;
    const len = Number(BigInt("0x" + words[off]));
    const hex = words.slice(off + 1).join("").slice(0, len * 2);
    return [t === "string" ? Buffer.from(hex, "hex").toString("utf8") : "0x" + hex, 1];
  }
  if (t === "tuple" && !isDynamic(input)) {
    const obj = {};
    let j = i;
    for (const c of input.components) {
      const [v, n] = decodeAt(c, words, j);
      obj[c.name] = v;
      j += n;
    }
    return [obj, j - i];
  }
  if (fixedArr && !isDynamic(input)) {
    const inner = { ...input, type: fixedArr[1] };
    const arr = [];
    let j = i;
    for (let k = 0; k < Number(fixedArr[2]); k++) {
      const [v, n] = decodeAt(inner, words, j);
      arr.push(v);
      j += n;
    }
    return [arr, j - i];
  }
  if (isDynamic(input)) return ["<dynamic>", 1];
  return [decodeStatic(t, words[i]), 1];
}

function decodeLog(log) {
  const addr = lc(log.address);
  const cname = NAMES[addr];
  const candidates = cname ? EVENTS[cname] : Object.values(EVENTS).flat();
  const found = candidates.find((e) => e.topic0 === log.topics[0]);
  if (!found) return { addr, contract: cname, name: `unknown(${log.topics[0]})`, sig: null, args: {} };
  const words = wordsOf(log.data);
  const args = {};
  let ti = 1;
  let di = 0;
  for (const input of found.ev.inputs) {
    if (input.indexed) {
      args[input.name] = isDynamic(input) || input.type === "tuple" ? log.topics[ti] : decodeStatic(input.type, log.topics[ti].slice(2));
      ti++;
    } else {
      const [v, n] = decodeAt(input, words, di);
      args[input.name] = v;
      di += n;
    }
  }
  return { addr, contract: cname, name: found.ev.name, sig: found.sig, topic0: found.topic0, args };
}

function fmt(v) {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return `[${v.map(fmt).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}:${fmt(x)}`).join(",")}}`;
  return String(v);
}
function describe(d) {
  return `${LABELS[d.addr] ?? d.addr}.${d.name}(${Object.entries(d.args).map(([k, v]) => `${k}=${fmt(v)}`).join(", ")})`;
}
function sameValue(a, b) {
  if (typeof b === "bigint" || typeof b === "number") return BigInt(a) === BigInt(b);
  if (typeof b === "string") return String(a).toLowerCase() === b.toLowerCase();
  if (Array.isArray(b)) return Array.isArray(a) && a.length === b.length && b.every((x, i) => sameValue(a[i], x));
  if (b && typeof b === "object") return Object.entries(b).every(([k, x]) => sameValue(a?.[k], x));
  return a === b;
}

/**
 * Assert a receipt's logs, in order. expected = [[address, eventNameOrSig, {argSubset}?], ...]
 * Returns the decoded logs.
 */
function expectLogs(rcpt, expected, label) {
  const decoded = rcpt.logs.map(decodeLog);
  const lines = () => decoded.map((d, i) => `      ${i}: ${describe(d)}`).join("\n");
  if (!eq(decoded.length, expected.length, `${label}: number of logs\n${lines()}\n    `)) return decoded;
  let good = true;
  expected.forEach(([addr, name, want], i) => {
    const d = decoded[i];
    const nameOk = name.includes("(") ? d.sig === name : d.name === name;
    if (!ok(d.addr === lc(addr) && nameOk, `${label}: log ${i} expected ${LABELS[lc(addr)] ?? addr}.${name}, got ${describe(d)}`)) {
      good = false;
      return;
    }
    for (const [k, v] of Object.entries(want ?? {})) {
      if (!ok(sameValue(d.args[k], v), `${label}: log ${i} ${d.name}.${k} expected ${fmt(v)}, got ${fmt(d.args[k])}`)) good = false;
    }
  });
  if (good) console.log(`  ok  ${label} (${decoded.length} logs)`);
  else console.error(lines());
  return decoded;
}

// ─── chain helpers ──────────────────────────────────────────────────────────────────

function toArg(v) {
  if (typeof v === "bigint" || typeof v === "number") return v.toString();
  if (Array.isArray(v)) return `[${v.map(toArg).join(",")}]`;
  if (typeof v === "boolean") return v ? "true" : "false";
  return v;
}

function send(key, to, sig, ...a) {
  const out = cast("send", "--rpc-url", RPC, "--private-key", key, "--json", to, sig, ...a.map(toArg));
  const r = JSON.parse(out);
  if (r.status !== "0x1" && r.status !== 1 && r.status !== "1") throw new Error(`tx ${sig} failed: ${out}`);
  return r;
}
function sendValue(key, to, value, sig, ...a) {
  const extra = sig ? [sig, ...a.map(toArg)] : [];
  const out = cast("send", "--rpc-url", RPC, "--private-key", key, "--json", "--value", value.toString(), to, ...extra);
  const r = JSON.parse(out);
  if (r.status !== "0x1") throw new Error(`tx ${sig ?? "(value)"} failed: ${out}`);
  return r;
}
/** Expect the call to revert; optionally check the revert data contains `errSig`'s selector. */
function expectRevert(key, to, sig, args, label, errSig) {
  let err = null;
  try {
    cast("send", "--rpc-url", RPC, "--private-key", key, "--json", to, sig, ...args.map(toArg));
  } catch (e) {
    err = `${e.stderr ?? ""}${e.stdout ?? ""}`;
  }
  if (!ok(err !== null, `${label}: expected a revert`)) return;
  if (errSig) {
    const sel = kec(errSig).slice(0, 10);
    if (!ok(err.includes(sel.slice(2)) || err.includes(errSig.split("(")[0]), `${label}: expected ${errSig} (${sel}), got ${err.split("\n")[0]}`)) return;
  }
  console.log(`  ok  ${label} (reverted${errSig ? ` with ${errSig.split("(")[0]}` : ""})`);
}
function callRaw(to, sig, ...a) {
  return cast("call", "--rpc-url", RPC, to, sig, ...a.map(toArg));
}
/** eth_call returning all 32-byte words as BigInt */
function callWords(to, sig, ...a) {
  return wordsOf(callRaw(to, sig, ...a)).map((w) => BigInt("0x" + w));
}
const callU = (to, sig, ...a) => callWords(to, sig, ...a)[0];
const callAddr = (to, sig, ...a) => "0x" + wordsOf(callRaw(to, sig, ...a))[0].slice(24);
const balanceOf = (token, who) => callU(token, "balanceOf(address)", who);

function deploy(key, name, ctorSig, ...a) {
  const art = ART[name];
  if (!art) throw new Error(`missing artifact ${name}; run node contracts/build.mjs`);
  const extra = ctorSig ? [ctorSig, ...a.map(toArg)] : [];
  const r = JSON.parse(cast("send", "--rpc-url", RPC, "--private-key", key, "--json", "--create", art.bytecode, ...extra));
  if (r.status !== "0x1") throw new Error(`deploy ${name} failed`);
  const addr = lc(r.contractAddress);
  NAMES[addr] = name;
  LABELS[addr] = name;
  DEPLOY_RCPT[addr] = r;
  return addr;
}
/** Deploys `name` as implementation and an ERC1967Proxy calling `initSig(args)`. */
function deployProxy(key, name, initSig, ...a) {
  const impl = deploy(key, name);
  LABELS[impl] = `${name}Impl`;
  const data = cast("calldata", initSig, ...a.map(toArg));
  const art = ART.ERC1967Proxy;
  const r = JSON.parse(
    cast("send", "--rpc-url", RPC, "--private-key", key, "--json", "--create", art.bytecode, "constructor(address,bytes)", impl, data),
  );
  const proxy = lc(r.contractAddress);
  NAMES[proxy] = name; // proxy emits the implementation's events
  LABELS[proxy] = name;
  return { proxy, impl, rcpt: r };
}
function rpc(method, ...params) {
  return cast("rpc", "--rpc-url", RPC, method, ...params.map(String));
}
function warp(seconds) {
  rpc("evm_increaseTime", seconds);
  rpc("evm_mine");
}
function now() {
  return Number(cast("block", "--rpc-url", RPC, "latest", "--field", "timestamp"));
}
/** Set the next block's timestamp exactly (anvil). */
function setNextTimestamp(ts) {
  rpc("evm_setNextBlockTimestamp", ts);
}
function label(addr, name) {
  LABELS[lc(addr)] = name;
}
const ROLE = (n) => kec(n);

// ─── static checks against CONTRACTS.md ─────────────────────────────────────────────

function staticChecks() {
  section("static: topic0s and selectors vs CONTRACTS.md");
  if (!fs.existsSync(SPEC)) {
    console.warn(`  (skipped: ${SPEC} not found; set GHOSTNET_CONTRACTS_MD)`);
    return;
  }
  const spec = fs.readFileSync(SPEC, "utf8");
  const rows = [];
  for (const line of spec.split("\n")) {
    const m = line.match(/^\| `(\w+)\((.*?)\)` \| `(0x[0-9a-f]{64})` \| (.*?) \|\s*$/);
    if (m) rows.push({ name: m[1], topic0: m[3], emitters: m[4] });
  }
  ok(rows.length > 100, `parsed ${rows.length} event rows from CONTRACTS.md`);
  const specTopics = new Set(rows.map((r) => r.topic0));
  const built = Object.keys(EVENTS);
  let n = 0;
  // every event we declare must be a GHOSTNET event
  for (const c of built) {
    for (const e of EVENTS[c]) {
      n++;
      ok(specTopics.has(e.topic0), `${c}: event ${e.sig} (${e.topic0}) is not in CONTRACTS.md`);
    }
  }
  // every event CONTRACTS.md attributes to a contract we built must be declared by it
  let m = 0;
  for (const r of rows) {
    if (/never|not integrated|inherited by nothing|diagnostic/.test(r.emitters)) continue;
    for (const c of built) {
      if (c === "ERC1967Proxy") continue;
      if (!new RegExp(`\\b${c}\\b`).test(r.emitters)) continue;
      m++;
      ok(EVENTS[c].some((e) => e.topic0 === r.topic0), `${c} lacks event ${r.name} ${r.topic0} (CONTRACTS.md says it emits it)`);
    }
  }
  // §4.2 selectors
  const sels = [...spec.matchAll(/`(\w+\([\w,\[\]]*\))` `(0x[0-9a-f]{8})`/g)];
  for (const [, sig, sel] of sels) {
    eq(kec(sig).slice(0, 10), sel, `selector of ${sig}`);
    const owner = ["GhostCore", "TraceScan"].find((c) =>
      ART[c]?.abi.some((x) => x.type === "function" && `${x.name}(${x.inputs.map(canonicalType).join(",")})` === sig),
    );
    ok(owner !== undefined, `no built contract has function ${sig}`);
  }
  console.log(`  checked ${n} declared events, ${m} (contract, event) attributions, ${sels.length} selectors`);
}

// ─── scenarios ──────────────────────────────────────────────────────────────────────

const SCENARIOS = [];
const scenario = (name, fn) => SCENARIOS.push({ name, fn });
const ctx = {}; // shared deployment between scenarios

/** DataToken + GhostCore + TraceScan, wired as in contracts/README.md. */
function deployCore() {
  if (ctx.core) return;
  const [admin] = KEYS;
  const treasury = ACC[9];
  const boostSigner = ACC[8];
  label(treasury, "treasury");
  label(DEAD, "0xdEaD");
  ACC.forEach((a, i) => LABELS[a] ??= `acc${i}`);

  const token = deploy(admin, "DataToken", "constructor(address,address,address[],uint256[])", treasury, ACC[0], [ACC[0]], [DATA(100_000_000)]);
  const core = deployProxy(admin, "GhostCore", "initialize(address,address,address,address)", token, treasury, boostSigner, ACC[0]);
  const scan = deployProxy(admin, "TraceScan", "initialize(address,address)", core.proxy, ACC[0]);
  send(admin, core.proxy, "grantRole(bytes32,address)", ROLE("SCANNER_ROLE"), scan.proxy);
  send(admin, token, "setTaxExclusion(address,bool)", core.proxy, true);
  Object.assign(ctx, { token, core: core.proxy, coreImpl: core.impl, coreInit: core.rcpt, scan: scan.proxy, treasury, boostSigner });
}

/** Gives `amount` DATA to account i (tax-free) and approves `spender`. */
function fund(i, amount, spender) {
  const { token } = ctx;
  send(KEYS[0], token, "setTaxExclusion(address,bool)", ACC[0], true);
  send(KEYS[0], token, "transfer(address,uint256)", ACC[i], amount);
  send(KEYS[0], token, "setTaxExclusion(address,bool)", ACC[0], false);
  if (spender) send(KEYS[i], token, "approve(address,uint256)", spender, (1n << 255n));
}

const POS = (core, who) => {
  const w = callWords(core, "getPosition(address)", who);
  return { amount: w[0], level: Number(w[1]), entry: w[2], lastAdd: w[3], rewardDebt: w[4], alive: w[5] === 1n, streak: Number(w[6]) };
};
const LSTATE = (core, level) => {
  const w = callWords(core, "getLevelState(uint8)", level);
  return { totalStaked: w[0], aliveCount: w[1], acc: w[2], nextScanTime: Number(w[3]) };
};
const LCONFIG = (core, level) => {
  const w = callWords(core, "getLevelConfig(uint8)", level);
  return { rate: w[0], interval: w[1], minStake: w[2], maxPositions: w[3], bottom: w[4], penalty: w[5] };
};
const setLevelConfig = (level, c) =>
  send(KEYS[0], ctx.core, "updateLevelConfig(uint8,(uint16,uint32,uint256,uint32,uint16,uint16))", level,
    `(${c.rate},${c.interval},${c.minStake},${c.maxPositions},${c.bottom},${c.penalty})`);

scenario("token", () => {
  deployCore();
  const { token, treasury } = ctx;
  section("DataToken");
  // constructor logs: Transfer(0x0 -> recipient), OwnershipTransferred, TaxExclusionSet x2 — checked on a fresh deploy
  const t2 = deploy(KEYS[0], "DataToken", "constructor(address,address,address[],uint256[])", treasury, ACC[0], [ACC[0], ACC[1]], [DATA(60_000_000), DATA(40_000_000)]);
  expectLogs(DEPLOY_RCPT[t2], [
    [t2, "OwnershipTransferred", { previousOwner: ZERO, newOwner: ACC[0] }],
    [t2, "Transfer", { from: ZERO, to: ACC[0], value: DATA(60_000_000) }],
    [t2, "Transfer", { from: ZERO, to: ACC[1], value: DATA(40_000_000) }],
    [t2, "TaxExclusionSet", { account: treasury, excluded: true }],
    [t2, "TaxExclusionSet", { account: DEAD, excluded: true }],
  ], "DataToken constructor");
  eq(callU(token, "totalSupply()"), DATA(100_000_000), "totalSupply");
  eq(callU(token, "decimals()"), 18n, "decimals");

  // taxed transfer acc0 -> acc1 (neither excluded)
  const amount = DATA(1234.567891);
  const tax = (amount * 1000n) / 10000n;
  const burn = (tax * 9000n) / 10000n;
  const tre = tax - burn;
  let r = send(KEYS[0], token, "transfer(address,uint256)", ACC[1], amount);
  expectLogs(r, [
    [token, "Transfer", { from: ACC[0], to: ACC[1], value: amount - tax }],
    [token, "Transfer", { from: ACC[0], to: DEAD, value: burn }],
    [token, "Transfer", { from: ACC[0], to: treasury, value: tre }],
    [token, "TaxBurned", { from: ACC[0], amount: burn }],
    [token, "TaxCollected", { from: ACC[0], amount: tre }],
  ], "taxed transfer");
  eq(callU(token, "totalBurned()"), burn, "totalBurned after tax");
  // untaxed: to the treasury (excluded)
  r = send(KEYS[1], token, "transfer(address,uint256)", treasury, DATA(1));
  expectLogs(r, [[token, "Transfer", { from: ACC[1], to: treasury, value: DATA(1) }]], "untaxed transfer to excluded");
  // burn / burnFrom go to 0x0 and reduce supply
  r = send(KEYS[1], token, "burn(uint256)", DATA(2));
  expectLogs(r, [[token, "Transfer", { from: ACC[1], to: ZERO, value: DATA(2) }]], "burn()");
  send(KEYS[1], token, "approve(address,uint256)", ACC[2], DATA(3));
  r = send(KEYS[2], token, "burnFrom(address,uint256)", ACC[1], DATA(3));
  expectLogs(r, [[token, "Transfer", { from: ACC[1], to: ZERO, value: DATA(3) }]], "burnFrom()");
  eq(callU(token, "totalSupply()"), DATA(100_000_000) - DATA(5), "supply after burns");
  r = send(KEYS[0], token, "setTaxExclusion(address,bool)", ACC[5], true);
  expectLogs(r, [[token, "TaxExclusionSet", { account: ACC[5], excluded: true }]], "setTaxExclusion");
  send(KEYS[0], token, "setTaxExclusion(address,bool)", ACC[5], false);
  // Ownable2Step
  r = send(KEYS[0], t2, "transferOwnership(address)", ACC[3]);
  expectLogs(r, [[t2, "OwnershipTransferStarted", { previousOwner: ACC[0], newOwner: ACC[3] }]], "transferOwnership");
  r = send(KEYS[3], t2, "acceptOwnership()");
  expectLogs(r, [[t2, "OwnershipTransferred", { previousOwner: ACC[0], newOwner: ACC[3] }]], "acceptOwnership");
});

scenario("core", () => {
  deployCore();
  const { token, core, scan, treasury } = ctx;
  const [A1, A2, A3, A4, A5, A6, A7] = [1, 2, 3, 4, 5, 6, 7].map((i) => ACC[i]);
  const K = KEYS;
  section("GhostCore / TraceScan");

  // proxy initialisation logs
  expectLogs(ctx.coreInit, [
    [core, "Upgraded", { implementation: ctx.coreImpl }],
    [core, "RoleGranted", { role: "0x" + "0".repeat(64), account: ACC[0] }],
    [core, "RoleGranted", { role: ROLE("PAUSER_ROLE"), account: ACC[0] }],
    [core, "Initialized", { version: 1n }],
  ], "GhostCore proxy deployment");
  const vault = LCONFIG(core, 1);
  eq(vault.rate, 500n, "VAULT rate");
  eq(vault.interval, 14400n, "VAULT interval");
  eq(vault.minStake, DATA(10), "VAULT min stake");
  eq(vault.maxPositions, 5000n, "VAULT max positions");
  const bi = LCONFIG(core, 5);
  eq(bi.rate, 4500n, "BLACK_ICE rate");
  eq(bi.interval, 1800n, "BLACK_ICE interval");
  eq(bi.penalty, 8000n, "BLACK_ICE culling penalty");

  for (const i of [1, 2, 3, 4, 5, 6, 7]) fund(i, DATA(5000), core);

  // jackIn with room
  let r = send(K[1], core, "jackIn(uint256,uint8)", DATA(100), 1);
  expectLogs(r, [
    [core, "JackedIn", { user: A1, amount: DATA(100), level: 1, newTotal: DATA(100) }],
    [token, "Transfer", { from: A1, to: core, value: DATA(100) }],
  ], "jackIn VAULT");
  expectRevert(K[1], core, "jackIn(uint256,uint8)", [DATA(100), 2], "second jackIn", "PositionAlreadyExists()");
  expectRevert(K[2], core, "jackIn(uint256,uint8)", [DATA(5), 1], "jackIn below min stake", "BelowMinimumStake()");

  // addStake: Transfer then StakeAdded(newTotal)
  r = send(K[1], core, "addStake(uint256)", DATA(50));
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: core, value: DATA(50) }],
    [core, "StakeAdded", { user: A1, amount: DATA(50), newTotal: DATA(150) }],
  ], "addStake");

  // extract: Transfer then Extracted
  send(K[2], core, "jackIn(uint256,uint8)", DATA(40), 1);
  r = send(K[2], core, "extract()");
  expectLogs(r, [
    [token, "Transfer", { from: core, to: A2, value: DATA(40) }],
    [core, "Extracted", { user: A2, amount: DATA(40), rewards: 0 }],
  ], "extract");
  eq(POS(core, A2).level, 0, "extracted position deleted");

  // full level: BLACK_ICE max 3 positions, 50 % death rate for the scan below
  setLevelConfig(5, { rate: 5000, interval: 1800, minStake: DATA(250), maxPositions: 3, bottom: 5000, penalty: 8000 });
  for (const i of [3, 4, 5]) send(K[i], core, "jackIn(uint256,uint8)", DATA(250), 5);
  try {
    // extra view of ours (absent upstream): the next cull victim is index 0
    const list = wordsOf(callRaw(core, "getLevelPositions(uint8)", 5)).slice(2).map((w) => "0x" + w.slice(24));
    eq(list[0], A3, "level array index 0 before cull");
  } catch {
    console.log("  (getLevelPositions not available)");
  }
  const accBefore = LSTATE(core, 5).acc;
  r = send(K[6], core, "jackIn(uint256,uint8)", DATA(300), 5);
  const penalty = (DATA(250) * 8000n) / 10000n;
  const cullBurn = (penalty * 3000n) / 10000n;
  expectLogs(r, [
    [token, "Transfer", { from: core, to: A3, value: DATA(250) - penalty }],
    [token, "Transfer", { from: core, to: DEAD, value: cullBurn }],
    [core, "PositionCulled", { victim: A3, penaltyAmount: penalty, returnedAmount: DATA(250) - penalty, newEntrant: A6 }],
    [core, "JackedIn", { user: A6, amount: DATA(300), level: 5, newTotal: DATA(300) }],
    [token, "Transfer", { from: A6, to: core, value: DATA(300) }],
  ], "jackIn into full level (cull)");
  const st5 = LSTATE(core, 5);
  eq(st5.aliveCount, 3n, "BLACK_ICE alive count after cull");
  eq(st5.totalStaked, DATA(800), "BLACK_ICE total after cull");
  eq(st5.acc - accBefore, ((penalty - cullBurn) * E18) / DATA(500), "cull credit to remaining stakers' index");
  const v = POS(core, A3);
  ok(!v.alive && v.amount === DATA(250) && v.level === 5, "culled victim kept as dead record with pre-cull amount");
  eq(callU(core, "getPendingRewards(address)", A4), (DATA(250) * (st5.acc)) / E18 - POS(core, A4).rewardDebt, "pending of survivor = index share");
  expectRevert(K[3], core, "jackIn(uint256,uint8)", [DATA(250), 5], "dead address cannot jack in again", "PositionAlreadyExists()");

  // DARKNET: 100 % death rate so the scan kills everyone there
  setLevelConfig(4, { rate: 10000, interval: 3600, minStake: DATA(100), maxPositions: 500, bottom: 5000, penalty: 8000 });
  send(K[7], core, "jackIn(uint256,uint8)", DATA(100), 4);

  // lock period: extract refused in the 60 s before nextScanTime
  const next5 = LSTATE(core, 5).nextScanTime;
  setNextTimestamp(next5 - 30);
  expectRevert(K[4], core, "extract()", [], "extract in lock period", "PositionLocked()");
  expectRevert(K[0], scan, "executeScan(uint8)", [5], "executeScan before nextScanTime", "ScanNotReady()");

  // ── scan 1: BLACK_ICE ──
  setNextTimestamp(next5);
  r = send(K[0], scan, "executeScan(uint8)", 5);
  const [exec] = expectLogs(r, [[scan, "ScanExecuted", { level: 5, scanId: 1 }]], "executeScan BLACK_ICE");
  const seed = exec.args.seed;
  eq(exec.args.executedAt, BigInt(next5), "ScanExecuted.executedAt");
  const cur = callWords(scan, "getCurrentScan(uint8)", 5);
  eq(cur[1], seed, "getCurrentScan seed");
  expectRevert(K[0], scan, "executeScan(uint8)", [5], "executeScan while open", "ScanAlreadyActive()");

  // death rule computed locally vs isDead/wouldDie
  const rollOf = (u) => BigInt(kec(Buffer.from(seed.toString(16).padStart(64, "0") + u.slice(2).padStart(64, "0"), "hex"))) % 10000n;
  const alive5 = [A4, A5, A6];
  const dead5 = alive5.filter((u) => rollOf(u) < 5000n);
  const surv5 = alive5.filter((u) => rollOf(u) >= 5000n);
  for (const u of alive5) {
    eq(callU(scan, "isDead(uint256,address,uint16)", seed, u, 5000) === 1n, rollOf(u) < 5000n, `isDead(${LABELS[u]})`);
    eq(callU(scan, "wouldDie(uint8,address)", 5, u) === 1n, rollOf(u) < 5000n, `wouldDie(${LABELS[u]})`);
  }
  console.log(`  seed ${seed}: dead ${dead5.map((u) => LABELS[u]).join(",") || "-"}; survivors ${surv5.map((u) => LABELS[u]).join(",") || "-"}`);

  if (surv5.length) {
    expectRevert(K[0], scan, "submitDeaths(uint8,address[])", [5, [surv5[0]]], "submitDeaths with a survivor", "UserNotDead()");
  }
  // filtered-only list: culled/dead (A3), other level (A1), no position (A2) -> no event at all
  r = send(K[0], scan, "submitDeaths(uint8,address[])", 5, [A3, A1, A2]);
  expectLogs(r, [], "submitDeaths with nothing surviving the filter");
  let deaths5 = 0n;
  if (dead5.length) {
    // duplicates and filtered entries mixed in
    r = send(K[2], scan, "submitDeaths(uint8,address[])", 5, [A3, ...dead5, dead5[0], A1]);
    deaths5 = DATA(250) * BigInt(dead5.filter((u) => u !== A6).length) + (dead5.includes(A6) ? DATA(300) : 0n);
    expectLogs(r, [
      [core, "DeathsProcessed", { level: 5, count: dead5.length, totalDead: deaths5, burned: 0, distributed: 0 }],
      [scan, "DeathsSubmitted", { level: 5, scanId: 1, count: dead5.length, totalDead: deaths5, submitter: ACC[2] }],
    ], "submitDeaths");
    // resubmitting the same victims: all filtered -> no event
    r = send(K[0], scan, "submitDeaths(uint8,address[])", 5, dead5);
    expectLogs(r, [], "resubmitting processed victims");
    for (const u of dead5) {
      const p = POS(core, u);
      ok(!p.alive && p.streak === 0 && p.amount > 0n, `${LABELS[u]} dead with amount kept`);
    }
  }
  expectRevert(K[0], scan, "finalizeScan(uint8)", [5], "finalize inside the window", "SubmissionWindowNotClosed()");

  setNextTimestamp(next5 + 121);
  const vaultBefore = LSTATE(core, 1);
  let upstreamTvl = 0n;
  for (let l = 1; l < 5; l++) upstreamTvl += LSTATE(core, l).totalStaked;
  r = send(K[0], scan, "finalizeScan(uint8)", 5);
  const expectedFinal = [];
  if (deaths5 > 0n) {
    const share = (deaths5 * 3000n) / 10000n;
    const prot = deaths5 - 3n * share;
    const sameLeft = LSTATE(core, 5).totalStaked > 0n || surv5.length > 0;
    expectedFinal.push(
      [token, "Transfer", { from: core, to: DEAD, value: share }],
      [token, "Transfer", { from: core, to: treasury, value: prot }],
      [core, "CascadeDistributed", { sourceLevel: 5, sameLevelAmount: sameLeft ? share : 0, upstreamAmount: sameLeft ? share : 2n * share, burnAmount: share, protocolAmount: prot }],
    );
  }
  expectedFinal.push(
    [core, "SurvivorsUpdated", { level: 5, count: surv5.length }],
    [scan, "ScanFinalized", { level: 5, scanId: 1, deathCount: dead5.length, totalDead: deaths5, finalizedAt: next5 + 121 }],
  );
  expectLogs(r, expectedFinal, "finalizeScan BLACK_ICE");
  eq(LSTATE(core, 5).nextScanTime, next5 + 121 + 1800, "nextScanTime = finalisation + interval");
  for (const u of surv5) eq(POS(core, u).streak, 1, `${LABELS[u]} ghostStreak`);
  if (deaths5 > 0n) {
    const up = (deaths5 * 3000n) / 10000n * (surv5.length ? 1n : 2n);
    // upstream share pro rata to the safer levels' stake (VAULT and DARKNET here)
    const vaultShare = (up * vaultBefore.totalStaked) / upstreamTvl;
    eq(LSTATE(core, 1).acc - vaultBefore.acc, (vaultShare * E18) / vaultBefore.totalStaked, "upstream credit to VAULT index");
  }

  // ── scan 2: DARKNET, everyone dies, source level empties -> same-level share moves upstream ──
  const next4 = LSTATE(core, 4).nextScanTime;
  setNextTimestamp(Math.max(next4, next5 + 130));
  r = send(K[0], scan, "executeScan(uint8)", 4);
  const [exec2] = expectLogs(r, [[scan, "ScanExecuted", { level: 4, scanId: 2 }]], "executeScan DARKNET (global scan id 2)");
  r = send(K[0], scan, "submitDeaths(uint8,address[])", 4, [A7]);
  expectLogs(r, [
    [core, "DeathsProcessed", { level: 4, count: 1, totalDead: DATA(100), burned: 0, distributed: 0 }],
    [scan, "DeathsSubmitted", { level: 4, scanId: 2, count: 1, totalDead: DATA(100), submitter: ACC[0] }],
  ], "submitDeaths DARKNET");
  setNextTimestamp(Number(exec2.args.executedAt) + 120);
  r = send(K[0], scan, "finalizeScan(uint8)", 4);
  expectLogs(r, [
    [token, "Transfer", { from: core, to: DEAD, value: DATA(30) }],
    [token, "Transfer", { from: core, to: treasury, value: DATA(10) }],
    [core, "CascadeDistributed", { sourceLevel: 4, sameLevelAmount: 0, upstreamAmount: DATA(60), burnAmount: DATA(30), protocolAmount: DATA(10) }],
    [core, "SurvivorsUpdated", { level: 4, count: 0 }],
    [scan, "ScanFinalized", { level: 4, scanId: 2, deathCount: 1, totalDead: DATA(100) }],
  ], "finalizeScan DARKNET (no same-level stake)");

  // ── scan 3: VAULT, nobody dies, upstream of VAULT burns ──
  // direct cascade from VAULT needs a death: make VAULT 100 % lethal with one extra staker
  setLevelConfig(1, { rate: 10000, interval: 14400, minStake: DATA(10), maxPositions: 5000, bottom: 5000, penalty: 8000 });
  const next1 = LSTATE(core, 1).nextScanTime;
  // A1 must not die here (it is used below): give it a 100 % death-reduction boost
  const expiry = next1 + 100000;
  const nonce = kec("boost-1");
  const boostTypehash = kec("Boost(address user,uint8 boostType,uint16 valueBps,uint64 expiry,bytes32 nonce)");
  const structHash = cast("keccak", cast("abi-encode", "f(bytes32,address,uint8,uint16,uint64,bytes32)", boostTypehash, A1, "0", "10000", String(expiry), nonce));
  const domain = cast("keccak", cast("abi-encode", "f(bytes32,bytes32,bytes32,uint256,address)",
    kec("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"), kec("GHOSTNET"), kec("1"), "31337", core));
  try {
    eq("0x" + wordsOf(callRaw(core, "DOMAIN_SEPARATOR()"))[0], domain, "EIP-712 domain separator (GHOSTNET, 1, chainId, proxy)");
  } catch {
    console.log("  (DOMAIN_SEPARATOR not available)");
  }
  const digest = cast("keccak", "0x1901" + domain.slice(2) + structHash.slice(2));
  const sig = cast("wallet", "sign", "--no-hash", "--private-key", K[8], digest);
  r = send(K[1], core, "applyBoost(uint8,uint16,uint64,bytes32,bytes)", 0, 10000, expiry, nonce, sig);
  expectLogs(r, [[core, "BoostApplied", { user: A1, boostType: 0, valueBps: 10000, expiry }]], "applyBoost (EIP-712 voucher)");
  expectRevert(K[1], core, "applyBoost(uint8,uint16,uint64,bytes32,bytes)", [0, 10000, expiry, nonce, sig], "boost nonce reuse", "NonceAlreadyUsed()");
  eq(callU(core, "getEffectiveDeathRate(address)", A1), 0n, "effective death rate with boost");
  send(K[2], core, "jackIn(uint256,uint8)", DATA(20), 1);
  setNextTimestamp(Math.max(next1, now() + 1));
  r = send(K[0], scan, "executeScan(uint8)", 1);
  const [exec3] = expectLogs(r, [[scan, "ScanExecuted", { level: 1, scanId: 3 }]], "executeScan VAULT");
  eq(callU(scan, "wouldDie(uint8,address)", 1, A1), 0n, "boosted user would not die");
  r = send(K[0], scan, "submitDeaths(uint8,address[])", 1, [A2]);
  expectLogs(r, [
    [core, "DeathsProcessed", { level: 1, count: 1, totalDead: DATA(20) }],
    [scan, "DeathsSubmitted", { level: 1, scanId: 3, count: 1, totalDead: DATA(20) }],
  ], "submitDeaths VAULT");
  expectRevert(K[0], scan, "submitDeaths(uint8,address[])", [1, [A1]], "submitting a boosted (immune) user", "UserNotDead()");
  setNextTimestamp(Number(exec3.args.executedAt) + 120);
  r = send(K[0], scan, "finalizeScan(uint8)", 1);
  expectLogs(r, [
    [token, "Transfer", { from: core, to: DEAD, value: DATA(6) }], // upstream share burned (no safer level)
    [token, "Transfer", { from: core, to: DEAD, value: DATA(6) }],
    [token, "Transfer", { from: core, to: treasury, value: DATA(2) }],
    [core, "CascadeDistributed", { sourceLevel: 1, sameLevelAmount: DATA(6), upstreamAmount: DATA(6), burnAmount: DATA(6), protocolAmount: DATA(2) }],
    [core, "SurvivorsUpdated", { level: 1, count: 1 }],
    [scan, "ScanFinalized", { level: 1, scanId: 3, deathCount: 1, totalDead: DATA(20) }],
  ], "finalizeScan VAULT (upstream burned but reported)");

  // ── emissions and claimRewards ──
  send(K[0], core, "grantRole(bytes32,address)", ROLE("DISTRIBUTOR_ROLE"), ACC[0]);
  r = send(K[0], core, "addEmissionRewards(uint8,uint256)", 1, DATA(15));
  expectLogs(r, [[core, "EmissionsAdded", { level: 1, amount: DATA(15) }]], "addEmissionRewards");
  r = send(K[0], core, "addEmissionRewards(uint8,uint256)", 3, DATA(7));
  expectLogs(r, [[core, "EmissionsAdded", { level: 3, amount: DATA(7) }]], "addEmissionRewards on empty level (reported, credited to nobody)");
  eq(LSTATE(core, 3).acc, 0n, "empty level index unchanged");
  const pending = callU(core, "getPendingRewards(address)", A1);
  ok(pending > DATA(15) - 10n, `A1 pending rewards ${pending} include the emission`);
  const bal = balanceOf(token, A1);
  r = send(K[1], core, "claimRewards()");
  expectLogs(r, [[token, "Transfer", { from: core, to: A1, value: pending }]], "claimRewards (no GhostCore event)");
  eq(balanceOf(token, A1) - bal, pending, "claimRewards paid pending");
  eq(callU(core, "getPendingRewards(address)", A1), 0n, "pending after claim");

  // addStake forfeits pending rewards
  send(K[0], core, "addEmissionRewards(uint8,uint256)", 1, DATA(3));
  ok(callU(core, "getPendingRewards(address)", A1) > 0n, "pending before addStake");
  r = send(K[1], core, "addStake(uint256)", DATA(10));
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: core, value: DATA(10) }],
    [core, "StakeAdded", { user: A1, amount: DATA(10), newTotal: DATA(160) }],
  ], "addStake after emission");
  eq(callU(core, "getPendingRewards(address)", A1), 0n, "addStake forfeited pending rewards");

  // ── system reset ──
  const reset = callWords(core, "getSystemReset()");
  eq(reset[1], BigInt(A1), "lastDepositor = last depositor");
  expectRevert(K[5], core, "triggerSystemReset()", [], "reset before deadline", "SystemResetNotReady()");
  setNextTimestamp(Number(reset[0]));
  let tvl = 0n;
  for (let l = 1; l <= 5; l++) tvl += LSTATE(core, l).totalStaked;
  const pool = (tvl * 2500n) / 10000n;
  const jackpot = pool / 2n;
  const rburn = (pool * 3000n) / 10000n;
  r = send(K[5], core, "triggerSystemReset()");
  expectLogs(r, [
    [token, "Transfer", { from: core, to: A1, value: jackpot }],
    [token, "Transfer", { from: core, to: DEAD, value: rburn }],
    [token, "Transfer", { from: core, to: treasury, value: pool - jackpot - rburn }],
    [core, "SystemResetTriggered", { totalPenalty: pool, jackpotWinner: ZERO, jackpotAmount: jackpot }],
  ], "triggerSystemReset (winner reported as 0x0)");
  const reset2 = callWords(core, "getSystemReset()");
  eq(reset2[3], 2n, "reset epoch");
  eq(POS(core, A1).amount, DATA(160), "haircut is lazy (amount unchanged until next action)");
  r = send(K[1], core, "addStake(uint256)", DATA(10));
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: core, value: DATA(10) }],
    [core, "StakeAdded", { user: A1, amount: DATA(10), newTotal: DATA(120) + DATA(10) }],
  ], "addStake after reset (newTotal includes the 25 % haircut)");
  // reset with no deposit since: nothing paid to a winner, jackpot still reported
  const reset3 = callWords(core, "getSystemReset()");
  setNextTimestamp(Number(reset3[0]) + 1);
  r = send(K[5], core, "triggerSystemReset()"); // lastDepositor = A1 again (addStake above)
  const rs = expectLogs(r, [
    [token, "Transfer", { to: A1 }],
    [token, "Transfer", { to: DEAD }],
    [token, "Transfer", { to: treasury }],
    [core, "SystemResetTriggered", { jackpotWinner: ZERO }],
  ], "second reset");
  const reset4 = callWords(core, "getSystemReset()");
  setNextTimestamp(Number(reset4[0]) + 1);
  r = send(K[5], core, "triggerSystemReset()");
  const dec = expectLogs(r, [
    [token, "Transfer", { to: DEAD }],
    [token, "Transfer", { to: treasury }],
    [core, "SystemResetTriggered", { jackpotWinner: ZERO }],
  ], "reset without a depositor (no jackpot transfer)");
  ok(dec[2]?.args.jackpotAmount > 0n, "jackpotAmount still reported");

  // ── pause + emergencyWithdraw ──
  expectRevert(K[4], core, "emergencyWithdraw()", [], "emergencyWithdraw while not paused", "ExpectedPause()");
  r = send(K[0], core, "pause()");
  expectLogs(r, [[core, "Paused", { account: ACC[0] }]], "pause");
  expectRevert(K[1], core, "claimRewards()", [], "claimRewards while paused", "EnforcedPause()");
  const a1 = POS(core, A1).amount;
  r = send(K[1], core, "emergencyWithdraw()");
  expectLogs(r, [
    [token, "Transfer", { from: core, to: A1, value: a1 }],
    [core, "Extracted", { user: A1, amount: a1, rewards: 0 }],
  ], "emergencyWithdraw (alive)");
  // dead position: pre-death amount paid back (level total permitting)
  if (dead5.length && LSTATE(core, 5).totalStaked >= POS(core, dead5[0]).amount) {
    const d = dead5[0];
    const amt = POS(core, d).amount;
    r = send(K[ACC.indexOf(d)], core, "emergencyWithdraw()");
    expectLogs(r, [
      [token, "Transfer", { from: core, to: d, value: amt }],
      [core, "Extracted", { user: d, amount: amt, rewards: 0 }],
    ], "emergencyWithdraw (dead position)");
  }
  r = send(K[0], core, "unpause()");
  expectLogs(r, [[core, "Unpaused", { account: ACC[0] }]], "unpause");
  eq(POS(core, A1).level, 0, "emergencyWithdraw deleted the position");
  r = send(K[1], core, "jackIn(uint256,uint8)", DATA(100), 2);
  expectLogs(r, [
    [core, "JackedIn", { user: A1, level: 2 }],
    [token, "Transfer", { from: A1, to: core }],
  ], "jackIn again after emergencyWithdraw");
});

// Scenarios for the other contracts are appended by later sections of this file.
scenario("periphery", () => {
  deployCore();
  const { token, core, treasury } = ctx;
  const K = KEYS;
  const [A1, A2, A3] = [ACC[1], ACC[2], ACC[3]];

  // ── DeadPool ──
  section("DeadPool");
  const dp = deployProxy(K[0], "DeadPool", "initialize(address,address)", token, ACC[0]).proxy;
  send(K[0], token, "setTaxExclusion(address,bool)", dp, true);
  fund(1, DATA(1000), dp);
  fund(2, DATA(1000), dp);
  const deadline = now() + 1000;
  let r = send(K[0], dp, "createRound(uint8,uint8,uint256,uint64)", 0, 5, 3, deadline);
  expectLogs(r, [[dp, "RoundCreated", { roundId: 1, roundType: 0, targetLevel: 5, line: 3, deadline }]], "createRound");
  r = send(K[1], dp, "placeBet(uint256,bool,uint256)", 1, true, DATA(100));
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: dp, value: DATA(100) }],
    [dp, "BetPlaced", { roundId: 1, user: A1, isOver: true, amount: DATA(100) }],
  ], "placeBet");
  r = send(K[1], dp, "placeBet(uint256,bool,uint256)", 1, true, DATA(50));
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: dp, value: DATA(50) }],
    [dp, "BetPlaced", { roundId: 1, user: A1, isOver: true, amount: DATA(50) }],
  ], "placeBet again (increment)");
  eq(callWords(dp, "getBet(uint256,address)", 1, A1)[0], DATA(150), "bet accumulated");
  expectRevert(K[1], dp, "placeBet(uint256,bool,uint256)", [1, false, DATA(1)], "bet on the other side", "InvalidAmount()");
  send(K[2], dp, "placeBet(uint256,bool,uint256)", 1, false, DATA(200));
  expectRevert(K[0], dp, "resolveRound(uint256,bool)", [1, true], "resolve before deadline", "RoundNotEnded()");
  setNextTimestamp(deadline);
  rpc("evm_mine");
  expectRevert(K[2], dp, "placeBet(uint256,bool,uint256)", [1, false, DATA(1)], "bet after deadline", "RoundEnded()");
  const pot = DATA(350);
  const rake = (pot * 500n) / 10000n;
  r = send(K[0], dp, "resolveRound(uint256,bool)", 1, true);
  expectLogs(r, [
    [token, "Transfer", { from: dp, to: DEAD, value: rake }],
    [dp, "RoundResolved", { roundId: 1, outcome: true, totalPot: pot, burned: rake }],
  ], "resolveRound");
  expectRevert(K[2], dp, "claimWinnings(uint256)", [1], "loser claim", "NotWinner()");
  r = send(K[1], dp, "claimWinnings(uint256)", 1);
  const win = (DATA(150) * (pot - rake)) / DATA(150);
  expectLogs(r, [
    [token, "Transfer", { from: dp, to: A1, value: win }],
    [dp, "WinningsClaimed", { roundId: 1, user: A1, amount: win }],
  ], "claimWinnings");

  // ── FeeRouter + MockSwapRouter ──
  section("FeeRouter");
  const RATE = DATA(1000); // 1000 DATA per ETH
  const router = deploy(K[0], "MockSwapRouter", "constructor(address,uint256)", token, RATE);
  send(K[0], token, "setTaxExclusion(address,bool)", router, true);
  send(K[0], token, "transfer(address,uint256)", router, DATA(100000));
  const ops = ACC[7];
  const weth = "0x4200000000000000000000000000000000000006";
  const fr = deploy(K[0], "FeeRouter", "constructor(address,address,address,address,uint256,address)", token, weth, router, ops, E18 / 100n, ACC[0]);
  expectLogs(DEPLOY_RCPT[fr], [[fr, "OwnershipTransferred", { previousOwner: ZERO, newOwner: ACC[0] }]], "FeeRouter constructor");
  const direct = "0x" + Buffer.from("direct").toString("hex").padEnd(64, "0");
  r = sendValue(K[1], fr, E18);
  expectLogs(r, [[fr, "TollCollected", { from: A1, amount: E18, reason: direct }]], "plain ETH to FeeRouter");
  expectRevert(K[2], fr, "collectToll(bytes32)", [kec("jackin")], "collectToll by non-collector", "Unauthorized()");
  r = send(K[0], fr, "setCollector(address,bool)", A2, true);
  expectLogs(r, [], "setCollector (no event)");
  r = sendValue(K[2], fr, E18 / 50n, "collectToll(bytes32)", kec("jackin"));
  expectLogs(r, [[fr, "TollCollected", { from: A2, amount: E18 / 50n, reason: kec("jackin") }]], "collectToll");
  let bal = E18 + E18 / 50n;
  let buy = (bal * 9000n) / 10000n;
  r = send(K[3], fr, "executeBuyback(uint256)", 0);
  expectLogs(r, [
    [fr, "OperationsWithdrawn", { to: ops, amount: bal - buy }],
    [token, "Transfer", { from: router, to: fr, value: (buy * RATE) / E18 }],
    [token, "Transfer", { from: fr, to: DEAD, value: (buy * RATE) / E18 }],
    [fr, "BuybackExecuted", { ethSpent: buy, dataReceived: (buy * RATE) / E18, dataBurned: (buy * RATE) / E18 }],
  ], "executeBuyback");
  r = send(K[0], fr, "setSwapRouter(address)", ZERO);
  expectLogs(r, [[fr, "SwapRouterUpdated", { newRouter: ZERO }]], "setSwapRouter(0)");
  sendValue(K[1], fr, E18);
  r = send(K[3], fr, "executeBuyback(uint256)", 0);
  expectLogs(r, [[fr, "OperationsWithdrawn", { to: ops, amount: E18 / 10n }]], "executeBuyback without router (90 % kept)");
  send(K[0], fr, "setSwapRouter(address)", router);
  bal = (E18 * 9n) / 10n;
  buy = (bal * 9000n) / 10000n;
  const swapData = cast("calldata", "swapTo(address)", fr);
  r = send(K[3], fr, "executeBuybackWithData(bytes,uint256)", swapData, 0);
  expectLogs(r, [
    [token, "Transfer", { from: router, to: fr, value: (buy * RATE) / E18 }],
    [token, "Transfer", { from: fr, to: DEAD, value: (buy * RATE) / E18 }],
    [fr, "BuybackExecuted", { ethSpent: buy }],
  ], "executeBuybackWithData (operations paid without event)");
  r = send(K[0], fr, "setTollAmount(uint256)", 123);
  expectLogs(r, [[fr, "TollAmountUpdated", { newAmount: 123 }]], "setTollAmount");
  r = send(K[0], fr, "setOperationsWallet(address)", ACC[6]);
  expectLogs(r, [[fr, "OperationsWalletUpdated", { newWallet: ACC[6] }]], "setOperationsWallet");

  // ── RewardsDistributor ──
  section("RewardsDistributor");
  const rd = deploy(K[0], "RewardsDistributor", "constructor(address,address,address)", token, core, ACC[0]);
  const start = BigInt(callU(rd, "emissionStart()"));
  send(K[0], core, "grantRole(bytes32,address)", ROLE("DISTRIBUTOR_ROLE"), rd);
  send(K[0], token, "setTaxExclusion(address,bool)", rd, true);
  send(K[0], token, "transfer(address,uint256)", rd, DATA(60_000_000));
  setNextTimestamp(Number(start) + 86400);
  r = send(K[5], rd, "distribute()");
  const total = (DATA(60_000_000) * 86400n) / (730n * 86400n);
  const weights = [500n, 1000n, 2000n, 3000n, 3500n];
  const exp = [];
  weights.forEach((w, i) => {
    exp.push([token, "Transfer", { from: rd, to: core, value: (total * w) / 10000n }]);
    exp.push([core, "EmissionsAdded", { level: i + 1, amount: (total * w) / 10000n }]);
  });
  exp.push([rd, "EmissionsDistributed", { totalAmount: total, timestamp: Number(start) + 86400 }]);
  expectLogs(r, exp, "distribute (5 pairs then summary)");
  r = send(K[0], rd, "setLevelWeights(uint16[5])", "[0,0,0,5000,5000]");
  expectLogs(r, [[rd, "WeightsUpdated", { newWeights: [0, 0, 0, 5000, 5000] }]], "setLevelWeights");
  setNextTimestamp(Number(start) + 86400 + 3600);
  r = send(K[5], rd, "distribute()");
  const t2 = (DATA(60_000_000) * 3600n) / (730n * 86400n);
  expectLogs(r, [
    [token, "Transfer", { from: rd, to: core, value: t2 / 2n }],
    [core, "EmissionsAdded", { level: 4, amount: t2 / 2n }],
    [token, "Transfer", { from: rd, to: core, value: t2 / 2n }],
    [core, "EmissionsAdded", { level: 5, amount: t2 / 2n }],
    [rd, "EmissionsDistributed", { totalAmount: t2 }],
  ], "distribute with two non-zero weights");
  r = send(K[0], rd, "setGhostCore(address)", core);
  expectLogs(r, [[rd, "GhostCoreUpdated", { newGhostCore: core }]], "setGhostCore");

  // ── TeamVesting ──
  section("TeamVesting");
  const tv = deploy(K[0], "TeamVesting", "constructor(address,address[],uint256[])", token, [A3], [DATA(730)]);
  expectLogs(DEPLOY_RCPT[tv], [], "TeamVesting constructor (no events)");
  send(K[0], token, "setTaxExclusion(address,bool)", ACC[0], true);
  send(K[0], token, "transfer(address,uint256)", tv, DATA(730));
  send(K[0], token, "setTaxExclusion(address,bool)", ACC[0], false);
  expectRevert(K[3], tv, "claim()", [], "claim before cliff", "NothingToClaim()");
  const vstart = Number(callU(tv, "vestingStart()"));
  setNextTimestamp(vstart + 30 * 86400);
  r = send(K[3], tv, "claim()");
  const amt = DATA(30);
  const tax = amt / 10n;
  const burn = (tax * 9n) / 10n;
  expectLogs(r, [
    [token, "Transfer", { from: tv, to: A3, value: amt - tax }],
    [token, "Transfer", { from: tv, to: DEAD, value: burn }],
    [token, "Transfer", { from: tv, to: treasury, value: tax - burn }],
    [token, "TaxBurned", { from: tv, amount: burn }],
    [token, "TaxCollected", { from: tv, amount: tax - burn }],
    [tv, "TokensClaimed", { beneficiary: A3, amount: amt }],
  ], "claim at the cliff (taxed: TeamVesting not excluded)");
});

/** personal-sign (EIP-191) of keccak256(abi.encodePacked(types, values)) */
function oracleSign(key, types, values) {
  const packed = cast("abi-encode", "--packed", `f(${types.join(",")})`, ...values.map(toArg));
  return cast("wallet", "sign", "--private-key", key, cast("keccak", packed));
}
const cfgTuple = (c) => `(${c.min},${c.max},${c.rake},${c.burn},${c.pos},${c.paused})`;
const GAMECFG = "(uint256,uint256,uint16,uint16,bool,bool)";

scenario("arcade", () => {
  deployCore();
  const { token, core, treasury } = ctx;
  const K = KEYS;
  const [A1, A2, A3] = [ACC[1], ACC[2], ACC[3]];

  section("ArcadeCore / GameRegistry / HashCrash");
  const arcade = deployProxy(K[0], "ArcadeCore", "initialize(address,address,address,address)", token, core, treasury, ACC[0]).proxy;
  send(K[0], token, "setTaxExclusion(address,bool)", arcade, true);
  const reg = deploy(K[0], "GameRegistry", "constructor(address,address)", ACC[0], arcade);
  send(K[0], arcade, "grantRole(bytes32,address)", ROLE("GAME_ADMIN_ROLE"), reg);
  const hc = deploy(K[0], "HashCrash", "constructor(address,address)", arcade, ACC[0]);
  for (const i of [1, 2, 3]) fund(i, DATA(2000), arcade);

  const entry = { min: DATA(1), max: DATA(1000), rake: 500, burn: 5000, pos: false, boost: true };
  let r = send(K[0], reg, "registerGame(address,(uint128,uint128,uint16,uint16,bool,bool))", hc,
    `(${entry.min},${entry.max},${entry.rake},${entry.burn},${entry.pos},${entry.boost})`);
  const coreCfg = { minEntry: entry.min, maxEntry: entry.max, rakeBps: 500, burnBps: 5000, requiresPosition: false, paused: false };
  expectLogs(r, [
    [arcade, "GameRegistered", { game: hc, config: coreCfg }],
    [reg, "GameRegistered", { game: hc, gameId: "0xccba6876800e46e8d3bf8c26ff047c4fde2e1e118bfcba7e8a5f47f23d6cc768", name: "Hash Crash" }],
  ], "registry.registerGame(HashCrash)");
  r = send(K[0], reg, "updateEntryConfig(address,(uint128,uint128,uint16,uint16,bool,bool))", hc,
    `(${entry.min},${DATA(2000)},${entry.rake},${entry.burn},false,false)`);
  expectLogs(r, [
    [arcade, "GameConfigUpdated", { game: hc, config: { ...coreCfg, maxEntry: DATA(2000) } }],
    [reg, "GameConfigUpdated", { game: hc }],
  ], "registry.updateEntryConfig");
  r = send(K[0], reg, "pauseGame(address)", hc);
  expectLogs(r, [[arcade, "GameConfigUpdated", { config: { paused: true } }], [reg, "GamePaused", { game: hc }]], "registry.pauseGame");
  r = send(K[0], reg, "unpauseGame(address)", hc);
  expectLogs(r, [[arcade, "GameConfigUpdated", { config: { paused: false } }], [reg, "GameUnpaused", { game: hc }]], "registry.unpauseGame");

  // removal flow on a dummy "game" without getGameInfo (fallback id and empty name)
  const dummy = deploy(K[0], "MockSwapRouter", "constructor(address,uint256)", token, 0);
  r = send(K[0], reg, "registerGame(address,(uint128,uint128,uint16,uint16,bool,bool))", dummy, "(0,0,0,0,false,false)");
  const fallbackId = kec(Buffer.from(dummy.slice(2), "hex"));
  expectLogs(r, [[arcade, "GameRegistered", { game: dummy }], [reg, "GameRegistered", { game: dummy, gameId: fallbackId, name: "" }]], "register game without getGameInfo");
  r = send(K[0], reg, "markGameForRemoval(address)", dummy);
  const removalTime = now() + 7 * 86400;
  expectLogs(r, [
    [arcade, "GameConfigUpdated", { game: dummy, config: { paused: true } }],
    [reg, "GamePaused", { game: dummy }],
    [reg, "GameMarkedForRemoval", { game: dummy, removalTime }],
  ], "markGameForRemoval (pauses first)");
  r = send(K[0], reg, "cancelGameRemoval(address)", dummy);
  expectLogs(r, [[reg, "GameRemovalCancelled", { game: dummy }]], "cancelGameRemoval (does not unpause)");
  r = send(K[0], reg, "markGameForRemoval(address)", dummy);
  expectLogs(r, [[reg, "GameMarkedForRemoval", { game: dummy }]], "markGameForRemoval (already paused)");
  expectRevert(K[0], reg, "removeGame(address)", [dummy], "removeGame before grace period", "GracePeriodNotElapsed(uint256,uint256)");
  setNextTimestamp(now() + 7 * 86400 + 1);
  r = send(K[0], reg, "removeGame(address)", dummy);
  expectLogs(r, [[arcade, "GameUnregistered", { game: dummy }], [reg, "GameRemoved", { game: dummy }]], "removeGame");

  // ── HashCrash round 1: everybody loses (target 100x never wins), settleAll ──
  r = send(K[5], hc, "startRound()");
  expectLogs(r, [[hc, "RoundStarted", { roundId: 1, seedBlock: 0 }]], "startRound");
  const rake = DATA(5);
  r = send(K[1], hc, "placeBet(uint256,uint256)", DATA(100), 10000);
  expectLogs(r, [
    [arcade, "SessionCreated", { game: hc, sessionId: 1 }],
    [token, "Transfer", { from: A1, to: arcade, value: DATA(100) }],
    [token, "Transfer", { from: arcade, to: DEAD, value: rake / 2n }],
    [token, "Transfer", { from: arcade, to: treasury, value: rake / 2n }],
    [arcade, "EntryProcessed", { game: hc, player: A1, sessionId: 1, amount: DATA(100), netAmount: DATA(95), rakeAmount: rake }],
    [hc, "BetPlaced(uint256,address,uint256,uint256,uint256)", { roundId: 1, player: A1, amount: DATA(100), netAmount: DATA(95), targetMultiplier: 10000 }],
  ], "HashCrash placeBet (first bet creates the session)");
  r = send(K[2], hc, "placeBet(uint256,uint256)", DATA(200), 10000);
  expectLogs(r, [
    [token, "Transfer", { from: A2, to: arcade }],
    [token, "Transfer", { to: DEAD }],
    [token, "Transfer", { to: treasury }],
    [arcade, "EntryProcessed", { player: A2, sessionId: 1, amount: DATA(200), netAmount: DATA(190) }],
    [hc, "BetPlaced(uint256,address,uint256,uint256,uint256)", { player: A2 }],
  ], "HashCrash second bet (no SessionCreated)");
  expectRevert(K[1], hc, "placeBet(uint256,uint256)", [DATA(10), 200], "second bet by the same player", "PlayerAlreadyInSession()");
  expectRevert(K[5], hc, "lockRound()", [], "lockRound during betting", "BettingNotEnded()");
  setNextTimestamp(now() + 61);
  r = send(K[5], hc, "lockRound()");
  const lockBlock = Number(r.blockNumber);
  const window = cast("code", "--rpc-url", RPC, "0x0000F90827F1C53a10cb7A02335B175320002935") === "0x" ? 256 : 8191;
  expectLogs(r, [
    [hc, "SeedCommitted", { roundId: 1, seedBlock: lockBlock + 3, deadline: lockBlock + 3 + window }],
    [hc, "RoundStarted", { roundId: 1, seedBlock: lockBlock + 3 }],
  ], `lockRound (seedBlock = lock block + 3, window ${window})`);
  expectRevert(K[5], hc, "revealCrash()", [], "revealCrash before the seed block", "SeedNotReady()");
  rpc("anvil_mine", 3);
  r = send(K[5], hc, "revealCrash()");
  const seedHash = JSON.parse(cast("block", "--rpc-url", RPC, String(lockBlock + 3), "--json")).hash;
  const seed = BigInt(cast("keccak", cast("abi-encode", "f(bytes32,uint256,address,uint256)", seedHash, "1", hc, "31337")));
  const crashOf = (s) => {
    const maxH = 1n << 52n;
    const h = s & (maxH - 1n);
    const thr = (maxH * 400n) / 10000n;
    if (h < thr) return 100n;
    let c = ((maxH - thr) * 100n) / (maxH - h);
    return c < 100n ? 100n : c > 10000n ? 10000n : c;
  };
  const crash = crashOf(seed);
  expectLogs(r, [
    [hc, "SeedRevealed", { roundId: 1, blockHash: seedHash, seed, usedExtendedHistory: false }],
    [hc, "CrashPointRevealed", { roundId: 1, crashMultiplier: crash, seed }],
    [hc, "RoundResolved", { roundId: 1, seed, outcome: crash }],
  ], `revealCrash (crash ${crash})`);
  r = send(K[5], hc, "settleAll()");
  expectLogs(r, [
    [token, "Transfer", { from: arcade, to: DEAD, value: DATA(95) }],
    [arcade, "GameSettled", { game: hc, player: A1, sessionId: 1, payout: 0, burned: DATA(95), won: false }],
    [hc, "PlayerLost", { roundId: 1, player: A1, targetMultiplier: 10000, crashMultiplier: crash }],
    [hc, "PlayerPaidOut", { roundId: 1, player: A1, payout: 0, won: false }],
    [token, "Transfer", { from: arcade, to: DEAD, value: DATA(190) }],
    [arcade, "GameSettled", { player: A2, burned: DATA(190), won: false }],
    [hc, "PlayerLost", { player: A2 }],
    [hc, "PlayerPaidOut", { player: A2, payout: 0, won: false }],
    [arcade, "SessionSettled", { game: hc, sessionId: 1, totalPaid: DATA(285), remaining: 0 }],
  ], "settleAll (losers burned, SessionSettled is the round-over signal)");

  // ── round 2: a winner (target 1.01x) is credited by settle(player) ──
  send(K[5], hc, "startRound()");
  send(K[1], hc, "placeBet(uint256,uint256)", DATA(100), 101);
  send(K[3], hc, "placeBet(uint256,uint256)", DATA(100), 10000);
  setNextTimestamp(now() + 61);
  send(K[5], hc, "lockRound()");
  rpc("anvil_mine", 3);
  const rev2 = expectLogs(send(K[5], hc, "revealCrash()"), [[hc, "SeedRevealed"], [hc, "CrashPointRevealed"], [hc, "RoundResolved"]], "revealCrash round 2");
  const crash2 = rev2[1].args.crashMultiplier;
  if (crash2 > 101n) {
    const payout = (DATA(95) * 101n) / 100n;
    r = send(K[5], hc, "settle(address)", A1);
    expectLogs(r, [
      [arcade, "PayoutCredited", { player: A1, amount: payout, totalPending: payout }],
      [arcade, "GameSettled", { game: hc, player: A1, sessionId: 2, payout, burned: 0, won: true }],
      [hc, "PlayerWon", { roundId: 2, player: A1, targetMultiplier: 101, payout }],
      [hc, "PlayerPaidOut", { roundId: 2, player: A1, payout, won: true }],
    ], `settle(winner) (crash ${crash2})`);
    // upstream economics: losers' nets are burned, so payout + burns exceed the pool
    expectRevert(K[5], hc, "settleAll()", [], "settleAll after a winner (pool too small, upstream behaviour)", "PayoutExceedsPrizePool()");
    r = send(K[0], hc, "emergencyCancel(uint256,string)", 2, "stuck");
    expectLogs(r, [
      [arcade, "SessionCancelled", { game: hc, sessionId: 2, prizePool: DATA(190) }],
      [hc, "RoundCancelled", { roundId: 2, reason: "stuck" }],
    ], "emergencyCancel");
    r = send(K[1], arcade, "withdrawPayout()");
    expectLogs(r, [
      [token, "Transfer", { from: arcade, to: A1, value: payout }],
      [arcade, "PayoutWithdrawn", { player: A1, amount: payout }],
    ], "withdrawPayout");
  } else {
    console.log(`  (crash ${crash2} <= 1.01x: no winner this run)`);
    send(K[5], hc, "settleAll()");
  }

  // ── round 3: no bets -> cancelled at lock ──
  send(K[5], hc, "startRound()");
  setNextTimestamp(now() + 61);
  r = send(K[5], hc, "lockRound()");
  expectLogs(r, [[hc, "RoundCancelled", { roundId: 3, reason: "No bets placed" }]], "lockRound without bets");

  // ── round 4: seed expires -> handleExpiredRound, refunds ──
  send(K[5], hc, "startRound()");
  send(K[3], hc, "placeBet(uint256,uint256)", DATA(40), 150);
  setNextTimestamp(now() + 61);
  send(K[5], hc, "lockRound()");
  expectRevert(K[5], hc, "handleExpiredRound()", [], "handleExpiredRound before expiry", "RoundNotReady()");
  // Mining 8191+ blocks on anvil is slow: hide the EIP-2935 history contract so the effective
  // window is the native 256 blocks, then restore it.
  const HIST = "0x0000F90827F1C53a10cb7A02335B175320002935";
  const histCode = cast("code", "--rpc-url", RPC, HIST);
  if (histCode !== "0x") rpc("anvil_setCode", HIST, "0x");
  rpc("anvil_mine", 256 + 4);
  r = send(K[5], hc, "handleExpiredRound()");
  if (histCode !== "0x") rpc("anvil_setCode", HIST, histCode);
  expectLogs(r, [
    [arcade, "SessionCancelled", { game: hc, sessionId: 4, prizePool: DATA(38) }],
    [hc, "RoundCancelled", { roundId: 4, reason: "Seed expired" }],
  ], "handleExpiredRound");
  r = send(K[5], hc, "claimExpiredRefund(uint256,address)", 4, A3);
  expectLogs(r, [
    [arcade, "ExpiredRefundClaimed", { player: A3, sessionId: 4, amount: DATA(38) }],
    [hc, "PlayerPaidOut", { roundId: 4, player: A3, payout: DATA(38), won: false }],
  ], "claimExpiredRefund (anyone, for a player)");
  r = send(K[0], hc, "setActive(bool)", false);
  expectLogs(r, [[hc, "GameActiveStatusChanged", { isActive: false }]], "HashCrash setActive");

  // session id collision: another game using id 1 on the same ArcadeCore
  send(K[0], arcade, "registerGame(address," + GAMECFG + ")", ACC[6], cfgTuple({ min: 0, max: 0, rake: 0, burn: 0, pos: false, paused: false }));
  expectRevert(K[6], arcade, "processEntry(address,uint256,uint256)", [A1, DATA(1), 1], "session id owned by another game", "SessionGameMismatch()");

  // ── ArcadeCore driven directly by an EOA registered as a game ──
  section("ArcadeCore (EOA game)");
  const G = ACC[6];
  const GK = K[6];
  send(K[0], arcade, "updateGameConfig(address," + GAMECFG + ")", G, cfgTuple({ min: DATA(1), max: 0, rake: 1000, burn: 5000, pos: false, paused: false }));
  r = send(GK, arcade, "processEntry(address,uint256,uint256)", A1, DATA(10), 500);
  expectLogs(r, [
    [arcade, "SessionCreated", { game: G, sessionId: 500 }],
    [token, "Transfer", { from: A1, to: arcade, value: DATA(10) }],
    [token, "Transfer", { to: DEAD, value: DATA(0.5) }],
    [token, "Transfer", { to: treasury, value: DATA(0.5) }],
    [arcade, "EntryProcessed", { game: G, player: A1, sessionId: 500, amount: DATA(10), netAmount: DATA(9), rakeAmount: DATA(1) }],
  ], "processEntry");
  send(GK, arcade, "processEntry(address,uint256,uint256)", A2, DATA(20), 500);
  r = send(GK, arcade, "emergencyRefund(uint256,address,uint256)", 500, A1, DATA(9));
  expectLogs(r, [[arcade, "EmergencyRefund", { game: G, player: A1, sessionId: 500, amount: DATA(9) }]], "emergencyRefund");
  r = send(GK, arcade, "batchEmergencyRefund(uint256,address[])", 500, [A1, A2, A3]);
  expectLogs(r, [
    [arcade, "EmergencyRefund", { player: A2, amount: DATA(18) }],
    [arcade, "BatchEmergencyRefund", { game: G, sessionId: 500, playersRefunded: 1, totalRefunded: DATA(18) }],
  ], "batchEmergencyRefund (skips refunded and unknown players)");
  setNextTimestamp(now() + 2);
  send(GK, arcade, "processEntry(address,uint256,uint256)", A1, DATA(10), 501);
  send(GK, arcade, "processEntry(address,uint256,uint256)", A2, DATA(10), 501);
  r = send(GK, arcade, "batchCreditPayouts(uint256[],address[],uint256[],uint256[],bool[])", [501, 501], [A1, A2], [DATA(9), 0], [0, DATA(9)], [true, false]);
  expectLogs(r, [
    [arcade, "PayoutCredited", { player: A1, amount: DATA(9) }],
    [arcade, "GameSettled", { game: G, player: A1, sessionId: 501, payout: DATA(9), burned: 0, won: true }],
    [token, "Transfer", { from: arcade, to: DEAD, value: DATA(9) }],
    [arcade, "GameSettled", { player: A2, payout: 0, burned: DATA(9), won: false }],
    [arcade, "BatchPayoutProcessed", { game: G, batchSize: 2, totalPaid: DATA(9), totalBurned: DATA(9) }],
  ], "batchCreditPayouts");
  expectRevert(GK, arcade, "emergencyRefund(uint256,address,uint256)", [501, A2, 1], "refund after a payout", "RefundsBlockedAfterPayouts()");
  r = send(GK, arcade, "settleSession(uint256)", 501);
  expectLogs(r, [[arcade, "SessionSettled", { game: G, sessionId: 501, totalPaid: DATA(18), remaining: 0 }]], "settleSession");
  setNextTimestamp(now() + 2);
  send(GK, arcade, "processEntry(address,uint256,uint256)", A1, DATA(10), 502);
  r = send(K[0], arcade, "emergencyQuarantineGame(address)", G);
  expectLogs(r, [
    [arcade, "SessionCancelled", { game: G, sessionId: 500, prizePool: 0 }],
    [arcade, "SessionCancelled", { game: G, sessionId: 502, prizePool: DATA(9) }],
    [arcade, "GameQuarantined", { game: G, sessionsAffected: 2 }],
  ], "emergencyQuarantineGame (no config event)");
  eq(callWords(arcade, "getGameConfig(address)", G)[5], 1n, "quarantine paused the game");
  r = send(K[9], arcade, "claimExpiredRefund(uint256,address)", 502, A1);
  expectLogs(r, [[arcade, "ExpiredRefundClaimed", { player: A1, sessionId: 502, amount: DATA(9) }]], "claimExpiredRefund on ArcadeCore");

  // ── DuelEscrow on its own ArcadeCore (session ids would collide with HashCrash) ──
  section("DuelEscrow");
  const arcade2 = deployProxy(K[0], "ArcadeCore", "initialize(address,address,address,address)", token, core, treasury, ACC[0]).proxy;
  send(K[0], token, "setTaxExclusion(address,bool)", arcade2, true);
  const ORACLE = K[8];
  const duel = deploy(K[0], "DuelEscrow", "constructor(address,address,address)", arcade2, ACC[8], ACC[0]);
  send(K[0], arcade2, "registerGame(address," + GAMECFG + ")", duel, cfgTuple({ min: 0, max: 0, rake: 500, burn: 10000, pos: false, paused: false }));
  for (const i of [1, 2]) send(K[i], token, "approve(address,uint256)", arcade2, 1n << 255n);
  const createSig = (p1, p2, tier, nonce) => oracleSign(ORACLE, ["string", "address", "address", "uint8", "bytes32", "uint256", "address"], ["CREATE_MATCH", p1, p2, tier, nonce, 31337, duel]);
  const resultSig = (id, winner, outcome, nonce) => oracleSign(ORACLE, ["string", "uint256", "address", "uint8", "bytes32", "uint256", "address"], ["SUBMIT_RESULT", id, winner, outcome, nonce, 31337, duel]);
  const playMatch = (id, nonceTag) => {
    const n = kec(nonceTag);
    const rr = send(K[5], duel, "createMatch(address,address,uint8,bytes,bytes32)", A1, A2, 0, createSig(A1, A2, 0, n), n);
    const ts = Number(JSON.parse(cast("block", "--rpc-url", RPC, String(Number(rr.blockNumber)), "--json")).timestamp);
    expectLogs(rr, [
      [duel, "MatchCreated", { matchId: id, player1: A1, player2: A2, stakeTier: DATA(50), expiresAt: ts + 300 }],
      [duel, "RoundStarted", { roundId: id, seedBlock: 0, timestamp: ts }],
    ], `createMatch #${id} (stakeTier carries the stake)`);
    setNextTimestamp(now() + 2); // ArcadeCore allows one entry per player per second
    let j = send(K[1], duel, "joinMatch(uint256)", id);
    expectLogs(j, [
      [arcade2, "SessionCreated", { game: duel, sessionId: id }],
      [token, "Transfer", { from: A1, to: arcade2, value: DATA(50) }],
      [token, "Transfer", { from: arcade2, to: DEAD, value: DATA(2.5) }],
      [arcade2, "EntryProcessed", { game: duel, player: A1, sessionId: id, amount: DATA(50), netAmount: DATA(47.5), rakeAmount: DATA(2.5) }],
      [duel, "PlayerJoined", { matchId: id, player: A1, netAmount: DATA(47.5) }],
      [duel, "BetPlaced(uint256,address,uint256,uint256)", { roundId: id, player: A1, amount: DATA(50), netAmount: DATA(47.5) }],
    ], `joinMatch #${id} player 1`);
    return j;
  };
  playMatch(1, "m1");
  let r2 = send(K[2], duel, "joinMatch(uint256)", 1);
  const t2 = Number(JSON.parse(cast("block", "--rpc-url", RPC, String(Number(r2.blockNumber)), "--json")).timestamp);
  expectLogs(r2, [
    [token, "Transfer", { from: A2, to: arcade2 }],
    [token, "Transfer", { to: DEAD }],
    [arcade2, "EntryProcessed", { player: A2, sessionId: 1 }],
    [duel, "PlayerJoined", { player: A2 }],
    [duel, "BetPlaced(uint256,address,uint256,uint256)", { player: A2 }],
    [duel, "MatchStarted", { matchId: 1, prizePool: DATA(95), timeoutAt: t2 + 180 }],
  ], "joinMatch player 2 (match starts)");
  let nn = kec("r1");
  r = send(K[5], duel, "submitResult(uint256,address,uint8,bytes,bytes32)", 1, A1, 1, resultSig(1, A1, 1, nn), nn);
  expectLogs(r, [
    [arcade2, "PayoutCredited", { player: A1, amount: DATA(95), totalPending: DATA(95) }],
    [arcade2, "GameSettled", { game: duel, player: A1, sessionId: 1, payout: DATA(95), burned: 0, won: true }],
    [arcade2, "GameSettled", { game: duel, player: A2, sessionId: 1, payout: 0, burned: 0, won: false }],
    [duel, "PlayerPaidOut", { roundId: 1, player: A1, payout: DATA(95), won: true }],
    [duel, "PlayerPaidOut", { roundId: 1, player: A2, payout: 0, won: false }],
    [duel, "MatchResolved", { matchId: 1, winner: A1, winnerPayout: DATA(95), outcome: 1 }],
    [arcade2, "SessionSettled", { game: duel, sessionId: 1, totalPaid: DATA(95), remaining: 0 }],
    [duel, "RoundResolved", { roundId: 1, seed: BigInt(A1), outcome: 1 }],
  ], "submitResult WIN");

  playMatch(2, "m2");
  send(K[2], duel, "joinMatch(uint256)", 2);
  nn = kec("r2");
  r = send(K[5], duel, "submitResult(uint256,address,uint8,bytes,bytes32)", 2, ZERO, 2, resultSig(2, ZERO, 2, nn), nn);
  expectLogs(r, [
    [token, "Transfer", { from: arcade2, to: DEAD, value: DATA(4.75) }],
    [arcade2, "PayoutCredited", { player: A1, amount: DATA(42.75) }],
    [arcade2, "GameSettled", { player: A1, payout: DATA(42.75), burned: DATA(4.75), won: false }],
    [token, "Transfer", { from: arcade2, to: DEAD, value: DATA(4.75) }],
    [arcade2, "PayoutCredited", { player: A2, amount: DATA(42.75) }],
    [arcade2, "GameSettled", { player: A2, payout: DATA(42.75), burned: DATA(4.75), won: false }],
    [duel, "PlayerPaidOut", { player: A1, payout: DATA(42.75), won: false }],
    [duel, "PlayerPaidOut", { player: A2, payout: DATA(42.75), won: false }],
    [duel, "MatchResolved", { matchId: 2, winner: ZERO, winnerPayout: DATA(42.75), outcome: 2 }],
    [arcade2, "SessionSettled", { sessionId: 2, totalPaid: DATA(95), remaining: 0 }],
    [duel, "RoundResolved", { roundId: 2, seed: 0, outcome: 2 }],
  ], "submitResult TIE (10 % burned, MatchResolved carries player 1's share)");

  playMatch(3, "m3");
  expectRevert(K[1], duel, "claimRefund(uint256)", [3], "claimRefund before expiry", "MatchNotExpired()");
  setNextTimestamp(now() + 301);
  r = send(K[1], duel, "claimRefund(uint256)", 3);
  expectLogs(r, [
    [arcade2, "SessionCancelled", { game: duel, sessionId: 3, prizePool: DATA(47.5) }],
    [duel, "MatchCancelled", { matchId: 3, reason: "Match expired" }],
    [duel, "RoundCancelled", { roundId: 3, reason: "Match expired" }],
    [arcade2, "ExpiredRefundClaimed", { player: A1, sessionId: 3, amount: DATA(47.5) }],
    [duel, "PlayerPaidOut", { roundId: 3, player: A1, payout: DATA(47.5), won: false }],
  ], "claimRefund of an expired match");

  playMatch(4, "m4");
  send(K[2], duel, "joinMatch(uint256)", 4);
  nn = kec("r4");
  r = send(K[5], duel, "submitResult(uint256,address,uint8,bytes,bytes32)", 4, ZERO, 4, resultSig(4, ZERO, 4, nn), nn);
  expectLogs(r, [
    [arcade2, "SessionCancelled", { sessionId: 4, prizePool: DATA(95) }],
    [duel, "MatchCancelled", { matchId: 4, reason: "Result timeout" }],
    [duel, "RoundCancelled", { roundId: 4, reason: "Result timeout" }],
  ], "submitResult TIMEOUT (cancellation, no MatchResolved)");
  const pend = callU(arcade2, "getPendingPayout(address)", A1);
  r = send(K[1], arcade2, "withdrawPayout()");
  expectLogs(r, [[token, "Transfer", { from: arcade2, to: A1, value: pend }], [arcade2, "PayoutWithdrawn", { player: A1, amount: pend }]], "withdrawPayout (duel)");
  r = send(K[0], duel, "setOracle(address)", ACC[7]);
  expectLogs(r, [[duel, "OracleUpdated", { oldOracle: ACC[8], newOracle: ACC[7] }]], "setOracle");
  r = send(K[0], duel, "setActive(bool)", false);
  expectLogs(r, [], "DuelEscrow setActive (no event)");

  // ── DailyOps ──
  section("DailyOps");
  const SIGNER = K[8];
  const ops = deploy(K[0], "DailyOps", "constructor(address,address,address)", token, ACC[0], ACC[8]);
  expectLogs(DEPLOY_RCPT[ops], [
    [ops, "RoleGranted", { role: "0x" + "0".repeat(64), account: ACC[0] }],
    [ops, "RoleGranted", { role: ROLE("MISSION_SIGNER_ROLE"), account: ACC[8] }],
    [ops, "RoleGranted", { role: ROLE("TREASURY_ROLE"), account: ACC[0] }],
  ], "DailyOps constructor");
  send(K[0], token, "setTaxExclusion(address,bool)", ops, true);
  send(K[0], token, "approve(address,uint256)", ops, DATA(50000));
  r = send(K[0], ops, "fundTreasury(uint256)", DATA(50000));
  expectLogs(r, [[token, "Transfer", { from: ACC[0], to: ops, value: DATA(50000) }], [ops, "TreasuryFunded", { funder: ACC[0], amount: DATA(50000) }]], "fundTreasury");
  send(K[1], token, "approve(address,uint256)", ops, 1n << 255n);
  const claim = (day, reward, tag) => {
    const mission = kec(`mission-${tag}`);
    const nonce = kec(`nonce-${tag}`);
    const sig = oracleSign(SIGNER, ["address", "uint64", "bytes32", "uint256", "bytes32", "uint256", "address"], [A1, day, mission, reward, nonce, 31337, ops]);
    return { r: send(K[1], ops, "claimDailyReward(uint64,bytes32,uint256,bytes32,bytes)", day, mission, reward, nonce, sig), mission };
  };
  // move to the start of a fresh UTC day
  let day = Math.floor(now() / 86400) + 1;
  for (let d = 1; d <= 7; d++) {
    setNextTimestamp(day * 86400 + 100);
    const { r: rc, mission } = claim(day, DATA(10), `d${d}`);
    if (d < 7) {
      expectLogs(rc, [
        [token, "Transfer", { from: ops, to: A1, value: DATA(10) }],
        [ops, "DailyRewardClaimed", { player: A1, day, missionId: mission, reward: DATA(10), newStreak: d }],
      ], `daily claim day ${d}`);
    } else {
      expectLogs(rc, [
        [ops, "BadgeEarned", { player: A1, badgeId: "0xbb05be1ac4f343cb5102c7e25b9859c60618ac81e9df70e923e36becfbf8bdec" }],
        [token, "Transfer", { from: ops, to: A1, value: DATA(510) }],
        [ops, "DailyRewardClaimed", { player: A1, day, reward: DATA(10), newStreak: 7 }],
        [ops, "MilestoneReached", { player: A1, streak: 7, bonusReward: DATA(500) }],
      ], "daily claim day 7 (milestone, badge, bonus in the same transfer)");
    }
    day++;
  }
  const lastDay = day - 1;
  r = send(K[1], ops, "purchaseShield(uint8)", 1);
  expectLogs(r, [
    [token, "Transfer", { from: A1, to: ops, value: DATA(50) }],
    [token, "Transfer", { from: ops, to: DEAD, value: DATA(50) }],
    [ops, "ShieldPurchased", { player: A1, days_: 1, expiryDay: lastDay + 1, cost: DATA(50) }],
  ], "purchaseShield(1)");
  setNextTimestamp((lastDay + 2) * 86400 + 100);
  r = claim(lastDay + 2, DATA(10), "shielded").r;
  expectLogs(r, [
    [ops, "ShieldUsed", { player: A1, day: lastDay + 2 }],
    [token, "Transfer", { to: A1, value: DATA(10) }],
    [ops, "DailyRewardClaimed", { day: lastDay + 2, newStreak: 8 }],
  ], "claim after a gap bridged by a shield");
  setNextTimestamp((lastDay + 5) * 86400 + 100);
  r = claim(lastDay + 5, DATA(10), "broken").r;
  expectLogs(r, [
    [ops, "StreakBroken", { player: A1, previousStreak: 8 }],
    [token, "Transfer", { to: A1, value: DATA(10) }],
    [ops, "DailyRewardClaimed", { day: lastDay + 5, newStreak: 1 }],
  ], "claim after an unshielded gap (streak broken)");
  expectRevert(K[1], ops, "claimDailyReward(uint64,bytes32,uint256,bytes32,bytes)", [lastDay + 5, kec("x"), 1, kec("n-x"), "0x"], "claim the same day twice", "InvalidClaimDay()");
});

scenario("presale", () => {
  deployCore();
  const { token } = ctx;
  const K = KEYS;
  const [A1, A2, A3] = [ACC[1], ACC[2], ACC[3]];
  section("GhostPresale / PresaleClaim");
  const CFG = "(uint256,uint256,uint256,bool,uint256,uint256,uint256)";
  const end = now() + 5000;
  const cfg = { minContribution: E18 / 100n, maxContribution: 10n * E18, maxPerWallet: 20n * E18, allowMultipleContributions: true, startTime: 0, endTime: end, emergencyDeadline: 3600 };
  const cfgArg = `(${cfg.minContribution},${cfg.maxContribution},${cfg.maxPerWallet},true,0,${end},3600)`;

  // ── tranche mode ──
  const ps = deploy(K[0], "GhostPresale", "constructor(uint8,address)", 0, ACC[0]);
  let r = send(K[0], ps, `setConfig(${CFG})`, cfgArg);
  expectLogs(r, [[ps, "ConfigUpdated", { config: cfg }]], "setConfig");
  r = send(K[0], ps, "addTranche(uint256,uint256)", DATA(1000), 10n ** 15n);
  expectLogs(r, [], "addTranche (no event)");
  r = send(K[0], ps, "clearTranches()");
  expectLogs(r, [[ps, "TranchesCleared"]], "clearTranches");
  send(K[0], ps, "addTranche(uint256,uint256)", DATA(1000), 10n ** 15n);
  send(K[0], ps, "addTranche(uint256,uint256)", DATA(1000), 2n * 10n ** 15n);
  expectRevert(K[1], ps, "contribute(uint256)", [0], "contribute before open", "PresaleNotOpen()");
  r = send(K[0], ps, "open()");
  expectLogs(r, [[ps, "PresaleOpened"]], "open");
  r = sendValue(K[1], ps, E18 / 2n, "contribute(uint256)", 0);
  expectLogs(r, [[ps, "Contributed", { contributor: A1, ethAmount: E18 / 2n, dataAllocation: DATA(500), avgPrice: 10n ** 15n, spotPrice: 10n ** 15n }]], "contribute within a tranche");
  r = sendValue(K[2], ps, (3n * E18) / 2n, "contribute(uint256)", 0);
  expectLogs(r, [
    [ps, "TrancheCompleted", { trancheIndex: 0, nextPrice: 2n * 10n ** 15n }],
    [ps, "Contributed", { contributor: A2, ethAmount: (3n * E18) / 2n, dataAllocation: DATA(1000), avgPrice: (15n * 10n ** 14n), spotPrice: 2n * 10n ** 15n }],
  ], "contribute crossing a tranche (TrancheCompleted first)");
  const balBefore = BigInt(cast("balance", "--rpc-url", RPC, A3));
  r = sendValue(K[3], ps, 2n * E18, "contribute(uint256)", 0);
  expectLogs(r, [
    [ps, "TrancheCompleted", { trancheIndex: 1, nextPrice: 0 }],
    [ps, "Contributed", { contributor: A3, ethAmount: E18, dataAllocation: DATA(500), avgPrice: 2n * 10n ** 15n }],
  ], "contribute selling out (excess refunded without event)");
  const gas = BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
  eq(balBefore - BigInt(cast("balance", "--rpc-url", RPC, A3)) - gas, E18, "only the spent ETH was kept");
  expectRevert(K[1], ps, "contribute(uint256)", [0], "contribute when sold out", "PresaleSoldOut()");
  r = send(K[0], ps, "extendEndTime(uint256)", end + 100);
  expectLogs(r, [[ps, "EndTimeExtended", { oldEndTime: end, newEndTime: end + 100 }]], "extendEndTime");
  r = send(K[0], ps, "finalize()");
  expectLogs(r, [[ps, "PresaleFinalized", { totalRaised: 3n * E18, totalSold: DATA(2000), contributors: 3 }]], "finalize");
  r = send(K[0], ps, "withdrawETH(address)", ACC[9]);
  expectLogs(r, [[ps, "ETHWithdrawn", { to: ACC[9], amount: 3n * E18 }]], "withdrawETH");

  // ── PresaleClaim ──
  const deadline = now() + 1000;
  const pc = deploy(K[0], "PresaleClaim", "constructor(address,address,uint256,address)", token, ps, deadline, ACC[0]);
  send(K[0], token, "setTaxExclusion(address,bool)", pc, true);
  r = send(K[0], pc, "snapshotAllocations(address[])", [A1, A2]);
  expectLogs(r, [[pc, "AllocationsSnapshotted", { count: 2 }]], "snapshotAllocations");
  expectRevert(K[0], pc, "enableClaiming()", [], "enableClaiming without balance", "InsufficientBalance(uint256,uint256)");
  send(K[0], token, "transfer(address,uint256)", pc, DATA(2000));
  r = send(K[0], pc, "enableClaiming()");
  expectLogs(r, [[pc, "ClaimingEnabled", { totalSupplyAvailable: DATA(2000) }]], "enableClaiming");
  r = send(K[1], pc, "claim()");
  expectLogs(r, [[token, "Transfer", { from: pc, to: A1, value: DATA(500) }], [pc, "Claimed", { claimer: A1, amount: DATA(500) }]], "claim");
  expectRevert(K[1], pc, "claim()", [], "claim twice", "AlreadyClaimed()");
  setNextTimestamp(deadline + 1);
  r = send(K[0], pc, "recoverUnclaimed(address)", ACC[0]);
  expectLogs(r, [
    [token, "Transfer", { from: pc, to: ACC[0], value: DATA(1500) }],
    [pc, "UnclaimedRecovered", { to: ACC[0], amount: DATA(1500) }],
  ], "recoverUnclaimed");
  expectRevert(K[2], pc, "claim()", [], "claim after recovery", "ClaimingClosed()");

  // ── bonding-curve mode + emergency refunds ──
  const cv = deploy(K[0], "GhostPresale", "constructor(uint8,address)", 1, ACC[0]);
  const cfg2 = `(0,0,0,true,0,0,3600)`;
  send(K[0], cv, `setConfig(${CFG})`, cfg2);
  const P0 = 10n ** 15n, P1 = 3n * 10n ** 15n, S = DATA(1_000_000);
  r = send(K[0], cv, "setCurve(uint256,uint256,uint256)", P0, P1, S);
  expectLogs(r, [], "setCurve (no event)");
  r = send(K[0], cv, "open()");
  const openedAt = Number(JSON.parse(cast("block", "--rpc-url", RPC, String(Number(r.blockNumber)), "--json")).timestamp);
  // reference implementation of the UD60x18 curve maths
  const mul = (x, y) => (x * y) / E18;
  const div = (x, y) => (x * E18) / y;
  const isqrt = (n) => {
    if (n < 2n) return n;
    let x = BigInt(Math.floor(Math.sqrt(Number(n))));
    while (x * x > n) x--;
    while ((x + 1n) * (x + 1n) <= n) x++;
    return x;
  };
  const tokensFor = (eth, sold) => {
    const slope = P1 - P0;
    const a = div(slope, mul(S, 2n * E18));
    const b = P0 + div(mul(slope, sold), S);
    const disc = mul(b, b) + mul(mul(4n * E18, a), eth);
    const z = div(isqrt(disc * E18) - b, mul(a, 2n * E18));
    return z > S - sold ? S - sold : z;
  };
  const costFor = (z, sold) => mul(P0, z) + div(mul(mul(P1 - P0, z), mul(sold, 2n * E18) + z), mul(S, 2n * E18));
  let sold = 0n;
  for (const [k, eth] of [[1, E18], [2, 5n * E18]]) {
    const alloc = tokensFor(eth, sold);
    let spent = costFor(alloc, sold);
    if (spent > eth) spent = eth;
    sold += alloc;
    r = sendValue(K[k], cv, eth, "contribute(uint256)", 0);
    expectLogs(r, [[cv, "Contributed", {
      contributor: ACC[k], ethAmount: spent, dataAllocation: alloc, avgPrice: (spent * E18) / alloc, spotPrice: P0 + ((P1 - P0) * sold) / S,
    }]], `curve contribute ${eth / E18} ETH (alloc ${alloc / E18} DATA)`);
  }
  expectRevert(K[5], cv, "emergencyRefunds()", [], "emergencyRefunds before the deadline", "EmergencyDeadlineNotReached(uint256,uint256)");
  setNextTimestamp(openedAt + 3601);
  r = send(K[5], cv, "emergencyRefunds()");
  expectLogs(r, [
    [cv, "EmergencyRefundsTriggered", { triggeredBy: ACC[5], timestamp: openedAt + 3601 }],
    [cv, "RefundsEnabled"],
  ], "emergencyRefunds (anyone)");
  const contributed = callU(cv, "contributions(address)", A1);
  r = send(K[1], cv, "refund()");
  expectLogs(r, [[cv, "Refunded", { contributor: A1, ethAmount: contributed }]], "refund");
  ok(callU(cv, "allocations(address)", A1) > 0n, "refund leaves the DATA allocation recorded");
});


// ─── main ───────────────────────────────────────────────────────────────────────────

async function main() {
  if (!process.env.WRAITH_CONTRACTS_OUT) {
    execFileSync(process.execPath, [path.join(CONTRACTS_DIR, "build.mjs")], { stdio: "inherit" });
  }
  // reload artifacts after a build
  for (const f of fs.readdirSync(OUT_DIR)) {
    if (f.endsWith(".json") && !f.startsWith(".")) {
      const name = f.slice(0, -5);
      ART[name] = JSON.parse(fs.readFileSync(path.join(OUT_DIR, f)));
      EVENTS[name] = ART[name].abi.filter((x) => x.type === "event").map((ev) => ({ sig: eventSig(ev), topic0: topicOf(ev), ev }));
    }
  }
  staticChecks();

  const anvil = spawn(ANVIL, ["--port", String(PORT), "--silent"], { stdio: "ignore" });
  let exitCode = 0;
  try {
    for (let i = 0; ; i++) {
      try {
        cast("block-number", "--rpc-url", RPC);
        break;
      } catch {
        if (i > 100) throw new Error("anvil did not start");
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    for (const s of SCENARIOS) {
      if (ONLY && !ONLY.includes(s.name)) continue;
      try {
        s.fn();
      } catch (e) {
        failed++;
        console.error(`  FAIL: scenario ${s.name} aborted: ${e.stack ?? e}`);
      }
    }
  } finally {
    if (KEEP) console.log(`\nanvil left running on ${RPC} (pid ${anvil.pid})`);
    else anvil.kill();
  }
  console.log(`\n${passed} checks passed, ${failed} failed`);
  if (failed > 0) exitCode = 1;
  process.exit(exitCode);
}

main();
