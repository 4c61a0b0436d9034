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
INSERT INTO deadpool_bets (round_id, user_address, amount, is_over, bet_count, first_bet_block,
    updated_at_block)
VALUES (7, '\x00000000000000000000000000000000000000a1', 1000, true, 1, 40, 40),
       (7, '\x00000000000000000000000000000000000000b2', 2000, false, 1, 41, 41);
";

async fn app() -> (TestDb, Router) {
    let db = TestDb::create().await.unwrap();
    let pool = db.pool().await.unwrap();
    PgSink::migrate(&pool).await.unwrap();
    sqlx::raw_sql(SEED).execute(&pool).await.unwrap();
    let config = ApiConfig {
        max_page_size: 50,
        ..ApiConfig::default()
    };
    let state = ApiState {
        pool,
        status: Arc::new(Status::new(31337)),
        config,
        admin: None,
        max_component_bytes: 1 << 20,
        ws: None,
        limiter: None,
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
