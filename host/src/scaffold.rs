//! `wraith new handler NAME --abi FILE`: scaffold a handler crate with
//! typed events from a contract ABI.
//!
//! What it writes, under the workspace root:
//!
//! - `handlers/<name>/Cargo.toml` and `handlers/<name>/src/lib.rs`: a crate
//!   `<name>-handler` with one `sol!` declaration per event of the ABI (so
//!   topic0 and the decoding are exactly the contract's), and one function
//!   per event that appends the decoded event to its own table;
//! - `migrations/<NNNN>_<name>.sql`: one append-only table per event
//!   (`<name>_<event>`, block number / log index / block time / tx hash /
//!   emitter, then one typed column per parameter);
//! - the crate added to `members` of the root `Cargo.toml` (so
//!   `make handlers` builds it into `handlers/dist/<name>_handler.wasm`).
//!
//! It prints the `[[handlers]]` entry to add to the host configuration.
//! Nothing is overwritten: an existing crate directory is an error.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use alloy::json_abi::{Event, EventParam, JsonAbi};

/// Why scaffolding failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScaffoldError {
    /// The handler name is not usable.
    #[error(
        "invalid handler name {0:?}: use lowercase letters, digits and '-', starting with a letter (e.g. `my-token`)"
    )]
    InvalidName(String),
    /// The ABI file could not be read or parsed.
    #[error("cannot use the ABI {path}: {reason}")]
    Abi {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The root is not this project's workspace.
    #[error(
        "{0} is not a wraith workspace (expected Cargo.toml with [workspace] and handlers/sdk/); pass --root"
    )]
    NotWorkspace(PathBuf),
    /// The crate already exists.
    #[error("{0} already exists; choose another name or remove it")]
    Exists(PathBuf),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// What to scaffold.
