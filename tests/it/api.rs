//! The REST API over a fresh migrated database with rows seeded by SQL:
//! every route, bad parameters (400 with a stable code), unknown ids (404).

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use wraith_host::api::{ApiState, router};
use wraith_host::config::ApiConfig;
use wraith_host::sinks::postgres::PgSink;
use wraith_host::status::Status;
use wraith_tests::db::TestDb;

const ALICE: &str = "0x00000000000000000000000000000000000000a1";
const BOB: &str = "0x00000000000000000000000000000000000000b2";
const CAROL: &str = "0x00000000000000000000000000000000000000c3";
const DAVE: &str = "0x00000000000000000000000000000000000000d4";
const EVE: &str = "0x00000000000000000000000000000000000000e5";
const FRANK: &str = "0x00000000000000000000000000000000000000f6";
const GRACE: &str = "0x00000000000000000000000000000000000000a7";
const TOKEN: &str = "0x00000000000000000000000000000000000000da";
const HASH_CRASH: &str = "0x00000000000000000000000000000000000000e1";
const DUEL_ESCROW: &str = "0x00000000000000000000000000000000000000e2";

const SEED: &str = r"
INSERT INTO positions (user_address, level, amount, entry_block, entry_log_index, entry_timestamp,
    last_add_timestamp, created_at_block, updated_at_block, updated_at)
VALUES ('\x00000000000000000000000000000000000000a1', 2, 1500000000000000000, 10, 0, to_timestamp(1000),
        to_timestamp(1000), 10, 10, to_timestamp(1000)),
       ('\x00000000000000000000000000000000000000b2', 2, 300000000000000000000, 11, 1, to_timestamp(1100),
        to_timestamp(1100), 11, 11, to_timestamp(1100));
INSERT INTO scans (scan_id, level, seed, executed_at, executed_block, executed_tx, death_count,
    total_dead, submissions, updated_at_block)
VALUES (1, 2, 42, to_timestamp(2000), 20, '\xaa', 1, 1500000000000000000, 1, 21),
       (2, 3, 43, to_timestamp(3000), 30, '\xbb', 0, 0, 0, 30);
INSERT INTO death_submissions (block_number, log_index, block_time, tx_hash, level, scan_id,
    death_count, total_dead, submitter)
VALUES (21, 0, to_timestamp(2010), '\xcc', 2, 1, 1, 1500000000000000000, '\x00000000000000000000000000000000000000b2');
INSERT INTO deadpool_rounds (round_id, round_type, round_type_name, target_level, line, deadline,
    over_pool, under_pool, bettor_count, created_block, updated_at_block)
VALUES (7, 0, 'DEATH_COUNT', 2, 5, to_timestamp(5000), 1000, 2000, 2, 40, 41);
UPDATE positions SET in_level_array = true, level_slot = 1 WHERE user_address = '\x00000000000000000000000000000000000000a1';
UPDATE positions SET in_level_array = true, level_slot = 0 WHERE user_address = '\x00000000000000000000000000000000000000b2';
INSERT INTO levels (level, total_staked, alive_count, scan_interval, next_scan_time, current_scan_id,
    survivor_rounds, death_count, dead_amount, updated_at_block)
VALUES (2, 301500000000000000000, 2, 10800, to_timestamp(4000000000), 1, 0, 1, 1500000000000000000, 21),
       (3, 0, 0, 7200, to_timestamp(1000), 2, 0, 1, 7, 31);
INSERT INTO boosts (block_number, log_index, block_time, tx_hash, user_address, boost_type, value_bps, expiry)
VALUES (12, 0, to_timestamp(1200), '\xdd', '\x00000000000000000000000000000000000000a1', 'death_reduction', 300, to_timestamp(4000000001)),
       (12, 1, to_timestamp(1200), '\xdd', '\x00000000000000000000000000000000000000a1', 'death_reduction', 200, to_timestamp(1300));
INSERT INTO position_events (block_number, log_index, block_time, tx_hash, user_address, kind, level,
    amount, new_total)
VALUES (10, 0, to_timestamp(1000), '\x01', '\x00000000000000000000000000000000000000a1', 'jacked_in', 2, 1000000000000000000, 1000000000000000000),
       (15, 2, to_timestamp(1500), '\x02', '\x00000000000000000000000000000000000000a1', 'stake_added', NULL, 500000000000000000, 1500000000000000000);
INSERT INTO deaths (block_number, log_index, block_time, tx_hash, user_address, scan_id, level,
    amount_lost, ghost_streak_at_death, position_entry_block, batch_index, submitter)
VALUES (21, 0, to_timestamp(2010), '\xcc', '\x00000000000000000000000000000000000000c3', 1, 2, 1500000000000000000, 3, 5, 0, '\x00000000000000000000000000000000000000b2'),
       (31, 0, to_timestamp(3010), '\xee', '\x00000000000000000000000000000000000000d4', 2, 3, 7, 0, 6, 0, '\x00000000000000000000000000000000000000b2');
INSERT INTO deadpool_bets (round_id, user_address, amount, is_over, bet_count, first_bet_block,
    updated_at_block)
VALUES (7, '\x00000000000000000000000000000000000000a1', 1000, true, 1, 40, 40),
       (7, '\x00000000000000000000000000000000000000b2', 2000, false, 1, 41, 41);
