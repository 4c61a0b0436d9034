//! The sandbox: a handler that traps, loops forever, exhausts its memory or
//! implements the wrong world cannot stop the host or the other handlers;
//! failures are parked (`halt`) or dead-lettered (`skip`) as configured.

use std::process::Command;

use wraith_tests::{Host, HostOptions, TestDb, paths, wait_until};

use crate::common;

fn handler(status: &serde_json::Value, name: &str) -> serde_json::Value {
    status["handlers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_handlers_that_trap_loop_and_exhaust_memory_should_park_or_skip_and_keep_the_others()
{
    let (anvil, core) = common::chain(3).await;
    let db = TestDb::create().await.unwrap();
    let gc = core.ghost_core;
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![
            common::ghost_core_handler(gc),
            common::fixture("fixture-traps", "fixture_traps.wasm", gc),
            common::fixture("fixture-infinite-loop", "fixture_infinite_loop.wasm", gc),
            common::fixture("fixture-oom", "fixture_oom.wasm", gc),
        ],
    );
    opts.handler_keys = vec![("fixture-traps".into(), "on_failure = \"skip\"".into())];
    opts.runtime_keys = "call_timeout_ms = 400\nmemory_limit_mib = 64\n".into();
    let host = Host::start(&opts).await.unwrap();
    let pool = db.pool().await.unwrap();
    let [p, q, r] = core.players[..3] else {
        panic!()
    };
    let first = common::jack_in(&anvil, gc, p, 20, 1).await;
    let trap_block = common::jack_in(&anvil, gc, q, 300, 5).await;
    let last = common::jack_in(&anvil, gc, r, 30, 2).await;

    let status = wait_until(
        "ghost-core and the skipping handler to reach the last block",
        common::CATCH_UP,
        || async {
            let s = host.status().await?;
            let done = ["ghost-core", "fixture-traps"]
                .iter()
                .all(|n| handler(&s, n)["checkpoint"].as_u64() == Some(last))
                && ["fixture-infinite-loop", "fixture-oom"]
                    .iter()
                    .all(|n| handler(&s, n)["state"] == "halted");
            Ok(done.then_some(s))
        },
    )
    .await
    .unwrap();
    // ghost-core indexed everything.
    let positions: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(positions, 3);
    // skip: the level-5 log is dead-lettered, the others are published.
    let traps = handler(&status, "fixture-traps");
    assert_eq!(traps["state"], "running", "{traps}");
    let skipped: Vec<(String, String, i64, i32)> = sqlx::query_as(
        "SELECT kind, action, block_number, log_index FROM wraith_failures WHERE handler = 'fixture-traps'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        skipped,
        vec![(
            "trap".to_owned(),
            "skipped".to_owned(),
            trap_block as i64,
            0
        )]
    );
    let msgs: Vec<i64> = sqlx::query_scalar(
        "SELECT block_number FROM wraith_outbox WHERE stream_name = 'fixture.traps' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(msgs, vec![first as i64, last as i64]);
    // halt: parked at the first event, with the reason.
    let looping = handler(&status, "fixture-infinite-loop");
    assert_eq!(looping["error"]["block_number"], first);
    assert!(
        looping["error"]["message"]
            .as_str()
            .unwrap()
            .contains("exceeded its time budget of 400 ms"),
        "{looping}"
    );
    let oom = handler(&status, "fixture-oom");
    assert_eq!(oom["error"]["block_number"], first);
    assert!(
        oom["error"]["message"]
            .as_str()
            .unwrap()
            .contains("trapped"),
        "{oom}"
    );
    let halted: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT handler, kind, action FROM wraith_failures WHERE handler IN ('fixture-infinite-loop', 'fixture-oom') ORDER BY handler",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        halted,
        vec![
            (
                "fixture-infinite-loop".into(),
                "deadline".into(),
                "halted".into()
            ),
            ("fixture-oom".into(), "trap".into(), "halted".into())
        ]
    );
}

#[test]
fn given_a_component_of_another_world_should_refuse_to_start_and_say_why() {
    let dir = std::env::temp_dir().join(format!("wraith-wrongworld-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("w.toml");
    let wasm = paths::repo_root().join("tests/fixtures/dist/fixture_wrong_world.wasm");
    std::fs::write(
        &cfg,
        format!(
            "[[handlers]]\nname = \"fixture-wrong-world\"\ncomponent = {:?}\n[handlers.contracts]\nX = [\"0x0000000000000000000000000000000000000001\"]\n",
            wasm.display().to_string()
        ),
    )
    .unwrap();
    let out = Command::new(paths::wraith_bin().unwrap())
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not export the wraith:handler/handler@0.1.0 world"),
        "{err}"
    );
}