#[derive(Debug, Clone)]
pub struct Request {
    /// Handler name (`my-token`): crate `my-token-handler`, tables `my_token_*`.
    pub name: String,
    /// The ABI: a JSON array, or an artefact with an `abi` key (solc,
    /// Foundry, Hardhat).
    pub abi: PathBuf,
    /// The logical contract name (default: the artefact's `contractName`,
    /// else the handler name in CamelCase).
    pub contract: Option<String>,
    /// The workspace root.
    pub root: PathBuf,
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Scaffolded {
    /// The crate directory.
    pub crate_dir: PathBuf,
    /// The migration file.
    pub migration: PathBuf,
    /// Events declared (name and Solidity signature).
    pub events: Vec<String>,
    /// Events of the ABI left out, with the reason.
    pub skipped: Vec<String>,
    /// Whether the root `Cargo.toml` was updated (false: add the member by hand).
    pub member_added: bool,
    /// The configuration entry to add.
    pub config: String,
}

/// Scaffold a handler crate; `builtin_versions` are the migration versions
/// compiled into the host (the new migration is numbered after them).
pub fn scaffold(req: &Request, builtin_versions: &[i64]) -> Result<Scaffolded, ScaffoldError> {
    let name = req.name.as_str();
    if !valid_name(name) {
        return Err(ScaffoldError::InvalidName(name.to_owned()));
    }
    let root = &req.root;
    let cargo_toml = root.join("Cargo.toml");
    let workspace = std::fs::read_to_string(&cargo_toml).unwrap_or_default();
    if !workspace.contains("[workspace]") || !root.join("handlers/sdk").is_dir() {
        return Err(ScaffoldError::NotWorkspace(root.clone()));
    }
    let crate_dir = root.join("handlers").join(name);
    if crate_dir.exists() {
        return Err(ScaffoldError::Exists(crate_dir));
    }
    let (abi, artefact_name) = read_abi(&req.abi)?;
    let contract = req
        .contract
        .clone()
        .or(artefact_name)
        .unwrap_or_else(|| camel(name));
    let contract = rust_ident_camel(&contract);
    let model = Model::new(name, &contract, &abi);
    if model.events.is_empty() {
        return Err(ScaffoldError::Abi {
            path: req.abi.clone(),
            reason: "it declares no (non-anonymous) event".to_owned(),
        });
    }
    let migrations = root.join("migrations");
    let version = next_version(&migrations, builtin_versions);
    let migration = migrations.join(format!("{version:04}_{}.sql", snake(name)));
    write(&crate_dir.join("Cargo.toml"), &model.cargo_toml())?;
    write(&crate_dir.join("src/lib.rs"), &model.lib_rs(&req.abi))?;
    write(&migration, &model.migration_sql())?;
    let (member_added, updated) = add_member(&workspace, name);
    if updated != workspace {
        write(&cargo_toml, &updated)?;
    }
    Ok(Scaffolded {
        crate_dir,
        migration,
        events: model
            .events
            .iter()
            .map(|e| format!("{} {}", e.table, e.declaration))
            .collect(),
        skipped: model.skipped.clone(),
        member_added,
        config: model.config_entry(),
    })
}

fn write(path: &Path, text: &str) -> Result<(), ScaffoldError> {
    let io = |source| ScaffoldError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--")
        && name.len() <= 40
}

/// The ABI and, for an artefact, its contract name.
fn read_abi(path: &Path) -> Result<(JsonAbi, Option<String>), ScaffoldError> {
    let err = |reason: String| ScaffoldError::Abi {
        path: path.to_owned(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    let (items, name) = match json {
        serde_json::Value::Array(_) => (json, None),
        serde_json::Value::Object(ref o) if o.contains_key("abi") => (
            o["abi"].clone(),
            o.get("contractName")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
        ),
        _ => {
            return Err(err(
                "expected a JSON array of ABI items or an object with an `abi` key".to_owned(),
            ));
        }
    };
    let abi: JsonAbi =
        serde_json::from_value(items).map_err(|e| err(format!("not a valid ABI: {e}")))?;
    Ok((abi, name))
}

/// The next migration number: after the host's own and the files in `dir`.
fn next_version(dir: &Path, builtin: &[i64]) -> i64 {
    let on_disk = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.split('_').next()?.parse::<i64>().ok()
        });
    builtin.iter().copied().chain(on_disk).max().unwrap_or(0) + 1
}

/// Insert `"handlers/<name>"` into the `members` array (true: it is a
/// member now); false if there is no array to edit.
fn add_member(workspace: &str, name: &str) -> (bool, String) {
    let entry = format!("\"handlers/{name}\"");
    if workspace.contains(&entry) {
        return (true, workspace.to_owned());
    }
    let Some(start) = workspace.find("members = [") else {
        return (false, workspace.to_owned());
    };
    let Some(end) = workspace[start..].find(']').map(|i| start + i) else {
        return (false, workspace.to_owned());
    };
    let body = &workspace[start..end];
    let line = if body.contains('\n') {
        format!("    {entry},\n")
    } else if body.trim_end().ends_with('[') {
        entry
    } else {
        format!(", {entry}")
    };
    // Multi-line arrays: insert on its own line before the closing bracket.
    let at = if body.contains('\n') {
        workspace[..end].rfind('\n').map_or(end, |i| i + 1)
    } else {
        end
    };
    let mut out = String::with_capacity(workspace.len() + line.len());
    out.push_str(&workspace[..at]);
    out.push_str(&line);
    out.push_str(&workspace[at..]);
    (true, out)
}

/// How one event parameter is stored.
#[derive(Debug, Clone)]
struct Column {
    /// SQL column name.
    column: String,
    /// SQL type.
    sql: &'static str,
    /// Rust expression for the value (`ev` is the event).
    expr: String,
    /// Solidity parameter as declared in `sol!`.
    decl: String,
}

#[derive(Debug, Clone)]
struct EventModel {
    /// Rust path of the event type (`Token::Transfer`).
    path: String,
    /// Function name.
    function: String,
    table: String,
    declaration: String,
    columns: Vec<Column>,
    /// Which `sol!` contract block declares it (overloads go to `Name1`, …).
    block: usize,
}

#[derive(Debug)]
struct Model {
    name: String,
    contract: String,
    events: Vec<EventModel>,
    skipped: Vec<String>,
    blocks: usize,
}

const META_COLUMNS: [&str; 5] = [
    "block_number",
    "log_index",
    "block_time",
    "tx_hash",
    "contract",
];

/// SQL words that cannot be bare column names.
const RESERVED: [&str; 40] = [
    "all",
    "and",
    "any",
    "as",
    "asc",
    "both",
    "case",
    "cast",
    "check",
    "column",
    "constraint",
    "create",
    "default",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "false",
    "for",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "limit",
    "not",
    "null",
    "offset",
    "on",
    "or",
    "order",
    "primary",
    "references",
    "select",
    "table",
    "then",
    "to",
    "true",
    "user",
];

/// Rust keywords (parameter names that need renaming in `sol!`).
const RUST_KEYWORDS: [&str; 38] = [
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true",
    "type", "unsafe", "use", "where",
];

impl Model {
    fn new(name: &str, contract: &str, abi: &JsonAbi) -> Self {
        let prefix = snake(name);
        let mut events = Vec::new();
        let mut skipped = Vec::new();
        let mut tables = BTreeSet::new();
        let mut blocks = 1;
        for overloads in abi.events.values() {
            for (i, ev) in overloads.iter().enumerate() {
                if ev.anonymous {
                    skipped.push(format!(
                        "{} (anonymous: it has no topic0 to dispatch on)",
                        ev.signature()
                    ));
                    continue;
                }
                blocks = blocks.max(i + 1);
                let mut table = format!("{prefix}_{}", snake(&ev.name));
                if i > 0 {
                    table = format!("{table}_{i}");
                }
                while !tables.insert(table.clone()) {
                    table.push('_');
                }
                events.push(event_model(contract, ev, i, table));
            }
        }
        Self {
            name: name.to_owned(),
            contract: contract.to_owned(),
            events,
            skipped,
            blocks,
        }
    }

