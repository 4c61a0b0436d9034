//! The `wraith` binary: parse the command line, load and validate the
//! configuration (exit 2 on any error, before doing anything), run.

use std::process::ExitCode;

use clap::Parser;
use wraith_host::admin_client::{AdminClient, format_list};
use wraith_host::app::App;
use wraith_host::cli::{Cli, Command, HandlersCommand, NewCommand, ProgressPrinter};
use wraith_host::pipeline::SwapMode;
use wraith_host::sinks::PgSink;
use wraith_host::{config, scaffold, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `new` works on files only: no configuration needed.
    if let Some(Command::New { what }) = &cli.command {
        return new(what);
    }
    let config = match config::load_file(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "wraith: invalid configuration ({}): {e}",
                cli.config.display()
            );
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    // TLS for https/wss endpoints uses rustls with the ring provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("wraith: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let app = App::new(config.clone()).with_config_path(cli.config.clone());
        match cli.command.unwrap_or(Command::Run) {
            Command::Run => app.run().await,
            Command::Migrate => app.migrate().await,
            Command::Check => {
                for line in app.check_handlers().await? {
                    println!("{line}");
                }
                println!("{}", toml::to_string_pretty(&config)?);
                Ok(())
            }
            Command::Backfill { from, to } => {
                let mut printer = ProgressPrinter::new();
                let done = app.backfill(from, to, &mut |p| printer.update(p)).await?;
                match done.indexed {
                    Some(i) if done.first > to => {
                        println!("nothing to do: the handlers are indexed up to block {i}");
                    }
                    _ => println!(
                        "backfilled blocks {}..={} ({} logs) in {:.1}s",
                        done.first,
                        to,
                        done.logs,
                        done.elapsed.as_secs_f64()
                    ),
                }
                Ok(())
            }
            Command::Handlers { url, action } => {
                let client = AdminClient::from_config(&config, url.as_deref())?;
                let out = match action {
                    HandlersCommand::List => format_list(&client.list().await?),
                    HandlersCommand::Swap { name, component } => serde_json::to_string_pretty(
                        &client
                            .swap(&name, component.as_deref(), SwapMode::Continue)
                            .await?,
                    )?,
                    HandlersCommand::Reindex { name, component } => serde_json::to_string_pretty(
                        &client
                            .swap(&name, component.as_deref(), SwapMode::Reindex)
                            .await?,
                    )?,
                };
                println!("{}", out.trim_end());
                Ok(())
            }
            Command::Replay { block, handler } => {
                let report = app.replay(block, handler.as_deref()).await?;
                println!("{}", serde_json::to_string_pretty(&report)?);
                Ok(())
            }
            Command::New { .. } => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "wraith stopped");
            eprintln!("wraith: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `wraith new …`.
fn new(what: &NewCommand) -> ExitCode {
    let NewCommand::Handler {
        name,
        abi,
        contract,
        root,
    } = what;
    let req = scaffold::Request {
        name: name.clone(),
        abi: abi.clone(),
        contract: contract.clone(),
        root: root.clone(),
    };
    match scaffold::scaffold(&req, &PgSink::builtin_migration_versions()) {
        Ok(s) => {
            println!("created {}", s.crate_dir.display());
            println!("created {}", s.migration.display());
            for e in &s.events {
                println!("  {e}");
            }
            for e in &s.skipped {
                println!("  skipped: {e}");
            }
            if s.member_added {
                println!("added handlers/{name} to the workspace members (Cargo.toml)");
            } else {
                println!(
                    "add \"handlers/{name}\" to `members` in the root Cargo.toml (it could not be edited automatically)"
                );
            }
            println!(
                "\nnext: `make handlers`, then add to your config (and set database.migrations_dir = \"migrations\" or rebuild the host so it creates the tables):\n\n{}",
                s.config
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wraith: {e}");
            ExitCode::FAILURE
        }
    }
}
