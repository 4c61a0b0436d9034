//! Builders for database writes and stream messages.

use crate::bindings::wraith::handler::types::{
    Column, DbWrite, DeleteRow, InsertRow, MergeColumn, StreamMessage, UpdateRow, UpsertRow,
};
use crate::{IntoValue, Merge, Meta, Output, Timestamp};

/// A database write under construction.
///
/// ```ignore
/// ctx.push(
///     Write::upsert("positions")
///         .key("user_address", ev.user)
///         .set("amount", ev.newTotal)
///         .add("deposit_count", 1u32),
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Write {
    op: Op,
    table: String,
    key: Vec<Column>,
    columns: Vec<MergeColumn>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Insert,
    Upsert,
    Update,
    Delete,
}

impl Write {
    fn new(op: Op, table: &str) -> Self {
        Self {
            op,
            table: table.to_owned(),
            key: Vec::new(),
            columns: Vec::new(),
        }
    }

    /// Append a row to an append-only table. Set its columns with
    /// [`Write::col`] (and [`Write::meta`] for the block columns).
    pub fn insert(table: &str) -> Self {
        Self::new(Op::Insert, table)
    }

    /// Create or merge into an entity row.
    pub fn upsert(table: &str) -> Self {
        Self::new(Op::Upsert, table)
    }

    /// Merge into an existing entity row (no-op if absent).
    pub fn update(table: &str) -> Self {
        Self::new(Op::Update, table)
    }

    /// Delete an entity row (no-op if absent).
    pub fn delete(table: &str) -> Self {
        Self::new(Op::Delete, table)
    }

    /// A primary-key column (upsert, update, delete).
    pub fn key(mut self, name: &str, value: impl IntoValue) -> Self {
        self.key.push(Column {
            name: name.to_owned(),
            value: value.into_value(),
        });
        self
    }

    fn merge(mut self, name: &str, value: impl IntoValue, merge: Merge) -> Self {
        self.columns.push(MergeColumn {
            name: name.to_owned(),
            value: value.into_value(),
            merge,
        });
        self
    }

    /// A column of an inserted row (same as [`Write::set`]).
    pub fn col(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Set)
    }

    /// Replace the stored value.
    pub fn set(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Set)
    }

    /// Add to the stored value (0 if the row is new).
    pub fn add(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Add)
    }

    /// Subtract from the stored value (0 if the row is new).
    pub fn sub(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Sub)
    }

    /// Keep the larger of the stored and the new value.
    pub fn max(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Max)
    }

    /// Keep the smaller of the stored and the new value.
    pub fn min(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::Min)
    }

    /// Set only when the row is created; keep the stored value otherwise.
    pub fn keep(self, name: &str, value: impl IntoValue) -> Self {
        self.merge(name, value, Merge::KeepExisting)
    }

    /// Add the standard event columns of an append-only table:
    /// `block_number`, `block_time`, `tx_hash` and `log_index`.
    pub fn meta(self, meta: &Meta) -> Self {
        self.col("block_number", meta.block_number)
            .col("block_time", Timestamp(meta.block_timestamp as i64))
            .col("tx_hash", meta.tx_hash)
            .col("log_index", meta.log_index)
    }
}

impl From<Write> for Output {
    fn from(w: Write) -> Self {
        let Write {
            op,
            table,
            key,
            columns,
        } = w;
        Self::Write(match op {
            Op::Insert => DbWrite::Insert(InsertRow {
                table,
                columns: columns
                    .into_iter()
                    .map(|c| Column {
                        name: c.name,
                        value: c.value,
                    })
                    .collect(),
            }),
            Op::Upsert => DbWrite::Upsert(UpsertRow {
                table,
                key,
                columns,
            }),
            Op::Update => DbWrite::Update(UpdateRow {
                table,
                key,
                columns,
            }),
            Op::Delete => DbWrite::Delete(DeleteRow { table, key }),
        })
    }
}

/// A stream message: JSON payload, partition key, declared stream name.
#[derive(Debug, Clone)]
pub struct Message {
    stream_name: String,
    key: String,
    payload: serde_json::Value,
}

impl Message {
    /// A message for `stream_name` with partition `key`.
    pub fn new(stream_name: &str, key: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            stream_name: stream_name.to_owned(),
            key: key.into(),
            payload,
        }
    }
}

impl From<Message> for Output {
    fn from(m: Message) -> Self {
        Self::Message(StreamMessage {
            stream_name: m.stream_name,
            key: m.key,
            payload: m.payload.to_string(),
        })
    }
}
