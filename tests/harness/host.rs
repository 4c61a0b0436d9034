//! [`Host`]: the real `wraith` binary as a child process, configured for
//! one test, with its API on a free port.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use alloy::primitives::Address;
use anyhow::{Context, bail};

use crate::{free_port, paths, wait_until};

static COUNTER: AtomicU32 = AtomicU32::new(0);
static WARM: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// Where test hosts cache compiled components.
fn cache_dir() -> PathBuf {
    paths::repo_root().join(".wraith/test-cache")
}

/// Compile every component in `handlers/dist` and `tests/fixtures/dist`
/// into the test cache once per test process, before the first host starts:
/// otherwise every host started in parallel compiles all of them at once.
async fn warm_cache() {
    WARM.get_or_init(|| async {
        let run = tokio::task::spawn_blocking(|| -> anyhow::Result<()> {
            let config = wraith_host::config::RuntimeConfig { cache_dir: cache_dir(), ..Default::default() };
            let engine = wraith_host::runtime::HandlerEngine::<wraith_host::pipeline::HandlerBatch>::new(&config)?;
            for dir in ["handlers/dist", "tests/fixtures/dist"] {
                let Ok(entries) = std::fs::read_dir(paths::repo_root().join(dir)) else { continue };
                for entry in entries.flatten() {
                    if entry.path().extension().is_some_and(|e| e == "wasm") {
                        engine.load_file(&entry.path())?;
                    }
                }
            }
            Ok(())
        });
        if let Ok(Err(e)) = run.await {
            tracing::warn!(error = %e, "warming the component cache failed; hosts will compile on start");
        }
    })
    .await;
}

/// One handler binding.
#[derive(Debug, Clone)]
pub struct HandlerSpec {
    /// Handler name.
    pub name: String,
    /// Component path.
    pub component: PathBuf,
    /// Logical contract name → addresses.
    pub contracts: Vec<(String, Vec<Address>)>,
    /// First block.
    pub start_block: u64,
}

/// How to run the host.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Anvil HTTP URL.
    pub rpc_url: String,
    /// Database URL.
    pub db_url: String,
    /// Handlers.
    pub handlers: Vec<HandlerSpec>,
    /// `chain.reorg_window`.
    pub reorg_window: u64,
    /// `pipeline.max_batch_blocks`.
    pub max_batch_blocks: u64,
    /// `api.listen` port (0: pick a free one).
    pub api_port: u16,
    /// Extra TOML appended to the generated config.
    pub extra: String,
    /// Extra environment variables for the process.
    pub env: Vec<(String, String)>,
    /// Extra keys for a handler's `[[handlers]]` entry: (handler name, TOML
    /// lines), e.g. `on_failure = "skip"`.
    pub handler_keys: Vec<(String, String)>,
    /// Extra keys of the `[runtime]` section, e.g. `call_timeout_ms = 400`.
    pub runtime_keys: String,
}

impl HostOptions {
    /// Defaults for a test: fast polling, small window.
    pub fn new(rpc_url: &str, db_url: &str, handlers: Vec<HandlerSpec>) -> Self {
        Self {
            rpc_url: rpc_url.to_owned(),
            db_url: db_url.to_owned(),
            handlers,
            reorg_window: 64,
            max_batch_blocks: 100,
            api_port: 0,
            extra: String::new(),
            env: Vec::new(),
            handler_keys: Vec::new(),
            runtime_keys: String::new(),
        }
    }
}

/// A running host process.
#[derive(Debug)]
pub struct Host {
    child: Option<Child>,
    /// API base URL, e.g. `http://127.0.0.1:4321`.
    pub api: String,
    /// The generated config file.
    pub config_path: PathBuf,
    /// The process's stderr.
    pub log_path: PathBuf,
    db_url: String,
    env: Vec<(String, String)>,
    http: reqwest::Client,
}

