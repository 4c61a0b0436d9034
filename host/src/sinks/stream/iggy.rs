//! [`IggySink`]: Apache Iggy over TCP (the official Rust SDK). One Iggy
//! stream and topic per sink, both created if missing. A data message goes
//! to the partition its key hashes to (SHA-256 of the key, modulo the
//! topic's partitions), so a key's messages stay in order; a `revert` goes
//! to every partition, after the data it retracts. The Iggy message id is
//! the outbox id.
//!
//! Iggy only deduplicates ids when the server enables it, so the sink makes
//! re-publishing safe itself: after every (re)connection it reads the last
//! message of each partition, and when the newest of them is a message of
//! the batch being published (same id, same body) it skips, per partition,
//! what that partition already holds. Nothing in flight at a crash is
//! published twice.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bytes::Bytes;
use iggy::prelude::{
    Client, Consumer, HeaderKey, HeaderValue, Identifier, IggyClient, IggyDuration, IggyError,
    IggyMessage, MessageClient, Partitioning, PollingStrategy, StreamClient, TopicClient,
    TopicCreateOptions, UserClient,
};
use sha2::{Digest, Sha256};

use super::{OutboxRow, StreamError, StreamResult};

/// How long connecting, logging in and preparing the topic may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one `send_messages` may take.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an Iggy sink.
#[derive(Clone)]
pub struct IggySettings {
    /// Server TCP address, `host:port`.
    pub address: String,
    /// Iggy stream (created if missing).
    pub stream: String,
    /// Iggy topic (created if missing).
    pub topic: String,
    /// Partitions of a created topic.
    pub partitions: u32,
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for IggySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IggySettings")
            .field("address", &self.address)
            .field("stream", &self.stream)
            .field("topic", &self.topic)
            .field("partitions", &self.partitions)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The last message of one partition, read after connecting.
#[derive(Debug)]
struct Tail {
    id: i64,
    payload: Bytes,
}

/// A logged-in client with the topic ready.
#[derive(Debug)]
struct Connection {
    client: IggyClient,
    stream: Identifier,
    topic: Identifier,
    /// Partition ids of the topic, ascending.
    partitions: Vec<u32>,
    /// The last message of each partition, until the first publish after
    /// connecting has used it.
    tails: Option<HashMap<u32, Tail>>,
}

/// An Apache Iggy destination.
#[derive(Debug)]
pub struct IggySink {
    name: String,
    settings: IggySettings,
    connection: Option<Connection>,
}

/// The partition (an index into `n` partitions) of a message key.
pub fn partition_index(key: &str, n: usize) -> usize {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let n = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
    usize::try_from(u64::from_be_bytes(first) % n).unwrap_or(0)
}

impl IggySink {
    /// A sink (connects lazily, and again after failures).
    pub fn new(name: &str, settings: IggySettings) -> Self {
        Self {
            name: name.to_owned(),
            settings,
            connection: None,
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> StreamError {
        StreamError::Publish {
            sink: self.name.clone(),
            message: message.to_string(),
        }
    }

    async fn open(&self) -> StreamResult<Connection> {
        let s = &self.settings;
        let client = IggyClient::builder()
            .with_tcp()
            .with_server_address(s.address.clone())
            .with_reconnection_max_retries(Some(1))
            .with_reconnection_interval(IggyDuration::from(Duration::from_millis(200)))
            .build()
            .map_err(|e| self.error(format!("building the Iggy client: {e}")))?;
        client
            .connect()
            .await
            .map_err(|e| self.error(format!("connecting to {}: {e}", s.address)))?;
        client
            .login_user(&s.username, &s.password)
            .await
            .map_err(|e| self.error(format!("logging in as {}: {e}", s.username)))?;
        let stream = Identifier::named(&s.stream)
            .map_err(|e| self.error(format!("stream name {:?}: {e}", s.stream)))?;
        let topic = Identifier::named(&s.topic)
            .map_err(|e| self.error(format!("topic name {:?}: {e}", s.topic)))?;
        self.ensure_stream(&client, &stream).await?;
        let mut partitions = self.ensure_topic(&client, &stream, &topic).await?;
        partitions.sort_unstable();
        if partitions.is_empty() {
            return Err(self.error(format!("topic {} has no partitions", s.topic)));
        }
        let mut tails = HashMap::new();
        let consumer = Consumer::new(
            Identifier::named("wraith").map_err(|e| self.error(format!("consumer name: {e}")))?,
        );
        for &p in &partitions {
            let polled = client
                .poll_messages(
                    &stream,
                    &topic,
                    Some(p),
                    &consumer,
                    &PollingStrategy::last(),
                    1,
                    false,
                )
                .await
                .map_err(|e| self.error(format!("reading the tail of partition {p}: {e}")))?;
            if let Some(m) = polled.messages.last() {
                tails.insert(
                    p,
                    Tail {
                        id: i64::try_from(m.header.id).unwrap_or(i64::MAX),
                        payload: m.payload.clone(),
                    },
                );
            }
        }
        Ok(Connection {
            client,
            stream,
            topic,
            partitions,
            tails: Some(tails),
        })
    }

    async fn ensure_stream(&self, client: &IggyClient, stream: &Identifier) -> StreamResult<()> {
        let name = &self.settings.stream;
        let found = client
            .get_stream(stream)
            .await
            .map_err(|e| self.error(format!("reading stream {name}: {e}")))?;
        if found.is_some() {
            return Ok(());
        }
        if let Err(e) = client.create_stream(name).await {
            // Another writer may have created it meanwhile.
            let again = client
                .get_stream(stream)
                .await
                .map_err(|e| self.error(format!("reading stream {name}: {e}")))?;
            if again.is_none() {
                return Err(self.error(format!("creating stream {name}: {e}")));
            }
        }
        tracing::info!(sink = %self.name, stream = %name, "Iggy stream ready");
        Ok(())
    }

    /// The topic's partition ids (the topic created if missing).
    async fn ensure_topic(
        &self,
        client: &IggyClient,
        stream: &Identifier,
        topic: &Identifier,
    ) -> StreamResult<Vec<u32>> {
        let name = &self.settings.topic;
        let get = || async {
            client
                .get_topic(stream, topic)
                .await
                .map_err(|e| self.error(format!("reading topic {name}: {e}")))
        };
        if let Some(t) = get().await? {
            return Ok(t.partitions.iter().map(|p| p.id).collect());
        }
        let options = TopicCreateOptions {
            partitions_count: Some(self.settings.partitions),
            ..TopicCreateOptions::default()
        };
        match client.create_topic(stream, name, &options).await {
            Ok(t) => {
                tracing::info!(sink = %self.name, topic = %name, partitions = t.partitions_count, "Iggy topic created");
                // The creation reply may not list the partitions; read them.
                match get().await? {
                    Some(t) => Ok(t.partitions.iter().map(|p| p.id).collect()),
                    None => Err(self.error(format!("topic {name} vanished after creation"))),
                }
            }
            Err(e) => match get().await? {
                Some(t) => Ok(t.partitions.iter().map(|p| p.id).collect()),
                None => Err(self.error(format!("creating topic {name}: {e}"))),
            },
        }
    }

    async fn connect(&mut self) -> StreamResult<()> {
        if self.connection.is_some() {
            return Ok(());
        }
        let c = tokio::time::timeout(CONNECT_TIMEOUT, self.open())
            .await
            .map_err(|_| {
                self.error(format!(
                    "connecting to {} timed out after {CONNECT_TIMEOUT:?}",
                    self.settings.address
                ))
            })??;
        self.connection = Some(c);
        Ok(())
    }

    fn message(&self, row: &OutboxRow, body: &Bytes, chain_id: u64) -> StreamResult<IggyMessage> {
        let mut headers = BTreeMap::new();
        for (k, v) in row.headers(chain_id) {
            let key = HeaderKey::try_from(k).map_err(|e| self.error(format!("header {k}: {e}")))?;
            let value = HeaderValue::try_from(v.as_str())
                .map_err(|e| self.error(format!("header {k}: {e}")))?;
            headers.insert(key, value);
        }
        let id = u128::try_from(row.id)
            .map_err(|_| self.error(format!("outbox id {} is negative", row.id)))?;
        IggyMessage::builder()
            .id(id)
            .payload(body.clone())
            .user_headers(headers)
            .build()
            .map_err(|e| self.error(format!("message {}: {e}", row.id)))
    }

    /// Which partitions already hold rows of this batch: the tails read at
    /// connection, trusted only when the newest of them is a message of
    /// `rows` with the same body (else the topic holds something else —
    /// another outbox, an older database — and nothing is skipped).
    fn already_published(
        &self,
        tails: HashMap<u32, Tail>,
        rows: &[OutboxRow],
        bodies: &[Bytes],
    ) -> HashMap<u32, i64> {
        let Some(newest) = tails.values().max_by_key(|t| t.id) else {
            return HashMap::new();
        };
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            return HashMap::new();
        };
        if newest.id < first.id {
            return HashMap::new();
        }
        let same = rows
            .iter()
            .zip(bodies)
            .find(|(r, _)| r.id == newest.id)
            .is_some_and(|(_, b)| *b == newest.payload);
        if newest.id > last.id || !same {
            tracing::warn!(
                sink = %self.name,
                topic_newest = newest.id,
                batch_first = first.id,
                batch_last = last.id,
                "the Iggy topic holds messages this outbox did not just publish; publishing the batch in full"
            );
            return HashMap::new();
        }
        tracing::info!(sink = %self.name, through = newest.id, "resuming after messages already in Iggy");
        tails.into_iter().map(|(p, t)| (p, t.id)).collect()
    }

    /// Publish `rows`: every partition's messages in one acknowledged send.
    pub async fn publish(&mut self, rows: &[OutboxRow], chain_id: u64) -> StreamResult<()> {
        self.connect().await?;
        let bodies = rows
            .iter()
            .map(|r| serde_json::to_vec(&r.envelope(chain_id)).map(Bytes::from))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.error(e))?;
        let Some(conn) = self.connection.as_mut() else {
            return Err(self.error("not connected"));
        };
        let tails = conn.tails.take();
        let partitions = conn.partitions.clone();
        let done = match tails {
            Some(t) => self.already_published(t, rows, &bodies),
            None => HashMap::new(),
        };
        let mut batches: BTreeMap<u32, Vec<IggyMessage>> = BTreeMap::new();
        for (row, body) in rows.iter().zip(&bodies) {
            let targets: Vec<u32> = if row.kind == "revert" {
                partitions.clone()
            } else {
                vec![partitions[partition_index(&row.msg_key, partitions.len())]]
            };
            for p in targets {
                if done.get(&p).is_some_and(|&through| row.id <= through) {
                    continue;
                }
                let m = self.message(row, body, chain_id)?;
                batches.entry(p).or_default().push(m);
            }
        }
        let Some(conn) = self.connection.as_ref() else {
            return Err(self.error("not connected"));
        };
        let mut failure = None;
        for (p, mut messages) in batches {
            let sent = tokio::time::timeout(
                SEND_TIMEOUT,
                conn.client.send_messages(
                    &conn.stream,
                    &conn.topic,
                    &Partitioning::partition_id(p),
                    &mut messages,
                ),
            )
            .await;
            let err: Option<String> = match sent {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(describe(&e)),
                Err(_) => Some(format!("timed out after {SEND_TIMEOUT:?}")),
            };
            if let Some(e) = err {
                failure = Some(format!(
                    "sending {} message(s) to partition {p}: {e}",
                    messages.len()
                ));
                break;
            }
        }
        if let Some(f) = failure {
            if let Some(c) = self.connection.take() {
                let _ = c.client.shutdown().await;
            }
            return Err(self.error(f));
        }
        Ok(())
    }
}

fn describe(e: &IggyError) -> String {
    format!("{e} ({})", e.as_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_always_maps_to_the_same_partition_in_range() {
        for n in 1..8 {
            for key in ["", "0x01", "0xdeadbeef", "a long key of a player"] {
                let p = partition_index(key, n);
                assert!(p < n);
                assert_eq!(p, partition_index(key, n));
            }
        }
        assert_eq!(partition_index("anything", 0), 0);
        let spread: std::collections::HashSet<usize> = (0..64)
            .map(|i| partition_index(&format!("0x{i:02x}"), 3))
            .collect();
        assert_eq!(spread.len(), 3, "keys spread over every partition");
    }

    #[test]
    fn settings_debug_hides_the_password() {
        let s = IggySettings {
            address: "127.0.0.1:8090".into(),
            stream: "s".into(),
            topic: "t".into(),
            partitions: 3,
            username: "iggy".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{s:?}").contains("hunter2"));
    }
}
