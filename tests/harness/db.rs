//! [`TestDb`]: a fresh PostgreSQL database per test.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;
use sqlx::{Connection, PgConnection, PgPool};

/// Admin URL of the local server (trust auth).
pub fn admin_url() -> String {
    std::env::var("WRAITH_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

static CLEANED: OnceLock<()> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Whether the process that created `wraith_it_<pid>_<n>` still runs.
fn owner_alive(db: &str) -> bool {
    db.strip_prefix("wraith_it_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|pid| pid.parse::<u32>().ok())
        .is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// A database created for one test.
#[derive(Debug)]
pub struct TestDb {
    /// Database name.
    pub name: String,
    /// Connection URL.
    pub url: String,
}

impl TestDb {
    /// Create a new, empty database.
    pub async fn create() -> anyhow::Result<Self> {
        let mut admin = PgConnection::connect(&admin_url()).await.with_context(|| {
            format!(
                "connecting to {} (is PostgreSQL running? `make db` starts it)",
                admin_url()
            )
        })?;
        if CLEANED.set(()).is_ok() {
            // Databases of earlier runs whose process is gone (a running
            // test binary or benchmark elsewhere keeps its databases).
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'wraith_it_%'",
            )
            .fetch_all(&mut admin)
            .await?;
            for db in old.into_iter().filter(|d| !owner_alive(d)) {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)"
                )))
                .execute(&mut admin)
                .await;
            }
        }
        let name = format!(
            "wraith_it_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await?;
        let base = admin_url();
        let url = match base.rfind('/') {
            Some(i) => format!("{}/{name}", &base[..i]),
            None => anyhow::bail!("unexpected admin url {base}"),
        };
        Ok(Self { name, url })
    }

    /// A pool on the database.
    pub async fn pool(&self) -> anyhow::Result<PgPool> {
        Ok(PgPool::connect(&self.url).await?)
    }
}
