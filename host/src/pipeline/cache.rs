//! [`RowCache`]: committed entity rows kept in memory across batches, so
//! that `get` and the prior images the host needs for every write rarely
//! reach the database.
//!
//! The host is the only writer of handler tables, so a cache updated after
//! every commit stays exact. A table whose rows all fit is loaded whole at
//! start and is *complete*: a key it does not hold does not exist, and no
//! query is needed to learn that. When the cache would grow past its
//! capacity, the growing table is dropped from it (and read from the
//! database again). The cache is changed only after a commit, so a batch
//! that fails or rolls back leaves it untouched; rows a revert restores are
//! applied after that commit too (and seen by the handlers of the same
//! event through [`RevertImages`]).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sqlx::PgPool;

use crate::runtime::bindings::TableKind;
use crate::sinks::postgres::catalog::{Catalog, TableDef};
use crate::sinks::postgres::value::SqlValue;
use crate::sinks::postgres::writer;
use crate::sinks::{HandlerWrites, SinkResult};

type Row = Vec<SqlValue>;
type Key = Vec<SqlValue>;

/// What the cache knows about a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The committed row (None: it does not exist).
    Hit(Option<Row>),
    /// Not cached: ask the database.
    Miss,
}

#[derive(Debug, Default)]
struct TableRows {
    rows: HashMap<Key, Option<Row>>,
    complete: bool,
}

#[derive(Debug, Default)]
struct Inner {
    tables: HashMap<String, TableRows>,
    size: usize,
}

/// Committed entity rows by table and key.
#[derive(Debug)]
pub struct RowCache {
    capacity: usize,
    inner: RwLock<Inner>,
}

impl RowCache {
    /// A cache holding at most `capacity` rows (0 disables it).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: RwLock::new(Inner::default()),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Load every entity table of `catalog` that fits, whole.
    pub async fn preload(&self, pool: &PgPool, catalog: &Catalog) -> SinkResult<()> {
        if self.capacity == 0 {
            return Ok(());
        }
        for def in catalog.tables().filter(|d| d.kind == TableKind::Entity) {
            let count_sql = format!("SELECT count(*) FROM \"{}\"", def.name);
            let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
                .fetch_one(pool)
                .await?;
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            if self.read().size.saturating_add(count) > self.capacity {
                tracing::info!(table = %def.name, rows = count, "table does not fit the row cache; it is read from the database");
                continue;
            }
            let rows = writer::fetch_all(pool, def).await?;
            let mut inner = self.write();
            inner.size += rows.len();
            let table = TableRows {
                rows: rows
                    .into_iter()
                    .map(|r| (def.key_of(&r), Some(r)))
                    .collect(),
                complete: true,
            };
            inner.tables.insert(def.name.clone(), table);
        }
        Ok(())
    }

    /// What the cache knows about `key` of `table`.
    pub fn lookup(&self, table: &str, key: &Key) -> Lookup {
        let inner = self.read();
        match inner.tables.get(table) {
            Some(t) => match t.rows.get(key) {
                Some(row) => Lookup::Hit(row.clone()),
                None if t.complete => Lookup::Hit(None),
                None => Lookup::Miss,
            },
            None => Lookup::Miss,
        }
    }

    /// Record committed images (after a commit).
    pub fn store(&self, images: impl IntoIterator<Item = (Arc<TableDef>, Key, Option<Row>)>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.write();
        for (def, key, row) in images {
            let table = inner.tables.entry(def.name.clone()).or_default();
            let added = table.rows.insert(key, row).is_none();
            if added {
                inner.size += 1;
            }
            if inner.size > self.capacity {
                // Drop the table that grew past the capacity; it is read from
                // the database from now on (and may be cached again lazily).
                if let Some(t) = inner.tables.remove(&def.name) {
                    inner.size -= t.rows.len();
                }
                tracing::info!(table = %def.name, capacity = self.capacity, "row cache full; dropping the table from it");
            }
        }
    }

    /// Record everything a handler committed.
    pub fn store_writes(&self, writes: &HandlerWrites) {
        self.store(writes.rows.iter().flat_map(|(def, rows)| {
            rows.iter()
                .map(move |(k, r)| (def.clone(), k.clone(), r.clone()))
        }));
    }