";

const ARCADE_SEED: &str = r"
INSERT INTO arcade_games (arcade_core, game, min_entry, max_entry, rake_bps, burn_bps,
    requires_position, paused, registered_block, registered_at, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000c0', '\x00000000000000000000000000000000000000e1', 1000, 1000000, 300, 5000, false, false, 50, to_timestamp(6000), 50),
       ('\x00000000000000000000000000000000000000c0', '\x00000000000000000000000000000000000000e2', 50, 500, 500, 10000, true, true, 51, to_timestamp(6010), 51);
INSERT INTO registry_games (registry, game, arcade_core, game_id, name, launched_at, registered_block,
    updated_at_block)
VALUES ('\x00000000000000000000000000000000000000e3', '\x00000000000000000000000000000000000000e1', '\x00000000000000000000000000000000000000c0', '\x01', 'HashCrash', to_timestamp(6000), 50, 50);
INSERT INTO arcade_sessions (arcade_core, session_id, game, state, created_at, created_block,
    player_count, entry_count, gross_total, net_total, prize_pool, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000c0', 1, '\x00000000000000000000000000000000000000e1', 'settled', to_timestamp(6100), 60, 2, 2, 3000, 2910, 2910, 62),
       ('\x00000000000000000000000000000000000000c0', 2, '\x00000000000000000000000000000000000000e1', 'active', to_timestamp(6200), 70, 1, 1, 1000, 970, 970, 70),
       ('\x00000000000000000000000000000000000000c0', 1000, '\x00000000000000000000000000000000000000e2', 'active', to_timestamp(6300), 71, 1, 1, 50, 48, 48, 71);
INSERT INTO arcade_session_players (arcade_core, session_id, player, game, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000c0', 1, '\x00000000000000000000000000000000000000a1', '\x00000000000000000000000000000000000000e1', 60), ('\x00000000000000000000000000000000000000c0', 1, '\x00000000000000000000000000000000000000b2', '\x00000000000000000000000000000000000000e1', 60), ('\x00000000000000000000000000000000000000c0', 2, '\x00000000000000000000000000000000000000b2', '\x00000000000000000000000000000000000000e1', 70),
       ('\x00000000000000000000000000000000000000c0', 1000, '\x00000000000000000000000000000000000000a1', '\x00000000000000000000000000000000000000e2', 71);
INSERT INTO hash_crash_rounds (hash_crash, round_id, state, started_at, started_block, betting_ends_at,
    arcade_core, player_count, total_amount, prize_pool, seed, seed_verified, crash_multiplier,
    crash_verified, winners, losers, total_paid_out, total_burned, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000e1', 1, 'settled', to_timestamp(6100), 60, to_timestamp(6160), '\x00000000000000000000000000000000000000c0', 2, 3000, 2910,
        123456789012345678901234567890, true, 250, true, 1, 1, 1940, 970, 62),
       ('\x00000000000000000000000000000000000000e1', 2, 'betting', to_timestamp(6200), 70, to_timestamp(6260), '\x00000000000000000000000000000000000000c0', 1, 1000, 970,
        NULL, NULL, NULL, NULL, 0, 0, 0, 0, 70);
INSERT INTO hash_crash_bets (hash_crash, round_id, player, amount, net_amount, target_multiplier,
    placed_block, placed_at, result, payout, burned, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000e1', 1, '\x00000000000000000000000000000000000000a1', 1000, 970, 200, 60, to_timestamp(6100), 'won', 1940, NULL, 62),
       ('\x00000000000000000000000000000000000000e1', 1, '\x00000000000000000000000000000000000000b2', 2000, 1940, 500, 61, to_timestamp(6110), 'lost', NULL, 1940, 62);
INSERT INTO duel_matches (duel_escrow, match_id, player1, player2, stake, stake_tier, state, created_at,
    created_block, expires_at, prize_pool, outcome, winner, player1_result, player2_result,
    player1_payout, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000e2', 1000, '\x00000000000000000000000000000000000000a1', '\x00000000000000000000000000000000000000b2', 50000000000000000000, 'bronze', 'resolved', to_timestamp(6300), 71,
        to_timestamp(6600), 97000000000000000000, 'win', '\x00000000000000000000000000000000000000a1', 'won', 'lost', 97000000000000000000, 75),
       ('\x00000000000000000000000000000000000000e2', 1001, '\x00000000000000000000000000000000000000b2', '\x0000000000000000000000000000000000000000', 150000000000000000000, 'silver',
        'waiting', to_timestamp(6400), 80, to_timestamp(6700), 0, NULL, NULL, NULL, NULL, NULL, 80);
INSERT INTO daily_ops_streaks (daily_ops, player, current_streak, longest_streak, last_claim_day,
    total_claimed, milestone_7, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000e4', '\x00000000000000000000000000000000000000a1', 8, 8, 20000, 1500000000000000000000, true, 90);
INSERT INTO daily_ops_badges (daily_ops, player, badge_id, badge_name, earned_at, earned_block, tx_hash)
VALUES ('\x00000000000000000000000000000000000000e4', '\x00000000000000000000000000000000000000a1', '\x07', 'WEEK_WARRIOR', to_timestamp(7000), 90, '\xab');
";

const STATS_SEED: &str = r"
UPDATE positions SET ghost_streak = 4 WHERE user_address = '\x00000000000000000000000000000000000000a1';
INSERT INTO position_events (block_number, log_index, block_time, tx_hash, user_address, kind, level,
    amount, new_total, rewards)
VALUES (60, 0, now() - interval '2 days', '\x03', '\x00000000000000000000000000000000000000e5', 'jacked_in', 1, 10, 10, NULL),
       (61, 0, now() - interval '2 days', '\x04', '\x00000000000000000000000000000000000000e5', 'extracted', NULL, 10, NULL, 5),
       (62, 0, now() - interval '1 hour', '\x05', '\x00000000000000000000000000000000000000f6', 'jacked_in', 1, 20, 20, NULL),
       (63, 0, now() - interval '1 hour', '\x06', '\x00000000000000000000000000000000000000f6', 'extracted', NULL, 20, NULL, 3),
       (64, 0, now() - interval '1 hour', '\x07', '\x00000000000000000000000000000000000000a7', 'culled', 1, 100, NULL, 25);
INSERT INTO token_stats (token_address, total_supply, minted, supply_burned, dead_burned, tax_burned,
    tax_collected, transfer_volume, transfer_count, updated_at_block)
VALUES ('\x00000000000000000000000000000000000000da', 1000000, 1000005, 5, 30, 10, 2, 500, 3, 70);
INSERT INTO token_transfers (block_number, log_index, block_time, tx_hash, token_address, from_address,
    to_address, kind, gross, net, tax_burned, tax_collected, taxed)
VALUES (65, 0, to_timestamp(172805), '\x08', '\x00000000000000000000000000000000000000da', '\x00000000000000000000000000000000000000ee', '\x000000000000000000000000000000000000dead', 'dead_burn', 30, 30, 0, 0, false),
       (65, 1, to_timestamp(172806), '\x09', '\x00000000000000000000000000000000000000da', '\x00000000000000000000000000000000000000ee', '\x00000000000000000000000000000000000000a1', 'transfer', 112, 100, 10, 2, true),
       (66, 0, to_timestamp(259300), '\x0a', '\x00000000000000000000000000000000000000da', '\x00000000000000000000000000000000000000ee', '\x0000000000000000000000000000000000000000',
        'supply_burn', 5, 5, 0, 0, false);
";

async fn app() -> (TestDb, Router) {
    app_with(ApiConfig {
        max_page_size: 50,
        ..ApiConfig::default()
    })
    .await
}

async fn app_with(config: ApiConfig) -> (TestDb, Router) {
    let db = TestDb::create().await.unwrap();
    let pool = db.pool().await.unwrap();
    PgSink::migrate(&pool).await.unwrap();
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    sqlx::raw_sql(ARCADE_SEED).execute(&pool).await.unwrap();
    sqlx::raw_sql(STATS_SEED).execute(&pool).await.unwrap();
    let state = ApiState {
        pool,
        status: Arc::new(Status::new(31337)),
        config,
        admin: None,
        max_component_bytes: 1 << 20,
        ws: None,
        limiter: None,
        read_cache: None,
    };
    (db, router(state))
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}

async fn expect_error(app: &Router, uri: &str, status: StatusCode, code: &str) {
    let (s, body) = get(app, uri).await;
    assert_eq!(s, status, "{uri}: {body}");
    assert_eq!(body["error"]["code"], code, "{uri}: {body}");
}

#[tokio::test]
async fn api_positions() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/positions?level=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 2);
    // Richest first; exact wei strings; lowercase addresses.
    assert_eq!(body["positions"][0]["user_address"], BOB);
    assert_eq!(body["positions"][0]["amount"], "300000000000000000000");
    assert_eq!(body["positions"][1]["amount"], "1500000000000000000");
    // Limits are capped at api.max_page_size.
    let (_, body) = get(&app, "/api/v1/positions?limit=100000").await;
    assert_eq!(body["limit"], 50);
    let (_, body) = get(&app, "/api/v1/positions?limit=1&offset=1").await;
    assert_eq!(body["positions"][0]["user_address"], ALICE);

    let (s, body) = get(
        &app,
        &format!(
            "/api/v1/positions/{}",
            ALICE.to_uppercase().replace("0X", "0x")
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["level"], 2);
    assert_eq!(body["user_address"], ALICE);

    expect_error(
        &app,
        "/api/v1/positions/0x12",
        StatusCode::BAD_REQUEST,
        "INVALID_ADDRESS",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/positions?level=9",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
}

#[tokio::test]
async fn api_scans() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/scans").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 2);
    assert_eq!(body["scans"][0]["scan_id"], "2");
    assert_eq!(body["scans"][1]["executed_tx"], "0xaa");
    let (_, body) = get(&app, "/api/v1/scans?level=2").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["scans"][0]["total_dead"], "1500000000000000000");

    let (s, body) = get(&app, "/api/v1/scans/1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["level"], 2);
    assert_eq!(body["executed_at"], 2000);

    let (s, body) = get(&app, "/api/v1/scans/1/deaths").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["submissions"][0]["submitter"], BOB);
    assert_eq!(body["submissions"][0]["death_count"], "1");

    expect_error(
        &app,
        "/api/v1/scans/999",
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans/999/deaths",
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans/abc",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans?level=0",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans?limit=0",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans?limit=-1",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/scans?bogus=1",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
}

#[tokio::test]
async fn api_deadpool() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/deadpool/rounds").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 1);
    assert_eq!(body["rounds"][0]["round_id"], "7");
    assert_eq!(body["rounds"][0]["under_pool"], "2000");
    let (_, body) = get(&app, "/api/v1/deadpool/rounds?resolved=true").await;
    assert_eq!(body["total"], 0);
    let (_, body) = get(&app, "/api/v1/deadpool/rounds?resolved=false&level=2").await;
    assert_eq!(body["total"], 1);

    let (s, body) = get(&app, "/api/v1/deadpool/rounds/7").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["round_type_name"], "DEATH_COUNT");

    let (s, body) = get(&app, "/api/v1/deadpool/rounds/7/bets").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["bets"][0]["user_address"], BOB);
    assert_eq!(body["bets"][1]["amount"], "1000");

    let (s, body) = get(&app, &format!("/api/v1/deadpool/bets/{ALICE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["bets"][0]["round_id"], "7");
    assert_eq!(body["bets"][0]["is_over"], true);

    expect_error(
        &app,
        "/api/v1/deadpool/rounds/8",
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/deadpool/rounds/8/bets",
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/deadpool/rounds/x",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/deadpool/rounds?resolved=maybe",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/deadpool/bets/nope",
        StatusCode::BAD_REQUEST,
        "INVALID_ADDRESS",
    )
    .await;
    expect_error(&app, "/api/v1/nothing", StatusCode::NOT_FOUND, "NOT_FOUND").await;
}

#[tokio::test]
async fn api_position_history_and_at_risk() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, &format!("/api/v1/positions/{ALICE}/history")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    // Newest first.
    assert_eq!(body["events"][0]["kind"], "stake_added");
    assert_eq!(body["events"][0]["amount"], "500000000000000000");
    assert_eq!(body["events"][0]["new_total"], "1500000000000000000");
    assert_eq!(body["events"][0]["block_time"], 1500);
    assert_eq!(body["events"][0]["tx_hash"], "0x02");
    assert_eq!(body["events"][1]["kind"], "jacked_in");
    assert_eq!(body["events"][1]["level"], 2);
    let (_, body) = get(&app, &format!("/api/v1/positions/{BOB}/history")).await;
    assert_eq!(body["total"], 0);
    let (_, body) = get(
        &app,
        &format!("/api/v1/positions/{ALICE}/history?limit=1&offset=1"),
    )
    .await;
    assert_eq!(body["events"][0]["kind"], "jacked_in");

    // At risk: array order, slot 0 is culled next; boosts still unexpired
    // at the next scan count.
    let (s, body) = get(&app, "/api/v1/positions/at-risk?level=2").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["next_scan_time"], 4_000_000_000_i64);
    assert_eq!(body["positions"][0]["user_address"], BOB);
    assert_eq!(body["positions"][0]["level_slot"], 0);
    assert_eq!(body["positions"][0]["culled_next"], true);
    assert_eq!(body["positions"][0]["death_reduction_bps"], 0);
    assert_eq!(body["positions"][1]["user_address"], ALICE);
    assert_eq!(body["positions"][1]["culled_next"], false);
    assert_eq!(body["positions"][1]["death_reduction_bps"], 300);
    assert_eq!(body["positions"][1]["amount"], "1500000000000000000");
    let (_, body) = get(&app, "/api/v1/positions/at-risk?level=3").await;
    assert_eq!(body["total"], 0);

    for (uri, code) in [
        ("/api/v1/positions/0xzz/history", "INVALID_ADDRESS"),
        ("/api/v1/positions/at-risk", "INVALID_PARAMETER"),
        ("/api/v1/positions/at-risk?level=6", "INVALID_PARAMETER"),
        (
            "/api/v1/positions/at-risk?level=2&threshold=50",
            "INVALID_PARAMETER",
        ),
    ] {
        expect_error(&app, uri, StatusCode::BAD_REQUEST, code).await;
    }
    expect_error(
        &app,
        &format!("/api/v1/positions/{ALICE}/history?limit=0"),
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
}

#[tokio::test]
async fn api_deaths_and_next_scans() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/deaths").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["deaths"][0]["user_address"], DAVE);
    assert_eq!(body["deaths"][1]["user_address"], CAROL);
    assert_eq!(body["deaths"][1]["amount_lost"], "1500000000000000000");
    assert_eq!(body["deaths"][1]["scan_id"], "1");
    assert_eq!(body["deaths"][1]["ghost_streak_at_death"], 3);
    assert_eq!(body["deaths"][1]["submitter"], BOB);
    let (_, body) = get(&app, "/api/v1/deaths?level=2").await;
    assert_eq!(body["total"], 1);
    let (_, body) = get(&app, &format!("/api/v1/deaths?address={DAVE}")).await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["deaths"][0]["level"], 3);
    let (s, body) = get(&app, &format!("/api/v1/deaths/{CAROL}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["deaths"][0]["block_time"], 2010);
    let (s, body) = get(&app, &format!("/api/v1/deaths/{ALICE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["total"], 0);

    let (s, body) = get(&app, "/api/v1/scans/next").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let levels = body["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    assert_eq!(levels[0]["level"], 2);
    assert_eq!(levels[0]["next_scan_time"], 4_000_000_000_i64);
    assert_eq!(levels[0]["lock_starts_at"], 3_999_999_940_i64);
    assert!(levels[0]["seconds_remaining"].as_i64().unwrap() > 0);
    assert_eq!(levels[0]["last_scan_id"], "1");
    assert_eq!(levels[0]["scan_in_progress"], true);
    assert_eq!(levels[1]["seconds_remaining"], 0);
    let (_, body) = get(&app, "/api/v1/scans/next?level=3").await;
    assert_eq!(body["levels"][0]["scan_interval"], 7200);

    for (uri, code) in [
        ("/api/v1/deaths?level=0", "INVALID_PARAMETER"),
        ("/api/v1/deaths?address=0x1", "INVALID_ADDRESS"),
        ("/api/v1/deaths?since=1", "INVALID_PARAMETER"),
        ("/api/v1/deaths/nope", "INVALID_ADDRESS"),
        ("/api/v1/scans/next?level=6", "INVALID_PARAMETER"),
    ] {
        expect_error(&app, uri, StatusCode::BAD_REQUEST, code).await;
    }
}

#[tokio::test]
async fn api_deadpool_odds() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/deadpool/rounds/7/odds").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total_pot"], "3000");
    assert_eq!(body["rake"], "150");
    assert_eq!(body["payout_pool"], "2850");
    assert_eq!(body["over_odds"], "2.85");
    assert_eq!(body["under_odds"], "1.425");
    assert_eq!(body["under_share"], "0.666666666666666666");
    assert_eq!(body["over_payout_per_data"], "2850000000000000000");
    expect_error(
        &app,
        "/api/v1/deadpool/rounds/8/odds",
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    expect_error(
        &app,
        "/api/v1/deadpool/rounds/-1/odds",
        StatusCode::BAD_REQUEST,
        "INVALID_PARAMETER",
    )
    .await;
}

#[tokio::test]
async fn api_arcade() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/arcade/games").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["games"][0]["game"], HASH_CRASH);
    assert_eq!(body["games"][0]["name"], "HashCrash");
    assert_eq!(body["games"][0]["session_count"], 2);
    assert_eq!(body["games"][0]["total_wagered"], "4000");
    assert_eq!(body["games"][1]["name"], Value::Null);
    assert_eq!(body["games"][1]["paused"], true);

    let (s, body) = get(&app, "/api/v1/arcade/sessions").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(body["sessions"][0]["session_id"], "1000");
    let (_, body) = get(&app, &format!("/api/v1/arcade/sessions?game={HASH_CRASH}")).await;
    assert_eq!(body["total"], 2);
    assert_eq!(body["sessions"][0]["session_id"], "2");
    let (_, body) = get(&app, &format!("/api/v1/arcade/sessions?player={ALICE}")).await;
    assert_eq!(body["total"], 2);
    let (_, body) = get(
        &app,
        &format!("/api/v1/arcade/sessions?player={BOB}&state=settled"),
    )
    .await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["sessions"][0]["gross_total"], "3000");

    let (s, body) = get(&app, "/api/v1/arcade/hashcrash/rounds").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["rounds"][0]["round_id"], "2");
    let (_, body) = get(&app, "/api/v1/arcade/hashcrash/rounds?state=settled").await;
    assert_eq!(body["total"], 1);
    let (s, body) = get(&app, "/api/v1/arcade/hashcrash/rounds/1").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["round"]["crash_multiplier"], 250);
    assert_eq!(body["round"]["seed"], "123456789012345678901234567890");
    assert_eq!(body["round"]["hash_crash"], HASH_CRASH);
    assert_eq!(body["bets"][0]["player"], BOB);
    assert_eq!(body["bets"][0]["result"], "lost");
    assert_eq!(body["bets"][1]["payout"], "1940");
    let (s, _) = get(
        &app,
        &format!("/api/v1/arcade/hashcrash/rounds/1?hash_crash={HASH_CRASH}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, body) = get(&app, "/api/v1/arcade/duels").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 2);
    assert_eq!(body["duels"][0]["match_id"], "1001");
    let (_, body) = get(&app, &format!("/api/v1/arcade/duels?player={ALICE}")).await;
    assert_eq!(body["total"], 1);
    let (s, body) = get(&app, "/api/v1/arcade/duels/1000").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["winner"], ALICE);
    assert_eq!(body["stake"], "50000000000000000000");
    assert_eq!(body["duel_escrow"], DUEL_ESCROW);

    let (s, body) = get(&app, &format!("/api/v1/arcade/dailyops/{ALICE}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["streaks"][0]["current_streak"], 8);
    assert_eq!(
        body["streaks"][0]["total_claimed"],
        "1500000000000000000000"
    );
    assert_eq!(body["badges"][0]["badge_name"], "WEEK_WARRIOR");
    assert_eq!(body["badges"][0]["badge_id"], "0x07");
    let (_, body) = get(&app, &format!("/api/v1/arcade/dailyops/{BOB}")).await;
    assert_eq!(body["streaks"], serde_json::json!([]));

    for uri in [
        "/api/v1/arcade/hashcrash/rounds/99",
        "/api/v1/arcade/duels/99",
    ] {
        expect_error(&app, uri, StatusCode::NOT_FOUND, "NOT_FOUND").await;
    }
    let other = "0x00000000000000000000000000000000000000ff";
    expect_error(
        &app,
        &format!("/api/v1/arcade/hashcrash/rounds/1?hash_crash={other}"),
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
    )
    .await;
    for (uri, code) in [
        ("/api/v1/arcade/games?game=1", "INVALID_PARAMETER"),
        ("/api/v1/arcade/sessions?state=open", "INVALID_PARAMETER"),
        ("/api/v1/arcade/sessions?player=0x12", "INVALID_ADDRESS"),
        (
            "/api/v1/arcade/hashcrash/rounds?state=won",
            "INVALID_PARAMETER",
        ),
        ("/api/v1/arcade/hashcrash/rounds/x", "INVALID_PARAMETER"),
        ("/api/v1/arcade/duels?player=bob", "INVALID_ADDRESS"),
        ("/api/v1/arcade/duels/1.5", "INVALID_PARAMETER"),
        ("/api/v1/arcade/dailyops/0x00", "INVALID_ADDRESS"),
    ] {
        expect_error(&app, uri, StatusCode::BAD_REQUEST, code).await;
    }
}

#[tokio::test]
async fn api_stats() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/stats").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["tvl"], "301500000000000000000");
    assert_eq!(body["alive_positions"], 2);
    assert_eq!(body["deaths"], 2);
    assert_eq!(body["total_lost"], "1500000000000000007");
    assert_eq!(body["scans"], 2);
    assert_eq!(body["reset_epoch"], 1);
    assert_eq!(body["deadpool_volume"], "3000");
    assert_eq!(body["arcade_sessions"], 3);
    assert_eq!(body["arcade_volume"], "4050");
    assert_eq!(body["tokens"][0]["token_address"], TOKEN);
    assert_eq!(body["tokens"][0]["total_burned"], "45");

    let (s, body) = get(&app, "/api/v1/stats/levels").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["levels"][0]["level"], 2);
    assert_eq!(body["levels"][0]["total_staked"], "301500000000000000000");
    assert_eq!(body["levels"][0]["dead_amount"], "1500000000000000000");

    let (s, body) = get(&app, "/api/v1/stats/tvl?level=2").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["interval"], "hour");
    assert_eq!(body["buckets"][0]["bucket"], 0);
    assert_eq!(body["buckets"][0]["deposited"], "1500000000000000000");
    assert_eq!(body["buckets"][0]["died"], "1500000000000000000");
    assert_eq!(body["buckets"][0]["tvl"], "0");
    let (_, body) = get(&app, "/api/v1/stats/tvl?interval=day&level=3").await;
    assert_eq!(body["buckets"][0]["tvl"], "-7");
    let (_, body) = get(&app, "/api/v1/stats/tvl?interval=day&from=1").await;
    assert!(
        body["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["level"] == 1),
        "{body}"
    );

    let (s, body) = get(&app, "/api/v1/stats/burns").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["tokens"][0]["dead_burned"], "30");
    assert_eq!(body["buckets"][0]["bucket"], 172_800);
    assert_eq!(body["buckets"][0]["total_burned"], "40");
    assert_eq!(body["buckets"][0]["tax_burned"], "10");
    assert_eq!(body["buckets"][1]["supply_burned"], "5");
    let (_, body) = get(&app, "/api/v1/stats/burns?interval=month").await;
    assert_eq!(body["buckets"][0]["total_burned"], "45");
    let (_, body) = get(&app, "/api/v1/stats/burns?from=200000").await;
    assert_eq!(body["buckets"].as_array().unwrap().len(), 1);

    let (s, body) = get(&app, "/api/v1/stats/deaths").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["buckets"][0]["level"], 2);
    assert_eq!(body["buckets"][0]["deaths"], 1);
    assert_eq!(body["buckets"][0]["amount_lost"], "1500000000000000000");
    let (_, body) = get(&app, "/api/v1/stats/deaths?interval=week&level=3").await;
    assert_eq!(body["buckets"][0]["amount_lost"], "7");

    for (uri, code) in [
        ("/api/v1/stats?x=1", "INVALID_PARAMETER"),
        ("/api/v1/stats/tvl?interval=week", "INVALID_PARAMETER"),
        ("/api/v1/stats/tvl?from=yesterday", "INVALID_PARAMETER"),
        ("/api/v1/stats/burns?interval=hour", "INVALID_PARAMETER"),
        ("/api/v1/stats/deaths?level=9", "INVALID_PARAMETER"),
        ("/api/v1/stats/levels?level=1", "INVALID_PARAMETER"),
    ] {
        expect_error(&app, uri, StatusCode::BAD_REQUEST, code).await;
    }
}

