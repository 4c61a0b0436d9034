//! [`PgSink`]: applies a [`BlockBatch`] and reverts to a fork point inside
//! one PostgreSQL transaction.
//!
//! Every state-changing operation has an inverse: append-only rows are
//! deleted above the fork, entity rows are restored from the undo journal
//! (the earliest prior image above the fork, per row), and the raw-log
//! archive, block window, digests and checkpoints move back with them. A
//! revert appends `revert` messages to the outbox naming the retracted
//! message ids, in the same transaction.

pub mod catalog;
pub mod value;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;

use alloy::primitives::B256;
use arc_swap::ArcSwap;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgConnection, Row as _};

use self::catalog::{Catalog, TableDef};
use self::value::SqlValue;
use crate::chain::{BlockHeader, RawLog, TxInput};

/// A sink error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The database failed (connection, constraint, …). Transient unless it
    /// keeps failing.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A handler table does not fit what the handler declared.
    #[error("table {table}: {message}")]
    Schema {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
    /// The undo journal holds something the catalog cannot decode.
    #[error("undo journal for table {table}: {message}")]
    Journal {
        /// The table.
        table: String,
        /// What is wrong.
        message: String,
    },
}

/// Result of sink operations.
pub type SinkResult<T> = Result<T, SinkError>;

/// The prior image of an entity row before a block changed it.
#[derive(Debug, Clone)]
pub struct UndoRecord {
    /// The block that changed the row.
    pub block_number: u64,
    /// The table.
    pub table: Arc<TableDef>,
    /// The row's key.
    pub key: Vec<SqlValue>,
    /// The row before the change; None if it did not exist.
    pub prior: Option<Vec<SqlValue>>,
}

/// A stream message for the outbox.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Log index.
    pub log_index: u32,
    /// Stream name.
    pub stream: String,
    /// Partition key.
    pub key: String,
    /// JSON payload.
    pub payload: String,
}

/// A handler's outputs for one block.
#[derive(Debug, Clone)]
pub struct BlockDigest {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// keccak-256 of the ordered outputs.
    pub digest: B256,
    /// Number of outputs.
    pub outputs: u32,
}

/// A key and the row's image (None: the row does not exist).
pub type RowImage = (Vec<SqlValue>, Option<Vec<SqlValue>>);

/// Everything one handler produced for a batch.
#[derive(Debug, Clone, Default)]
pub struct HandlerWrites {
    /// Handler name.
    pub handler: String,
    /// Component content hash.
    pub version_hash: String,
    /// Final images of entity rows that exist after the batch.
    pub upserts: Vec<(Arc<TableDef>, Vec<Vec<SqlValue>>)>,
    /// Keys of entity rows that no longer exist after the batch.
    pub deletes: Vec<(Arc<TableDef>, Vec<Vec<SqlValue>>)>,
    /// Rows appended to append-only tables.
    pub inserts: Vec<(Arc<TableDef>, Vec<Vec<SqlValue>>)>,
    /// Undo entries (blocks above the finalized point only).
    pub undo: Vec<UndoRecord>,
    /// Stream messages in output order.
    pub messages: Vec<OutboxMessage>,
    /// The final image of every entity row the batch read or wrote (for the
    /// row cache, after the commit).
    pub rows: Vec<(Arc<TableDef>, Vec<RowImage>)>,
    /// Per-block output digests.
    pub digests: Vec<BlockDigest>,
    /// Every applied output as JSON, in order (only when asked for, by
    /// `wraith replay`; never written).
    pub trace: Vec<serde_json::Value>,
}

/// A recorded failure.
#[derive(Debug, Clone)]
pub struct FailureRecord {
    /// The handler.
    pub handler: String,
    /// `decode`, `handler`, `trap`, `deadline`, `output`.
    pub kind: &'static str,
    /// `halted` (the handler stopped at this block) or `skipped` (the log
    /// was dead-lettered and indexing went on).
    pub action: &'static str,
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction, if known.
    pub tx_hash: Option<B256>,
    /// Log index, if known.
    pub log_index: Option<u32>,
    /// The error.
    pub error: String,
}

/// A handler's new checkpoint.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// The handler.
    pub handler: String,
    /// Last committed block.
    pub block_number: u64,
    /// Its hash.
    pub block_hash: B256,
    /// The component version.
    pub version_hash: String,
}