    fn block_name(&self, block: usize) -> String {
        if block == 0 {
            self.contract.clone()
        } else {
            format!("{}{block}", self.contract)
        }
    }

    fn cargo_toml(&self) -> String {
        format!(
            r#"[package]
name = "{name}-handler"
description = "wraith handler for {contract} (scaffolded by `wraith new handler`)"
version.workspace = true
edition.workspace = true
rust-version.workspace = true
publish.workspace = true

[lib]
crate-type = ["cdylib", "rlib"]

[dependencies]
wraith-sdk = {{ path = "../sdk" }}
alloy-sol-types = {{ workspace = true, features = ["json"] }}

[lints]
workspace = true
"#,
            name = self.name,
            contract = self.contract
        )
    }

    fn lib_rs(&self, abi: &Path) -> String {
        let mut s = String::new();
        let abi_name = abi
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let _ = writeln!(
            s,
            "//! wraith handler `{}`: every event of `{}` appended to its own table.\n//!\n\
             //! Scaffolded by `wraith new handler` from `{abi_name}`. The `sol!` block\n\
             //! below is the contract's ABI (topic0 and decoding come from it); each\n\
             //! function writes one row per event. Edit the functions to keep entity\n\
             //! state (`Write::upsert`), publish stream messages (`Message`), or read\n\
             //! rows back (`ctx.get`); see handlers/README.md.",
            self.name, self.contract
        );
        for skipped in &self.skipped {
            let _ = writeln!(s, "//!\n//! Not handled: {skipped}.");
        }
        s.push('\n');
        let uses_value = self
            .events
            .iter()
            .flat_map(|e| &e.columns)
            .any(|c| c.expr.starts_with("Value::"));
        let uses_json = self
            .events
            .iter()
            .flat_map(|e| &e.columns)
            .any(|c| c.expr.starts_with("Json("));
        let mut imports = vec!["Ctx", "Ev"];
        if uses_json {
            imports.push("Json");
        }
        if uses_value {
            imports.push("Value");
        }
        imports.extend(["Write", "sol"]);
        let _ = writeln!(s, "use wraith_sdk::{{{}}};\n", imports.join(", "));
        for block in 0..self.blocks {
            let name = self.block_name(block);
            let _ = writeln!(
                s,
                "sol! {{\n    /// The events of `{}`{}.\n    #[sol(abi)]\n    #[allow(missing_docs, clippy::too_many_arguments, reason = \"generated from the ABI\")]\n    contract {name} {{",
                self.contract,
                if block == 0 {
                    String::new()
                } else {
                    format!(" (overload {block})")
                }
            );
            for e in self.events.iter().filter(|e| e.block == block) {
                let _ = writeln!(s, "        {};", e.declaration);
            }
            s.push_str("    }\n}\n\n");
        }
        let _ = writeln!(
            s,
            "wraith_sdk::handler! {{\n    name: {:?},\n    tables: [",
            self.name
        );
        for e in &self.events {
            let _ = writeln!(s, "        {}: AppendOnly,", e.table);
        }
        s.push_str("    ],\n    streams: [],\n    events: [\n");
        for e in &self.events {
            let _ = writeln!(
                s,
                "        {:?}: {} => {},",
                self.contract, e.path, e.function
            );
        }
        s.push_str("    ],\n}\n");
        for e in &self.events {
            let _ = write!(
                s,
                "\n/// `{}` → `{}`.\nfn {}(ctx: &mut Ctx, ev: &Ev<{}>) -> wraith_sdk::Result<()> {{\n    ctx.push(\n        Write::insert({:?})\n            .meta(&ev.meta)\n            .col(\"contract\", ev.meta.address)",
                e.declaration, e.table, e.function, e.path, e.table
            );
            for c in &e.columns {
                let _ = write!(s, "\n            .col({:?}, {})", c.column, c.expr);
            }
            s.push_str(",\n    );\n    Ok(())\n}\n");
        }
        s
    }