#[tokio::test]
async fn api_leaderboards() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/leaderboards/streak").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["entries"][0]["rank"], 1);
    assert_eq!(body["entries"][0]["user_address"], ALICE);
    assert_eq!(body["entries"][0]["score"], "4");
    assert_eq!(body["entries"][0]["level"], 2);
    assert_eq!(body["entries"][1]["user_address"], BOB);

    let (_, body) = get(&app, "/api/v1/leaderboards/survivors").await;
    assert_eq!(body["entries"][0]["user_address"], ALICE);
    assert_eq!(body["entries"][0]["score"], "1000");

    let (_, body) = get(&app, "/api/v1/leaderboards/earnings").await;
    assert_eq!(body["entries"][0]["user_address"], EVE);
    assert_eq!(body["entries"][0]["score"], "5");
    assert_eq!(body["entries"][1]["user_address"], FRANK);
    let (_, body) = get(&app, "/api/v1/leaderboards/earnings?period=day").await;
    assert_eq!(body["entries"].as_array().unwrap().len(), 1);
    assert_eq!(body["entries"][0]["user_address"], FRANK);
    let (_, body) = get(&app, "/api/v1/leaderboards/earnings?period=week&offset=1").await;
    assert_eq!(body["entries"][0]["rank"], 2);

    let (_, body) = get(&app, "/api/v1/leaderboards/losses").await;
    assert_eq!(body["entries"][0]["user_address"], CAROL);
    assert_eq!(body["entries"][0]["score"], "1500000000000000000");
    assert_eq!(body["entries"][0]["count"], 1);
    assert_eq!(body["entries"][1]["user_address"], GRACE);
    assert_eq!(body["entries"][2]["user_address"], DAVE);
    let (_, body) = get(&app, "/api/v1/leaderboards/losses?period=week").await;
    assert_eq!(body["entries"][0]["user_address"], GRACE);
    assert_eq!(body["entries"][0]["score"], "100");

    for uri in [
        "/api/v1/leaderboards/whales",
        "/api/v1/leaderboards/losses?period=month",
        "/api/v1/leaderboards/streak?period=day",
        "/api/v1/leaderboards/earnings?limit=0",
    ] {
        expect_error(&app, uri, StatusCode::BAD_REQUEST, "INVALID_PARAMETER").await;
    }
}

