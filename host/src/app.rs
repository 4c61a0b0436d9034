//! [`App`]: builds every component from the configuration and runs them
//! until a signal or a fatal error.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use arc_swap::ArcSwap;
use tokio::sync::{mpsc, watch};

use crate::api::admin::AdminState;
use crate::api::ws::WsHub;
use crate::api::{self, ApiState};
use crate::chain::{
    BlockHeader, BlockWindow, ChainError, ChainEvent, ChainFollower, FollowerSettings, Rpc,
    spawn_head_watcher,
};
use crate::config::Config;
use crate::pipeline::{
    HandlerManager, HandlerRegistry, Pipeline, PipelineSettings, ReplayReport, Router, SwapMode,
    SwapSource, record_versions,
};
use crate::reload::{Reloader, StreamsControl};
use crate::runtime::HandlerEngine;
use crate::sinks::PgSink;
use crate::sinks::postgres::catalog::Catalog;
use crate::status::Status;

/// The running host.
#[derive(Debug)]
pub struct App {
    config: Config,
    config_path: Option<std::path::PathBuf>,
}

impl App {
    /// An app for a validated configuration.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            config_path: None,
        }
    }

    /// The file the configuration came from (reloaded on SIGHUP and when it
    /// changes).
    #[must_use]
    pub fn with_config_path(mut self, path: std::path::PathBuf) -> Self {
        self.config_path = Some(path);
        self
    }

    fn database_url(&self) -> Result<String> {
        let var = &self.config.database.url_env;
        std::env::var(var).with_context(|| {
            format!("environment variable {var} (named by database.url_env) is not set; it must hold the PostgreSQL URL")
        })
    }

    /// Apply migrations only.
    pub async fn migrate(&self) -> Result<()> {
        let pool = PgSink::connect(&self.database_url()?, 2)
            .await
            .context("connecting to PostgreSQL")?;
        self.apply_migrations(&pool).await
    }

    /// The embedded migrations, then `database.migrations_dir`.
    async fn apply_migrations(&self, pool: &sqlx::PgPool) -> Result<()> {
        PgSink::migrate(pool).await.context("applying migrations")?;
        if let Some(dir) = &self.config.database.migrations_dir {
            PgSink::migrate_dir(pool, dir).await.with_context(|| {
                format!(
                    "applying the migrations of {} (database.migrations_dir)",
                    dir.display()
                )
            })?;
        }
        Ok(())
    }

    /// Load every handler component (without a database), for `check`.
    pub async fn check_handlers(&self) -> Result<Vec<String>> {
        let engine = Arc::new(HandlerEngine::new(&self.config.runtime)?);
        let registry = HandlerRegistry::new(engine);
        let configs = self.config.handlers.clone();
        let slots = tokio::task::spawn_blocking(move || registry.load_all(&configs)).await??;
        HandlerRegistry::tables(&slots).map_err(anyhow::Error::msg)?;
        Ok(slots
            .iter()
            .map(|s| {
                format!(
                    "{} {} ({}…): {} events, {} tables",
                    s.info.name,
                    s.info.version,
                    &s.info.hash[..12],
                    s.info.events.len(),
                    s.info.tables.len()
                )
            })
            .collect())
    }

    /// Connect, migrate, load the handlers and build the pipeline (what
    /// `run`, `backfill` and `replay` share). `row_cache_rows` overrides
    /// `pipeline.row_cache_rows`.
    async fn open(&self, row_cache_rows: usize) -> Result<Opened> {
        let cfg = &self.config;
        let status = Arc::new(Status::new(cfg.chain.chain_id));
        let pool = PgSink::connect(&self.database_url()?, cfg.database.max_connections)
            .await
            .context("connecting to PostgreSQL")?;
        if cfg.database.migrate {
            self.apply_migrations(&pool).await?;
        }
        let engine = Arc::new(HandlerEngine::new(&cfg.runtime)?);
        let registry = Arc::new(HandlerRegistry::new(engine));
        let configs = cfg.handlers.clone();
        let loader = registry.clone();
        let slots = tokio::task::spawn_blocking(move || loader.load_all(&configs)).await??;
        let tables = HandlerRegistry::tables(&slots).map_err(anyhow::Error::msg)?;
        let declared: Vec<_> = tables.iter().map(|(t, (_, k))| (t.clone(), *k)).collect();
        let catalog = {
            let mut conn = pool.acquire().await?;
            Catalog::load(&mut conn, &declared).await?
        };
        for s in &slots {
            let unbound = s.info.unbound_contracts();
            if !unbound.is_empty() {
                tracing::warn!(handler = %s.info.name, contracts = ?unbound, "contracts used by the handler are not bound to addresses in the config; their events are ignored");
            }
            tracing::info!(handler = %s.info.name, version = %s.info.version, hash = %s.info.hash, events = s.info.events.len(), "handler loaded");
        }
        let sink = Arc::new(PgSink::new(pool.clone(), catalog));
        record_versions(&sink, &slots).await?;
        let router = Arc::new(ArcSwap::from_pointee(Router::new(
            cfg.chain.chain_id,
            &slots,
        )));
        registry.publish(slots);

        let settings = PipelineSettings {
            chain_id: cfg.chain.chain_id,
            reorg_window: cfg.chain.reorg_window,
            max_outputs: cfg.runtime.max_outputs_per_call,
            retry_initial: Duration::from_millis(cfg.chain.retry_initial_ms),
            retry_max: Duration::from_millis(cfg.chain.retry_max_ms),
            row_cache_rows,
        };
        let pipeline = Pipeline::new(
            settings,
            sink.clone(),
            registry.clone(),
            router.clone(),
            status.clone(),
        )
        .await?;
        Ok(Opened {
            status,
            pool,
            registry,
            router,
            pipeline,
        })
    }

    /// Rerun one block from the raw-log archive and report the outputs
    /// (nothing is written; see [`Pipeline::replay_block`]).
    pub async fn replay(&self, block: u64, handler: Option<&str>) -> Result<ReplayReport> {
        let opened = self.open(0).await?;
        let pipeline = opened.pipeline.with_output_trace();
        Ok(pipeline.replay_block(block, handler).await?)
    }

    /// Index up to block `to` (inclusive) with the configured handlers,
    /// then return; no API and no stream publishing (the outbox keeps the
    /// messages for the next `run`). `from`, when given, is where the
    /// caller expects indexing to start: blocks before the handlers'
    /// checkpoints are never indexed twice (they are skipped), and a `from`
    /// past the next unindexed block is refused (it would leave a gap).
    /// `progress` is called after every commit.
    pub async fn backfill(
        &self,
        from: Option<u64>,
        to: u64,
        progress: &mut (dyn FnMut(BackfillProgress) + Send),
    ) -> Result<BackfillProgress> {
        let cfg = &self.config;
        let Opened {
            status,
            pool,
            router,
            pipeline,
            ..
        } = self.open(cfg.pipeline.row_cache_rows).await?;
        let cursor = pipeline.resume_after();
        let next = cursor.map_or(0, |c| c + 1);
        if let Some(from) = from
            && from > next
        {
            bail!(
                "the handlers are indexed up to block {} (the next block is {next}); starting at {from} would leave blocks {next}..{} unindexed. Use --from {next} or lower, or leave --from out",
                cursor.map_or_else(|| "none".to_owned(), |c| c.to_string()),
                from - 1
            );
        }
        let rpc = Arc::new(Rpc::new(&cfg.chain, status.clone())?);
        let head = rpc.block_number().await.context("reading the chain head")?;
        if to > head {
            bail!("--to {to} is beyond the chain head {head}");
        }
        let start = std::time::Instant::now();
        let mut report = BackfillProgress {
            first: next,
            to,
            indexed: cursor,
            logs: 0,
            elapsed: Duration::ZERO,
        };
        if next > to {
            return Ok(report);
        }
        let window = load_window(
            &pool,
            crate::chain::window::capacity_for(cfg.chain.reorg_window),
        )
        .await?;
        // The follower sees the head capped at `to`, so it stops there.
        let (head_tx, head_rx) = watch::channel(0u64);
        let (capped_tx, capped_rx) = watch::channel(0u64);
        let watcher = spawn_head_watcher(rpc.clone(), cfg.chain.clone(), head_tx);
        let capper = tokio::spawn(async move {
            let mut heads = head_rx;
            loop {
                let h = (*heads.borrow_and_update()).min(to);
                if h > 0 && capped_tx.send(h).is_err() {
                    return;
                }
                if heads.changed().await.is_err() {
                    return;
                }
            }
        });
        let (tx, rx) = mpsc::channel(cfg.pipeline.channel_capacity);
        let mut follower = spawn_follower(
            cfg,
            FollowerParts {
                rpc,
                router,
                window,
                cursor,
                status,
                heads: capped_rx,
                events: tx,
            },
            false,
        );
        let mut committed = pipeline.subscribe();
        let mut pipeline_task = tokio::spawn(pipeline.run(rx, None));
        let result = loop {
            tokio::select! {
                c = committed.recv() => match c {
                    Ok(c) => {
                        if let Some(tip) = c.tip {
                            report.indexed = Some(tip.number);
                        }
                        report.logs += c.logs as u64;
                        report.elapsed = start.elapsed();
                        progress(report);
                        if report.indexed.is_some_and(|i| i >= to) {
                            break Ok(report);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        break Err(anyhow::anyhow!("the pipeline stopped before block {to}"));
                    }
                },
                r = &mut follower => break match r {
                    Ok(Ok(())) => Err(anyhow::anyhow!("the follower stopped before block {to}")),
                    Ok(Err(e)) => Err(anyhow::Error::new(e).context("the chain follower stopped")),
                    Err(e) => Err(anyhow::anyhow!("follower task panicked: {e}")),
                },
                r = &mut pipeline_task => break match r {
                    Ok(Ok(())) => Err(anyhow::anyhow!("the pipeline stopped before block {to}")),
                    Ok(Err(e)) => Err(anyhow::Error::new(e).context("pipeline stopped")),
                    Err(e) => Err(anyhow::anyhow!("pipeline task panicked: {e}")),
                },
                () = shutdown_signal() => {
                    break Err(anyhow::anyhow!(
                        "interrupted at block {}; run backfill again to continue",
                        report.indexed.map_or_else(|| "none".to_owned(), |i| i.to_string())
                    ));
                }
            }
        };
        watcher.abort();
        capper.abort();
        follower.abort();
        pipeline_task.abort();
        result
    }

    /// Run until SIGINT/SIGTERM or a fatal error.
    pub async fn run(self) -> Result<()> {
        let cfg = &self.config;
        let Opened {
            status,
            pool,
            registry,
            router,
            pipeline,
        } = self.open(cfg.pipeline.row_cache_rows).await?;
        let publishers = Arc::new(Publishers {
            pool: pool.clone(),
            status: status.clone(),
            committed: pipeline.committed_sender(),
            chain_id: cfg.chain.chain_id,
            reorg_window: cfg.chain.reorg_window,
            tasks: std::sync::Mutex::new(Vec::new()),
        });
        publishers.start(&cfg.streams)?;
        let (manager, swaps) = HandlerManager::new(
            registry.clone(),
            pool.clone(),
            status.clone(),
            cfg.handlers.clone(),
        );
        let manager = Arc::new(manager);
        let cursor = pipeline.resume_after();
        let window = load_window(
            &pool,
            crate::chain::window::capacity_for(cfg.chain.reorg_window),
        )
        .await?;
        let rpc = Arc::new(Rpc::new(&cfg.chain, status.clone())?);
        let (head_tx, head_rx) = watch::channel(0u64);
        let watcher = spawn_head_watcher(rpc.clone(), cfg.chain.clone(), head_tx);
        let (tx, rx) = mpsc::channel(cfg.pipeline.channel_capacity);
        let mut follower = spawn_follower(
            cfg,
            FollowerParts {
                rpc: rpc.clone(),
                router: router.clone(),
                window,
                cursor,
                status: status.clone(),
                heads: head_rx,
                events: tx,
            },
            true,
        );
        let committed = pipeline.committed_sender();
        let mut pipeline_task = tokio::spawn(pipeline.run(rx, Some(swaps)));
        let limiter = Arc::new(crate::api::limits::RateLimiter::new(
            cfg.api.rate_limit_per_ip,
            cfg.api.rate_limit_per_key,
            crate::api::limits::RateLimiter::keys_from_env(&cfg.api.keys_env),
        ));
        let reloader = Arc::new(Reloader::new(
            self.config_path.clone().unwrap_or_default(),
            cfg.clone(),
            manager.clone(),
            rpc.clone(),
            publishers.clone(),
            Some(limiter.clone()),
            status.clone(),
        ));
        let mut aux = Vec::new();
        if self.config_path.is_some() {
            aux.push(spawn_sighup(reloader.clone()));
        }
        aux.push(spawn_watcher(
            cfg.admin.clone(),
            manager.clone(),
            self.config_path.is_some().then(|| reloader.clone()),
        ));
        let admin = std::env::var(&cfg.admin.token_env)
            .ok()
            .filter(|t| !t.is_empty())
            .map(|token| {
                Arc::new(AdminState {
                    token,
                    manager: manager.clone(),
                    reloader: reloader.clone(),
                })
            });
        if admin.is_none() {
            tracing::info!(variable = %cfg.admin.token_env, "admin API disabled (the token variable is unset)");
        }

        let mut api_task = if cfg.api.enabled {
            let listen = cfg.api.listen_addr()?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding api.listen {listen}"))?;
            tracing::info!(%listen, "api listening");
            let ws = if cfg.websocket.enabled {
                let hub = WsHub::new(pool.clone(), cfg.websocket.clone()).await?;
                aux.push(tokio::spawn(hub.clone().run(committed.subscribe())));
                Some(hub)
            } else {
                None
            };
            let app = api::router(ApiState {
                pool: pool.clone(),
                status: status.clone(),
                config: cfg.api.clone(),
                admin,
                max_component_bytes: cfg.admin.max_component_bytes,
                ws,
                limiter: Some(limiter.clone()),
                read_cache: (cfg.api.read_cache_entries > 0).then(|| {
                    Arc::new(crate::api::cache::ReadCache::new(
                        cfg.api.read_cache_entries,
                    ))
                }),
            });
            Some(tokio::spawn(async move {
                axum::serve(
                    listener,
                    app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
                )
                .await
            }))
        } else {
            None
        };

        // The follower may stop for good (a fork deeper than the window):
        // the pipeline then drains and stops too, and the API keeps serving
        // the status until an operator stops the process.
        let mut follower_done = false;
        let mut pipeline_done = false;
        let result = loop {
            tokio::select! {
                r = &mut follower, if !follower_done => {
                    follower_done = true;
                    match r {
                        Ok(Ok(())) => tracing::info!("follower stopped"),
                        Ok(Err(e)) => {
                            tracing::error!(error = %e, "the chain follower stopped; the API keeps serving");
                            let msg = e.to_string();
                            status.update(|s| s.fatal = Some(msg));
                        }
                        Err(e) => break Err(anyhow::anyhow!("follower task panicked: {e}")),
                    }
                }
                r = &mut pipeline_task, if !pipeline_done => {
                    pipeline_done = true;
                    match r {
                        // The follower closed the channel: it stopped (see above).
                        Ok(Ok(())) if cfg.api.enabled => tracing::info!("pipeline drained"),
                        Ok(Ok(())) => break Ok(()),
                        Ok(Err(e)) => break Err(anyhow::Error::new(e).context("pipeline stopped")),
                        Err(e) => break Err(anyhow::anyhow!("pipeline task panicked: {e}")),
                    }
                }
                r = async { match api_task.as_mut() { Some(t) => t.await, None => std::future::pending().await } } => {
                    break match r {
                        Ok(Ok(())) => Ok(()),
                        Ok(Err(e)) => Err(anyhow::Error::new(e).context("api server stopped")),
                        Err(e) => Err(anyhow::anyhow!("api task panicked: {e}")),
                    };
                }
                () = shutdown_signal() => {
                    tracing::info!("shutting down");
                    break Ok(());
                }
            }
        };
        watcher.abort();
        publishers.stop();
        for t in aux {
            t.abort();
        }
        follower.abort();
        pipeline_task.abort();
        if let Some(t) = api_task {
            t.abort();
        }
        result
    }
}

