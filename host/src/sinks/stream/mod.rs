//! Streams: the outbox published to brokers and webhooks.
//!
//! The outbox is the source of truth. One [`Publisher`] per configured sink
//! reads the rows after its persisted cursor, publishes them, and only then
//! advances the cursor: at-least-once delivery. Every message carries its
//! outbox id as a stable identity (JetStream `Nats-Msg-Id`, Iggy message id,
//! webhook `X-Wraith-Id`), so brokers and consumers drop the duplicates a
//! crash between "published" and "cursor saved" can cause — effectively
//! exactly-once end to end. A reorg appends `revert` messages (in the same
//! transaction as the database revert) naming the retracted ids; consumers
//! apply them to converge on the canonical chain.

mod iggy;
mod jetstream;
mod publisher;
mod webhook;

use serde_json::json;

pub use iggy::{IggySettings, IggySink, partition_index};
pub use jetstream::JetStreamSink;
pub use publisher::{Publisher, PublisherSettings, prune_outbox};
pub use webhook::{WebhookSettings, WebhookSink, signature};

/// A stream error (the publisher retries with backoff).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The broker or endpoint could not be reached or refused the message.
    #[error("{sink}: {message}")]
    Publish {
        /// The sink.
        sink: String,
        /// What happened.
        message: String,
    },
    /// Reading the outbox or saving the cursor failed.
    #[error("outbox: {0}")]
    Database(#[from] sqlx::Error),
}

/// Result of stream operations.
pub type StreamResult<T> = Result<T, StreamError>;

/// One outbox row.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OutboxRow {
    /// Global sequence: the message id.
    pub id: i64,
    /// `data` or `revert`.
    pub kind: String,
    /// Block number (the fork point for `revert`).
    pub block_number: i64,
    /// Block hash.
    pub block_hash: Vec<u8>,
    /// Transaction hash (data messages).
    pub tx_hash: Option<Vec<u8>>,
    /// Log index (data messages).
    pub log_index: Option<i32>,
    /// Handler name.
    pub handler: String,
    /// Handler version (content hash).
    pub handler_version: String,
    /// Stream name.
    pub stream_name: String,
    /// Partition key.
    pub msg_key: String,
    /// JSON payload as text.
    pub payload: String,
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

impl OutboxRow {
    /// The JSON envelope every sink delivers.
    pub fn envelope(&self, chain_id: u64) -> serde_json::Value {
        let payload: serde_json::Value = serde_json::from_str(&self.payload)
            .unwrap_or(serde_json::Value::String(self.payload.clone()));
        json!({
            "id": self.id,
            "kind": self.kind,
            "chain_id": chain_id,
            "block_number": self.block_number,
            "block_hash": hex0x(&self.block_hash),
            "tx_hash": self.tx_hash.as_deref().map(hex0x),
            "log_index": self.log_index,
            "handler": self.handler,
            "handler_version": self.handler_version,
            "stream": self.stream_name,
            "key": self.msg_key,
            "payload": payload,
        })
    }

    /// Headers every sink sets (broker headers or HTTP headers).
    pub fn headers(&self, chain_id: u64) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("wraith-id", self.id.to_string()),
            ("wraith-kind", self.kind.clone()),
            ("wraith-chain-id", chain_id.to_string()),
            ("wraith-block-number", self.block_number.to_string()),
            ("wraith-block-hash", hex0x(&self.block_hash)),
            ("wraith-handler", self.handler.clone()),
            ("wraith-handler-version", self.handler_version.clone()),
            ("wraith-stream", self.stream_name.clone()),
        ];
        if let Some(tx) = &self.tx_hash {
            h.push(("wraith-tx-hash", hex0x(tx)));
        }
        if let Some(li) = self.log_index {
            h.push(("wraith-log-index", li.to_string()));
        }
        h
    }
}

/// A configured destination.
#[derive(Debug)]
pub enum Sink {
    /// NATS JetStream.
    JetStream(JetStreamSink),
    /// Webhooks.
    Webhook(WebhookSink),
    /// Apache Iggy.
    Iggy(IggySink),
}

impl Sink {
    /// `jetstream`, `webhook` or `iggy`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::JetStream(_) => "jetstream",
            Self::Webhook(_) => "webhook",
            Self::Iggy(_) => "iggy",
        }
    }

    /// Publish `rows` in order; Ok once every row is durably accepted (or,
    /// for webhooks, dead-lettered after its last attempt).
    pub async fn publish(&mut self, rows: &[OutboxRow], chain_id: u64) -> StreamResult<()> {
        match self {
            Self::JetStream(s) => s.publish(rows, chain_id).await,
            Self::Webhook(s) => s.publish(rows, chain_id).await,
            Self::Iggy(s) => s.publish(rows, chain_id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_and_headers_carry_the_identity_and_position() {
        let r = OutboxRow {
            id: 7,
            kind: "data".into(),
            block_number: 12,
            block_hash: vec![0xab; 32],
            tx_hash: Some(vec![0xcd; 32]),
            log_index: Some(3),
            handler: "ghost-core".into(),
            handler_version: "ff".into(),
            stream_name: "ghostnet.positions".into(),
            msg_key: "0x01".into(),
            payload: "{\"type\":\"JACK_IN\"}".into(),
        };
        let e = r.envelope(31337);
        assert_eq!(e["id"], 7);
        assert_eq!(e["payload"]["type"], "JACK_IN");
        assert_eq!(e["tx_hash"], format!("0x{}", "cd".repeat(32)));
        let h = r.headers(31337);
        assert!(h.contains(&("wraith-log-index", "3".to_owned())));
        assert!(h.contains(&("wraith-kind", "data".to_owned())));
        assert!(h.contains(&("wraith-chain-id", "31337".to_owned())));
    }
}
