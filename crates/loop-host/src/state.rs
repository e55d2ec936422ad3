//! Per-instance host state: what each capability keeps for one component instance.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::caps::fx::FxCtx;
use crate::caps::http::HttpHooks;
use crate::caps::kv::KvCtx;
use crate::limits::Limiter;
use crate::log::Logger;
use crate::policy::Policy;

/// The data of one `Store`: every capability's per-instance state.
pub struct HostState {
    /// The component's name, for log lines and denial messages.
    pub name: String,
    /// WASI 0.2 context (cli, filesystem, clocks, random, sockets).
    pub wasi: WasiCtx,
    /// Resource table shared by WASI and wasi:http.
    pub table: ResourceTable,
    /// wasi:http context.
    pub http: WasiHttpCtx,
    /// Policy checks for outgoing HTTP.
    pub http_hooks: HttpHooks,
    /// Where guest log lines go.
    pub logger: Logger,
    /// Memory and instance limits.
    pub limiter: Limiter,
    /// Key-value buckets and store.
    pub kv: KvCtx,
    /// Config values.
    pub config: Vec<(String, String)>,
    /// Whether `loop:process` calls are allowed.
    pub process: bool,
    /// fx imports' state.
    pub fx: FxCtx,
    /// wasi-gfx state (set only when `loop run` opens a window).
    #[cfg(feature = "gfx")]
    pub gfx: crate::caps::gfx::GfxCtx,
    /// State of capabilities added by an embedder ([`crate::Host::with_capability`]).
    pub ext: Extensions,
}

/// Per-instance state of embedder capabilities, one value per type.
#[derive(Default)]
pub struct Extensions(std::collections::HashMap<std::any::TypeId, Box<dyn std::any::Any + Send>>);

impl Extensions {
    /// Stores `value`, replacing any earlier value of its type.
    pub fn insert<T: Send + 'static>(&mut self, value: T) {
        self.0.insert(std::any::TypeId::of::<T>(), Box::new(value));
    }

    /// The value of type `T`, if one was stored.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0
            .get(&std::any::TypeId::of::<T>())
            .and_then(|b| b.downcast_ref())
    }

    /// The value of type `T`, mutably, if one was stored.
    pub fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.0
            .get_mut(&std::any::TypeId::of::<T>())
            .and_then(|b| b.downcast_mut())
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

/// Collects each capability's configuration for one instance, then builds its [`HostState`].
pub struct StateBuilder<'a> {
    /// The policy being applied.
    pub policy: &'a Policy,
    /// WASI context under construction.
    pub wasi: WasiCtxBuilder,
    /// Outgoing HTTP policy.
    pub http_hooks: HttpHooks,
    /// Guest log destination.
    pub logger: Logger,
    /// Limits.
    pub limiter: Limiter,
    /// Whether the instance runs under the control protocol (its stdout is the protocol's, so
    /// guest stdout goes to stderr).
    pub control: bool,
    /// Key-value state.
    pub kv: KvCtx,
    /// Config values.
    pub config: Vec<(String, String)>,
    /// Whether `loop:process` calls are allowed.
    pub process: bool,
    /// fx imports' state.
    pub fx: FxCtx,
    /// wasi-gfx state (set only when `loop run` opens a window).
    #[cfg(feature = "gfx")]
    pub gfx: crate::caps::gfx::GfxCtx,
    /// Embedder capabilities' state.
    pub ext: Extensions,
}

impl<'a> StateBuilder<'a> {
    /// Starts from nothing granted.
    pub fn new(policy: &'a Policy, logger: Logger) -> Self {
        StateBuilder {
            policy,
            wasi: WasiCtxBuilder::new(),
            http_hooks: HttpHooks::deny_all(&policy.name, logger.clone()),
            logger,
            limiter: Limiter::default(),
            control: false,
            kv: KvCtx::default(),
            config: Vec::new(),
            process: false,
            fx: FxCtx::default(),
            #[cfg(feature = "gfx")]
            gfx: Default::default(),
            ext: Extensions::default(),
        }
    }

    /// Finishes the state.
    pub fn build(mut self) -> HostState {
        HostState {
            name: self.policy.name.clone(),
            wasi: self.wasi.build(),
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_hooks: self.http_hooks,
            logger: self.logger,
            limiter: self.limiter,
            kv: self.kv,
            config: self.config,
            process: self.process,
            fx: self.fx,
            #[cfg(feature = "gfx")]
            gfx: self.gfx,
            ext: self.ext,
        }
    }
}