impl Drop for Host {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn toml_str(s: &str) -> String {
    format!("{s:?}")
}

impl Host {
    /// Write the config and start the host; returns once `/health/live`
    /// answers.
    pub async fn start(opts: &HostOptions) -> anyhow::Result<Self> {
        crate::init();
        let dir = std::env::temp_dir().join(format!(
            "wraith-it-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let port = if opts.api_port == 0 {
            free_port()?
        } else {
            opts.api_port
        };
        warm_cache().await;
        let cache = cache_dir();
        let mut toml = format!(
            "[chain]\nchain_id = 31337\nrpc_http = [{}]\npoll_interval_ms = 50\nreorg_window = {}\nretry_initial_ms = 50\nretry_max_ms = 1000\n\n\
             [pipeline]\nmax_batch_blocks = {}\n\n[api]\nlisten = \"127.0.0.1:{port}\"\n\n[runtime]\ncache_dir = {}\n{}\n[log]\nlevel = \"info,wraith_host=debug\"\n\n",
            toml_str(&opts.rpc_url),
            opts.reorg_window,
            opts.max_batch_blocks,
            toml_str(&cache.display().to_string()),
            opts.runtime_keys,
        );
        for h in &opts.handlers {
            let _ = write!(
                toml,
                "[[handlers]]\nname = {}\ncomponent = {}\nstart_block = {}\n",
                toml_str(&h.name),
                toml_str(&h.component.display().to_string()),
                h.start_block
            );
            for (name, keys) in &opts.handler_keys {
                if *name == h.name {
                    let _ = writeln!(toml, "{keys}");
                }
            }
            toml.push_str("[handlers.contracts]\n");
            for (c, addrs) in &h.contracts {
                let list: Vec<String> = addrs.iter().map(|a| format!("\"{a:#x}\"")).collect();
                let _ = writeln!(toml, "{c} = [{}]", list.join(", "));
            }
            toml.push('\n');
        }
        toml.push_str(&opts.extra);
        let config_path = dir.join("wraith.toml");
        std::fs::write(&config_path, toml)?;
        let mut host = Self {
            child: None,
            api: format!("http://127.0.0.1:{port}"),
            config_path,
            log_path: dir.join("wraith.log"),
            db_url: opts.db_url.clone(),
            env: opts.env.clone(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()?,
        };
        host.spawn().await?;
        Ok(host)
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)?;
        let child = Command::new(paths::wraith_bin()?)
            .arg("--config")
            .arg(&self.config_path)
            .arg("run")
            .env("DATABASE_URL", &self.db_url)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(paths::repo_root())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("starting wraith")?;
        self.child = Some(child);
        let live = format!("{}/health/live", self.api);
        let http = self.http.clone();
        let started = std::time::Instant::now();
        let res = loop {
            if !self.is_running() {
                break Err(anyhow::anyhow!("wraith exited during start-up"));
            }
            if http
                .get(&live)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                break Err(anyhow::anyhow!(
                    "timed out after 120 s waiting for the host to serve /health/live"
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        if let Err(e) = res {
            bail!("{e:#}\n--- host log ---\n{}", self.log());
        }
        Ok(())
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kill with SIGKILL (a crash).
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Stop with SIGTERM and wait for the exit.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            let pid = i32::try_from(c.id())?;
            // SAFETY: sending a signal to our own child process.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            let waited = tokio::task::spawn_blocking(move || c.wait()).await??;
            if !waited.success() {
                bail!("wraith exited with {waited} after SIGTERM\n{}", self.log());
            }
        }
        Ok(())
    }

    /// Start the process again with the same config.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        self.kill9();
        self.spawn().await
    }

    /// The process's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// GET a path; status and JSON body.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, serde_json::Value)> {
        let r = self.http.get(format!("{}{path}", self.api)).send().await?;
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        Ok((status, body))
    }

    /// POST `body` to a path, with a bearer token; status and JSON body.
    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, serde_json::Value)> {
        let mut req = self
            .http
            .post(format!("{}{path}", self.api))
            .timeout(Duration::from_secs(120))
            .header("content-type", "application/wasm")
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await?;
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        Ok((status, body))
    }

    /// Run `wraith --config <this host's config> <args>` (another process,
    /// with the host's environment); exit code, stdout and stderr.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<(i32, String, String)> {
        let out = tokio::process::Command::new(paths::wraith_bin()?)
            .arg("--config")
            .arg(&self.config_path)
            .args(args)
            .env("DATABASE_URL", &self.db_url)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(paths::repo_root())
            .output()
            .await
            .context("running wraith")?;
        Ok((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Send a signal (e.g. `libc::SIGHUP`) to the process.
    pub fn signal(&self, sig: i32) -> anyhow::Result<()> {
        let c = self.child.as_ref().context("the host is not running")?;
        let pid = i32::try_from(c.id())?;
        // SAFETY: sending a signal to our own child process.
        let rc = unsafe { libc::kill(pid, sig) };
        anyhow::ensure!(rc == 0, "kill({pid}, {sig}) failed");
        Ok(())
    }

    /// `/api/v1/status`.
    pub async fn status(&self) -> anyhow::Result<serde_json::Value> {
        Ok(self.get("/api/v1/status").await?.1)
    }

    /// Wait until every handler's checkpoint reaches `block`.
    pub async fn wait_indexed(&self, block: u64, timeout: Duration) -> anyhow::Result<()> {
        let res = wait_until(
            &format!("all handlers to index block {block}"),
            timeout,
            || async {
                let s = self.status().await?;
                let handlers = s["handlers"].as_array().cloned().unwrap_or_default();
                let done = !handlers.is_empty()
                    && handlers
                        .iter()
                        .all(|h| h["checkpoint"].as_u64().is_some_and(|c| c >= block));
                Ok(done.then_some(()))
            },
        )
        .await;
        if let Err(e) = res {
            bail!(
                "{e:#}\nstatus: {}\n--- host log (tail) ---\n{}",
                self.status().await.unwrap_or_default(),
                tail(&self.log(), 60)
            );
        }
        Ok(())
    }
}

/// The last `n` lines of `s`.
pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
