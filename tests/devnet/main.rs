//! `wraith-devnet`: deploy the GHOSTNET suite to a local anvil and play
//! demo traffic on it (used by `make dev`): the seeded scenario (every
//! GHOSTNET event type the suite can produce: positions, scans with
//! deaths, DeadPool rounds, taxed transfers and burns, tolls and buybacks,
//! emissions, presale…), then an endless stream of jack-ins, add-stakes and
//! extractions.

use std::time::Duration;

use alloy::primitives::Address;
use alloy::providers::Provider;
use anyhow::Context;
use clap::{Parser, Subcommand};
use wraith_tests::ghostnet::{Core, IGhostCore, data};
use wraith_tests::ghostnet_suite::{self as suite, Suite};
use wraith_tests::{Anvil, scenario};

#[derive(Debug, Parser)]
#[command(about = "Deploy GHOSTNET to a local anvil and generate traffic")]
struct Cli {
    /// The anvil port.
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// Number of player accounts.
    #[arg(long, default_value_t = 20)]
    players: usize,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Deploy the suite and write the addresses as JSON to `--out`.
    Deploy {
        /// Output file.
        #[arg(long)]
        out: std::path::PathBuf,
        /// A host config to extend with the handler bindings.
        #[arg(long)]
        config_template: Option<std::path::PathBuf>,
        /// Where to write the extended config.
        #[arg(long)]
        config_out: Option<std::path::PathBuf>,
        /// After deploying (mined at once), mine a block every N seconds
        /// (0: keep mining one block per transaction).
        #[arg(long, default_value_t = 1)]
        block_time: u64,
    },
    /// Play the seeded scenario, then forever: players jack in, add stake
    /// and extract.
    Traffic {
        /// The deployment file written by `deploy`.
        #[arg(long)]
        deployment: std::path::PathBuf,
        /// Pause between actions, ms.
        #[arg(long, default_value_t = 700)]
        interval_ms: u64,
        /// Seed of the deterministic action sequence.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Rounds of the scenario played first (0: skip it).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Stop after this many position actions (default: never).
        #[arg(long)]
        steps: Option<u64>,
    },
}

fn next(state: &mut u64) -> u64 {
    // splitmix64: deterministic, seedable.
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let anvil = Anvil::connect(cli.port, cli.players + 2).await?;
    match cli.command {
        Cmd::Deploy {
            out,
            config_template,
            config_out,
            block_time,
        } => {
            let s = suite::deploy_suite(&anvil).await?;
            if let (Some(template), Some(config_out)) = (config_template, config_out) {
                let mut text = std::fs::read_to_string(&template)?;
                for h in suite::suite_handlers(&s, &[])? {
                    let component = h
                        .component
                        .strip_prefix(wraith_tests::paths::repo_root())
                        .unwrap_or(&h.component)
                        .display()
                        .to_string()
                        .trim_start_matches("../")
                        .to_owned();
                    text.push_str(&format!(
                        "\n[[handlers]]\nname = \"{}\"\ncomponent = \"{}\"\n[handlers.contracts]\n",
                        h.name, component
                    ));
                    for (c, addrs) in &h.contracts {
                        let list: Vec<String> =
                            addrs.iter().map(|a| format!("\"{a:#x}\"")).collect();
                        text.push_str(&format!("{c} = [{}]\n", list.join(", ")));
                    }
                }
                std::fs::write(&config_out, text)?;
            }
            let json = deployment_json(&s, anvil.block_number().await?);
            std::fs::write(&out, serde_json::to_string_pretty(&json)?)?;
            println!("{}", serde_json::to_string_pretty(&json)?);
            if block_time > 0 {
                let _: serde_json::Value = anvil
                    .provider
                    .raw_request("evm_setIntervalMining".into(), (block_time,))
                    .await?;
            }
        }
        Cmd::Traffic {
            deployment,
            interval_ms,
            seed,
            rounds,
            steps,
        } => {
            let d: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&deployment)?)?;
            let s = suite_from_json(&d)?;
            let gc = s.core.ghost_core;
            let players = s.core.players.clone();
            if rounds > 0 {
                let cfg = scenario::Config {
                    seed,
                    players: players.len().min(20),
                    rounds,
                    dead_withdrawals: true,
                    finale: true,
                };
                println!(
                    "playing the scenario: {} players x {rounds} rounds",
                    cfg.players
                );
                match scenario::run(&anvil, &s, cfg).await {
                    Ok(played) => println!("scenario played: {played:?}"),
                    Err(e) => eprintln!("the scenario stopped early: {e:#}"),
                }
            }
            let mut state = seed;
            for _ in 0..steps.unwrap_or(u64::MAX) {
                let p = players[(next(&mut state) % players.len() as u64) as usize];
                let pos = anvil
                    .call(gc, IGhostCore::getPositionCall { user: p })
                    .await?;
                let result = if pos.level == 0 {
                    let level = 1 + (next(&mut state) % 5) as u8;
                    let amount = data(10 + next(&mut state) % 500)
                        .max(data([0, 10, 25, 50, 100, 250][level as usize]));
                    anvil
                        .send(p, gc, IGhostCore::jackInCall { amount, level })
                        .await
                        .map(|_| format!("{p:#x} jacks in {amount} at level {level}"))
                } else if pos.alive && next(&mut state).is_multiple_of(3) {
                    anvil
                        .send(p, gc, IGhostCore::extractCall {})
                        .await
                        .map(|_| format!("{p:#x} extracts"))
                } else if pos.alive {
                    let amount = data(1 + next(&mut state) % 100);
                    anvil
                        .send(p, gc, IGhostCore::addStakeCall { amount })
                        .await
                        .map(|_| format!("{p:#x} adds {amount}"))
                } else {
                    Ok(String::new())
                };
                match result {
                    Ok(line) if !line.is_empty() => println!("{line}"),
                    Ok(_) => {}
                    Err(e) => eprintln!("action failed (the game refused it): {e:#}"),
                }
                tokio::time::sleep(Duration::from_millis(interval_ms)).await;
            }
        }
    }
    Ok(())
}

