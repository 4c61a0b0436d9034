//! The `wraith` binary: parse the command line, load and validate the
//! configuration (exit 2 on any error, before doing anything), run.

use std::process::ExitCode;

use clap::Parser;
use wraith_host::app::App;
use wraith_host::cli::{Cli, Command};
use wraith_host::{config, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