/// Where a backfill is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillProgress {
    /// The first block this backfill indexes.
    pub first: u64,
    /// The last block it indexes.
    pub to: u64,
    /// The last block committed (None: nothing yet).
    pub indexed: Option<u64>,
    /// Logs applied so far.
    pub logs: u64,
    /// Time since the backfill started.
    pub elapsed: Duration,
}

/// What [`App::open`] builds.
struct Opened {
    status: Arc<Status>,
    pool: sqlx::PgPool,
    registry: Arc<HandlerRegistry>,
    router: Arc<ArcSwap<Router>>,
    pipeline: Pipeline,
}

/// The stream publishers: one task per configured sink plus the outbox
/// pruner; restartable with new settings (a live reload).
#[derive(Debug)]
struct Publishers {
    pool: sqlx::PgPool,
    status: Arc<Status>,
    committed: tokio::sync::broadcast::Sender<crate::pipeline::Committed>,
    chain_id: u64,
    reorg_window: u64,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Publishers {
    /// Build every sink of `streams` (any error: nothing changes), then
    /// replace the running publishers with them. Publishers resume from
    /// their persisted cursors, so nothing is lost; a message in flight when
    /// the old task stops is sent again with the same id (deduplicated).
    fn start(&self, streams: &crate::config::StreamsConfig) -> Result<()> {
        use crate::config::SinkKind;
        use crate::sinks::stream::{
            IggySettings, IggySink, JetStreamSink, Publisher, PublisherSettings, Sink,
            WebhookSettings, WebhookSink,
        };
        let mut built = Vec::new();
        for (i, sc) in streams.sinks.iter().enumerate() {
            let sink = match sc.settings(i)? {
                SinkKind::Jetstream {
                    url,
                    stream,
                    subject_prefix,
                    duplicate_window_secs,
                } => Sink::JetStream(JetStreamSink::new(
                    &sc.name,
                    &url,
                    &stream,
                    &subject_prefix,
                    Duration::from_secs(duplicate_window_secs),
                )),
                SinkKind::Webhook {
                    url,
                    secret_env,
                    max_attempts,
                    timeout_ms,
                    breaker_failures,
                    breaker_cooldown_ms,
                } => {
                    let secret = std::env::var(&secret_env).with_context(|| {
                        format!("streams.sinks[{i}].secret_env: {secret_env} is not set")
                    })?;
                    let settings = WebhookSettings {
                        url,
                        secret,
                        max_attempts,
                        timeout: Duration::from_millis(timeout_ms),
                        breaker_failures,
                        breaker_cooldown: Duration::from_millis(breaker_cooldown_ms),
                        retry_initial: Duration::from_millis(sc.retry_initial_ms),
                        retry_max: Duration::from_millis(sc.retry_max_ms),
                    };
                    Sink::Webhook(WebhookSink::new(&sc.name, settings, self.pool.clone())?)
                }
                SinkKind::Iggy {
                    address,
                    stream,
                    topic,
                    partitions,
                    username_env,
                    password_env,
                } => {
                    let credential = |var: Option<String>, key: &str| -> Result<String> {
                        match var {
                            Some(v) => std::env::var(&v).with_context(|| {
                                format!("streams.sinks[{i}].{key}: {v} is not set")
                            }),
                            None => Ok("iggy".to_owned()),
                        }
                    };
                    let settings = IggySettings {
                        address,
                        stream,
                        topic,
                        partitions,
                        username: credential(username_env, "username_env")?,
                        password: credential(password_env, "password_env")?,
                    };
                    Sink::Iggy(IggySink::new(&sc.name, settings))
                }
            };
            let settings = PublisherSettings {
                name: sc.name.clone(),
                chain_id: self.chain_id,
                batch_size: streams.batch_size,
                poll: Duration::from_millis(streams.poll_interval_ms),
                retry_initial: Duration::from_millis(sc.retry_initial_ms),
                retry_max: Duration::from_millis(sc.retry_max_ms),
                streams: sc.streams.clone(),
            };
            built.push((sc, sink, settings));
        }
        let mut tasks = Vec::new();
        for (sc, sink, settings) in built {
            let publisher = Publisher::new(
                settings,
                sink,
                self.pool.clone(),
                self.status.clone(),
                self.committed.subscribe(),
            );
            tracing::info!(sink = %sc.name, kind = ?sc.kind, "stream sink configured");
            tasks.push(tokio::spawn(publisher.run()));
        }
        let names: Vec<String> = streams.sinks.iter().map(|s| s.name.clone()).collect();
        let (pool, status, retain, window) = (
            self.pool.clone(),
            self.status.clone(),
            streams.outbox_retain,
            self.reorg_window,
        );
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let Some(indexed) = status.snapshot().indexed else {
                    continue;
                };
                match crate::sinks::stream::prune_outbox(
                    &pool,
                    &names,
                    retain,
                    indexed.saturating_sub(window),
                )
                .await
                {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(rows = n, "outbox pruned"),
                    Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
                }
            }
        }));
        let old = std::mem::replace(&mut *self.lock_tasks(), tasks);
        for t in old {
            t.abort();
        }
        // Sinks no longer configured disappear from the status.
        let configured: Vec<String> = streams.sinks.iter().map(|s| s.name.clone()).collect();
        self.status
            .update(|s| s.sinks.retain(|name, _| configured.contains(name)));
        Ok(())
    }

    fn lock_tasks(&self) -> std::sync::MutexGuard<'_, Vec<tokio::task::JoinHandle<()>>> {
        self.tasks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stop(&self) {
        for t in self.lock_tasks().drain(..) {
            t.abort();
        }
    }
}

