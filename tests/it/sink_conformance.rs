//! The sink conformance suite: every sink (a component with an inverse)
//! must pass the same four cases — apply to an empty store, apply a batch,
//! revert with nothing to revert, and apply-then-revert equals the state
//! before. `sink_conformance_suite!(name, Type)` instantiates them for a
//! type implementing [`SinkUnderTest`].

use std::collections::BTreeMap;
use std::sync::Arc;

use alloy::primitives::{Address, B256};
use tokio::sync::Mutex;
use wraith_host::chain::BlockHeader;
use wraith_host::pipeline::{DbReader, EventMeta, HandlerBatch};
use wraith_host::runtime::HandlerInfo;
use wraith_host::runtime::bindings::{
    Column, DbWrite, DeleteRow, EventDecl, EventOutputs, InsertRow, Manifest, Merge, MergeColumn,
    Output, StreamMessage, TableDecl, TableKind, UpsertRow, Value,
};
use wraith_host::sinks::postgres::catalog::Catalog;
use wraith_host::sinks::{BlockBatch, Checkpoint, PgSink};
use wraith_tests::TestDb;

use crate::common;

/// One block of a test batch: its header and the outputs of one handler.
pub(crate) struct TestBlock {
    pub(crate) header: BlockHeader,
    pub(crate) outputs: Vec<Output>,
}

/// What the suite needs from a sink.
pub(crate) trait SinkUnderTest: Sized {
    /// A new, empty store.
    async fn fresh() -> Self;
    /// Apply blocks (in order) in one transaction.
    async fn apply(&mut self, blocks: &[TestBlock]);
    /// Revert everything above `fork`.
    async fn revert(&mut self, fork: &BlockHeader);
    /// Everything observable about the store, in a stable order.
    async fn snapshot(&self) -> Vec<Vec<String>>;
}

fn header(n: u64) -> BlockHeader {
    let h = |x: u64| B256::left_padding_from(&x.to_be_bytes());
    BlockHeader {
        number: n,
        hash: h(1000 + n),
        parent_hash: h(1000 + n - 1),
        timestamp: 1_700_000_000 + n,
    }
}

fn user(i: u8) -> Column {
    Column {
        name: "user_address".into(),
        value: Value::Address(Address::repeat_byte(i).to_vec()),
    }
}

fn set(name: &str, value: Value) -> MergeColumn {
    MergeColumn {
        name: name.into(),
        value,
        merge: Merge::Set,
    }
}

fn open_position(i: u8, n: u64, amount: &str) -> Vec<Output> {
    let t = Value::Timestamp(1_700_000_000 + n as i64);
    let upsert = UpsertRow {
        table: "positions".into(),
        key: vec![user(i)],
        columns: vec![
            set("level", Value::Int(1)),
            set("amount", Value::Uint256(amount.into())),
            set("entry_block", Value::Int(n as i64)),
            set("entry_log_index", Value::Int(0)),
            set("entry_timestamp", t.clone()),
            set("last_add_timestamp", t.clone()),
            set("created_at_block", Value::Int(n as i64)),
            set("updated_at_block", Value::Int(n as i64)),
            set("updated_at", t),
        ],
    };
    vec![
        Output::Write(DbWrite::Upsert(upsert)),
        history(i, n, "jacked_in", amount),
        Output::Message(StreamMessage {
            stream_name: "s".into(),
            key: format!("{i}"),
            payload: format!("{{\"block\":{n},\"amount\":\"{amount}\"}}"),
        }),
    ]
}

fn history(i: u8, n: u64, kind: &str, amount: &str) -> Output {
    // One history row per user and block: the log index is the user.
    let log_index = i64::from(i);
    Output::Write(DbWrite::Insert(InsertRow {
        table: "position_events".into(),
        columns: vec![
            Column {
                name: "block_number".into(),
                value: Value::Int(n as i64),
            },
            Column {
                name: "log_index".into(),
                value: Value::Int(log_index),
            },
            Column {
                name: "block_time".into(),
                value: Value::Timestamp(1_700_000_000 + n as i64),
            },
            Column {
                name: "tx_hash".into(),
                value: Value::Bytes(vec![i; 32]),
            },
            user(i),
            Column {
                name: "kind".into(),
                value: Value::Text(kind.into()),
            },
            Column {
                name: "amount".into(),
                value: Value::Uint256(amount.into()),
            },
        ],
    }))
}

