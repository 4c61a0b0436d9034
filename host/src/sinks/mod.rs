//! Where outputs go. PostgreSQL is the sink of record: a batch's writes,
//! undo journal, outbox, block records, digests and checkpoints commit in
//! one transaction (`postgres`). Streams are fed from the outbox.

pub mod postgres;
pub mod stream;

pub use postgres::{
    BlockBatch, BlockDigest, Checkpoint, FailureRecord, HandlerWrites, OutboxMessage, PgSink,
    SinkError, SinkResult, UndoRecord,
};
