//! [`HandlerEngine`]: the one place where wasmtime is configured.
//!
//! Policy: component model on; epoch interruption driven by a ticker thread
//! (every call gets a deadline in ticks); a memory cap per store through a
//! `ResourceLimiter`; compiled components cached on disk as
//! `<sha256>.cwasm` so a restart does not recompile; one `InstancePre` per
//! component version; a fresh `Store` per call, so no state survives
//! between batches.
//!
//! Handlers are linked against WASI p2 only because Rust's standard library
//! imports it; the context they get has no preopened directories, no
//! network (all socket addresses refused, no name lookup), no environment,
//! a frozen clock (the Unix epoch) and a fixed-seed random source, so a
//! handler cannot observe anything but its input.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{Handler, HandlerPre, Manifest, WitEvent, wraith};
use super::error::{HostFault, RuntimeError, RuntimeResult};
use super::host_api::BatchAccess;
use crate::config::RuntimeConfig;

/// How often the epoch advances.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Per-store state: WASI (locked down), limits, and the batch the call
/// reads and stages into.
pub struct HostState<B> {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
    pub(crate) handler: Arc<str>,
    pub(crate) access: Option<B>,
}

impl<B> std::fmt::Debug for HostState<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("handler", &self.handler)
            .finish_non_exhaustive()
    }
}

impl<B: Send> WasiView for HostState<B> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A compiled, linked component, ready to instantiate.
pub struct LoadedComponent<B: 'static> {
    pub(crate) pre: HandlerPre<HostState<B>>,
    /// SHA-256 of the component bytes, lowercase hex.
    pub hash: String,
}

impl<B> std::fmt::Debug for LoadedComponent<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// The wasmtime engine, linker and limits shared by every handler.
pub struct HandlerEngine<B: 'static> {
    engine: Engine,
    linker: Linker<HostState<B>>,
    cache_dir: PathBuf,
    memory_limit: usize,
    call_timeout_ms: u64,
    stop: Arc<AtomicBool>,
}

impl<B> std::fmt::Debug for HandlerEngine<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerEngine")
            .field("cache_dir", &self.cache_dir)
            .field("memory_limit", &self.memory_limit)
            .field("call_timeout_ms", &self.call_timeout_ms)
            .finish_non_exhaustive()
    }
}