    fn migration_sql(&self) -> String {
        let mut s = format!(
            "-- Tables of the `{}` handler (handlers/{}), scaffolded by `wraith new handler`:\n\
             -- one append-only table per event of {}. Amounts are NUMERIC(78,0); addresses\n\
             -- and hashes BYTEA; indexed dynamic values (string, bytes, arrays) are their\n\
             -- keccak256 topic, as the log carries them.\n",
            self.name, self.name, self.contract
        );
        for e in &self.events {
            let _ = writeln!(
                s,
                "\n-- {}\nCREATE TABLE {} (\n    block_number BIGINT      NOT NULL,\n    log_index    INTEGER     NOT NULL,\n    block_time   TIMESTAMPTZ NOT NULL,\n    tx_hash      BYTEA       NOT NULL,\n    contract     BYTEA       NOT NULL,",
                e.declaration, e.table
            );
            for c in &e.columns {
                let _ = writeln!(s, "    {} {},", c.column, c.sql);
            }
            let _ = writeln!(
                s,
                "    PRIMARY KEY (block_number, log_index, block_time)\n);"
            );
        }
        s
    }

    fn config_entry(&self) -> String {
        format!(
            "[[handlers]]\nname = {:?}\ncomponent = \"handlers/dist/{}_handler.wasm\"\nstart_block = 0\n[handlers.contracts]\n{} = [\"0x…\"]   # the deployed address(es)\n",
            self.name,
            snake(&self.name),
            self.contract
        )
    }
}

fn event_model(contract: &str, ev: &Event, overload: usize, table: String) -> EventModel {
    let block_name = if overload == 0 {
        contract.to_owned()
    } else {
        format!("{contract}{overload}")
    };
    let mut used = BTreeSet::new();
    let columns: Vec<Column> = ev
        .inputs
        .iter()
        .enumerate()
        .map(|(i, p)| column(p, i, &mut used))
        .collect();
    let params: Vec<String> = columns.iter().map(|c| c.decl.clone()).collect();
    let event_name = if RUST_KEYWORDS.contains(&ev.name.as_str()) {
        // Cannot happen for a valid Solidity name that is also a Rust type
        // name in practice; kept for completeness.
        format!("r#{}", ev.name)
    } else {
        ev.name.clone()
    };
    let mut function = format!("on_{}", snake(&ev.name));
    if overload > 0 {
        function = format!("{function}_{overload}");
    }
    EventModel {
        path: format!("{block_name}::{event_name}"),
        function,
        table,
        declaration: format!("event {}({})", ev.name, params.join(", ")),
        columns,
        block: overload,
    }
}

fn column(p: &EventParam, i: usize, used: &mut BTreeSet<String>) -> Column {
    let raw = if p.name.is_empty() {
        format!("arg{i}")
    } else {
        p.name.clone()
    };
    let mut field: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if RUST_KEYWORDS.contains(&field.as_str()) || field.starts_with(|c: char| c.is_ascii_digit()) {
        field.push('_');
    }
    let mut column = snake(&field).trim_matches('_').to_owned();
    if column.is_empty() {
        column = format!("arg{i}");
    }
    if RESERVED.contains(&column.as_str()) || META_COLUMNS.contains(&column.as_str()) {
        column.push('_');
    }
    while !used.insert(column.clone()) {
        column.push('_');
    }
    let ty = p.selector_type().into_owned();
    let (sql, expr) = storage(&ty, p.indexed, &field);
    let decl = format!("{ty}{} {field}", if p.indexed { " indexed" } else { "" });
    Column {
        column,
        sql,
        expr,
        decl,
    }
}

/// SQL type and value expression for a parameter of Solidity type `ty`.
fn storage(ty: &str, indexed: bool, field: &str) -> (&'static str, String) {
    let composite = ty.ends_with(']') || ty.starts_with('(');
    if indexed && (composite || ty == "string" || ty == "bytes") {
        // The log carries keccak256 of the value.
        return ("BYTEA NOT NULL", format!("ev.{field}"));
    }
    if composite {
        // Arrays and tuples: their debug rendering as a JSON string; replace
        // with a structured encoding if you query them.
        return (
            "JSONB NOT NULL",
            format!("Json(wraith_sdk::json!(format!(\"{{:?}}\", ev.{field})))"),
        );
    }
    match ty {
        "address" => ("BYTEA NOT NULL", format!("ev.{field}")),
        "bool" => ("BOOLEAN NOT NULL", format!("ev.{field}")),
        "string" => ("TEXT NOT NULL", format!("ev.{field}.clone()")),
        "bytes" => ("BYTEA NOT NULL", format!("ev.{field}.clone()")),
        "uint256" | "int256" => ("NUMERIC(78,0) NOT NULL", format!("ev.{field}")),
        "uint8" => ("SMALLINT NOT NULL", format!("ev.{field}")),
        "uint16" => ("INTEGER NOT NULL", format!("ev.{field}")),
        "uint32" => ("BIGINT NOT NULL", format!("ev.{field}")),
        "int8" | "int16" => ("SMALLINT NOT NULL", format!("ev.{field}")),
        "int32" => ("INTEGER NOT NULL", format!("ev.{field}")),
        "int64" => ("BIGINT NOT NULL", format!("ev.{field}")),
        t if t.starts_with("uint") => (
            "NUMERIC(78,0) NOT NULL",
            format!("Value::Uint256(ev.{field}.to_string())"),
        ),
        t if t.starts_with("int") => (
            "NUMERIC(78,0) NOT NULL",
            format!("Value::Int256(ev.{field}.to_string())"),
        ),
        // bytes1..bytes32 (and anything unforeseen) as bytes.
        _ => ("BYTEA NOT NULL", format!("ev.{field}")),
    }
}

/// `MyToken` / `myToken` / `my-token` → `my_token`.
fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '-' || c == ' ' {
            out.push('_');
        } else if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1);
            let boundary = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(|p| p.is_ascii_uppercase())
                    && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `my-token` → `MyToken`.
