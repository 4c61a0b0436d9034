//! The CLI a handler author and an operator use: `new handler` scaffolds a
//! crate that builds and indexes an ERC-20 on anvil; `replay` prints the
//! outputs the handler produced live; `backfill` indexes a range and stops;
//! `handlers list|swap|reindex` drive a running host.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, U256};
use alloy::sol;
use alloy::sol_types::SolValue;
use serde_json::Value;
use sqlx::Row;
use wraith_tests::host::HandlerSpec;
use wraith_tests::{Anvil, Host, HostOptions, TestDb, ghostnet, paths};

use crate::common::{self, CATCH_UP};

sol! {
    interface IErc20 {
        function transfer(address to, uint256 value) external returns (bool);
    }
}

const TOKEN: &str = "cli-test-admin-token";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A workspace like this repository's, with only the SDK as a member (so
/// scaffolding into it never touches the checkout).
fn scratch_workspace() -> PathBuf {
    let root = paths::repo_root();
    let dir = std::env::temp_dir().join(format!("wraith-it-scaffold-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ws = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let start = ws.find("members = [").unwrap();
    let end = start + ws[start..].find(']').unwrap() + 1;
    let text = format!(
        "{}members = [\n    \"handlers/sdk\",\n]{}",
        &ws[..start],
        &ws[end..]
    );
    let text: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("default-members"))
        .collect();
    std::fs::write(dir.join("Cargo.toml"), text.join("\n") + "\n").unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    copy_dir(&root.join("handlers/sdk"), &dir.join("handlers/sdk"));
    copy_dir(&root.join("wit"), &dir.join("wit"));
    dir
}

/// `wraith <args>` without a configuration; exit code, stdout, stderr.
fn wraith(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(paths::wraith_bin().unwrap())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Build the scaffolded crate the way `make handlers` does.
fn build_component(workspace: &Path, krate: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| workspace.join("target"),
        |t| PathBuf::from(t).join("scaffold-it"),
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "build",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "wasm",
            "-p",
            krate,
        ])
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the scaffolded crate does not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join(format!(
        "wasm32-wasip2/wasm/{}.wasm",
        krate.replace('-', "_")
    ))
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_an_erc20_abi_when_scaffolded_should_build_index_transfers_and_replay_them() {
    let ws = scratch_workspace();
    let abi = paths::repo_root().join("contracts/out/TestToken.json");
    let ws_arg = ws.display().to_string();
    let abi_arg = abi.display().to_string();

    // Bad input first: a bad name and a missing ABI are refused, nothing
    // is written.
    let (code, _, err) = wraith(&[
        "new", "handler", "Bad_Name", "--abi", &abi_arg, "--root", &ws_arg,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("invalid handler name"), "{err}");
    let (code, _, err) = wraith(&[
        "new",
        "handler",
        "erc20",
        "--abi",
        "/nonexistent.json",
        "--root",
        &ws_arg,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot use the ABI /nonexistent.json"),
        "{err}"
    );
    assert!(!ws.join("handlers/erc20").exists());

    let (code, out, err) = wraith(&[
        "new",
        "handler",
        "erc20",
        "--abi",
        &abi_arg,
        "--contract",
        "TestToken",
        "--root",
        &ws_arg,
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("TestToken = [\"0x…\"]"), "{out}");
    assert!(
        out.contains(
            "erc20_transfer event Transfer(address indexed from, address indexed to, uint256 value)"
        ),
        "{out}"
    );
    assert!(out.contains("[[handlers]]\nname = \"erc20\""), "{out}");
    let members = std::fs::read_to_string(ws.join("Cargo.toml")).unwrap();
    assert!(members.contains("\"handlers/erc20\""), "{members}");
    let migration = std::fs::read_dir(ws.join("migrations"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    assert_eq!(migration.len(), 1);
    assert!(migration[0].ends_with("_erc20.sql"), "{migration:?}");
    // Scaffolding twice does not overwrite anything.
    let (code, _, err) = wraith(&[
        "new", "handler", "erc20", "--abi", &abi_arg, "--root", &ws_arg,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");

    let component = build_component(&ws, "erc20-handler");

    // A real OpenZeppelin ERC-20 on anvil: the mint, then two transfers.
    let anvil = Anvil::start(3).await.unwrap();
    let [owner, alice, bob] = anvil.accounts[..3] else {
        panic!()
    };
    let (_, mut code) = paths::contract("TestToken").unwrap();
    let supply = U256::from(10u64).pow(U256::from(24u64));
    code.extend(supply.abi_encode());
    let token = anvil.deploy(owner, code).await.unwrap();
    let odd = U256::from(123_456_789_000_000_000_123u128);
    anvil
        .send(
            owner,
            token,
            IErc20::transferCall {
                to: alice,
                value: odd,
            },
        )
        .await
        .unwrap();
    let r = anvil
        .send(
            alice,
            token,
            IErc20::transferCall {
                to: bob,
                value: U256::from(7u64),
            },
        )
        .await
        .unwrap();
    let transfer_block = r.block_number.unwrap();

    let db = TestDb::create().await.unwrap();
    let mut opts = HostOptions::new(
        &anvil.url,
        &db.url,
        vec![HandlerSpec {
            name: "erc20".into(),
            component,
            contracts: vec![("TestToken".into(), vec![token])],
            start_block: 0,
        }],
    );
    opts.extra = format!(
        "[database]\nmigrations_dir = {:?}\n",
        ws.join("migrations").display().to_string()
    );
    opts.env = vec![("WRAITH_ADMIN_TOKEN".into(), TOKEN.into())];
    let host = Host::start(&opts).await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), CATCH_UP)
        .await
        .unwrap();

    let pool = db.pool().await.unwrap();
    let rows = sqlx::query(
        "SELECT from_, to_, value::text AS value, contract, block_number FROM erc20_transfer
         ORDER BY block_number, log_index",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    type Transfer = (Vec<u8>, Vec<u8>, String, Vec<u8>);
    let got: Vec<Transfer> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let addr = |a: Address| a.to_vec();
    assert_eq!(
        got,
        vec![
            (
                addr(Address::ZERO),
                addr(owner),
                supply.to_string(),
                addr(token)
            ),
            (addr(owner), addr(alice), odd.to_string(), addr(token)),
            (addr(alice), addr(bob), "7".to_owned(), addr(token)),
        ]
    );

    // Replay the last transfer's block: the outputs the handler produced
    // live, with the same digest.
    let (code, out, err) = host
        .cli(&[
            "replay",
            "--block",
            &transfer_block.to_string(),
            "--handler",
            "erc20",
        ])
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert_eq!(report["block_number"], transfer_block);
    assert_eq!(report["state"], "as_of_parent");
    let h = &report["handlers"][0];
    assert_eq!(h["handler"], "erc20");
    assert_eq!(h["events"], 1);
    assert_eq!(h["matches_live"], true, "{h}");
    assert_eq!(h["digest"], h["live_digest"]);
    let output = &h["outputs"][0];
    assert_eq!(output["op"], "insert");
    assert_eq!(output["table"], "erc20_transfer");
    assert_eq!(output["row"]["value"], "7");
    assert_eq!(output["row"]["from_"], format!("{alice:#x}"));
    assert_eq!(output["row"]["block_number"], transfer_block);
    // Nothing was written by the replay.
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM erc20_transfer")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 3);
    // Unknown handler: a clear error.
    let (code, _, err) = host
        .cli(&["replay", "--block", "1", "--handler", "nope"])
        .await
        .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("no handler named \"nope\""), "{err}");

    // handlers list / reindex through the admin API.
    let (code, out, err) = host.cli(&["handlers", "list"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("erc20")).unwrap();
    assert!(line.contains("running"), "{out}");
    let (code, out, err) = host.cli(&["handlers", "reindex", "erc20"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    let swapped = json(&out);
    assert_eq!(swapped["handler"], "erc20");
    assert_eq!(swapped["mode"], "reindex");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM erc20_transfer")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, 3, "a reindex rebuilds the same rows");
    // Without the token: the variable is named.
    let out = tokio::process::Command::new(paths::wraith_bin().unwrap())
        .args(["--config"])
        .arg(&host.config_path)
        .args(["handlers", "list"])
        .env("DATABASE_URL", &db.url)
        .env_remove("WRAITH_ADMIN_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("WRAITH_ADMIN_TOKEN"), "{err}");
    let (code, _, err) = host.cli(&["handlers", "swap", "nope"]).await.unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("404"), "{err}");
    let _ = std::fs::remove_dir_all(&ws);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn given_a_stopped_host_when_backfilled_should_index_the_range_and_replay_stateful_blocks() {
    let (anvil, core) = common::chain(4).await;
    let gc = core.ghost_core;
    let [a, b, c, _] = core.players[..4] else {
        panic!()
    };
    let db = TestDb::create().await.unwrap();
    let opts = HostOptions::new(&anvil.url, &db.url, vec![common::ghost_core_handler(gc)]);
    let mut host = Host::start(&opts).await.unwrap();
    common::jack_in(&anvil, gc, a, 100, 2).await;
    let indexed = anvil.block_number().await.unwrap();
    host.wait_indexed(indexed, CATCH_UP).await.unwrap();
    host.stop().await.unwrap();

    // While the host is down: more traffic, including an add-stake whose
    // outputs depend on the stored position (ghost-core reads it).
    common::jack_in(&anvil, gc, b, 40, 2).await;
    let add = anvil
        .send(
            a,
            gc,
            ghostnet::IGhostCore::addStakeCall {
                amount: ghostnet::data(25),
            },
        )
        .await
        .unwrap()
        .block_number
        .unwrap();
    anvil.mine(30).await.unwrap();
    let to = anvil.block_number().await.unwrap();
    common::jack_in(&anvil, gc, c, 10, 1).await;

    // A --from past the next block would leave a gap: refused.
    let gap = (indexed + 5).to_string();
    let (code, _, err) = host
        .cli(&["backfill", "--from", &gap, "--to", &to.to_string()])
        .await
        .unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("would leave blocks"), "{err}");
    let (code, _, err) = host.cli(&["backfill", "--to", "999999"]).await.unwrap();
    assert_eq!(code, 1);
    assert!(err.contains("beyond the chain head"), "{err}");

    let (code, out, err) = host
        .cli(&["backfill", "--from", "0", "--to", &to.to_string()])
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("..={to}")), "{out}");
    // Not a terminal: plain progress lines on stderr.
    assert!(err.contains("backfill: block "), "{err}");
    assert!(err.contains(&format!("block {to}/{to} (100.0%)")), "{err}");
    let pool = db.pool().await.unwrap();
    let checkpoint: i64 = sqlx::query_scalar(
        "SELECT block_number FROM wraith_checkpoints WHERE handler = 'ghost-core'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        checkpoint,
        i64::try_from(to).unwrap(),
        "stops exactly at --to"
    );
    let players: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(players, 2, "c jacked in after --to");
    // Again: nothing to do.
    let (code, out, _) = host
        .cli(&["backfill", "--to", &to.to_string()])
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("nothing to do"), "{out}");

    let amount_of_a = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT amount::text FROM positions WHERE user_address = $1",
        )
        .bind(a.to_vec())
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = amount_of_a().await;
    // Replay the add-stake block: ghost-core reads the position as it was
    // before that block, and produces exactly its live outputs.
    let (code, out, err) = host
        .cli(&["replay", "--block", &add.to_string()])
        .await
        .unwrap();
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert_eq!(report["state"], "as_of_parent");
    let h = &report["handlers"][0];
    assert_eq!(h["handler"], "ghost-core");
    assert_eq!(h["matches_live"], true, "{report}");
    assert!(!h["outputs"].as_array().unwrap().is_empty());
    assert_eq!(amount_of_a().await, before, "the replay wrote nothing");

    // `run` continues after the backfill.
    host.restart().await.unwrap();
    host.wait_indexed(anvil.block_number().await.unwrap(), CATCH_UP)
        .await
        .unwrap();
    let players: i64 = sqlx::query_scalar("SELECT count(*) FROM positions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(players, 3);
}
