//! wraith — follow an EVM chain, survive reorgs, run per-contract
//! WebAssembly handlers, write PostgreSQL, serve REST.
//!
//! # Data flow
//!
//! ```text
//! chain (RPC) ─► ChainFollower ─► ChainEvent::{Committed, Reorged, Reverted}
//!     ─► Pipeline: route by (chain, address, topic0) ─► decode (handler ABI)
//!        ─► handler components (wasmtime, one Store per batch)
//!     ─► PgSink: one transaction with writes, undo journal, outbox,
//!        block records, digests and checkpoints
//!     ─► REST API (axum)
//! ```
//!
//! # Assumptions
//!
//! * Handlers are stateless between batches; everything they remember lives
//!   in their own tables, read back with `get`.
//! * A table belongs to one handler; handlers run in parallel on disjoint
//!   tables, so the order between handlers never changes the result.
//! * The chain reorganises only within `chain.reorg_window` blocks; a deeper
//!   fork stops the follower with an error naming both hashes.
//!
//! # Invariants
//!
//! 1. **Atomicity.** A block's writes, undo entries, outbox rows, block
//!    record, digest and the handler checkpoints commit in one transaction
//!    or not at all; a crash resumes from the checkpoint with nothing lost
//!    and nothing duplicated.
//! 2. **Canonical only.** Everything above the finalized point can be
//!    reverted; after a reorg the database equals a clean index of the new
//!    canonical chain.
//! 3. **Determinism.** The same logs and handler versions give the same
//!    writes in the same order; handlers get no clock, randomness, network
//!    or filesystem; a per-block digest of the outputs is stored.
//! 4. **Isolation.** A handler that traps, loops, exhausts memory or writes
//!    outside its declared tables stops only itself; the failure is recorded
//!    with its block and log.
//! 5. **Bounded everything.** Queues are bounded, RPC calls time out and
//!    retry with backoff, WASM calls have a deadline and a memory cap.

pub mod admin_client;
pub mod api;
pub mod app;
pub mod chain;
pub mod cli;
pub mod config;
pub mod metrics;
pub mod pipeline;
pub mod reload;
pub mod runtime;
pub mod scaffold;
pub mod sinks;
pub mod status;
pub mod telemetry;
