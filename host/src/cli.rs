//! The command line.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::app::BackfillProgress;

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
    /// Apply the database migrations (and database.migrations_dir) and exit.
    Migrate,
    /// Load and validate the configuration and the handler components, print
    /// the effective configuration, and exit.
    Check,
    /// Index a range of blocks with the configured handlers, then exit.
    ///
    /// Uses the same pipeline as `run` (same transactions, checkpoints,
    /// undo journal and outbox) without the API or stream publishing: the
    /// outbox keeps the messages and a later `run` publishes them. Blocks
    /// the handlers have already indexed are skipped, never applied twice.
    /// Shows a progress bar with rate and ETA on a terminal, plain progress
    /// lines otherwise. Interrupt it at any time: the next `backfill` or
    /// `run` continues from the last committed block.
    Backfill {
        /// The first block you expect to index. Refused if it would leave a
        /// gap after the handlers' checkpoints; blocks already indexed are
        /// skipped. Default: the next unindexed block.
        #[arg(long)]
        from: Option<u64>,
        /// The last block to index (inclusive); must not be past the chain
        /// head.
        #[arg(long)]
        to: u64,
    },
    /// List, swap or reindex the handlers of a running host (its admin
    /// API; the token is read from the variable named by admin.token_env).
    Handlers {
        /// The host's base URL (default: http://<api.listen> of the config).
        #[arg(long, global = true)]
        url: Option<String>,
        /// What to do.
        #[command(subcommand)]
        action: HandlersCommand,
    },
    /// Rerun one block from the raw-log archive and print every handler's
    /// outputs as JSON, without writing anything (for debugging a handler).
    ///
    /// Runs in a transaction that is rolled back. While the block's parent
    /// is in the reorg window, the database is first taken back to it (as a
    /// reorg would), so the handler reads exactly what it read live and the
    /// outputs are compared with the digest stored when the block was
    /// indexed (`matches_live`). Older blocks are replayed against today's
    /// rows (`state: "current"`).
    Replay {
        /// The block to rerun.
        #[arg(long)]
        block: u64,
        /// Only this handler (default: every enabled handler).
        #[arg(long)]
        handler: Option<String>,
    },
    /// Scaffold new things.
    New {
        /// What to scaffold.
        #[command(subcommand)]
        what: NewCommand,
    },
}

/// `wraith handlers …`.
#[derive(Debug, Subcommand)]
pub enum HandlersCommand {
    /// Show every configured handler: state, version, checkpoint.
    List,
    /// Swap a handler to a new component; it applies from the next block
    /// (mode continue). The old version keeps running if it is refused.
    Swap {
        /// Handler name.
        name: String,
        /// The new component (.wasm). Default: re-read the configured file.
        #[arg(long)]
        component: Option<PathBuf>,
    },
    /// Swap a handler and rebuild its tables from its start block out of
    /// the raw-log archive, then cut over atomically (mode reindex).
    Reindex {
        /// Handler name.
        name: String,
        /// The new component (.wasm). Default: re-read the configured file.
        #[arg(long)]
        component: Option<PathBuf>,
    },
}