fn camel(s: &str) -> String {
    s.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// A usable Rust type name from a contract name.
fn rust_ident_camel(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if cleaned.is_empty() || cleaned.starts_with(|c: char| c.is_ascii_digit()) {
        format!("C{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ERC20: &str = r#"[
      {"type":"event","name":"Transfer","anonymous":false,"inputs":[
        {"name":"from","type":"address","indexed":true},
        {"name":"to","type":"address","indexed":true},
        {"name":"value","type":"uint256","indexed":false}]},
      {"type":"event","name":"Approval","anonymous":false,"inputs":[
        {"name":"owner","type":"address","indexed":true},
        {"name":"spender","type":"address","indexed":true},
        {"name":"value","type":"uint256","indexed":false}]},
      {"type":"event","name":"Note","anonymous":false,"inputs":[
        {"name":"","type":"string","indexed":true},
        {"name":"type","type":"bytes","indexed":false},
        {"name":"ids","type":"uint24[]","indexed":false},
        {"name":"delta","type":"int128","indexed":false}]},
      {"type":"event","name":"Note","anonymous":false,"inputs":[
        {"name":"x","type":"uint8","indexed":false}]},
      {"type":"event","name":"Raw","anonymous":true,"inputs":[]},
      {"type":"function","name":"transfer","inputs":[],"outputs":[],"stateMutability":"nonpayable"}
    ]"#;

    fn model() -> Model {
        let abi: JsonAbi = serde_json::from_str(ERC20).unwrap();
        Model::new("my-token", "MyToken", &abi)
    }

    #[test]
    fn names() {
        assert_eq!(snake("MyToken"), "my_token");
        assert_eq!(snake("stakeTier"), "stake_tier");
        assert_eq!(snake("ERC20Token"), "erc20_token");
        assert_eq!(snake("my-token"), "my_token");
        assert_eq!(camel("my-token"), "MyToken");
        assert!(valid_name("erc20"));
        assert!(valid_name("my-token"));
        for bad in ["", "Token", "1x", "a--b", "a-", "a_b", "a b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn events_become_typed_declarations_and_tables() {
        let m = model();
        let decls: Vec<&str> = m.events.iter().map(|e| e.declaration.as_str()).collect();
        assert!(
            decls.contains(
                &"event Transfer(address indexed from, address indexed to, uint256 value)"
            )
        );
        // Unnamed and keyword parameters are renamed; the types (and so
        // topic0) are unchanged.
        assert!(
            decls.contains(
                &"event Note(string indexed arg0, bytes type_, uint24[] ids, int128 delta)"
            )
        );
        let tables: Vec<&str> = m.events.iter().map(|e| e.table.as_str()).collect();
        assert_eq!(
            tables,
            [
                "my_token_approval",
                "my_token_note",
                "my_token_note_1",
                "my_token_transfer"
            ]
        );
        assert_eq!(m.blocks, 2, "the overload goes to a second sol! block");
        assert_eq!(m.skipped.len(), 1, "the anonymous event is reported");
        let sql = m.migration_sql();
        assert!(sql.contains("from_ BYTEA NOT NULL"), "{sql}");
        assert!(sql.contains("value NUMERIC(78,0) NOT NULL"));
        assert!(
            sql.contains("arg0 BYTEA NOT NULL"),
            "indexed string is its hash"
        );
        assert!(sql.contains("ids JSONB NOT NULL"));
        assert!(sql.contains("x SMALLINT NOT NULL"));
        let lib = m.lib_rs(Path::new("erc20.json"));
        assert!(
            lib.contains("\"MyToken\": MyToken1::Note => on_note_1"),
            "{lib}"
        );
        assert!(lib.contains(".col(\"delta\", Value::Int256(ev.delta.to_string()))"));
    }

    #[test]
    fn members_are_added_once() {
        let ws = "[workspace]\nmembers = [\n    \"host\",\n    \"tests\",\n]\n";
        let (added, out) = add_member(ws, "erc20");
        assert!(added);
        assert_eq!(
            out,
            "[workspace]\nmembers = [\n    \"host\",\n    \"tests\",\n    \"handlers/erc20\",\n]\n"
        );
        assert_eq!(
            add_member(&out, "erc20"),
            (true, out.clone()),
            "already a member"
        );
        let (added, out) = add_member("[workspace]\nmembers = [\"host\"]\n", "t");
        assert!(added);
        assert_eq!(out, "[workspace]\nmembers = [\"host\", \"handlers/t\"]\n");
    }

    #[test]
    fn versions_follow_the_builtin_ones() {
        let dir = std::env::temp_dir().join(format!("wraith-scaffold-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("0042_x.sql"), "").unwrap();
        assert_eq!(next_version(&dir, &[1, 40]), 43);
        assert_eq!(next_version(&dir.join("none"), &[1, 40]), 41);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
