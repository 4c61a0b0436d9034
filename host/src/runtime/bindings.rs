//! The host bindings of `wit/handler.wit`: the one `bindgen!` of the host.
//! Everything else imports the generated types from here.

#![allow(missing_docs, reason = "generated from the documented WIT")]
#![allow(unreachable_pub, reason = "generated code")]
#![allow(missing_debug_implementations, reason = "generated code")]
#![allow(clippy::all, reason = "generated code")]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wraith:handler/handler@0.1.0",
    additional_derives: [PartialEq],
    imports: {
        // `get` and `stage` reach the database; a database failure is the
        // host's fault and must trap (and be retried), never reach the guest
        // as an ordinary error.
        "wraith:handler/host.get": trappable,
        "wraith:handler/host.stage": trappable,
    },
});

pub use wraith::handler::types::{
    AbiValue, BlockRef, Column, DbWrite, DeleteRow, EncodedValue, Event as WitEvent, EventDecl,
    InsertRow, LogLevel, Merge, MergeColumn, Output, Param, StreamMessage, TableDecl, TableKind,
    TxRef, UpdateRow, UpsertRow, Value,
};
