//! [`HandlerBatch`]: one handler's view of a batch while it runs — the
//! overlay that makes `get` see the batch's own writes, the validation of
//! every output, exact merges, the undo journal and the per-block digest.
//!
//! Entity rows are folded in memory: the first time a key is touched its
//! stored row is read (one query per table for all keys of a `stage`), each
//! write computes the row's new full image, and at the end only the final
//! image of each changed row is written. The undo journal records, per row
//! and block, the image before the block's first change (only above the
//! finalized point).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use alloy::primitives::{B256, Keccak256};
use num_bigint::BigInt;
use tokio::sync::Mutex;

use crate::runtime::bindings::{
    Column, DbWrite, EventOutputs, Merge, MergeColumn, Output, TableKind,
};
use crate::runtime::{BatchAccess, HandlerInfo, HostFault};
use crate::sinks::postgres::catalog::{Catalog, TableDef};
use crate::sinks::postgres::value::{SqlValue, coerce};
use crate::sinks::postgres::writer;

use super::cache::{Lookup, RevertImages, RowCache};
use crate::sinks::{BlockDigest, HandlerWrites, OutboxMessage, UndoRecord};

type Row = Vec<SqlValue>;
type Key = Vec<SqlValue>;
/// Keys to load per table (in first-seen order, deduplicated).
type Missing = BTreeMap<String, (Arc<TableDef>, Vec<Key>, HashSet<Key>)>;

/// Where an event of the batch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventMeta {
    /// Block number.
    pub block_number: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Log index.
    pub log_index: u32,
}

/// Read access to the database as of the batch (inside its transaction).
#[derive(Debug, Clone)]
pub struct DbReader {
    conn: Arc<Mutex<sqlx::Transaction<'static, sqlx::Postgres>>>,
    rt: tokio::runtime::Handle,
}

impl DbReader {
    /// Read through `conn` (the batch transaction) from blocking threads.
    pub fn new(
        conn: Arc<Mutex<sqlx::Transaction<'static, sqlx::Postgres>>>,
        rt: tokio::runtime::Handle,
    ) -> Self {
        Self { conn, rt }
    }

    fn fetch(&self, def: &TableDef, keys: &[Key]) -> Result<Vec<Row>, HostFault> {
        self.rt
            .block_on(async {
                let mut tx = self.conn.lock().await;
                writer::fetch_rows(&mut tx, def, keys).await
            })
            .map_err(|e| HostFault(format!("reading table {}: {e}", def.name)))
    }
}

#[derive(Debug, Clone)]
struct Entry {
    original: Option<Row>,
    current: Option<Row>,
    journaled: Option<u64>,
    ordered: bool,
}

#[derive(Debug, Clone)]
struct EntityState {
    def: Arc<TableDef>,
    rows: HashMap<Key, Entry>,
    order: Vec<Key>,
}

#[derive(Debug)]
enum Op {
    Insert {
        def: Arc<TableDef>,
        row: Row,
    },
    Upsert {
        def: Arc<TableDef>,
        key: Key,
        cols: Vec<(usize, SqlValue, Merge)>,
    },
    Update {
        def: Arc<TableDef>,
        key: Key,
        cols: Vec<(usize, SqlValue, Merge)>,
    },
    Delete {
        def: Arc<TableDef>,
        key: Key,
    },
    Message {
        stream: String,
        key: String,
        payload: String,
    },
}

