//! [`JetStreamSink`]: NATS JetStream. Messages go to
//! `<subject_prefix>.<stream name>` with `Nats-Msg-Id` = the outbox id, so
//! JetStream drops a re-published message within the stream's duplicate
//! window; every publish is acknowledged before the cursor moves.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, message::PublishMessage, stream};

use super::{OutboxRow, StreamError, StreamResult};

/// A JetStream destination.
#[derive(Debug)]
pub struct JetStreamSink {
    name: String,
    url: String,
    stream: String,
    subject_prefix: String,
    duplicate_window: Duration,
    context: Option<jetstream::Context>,
}

impl JetStreamSink {
    /// A sink (connects lazily, and again after failures).
    pub fn new(
        name: &str,
        url: &str,
        stream: &str,
        subject_prefix: &str,
        duplicate_window: Duration,
    ) -> Self {
        Self {
            name: name.to_owned(),
            url: url.to_owned(),
            stream: stream.to_owned(),
            subject_prefix: subject_prefix.to_owned(),
            duplicate_window,
            context: None,
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> StreamError {
        StreamError::Publish {
            sink: self.name.clone(),
            message: message.to_string(),
        }
    }

    async fn connect(&mut self) -> StreamResult<jetstream::Context> {
        if let Some(c) = &self.context {
            return Ok(c.clone());
        }
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .connect(self.url.as_str())
            .await
            .map_err(|e| self.error(format!("connecting to {}: {e}", self.url)))?;
        let js = jetstream::new(client);
        js.get_or_create_stream(stream::Config {
            name: self.stream.clone(),
            subjects: vec![format!("{}.>", self.subject_prefix)],
            duplicate_window: self.duplicate_window,
            ..Default::default()
        })
        .await
        .map_err(|e| self.error(format!("creating JetStream stream {}: {e}", self.stream)))?;
        self.context = Some(js.clone());
        Ok(js)
    }

    /// Publish `rows` and wait for every acknowledgement.
    pub async fn publish(&mut self, rows: &[OutboxRow], chain_id: u64) -> StreamResult<()> {
        let js = self.connect().await?;
        let mut acks = Vec::with_capacity(rows.len());
        for row in rows {
            let mut headers = HeaderMap::new();
            for (k, v) in row.headers(chain_id) {
                headers.insert(k, v.as_str());
            }
            let body = serde_json::to_vec(&row.envelope(chain_id)).map_err(|e| self.error(e))?;
            let subject = format!("{}.{}", self.subject_prefix, row.stream_name);
            let publish = PublishMessage::build()
                .payload(body.into())
                .headers(headers)
                .message_id(row.id.to_string());
            match js.send_publish(subject, publish).await {
                Ok(ack) => acks.push(ack),
                Err(e) => {
                    self.context = None;
                    return Err(self.error(format!("publishing message {}: {e}", row.id)));
                }
            }
        }
        for (ack, row) in acks.into_iter().zip(rows) {
            if let Err(e) = ack.await {
                self.context = None;
                return Err(self.error(format!("acknowledging message {}: {e}", row.id)));
            }
        }
        Ok(())
    }
}
