//! Runtime errors and their classification.

/// Who caused a failure and what the pipeline should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The handler's fault (trap, deadline, memory, invalid output, handler
    /// error). Retrying gives the same result: record it and park the
    /// handler per policy.
    Deterministic,
    /// The host's fault (database unavailable during `get`): retry the batch.
    Transient,
}

/// A runtime error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// The wasmtime engine could not be configured.
    #[error("wasmtime engine configuration: {0}")]
    Engine(String),
    /// The component file could not be read.
    #[error("cannot read component {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a valid component, or it does not implement the
    /// `wraith:handler/handler@0.1.0` world.
    #[error("component rejected: {0}")]
    InvalidComponent(String),
    /// `describe()` failed or returned an invalid manifest.
    #[error("handler {handler}: invalid manifest: {message}")]
    InvalidManifest {
        /// The handler.
        handler: String,
        /// What is wrong.
        message: String,
    },
    /// The guest trapped (including deadline and memory cap).
    #[error("handler {handler} trapped: {message}")]
    Trap {
        /// The handler.
        handler: String,
        /// The trap.
        message: String,
    },
    /// The guest exceeded its time budget.
    #[error("handler {handler} exceeded its time budget of {timeout_ms} ms")]
    DeadlineExceeded {
        /// The handler.
        handler: String,
        /// The budget.
        timeout_ms: u64,
    },
    /// The guest returned an error for an event.
    #[error("handler {handler} failed: {message}")]
    Handler {
        /// The handler.
        handler: String,
        /// Its message.
        message: String,
        /// Index of the failing event in the batch.
        event_index: Option<u32>,
    },
    /// The guest produced an output the host refused.
    #[error("handler {handler} produced an invalid output: {message}")]
    InvalidOutput {
        /// The handler.
        handler: String,
        /// What is wrong.
        message: String,
        /// Index of the event that produced it.
        event_index: Option<u32>,
    },
    /// A host-side failure during the call (the database): retry.
    #[error("host failure while running handler {handler}: {message}")]
    Host {
        /// The handler.
        handler: String,
        /// The failure.
        message: String,
    },
}

impl RuntimeError {
    /// How the pipeline must treat this error.
    pub fn failure(&self) -> Failure {
        match self {
            Self::Host { .. } => Failure::Transient,
            Self::Engine(_)
            | Self::Read { .. }
            | Self::InvalidComponent(_)
            | Self::InvalidManifest { .. }
            | Self::Trap { .. }
            | Self::DeadlineExceeded { .. }
            | Self::Handler { .. }
            | Self::InvalidOutput { .. } => Failure::Deterministic,
        }
    }

    /// The index of the failing event in the batch, when known.
    pub fn event_index(&self) -> Option<u32> {
        match self {
            Self::Handler { event_index, .. } | Self::InvalidOutput { event_index, .. } => {
                *event_index
            }
            _ => None,
        }
    }
}

/// Result of runtime operations.
pub type RuntimeResult<T> = Result<T, RuntimeError>;

/// A host fault raised inside a host import; it traps the guest and is
/// recovered by downcasting after the call.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HostFault(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_host_failures_are_transient() {
        let host = RuntimeError::Host {
            handler: "h".into(),
            message: "db down".into(),
        };
        assert_eq!(host.failure(), Failure::Transient);
        let trap = RuntimeError::Trap {
            handler: "h".into(),
            message: "unreachable".into(),
        };
        assert_eq!(trap.failure(), Failure::Deterministic);
        let out = RuntimeError::InvalidOutput {
            handler: "h".into(),
            message: "table x is not declared".into(),
            event_index: Some(3),
        };
        assert_eq!(out.failure(), Failure::Deterministic);
        assert_eq!(out.event_index(), Some(3));
    }
}
