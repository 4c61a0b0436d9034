//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// wraith: follow an EVM chain, survive reorgs, run WebAssembly handlers,
/// write PostgreSQL, serve REST.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (TOML). Every key can be overridden with
    /// WRAITH_<SECTION>__<KEY> environment variables.
    #[arg(
        long,
        short,
        env = "WRAITH_CONFIG",
        default_value = "config/wraith.toml",
        global = true
    )]
    pub config: PathBuf,
    /// What to do (default: run).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index the chain and serve the API until interrupted.
    Run,
    /// Apply the database migrations and exit.
    Migrate,
    /// Load and validate the configuration and the handler components, print
    /// the effective configuration, and exit.
    Check,
}