/// Everything committed for one chain event.
#[derive(Debug, Clone, Default)]
pub struct BlockBatch {
    /// Chain id (recorded with checkpoints).
    pub chain_id: u64,
    /// Blocks to record in the window.
    pub window: Vec<BlockHeader>,
    /// Raw logs with their block time.
    pub raw_logs: Vec<(RawLog, u64)>,
    /// Transaction inputs with their block number.
    pub raw_txs: Vec<(TxInput, u64)>,
    /// Per-handler outputs.
    pub handlers: Vec<HandlerWrites>,
    /// Failures to record.
    pub failures: Vec<FailureRecord>,
    /// Checkpoints to move.
    pub checkpoints: Vec<Checkpoint>,
    /// Undo entries and window rows at or below this block are pruned.
    pub finalized: u64,
}

/// Rows to upsert and keys to delete, per table, to undo a revert.
type Restore = (Vec<Vec<SqlValue>>, Vec<Vec<SqlValue>>);

/// What a revert did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevertSummary {
    /// Entity rows restored or deleted.
    pub rows_restored: u64,
    /// Append-only rows deleted.
    pub rows_deleted: u64,
    /// Outbox ids retracted.
    pub retracted: Vec<i64>,
    /// Entity rows restored: table, key, restored image (None: deleted).
    pub restored: Vec<(String, Vec<SqlValue>, Option<Vec<SqlValue>>)>,
}