impl Op {
    fn entity(&self) -> Option<(&Arc<TableDef>, &Key)> {
        match self {
            Self::Upsert { def, key, .. }
            | Self::Update { def, key, .. }
            | Self::Delete { def, key } => Some((def, key)),
            Self::Insert { .. } | Self::Message { .. } => None,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Digests {
    current: Option<(u64, B256, Keccak256, u32)>,
    done: Vec<BlockDigest>,
}

impl Digests {
    fn hasher(&mut self, block: u64, hash: B256) -> &mut Keccak256 {
        if self.current.as_ref().is_some_and(|(b, ..)| *b != block) {
            self.close();
        }
        let entry = self
            .current
            .get_or_insert_with(|| (block, hash, Keccak256::new(), 0));
        entry.3 += 1;
        &mut entry.2
    }

    fn close(&mut self) {
        if let Some((block_number, block_hash, hasher, outputs)) = self.current.take() {
            self.done.push(BlockDigest {
                block_number,
                block_hash,
                digest: hasher.finalize(),
                outputs,
            });
        }
    }
}

fn feed_value(h: &mut Keccak256, v: &SqlValue) {
    let (tag, bytes): (u8, Vec<u8>) = match v {
        SqlValue::Null => (0, Vec::new()),
        SqlValue::Bool(b) => (1, vec![u8::from(*b)]),
        SqlValue::Int(i) => (2, i.to_be_bytes().to_vec()),
        SqlValue::Numeric(s) => (3, s.as_bytes().to_vec()),
        SqlValue::Text(s) => (4, s.as_bytes().to_vec()),
        SqlValue::Bytes(b) => (5, b.clone()),
        SqlValue::Timestamp(t) => (6, t.to_be_bytes().to_vec()),
        SqlValue::Json(s) => (7, s.as_bytes().to_vec()),
    };
    feed_bytes(h, tag, &bytes);
}

fn feed_bytes(h: &mut Keccak256, tag: u8, bytes: &[u8]) {
    h.update([tag]);
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// One handler's state for one batch. Implements [`BatchAccess`] for the
/// guest and turns into [`HandlerWrites`] at the end. Cloning it takes a
/// snapshot (used to drop the partial outputs of a call that fails).
#[derive(Debug, Clone)]
pub struct HandlerBatch {
    info: Arc<HandlerInfo>,
    catalog: Arc<Catalog>,
    metas: Arc<[EventMeta]>,
    journal_above: u64,
    db: Option<DbReader>,
    cache: Option<Arc<RowCache>>,
    revert: Option<Arc<RevertImages>>,
    max_outputs: usize,
    outputs: usize,
    base: u32,
    last_event: Option<u32>,
    entities: BTreeMap<String, EntityState>,
    inserts: BTreeMap<String, (Arc<TableDef>, Vec<Row>)>,
    undo: Vec<UndoRecord>,
    messages: Vec<OutboxMessage>,
    digests: Digests,
    /// Every applied output as JSON (`wraith replay`); None: not kept.
    trace: Option<Vec<serde_json::Value>>,
}

impl HandlerBatch {
    /// A batch for `info` over events described by `metas`, reading stored
    /// rows through `db` (None: an empty store). Undo entries are kept for
    /// blocks above `journal_above` (the finalized point).
    pub fn new(
        info: Arc<HandlerInfo>,
        catalog: Arc<Catalog>,
        metas: Arc<[EventMeta]>,
        journal_above: u64,
        db: Option<DbReader>,
        max_outputs: usize,
    ) -> Self {
        Self {
            info,
            catalog,
            metas,
            journal_above,
            db,
            cache: None,
            revert: None,
            max_outputs,
            outputs: 0,
            base: 0,
            last_event: None,
            entities: BTreeMap::new(),
            inserts: BTreeMap::new(),
            undo: Vec::new(),
            messages: Vec::new(),
            digests: Digests::default(),
            trace: None,
        }
    }

    /// Keep every applied output as JSON in [`HandlerWrites::trace`].
    #[must_use]
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    /// Read committed rows from `cache` first, and rows a revert of this
    /// event restored from `revert` before that.
    pub fn with_cache(mut self, cache: Arc<RowCache>, revert: Option<Arc<RevertImages>>) -> Self {
        self.cache = Some(cache);
        self.revert = revert;
        self
    }

    /// The next `handle` call gets the events starting at `base` of the
    /// batch; its event indexes are relative to that.
    pub fn set_base(&mut self, base: u32) {
        self.base = base;
    }

    /// Validate and fold outputs (staged, or returned by `handle`).
    pub fn apply_outputs(
        &mut self,
        groups: Vec<EventOutputs>,
    ) -> Result<Result<(), String>, HostFault> {
        let mut ops = Vec::new();
        for group in groups {
            let idx = group.event_index.saturating_add(self.base);
            if idx as usize >= self.metas.len() {
                return Ok(Err(format!(
                    "event index {idx} is out of range (batch of {})",
                    self.metas.len()
                )));
            }
            if self.last_event.is_some_and(|last| idx < last) {
                return Ok(Err(format!(
                    "event index {idx} comes after {}; outputs must follow event order",
                    self.last_event.unwrap_or_default()
                )));
            }
            self.last_event = Some(idx);
            self.outputs += group.outputs.len();
            if self.outputs > self.max_outputs {
                return Ok(Err(format!(
                    "more than {} outputs in one call",
                    self.max_outputs
                )));
            }
            for output in group.outputs {
                match self.convert(idx, output) {
                    Ok(op) => ops.push((idx, op)),
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
        self.prefetch(&ops)?;
        for (idx, op) in ops {
            if let Err(e) = self.fold(idx, op) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// The writes to commit.
    pub fn finish(mut self) -> HandlerWrites {
        self.digests.close();
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        let mut images = Vec::new();
        for state in self.entities.into_values() {
            let mut up = Vec::new();
            let mut del = Vec::new();
            for key in &state.order {
                let Some(entry) = state.rows.get(key) else {
                    continue;
                };
                if entry.current == entry.original {
                    continue;
                }
                match &entry.current {
                    Some(row) => up.push(row.clone()),
                    None => del.push(key.clone()),
                }
            }
            if !up.is_empty() {
                upserts.push((state.def.clone(), up));
            }
            if !del.is_empty() {
                deletes.push((state.def.clone(), del));
            }
            images.push((
                state.def,
                state
                    .rows
                    .into_iter()
                    .map(|(k, e)| (k, e.current))
                    .collect(),
            ));
        }
        HandlerWrites {
            handler: self.info.name.clone(),
            version_hash: self.info.hash.clone(),
            upserts,
            deletes,
            inserts: self.inserts.into_values().collect(),
            undo: self.undo,
            messages: self.messages,
            rows: images,
            digests: self.digests.done,
            trace: self.trace.unwrap_or_default(),
        }
    }

    fn table(&self, name: &str, want: TableKind) -> Result<Arc<TableDef>, String> {
        let kind = self.info.tables.get(name).ok_or_else(|| {
            format!(
                "table {name} is not declared in the manifest of handler {}",
                self.info.name
            )
        })?;
        if *kind != want {
            return Err(match want {
                TableKind::AppendOnly => {
                    format!("table {name} is an entity table; use upsert, update or delete")
                }
                TableKind::Entity => format!("table {name} is append-only; only insert applies"),
            });
        }
        self.catalog
            .table(name)
            .cloned()
            .ok_or_else(|| format!("table {name} does not exist"))
    }

    fn key(def: &TableDef, key: Vec<Column>) -> Result<Key, String> {
        let mut out = vec![SqlValue::Null; def.key.len()];
        let mut seen = vec![false; def.key.len()];
        for c in key {
            let pos = def
                .key
                .iter()
                .position(|&i| def.columns[i].name == c.name)
                .ok_or_else(|| format!("{} is not a key column of table {}", c.name, def.name))?;
            if seen[pos] {
                return Err(format!("key column {} given twice", c.name));
            }
            seen[pos] = true;
            let col = &def.columns[def.key[pos]];
            let v = coerce(col.ty, c.value)
                .map_err(|e| format!("key column {}.{}: {e}", def.name, c.name))?;
            if v.is_null() {
                return Err(format!("key column {}.{} is NULL", def.name, c.name));
            }
            out[pos] = v;
        }
        if let Some(pos) = seen.iter().position(|s| !s) {
            return Err(format!(
                "key of table {} lacks column {}",
                def.name, def.columns[def.key[pos]].name
            ));
        }
        Ok(out)
    }

    fn merge_columns(
        def: &TableDef,
        cols: Vec<MergeColumn>,
    ) -> Result<Vec<(usize, SqlValue, Merge)>, String> {
        let mut out: Vec<(usize, SqlValue, Merge)> = Vec::with_capacity(cols.len());
        for c in cols {
            let i = def
                .column(&c.name)
                .ok_or_else(|| format!("table {} has no column {}", def.name, c.name))?;
            if def.key.contains(&i) {
                return Err(format!(
                    "{}.{} is a key column; give it in the key",
                    def.name, c.name
                ));
            }
            if out.iter().any(|(j, ..)| *j == i) {
                return Err(format!(
                    "column {}.{} written twice in one output",
                    def.name, c.name
                ));
            }
            let ty = def.columns[i].ty;
            match c.merge {
                Merge::Add | Merge::Sub if !ty.is_arithmetic() => {
                    return Err(format!(
                        "{}.{} is {}; add/sub need a numeric column",
                        def.name,
                        c.name,
                        ty.name()
                    ));
                }
                Merge::Max | Merge::Min if !ty.is_ordered() => {
                    return Err(format!(
                        "{}.{} is {}; max/min need a numeric or timestamp column",
                        def.name,
                        c.name,
                        ty.name()
                    ));
                }
                _ => {}
            }
            let v =
                coerce(ty, c.value).map_err(|e| format!("column {}.{}: {e}", def.name, c.name))?;
            if v.is_null() && !matches!(c.merge, Merge::Set | Merge::KeepExisting) {
                return Err(format!(
                    "column {}.{}: cannot merge a NULL",
                    def.name, c.name
                ));
            }
            out.push((i, v, c.merge));
        }
        Ok(out)
    }

    fn convert(&self, idx: u32, output: Output) -> Result<Op, String> {
        match output {
            Output::Write(DbWrite::Insert(ins)) => {
                let def = self.table(&ins.table, TableKind::AppendOnly)?;
                let mut row = def.default_row();
                let mut set = vec![false; row.len()];
                for c in ins.columns {
                    let i = def
                        .column(&c.name)
                        .ok_or_else(|| format!("table {} has no column {}", def.name, c.name))?;
                    if set[i] {
                        return Err(format!("column {}.{} given twice", def.name, c.name));
                    }
                    set[i] = true;
                    row[i] = coerce(def.columns[i].ty, c.value)
                        .map_err(|e| format!("column {}.{}: {e}", def.name, c.name))?;
                }
                check_not_null(&def, &row)?;
                let block = self.metas[idx as usize].block_number;
                let bn = def.block_number.map(|i| &row[i]);
                if bn != Some(&SqlValue::Int(i64::try_from(block).unwrap_or(i64::MAX))) {
                    return Err(format!(
                        "{}.block_number must be the event's block {block}, got {bn:?} (reorgs delete rows by it)",
                        def.name
                    ));
                }
                Ok(Op::Insert { def, row })
            }
            Output::Write(DbWrite::Upsert(u)) => {
                let def = self.table(&u.table, TableKind::Entity)?;
                let key = Self::key(&def, u.key)?;
                let cols = Self::merge_columns(&def, u.columns)?;
                Ok(Op::Upsert { def, key, cols })
            }
            Output::Write(DbWrite::Update(u)) => {
                let def = self.table(&u.table, TableKind::Entity)?;
                let key = Self::key(&def, u.key)?;
                let cols = Self::merge_columns(&def, u.columns)?;
                Ok(Op::Update { def, key, cols })
            }
            Output::Write(DbWrite::Delete(d)) => {
                let def = self.table(&d.table, TableKind::Entity)?;
                let key = Self::key(&def, d.key)?;
                Ok(Op::Delete { def, key })
            }
            Output::Message(m) => {
                if !self.info.streams.contains(&m.stream_name) {
                    return Err(format!(
                        "stream {} is not declared in the manifest of handler {}",
                        m.stream_name, self.info.name
                    ));
                }
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&m.payload) {
                    return Err(format!(
                        "message payload for stream {} is not JSON: {e}",
                        m.stream_name
                    ));
                }
                Ok(Op::Message {
                    stream: m.stream_name,
                    key: m.key,
                    payload: m.payload,
                })
            }
        }
    }

    fn prefetch(&mut self, ops: &[(u32, Op)]) -> Result<(), HostFault> {
        let mut missing: Missing = BTreeMap::new();
        for (_, op) in ops {
            let Some((def, key)) = op.entity() else {
                continue;
            };
            let known = self
                .entities
                .get(&def.name)
                .is_some_and(|s| s.rows.contains_key(key));
            if !known {
                let (_, keys, seen) = missing
                    .entry(def.name.clone())
                    .or_insert_with(|| (def.clone(), Vec::new(), HashSet::new()));
                if seen.insert(key.clone()) {
                    keys.push(key.clone());
                }
            }
        }
        for (_, (def, keys, _)) in missing {
            self.load(&def, keys)?;
        }
        Ok(())
    }

    /// The committed row of `key` as this event sees it, if known without
    /// the database: restored by this event's revert, or cached.
    fn known(&self, table: &str, key: &Key) -> Option<Option<Row>> {
        if let Some(row) = self.revert.as_ref().and_then(|r| r.lookup(table, key)) {
            return Some(row);
        }
        match self.cache.as_ref().map(|c| c.lookup(table, key)) {
            Some(Lookup::Hit(row)) => Some(row),
            Some(Lookup::Miss) | None => None,
        }
    }

    fn load(&mut self, def: &Arc<TableDef>, keys: Vec<Key>) -> Result<(), HostFault> {
        let mut rows: Vec<(Key, Option<Row>)> = Vec::with_capacity(keys.len());
        let mut missing = Vec::new();
        for key in keys {
            match self.known(&def.name, &key) {
                Some(row) => rows.push((key, row)),
                None => missing.push(key),
            }
        }
        if !missing.is_empty() {
            let found = match &self.db {
                Some(db) => db.fetch(def, &missing)?,
                None => Vec::new(),
            };
            let mut by_key: HashMap<Key, Row> =
                found.into_iter().map(|r| (def.key_of(&r), r)).collect();
            rows.extend(missing.into_iter().map(|k| {
                let row = by_key.remove(&k);
                (k, row)
            }));
        }
        let state = self
            .entities
            .entry(def.name.clone())
            .or_insert_with(|| EntityState {
                def: def.clone(),
                rows: HashMap::new(),
                order: Vec::new(),
            });
        for (key, row) in rows {
            state.rows.insert(
                key,
                Entry {
                    original: row.clone(),
                    current: row,
                    journaled: None,
                    ordered: false,
                },
            );
        }
        Ok(())
    }

    fn fold(&mut self, idx: u32, op: Op) -> Result<(), String> {
        let meta = self.metas[idx as usize];
        let block = meta.block_number;
        if let Some(trace) = &mut self.trace {
            trace.push(op_json(&meta, &op));
        }
        let h = self.digests.hasher(block, meta.block_hash);
        // The log's identity, not its index in the batch: digests must not
        // depend on where batch boundaries fall.
        h.update(meta.tx_hash);
        h.update(meta.log_index.to_be_bytes());
        match op {
            Op::Insert { def, row } => {
                feed_bytes(h, b'I', def.name.as_bytes());
                row.iter().for_each(|v| feed_value(h, v));
                self.inserts
                    .entry(def.name.clone())
                    .or_insert_with(|| (def.clone(), Vec::new()))
                    .1
                    .push(row);
                Ok(())
            }
            Op::Message {
                stream,
                key,
                payload,
            } => {
                feed_bytes(h, b'M', stream.as_bytes());
                feed_bytes(h, b'K', key.as_bytes());
                feed_bytes(h, b'P', payload.as_bytes());
                self.messages.push(OutboxMessage {
                    block_number: block,
                    block_hash: meta.block_hash,
                    tx_hash: meta.tx_hash,
                    log_index: meta.log_index,
                    stream,
                    key,
                    payload,
                });
                Ok(())
            }
            op => {
                let (tag, def, key, cols) = match op {
                    Op::Upsert { def, key, cols } => (b'U', def, key, Some(cols)),
                    Op::Update { def, key, cols } => (b'u', def, key, Some(cols)),
                    Op::Delete { def, key } => (b'D', def, key, None),
                    Op::Insert { .. } | Op::Message { .. } => unreachable!("handled above"),
                };
                feed_bytes(h, tag, def.name.as_bytes());
                key.iter().for_each(|v| feed_value(h, v));
                if let Some(cols) = &cols {
                    for (i, v, m) in cols {
                        h.update((*i as u32).to_be_bytes());
                        h.update([*m as u8]);
                        feed_value(h, v);
                    }
                }
                self.fold_entity(tag, &def, key, cols, block)
            }
        }
    }

    fn fold_entity(
        &mut self,
        tag: u8,
        def: &Arc<TableDef>,
        key: Key,
        cols: Option<Vec<(usize, SqlValue, Merge)>>,
        block: u64,
    ) -> Result<(), String> {
        let state = self
            .entities
            .get_mut(&def.name)
            .ok_or_else(|| format!("table {} was not loaded", def.name))?;
        let entry = state
            .rows
            .get_mut(&key)
            .ok_or_else(|| format!("row of {} was not loaded", def.name))?;
        let prior = entry.current.clone();
        let next = match (tag, cols) {
            (b'D', _) => None,
            (b'u', Some(cols)) => match &prior {
                None => return Ok(()),
                Some(row) => Some(merge(def, row.clone(), cols, true)?),
            },
            (_, Some(cols)) => match &prior {
                Some(row) => Some(merge(def, row.clone(), cols, true)?),
                None => {
                    let mut base = def.default_row();
                    for (k, &i) in def.key.iter().enumerate() {
                        base[i] = key[k].clone();
                    }
                    let row = merge(def, base, cols, false)?;
                    check_not_null(def, &row)?;
                    Some(row)
                }
            },
            (_, None) => return Err("a write without columns".to_owned()),
        };
        if next == prior {
            return Ok(());
        }
        if !entry.ordered {
            entry.ordered = true;
            state.order.push(key.clone());
        }
        if block > self.journal_above && entry.journaled != Some(block) {
            self.undo.push(UndoRecord {
                block_number: block,
                table: def.clone(),
                key,
                prior,
            });
            entry.journaled = Some(block);
        }
        entry.current = next;
        Ok(())
    }

    fn read(
        &mut self,
        table: &str,
        key: Vec<Column>,
    ) -> Result<Result<Option<Vec<Column>>, String>, HostFault> {
        let def = match self.table(table, TableKind::Entity) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let key = match Self::key(&def, key) {
            Ok(k) => k,
            Err(e) => return Ok(Err(e)),
        };
        let known = self
            .entities
            .get(&def.name)
            .is_some_and(|s| s.rows.contains_key(&key));
        if !known {
            self.load(&def, vec![key.clone()])?;
        }
        let row = self
            .entities
            .get(&def.name)
            .and_then(|s| s.rows.get(&key))
            .and_then(|e| e.current.clone());
        Ok(Ok(row.map(|r| {
            def.columns
                .iter()
                .zip(r)
                .map(|(c, v)| Column {
                    name: c.name.clone(),
                    value: v.to_wit(),
                })
                .collect()
        })))
    }
}

fn check_not_null(def: &TableDef, row: &[SqlValue]) -> Result<(), String> {
    for (c, v) in def.columns.iter().zip(row) {
        if !c.nullable && v.is_null() {
            return Err(format!(
                "column {}.{} is NOT NULL and has no default; set it when the row is created",
                def.name, c.name
            ));
        }
    }
    Ok(())
}

/// Apply merge columns to `row`. `existed` says whether the row was stored
/// before this write (a new row treats every merge as `set`, `sub` as the
/// negated value).
fn merge(
    def: &TableDef,
    mut row: Row,
    cols: Vec<(usize, SqlValue, Merge)>,
    existed: bool,
) -> Result<Row, String> {
    for (i, v, m) in cols {
        let ty = def.columns[i].ty;
        let name = || format!("{}.{}", def.name, def.columns[i].name);
        let stored = &row[i];
        let new = match m {
            Merge::Set => v,
            Merge::KeepExisting if existed => stored.clone(),
            Merge::KeepExisting => v,
            Merge::Add | Merge::Sub => {
                let base = if existed {
                    stored.to_bigint()
                } else {
                    Ok(BigInt::from(0))
                };
                let (a, b) = (
                    base.map_err(|e| format!("{}: {e}", name()))?,
                    v.to_bigint().map_err(|e| format!("{}: {e}", name()))?,
                );
                let r = if m == Merge::Add { a + b } else { a - b };
                SqlValue::from_bigint(ty, &r).map_err(|e| format!("{}: {e}", name()))?
            }
            Merge::Max | Merge::Min => {
                if !existed || stored.is_null() {
                    v
                } else {
                    let (a, b) = (
                        stored.to_bigint().map_err(|e| format!("{}: {e}", name()))?,
                        v.to_bigint().map_err(|e| format!("{}: {e}", name()))?,
                    );
                    let take_new = if m == Merge::Max { b > a } else { b < a };
                    if take_new { v } else { stored.clone() }
                }
            }
        };
        row[i] = new;
    }
    check_not_null(def, &row)?;
    Ok(row)
}

impl BatchAccess for HandlerBatch {
    fn get(
        &mut self,
        table: &str,
        key: Vec<Column>,
    ) -> Result<Result<Option<Vec<Column>>, String>, HostFault> {
        self.read(table, key)
    }

    fn stage(&mut self, outputs: Vec<EventOutputs>) -> Result<Result<(), String>, HostFault> {
        self.apply_outputs(outputs)
    }
}

/// An output as applied, for `wraith replay`: values as the database gets
/// them (numerics as decimal strings, bytes as `0x` hex, times in Unix
/// seconds).
fn op_json(meta: &EventMeta, op: &Op) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let cols = |def: &TableDef, idx: &mut dyn Iterator<Item = (usize, &SqlValue)>| {
        let mut m = Map::new();
        for (i, v) in idx {
            if let Some(c) = def.columns.get(i) {
                m.insert(c.name.clone(), sql_json(v));
            }
        }
        Value::Object(m)
    };
    let key = |def: &TableDef, key: &Key| cols(def, &mut def.key.iter().copied().zip(key.iter()));
    let merges = |def: &TableDef, c: &[(usize, SqlValue, Merge)]| {
        let mut m = Map::new();
        for (i, v, merge) in c {
            if let Some(col) = def.columns.get(*i) {
                let how = match merge {
                    Merge::Set => "set",
                    Merge::Add => "add",
                    Merge::Sub => "sub",
                    Merge::Max => "max",
                    Merge::Min => "min",
                    Merge::KeepExisting => "keep",
                };
                m.insert(col.name.clone(), json!({ how: sql_json(v) }));
            }
        }
        Value::Object(m)
    };
    let mut out = match op {
        Op::Insert { def, row } => json!({
            "op": "insert", "table": def.name,
            "row": cols(def, &mut row.iter().enumerate()),
        }),
        Op::Upsert {
            def,
            key: k,
            cols: c,
        } => json!({
            "op": "upsert", "table": def.name, "key": key(def, k), "columns": merges(def, c),
        }),
        Op::Update {
            def,
            key: k,
            cols: c,
        } => json!({
            "op": "update", "table": def.name, "key": key(def, k), "columns": merges(def, c),
        }),
        Op::Delete { def, key: k } => json!({
            "op": "delete", "table": def.name, "key": key(def, k),
        }),
        Op::Message {
            stream,
            key,
            payload,
        } => json!({
            "op": "message", "stream": stream, "key": key,
            "payload": serde_json::from_str::<Value>(payload).unwrap_or(Value::Null),
        }),
    };
    out["block_number"] = json!(meta.block_number);
    out["tx_hash"] = json!(format!("{:#x}", meta.tx_hash));
    out["log_index"] = json!(meta.log_index);
    out
}

/// A column value as JSON.
fn sql_json(v: &SqlValue) -> serde_json::Value {
    use serde_json::json;
    match v {
        SqlValue::Null => serde_json::Value::Null,
        SqlValue::Bool(b) => json!(b),
        SqlValue::Int(i) => json!(i),
        SqlValue::Numeric(s) | SqlValue::Text(s) => json!(s),
        SqlValue::Bytes(b) => json!(format!("0x{}", hex::encode(b))),
        SqlValue::Timestamp(t) => json!(t),
        SqlValue::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| json!(s)),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::runtime::bindings::{
        DeleteRow, EventDecl, InsertRow, Manifest, StreamMessage, TableDecl, UpdateRow, UpsertRow,
        Value,
    };
    use crate::sinks::postgres::catalog::ColumnDef;
    use crate::sinks::postgres::value::ColumnType;

    fn col(name: &str, ty: ColumnType, nullable: bool, default: Option<SqlValue>) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            ty,
            nullable,
            default,
        }
    }

    fn catalog() -> Arc<Catalog> {
        let mut c = Catalog::default();
        c.insert(
            TableDef::new(
                "balances",
                TableKind::Entity,
                vec![
                    col("owner", ColumnType::Bytea, false, None),
                    col(
                        "amount",
                        ColumnType::Numeric,
                        false,
                        Some(SqlValue::Numeric("0".into())),
                    ),
                    col("peak", ColumnType::Numeric, true, None),
                    col("first_seen", ColumnType::Int8, true, None),
                    col("label", ColumnType::Text, false, None),
                ],
                &["owner".to_owned()],
            )
            .unwrap(),
        );
        c.insert(
            TableDef::new(
                "transfers",
                TableKind::AppendOnly,
                vec![
                    col("block_number", ColumnType::Int8, false, None),
                    col("value", ColumnType::Numeric, false, None),
                ],
                &[],
            )
            .unwrap(),
        );
        Arc::new(c)
    }

    fn info() -> Arc<HandlerInfo> {
        let m = Manifest {
            name: "h".into(),
            version: "1".into(),
            events: vec![EventDecl {
                contract: "T".into(),
                signature:
                    "event Transfer(address indexed from, address indexed to, uint256 value)".into(),
                needs_tx_input: false,
            }],
            tables: vec![
                TableDecl {
                    name: "balances".into(),
                    kind: TableKind::Entity,
                },
                TableDecl {
                    name: "transfers".into(),
                    kind: TableKind::AppendOnly,
                },
            ],
            stream_names: vec!["s".into()],
        };
        Arc::new(HandlerInfo::new("h", "ab".into(), m, BTreeMap::new()).unwrap())
    }

    fn metas(blocks: &[u64]) -> Arc<[EventMeta]> {
        blocks
            .iter()
            .enumerate()
            .map(|(i, b)| EventMeta {
                block_number: *b,
                block_hash: B256::with_last_byte(*b as u8),
                tx_hash: B256::with_last_byte(i as u8),
                log_index: i as u32,
            })
            .collect()
    }

    fn batch(blocks: &[u64], journal_above: u64) -> HandlerBatch {
        HandlerBatch::new(info(), catalog(), metas(blocks), journal_above, None, 1000)
    }

    fn owner(n: u8) -> Column {
        Column {
            name: "owner".into(),
            value: Value::Address(vec![n; 20]),
        }
    }

    fn mc(name: &str, value: Value, merge: Merge) -> MergeColumn {
        MergeColumn {
            name: name.into(),
            value,
            merge,
        }
    }

    fn upsert(key: u8, cols: Vec<MergeColumn>) -> Output {
        Output::Write(DbWrite::Upsert(UpsertRow {
            table: "balances".into(),
            key: vec![owner(key)],
            columns: cols,
        }))
    }

    fn at(event_index: u32, outputs: Vec<Output>) -> Vec<EventOutputs> {
        vec![EventOutputs {
            event_index,
            outputs,
        }]
    }

    fn u(s: &str) -> Value {
        Value::Uint256(s.into())
    }

    fn label() -> MergeColumn {
        mc("label", Value::Text("x".into()), Merge::Set)
    }

    fn err(b: &mut HandlerBatch, groups: Vec<EventOutputs>) -> String {
        b.apply_outputs(groups).unwrap().unwrap_err()
    }

    fn ok(b: &mut HandlerBatch, groups: Vec<EventOutputs>) {
        b.apply_outputs(groups).unwrap().unwrap();
    }

    fn row_of(b: &mut HandlerBatch, key: u8) -> Option<BTreeMap<String, Value>> {
        b.read("balances", vec![owner(key)])
            .unwrap()
            .unwrap()
            .map(|cols| cols.into_iter().map(|c| (c.name, c.value)).collect())
    }

    #[test]
    fn undeclared_tables_and_wrong_kinds_are_refused() {
        let mut b = batch(&[1], 0);
        let e = err(
            &mut b,
            at(
                0,
                vec![Output::Write(DbWrite::Delete(DeleteRow {
                    table: "positions".into(),
                    key: vec![],
                }))],
            ),
        );
        assert!(e.contains("table positions is not declared"), "{e}");
        let e = err(
            &mut b,
            at(
                0,
                vec![Output::Write(DbWrite::Upsert(UpsertRow {
                    table: "transfers".into(),
                    key: vec![],
                    columns: vec![],
                }))],
            ),
        );
        assert!(e.contains("append-only"), "{e}");
        let e = err(
            &mut b,
            at(
                0,
                vec![Output::Write(DbWrite::Insert(InsertRow {
                    table: "balances".into(),
                    columns: vec![],
                }))],
            ),
        );
        assert!(e.contains("entity table"), "{e}");
    }

    #[test]
    fn keys_columns_and_types_are_checked() {
        let mut b = batch(&[1], 0);
        let e = err(
            &mut b,
            at(
                0,
                vec![Output::Write(DbWrite::Upsert(UpsertRow {
                    table: "balances".into(),
                    key: vec![],
                    columns: vec![label()],
                }))],
            ),
        );
        assert!(e.contains("lacks column owner"), "{e}");
        let e = err(
            &mut b,
            at(0, vec![upsert(1, vec![mc("nope", u("1"), Merge::Set)])]),
        );
        assert!(e.contains("has no column nope"), "{e}");
        let e = err(
            &mut b,
            at(
                0,
                vec![upsert(
                    1,
                    vec![mc("amount", Value::Text("1".into()), Merge::Set)],
                )],
            ),
        );
        assert!(
            e.contains("text value cannot be stored in a numeric column"),
            "{e}"
        );
        let e = err(
            &mut b,
            at(
                0,
                vec![upsert(
                    1,
                    vec![mc("label", Value::Text("a".into()), Merge::Add)],
                )],
            ),
        );
        assert!(e.contains("add/sub need a numeric column"), "{e}");
        let e = err(
            &mut b,
            at(0, vec![upsert(1, vec![mc("amount", u("1.5"), Merge::Set)])]),
        );
        assert!(e.contains("not a decimal integer"), "{e}");
        // A new row must set every NOT NULL column without a default.
        let e = err(
            &mut b,
            at(0, vec![upsert(1, vec![mc("amount", u("1"), Merge::Set)])]),
        );
        assert!(e.contains("balances.label is NOT NULL"), "{e}");
    }

    #[test]
    fn merges_are_exact() {
        let mut b = batch(&[1, 1, 1, 1], 0);
        let big = "57896044618658097711785492504343953926634992332820282019728792003956564819968"; // 2^255
        ok(
            &mut b,
            at(
                0,
                vec![upsert(
                    1,
                    vec![
                        mc("amount", u(big), Merge::Add),
                        mc("peak", u("5"), Merge::Max),
                        label(),
                    ],
                )],
            ),
        );
        assert_eq!(
            row_of(&mut b, 1).unwrap()["amount"],
            u(big),
            "add on a new row sets"
        );
        ok(
            &mut b,
            at(
                1,
                vec![upsert(
                    1,
                    vec![
                        mc("amount", u(big), Merge::Add),
                        mc("peak", u("3"), Merge::Max),
                    ],
                )],
            ),
        );
        let r = row_of(&mut b, 1).unwrap();
        assert_eq!(
            r["amount"],
            u("115792089237316195423570985008687907853269984665640564039457584007913129639936")
        );
        assert_eq!(r["peak"], u("5"));
        assert_eq!(
            r["label"],
            Value::Text("x".into()),
            "unset columns keep their value"
        );
        ok(
            &mut b,
            at(
                2,
                vec![upsert(
                    1,
                    vec![
                        mc("amount", u("1"), Merge::Sub),
                        mc("peak", u("9"), Merge::Min),
                        mc("label", Value::Text("y".into()), Merge::KeepExisting),
                    ],
                )],
            ),
        );
        let r = row_of(&mut b, 1).unwrap();
        assert_eq!(
            r["amount"],
            u("115792089237316195423570985008687907853269984665640564039457584007913129639935")
        );
        assert_eq!(r["peak"], u("5"));
        assert_eq!(r["label"], Value::Text("x".into()));
        ok(
            &mut b,
            at(
                3,
                vec![upsert(
                    1,
                    vec![mc("amount", u(&"9".repeat(78)), Merge::Set)],
                )],
            ),
        );
        let e = err(
            &mut b,
            at(3, vec![upsert(1, vec![mc("amount", u("1"), Merge::Add)])]),
        );
        assert!(e.contains("more than 78 digits"), "{e}");
    }

    #[test]
    fn a_new_row_with_sub_stores_the_negation_and_defaults_fill_the_rest() {
        let mut b = batch(&[1], 0);
        ok(
            &mut b,
            at(
                0,
                vec![upsert(2, vec![mc("amount", u("7"), Merge::Sub), label()])],
            ),
        );
        let r = row_of(&mut b, 2).unwrap();
        assert_eq!(r["amount"], Value::Int256("-7".into()));
        assert_eq!(r["peak"], Value::Null);
    }

    #[test]
    fn update_and_delete_of_absent_rows_do_nothing() {
        let mut b = batch(&[1], 0);
        ok(
            &mut b,
            at(
                0,
                vec![
                    Output::Write(DbWrite::Update(UpdateRow {
                        table: "balances".into(),
                        key: vec![owner(3)],
                        columns: vec![label()],
                    })),
                    Output::Write(DbWrite::Delete(DeleteRow {
                        table: "balances".into(),
                        key: vec![owner(4)],
                    })),
                ],
            ),
        );
        assert!(row_of(&mut b, 3).is_none());
        let w = b.finish();
        assert!(w.upserts.is_empty() && w.deletes.is_empty() && w.undo.is_empty());
    }

    #[test]
    fn created_then_deleted_rows_write_nothing() {
        let mut b = batch(&[5, 5], 0);
        ok(&mut b, at(0, vec![upsert(1, vec![label()])]));
        ok(
            &mut b,
            at(
                1,
                vec![Output::Write(DbWrite::Delete(DeleteRow {
                    table: "balances".into(),
                    key: vec![owner(1)],
                }))],
            ),
        );
        let w = b.finish();
        assert!(w.upserts.is_empty() && w.deletes.is_empty());
        assert_eq!(w.undo.len(), 1, "one entry per row and block");
        assert_eq!(w.undo[0].prior, None);
    }

    #[test]
    fn the_undo_journal_has_the_prior_image_per_row_and_block_above_finality() {
        let mut b = batch(&[10, 11, 11, 12], 10);
        ok(
            &mut b,
            at(
                0,
                vec![upsert(1, vec![mc("amount", u("1"), Merge::Set), label()])],
            ),
        );
        ok(
            &mut b,
            at(1, vec![upsert(1, vec![mc("amount", u("2"), Merge::Set)])]),
        );
        ok(
            &mut b,
            at(2, vec![upsert(1, vec![mc("amount", u("3"), Merge::Set)])]),
        );
        ok(
            &mut b,
            at(3, vec![upsert(1, vec![mc("amount", u("4"), Merge::Set)])]),
        );
        let w = b.finish();
        // Block 10 is final: no entry. Block 11: the image after block 10. Block 12: after 11.
        let entries: Vec<(u64, Option<SqlValue>)> = w
            .undo
            .iter()
            .map(|u| (u.block_number, u.prior.as_ref().map(|r| r[1].clone())))
            .collect();
        assert_eq!(
            entries,
            vec![
                (11, Some(SqlValue::Numeric("1".into()))),
                (12, Some(SqlValue::Numeric("3".into())))
            ]
        );
        assert_eq!(w.upserts[0].1.len(), 1, "only the final image is written");
        assert_eq!(w.upserts[0].1[0][1], SqlValue::Numeric("4".into()));
    }

    #[test]
    fn inserts_must_carry_their_event_block() {
        let mut b = batch(&[7], 0);
        let ins = |block: i64| {
            Output::Write(DbWrite::Insert(InsertRow {
                table: "transfers".into(),
                columns: vec![
                    Column {
                        name: "block_number".into(),
                        value: Value::Int(block),
                    },
                    Column {
                        name: "value".into(),
                        value: u("1"),
                    },
                ],
            }))
        };
        let e = err(&mut b, at(0, vec![ins(6)]));
        assert!(e.contains("must be the event's block 7"), "{e}");
        ok(&mut b, at(0, vec![ins(7)]));
        assert_eq!(b.finish().inserts[0].1.len(), 1);
    }

    #[test]
    fn messages_need_a_declared_stream_and_json() {
        let mut b = batch(&[1], 0);
        let msg = |stream: &str, payload: &str| {
            Output::Message(StreamMessage {
                stream_name: stream.into(),
                key: "k".into(),
                payload: payload.into(),
            })
        };
        assert!(
            err(&mut b, at(0, vec![msg("other", "{}")])).contains("stream other is not declared")
        );
        assert!(err(&mut b, at(0, vec![msg("s", "{nope")])).contains("not JSON"));
        ok(&mut b, at(0, vec![msg("s", "{\"a\":1}")]));
        assert_eq!(b.finish().messages.len(), 1);
    }

    #[test]
    fn event_indexes_must_follow_the_batch() {
        let mut b = batch(&[1, 2], 0);
        assert!(err(&mut b, at(5, vec![])).contains("out of range"));
        ok(&mut b, at(1, vec![]));
        assert!(err(&mut b, at(0, vec![])).contains("must follow event order"));
    }

    #[test]
    fn digests_do_not_depend_on_batching_and_see_every_value() {
        let outputs = |amount: &str| {
            vec![
                EventOutputs {
                    event_index: 0,
                    outputs: vec![upsert(
                        1,
                        vec![mc("amount", u(amount), Merge::Set), label()],
                    )],
                },
                EventOutputs {
                    event_index: 1,
                    outputs: vec![upsert(2, vec![label()])],
                },
            ]
        };
        let mut one = batch(&[3, 4], 0);
        ok(&mut one, outputs("10"));
        let mut two = batch(&[3, 4], 0);
        let mut groups = outputs("10");
        let second = groups.split_off(1);
        ok(&mut two, groups);
        ok(&mut two, second);
        let (d1, d2) = (one.finish().digests, two.finish().digests);
        assert_eq!(
            d1.iter().map(|d| d.digest).collect::<Vec<_>>(),
            d2.iter().map(|d| d.digest).collect::<Vec<_>>()
        );
        assert_eq!(d1.len(), 2);
        let mut other = batch(&[3, 4], 0);
        ok(&mut other, outputs("11"));
        assert_ne!(other.finish().digests[0].digest, d1[0].digest);
    }

    #[test]
    fn too_many_outputs_are_refused() {
        let mut b = HandlerBatch::new(info(), catalog(), metas(&[1]), 0, None, 2);
        let e = err(
            &mut b,
            at(
                0,
                vec![
                    upsert(1, vec![label()]),
                    upsert(2, vec![label()]),
                    upsert(3, vec![label()]),
                ],
            ),
        );
        assert!(e.contains("more than 2 outputs"), "{e}");
    }
}
