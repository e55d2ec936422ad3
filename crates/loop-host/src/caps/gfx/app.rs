//! Running a gfx component: winit's event loop owns the main thread; the guest runs on a tokio
//! runtime on a thread beside it, and its `wasi:cli/run` export is called with component-model
//! async (`run: async func() -> result` of WASI 0.3, or 0.2's synchronous one).
//!
//! The run ends when the guest returns (its status), traps (an error with its wasm backtrace;
//! the window closes), its window is closed or the host gets Ctrl-C or SIGTERM (status 0).

use std::sync::Arc;

use tokio::sync::oneshot;
use wasmtime::component::{Component, Instance, InstancePre};
use wasmtime::{Engine, Store};
use winit::event_loop::EventLoop;

use super::window::{App, Pacing, Spawner, UserEvent};
use super::{GfxCtx, GfxShared, Mode};
use crate::engine::Host;
use crate::error::{HostError, Outcome, classify_guest_error};
use crate::limits::Limiter;
use crate::loader;
use crate::log::Logger;
use crate::policy::Policy;
use crate::run::{arm_deadline, link_error};
use crate::state::{HostState, StateBuilder};

/// Opens the window, runs the component, and returns its exit status.
pub fn run_app(
    host: &Host,
    component: &Component,
    policy: &Policy,
    argv: &[String],
    logger: Logger,
    limiter: Limiter,
) -> Result<i32, HostError> {
    let name = policy.name.as_str();
    let engine = host.engine();
    let imports: Vec<String> = loader::import_names(engine, component)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let Some(run_export) = loader::export_names(engine, component)
        .into_iter()
        .find(|e| loader::unversioned(e) == "wasi:cli/run")
    else {
        return Err(HostError::WrongWorld {
            component: name.to_string(),
            world: loader::describe_world(&loader::export_names(engine, component)),
        });
    };
    super::check(policy, &imports, Mode::Run)?;
    crate::caps::process::refuse_untrusted(policy, &imports)?;
    let unavailable = |what: &str, detail: String| HostError::Other {
        context: format!("{name} {what}"),
        detail,
    };
    let display = super::display().map_err(|e| unavailable("cannot open a window", e))?;
    let pacing = Pacing::from_env().map_err(HostError::Usage)?;
    let gpu = super::needs_gpu(&imports);
    let global = Arc::new(super::instance(gpu));
    if gpu {
        let adapter = super::probe_adapter(&global).map_err(|e| unavailable("needs a GPU", e))?;
        host.note(format!(
            "GPU adapter: {} ({}, {})",
            adapter.name, adapter.backend, adapter.kind
        ));
    }
    let pre = host
        .linker()?
        .instantiate_pre(component)
        .map_err(|e| link_error(host, name, component, e))?;

    let event_loop = EventLoop::<UserEvent>::with_user_event()
        .build()
        .map_err(|e| {
            // winit's message starts with its source location; keep the reason.
            let e = e.to_string();
            let reason = e.rsplit(": ").next().unwrap_or(&e);
            unavailable(
                "cannot open a window",
                format!(
                    "cannot connect to the {display} ({reason}); is an X server running there?"
                ),
            )
        })?;
    let spawner = Spawner::new(event_loop.create_proxy());

    let mut builder = StateBuilder::new(policy, logger);
    builder.limiter = limiter;
    builder.wasi.args(argv);
    builder.gfx = GfxCtx {
        shared: Some(Arc::new(GfxShared {
            global,
            spawner: spawner.clone(),
            pacing,
            options: Default::default(),
        })),
    };
    let state = host.configure(builder)?;

    let (stop, stopped) = oneshot::channel();
    let guest = Guest {
        engine: engine.clone(),
        pre,
        state,
        run_export,
        timeout: policy.limits.timeout,
    };
    let reporter = spawner.clone();
    std::thread::Builder::new()
        .name(format!("{name} (guest)"))
        .spawn(move || {
            let result = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(guest.run(stopped)),
                Err(e) => Err(HostError::other("cannot start the async runtime", e)),
            };
            reporter.send(UserEvent::Finished(result));
        })
        .map_err(|e| HostError::other("cannot start the guest thread", e))?;

    let mut app = App::new(name.to_string(), pacing, stop);
    event_loop
        .run_app(&mut app)
        .map_err(|e| HostError::other("the window's event loop failed", e))?;
    let outcome = app.outcome.take().unwrap_or(Ok(0));
    // Close the windows before reporting.
    drop(app);
    outcome
}

/// What the guest thread needs.
struct Guest {
    engine: Engine,
    pre: InstancePre<HostState>,
    state: HostState,
    run_export: String,
    timeout: Option<std::time::Duration>,
}

impl Guest {
    /// Runs the component until it returns, traps, times out, or is stopped (window closed,
    /// Ctrl-C, SIGTERM). The store, and every GPU object in it, is dropped before returning.
    async fn run(self, stopped: oneshot::Receiver<()>) -> Result<i32, HostError> {
        let Guest {
            engine,
            pre,
            state,
            run_export,
            timeout,
        } = self;
        let name = state.name.clone();
        let mut store = Store::new(&engine, state);
        store.limiter(|s| &mut s.limiter);
        arm_deadline(&engine, &mut store, timeout);
        let call = async {
            let instance = pre.instantiate_async(&mut store).await?;
            call_run(&mut store, &instance, &run_export).await
        };
        tokio::select! {
            result = crate::deadline::bounded(timeout, call) => match result {
                Ok(Ok(())) => Ok(0),
                Ok(Err(())) => Ok(1),
                Err(err) => match classify_guest_error(&name, err, timeout)? {
                    Outcome::Exit(code) => Ok(code),
                },
            },
            _ = stopped => Ok(0),
            _ = signalled() => Ok(0),
        }
    }
}

/// Calls `wasi:cli/run#run` (WASI 0.3's async one, or 0.2's) with component-model async.
async fn call_run(
    store: &mut Store<HostState>,
    instance: &Instance,
    export: &str,
) -> wasmtime::Result<Result<(), ()>> {
    let interface = instance
        .get_export_index(&mut *store, None, export)
        .ok_or_else(|| wasmtime::format_err!("no export {export}"))?;
    let func = instance
        .get_export_index(&mut *store, Some(&interface), "run")
        .ok_or_else(|| wasmtime::format_err!("{export} has no `run` function"))?;
    let run = instance.get_typed_func::<(), (Result<(), ()>,)>(&mut *store, &func)?;
    let (result,) = store
        .run_concurrent(async |accessor| run.call_concurrent(accessor, ()).await)
        .await??;
    Ok(result)
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn signalled() {
    use tokio::signal::unix::{SignalKind, signal};
    match (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) {
        (Ok(mut int), Ok(mut term)) => {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        _ => std::future::pending().await,
    }
}
