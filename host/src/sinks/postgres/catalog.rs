//! [`Catalog`]: the columns, types, primary keys and defaults of the tables
//! handlers write, read from `pg_catalog` once, with the SQL the writer
//! uses for each table.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sqlx::{AssertSqlSafe, PgConnection, Row as _};

use super::value::{ColumnType, SqlValue};
use super::{SinkError, SinkResult};
use crate::runtime::bindings::TableKind;

/// Volatile functions a handler table's default must not call: the value
/// would differ between a live run and a replay.
const VOLATILE: &[&str] = &[
    "now(",
    "current_timestamp",
    "clock_timestamp",
    "statement_timestamp",
    "transaction_timestamp",
    "localtimestamp",
    "random(",
    "nextval(",
    "gen_random_uuid",
    "uuid_generate",
    "timeofday",
];

/// One column.
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// Name.
    pub name: String,
    /// Type.
    pub ty: ColumnType,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// The evaluated default, if the column has one.
    pub default: Option<SqlValue>,
}

/// One handler table.
#[derive(Debug, Clone)]
pub struct TableDef {
    /// Name.
    pub name: String,
    /// Entity or append-only.
    pub kind: TableKind,
    /// Columns in table order.
    pub columns: Vec<ColumnDef>,
    /// Indexes of the primary-key columns, in key order.
    pub key: Vec<usize>,
    /// Index of `block_number` (required for append-only tables).
    pub block_number: Option<usize>,
    index: HashMap<String, usize>,
    /// `INSERT … SELECT FROM UNNEST` of full rows.
    pub insert_sql: String,
    /// Upsert of full rows (entity tables).
    pub upsert_sql: String,
    /// Delete by key (entity tables).
    pub delete_sql: String,
    /// Select full rows by key (entity tables).
    pub select_sql: String,
}

impl TableDef {
    /// A definition from its columns and primary-key column names; checks
    /// what the kind requires (entity: a key; append-only: a bigint
    /// `block_number`).
    pub fn new(
        name: &str,
        kind: TableKind,
        columns: Vec<ColumnDef>,
        key_names: &[String],
    ) -> Result<Self, String> {
        let index: HashMap<String, usize> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        let key: Vec<usize> = key_names
            .iter()
            .filter_map(|k| index.get(k).copied())
            .collect();
        let block_number = index.get("block_number").copied();
        match kind {
            TableKind::Entity if key.is_empty() => {
                return Err("an entity table needs a primary key".to_owned());
            }
            TableKind::AppendOnly
                if block_number.map(|i| columns[i].ty) != Some(ColumnType::Int8) =>
            {
                return Err("an append-only table needs a bigint block_number column".to_owned());
            }
            _ => {}
        }
        let mut def = Self {
            name: name.to_owned(),
            kind,
            columns,
            key,
            block_number,
            index,
            insert_sql: String::new(),
            upsert_sql: String::new(),
            delete_sql: String::new(),
            select_sql: String::new(),
        };
        def.build_sql();
        Ok(def)
    }

    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// A row of defaults (NULL where there is none).
    pub fn default_row(&self) -> Vec<SqlValue> {
        self.columns
            .iter()
            .map(|c| c.default.clone().unwrap_or(SqlValue::Null))
            .collect()
    }

    /// The key of a full row.
    pub fn key_of(&self, row: &[SqlValue]) -> Vec<SqlValue> {
        self.key.iter().map(|&i| row[i].clone()).collect()
    }

    fn build_sql(&mut self) {
        let q = |s: &str| format!("\"{s}\"");
        let table = q(&self.name);
        let names: Vec<String> = self.columns.iter().map(|c| q(&c.name)).collect();
        let params: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}", i + 1, c.ty.bind_array()))
            .collect();
        let aliases: Vec<String> = (0..self.columns.len()).map(|i| format!("c{i}")).collect();
        let exprs: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| c.ty.write_expr(&format!("u.c{i}")))
            .collect();
        let select_rows = format!(
            "SELECT {} FROM UNNEST({}) AS u({})",
            exprs.join(", "),
            params.join(", "),
            aliases.join(", ")
        );
        self.insert_sql = format!("INSERT INTO {table} ({}) {select_rows}", names.join(", "));
        let key_names: Vec<String> = self.key.iter().map(|&i| q(&self.columns[i].name)).collect();
        let updates: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.key.contains(i))
            .map(|(_, c)| format!("{0} = EXCLUDED.{0}", q(&c.name)))
            .collect();
        let on_conflict = if updates.is_empty() {
            "DO NOTHING".to_owned()
        } else {
            format!("DO UPDATE SET {}", updates.join(", "))
        };
        self.upsert_sql = format!(
            "INSERT INTO {table} ({}) {select_rows} ON CONFLICT ({}) {on_conflict}",
            names.join(", "),
            key_names.join(", ")
        );
        let key_params: Vec<String> = self
            .key
            .iter()
            .enumerate()
            .map(|(n, &i)| format!("${}::{}", n + 1, self.columns[i].ty.bind_array()))
            .collect();
        let key_aliases: Vec<String> = (0..self.key.len()).map(|n| format!("k{n}")).collect();
        let key_match: Vec<String> = self
            .key
            .iter()
            .enumerate()
            .map(|(n, &i)| {
                let c = &self.columns[i];
                format!("t.{} = {}", q(&c.name), c.ty.write_expr(&format!("u.k{n}")))
            })
            .collect();
        let keys_from = format!(
            "UNNEST({}) AS u({})",
            key_params.join(", "),
            key_aliases.join(", ")
        );
        self.delete_sql = format!(
            "DELETE FROM {table} AS t USING {keys_from} WHERE {}",
            key_match.join(" AND ")
        );
        let reads: Vec<String> = self
            .columns
            .iter()
            .map(|c| c.ty.read_expr(&format!("t.{}", q(&c.name))))
            .collect();
        self.select_sql = format!(
            "SELECT {} FROM {table} AS t JOIN {keys_from} ON {}",
            reads.join(", "),
            key_match.join(" AND ")
        );
    }
}

