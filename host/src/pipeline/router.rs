//! [`Router`]: which handler declarations a log goes to, by (chain,
//! emitter address, topic0) — never by topic0 alone, since several GHOSTNET
//! events share a name or a topic0 across contracts.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use alloy::primitives::{Address, B256};

use super::registry::HandlerSlot;

/// A route target: slot index and the declaration index in its manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Index of the handler slot.
    pub slot: usize,
    /// Index of the event in the handler's manifest.
    pub decl: u32,
}

/// The routing table for a set of handler slots.
#[derive(Debug, Clone, Default)]
pub struct Router {
    chain_id: u64,
    routes: HashMap<(Address, B256), Vec<Target>>,
    tx_input: HashSet<(Address, B256)>,
    addresses: Vec<Address>,
}

impl Router {
    /// Build the routes of `slots` (disabled slots are left out).
    pub fn new(chain_id: u64, slots: &[Arc<HandlerSlot>]) -> Self {
        let mut routes: HashMap<(Address, B256), Vec<Target>> = HashMap::new();
        let mut tx_input = HashSet::new();
        let mut addresses = BTreeSet::new();
        for (slot, s) in slots.iter().enumerate() {
            if !s.enabled {
                continue;
            }
            for (decl, ev) in s.info.events.iter().enumerate() {
                let Some(bound) = s.info.contracts.get(&ev.contract) else {
                    continue;
                };
                for addr in bound {
                    addresses.insert(*addr);
                    routes.entry((*addr, ev.topic0)).or_default().push(Target {
                        slot,
                        decl: u32::try_from(decl).unwrap_or(u32::MAX),
                    });
                    if ev.needs_tx_input {
                        tx_input.insert((*addr, ev.topic0));
                    }
                }
            }
        }
        Self {
            chain_id,
            routes,
            tx_input,
            addresses: addresses.into_iter().collect(),
        }
    }

    /// The chain this router serves.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Targets of a log.
    pub fn route(&self, address: Address, topic0: Option<&B256>) -> &[Target] {
        topic0
            .and_then(|t| self.routes.get(&(address, *t)))
            .map_or(&[], Vec::as_slice)
    }

    /// Whether a log's transaction input is needed.
    pub fn needs_tx_input(&self, address: Address, topic0: Option<&B256>) -> bool {
        topic0.is_some_and(|t| self.tx_input.contains(&(address, *t)))
    }

    /// Every watched address, sorted.
    pub fn addresses(&self) -> &[Address] {
        &self.addresses
    }
}
