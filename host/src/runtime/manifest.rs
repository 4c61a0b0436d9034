//! [`HandlerInfo`]: a manifest checked against the configuration, with the
//! decoders and topic0s the router needs.

use std::collections::{BTreeMap, BTreeSet};

use alloy::dyn_abi::{DynSolEvent, Specifier};
use alloy::json_abi::Event;
use alloy::primitives::{Address, B256};

use super::bindings::{Manifest, TableKind};
use super::error::{RuntimeError, RuntimeResult};

/// One subscribed event, ready to route and decode.
#[derive(Debug, Clone)]
pub struct EventInfo {
    /// Logical contract name.
    pub contract: String,
    /// The parsed declaration.
    pub event: Event,
    /// Canonical signature, e.g. `Transfer(address,address,uint256)`.
    pub signature: String,
    /// keccak-256 of the canonical signature.
    pub topic0: B256,
    /// The decoder.
    pub decoder: DynSolEvent,
    /// Whether the handler wants the transaction's calldata and sender.
    pub needs_tx_input: bool,
}

/// A loaded handler's declared interface, validated.
#[derive(Debug, Clone)]
pub struct HandlerInfo {
    /// Handler name.
    pub name: String,
    /// The handler's own version string.
    pub version: String,
    /// SHA-256 of the component, lowercase hex.
    pub hash: String,
    /// Events, in manifest order (`decl-index`).
    pub events: Vec<EventInfo>,
    /// Tables it writes, with their kind.
    pub tables: BTreeMap<String, TableKind>,
    /// Stream names it publishes to.
    pub streams: BTreeSet<String>,
    /// Contract name → bound addresses, from the configuration.
    pub contracts: BTreeMap<String, Vec<Address>>,
}

impl HandlerInfo {
    /// Validate `manifest` for the handler configured as `name` with the
    /// given contract bindings.
    pub fn new(
        name: &str,
        hash: String,
        manifest: Manifest,
        contracts: BTreeMap<String, Vec<Address>>,
    ) -> RuntimeResult<Self> {
        let invalid = |message: String| RuntimeError::InvalidManifest {
            handler: name.to_owned(),
            message,
        };
        if manifest.name != name {
            return Err(invalid(format!(
                "the component calls itself {:?} but is configured as {name:?}",
                manifest.name
            )));
        }
        if manifest.events.is_empty() {
            return Err(invalid("declares no events".to_owned()));
        }
        let mut events = Vec::with_capacity(manifest.events.len());
        let mut seen = BTreeSet::new();
        for decl in manifest.events {
            let event = Event::parse(&decl.signature)
                .map_err(|e| invalid(format!("event {:?} does not parse: {e}", decl.signature)))?;
            if event.anonymous {
                return Err(invalid(format!(
                    "anonymous event {:?} cannot be routed by topic0",
                    decl.signature
                )));
            }
            let decoder = event.resolve().map_err(|e| {
                invalid(format!(
                    "event {:?} has an unsupported type: {e}",
                    decl.signature
                ))
            })?;
            let topic0 = event.selector();
            if !seen.insert((decl.contract.clone(), topic0)) {
                return Err(invalid(format!(
                    "event {} of contract {} is declared twice",
                    event.signature(),
                    decl.contract
                )));
            }
            events.push(EventInfo {
                signature: event.signature(),
                contract: decl.contract,
                event,
                topic0,
                decoder,
                needs_tx_input: decl.needs_tx_input,
            });
        }
        let mut tables = BTreeMap::new();
        for t in manifest.tables {
            if !is_identifier(&t.name) {
                return Err(invalid(format!(
                    "table name {:?} must be a lowercase SQL identifier ([a-z_][a-z0-9_]*)",
                    t.name
                )));
            }
            if t.name.starts_with("wraith_") {
                return Err(invalid(format!(
                    "table {:?}: the wraith_ prefix is reserved for the host",
                    t.name
                )));
            }
            if tables.insert(t.name.clone(), t.kind).is_some() {
                return Err(invalid(format!("table {:?} is declared twice", t.name)));
            }
        }
        let mut streams = BTreeSet::new();
        for s in manifest.stream_names {
            let ok = !s.is_empty()
                && s.len() <= 200
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
            if !ok {
                return Err(invalid(format!(
                    "stream name {s:?} must be [A-Za-z0-9._-]{{1,200}}"
                )));
            }
            streams.insert(s);
        }
        Ok(Self {
            name: name.to_owned(),
            version: manifest.version,
            hash,
            events,
            tables,
            streams,
            contracts,
        })
    }

    /// Contract names the manifest uses that the configuration does not
    /// bind to any address (their events can never arrive).
    pub fn unbound_contracts(&self) -> Vec<&str> {
        let names: BTreeSet<&str> = self.events.iter().map(|e| e.contract.as_str()).collect();
        names
            .into_iter()
            .filter(|c| !self.contracts.contains_key(*c))
            .collect()
    }
}

/// A lowercase SQL identifier that needs no quoting.
pub(crate) fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::{EventDecl, TableDecl};

    fn manifest(events: &[&str], tables: &[&str]) -> Manifest {
        Manifest {
            name: "h".into(),
            version: "1.0.0".into(),
            events: events
                .iter()
                .map(|s| EventDecl {
                    contract: "C".into(),
                    signature: (*s).into(),
                    needs_tx_input: false,
                })
                .collect(),
            tables: tables
                .iter()
                .map(|t| TableDecl {
                    name: (*t).into(),
                    kind: TableKind::Entity,
                })
                .collect(),
            stream_names: vec!["s.x".into()],
        }
    }

    #[test]
    fn a_valid_manifest_gives_topic0() {
        let m = manifest(
            &["event Transfer(address indexed from, address indexed to, uint256 value)"],
            &["t"],
        );
        let info = HandlerInfo::new("h", "00".into(), m, BTreeMap::new()).unwrap();
        assert_eq!(
            info.events[0].topic0.to_string(),
            "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
        );
        assert_eq!(info.unbound_contracts(), vec!["C"]);
    }

    #[test]
    fn name_mismatch_is_rejected() {
        let m = manifest(&["event A(uint256 x)"], &[]);
        let e = HandlerInfo::new("other", "00".into(), m, BTreeMap::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("configured as \"other\""), "{e}");
    }

    #[test]
    fn bad_signature_and_table_names_are_rejected() {
        let e = HandlerInfo::new(
            "h",
            "0".into(),
            manifest(&["event A(uint257 x)"], &[]),
            BTreeMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("does not parse") || e.contains("unsupported"),
            "{e}"
        );
        let e = HandlerInfo::new(
            "h",
            "0".into(),
            manifest(&["event A(uint256 x)"], &["Bad-Name"]),
            BTreeMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("SQL identifier"), "{e}");
        let e = HandlerInfo::new(
            "h",
            "0".into(),
            manifest(&["event A(uint256 x)"], &["wraith_x"]),
            BTreeMap::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("reserved"), "{e}");
    }
}