/// `wraith new …`.
#[derive(Debug, Subcommand)]
pub enum NewCommand {
    /// Scaffold a handler crate with typed events from a contract ABI.
    ///
    /// Writes handlers/<NAME>/ (crate <NAME>-handler: a `sol!` declaration
    /// of every event and one function per event appending it to its own
    /// table), migrations/<NNNN>_<NAME>.sql (those tables) and adds the
    /// crate to the workspace members; `make handlers` then builds
    /// handlers/dist/<NAME>_handler.wasm. Prints the [[handlers]] entry to
    /// add to the configuration.
    Handler {
        /// Handler name: lowercase letters, digits and '-'.
        name: String,
        /// The ABI: a JSON array, or a solc/Foundry/Hardhat artefact with an
        /// `abi` key.
        #[arg(long)]
        abi: PathBuf,
        /// Logical contract name used in the config (default: the
        /// artefact's contractName, else NAME in CamelCase).
        #[arg(long)]
        contract: Option<String>,
        /// The workspace root.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

/// Prints backfill progress: a bar redrawn in place on a terminal, a line
/// every few seconds otherwise.
#[derive(Debug)]
pub struct ProgressPrinter {
    tty: bool,
    last: Option<Duration>,
}

impl Default for ProgressPrinter {
    fn default() -> Self {
        Self::new()
    }
}

impl ProgressPrinter {
    /// A printer for stderr.
    pub fn new() -> Self {
        Self {
            tty: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    /// Report `p` (rate-limited: 10/s on a terminal, every 2 s otherwise).
    pub fn update(&mut self, p: BackfillProgress) {
        let every = if self.tty {
            Duration::from_millis(100)
        } else {
            Duration::from_secs(2)
        };
        let done = p.indexed.is_some_and(|i| i >= p.to);
        if !done && self.last.is_some_and(|l| p.elapsed < l + every) {
            return;
        }
        self.last = Some(p.elapsed);
        let line = progress_line(&p);
        let mut err = std::io::stderr().lock();
        let _ = if self.tty {
            write!(err, "\r\x1b[2K{}{line}", bar(&p, 30))
        } else {
            writeln!(err, "backfill: {line}")
        };
        if self.tty && done {
            let _ = writeln!(err);
        }
    }
}

/// Blocks done and total of `p`.
fn counts(p: &BackfillProgress) -> (u64, u64) {
    let total = p.to.saturating_sub(p.first) + 1;
    let done = p
        .indexed
        .map_or(0, |i| (i + 1).saturating_sub(p.first).min(total));
    (done, total)
}

fn bar(p: &BackfillProgress, width: usize) -> String {
    let (done, total) = counts(p);
    let filled = usize::try_from(done * width as u64 / total.max(1)).unwrap_or(width);
    format!(
        "[{}{}] ",
        "#".repeat(filled),
        "-".repeat(width.saturating_sub(filled))
    )
}

/// `block 1200/5000 (24.0%), 310 blocks/s, 5400 logs, ETA 12s`.
pub fn progress_line(p: &BackfillProgress) -> String {
    let (done, total) = counts(p);
    let secs = p.elapsed.as_secs_f64();
    let rate = if secs > 0.0 { done as f64 / secs } else { 0.0 };
    let eta = if rate > 0.0 {
        format!("{:.0}s", (total - done) as f64 / rate)
    } else {
        "?".to_owned()
    };
    format!(
        "block {}/{} ({:.1}%), {rate:.0} blocks/s, {} logs, ETA {eta}",
        p.indexed.unwrap_or(p.first.saturating_sub(1)),
        p.to,
        done as f64 * 100.0 / total as f64,
        p.logs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(indexed: Option<u64>, secs: u64) -> BackfillProgress {
        BackfillProgress {
            first: 101,
            to: 300,
            indexed,
            logs: 42,
            elapsed: Duration::from_secs(secs),
        }
    }

    #[test]
    fn progress_reports_rate_and_eta() {
        assert_eq!(
            progress_line(&at(Some(150), 10)),
            "block 150/300 (25.0%), 5 blocks/s, 42 logs, ETA 30s"
        );
        assert_eq!(
            progress_line(&at(None, 0)),
            "block 100/300 (0.0%), 0 blocks/s, 42 logs, ETA ?"
        );
        assert_eq!(bar(&at(Some(200), 1), 10), "[#####-----] ");
        assert_eq!(bar(&at(Some(300), 1), 10), "[##########] ");
    }

    #[test]
    fn every_subcommand_explains_itself() {
        use clap::CommandFactory;
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        for sub in cmd.get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no help", sub.get_name());
        }
        let parsed = Cli::try_parse_from(["wraith", "backfill", "--from", "5", "--to", "9"]);
        assert!(matches!(
            parsed.map(|c| c.command),
            Ok(Some(Command::Backfill {
                from: Some(5),
                to: 9
            }))
        ));
        assert!(
            Cli::try_parse_from(["wraith", "backfill"]).is_err(),
            "--to is required"
        );
        assert!(Cli::try_parse_from(["wraith", "replay", "--block", "x"]).is_err());
    }
}
