//! The `wraith:handler/host` interface, implemented on [`HostState`].

use super::bindings::{Column, EventOutputs, LogLevel, wraith};
use super::engine::HostState;
use super::error::HostFault;

/// What a running batch offers the guest: `get` and `stage`.
///
/// Implemented by the pipeline's per-handler batch state. An `Ok(Err(_))`
/// goes back to the guest (its fault); an `Err(HostFault)` traps the call
/// and the batch is retried (the host's fault).
pub trait BatchAccess {
    /// Read a row as of the current point of the batch.
    fn get(
        &mut self,
        table: &str,
        key: Vec<Column>,
    ) -> Result<Result<Option<Vec<Column>>, String>, HostFault>;
    /// Validate and apply outputs before `handle` returns.
    fn stage(&mut self, outputs: Vec<EventOutputs>) -> Result<Result<(), String>, HostFault>;
}

impl<B: Send> wraith::handler::types::Host for HostState<B> {}

impl<B: BatchAccess + Send> wraith::handler::host::Host for HostState<B> {
    fn log(&mut self, level: LogLevel, message: String) {
        let handler = &*self.handler;
        match level {
            LogLevel::Trace => tracing::trace!(target: "wraith::handler", handler, "{message}"),
            LogLevel::Debug => tracing::debug!(target: "wraith::handler", handler, "{message}"),
            LogLevel::Info => tracing::info!(target: "wraith::handler", handler, "{message}"),
            LogLevel::Warn => tracing::warn!(target: "wraith::handler", handler, "{message}"),
            LogLevel::Error => tracing::error!(target: "wraith::handler", handler, "{message}"),
        }
    }

    fn get(
        &mut self,
        table: String,
        key: Vec<Column>,
    ) -> wasmtime::Result<Result<Option<Vec<Column>>, String>> {
        match self.access.as_mut() {
            Some(access) => Ok(access.get(&table, key)?),
            None => Ok(Err("get is only available inside handle".to_owned())),
        }
    }

    fn stage(&mut self, outputs: Vec<EventOutputs>) -> wasmtime::Result<Result<(), String>> {
        match self.access.as_mut() {
            Some(access) => Ok(access.stage(outputs)?),
            None => Ok(Err("stage is only available inside handle".to_owned())),
        }
    }
}
