//! Integration tests: real anvil, real PostgreSQL (a fresh database per
//! test), the real `wraith` binary and the real handler components.
//! One binary, one module per capability.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
#![allow(missing_docs, reason = "tests")]

mod api;
mod cli;
mod common;
mod failures;
mod ghostnet_aggregates;
mod ghostnet_arcade;
mod ghostnet_core;
mod ghostnet_scenario;
mod operations;
mod reorg;
mod sandbox;
mod sink_conformance;
mod spine;
mod status_page;
mod streams;
mod swap;
mod websocket;