#[tokio::test]
async fn api_cors_and_body_limit() {
    let (_db, app) = app_with(ApiConfig {
        cors_origins: vec!["https://a.example".to_owned()],
        max_body_bytes: 16,
        ..ApiConfig::default()
    })
    .await;
    let call = |req: axum::http::request::Builder, body: &'static str| {
        let app = app.clone();
        async move {
            app.oneshot(req.body(Body::from(body)).unwrap())
                .await
                .unwrap()
        }
    };
    let allowed = call(
        Request::get("/api/v1/stats/levels").header("origin", "https://a.example"),
        "",
    )
    .await;
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    let other = call(
        Request::get("/api/v1/stats/levels").header("origin", "https://b.example"),
        "",
    )
    .await;
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = call(
        Request::options("/api/v1/positions")
            .header("origin", "https://a.example")
            .header("access-control-request-method", "GET"),
        "",
    )
    .await;
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://a.example"
    );
    // A declared body over api.max_body_bytes: 413 before the handler.
    let big = call(
        Request::get("/api/v1/stats").header("content-length", "17"),
        "01234567890123456",
    )
    .await;
    assert_eq!(big.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value =
        serde_json::from_slice(&big.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");

    // Any origin with ["*"]; none without cors_origins.
    let (_db2, any) = app_with(ApiConfig {
        cors_origins: vec!["*".to_owned()],
        ..ApiConfig::default()
    })
    .await;
    let r = any
        .oneshot(
            Request::get("/api/v1/stats/levels")
                .header("origin", "https://c.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let (_db3, none) = self::app().await;
    let r = none
        .oneshot(
            Request::get("/api/v1/stats/levels")
                .header("origin", "https://a.example")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn api_openapi_document_lists_every_route() {
    let (_db, app) = app().await;
    let (s, body) = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    // WRAITH_OPENAPI_OUT=<file>: keep the document for external
    // validators (openapi-spec-validator, schemathesis).
    if let Ok(out) = std::env::var("WRAITH_OPENAPI_OUT") {
        std::fs::write(out, serde_json::to_vec_pretty(&body).unwrap()).unwrap();
    }
    // A valid OpenAPI 3 document: it parses into utoipa's model.
    let doc: utoipa::openapi::OpenApi = serde_json::from_value(body.clone()).unwrap();
    assert!(
        body["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        body["openapi"]
    );
    assert!(!doc.info.title.is_empty());
    // Exactly the /api/v1 routes the router serves.
    let documented: std::collections::BTreeSet<String> = doc.paths.paths.keys().cloned().collect();
    let served: std::collections::BTreeSet<String> = wraith_host::api::api_v1_paths()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(documented, served);
    // Every operation answers 200; every $ref resolves.
    let schemas = body["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&body, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "unresolved {r}");
    }
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in body["paths"].as_object().unwrap() {
        let op = &item["get"];
        assert!(op["responses"]["200"].is_object(), "{path}");
        assert!(
            operation_ids.insert(op["operationId"].as_str().unwrap().to_owned()),
            "{path}: duplicate operationId {}",
            op["operationId"]
        );
        // Path parameters are declared.
        for seg in path.split('/').filter(|s| s.starts_with('{')) {
            let name = seg.trim_matches(['{', '}']);
            assert!(
                op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path")),
                "{path}: {name}"
            );
        }
        // Every documented route answers (no 404 from the fallback).
        let uri = path
            .replace("{address}", ALICE)
            .replace("{scan_id}", "1")
            .replace("{round_id}", "7")
            .replace("{match_id}", "1000")
            .replace("{kind}", "streak");
        let uri = if path.contains("hashcrash/rounds/{round_id}") {
            uri.replace("/7", "/1")
        } else {
            uri
        };
        let uri = if uri.ends_with("at-risk") {
            format!("{uri}?level=2")
        } else {
            uri
        };
        let response = app
            .clone()
            .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
    }

    let response = app
        .clone()
        .oneshot(Request::get("/api/v1/docs").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.into_body().collect().await.unwrap().to_bytes();
    let html = String::from_utf8(html.to_vec()).unwrap();
    assert!(
        html.contains("openapi.json") && !html.contains("https://"),
        "self-contained"
    );
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "$ref" {
                    out.extend(v.as_str().map(str::to_owned));
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn api_rate_limits_per_ip_and_per_key() {
    let db = TestDb::create().await.unwrap();
    let pool = db.pool().await.unwrap();
    PgSink::migrate(&pool).await.unwrap();
    let limiter = Arc::new(wraith_host::api::limits::RateLimiter::new(
        2,
        3,
        ["k1".to_owned()].into_iter().collect(),
    ));
    let app = router(ApiState {
        pool,
        status: Arc::new(Status::new(31337)),
        config: ApiConfig::default(),
        admin: None,
        max_component_bytes: 1 << 20,
        ws: None,
        limiter: Some(limiter.clone()),
        read_cache: None,
    });
    let call = |key: Option<&'static str>| {
        let app = app.clone();
        async move {
            let mut req = Request::get("/api/v1/positions?level=1");
            if let Some(k) = key {
                req = req.header("x-api-key", k);
            }
            app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
        }
    };
    // Per IP: two, then 429 with Retry-After and the stable code.
    for _ in 0..2 {
        assert_eq!(call(None).await.status(), StatusCode::OK);
    }
    let refused = call(None).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    let body: Value =
        serde_json::from_slice(&refused.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(body["error"]["code"], "RATE_LIMITED");
    assert_eq!(body["error"]["retry_after_secs"], retry);
    // A valid key has its own, larger bucket; an unknown key is refused.
    for _ in 0..3 {
        assert_eq!(call(Some("k1")).await.status(), StatusCode::OK);
    }
    assert_eq!(
        call(Some("k1")).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(call(Some("nope")).await.status(), StatusCode::UNAUTHORIZED);
    // Status and health are never limited.
    let status = app
        .clone()
        .oneshot(Request::get("/api/v1/status").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(status.status(), StatusCode::OK);
    // A live change (reload) takes effect at once: 0 = unlimited.
    limiter.set_limits(0, 0);
    assert_eq!(call(None).await.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_read_cache_serves_one_block_and_drops_everything_when_the_next_commits() {
    let db = TestDb::create().await.unwrap();
    let pool = db.pool().await.unwrap();
    PgSink::migrate(&pool).await.unwrap();
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let status = Arc::new(Status::new(31337));
    let at = |n: u64| {
        let s = status.clone();
        move || {
            s.update(|d| {
                d.indexed = Some(n);
                d.indexed_hash = Some(format!("0x{n:064x}"));
            });
        }
    };
    let app = router(ApiState {
        pool: pool.clone(),
        status: status.clone(),
        config: ApiConfig::default(),
        admin: None,
        max_component_bytes: 1 << 20,
        ws: None,
        limiter: None,
        read_cache: Some(Arc::new(wraith_host::api::cache::ReadCache::new(16))),
    });
    let fetch = |uri: &'static str| {
        let app = app.clone();
        async move {
            let r = app
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let cache = r
                .headers()
                .get("x-wraith-cache")
                .map(|v| v.to_str().unwrap().to_owned());
            let block = r
                .headers()
                .get("x-wraith-block-number")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value =
                serde_json::from_slice(&r.into_body().collect().await.unwrap().to_bytes()).unwrap();
            (cache, block, body)
        }
    };
    let uri = "/api/v1/positions/0x00000000000000000000000000000000000000a1";
    // Nothing committed yet: no cache.
    assert_eq!(fetch(uri).await.0, None);
    at(10)();
    let (c, b, first) = fetch(uri).await;
    assert_eq!((c.as_deref(), b.as_deref()), (Some("miss"), Some("10")));
    // The row changes in the database, but block 10 is still the last
    // committed one: the cached answer is served.
    sqlx::query("UPDATE positions SET amount = 7 WHERE user_address = $1")
        .bind(hex::decode(&uri[uri.len() - 40..]).unwrap())
        .execute(&pool)
        .await
        .unwrap();
    let (c, _, again) = fetch(uri).await;
    assert_eq!(c.as_deref(), Some("hit"));
    assert_eq!(again, first);
    // Block 11 commits: everything cached is dropped.
    at(11)();
    let (c, b, fresh) = fetch(uri).await;
    assert_eq!((c.as_deref(), b.as_deref()), (Some("miss"), Some("11")));
    assert_ne!(fresh, first);
    assert!(fresh.to_string().contains("\"7\""), "{fresh}");
    // Errors and clock-dependent routes are never cached.
    let bad = "/api/v1/positions/0x12";
    assert_eq!(fetch(bad).await.0, None);
    assert_eq!(fetch(bad).await.0, None);
    assert_eq!(fetch("/api/v1/scans/next?level=1").await.0, None);
}
