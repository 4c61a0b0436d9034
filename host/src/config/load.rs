//! Reading the file, overlaying the environment, deserializing with the key
//! path in every error.

use std::path::Path;

use super::{Config, ConfigError, ConfigResult};

/// Prefix of environment overrides.
const ENV_PREFIX: &str = "WRAITH_";

/// Load `path`, apply `WRAITH_*` overrides from the process environment,
/// and validate.
pub fn load_file(path: &Path) -> ConfigResult<Config> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_str(&text, std::env::vars())
}

/// Parse TOML text, apply overrides from `env` (pairs of name and value;
/// only `WRAITH_*` names are used), and validate.
pub fn parse_str(
    text: &str,
    env: impl IntoIterator<Item = (String, String)>,
) -> ConfigResult<Config> {
    let mut value: toml::Value =
        toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
    let mut overrides: Vec<(String, String)> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(ENV_PREFIX))
        .collect();
    overrides.sort();
    for (var, raw) in overrides {
        apply_override(&mut value, &var, &raw)?;
    }
    let config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        ConfigError::key(
            if key == "." { String::new() } else { key },
            e.into_inner().to_string(),
        )
    })?;
    config.validate()?;
    Ok(config)
}

fn apply_override(root: &mut toml::Value, var: &str, raw: &str) -> ConfigResult<()> {
    // Only WRAITH_<SECTION>__<KEY> names are config paths (every key has
    // at least two segments); WRAITH_ADMIN_TOKEN, a webhook secret named
    // WRAITH_..._SECRET and the like are not.
    if !var[ENV_PREFIX.len()..].contains("__") {
        return Ok(());
    }
    let path: Vec<String> = var[ENV_PREFIX.len()..]
        .split("__")
        .map(str::to_ascii_lowercase)
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::Env {
            var: var.to_owned(),
            message: "expected WRAITH_<SECTION>__<KEY>, e.g. WRAITH_CHAIN__CHAIN_ID".to_owned(),
        });
    }
    let parsed = parse_env_value(raw);
    let mut node = root;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        node = match node {
            toml::Value::Table(table) => {
                if last {
                    table.insert(segment.clone(), parsed);
                    return Ok(());
                }
                table
                    .entry(segment.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            }
            toml::Value::Array(items) => {
                let index: usize = segment.parse().map_err(|_| ConfigError::Env {
                    var: var.to_owned(),
                    message: format!("{segment:?} is not an index into the array at this path"),
                })?;
                let len = items.len();
                let item = items.get_mut(index).ok_or_else(|| ConfigError::Env {
                    var: var.to_owned(),
                    message: format!("index {index} is out of range (the array has {len} entries)"),
                })?;
                if last {
                    *item = parsed;
                    return Ok(());
                }
                item
            }
            _ => {
                return Err(ConfigError::Env {
                    var: var.to_owned(),
                    message: format!("{segment:?} is below a value that is not a table"),
                });
            }
        };
    }
    Ok(())
}

/// Read an environment value as TOML when it parses, else as a string.
fn parse_env_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t
            .remove("v")
            .unwrap_or_else(|| toml::Value::String(raw.to_owned())),
        Err(_) => toml::Value::String(raw.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> ConfigResult<Config> {
        parse_str(text, Vec::new())
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.chain.reorg_window, 64);
    }

    #[test]
    fn unknown_key_is_rejected_with_its_path() {
        let e = parse("[chain]\nchain_idd = 1\n").unwrap_err().to_string();
        assert!(
            e.contains("chain.chain_idd") || e.contains("chain_idd"),
            "{e}"
        );
        assert!(e.contains("unknown field"), "{e}");
    }

    #[test]
    fn unknown_section_is_rejected() {
        let e = parse("[chian]\n").unwrap_err().to_string();
        assert!(e.contains("chian"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let e = parse("[chain]\nreorg_window = \"many\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("chain.reorg_window"), "{e}");
    }

    #[test]
    fn unknown_key_inside_a_handler_names_the_index() {
        let e = parse(
            "[[handlers]]\nname = \"a\"\ncomponent = \"a.wasm\"\ncontracts = {}\nstart = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("handlers[0]"), "{e}");
        assert!(e.contains("start"), "{e}");
    }

    #[test]
    fn env_overrides_nested_keys_with_types() {
        let env = vec![
            ("WRAITH_CHAIN__CHAIN_ID".to_owned(), "4326".to_owned()),
            ("WRAITH_API__LISTEN".to_owned(), "0.0.0.0:9000".to_owned()),
            (
                "WRAITH_CHAIN__RPC_HTTP".to_owned(),
                "[\"http://a:1\", \"http://b:2\"]".to_owned(),
            ),
            ("HOME".to_owned(), "/root".to_owned()),
            (
                "WRAITH_HOOK_SECRET".to_owned(),
                "not a config key".to_owned(),
            ),
        ];
        let c = parse_str("", env).unwrap();
        assert_eq!(c.chain.chain_id, 4326);
        assert_eq!(c.api.listen, "0.0.0.0:9000");
        assert_eq!(c.chain.rpc_http, vec!["http://a:1", "http://b:2"]);
    }

    #[test]
    fn env_override_of_an_unknown_key_is_rejected() {
        let env = vec![("WRAITH_CHAIN__NOPE".to_owned(), "1".to_owned())];
        let e = parse_str("", env).unwrap_err().to_string();
        assert!(e.contains("chain.nope"), "{e}");
    }

    #[test]
    fn env_override_into_handler_array() {
        let text = "[[handlers]]\nname = \"a\"\ncomponent = \"a.wasm\"\ncontracts = {}\n";
        let env = vec![(
            "WRAITH_HANDLERS__0__START_BLOCK".to_owned(),
            "77".to_owned(),
        )];
        let c = parse_str(text, env).unwrap();
        assert_eq!(c.handlers[0].start_block, 77);
        let env = vec![(
            "WRAITH_HANDLERS__3__START_BLOCK".to_owned(),
            "77".to_owned(),
        )];
        let e = parse_str(text, env).unwrap_err().to_string();
        assert!(e.contains("out of range"), "{e}");
    }
}
