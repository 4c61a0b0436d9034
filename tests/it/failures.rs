//! Bad input and failing dependencies: clear errors, retries, nothing
//! half-written, never a crash loop.

use std::process::Command;
use std::time::Duration;

use alloy::primitives::{B256, Bytes};
use alloy::sol;
use alloy::sol_types::{SolEvent, SolValue};
use wraith_tests::ghostnet::{IGhostCore, data};
use wraith_tests::{Anvil, Host, HostOptions, TestDb, free_port, ghostnet, paths, wait_until};

use crate::common;

sol! {
    interface IRawLogEmitter {
        function emitLog(bytes32[] topics, bytes data) external;
    }
    event JackedIn(address indexed user, uint256 amount, uint8 indexed level, uint256 newTotal);
}

#[test]
fn given_an_unknown_config_key_should_exit_2_naming_it_before_doing_anything() {
    let dir = std::env::temp_dir().join(format!("wraith-badcfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "[chain]\nrpc_htp = [\"http://127.0.0.1:1\"]\n").unwrap();
    let out = Command::new(paths::wraith_bin().unwrap())
        .arg("--config")
        .arg(&cfg)
        .arg("run")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("chain.rpc_htp") && err.contains("unknown field"),
        "{err}"
    );

    std::fs::write(&cfg, "[log]\nformat = \"xml\"\n").unwrap();
    let out = Command::new(paths::wraith_bin().unwrap())
        .arg("--config")
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("log.format") && err.contains("pretty") && err.contains("json"),
        "{err}"
    );

    let out = Command::new(paths::wraith_bin().unwrap())
        .arg("--config")
        .arg(dir.join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_an_unreachable_rpc_when_it_comes_up_should_retry_and_index() {
    let port = free_port().unwrap();
    let db = TestDb::create().await.unwrap();
    let rpc = format!("http://127.0.0.1:{port}");
    // The address is only known after deployment; anvil's deployments are
    // deterministic, so deploy once on a scratch chain to learn it.
    let scratch = Anvil::start(4).await.unwrap();
    let expected = ghostnet::deploy_core(&scratch).await.unwrap();
    drop(scratch);
    let mut host = Host::start(&HostOptions::new(
        &rpc,
        &db.url,
        vec![common::ghost_core_handler(expected.ghost_core)],
    ))
    .await
    .unwrap();
    let status = wait_until("the rpc error to show", Duration::from_secs(20), || async {
        let s = host.status().await?;
        Ok((s["rpc"]["ok"] == false
            && s["rpc"]["error"].as_str().is_some_and(|e| e.contains(&rpc)))
        .then_some(s))
    })
    .await
    .unwrap();
    assert!(status["indexed_block"].is_null());
    let (code, ready) = host.get("/health/ready").await.unwrap();
    assert_eq!(code, 503, "{ready}");
    assert_eq!(ready["checks"]["rpc"]["ok"], false);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        host.is_running(),
        "the host must keep retrying, not exit:\n{}",
        host.log()
    );

    let anvil = Anvil::start_with(port, 4, 31337).await.unwrap();
    let core = ghostnet::deploy_core(&anvil).await.unwrap();
    assert_eq!(core.ghost_core, expected.ghost_core);
    anvil
        .send(
            core.players[0],
            core.ghost_core,
            IGhostCore::jackInCall {
                amount: data(11),
                level: 1,
            },
        )
        .await
        .unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();
    let (code, body) = host
        .get(&format!("/api/v1/positions/{:#x}", core.players[0]))
        .await
        .unwrap();
    assert_eq!(
        (code, body["amount"].as_str()),
        (200, Some(data(11).to_string().as_str()))
    );
    let s = host.status().await.unwrap();
    assert_eq!(s["rpc"]["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_node_on_the_wrong_chain_should_refuse_to_index_and_say_why() {
    let port = free_port().unwrap();
    let anvil = Anvil::start_with(port, 4, 999).await.unwrap();
    let core = ghostnet::deploy_core(&anvil).await.unwrap();
    anvil
        .send(
            core.players[0],
            core.ghost_core,
            IGhostCore::jackInCall {
                amount: data(11),
                level: 1,
            },
        )
        .await
        .unwrap();
    let db = TestDb::create().await.unwrap();
    let mut host = Host::start(&HostOptions::new(
        &anvil.url,
        &db.url,
        vec![common::ghost_core_handler(core.ghost_core)],
    ))
    .await
    .unwrap();
    let fatal = wait_until(
        "the wrong chain to be reported",
        Duration::from_secs(20),
        || async {
            let s = host.status().await?;
            Ok(s["fatal"].as_str().map(str::to_owned))
        },
    )
    .await
    .unwrap();
    assert!(
        fatal.contains("chain id 999") && fatal.contains("31337"),
        "{fatal}"
    );
    let (code, _) = host.get("/health/ready").await.unwrap();
    assert_eq!(code, 503);
    assert!(host.is_running());
    let pool = db.pool().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    let checkpoints: i64 = sqlx::query_scalar("SELECT count(*) FROM wraith_checkpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        (rows, checkpoints),
        (0, 0),
        "nothing is written for the wrong chain"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_log_that_does_not_decode_should_record_it_and_index_the_rest() {
    let (anvil, core) = common::chain(2).await;
    let (_, code) = paths::contract("RawLogEmitter").unwrap();
    let emitter = anvil.deploy(core.admin, code).await.unwrap();
    let db = TestDb::create().await.unwrap();
    let mut spec = common::ghost_core_handler(core.ghost_core);
    spec.contracts = vec![("GhostCore".into(), vec![core.ghost_core, emitter])];
    let host = Host::start(&HostOptions::new(&anvil.url, &db.url, vec![spec]))
        .await
        .unwrap();
    let pool = db.pool().await.unwrap();

    // JackedIn's topic0 with a truncated body: it cannot decode.
    let topics = vec![
        JackedIn::SIGNATURE_HASH,
        core.players[0].into_word(),
        B256::with_last_byte(1),
    ];
    let bad = anvil
        .send(
            core.admin,
            emitter,
            IRawLogEmitter::emitLogCall {
                topics,
                data: Bytes::from(vec![1u8; 10]),
            },
        )
        .await
        .unwrap();
    // A well-formed one from the same emitter decodes and is indexed.
    let good_topics = vec![
        JackedIn::SIGNATURE_HASH,
        core.players[1].into_word(),
        B256::with_last_byte(2),
    ];
    let body = (data(30), data(30)).abi_encode_params();
    anvil
        .send(
            core.admin,
            emitter,
            IRawLogEmitter::emitLogCall {
                topics: good_topics,
                data: body.into(),
            },
        )
        .await
        .unwrap();
    anvil
        .send(
            core.players[0],
            core.ghost_core,
            IGhostCore::jackInCall {
                amount: data(12),
                level: 1,
            },
        )
        .await
        .unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), common::CATCH_UP)
        .await
        .unwrap();

    let failures: Vec<(String, String, i64, Vec<u8>, i32, String)> = sqlx::query_as(
        "SELECT handler, kind, block_number, tx_hash, log_index, error FROM wraith_failures",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (handler, kind, block, tx, log_index, error) = &failures[0];
    assert_eq!((handler.as_str(), kind.as_str()), ("ghost-core", "decode"));
    assert_eq!(*block as u64, bad.block_number.unwrap());
    assert_eq!(tx.as_slice(), bad.transaction_hash.as_slice());
    assert_eq!(*log_index, 0);
    assert!(
        error.contains("does not decode as JackedIn(address,uint256,uint8,uint256)"),
        "{error}"
    );
    let amounts: Vec<(Vec<u8>, String)> =
        sqlx::query_as("SELECT user_address, amount::text FROM positions ORDER BY amount")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        amounts,
        vec![
            (core.players[0].to_vec(), data(12).to_string()),
            (core.players[1].to_vec(), data(30).to_string())
        ]
    );
    assert_eq!(
        host.status().await.unwrap()["handlers"][0]["state"],
        "running"
    );
}
