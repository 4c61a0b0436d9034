//! Handler components: the wasmtime engine, the host side of the WIT
//! interface, manifests and ABI decoding.

pub mod abi;
pub mod bindings;
mod engine;
mod error;
mod host_api;
mod manifest;

pub use engine::{HandlerEngine, HostState, LoadedComponent};
pub use error::{Failure, HostFault, RuntimeError, RuntimeResult};
pub use host_api::BatchAccess;
pub use manifest::{EventInfo, HandlerInfo};
