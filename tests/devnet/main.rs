//! `wraith-devnet`: deploy the GHOSTNET contracts to a local anvil and play
//! demo traffic on it (used by `make dev`).

use std::time::Duration;

use alloy::primitives::Address;
use anyhow::Context;
use clap::{Parser, Subcommand};
use wraith_tests::Anvil;
use wraith_tests::ghostnet::{self, IGhostCore, data};

#[derive(Debug, Parser)]
#[command(about = "Deploy GHOSTNET to a local anvil and generate traffic")]
struct Cli {
    /// The anvil port.
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// Number of player accounts.
    #[arg(long, default_value_t = 12)]
    players: usize,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Deploy and write the addresses as JSON to `--out`.
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
    },
    /// Play forever: players jack in, add stake and extract.
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
        } => {
            let core = ghostnet::deploy_core(&anvil).await?;
            if let (Some(template), Some(config_out)) = (config_template, config_out) {
                let mut text = std::fs::read_to_string(&template)?;
                text.push_str(&format!(
                    "\n[[handlers]]\nname = \"ghost-core\"\ncomponent = \"handlers/dist/ghost_core_handler.wasm\"\n[handlers.contracts]\nGhostCore = [\"{:#x}\"]\n",
                    core.ghost_core
                ));
                std::fs::write(&config_out, text)?;
            }
            let json = serde_json::json!({
                "DataToken": format!("{:#x}", core.data),
                "GhostCore": format!("{:#x}", core.ghost_core),
                "admin": format!("{:#x}", core.admin),
                "treasury": format!("{:#x}", core.treasury),
                "players": core.players.iter().map(|p| format!("{p:#x}")).collect::<Vec<_>>(),
                "block": anvil.block_number().await?,
            });
            std::fs::write(&out, serde_json::to_string_pretty(&json)?)?;
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        Cmd::Traffic {
            deployment,
            interval_ms,
            seed,
        } => {
            let d: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&deployment)?)?;
            let gc: Address = d["GhostCore"].as_str().context("GhostCore")?.parse()?;
            let players: Vec<Address> = d["players"]
                .as_array()
                .context("players")?
                .iter()
                .filter_map(|p| p.as_str().and_then(|s| s.parse().ok()))
                .collect();
            let mut state = seed;
            loop {
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
