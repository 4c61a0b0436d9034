//! The manifest a handler returns from `describe()`.

use alloy_sol_types::private::alloy_json_abi::{Event, Param};
use alloy_sol_types::{JsonAbiExt, SolEvent};

use crate::bindings::wraith::handler::types::{EventDecl, TableDecl};
use crate::{TableKind, WitManifest};

/// Builder for the handler manifest. [`crate::handler!`] builds it from the
/// declaration; the event declarations come from the `sol!` types, so the
/// ABI is written once.
#[derive(Debug, Clone)]
pub struct Manifest(WitManifest);

impl Manifest {
    /// A manifest for handler `name` at `version`.
    pub fn new(name: &str, version: &str) -> Self {
        Self(WitManifest {
            name: name.to_owned(),
            version: version.to_owned(),
            events: Vec::new(),
            tables: Vec::new(),
            stream_names: Vec::new(),
        })
    }

    /// Declare a table the handler writes.
    pub fn table(mut self, name: &str, kind: TableKind) -> Self {
        self.0.tables.push(TableDecl {
            name: name.to_owned(),
            kind,
        });
        self
    }

    /// Declare a stream name the handler publishes to.
    pub fn stream(mut self, name: &str) -> Self {
        self.0.stream_names.push(name.to_owned());
        self
    }

    /// Subscribe to event `E` of logical contract `contract`.
    pub fn event<E>(mut self, contract: &str, needs_tx_input: bool) -> Self
    where
        E: SolEvent + JsonAbiExt<Abi = Event>,
    {
        self.0.events.push(EventDecl {
            contract: contract.to_owned(),
            signature: declaration(&E::abi()),
            needs_tx_input,
        });
        self
    }

    /// The WIT record.
    pub fn into_wit(self) -> WitManifest {
        self.0
    }
}

/// The full declaration of `event` in the form the host parses:
/// `event Name(type [indexed] [name], ...)`, with struct parameters written
/// as plain tuple types (`(uint256,bool)`; the JSON ABI's `tuple(...)`
/// spelling with component names is not a Solidity type).
pub(crate) fn declaration(event: &Event) -> String {
    let params: Vec<String> = event
        .inputs
        .iter()
        .map(|p| {
            let mut s = solidity_type(&p.ty, &p.components);
            if p.indexed {
                s.push_str(" indexed");
            }
            if !p.name.is_empty() {
                s.push(' ');
                s.push_str(&p.name);
            }
            s
        })
        .collect();
    let anonymous = if event.anonymous { " anonymous" } else { "" };
    format!("event {}({}){anonymous}", event.name, params.join(", "))
}

fn solidity_type(ty: &str, components: &[Param]) -> String {
    match ty.strip_prefix("tuple") {
        Some(suffix) => {
            let inner: Vec<String> = components
                .iter()
                .map(|c| solidity_type(&c.ty, &c.components))
                .collect();
            format!("({}){suffix}", inner.join(","))
        }
        None => ty.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::sol;

    use super::*;

    sol! {
        #[sol(abi)]
        contract C {
            struct Config { uint256 minEntry; uint256 maxEntry; uint16 rakeBps; bool paused; }
            event GameRegistered(address indexed game, Config config);
            event Batch(uint256 indexed id, Config[] configs, uint16[5] weights);
            event Plain(address indexed from, uint256 value);
        }
    }

    fn parses_to_the_same_topic0<E: SolEvent + JsonAbiExt<Abi = Event>>() -> String {
        let decl = declaration(&E::abi());
        let parsed = Event::parse(&decl).unwrap_or_else(|e| panic!("{decl}: {e}"));
        assert_eq!(parsed.selector(), E::SIGNATURE_HASH, "{decl}");
        decl
    }

    #[test]
    fn struct_parameters_become_tuple_types() {
        assert_eq!(
            parses_to_the_same_topic0::<C::GameRegistered>(),
            "event GameRegistered(address indexed game, (uint256,uint256,uint16,bool) config)"
        );
        assert_eq!(
            parses_to_the_same_topic0::<C::Batch>(),
            "event Batch(uint256 indexed id, (uint256,uint256,uint16,bool)[] configs, uint16[5] weights)"
        );
        assert_eq!(
            parses_to_the_same_topic0::<C::Plain>(),
            "event Plain(address indexed from, uint256 value)"
        );
    }
}
