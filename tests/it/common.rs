//! Shared setup for the integration tests.

use std::time::Duration;

use alloy::primitives::Address;
use sqlx::{PgPool, Row};
use wraith_tests::host::HandlerSpec;
use wraith_tests::{Anvil, Host, HostOptions, TestDb, ghostnet, paths};

/// How long a test waits for the host to catch up.
pub(crate) const CATCH_UP: Duration = Duration::from_secs(60);

/// The ghost-core handler bound to a GhostCore address.
pub(crate) fn ghost_core_handler(ghost_core: Address) -> HandlerSpec {
    HandlerSpec {
        name: "ghost-core".into(),
        component: paths::handler("ghost_core_handler.wasm").unwrap(),
        contracts: vec![("GhostCore".into(), vec![ghost_core])],
        start_block: 0,
    }
}

/// A fixture component bound to GhostCore.
pub(crate) fn fixture(name: &str, file: &str, ghost_core: Address) -> HandlerSpec {
    HandlerSpec {
        name: name.into(),
        component: paths::repo_root().join("tests/fixtures/dist").join(file),
        contracts: vec![("GhostCore".into(), vec![ghost_core])],
        start_block: 0,
    }
}

/// Jack `player` in at `level` with `amount` whole DATA; returns the block
/// the transaction landed in.
pub(crate) async fn jack_in(
    anvil: &Anvil,
    ghost_core: Address,
    player: Address,
    amount: u64,
    level: u8,
) -> u64 {
    anvil
        .send(
            player,
            ghost_core,
            ghostnet::IGhostCore::jackInCall {
                amount: ghostnet::data(amount),
                level,
            },
        )
        .await
        .unwrap();
    anvil.block_number().await.unwrap()
}

/// Anvil with `players` funded players and the core contracts.
pub(crate) async fn chain(players: usize) -> (Anvil, ghostnet::Core) {
    let anvil = Anvil::start(players + 2).await.unwrap();
    let core = ghostnet::deploy_core(&anvil).await.unwrap();
    (anvil, core)
}

/// A fresh database and a host indexing GhostCore into it.
pub(crate) async fn host(anvil: &Anvil, core: &ghostnet::Core) -> (TestDb, Host, PgPool) {
    let db = TestDb::create().await.unwrap();
    let opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![ghost_core_handler(core.ghost_core)],
    );
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    (db, host, pool)
}

/// Every row of `table` as text, in a stable order: for comparing two
/// databases exactly.
pub(crate) async fn dump(pool: &PgPool, table: &str, order: &str) -> Vec<String> {
    let sql = format!("SELECT t::text FROM {table} t ORDER BY {order}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}

/// The application tables of ghost-core, dumped.
pub(crate) async fn dump_ghost_core(pool: &PgPool) -> Vec<Vec<String>> {
    vec![
        dump(pool, "positions", "user_address").await,
        dump(pool, "position_events", "block_number, log_index").await,
        dump(pool, "boosts", "block_number, log_index").await,
        dump(pool, "ghost_core_state", "contract_address").await,
    ]
}
