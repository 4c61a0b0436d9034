//! The per-batch context a handler writes into, and the typed event wrapper.

use core::ops::Deref;

use alloy_primitives::{Address, B256, Bytes};
use alloy_sol_types::SolEvent;

use crate::bindings::wraith::handler::host;
use crate::bindings::wraith::handler::types::LogLevel;
use crate::{Error, Event, EventOutputs, Handler, HandlerError, Key, Output, Result, Row};

/// Where an event comes from: chain, block, transaction and log position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Chain id.
    pub chain_id: u64,
    /// The emitting contract.
    pub address: Address,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Block timestamp, seconds since the epoch.
    pub block_timestamp: u64,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Transaction index in the block.
    pub tx_index: u32,
    /// Log index in the block.
    pub log_index: u32,
    /// Transaction sender (only for events declared with `[tx_input]`).
    pub sender: Option<Address>,
    /// Transaction calldata (only for events declared with `[tx_input]`).
    pub input: Option<Bytes>,
}

impl Meta {
    fn from_event(event: &Event) -> Result<Self> {
        Ok(Self {
            chain_id: event.chain_id,
            address: address(&event.address, "log address")?,
            block_number: event.block.number,
            block_hash: b256(&event.block.hash, "block hash")?,
            block_timestamp: event.block.timestamp,
            tx_hash: b256(&event.tx.hash, "tx hash")?,
            tx_index: event.tx.index,
            log_index: event.log_index,
            sender: event
                .tx
                .sender
                .as_deref()
                .map(|s| address(s, "tx sender"))
                .transpose()?,
            input: event.tx.input.as_ref().map(|i| Bytes::copy_from_slice(i)),
        })
    }
}

fn address(bytes: &[u8], what: &str) -> Result<Address> {
    if bytes.len() != 20 {
        return Err(Error(format!(
            "{what} has {} bytes, expected 20",
            bytes.len()
        )));
    }
    Ok(Address::from_slice(bytes))
}

fn b256(bytes: &[u8], what: &str) -> Result<B256> {
    B256::try_from(bytes)
        .map_err(|_| Error(format!("{what} has {} bytes, expected 32", bytes.len())))
}

/// A decoded event of type `E` (an `alloy_sol_types::sol!` event) with its
/// [`Meta`]. Dereferences to `E`, so fields read as `ev.amount`.
#[derive(Debug, Clone)]
pub struct Ev<E> {
    /// The decoded event.
    pub data: E,
    /// Where it comes from.
    pub meta: Meta,
}

impl<E: SolEvent> Ev<E> {
    /// Decode a raw event as `E`.
    pub fn decode(event: &Event) -> Result<Self> {
        let topics = event
            .topics
            .iter()
            .map(|t| b256(t, "topic"))
            .collect::<Result<Vec<_>>>()?;
        let data = E::decode_raw_log(topics, &event.data)?;
        Ok(Self {
            data,
            meta: Meta::from_event(event)?,
        })
    }
}

impl<E> Deref for Ev<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.data
    }
}

/// Collects a handler's outputs for one batch and reads rows through the
/// host, seeing the batch's own writes.
#[derive(Debug, Default)]
pub struct Ctx {
    current: u32,
    pending: Vec<EventOutputs>,
    done: Vec<EventOutputs>,
    staged_any: bool,
}

impl Ctx {
    /// Queue an output (a [`crate::Write`] or a [`crate::Message`]) for the
    /// event being handled.
    pub fn push(&mut self, output: impl Into<Output>) {
        let output = output.into();
        match self.pending.last_mut() {
            Some(group) if group.event_index == self.current => group.outputs.push(output),
            _ => self.pending.push(EventOutputs {
                event_index: self.current,
                outputs: vec![output],
            }),
        }
    }

    /// Read a row of one of this handler's tables by its full primary key,
    /// as of this point of the batch (every output pushed so far counts).
    pub fn get(&mut self, table: &str, key: Key) -> Result<Option<Row>> {
        self.stage()?;
        host::get(table, &key.0).map(|r| r.map(Row)).map_err(Error)
    }

    /// Write a line to the host log.
    pub fn log(&self, message: &str) {
        host::log(LogLevel::Info, message);
    }

    /// Write a warning to the host log.
    pub fn warn(&self, message: &str) {
        host::log(LogLevel::Warn, message);
    }

    fn stage(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let outputs = core::mem::take(&mut self.pending);
        self.staged_any = true;
        host::stage(&outputs).map_err(|e| Error(format!("output rejected by the host: {e}")))
    }

    fn finish(mut self) -> Vec<EventOutputs> {
        if self.done.is_empty() {
            return self.pending;
        }
        self.done.append(&mut self.pending);
        self.done
    }
}

/// Run a batch through a [`Handler`]: the body of the exported `handle`.
pub fn run<H: Handler>(events: Vec<Event>) -> Result<Vec<EventOutputs>, HandlerError> {
    let mut ctx = Ctx::default();
    for (index, event) in events.iter().enumerate() {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        ctx.current = index;
        if let Err(Error(message)) = H::dispatch(&mut ctx, event) {
            return Err(HandlerError {
                message,
                event_index: Some(index),
            });
        }
    }
    Ok(ctx.finish())
}
