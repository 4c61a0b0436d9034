//! Batched statements: every table write is one `UNNEST` statement per
//! table and operation, never a round trip per row.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Row as _};

use super::catalog::TableDef;
use super::value::{ColumnType, SqlValue};

/// Rows per statement; larger batches are split.
const CHUNK: usize = 20_000;

/// One column of a batch, as the array bound to the statement.
enum ColumnArray {
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bytes(Vec<Option<Vec<u8>>>),
}

impl ColumnArray {
    fn new(ty: ColumnType, capacity: usize) -> Self {
        match ty {
            ColumnType::Bool => Self::Bool(Vec::with_capacity(capacity)),
            ColumnType::Int2 | ColumnType::Int4 | ColumnType::Int8 | ColumnType::Timestamptz => {
                Self::Int(Vec::with_capacity(capacity))
            }
            ColumnType::Numeric | ColumnType::Text | ColumnType::Jsonb => {
                Self::Text(Vec::with_capacity(capacity))
            }
            ColumnType::Bytea => Self::Bytes(Vec::with_capacity(capacity)),
        }
    }

    /// Push a value already checked against the column type.
    fn push(&mut self, v: &SqlValue) {
        match (self, v) {
            (Self::Bool(a), SqlValue::Bool(b)) => a.push(Some(*b)),
            (Self::Int(a), SqlValue::Int(i) | SqlValue::Timestamp(i)) => a.push(Some(*i)),
            (Self::Text(a), SqlValue::Numeric(s) | SqlValue::Text(s) | SqlValue::Json(s)) => {
                a.push(Some(s.clone()));
            }
            (Self::Bytes(a), SqlValue::Bytes(b)) => a.push(Some(b.clone())),
            (Self::Bool(a), _) => a.push(None),
            (Self::Int(a), _) => a.push(None),
            (Self::Text(a), _) => a.push(None),
            (Self::Bytes(a), _) => a.push(None),
        }
    }

    fn bind<'q>(self, q: Query<'q, Postgres, PgArguments>) -> Query<'q, Postgres, PgArguments> {
        match self {
            Self::Bool(a) => q.bind(a),
            Self::Int(a) => q.bind(a),
            Self::Text(a) => q.bind(a),
            Self::Bytes(a) => q.bind(a),
        }
    }
}

fn bind_columns<'q>(
    mut q: Query<'q, Postgres, PgArguments>,
    types: &[ColumnType],
    rows: &[Vec<SqlValue>],
) -> Query<'q, Postgres, PgArguments> {
    for (i, ty) in types.iter().enumerate() {
        let mut array = ColumnArray::new(*ty, rows.len());
        for row in rows {
            array.push(&row[i]);
        }
        q = array.bind(q);
    }
    q
}

fn column_types(def: &TableDef) -> Vec<ColumnType> {
    def.columns.iter().map(|c| c.ty).collect()
}

fn key_types(def: &TableDef) -> Vec<ColumnType> {
    def.key.iter().map(|&i| def.columns[i].ty).collect()
}

/// Append full rows.
pub async fn insert_rows(
    conn: &mut PgConnection,
    def: &TableDef,
    rows: &[Vec<SqlValue>],
) -> sqlx::Result<()> {
    let types = column_types(def);
    for chunk in rows.chunks(CHUNK) {
        bind_columns(
            sqlx::query(AssertSqlSafe(def.insert_sql.as_str())),
            &types,
            chunk,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Create or replace full rows (at most one row per key).
pub async fn upsert_rows(
    conn: &mut PgConnection,
    def: &TableDef,
    rows: &[Vec<SqlValue>],
) -> sqlx::Result<()> {
    let types = column_types(def);
    for chunk in rows.chunks(CHUNK) {
        bind_columns(
            sqlx::query(AssertSqlSafe(def.upsert_sql.as_str())),
            &types,
            chunk,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Delete rows by key.
pub async fn delete_keys(
    conn: &mut PgConnection,
    def: &TableDef,
    keys: &[Vec<SqlValue>],
) -> sqlx::Result<()> {
    let types = key_types(def);
    for chunk in keys.chunks(CHUNK) {
        bind_columns(
            sqlx::query(AssertSqlSafe(def.delete_sql.as_str())),
            &types,
            chunk,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Fetch the full rows that exist for `keys` (absent keys are skipped).
pub async fn fetch_rows(
    conn: &mut PgConnection,
    def: &TableDef,
    keys: &[Vec<SqlValue>],
) -> sqlx::Result<Vec<Vec<SqlValue>>> {
    let types = key_types(def);
    let mut out = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(CHUNK) {
        let rows = bind_columns(
            sqlx::query(AssertSqlSafe(def.select_sql.as_str())),
            &types,
            chunk,
        )
        .fetch_all(&mut *conn)
        .await?;
        for row in rows {
            out.push(decode_row(&row, def)?);
        }
    }
    Ok(out)
}

/// Every row of a table (to preload the row cache).
pub async fn fetch_all(pool: &sqlx::PgPool, def: &TableDef) -> sqlx::Result<Vec<Vec<SqlValue>>> {
    let reads: Vec<String> = def
        .columns
        .iter()
        .map(|c| c.ty.read_expr(&format!("t.\"{}\"", c.name)))
        .collect();
    let sql = format!("SELECT {} FROM \"{}\" AS t", reads.join(", "), def.name);
    let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(pool).await?;
    rows.iter().map(|r| decode_row(r, def)).collect()
}

/// Decode a full row selected with the table's read expressions.
pub fn decode_row(row: &PgRow, def: &TableDef) -> sqlx::Result<Vec<SqlValue>> {
    def.columns
        .iter()
        .enumerate()
        .map(|(i, c)| decode_column(row, i, c.ty))
        .collect()
}

/// Decode one column selected with [`ColumnType::read_expr`].
pub fn decode_column(row: &PgRow, i: usize, ty: ColumnType) -> sqlx::Result<SqlValue> {
    Ok(match ty {
        ColumnType::Bool => row
            .try_get::<Option<bool>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Bool),
        ColumnType::Int2 | ColumnType::Int4 | ColumnType::Int8 => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Int),
        ColumnType::Timestamptz => row
            .try_get::<Option<i64>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Timestamp),
        ColumnType::Numeric => row
            .try_get::<Option<String>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Numeric),
        ColumnType::Text => row
            .try_get::<Option<String>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Text),
        ColumnType::Jsonb => row
            .try_get::<Option<String>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Json),
        ColumnType::Bytea => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map_or(SqlValue::Null, SqlValue::Bytes),
    })
}