/// The deployment as JSON (every address `make dev` and a frontend need).
fn deployment_json(s: &Suite, block: u64) -> serde_json::Value {
    let a = |x: Address| format!("{x:#x}");
    serde_json::json!({
        "DataToken": a(s.core.data),
        "GhostCore": a(s.core.ghost_core),
        "TraceScan": a(s.trace_scan),
        "DeadPool": a(s.dead_pool),
        "FeeRouter": a(s.fee_router),
        "MockSwapRouter": a(s.swap_router),
        "operations": a(s.operations),
        "RewardsDistributor": a(s.rewards_distributor),
        "TeamVesting": a(s.team_vesting),
        "beneficiary": a(s.beneficiary),
        "GhostPresale": a(s.presale),
        "PresaleClaim": a(s.presale_claim),
        "admin": a(s.core.admin),
        "treasury": a(s.core.treasury),
        "players": s.core.players.iter().map(|p| a(*p)).collect::<Vec<_>>(),
        "block": block,
    })
}

/// The suite back from [`deployment_json`].
fn suite_from_json(d: &serde_json::Value) -> anyhow::Result<Suite> {
    let a = |k: &str| -> anyhow::Result<Address> {
        d[k].as_str()
            .with_context(|| format!("{k} is missing from the deployment file"))?
            .parse()
            .with_context(|| format!("{k} is not an address"))
    };
    let players = d["players"]
        .as_array()
        .context("players")?
        .iter()
        .filter_map(|p| p.as_str().and_then(|s| s.parse().ok()))
        .collect();
    Ok(Suite {
        core: Core {
            data: a("DataToken")?,
            ghost_core: a("GhostCore")?,
            admin: a("admin")?,
            treasury: a("treasury")?,
            players,
        },
        trace_scan: a("TraceScan")?,
        dead_pool: a("DeadPool")?,
        fee_router: a("FeeRouter")?,
        swap_router: a("MockSwapRouter")?,
        operations: a("operations")?,
        rewards_distributor: a("RewardsDistributor")?,
        team_vesting: a("TeamVesting")?,
        beneficiary: a("beneficiary")?,
        presale: a("GhostPresale")?,
        presale_claim: a("PresaleClaim")?,
    })
}