fn add_stake(i: u8, n: u64, add: &str) -> Vec<Output> {
    vec![
        Output::Write(DbWrite::Upsert(UpsertRow {
            table: "positions".into(),
            key: vec![user(i)],
            columns: vec![
                MergeColumn {
                    name: "amount".into(),
                    value: Value::Uint256(add.into()),
                    merge: Merge::Add,
                },
                set("updated_at_block", Value::Int(n as i64)),
            ],
        })),
        history(i, n, "stake_added", add),
    ]
}

fn close(i: u8, n: u64) -> Vec<Output> {
    vec![
        Output::Write(DbWrite::Delete(DeleteRow {
            table: "positions".into(),
            key: vec![user(i)],
        })),
        history(i, n, "extracted", "0"),
    ]
}

/// Blocks 1..=3: three positions opened.
fn batch_a() -> Vec<TestBlock> {
    vec![
        TestBlock {
            header: header(1),
            outputs: open_position(1, 1, "100000000000000000000"),
        },
        TestBlock {
            header: header(2),
            outputs: open_position(2, 2, "250000000000000000000"),
        },
        TestBlock {
            header: header(3),
            outputs: open_position(3, 3, "7"),
        },
    ]
}

/// Blocks 4..=6: a top-up, a close, a new position, another top-up.
fn batch_b() -> Vec<TestBlock> {
    let mut b5 = close(2, 5);
    b5.extend(open_position(4, 5, "1"));
    vec![
        TestBlock {
            header: header(4),
            outputs: add_stake(
                1,
                4,
                "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            ),
        },
        TestBlock {
            header: header(5),
            outputs: b5,
        },
        TestBlock {
            header: header(6),
            outputs: add_stake(3, 6, "3"),
        },
    ]
}

/// PostgreSQL, through the same code path the pipeline uses: outputs
/// folded by `HandlerBatch`, written by `PgSink::apply`, undone by
/// `PgSink::revert`.
pub(crate) struct PgSinkUnderTest {
    _db: TestDb,
    pool: sqlx::PgPool,
    sink: PgSink,
    info: Arc<HandlerInfo>,
}

impl SinkUnderTest for PgSinkUnderTest {
    async fn fresh() -> Self {
        let db = TestDb::create().await.unwrap();
        let pool = PgSink::connect(&db.url, 4).await.unwrap();
        PgSink::migrate(&pool).await.unwrap();
        let tables = vec![
            ("positions".to_owned(), TableKind::Entity),
            ("position_events".to_owned(), TableKind::AppendOnly),
        ];
        let catalog = Catalog::load(&mut pool.acquire().await.unwrap(), &tables)
            .await
            .unwrap();
        let manifest = Manifest {
            name: "h".into(),
            version: "1".into(),
            events: vec![EventDecl {
                contract: "C".into(),
                signature: "event E(uint256 x)".into(),
                needs_tx_input: false,
            }],
            tables: tables
                .iter()
                .map(|(n, k)| TableDecl {
                    name: n.clone(),
                    kind: *k,
                })
                .collect(),
            stream_names: vec!["s".into()],
        };
        let info = Arc::new(HandlerInfo::new("h", "v1".into(), manifest, BTreeMap::new()).unwrap());
        Self {
            sink: PgSink::new(pool.clone(), catalog),
            pool,
            info,
            _db: db,
        }
    }

    async fn apply(&mut self, blocks: &[TestBlock]) {
        let tx = Arc::new(Mutex::new(self.pool.begin().await.unwrap()));
        let metas: Arc<[EventMeta]> = blocks
            .iter()
            .map(|b| EventMeta {
                block_number: b.header.number,
                block_hash: b.header.hash,
                tx_hash: B256::repeat_byte(b.header.number as u8),
                log_index: 0,
            })
            .collect();
        let groups: Vec<EventOutputs> = blocks
            .iter()
            .enumerate()
            .map(|(i, b)| EventOutputs {
                event_index: i as u32,
                outputs: b.outputs.clone(),
            })
            .collect();
        let batch = HandlerBatch::new(
            self.info.clone(),
            self.sink.catalog(),
            metas,
            0,
            Some(DbReader::new(tx.clone(), tokio::runtime::Handle::current())),
            1000,
        );
        let writes = tokio::task::spawn_blocking(move || {
            let mut batch = batch;
            batch.apply_outputs(groups).unwrap().unwrap();
            batch.finish()
        })
        .await
        .unwrap();
        let tip = blocks.last().unwrap().header;
        let batch = BlockBatch {
            chain_id: 31337,
            window: blocks.iter().map(|b| b.header).collect(),
            handlers: vec![writes],
            checkpoints: vec![Checkpoint {
                handler: "h".into(),
                block_number: tip.number,
                block_hash: tip.hash,
                version_hash: "v1".into(),
            }],
            ..BlockBatch::default()
        };
        let mut tx = Arc::try_unwrap(tx).unwrap().into_inner();
        self.sink.apply(&mut tx, &batch).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn revert(&mut self, fork: &BlockHeader) {
        let mut tx = self.pool.begin().await.unwrap();
        self.sink.revert(&mut tx, fork).await.unwrap();
        tx.commit().await.unwrap();
    }

    async fn snapshot(&self) -> Vec<Vec<String>> {
        let p = &self.pool;
        vec![
            common::dump(p, "positions", "user_address").await,
            common::dump(p, "position_events", "block_number, log_index, kind").await,
            common::dump(p, "(SELECT number, hash FROM wraith_blocks)", "number").await,
            common::dump(p, "(SELECT handler, block_number, block_hash FROM wraith_checkpoints)", "handler").await,
            common::dump(p, "(SELECT handler, block_number, table_name, row_key, prior FROM wraith_undo)", "block_number, row_key::text").await,
            common::dump(p, "(SELECT block_number, handler, digest FROM wraith_digests)", "block_number").await,
            // The effective stream: data messages not retracted.
            common::dump(p, "(SELECT block_number, stream_name, msg_key, payload FROM wraith_outbox WHERE kind = 'data' AND retracted_by IS NULL)", "block_number, msg_key").await,
        ]
    }
}

macro_rules! sink_conformance_suite {
    ($name:ident, $sink:ty) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn apply_to_an_empty_store() {
                let mut s = <$sink>::fresh().await;
                assert!(s.snapshot().await.iter().all(Vec::is_empty), "a fresh store is empty");
                s.apply(&batch_a()).await;
                let snap = s.snapshot().await;
                assert_eq!(snap[0].len(), 3, "three positions: {:?}", snap[0]);
                assert_eq!(snap[1].len(), 3);
                assert_eq!(snap[6].len(), 3, "three messages");
                assert!(snap[0][2].contains(",7,"), "exact amount kept: {}", snap[0][2]);
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn apply_a_batch() {
                let mut s = <$sink>::fresh().await;
                s.apply(&batch_a()).await;
                s.apply(&batch_b()).await;
                let snap = s.snapshot().await;
                assert_eq!(snap[0].len(), 3, "1, 3 and 4 remain: {:?}", snap[0]);
                assert!(snap[0][0].contains("115792089237316195423570985008687907853269984665640564039557584007913129639935"), "exact add: {}", snap[0][0]);
                assert!(snap[0][1].contains(",10,"), "7 + 3: {}", snap[0][1]);
                assert_eq!(snap[1].len(), 7);
                assert_eq!(snap[3], vec!["(h,6,\"\\\\x00000000000000000000000000000000000000000000000000000000000003ee\")".to_owned()]);
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn revert_with_nothing_to_revert() {
                let mut s = <$sink>::fresh().await;
                s.revert(&header(1)).await;
                assert!(s.snapshot().await.iter().all(Vec::is_empty));
                s.apply(&batch_a()).await;
                let before = s.snapshot().await;
                s.revert(&header(3)).await;
                assert_eq!(s.snapshot().await, before);
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn apply_then_revert_equals_the_state_before() {
                let mut s = <$sink>::fresh().await;
                s.apply(&batch_a()).await;
                let before = s.snapshot().await;
                s.apply(&batch_b()).await;
                assert_ne!(s.snapshot().await, before);
                s.revert(&header(3)).await;
                assert_eq!(s.snapshot().await, before);
                // And again from the middle of a batch: revert block 6 only.
                s.apply(&batch_b()).await;
                let mut partial = <$sink>::fresh().await;
                partial.apply(&batch_a()).await;
                partial.apply(&batch_b()[..2]).await;
                s.revert(&header(5)).await;
                let (a, b) = (s.snapshot().await, partial.snapshot().await);
                // Identical but for the undo journal, which records block 4 and 5 in
                // one batch here and two batches there (same entries either way).
                assert_eq!(a[..4], b[..4]);
                assert_eq!(a[5..], b[5..]);
            }
        }
    };
}

sink_conformance_suite!(postgres, PgSinkUnderTest);