impl StreamsControl for Publishers {
    fn restart(&self, streams: &crate::config::StreamsConfig) -> Result<(), String> {
        self.start(streams).map_err(|e| format!("{e:#}"))
    }
}

/// What a chain follower runs on.
struct FollowerParts {
    rpc: Arc<Rpc>,
    router: Arc<ArcSwap<Router>>,
    window: BlockWindow,
    cursor: Option<u64>,
    status: Arc<Status>,
    heads: watch::Receiver<u64>,
    events: mpsc::Sender<ChainEvent>,
}

/// Run the chain follower once the first head is known (it never sees
/// head 0). With `retry_wrong_chain` (the long-running host) a node on
/// another chain is reported in the status and retried with backoff;
/// otherwise (a one-shot command) it is an error.
fn spawn_follower(
    cfg: &Config,
    parts: FollowerParts,
    retry_wrong_chain: bool,
) -> tokio::task::JoinHandle<Result<(), ChainError>> {
    let settings = FollowerSettings {
        chain: cfg.chain.clone(),
        max_batch_blocks: cfg.pipeline.max_batch_blocks,
        max_batch_logs: cfg.pipeline.max_batch_logs,
    };
    tokio::spawn(async move {
        let FollowerParts {
            rpc,
            router,
            window,
            cursor,
            status,
            mut heads,
            events,
        } = parts;
        while *heads.borrow() == 0 {
            if heads.changed().await.is_err() {
                return Ok(());
            }
        }
        let mut delay = Duration::from_secs(1);
        loop {
            let f = ChainFollower::new(
                rpc.clone(),
                settings.clone(),
                router.clone(),
                window.clone(),
                cursor,
                status.clone(),
                heads.clone(),
                events.clone(),
            );
            match f.run().await {
                Err(e @ ChainError::WrongChain { .. }) if retry_wrong_chain => {
                    tracing::error!(error = %e, retry_in_s = delay.as_secs(), "refusing to index");
                    let msg = e.to_string();
                    status.update(|s| s.fatal = Some(msg));
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(60));
                }
                other => return other,
            }
        }
    })
}