    /// Hold `tables` as empty and complete (they were just emptied inside
    /// the transaction this cache serves).
    pub fn reset_empty<'a>(&self, tables: impl IntoIterator<Item = &'a str>) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.write();
        for t in tables {
            let old = inner.tables.insert(
                t.to_owned(),
                TableRows {
                    rows: HashMap::new(),
                    complete: true,
                },
            );
            if let Some(old) = old {
                inner.size -= old.rows.len();
            }
        }
    }

    /// Replace `tables` with what `other` holds for them (after the
    /// transaction `other` served committed); a table `other` does not hold
    /// is dropped, so it is read from the database again.
    pub fn adopt<'a>(&self, other: &Self, tables: impl IntoIterator<Item = &'a str>) {
        let theirs = other.read();
        let mut inner = self.write();
        for t in tables {
            if let Some(old) = inner.tables.remove(t) {
                inner.size -= old.rows.len();
            }
            if let Some(new) = theirs.tables.get(t) {
                if inner.size + new.rows.len() > self.capacity {
                    continue;
                }
                inner.size += new.rows.len();
                inner.tables.insert(
                    t.to_owned(),
                    TableRows {
                        rows: new.rows.clone(),
                        complete: new.complete,
                    },
                );
            }
        }
    }

    /// Forget everything (e.g. after the schema changed).
    pub fn clear(&self) {
        *self.write() = Inner::default();
    }
}

/// Entity rows a revert restored in the current (uncommitted) transaction:
/// the handlers of the same event must see them instead of the cache.
#[derive(Debug, Default)]
pub struct RevertImages {
    tables: HashMap<String, HashMap<Key, Option<Row>>>,
}

impl RevertImages {
    /// Images from a revert (table, key, restored row or None).
    pub fn new(images: impl IntoIterator<Item = (String, Key, Option<Row>)>) -> Self {
        let mut tables: HashMap<String, HashMap<Key, Option<Row>>> = HashMap::new();
        for (t, k, r) in images {
            tables.entry(t).or_default().insert(k, r);
        }
        Self { tables }
    }

    /// The restored image of `key`, if the revert touched it.
    pub fn lookup(&self, table: &str, key: &Key) -> Option<Option<Row>> {
        self.tables.get(table).and_then(|t| t.get(key)).cloned()
    }

    /// All images (to store in the cache after the commit).
    pub fn images<'a>(
        &'a self,
        catalog: &'a Catalog,
    ) -> impl Iterator<Item = (Arc<TableDef>, Key, Option<Row>)> + 'a {
        self.tables
            .iter()
            .filter_map(|(t, rows)| catalog.table(t).map(|d| (d.clone(), rows)))
            .flat_map(|(d, rows)| {
                rows.iter()
                    .map(move |(k, r)| (d.clone(), k.clone(), r.clone()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sinks::postgres::catalog::ColumnDef;
    use crate::sinks::postgres::value::ColumnType;

    fn def() -> Arc<TableDef> {
        let cols = vec![
            ColumnDef {
                name: "k".into(),
                ty: ColumnType::Int8,
                nullable: false,
                default: None,
            },
            ColumnDef {
                name: "v".into(),
                ty: ColumnType::Text,
                nullable: true,
                default: None,
            },
        ];
        Arc::new(TableDef::new("t", TableKind::Entity, cols, &["k".to_owned()]).unwrap())
    }

    fn row(k: i64, v: &str) -> Row {
        vec![SqlValue::Int(k), SqlValue::Text(v.into())]
    }

    #[test]
    fn stored_rows_hit_and_unknown_keys_miss() {
        let c = RowCache::new(10);
        c.store([
            (def(), vec![SqlValue::Int(1)], Some(row(1, "a"))),
            (def(), vec![SqlValue::Int(2)], None),
        ]);
        assert_eq!(
            c.lookup("t", &vec![SqlValue::Int(1)]),
            Lookup::Hit(Some(row(1, "a")))
        );
        assert_eq!(c.lookup("t", &vec![SqlValue::Int(2)]), Lookup::Hit(None));
        assert_eq!(
            c.lookup("t", &vec![SqlValue::Int(3)]),
            Lookup::Miss,
            "an incomplete table misses"
        );
        assert_eq!(c.lookup("other", &vec![SqlValue::Int(1)]), Lookup::Miss);
    }

    #[test]
    fn a_table_that_outgrows_the_capacity_is_dropped() {
        let c = RowCache::new(2);
        for k in 0..3 {
            c.store([(def(), vec![SqlValue::Int(k)], Some(row(k, "x")))]);
        }
        assert_eq!(c.lookup("t", &vec![SqlValue::Int(0)]), Lookup::Miss);
        assert_eq!(c.read().size, 0);
    }

    #[test]
    fn a_disabled_cache_always_misses() {
        let c = RowCache::new(0);
        c.store([(def(), vec![SqlValue::Int(1)], Some(row(1, "a")))]);
        assert_eq!(c.lookup("t", &vec![SqlValue::Int(1)]), Lookup::Miss);
    }

    #[test]
    fn revert_images_shadow_the_cache() {
        let r = RevertImages::new([("t".to_owned(), vec![SqlValue::Int(1)], None)]);
        assert_eq!(r.lookup("t", &vec![SqlValue::Int(1)]), Some(None));
        assert_eq!(r.lookup("t", &vec![SqlValue::Int(2)]), None);
    }
}
