//! [`Publisher`]: one task per sink: read outbox rows after the sink's
//! cursor, publish them, then move the cursor (at-least-once; message ids
//! make it effectively exactly-once). Failures are retried with backoff;
//! the status shows the cursor, lag and last error.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::broadcast;

use super::{OutboxRow, Sink, StreamResult};
use crate::pipeline::Committed;
use crate::status::{SinkStatus, Status};

/// Settings of one publisher.
#[derive(Debug, Clone)]
pub struct PublisherSettings {
    /// Sink name (cursor key).
    pub name: String,
    /// Chain id (in every message).
    pub chain_id: u64,
    /// Rows per round.
    pub batch_size: usize,
    /// Idle poll interval.
    pub poll: Duration,
    /// First retry delay.
    pub retry_initial: Duration,
    /// Largest retry delay.
    pub retry_max: Duration,
    /// Only these stream names (empty: all).
    pub streams: Vec<String>,
}

/// Publishes the outbox to one sink.
#[derive(Debug)]
pub struct Publisher {
    settings: PublisherSettings,
    sink: Sink,
    pool: PgPool,
    status: Arc<Status>,
    wake: broadcast::Receiver<Committed>,
}

impl Publisher {
    /// A publisher for `sink`, woken by commits on `wake`.
    pub fn new(
        settings: PublisherSettings,
        sink: Sink,
        pool: PgPool,
        status: Arc<Status>,
        wake: broadcast::Receiver<Committed>,
    ) -> Self {
        Self {
            settings,
            sink,
            pool,
            status,
            wake,
        }
    }

    async fn cursor(&self) -> StreamResult<i64> {
        sqlx::query("INSERT INTO wraith_sink_cursors (sink, last_id) VALUES ($1, 0) ON CONFLICT (sink) DO NOTHING")
            .bind(&self.settings.name)
            .execute(&self.pool)
            .await?;
        Ok(
            sqlx::query_scalar("SELECT last_id FROM wraith_sink_cursors WHERE sink = $1")
                .bind(&self.settings.name)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn next_rows(&self, after: i64) -> StreamResult<Vec<OutboxRow>> {
        Ok(sqlx::query_as(
            "SELECT id, kind, block_number, block_hash, tx_hash, log_index, handler, handler_version,
                    stream_name, msg_key, payload::text AS payload
             FROM wraith_outbox WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(i64::try_from(self.settings.batch_size).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?)
    }

    fn report(&self, f: impl FnOnce(&mut SinkStatus)) {
        let name = self.settings.name.clone();
        let kind = self.sink.kind();
        self.status.update(|s| {
            let entry = s.sinks.entry(name).or_insert_with(|| SinkStatus {
                kind,
                ..SinkStatus::default()
            });
            f(entry);
        });
    }

    /// One round: publish what is after the cursor. Returns how many rows
    /// it consumed (0: nothing to do).
    pub async fn round(&mut self) -> StreamResult<usize> {
        let cursor = self.cursor().await?;
        let rows = self.next_rows(cursor).await?;
        let head: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM wraith_outbox")
            .fetch_one(&self.pool)
            .await?;
        let Some(last) = rows.last().map(|r| r.id) else {
            self.report(|s| {
                s.cursor = cursor;
                s.head = head;
                s.lag = head.saturating_sub(cursor);
            });
            return Ok(0);
        };
        let selected: Vec<OutboxRow> = if self.settings.streams.is_empty() {
            rows.clone()
        } else {
            rows.iter()
                .filter(|r| self.settings.streams.contains(&r.stream_name))
                .cloned()
                .collect()
        };
        if !selected.is_empty() {
            self.sink.publish(&selected, self.settings.chain_id).await?;
        }
        sqlx::query(
            "UPDATE wraith_sink_cursors SET last_id = $2, updated_at = now() WHERE sink = $1",
        )
        .bind(&self.settings.name)
        .bind(last)
        .execute(&self.pool)
        .await?;
        let delivered = selected.len() as u64;
        self.report(|s| {
            s.cursor = last;
            s.head = head;
            s.lag = head.saturating_sub(last);
            s.delivered += delivered;
            s.last_error = None;
        });
        Ok(rows.len())
    }

    /// Publish forever.
    pub async fn run(mut self) {
        let mut delay = self.settings.retry_initial;
        loop {
            match self.round().await {
                Ok(n) if n > 0 => {
                    delay = self.settings.retry_initial;
                    continue;
                }
                Ok(_) => {
                    delay = self.settings.retry_initial;
                    tokio::select! {
                        r = self.wake.recv() => {
                            if let Err(broadcast::error::RecvError::Closed) = r {
                                tokio::time::sleep(self.settings.poll).await;
                            }
                        }
                        () = tokio::time::sleep(self.settings.poll) => {}
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    tracing::warn!(sink = %self.settings.name, error = %msg, retry_in_ms = delay.as_millis() as u64, "publishing failed; retrying");
                    crate::metrics::metrics()
                        .sink_failures
                        .get_or_create(&crate::metrics::SinkLabel {
                            sink: self.settings.name.clone(),
                        })
                        .inc();
                    self.report(|s| {
                        s.failures += 1;
                        s.last_error = Some(msg);
                    });
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(self.settings.retry_max);
                }
            }
        }
    }
}

/// Delete outbox rows every sink has published, keeping the newest
/// `retain` rows and everything above `finalized` (a reorg may still need
/// to retract them). Returns the rows deleted.
pub async fn prune_outbox(
    pool: &PgPool,
    sinks: &[String],
    retain: u64,
    finalized: u64,
) -> StreamResult<u64> {
    let r = sqlx::query(
        "DELETE FROM wraith_outbox
         WHERE id <= (SELECT coalesce(max(id), 0) FROM wraith_outbox) - $2
           AND id <= coalesce((SELECT min(last_id) FROM wraith_sink_cursors WHERE sink = ANY($1)), 9223372036854775807)
           AND block_number <= $3",
    )
    .bind(sinks)
    .bind(i64::try_from(retain).unwrap_or(i64::MAX))
    .bind(i64::try_from(finalized).unwrap_or(i64::MAX))
    .execute(pool)
    .await?;
    Ok(r.rows_affected())
}