/// Reload the configuration on every SIGHUP.
fn spawn_sighup(reloader: Arc<Reloader>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut hup = match signal(SignalKind::hangup()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGHUP; reload with POST /admin/reload or by editing the file");
                    return;
                }
            };
            while hup.recv().await.is_some() {
                tracing::info!(path = %reloader.path().display(), "SIGHUP: reloading the configuration");
                reloader.reload().await;
            }
        }
        #[cfg(not(unix))]
        drop(reloader);
    })
}

/// A file's change marker (modification time and length).
fn marker(path: &std::path::Path) -> Option<(std::time::SystemTime, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Debounced change detection: a change is reported once the file has
/// stayed the same for one more poll (a file being written is not read).
#[derive(Debug, Default)]
struct Watched {
    seen: Option<(std::time::SystemTime, u64)>,
    pending: bool,
}

impl Watched {
    fn poll(&mut self, now: Option<(std::time::SystemTime, u64)>) -> bool {
        if now != self.seen {
            let first = self.seen.is_none() && !self.pending;
            self.seen = now;
            self.pending = !first;
            return false;
        }
        std::mem::take(&mut self.pending)
    }
}

/// Poll the component files (hot swap, mode `continue`) and the
/// configuration file (reload), as `admin.watch_*` say.
fn spawn_watcher(
    admin: crate::config::AdminConfig,
    manager: Arc<HandlerManager>,
    reloader: Option<Arc<Reloader>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if !(admin.watch_components || admin.watch_config && reloader.is_some()) {
            return;
        }
        let mut components: std::collections::BTreeMap<String, Watched> = Default::default();
        let mut config = Watched::default();
        let mut tick = tokio::time::interval(Duration::from_millis(admin.watch_interval_ms));
        loop {
            tick.tick().await;
            if let Some(r) = reloader.as_ref().filter(|_| admin.watch_config)
                && config.poll(marker(r.path()))
            {
                tracing::info!(path = %r.path().display(), "configuration file changed: reloading");
                r.reload().await;
            }
            if admin.watch_components {
                for c in manager.configs().await {
                    let w = components.entry(c.name.clone()).or_default();
                    if w.poll(marker(&c.component)) {
                        tracing::info!(handler = %c.name, path = %c.component.display(), "component file changed: swapping");
                        // The manager logs and records the outcome.
                        let _ = manager
                            .swap(&c.name, None, SwapMode::Continue, SwapSource::File)
                            .await;
                    }
                }
            }
        }
    })
}

async fn load_window(pool: &sqlx::PgPool, capacity: u64) -> Result<BlockWindow> {
    let rows: Vec<(i64, Vec<u8>, Vec<u8>, i64)> = sqlx::query_as(
        "SELECT number, hash, parent_hash, extract(epoch from block_time)::int8 FROM wraith_blocks ORDER BY number DESC LIMIT $1",
    )
    .bind(i64::try_from(capacity).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await?;
    let mut headers = Vec::with_capacity(rows.len());
    for (n, h, p, t) in rows {
        if h.len() != 32 || p.len() != 32 {
            bail!("wraith_blocks row {n} has a malformed hash");
        }
        headers.push(BlockHeader {
            number: u64::try_from(n)?,
            hash: alloy::primitives::B256::from_slice(&h),
            parent_hash: alloy::primitives::B256::from_slice(&p),
            timestamp: u64::try_from(t).unwrap_or(0),
        });
    }
    Ok(BlockWindow::from_headers(capacity, headers))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