/// The PostgreSQL sink.
#[derive(Debug)]
pub struct PgSink {
    pool: PgPool,
    catalog: ArcSwap<Catalog>,
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn ts(seconds: u64) -> f64 {
    seconds as f64
}

impl PgSink {
    /// Connect a pool.
    pub async fn connect(url: &str, max_connections: u32) -> SinkResult<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await?)
    }

    /// Apply `migrations/` (embedded in the binary). Migrations the
    /// database has from `database.migrations_dir` (handlers added without
    /// rebuilding the host) are not an error.
    pub async fn migrate(pool: &PgPool) -> SinkResult<()> {
        let mut migrator = sqlx::migrate!("../migrations");
        migrator.set_ignore_missing(true);
        migrator.run(pool).await?;
        Ok(())
    }

    /// Apply the SQL migrations of `dir` (`<version>_<name>.sql`) after the
    /// embedded ones. A file with the version of an embedded migration must
    /// be that migration, byte for byte (sqlx compares checksums).
    pub async fn migrate_dir(pool: &PgPool, dir: &std::path::Path) -> SinkResult<()> {
        let mut migrator = sqlx::migrate::Migrator::new(dir.to_owned()).await?;
        migrator.set_ignore_missing(true);
        migrator.run(pool).await?;
        Ok(())
    }

    /// The versions of the embedded migrations.
    pub fn builtin_migration_versions() -> Vec<i64> {
        sqlx::migrate!("../migrations")
            .iter()
            .map(|m| m.version)
            .collect()
    }

    /// A sink over `pool` with the tables of `catalog`.
    pub fn new(pool: PgPool, catalog: Catalog) -> Self {
        Self {
            pool,
            catalog: ArcSwap::from_pointee(catalog),
        }
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The current catalog.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog.load_full()
    }

    /// Whether the TimescaleDB extension is installed in the database.
    pub async fn has_timescale(&self) -> SinkResult<bool> {
        Ok(sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// After a revert has committed: refresh every TimescaleDB continuous
    /// aggregate from `since` (Unix seconds, the fork block's time) on, so
    /// materialized buckets no longer count reverted rows. Without the
    /// extension the aggregates are plain views and always current. A
    /// refresh cannot run inside a transaction, hence after the commit;
    /// returns how many aggregates were refreshed.
    pub async fn refresh_aggregates(&self, since: u64) -> SinkResult<usize> {
        if !self.has_timescale().await? {
            return Ok(0);
        }
        let views: Vec<String> = sqlx::query_scalar(
            "SELECT format('%I.%I', view_schema, view_name) FROM timescaledb_information.continuous_aggregates",
        )
        .fetch_all(&self.pool)
        .await?;
        for v in &views {
            sqlx::query(
                "CALL refresh_continuous_aggregate($1::regclass, to_timestamp($2::float8), NULL)",
            )
            .bind(v)
            .bind(since as f64)
            .execute(&self.pool)
            .await?;
        }
        Ok(views.len())
    }

    /// Replace the catalog (handlers changed).
    pub fn set_catalog(&self, catalog: Catalog) {
        self.catalog.store(Arc::new(catalog));
    }

    /// Undo everything above `fork` (see the module docs).
    pub async fn revert(
        &self,
        conn: &mut PgConnection,
        fork: &BlockHeader,
    ) -> SinkResult<RevertSummary> {
        let catalog = self.catalog();
        let f = i64_of(fork.number);
        let mut summary = RevertSummary::default();
        for def in catalog.tables() {
            if def.kind == crate::runtime::bindings::TableKind::AppendOnly {
                let sql = format!("DELETE FROM \"{}\" WHERE block_number > $1", def.name);
                summary.rows_deleted += sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(f)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            }
        }
        let entries = sqlx::query(
            "SELECT DISTINCT ON (table_name, row_key) table_name, row_key, prior
             FROM wraith_undo WHERE block_number > $1
             ORDER BY table_name, row_key, block_number, id",
        )
        .bind(f)
        .fetch_all(&mut *conn)
        .await?;
        let mut restore: BTreeMap<String, Restore> = BTreeMap::new();
        for e in &entries {
            let table: String = e.try_get(0)?;
            let key: serde_json::Value = e.try_get(1)?;
            let prior: Option<serde_json::Value> = e.try_get(2)?;
            let def = catalog.table(&table).ok_or_else(|| SinkError::Journal {
                table: table.clone(),
                message: "the table is no longer declared by any loaded handler".to_owned(),
            })?;
            let (upserts, deletes) = restore.entry(table.clone()).or_default();
            match prior {
                Some(image) => upserts.push(journal_row(def, &image)?),
                None => deletes.push(journal_key(def, &key)?),
            }
        }
        for (table, (upserts, deletes)) in restore {
            let Some(def) = catalog.table(&table) else {
                continue;
            };
            summary.rows_restored += (upserts.len() + deletes.len()) as u64;
            writer::delete_keys(conn, def, &deletes).await?;
            writer::upsert_rows(conn, def, &upserts).await?;
            summary
                .restored
                .extend(deletes.into_iter().map(|k| (table.clone(), k, None)));
            summary.restored.extend(
                upserts
                    .into_iter()
                    .map(|r| (table.clone(), def.key_of(&r), Some(r))),
            );
        }
        sqlx::query("DELETE FROM wraith_undo WHERE block_number > $1")
            .bind(f)
            .execute(&mut *conn)
            .await?;
        for table in ["wraith_raw_logs", "wraith_raw_txs", "wraith_digests"] {
            let sql = format!("DELETE FROM {table} WHERE block_number > $1");
            sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(f)
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("DELETE FROM wraith_blocks WHERE number > $1")
            .bind(f)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE wraith_checkpoints SET block_number = $1, block_hash = $2, updated_at = now() WHERE block_number > $1")
            .bind(f)
            .bind(fork.hash.as_slice())
            .execute(&mut *conn)
            .await?;
        summary.retracted = self.retract(conn, fork).await?;
        Ok(summary)
    }

    /// Append one `revert` message per stream that has data messages above
    /// the fork, and mark those messages retracted.
    async fn retract(&self, conn: &mut PgConnection, fork: &BlockHeader) -> SinkResult<Vec<i64>> {
        let f = i64_of(fork.number);
        let rows = sqlx::query(
            "SELECT stream_name, array_agg(id ORDER BY id), min(block_number), max(block_number),
                    min(handler), min(handler_version)
             FROM wraith_outbox
             WHERE kind = 'data' AND block_number > $1 AND retracted_by IS NULL
             GROUP BY stream_name ORDER BY stream_name",
        )
        .bind(f)
        .fetch_all(&mut *conn)
        .await?;
        let mut all = Vec::new();
        let mut next = next_outbox_id(conn).await?;
        for row in rows {
            let stream: String = row.try_get(0)?;
            let ids: Vec<i64> = row.try_get(1)?;
            let from: i64 = row.try_get(2)?;
            let to: i64 = row.try_get(3)?;
            let handler: String = row.try_get(4)?;
            let version: String = row.try_get(5)?;
            let payload = serde_json::json!({
                "type": "REVERT",
                "fork_block": fork.number,
                "fork_hash": fork.hash.to_string(),
                "from_block": from,
                "to_block": to,
                "retracted_ids": ids,
            });
            sqlx::query(
                "INSERT INTO wraith_outbox (id, kind, block_number, block_hash, handler, handler_version,
                                            stream_name, msg_key, payload)
                 VALUES ($1, 'revert', $2, $3, $4, $5, $6, '', $7)",
            )
            .bind(next)
            .bind(f)
            .bind(fork.hash.as_slice())
            .bind(&handler)
            .bind(&version)
            .bind(&stream)
            .bind(&payload)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE wraith_outbox SET retracted_by = $1 WHERE id = ANY($2)")
                .bind(next)
                .bind(&ids)
                .execute(&mut *conn)
                .await?;
            next += 1;
            all.extend(ids);
        }
        Ok(all)
    }

    /// Write a batch (see [`BlockBatch`]).
    pub async fn apply(&self, conn: &mut PgConnection, batch: &BlockBatch) -> SinkResult<()> {
        self.write_raw(conn, batch).await?;
        for h in &batch.handlers {
            for (def, keys) in &h.deletes {
                writer::delete_keys(conn, def, keys).await?;
            }
            for (def, rows) in &h.upserts {
                writer::upsert_rows(conn, def, rows).await?;
            }
            for (def, rows) in &h.inserts {
                writer::insert_rows(conn, def, rows).await?;
            }
            write_undo(conn, h).await?;
            write_digests(conn, h).await?;
        }
        write_outbox(conn, &batch.handlers).await?;
        write_window(conn, &batch.window).await?;
        write_failures(conn, &batch.failures).await?;
        write_checkpoints(conn, batch.chain_id, &batch.checkpoints).await?;
        let fin = i64_of(batch.finalized);
        sqlx::query("DELETE FROM wraith_undo WHERE block_number <= $1")
            .bind(fin)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM wraith_blocks WHERE number < $1")
            .bind(fin)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    async fn write_raw(&self, conn: &mut PgConnection, batch: &BlockBatch) -> SinkResult<()> {
        if !batch.raw_logs.is_empty() {
            let logs = &batch.raw_logs;
            let topic = |i: usize| -> Vec<Option<Vec<u8>>> {
                logs.iter()
                    .map(|(l, _)| l.topics.get(i).map(|t| t.to_vec()))
                    .collect()
            };
            sqlx::query(
                "INSERT INTO wraith_raw_logs (block_number, log_index, block_hash, block_time, tx_hash,
                     tx_index, address, topic0, topic1, topic2, topic3, data)
                 SELECT u.bn, u.li, u.bh, to_timestamp(u.bt), u.th, u.ti, u.ad, u.t0, u.t1, u.t2, u.t3, u.da
                 FROM UNNEST($1::int8[], $2::int4[], $3::bytea[], $4::float8[], $5::bytea[], $6::int4[],
                             $7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[], $11::bytea[], $12::bytea[])
                      AS u(bn, li, bh, bt, th, ti, ad, t0, t1, t2, t3, da)
                 ON CONFLICT (block_number, log_index) DO NOTHING",
            )
            .bind(logs.iter().map(|(l, _)| i64_of(l.block_number)).collect::<Vec<_>>())
            .bind(logs.iter().map(|(l, _)| l.log_index as i32).collect::<Vec<_>>())
            .bind(logs.iter().map(|(l, _)| l.block_hash.to_vec()).collect::<Vec<_>>())
            .bind(logs.iter().map(|(_, t)| ts(*t)).collect::<Vec<_>>())
            .bind(logs.iter().map(|(l, _)| l.tx_hash.to_vec()).collect::<Vec<_>>())
            .bind(logs.iter().map(|(l, _)| l.tx_index as i32).collect::<Vec<_>>())
            .bind(logs.iter().map(|(l, _)| l.address.to_vec()).collect::<Vec<_>>())
            .bind(topic(0))
            .bind(topic(1))
            .bind(topic(2))
            .bind(topic(3))
            .bind(logs.iter().map(|(l, _)| l.data.to_vec()).collect::<Vec<_>>())
            .execute(&mut *conn)
            .await?;
        }
        if !batch.raw_txs.is_empty() {
            let txs = &batch.raw_txs;
            sqlx::query(
                "INSERT INTO wraith_raw_txs (tx_hash, block_number, sender, input)
                 SELECT * FROM UNNEST($1::bytea[], $2::int8[], $3::bytea[], $4::bytea[])
                 ON CONFLICT (tx_hash) DO NOTHING",
            )
            .bind(txs.iter().map(|(t, _)| t.hash.to_vec()).collect::<Vec<_>>())
            .bind(txs.iter().map(|(_, b)| i64_of(*b)).collect::<Vec<_>>())
            .bind(
                txs.iter()
                    .map(|(t, _)| t.sender.to_vec())
                    .collect::<Vec<_>>(),
            )
            .bind(
                txs.iter()
                    .map(|(t, _)| t.input.to_vec())
                    .collect::<Vec<_>>(),
            )
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

async fn next_outbox_id(conn: &mut PgConnection) -> SinkResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT coalesce(max(id), 0) + 1 FROM wraith_outbox")
            .fetch_one(&mut *conn)
            .await?,
    )
}

fn journal_object(def: &TableDef, cols: &[usize], values: &[SqlValue]) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = cols
        .iter()
        .zip(values)
        .map(|(&i, v)| (def.columns[i].name.clone(), v.to_json()))
        .collect();
    serde_json::Value::Object(map)
}

fn journal_values(
    def: &TableDef,
    cols: &[usize],
    obj: &serde_json::Value,
) -> SinkResult<Vec<SqlValue>> {
    let bad = |message: String| SinkError::Journal {
        table: def.name.clone(),
        message,
    };
    let map = obj
        .as_object()
        .ok_or_else(|| bad(format!("{obj} is not an object")))?;
    cols.iter()
        .map(|&i| {
            let c = &def.columns[i];
            let v = map
                .get(&c.name)
                .ok_or_else(|| bad(format!("entry lacks column {}", c.name)))?;
            SqlValue::from_json(c.ty, v).map_err(|e| bad(format!("column {}: {e}", c.name)))
        })
        .collect()
}

fn journal_key(def: &TableDef, key: &serde_json::Value) -> SinkResult<Vec<SqlValue>> {
    journal_values(def, &def.key, key)
}

fn journal_row(def: &TableDef, row: &serde_json::Value) -> SinkResult<Vec<SqlValue>> {
    let all: Vec<usize> = (0..def.columns.len()).collect();
    journal_values(def, &all, row)
}

async fn write_undo(conn: &mut PgConnection, h: &HandlerWrites) -> SinkResult<()> {
    if h.undo.is_empty() {
        return Ok(());
    }
    let all = |def: &TableDef| -> Vec<usize> { (0..def.columns.len()).collect() };
    let blocks: Vec<i64> = h.undo.iter().map(|u| i64_of(u.block_number)).collect();
    let tables: Vec<String> = h.undo.iter().map(|u| u.table.name.clone()).collect();
    let keys: Vec<serde_json::Value> = h
        .undo
        .iter()
        .map(|u| journal_object(&u.table, &u.table.key, &u.key))
        .collect();
    let priors: Vec<Option<serde_json::Value>> = h
        .undo
        .iter()
        .map(|u| {
            u.prior
                .as_ref()
                .map(|p| journal_object(&u.table, &all(&u.table), p))
        })
        .collect();
    sqlx::query(
        "INSERT INTO wraith_undo (handler, block_number, table_name, row_key, prior)
         SELECT $1, u.b, u.t, u.k, u.p FROM UNNEST($2::int8[], $3::text[], $4::jsonb[], $5::jsonb[])
              WITH ORDINALITY AS u(b, t, k, p, n) ORDER BY u.n",
    )
    .bind(&h.handler)
    .bind(blocks)
    .bind(tables)
    .bind(keys)
    .bind(priors)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_digests(conn: &mut PgConnection, h: &HandlerWrites) -> SinkResult<()> {
    if h.digests.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO wraith_digests (block_number, handler, block_hash, digest, outputs, version_hash)
         SELECT u.b, $1, u.h, u.d, u.o, $2 FROM UNNEST($3::int8[], $4::bytea[], $5::bytea[], $6::int4[]) AS u(b, h, d, o)
         ON CONFLICT (block_number, handler) DO UPDATE
           SET block_hash = EXCLUDED.block_hash, digest = EXCLUDED.digest,
               outputs = EXCLUDED.outputs, version_hash = EXCLUDED.version_hash",
    )
    .bind(&h.handler)
    .bind(&h.version_hash)
    .bind(h.digests.iter().map(|d| i64_of(d.block_number)).collect::<Vec<_>>())
    .bind(h.digests.iter().map(|d| d.block_hash.to_vec()).collect::<Vec<_>>())
    .bind(h.digests.iter().map(|d| d.digest.to_vec()).collect::<Vec<_>>())
    .bind(h.digests.iter().map(|d| i32::try_from(d.outputs).unwrap_or(i32::MAX)).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Outbox rows of all handlers, in (block, log index, handler order) so ids
/// follow the chain order.
async fn write_outbox(conn: &mut PgConnection, handlers: &[HandlerWrites]) -> SinkResult<()> {
    let mut msgs: Vec<(&HandlerWrites, usize, &OutboxMessage)> = handlers
        .iter()
        .flat_map(|h| h.messages.iter().enumerate().map(move |(i, m)| (h, i, m)))
        .collect();
    if msgs.is_empty() {
        return Ok(());
    }
    msgs.sort_by(|a, b| {
        (a.2.block_number, a.2.log_index, &a.0.handler, a.1).cmp(&(
            b.2.block_number,
            b.2.log_index,
            &b.0.handler,
            b.1,
        ))
    });
    let first = next_outbox_id(conn).await?;
    let ids: Vec<i64> = (0..msgs.len() as i64).map(|i| first + i).collect();
    let payloads: Vec<serde_json::Value> = msgs
        .iter()
        .map(|(_, _, m)| {
            serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::String(m.payload.clone()))
        })
        .collect();
    sqlx::query(
        "INSERT INTO wraith_outbox (id, kind, block_number, block_hash, tx_hash, log_index, handler,
                                    handler_version, stream_name, msg_key, payload)
         SELECT u.id, 'data', u.b, u.bh, u.th, u.li, u.h, u.v, u.s, u.k, u.p::jsonb
         FROM UNNEST($1::int8[], $2::int8[], $3::bytea[], $4::bytea[], $5::int4[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[]) AS u(id, b, bh, th, li, h, v, s, k, p)",
    )
    .bind(ids)
    .bind(msgs.iter().map(|(_, _, m)| i64_of(m.block_number)).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(_, _, m)| m.block_hash.to_vec()).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(_, _, m)| m.tx_hash.to_vec()).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(_, _, m)| m.log_index as i32).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(h, _, _)| h.handler.clone()).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(h, _, _)| h.version_hash.clone()).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(_, _, m)| m.stream.clone()).collect::<Vec<_>>())
    .bind(msgs.iter().map(|(_, _, m)| m.key.clone()).collect::<Vec<_>>())
    .bind(payloads)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_window(conn: &mut PgConnection, blocks: &[BlockHeader]) -> SinkResult<()> {
    if blocks.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO wraith_blocks (number, hash, parent_hash, block_time)
         SELECT u.n, u.h, u.p, to_timestamp(u.t) FROM UNNEST($1::int8[], $2::bytea[], $3::bytea[], $4::float8[]) AS u(n, h, p, t)
         ON CONFLICT (number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash,
                                            block_time = EXCLUDED.block_time",
    )
    .bind(blocks.iter().map(|b| i64_of(b.number)).collect::<Vec<_>>())
    .bind(blocks.iter().map(|b| b.hash.to_vec()).collect::<Vec<_>>())
    .bind(blocks.iter().map(|b| b.parent_hash.to_vec()).collect::<Vec<_>>())
    .bind(blocks.iter().map(|b| ts(b.timestamp)).collect::<Vec<_>>())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn write_failures(conn: &mut PgConnection, failures: &[FailureRecord]) -> SinkResult<()> {
    for f in failures {
        sqlx::query(
            "INSERT INTO wraith_failures (handler, kind, action, block_number, block_hash, tx_hash, log_index, error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&f.handler)
        .bind(f.kind)
        .bind(f.action)
        .bind(i64_of(f.block_number))
        .bind(f.block_hash.as_slice())
        .bind(f.tx_hash.map(|h| h.to_vec()))
        .bind(f.log_index.map(|i| i as i32))
        .bind(&f.error)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Upsert handler checkpoints.
pub async fn write_checkpoints(
    conn: &mut PgConnection,
    chain_id: u64,
    cps: &[Checkpoint],
) -> SinkResult<()> {
    for c in cps {
        sqlx::query(
            "INSERT INTO wraith_checkpoints (handler, chain_id, block_number, block_hash, version_hash, updated_at)
             VALUES ($1, $2, $3, $4, $5, now())
             ON CONFLICT (handler) DO UPDATE SET chain_id = EXCLUDED.chain_id, block_number = EXCLUDED.block_number,
                 block_hash = EXCLUDED.block_hash, version_hash = EXCLUDED.version_hash, updated_at = now()",
        )
        .bind(&c.handler)
        .bind(i64_of(chain_id))
        .bind(i64_of(c.block_number))
        .bind(c.block_hash.as_slice())
        .bind(&c.version_hash)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