impl<B: BatchAccess + Send + 'static> HandlerEngine<B> {
    /// Configure the engine and start the epoch ticker.
    pub fn new(config: &RuntimeConfig) -> RuntimeResult<Self> {
        let mut wasm = Config::new();
        wasm.wasm_component_model(true);
        wasm.epoch_interruption(true);
        wasm.parallel_compilation(true);
        let engine = Engine::new(&wasm).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| RuntimeError::Engine(format!("linking wasi: {e}")))?;
        Handler::add_to_linker::<_, HasSelf<HostState<B>>>(&mut linker, |s| s)
            .map_err(|e| RuntimeError::Engine(format!("linking host api: {e}")))?;
        let stop = Arc::new(AtomicBool::new(false));
        spawn_ticker(engine.clone(), stop.clone())?;
        let memory_limit = usize::try_from(config.memory_limit_mib.saturating_mul(1024 * 1024))
            .unwrap_or(usize::MAX);
        Ok(Self {
            engine,
            linker,
            cache_dir: config.cache_dir.clone(),
            memory_limit,
            call_timeout_ms: config.call_timeout_ms,
            stop,
        })
    }

    /// Read and load a component file.
    pub fn load_file(&self, path: &Path) -> RuntimeResult<LoadedComponent<B>> {
        let bytes = std::fs::read(path).map_err(|source| RuntimeError::Read {
            path: path.display().to_string(),
            source,
        })?;
        self.load(&bytes)
    }

    /// Compile (or fetch from the cache) and link a component.
    pub fn load(&self, bytes: &[u8]) -> RuntimeResult<LoadedComponent<B>> {
        let hash = hex::encode(Sha256::digest(bytes));
        let component = self.compile_cached(bytes, &hash)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| RuntimeError::InvalidComponent(format!("{e:#}")))?;
        let pre = HandlerPre::new(pre).map_err(|e| {
            RuntimeError::InvalidComponent(format!(
                "does not export the wraith:handler/handler@0.1.0 world: {e:#}"
            ))
        })?;
        Ok(LoadedComponent { pre, hash })
    }

    fn compile_cached(&self, bytes: &[u8], hash: &str) -> RuntimeResult<Component> {
        let path = self
            .cache_dir
            .join(format!("{hash}-{}.cwasm", env!("CARGO_PKG_VERSION")));
        if path.exists() {
            // SAFETY: the file was written by `Component::serialize` of this
            // engine configuration (its name carries the content hash and the
            // host version); wasmtime checks the engine compatibility header
            // and we recompile on any error.
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(c) => return Ok(c),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "stale compiled component; recompiling")
                }
            }
        }
        let component = Component::new(&self.engine, bytes)
            .map_err(|e| RuntimeError::InvalidComponent(format!("{e:#}")))?;
        if let Err(e) = self.write_cache(&component, &path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot cache compiled component");
        }
        Ok(component)
    }

    fn write_cache(&self, component: &Component, path: &Path) -> Result<(), String> {
        let bytes = component.serialize().map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&self.cache_dir).map_err(|e| e.to_string())?;
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, path).map_err(|e| e.to_string())
    }

    fn store(&self, handler: Arc<str>, access: Option<B>) -> Store<HostState<B>> {
        let wasi = WasiCtx::builder()
            .allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .wall_clock(FrozenClock)
            .monotonic_clock(FrozenClock)
            .secure_random(fixed_random())
            .insecure_random(fixed_random())
            .insecure_random_seed(0)
            .build();
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.memory_limit)
            .instances(4)
            .trap_on_grow_failure(true)
            .build();
        let state = HostState {
            wasi,
            table: ResourceTable::new(),
            limits,
            handler,
            access,
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        let ticks = self
            .call_timeout_ms
            .div_ceil(EPOCH_TICK.as_millis() as u64)
            .max(1);
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        store
    }

    /// Call `describe()` on a fresh instance.
    pub fn describe(
        &self,
        component: &LoadedComponent<B>,
        handler: &str,
    ) -> RuntimeResult<Manifest> {
        let name: Arc<str> = Arc::from(handler);
        let mut store = self.store(name, None);
        let instance = component
            .pre
            .instantiate(&mut store)
            .map_err(|e| self.trap(handler, e))?;
        instance
            .call_describe(&mut store)
            .map_err(|e| self.trap(handler, e))
    }

    /// Call `handle(events)` on a fresh instance with `access` serving `get`
    /// and `stage`. Returns the access (with everything staged) and the
    /// outputs `handle` returned.
    pub fn handle(
        &self,
        component: &LoadedComponent<B>,
        handler: Arc<str>,
        events: &[WitEvent],
        access: B,
    ) -> (B, RuntimeResult<Vec<wraith::handler::types::EventOutputs>>) {
        let name = handler.clone();
        let mut store = self.store(handler, Some(access));
        let result = component
            .pre
            .instantiate(&mut store)
            .and_then(|instance| instance.call_handle(&mut store, events));
        let mut state = store.into_data();
        let Some(access) = state.access.take() else {
            unreachable!("the store owns the access for the whole call")
        };
        let result = match result {
            Ok(Ok(outputs)) => Ok(outputs),
            Ok(Err(e)) => Err(RuntimeError::Handler {
                handler: name.to_string(),
                message: e.message,
                event_index: e.event_index,
            }),
            Err(e) => Err(self.trap(&name, e)),
        };
        (access, result)
    }

    fn trap(&self, handler: &str, e: wasmtime::Error) -> RuntimeError {
        if let Some(fault) = e.downcast_ref::<HostFault>() {
            return RuntimeError::Host {
                handler: handler.to_owned(),
                message: fault.0.clone(),
            };
        }
        if let Some(wasmtime::Trap::Interrupt) = e.downcast_ref::<wasmtime::Trap>() {
            return RuntimeError::DeadlineExceeded {
                handler: handler.to_owned(),
                timeout_ms: self.call_timeout_ms,
            };
        }
        RuntimeError::Trap {
            handler: handler.to_owned(),
            message: format!("{e:#}"),
        }
    }
}

impl<B> Drop for HandlerEngine<B> {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn spawn_ticker(engine: Engine, stop: Arc<AtomicBool>) -> RuntimeResult<()> {
    std::thread::Builder::new()
        .name("wraith-epoch".to_owned())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .map(|_| ())
        .map_err(|e| RuntimeError::Engine(format!("cannot start the epoch ticker: {e}")))
}

/// A clock stopped at the Unix epoch: handlers must not depend on time.
struct FrozenClock;

impl wasmtime_wasi::HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }
    fn now(&self) -> Duration {
        Duration::ZERO
    }
}

impl wasmtime_wasi::HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// The bytes behind the handlers' (deterministic) random source.
fn fixed_random() -> wasmtime_wasi::Deterministic {
    let bytes: Vec<u8> = (0u32..256)
        .map(|i| (i.wrapping_mul(167).wrapping_add(13) % 251) as u8)
        .collect();
    wasmtime_wasi::Deterministic::new(bytes)
}
