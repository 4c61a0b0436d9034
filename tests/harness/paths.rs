//! Where the tools, artefacts and binaries are.

use std::path::PathBuf;

use anyhow::{Context, bail};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A project-local tool installed by `make tools` (anvil, cast, …).
pub fn tool(name: &str) -> anyhow::Result<PathBuf> {
    let p = repo_root().join(".tools/node_modules/.bin").join(name);
    if !p.exists() {
        bail!("{} is missing; run `make tools`", p.display());
    }
    Ok(p)
}

/// A compiled contract artefact (`contracts/out/<name>.json`, from `make contracts`).
pub fn contract(name: &str) -> anyhow::Result<(serde_json::Value, Vec<u8>)> {
    let p = repo_root()
        .join("contracts/out")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&p)
        .with_context(|| format!("{} is missing; run `make contracts`", p.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let code = json["bytecode"]
        .as_str()
        .context("artefact has no bytecode")?;
    let bytes = hex::decode(code.trim_start_matches("0x"))?;
    Ok((json["abi"].clone(), bytes))
}

/// A handler component built by `make handlers` (`handlers/dist/<file>`).
pub fn handler(file: &str) -> anyhow::Result<PathBuf> {
    let p = repo_root().join("handlers/dist").join(file);
    if !p.exists() {
        bail!("{} is missing; run `make handlers`", p.display());
    }
    Ok(p)
}

/// The `wraith` binary: `$WRAITH_BIN`, else next to the test executable's
/// target directory (built by `make test`).
pub fn wraith_bin() -> anyhow::Result<PathBuf> {
    if let Ok(p) = std::env::var("WRAITH_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    // target/<profile>/deps/it-xxxx -> target/<profile>/wraith
    for dir in exe.ancestors().skip(1) {
        let candidate = dir.join("wraith");
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "cannot find the wraith binary; build it (`cargo build -p wraith-host`) or set WRAITH_BIN"
    )
}
