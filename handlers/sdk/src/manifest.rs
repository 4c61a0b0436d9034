//! The manifest a handler returns from `describe()`.

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
        E: SolEvent + JsonAbiExt<Abi = alloy_sol_types::private::alloy_json_abi::Event>,
    {
        self.0.events.push(EventDecl {
            contract: contract.to_owned(),
            signature: E::abi().full_signature(),
            needs_tx_input,
        });
        self
    }

    /// The WIT record.
    pub fn into_wit(self) -> WitManifest {
        self.0
    }
}