/// The tables of every loaded handler.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<TableDef>>,
}

impl Catalog {
    /// A table by name.
    pub fn table(&self, name: &str) -> Option<&Arc<TableDef>> {
        self.tables.get(name)
    }

    /// Every table.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values()
    }

    /// Add a table definition (used by [`Catalog::load`]).
    pub fn insert(&mut self, def: TableDef) {
        self.tables.insert(def.name.clone(), Arc::new(def));
    }

    /// Read the definitions of `tables` (name, kind) from the database.
    pub async fn load(conn: &mut PgConnection, tables: &[(String, TableKind)]) -> SinkResult<Self> {
        let mut catalog = Self::default();
        for (name, kind) in tables {
            catalog.insert(load_table(conn, name, *kind).await?);
        }
        Ok(catalog)
    }
}

async fn load_table(conn: &mut PgConnection, name: &str, kind: TableKind) -> SinkResult<TableDef> {
    let bad = |message: String| SinkError::Schema {
        table: name.to_owned(),
        message,
    };
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .bind(format!("public.\"{name}\""))
        .fetch_one(&mut *conn)
        .await?;
    if exists.is_none() {
        return Err(bad(
            "the table does not exist; add it to migrations/".to_owned()
        ));
    }
    let rows = sqlx::query(
        "SELECT a.attname::text, t.typname::text, a.attnotnull, pg_get_expr(d.adbin, d.adrelid)
         FROM pg_attribute a
         JOIN pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum",
    )
    .bind(format!("public.\"{name}\""))
    .fetch_all(&mut *conn)
    .await?;
    let mut columns = Vec::with_capacity(rows.len());
    for row in rows {
        let col: String = row.try_get(0)?;
        let typname: String = row.try_get(1)?;
        let not_null: bool = row.try_get(2)?;
        let default_expr: Option<String> = row.try_get(3)?;
        let ty = ColumnType::from_pg(&typname).ok_or_else(|| {
            bad(format!(
                "column {col} has type {typname}; handler tables may use boolean, smallint, integer, \
                 bigint, numeric, text, varchar, bytea, timestamptz, jsonb"
            ))
        })?;
        let default = match default_expr {
            None => None,
            Some(expr) => {
                let lower = expr.to_ascii_lowercase();
                if let Some(f) = VOLATILE.iter().find(|f| lower.contains(*f)) {
                    return Err(bad(format!(
                        "column {col} defaults to {expr}, which calls {}; handler tables need \
                         deterministic defaults (the host replays blocks after reorgs)",
                        f.trim_end_matches('(')
                    )));
                }
                Some(eval_default(conn, ty, &expr).await.map_err(|e| {
                    bad(format!(
                        "cannot evaluate the default of column {col} ({expr}): {e}"
                    ))
                })?)
            }
        };
        columns.push(ColumnDef {
            name: col,
            ty,
            nullable: !not_null,
            default,
        });
    }
    let key_names: Vec<String> = sqlx::query_scalar(
        "SELECT a.attname::text
         FROM pg_index i
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
         WHERE i.indrelid = to_regclass($1) AND i.indisprimary
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
    )
    .bind(format!("public.\"{name}\""))
    .fetch_all(&mut *conn)
    .await?;
    TableDef::new(name, kind, columns, &key_names).map_err(bad)
}

async fn eval_default(
    conn: &mut PgConnection,
    ty: ColumnType,
    expr: &str,
) -> Result<SqlValue, sqlx::Error> {
    let sql = format!("SELECT {}", ty.read_expr(expr));
    let row = sqlx::query(AssertSqlSafe(sql.as_str()))
        .fetch_one(&mut *conn)
        .await?;
    super::writer::decode_column(&row, 0, ty)
}
