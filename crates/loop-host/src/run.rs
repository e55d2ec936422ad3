//! Running a command: a component exporting `wasi:cli/run`, or a WASI preview-1 core module.

use std::time::Duration;

use wasmtime::Store;
use wasmtime::component::Component;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::bindings::CommandPre;

use crate::caps;
use crate::engine::{Host, Loaded};
use crate::error::{HostError, Outcome, classify_guest_error};
use crate::limits::Limiter;
use crate::loader::{self, Artifact};
use crate::log::Logger;
use crate::policy::Policy;
use crate::state::StateBuilder;

/// Runs a loaded command to completion and returns its exit status. A component that imports
/// wasi-gfx gets a native window: winit's event loop then takes this (the main) thread and the
/// guest runs beside it; anything else runs here on a single-threaded async runtime, as always.
pub fn run(
    host: &Host,
    loaded: &Loaded,
    policy: &Policy,
    args: &[String],
    logger: Logger,
) -> Result<i32, HostError> {
    #[cfg(feature = "gfx")]
    if let Artifact::Component(component) = &loaded.artifact {
        let imports: Vec<String> = loader::import_names(host.engine(), component)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        if caps::gfx::needs_window(&imports) {
            let mut argv = vec![loaded.name.clone()];
            argv.extend(args.iter().cloned());
            return caps::gfx::run_app(host, component, policy, &argv, logger, limiter(policy));
        }
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::other("cannot start the async runtime", e))?;
    runtime.block_on(run_command(host, loaded, policy, args, logger))
}

fn limiter(policy: &Policy) -> Limiter {
    Limiter {
        max_memory: policy.limits.max_memory.map(|m| m as usize),
        max_instances: None,
    }
}

/// Runs a loaded command to completion and returns its exit status.
pub async fn run_command(
    host: &Host,
    loaded: &Loaded,
    policy: &Policy,
    args: &[String],
    logger: Logger,
) -> Result<i32, HostError> {
    // argv[0] is the file name, as in `wasmtime run`.
    let mut argv = vec![loaded.name.clone()];
    argv.extend(args.iter().cloned());
    let limiter = limiter(policy);
    match &loaded.artifact {
        Artifact::Component(component) => {
            run_component(host, component, policy, &argv, logger, limiter).await
        }
        Artifact::Module(module) => run_module(host, module, policy, &argv, limiter).await,
    }
}

/// Checks that a component is a command and links it, with clear errors for the wrong world
/// or an import nobody provides.
pub fn prepare_command(
    host: &Host,
    policy: &Policy,
    component: &Component,
) -> Result<CommandPre<crate::state::HostState>, HostError> {
    let name = policy.name.as_str();
    let engine = host.engine();
    let exports = loader::export_names(engine, component);
    if !exports
        .iter()
        .any(|e| loader::unversioned(e) == "wasi:cli/run")
    {
        return Err(HostError::WrongWorld {
            component: name.to_string(),
            world: loader::describe_world(&exports),
        });
    }
    let imports: Vec<String> = loader::import_names(engine, component)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    caps::process::refuse_untrusted(policy, &imports)?;
    let linker = host.linker()?;
    let pre = linker
        .instantiate_pre(component)
        .map_err(|e| link_error(host, name, component, e))?;
    CommandPre::new(pre)
        .map_err(|e| HostError::other(format!("{name}: cannot use wasi:cli/run"), e))
}

/// Explains a link failure: which import is missing, and who could provide it.
pub fn link_error(
    host: &Host,
    name: &str,
    component: &Component,
    err: wasmtime::Error,
) -> HostError {
    let imports = loader::import_names(host.engine(), component);
    if let Some((missing, _)) = imports
        .iter()
        .find(|(import, _)| caps::provider_of(&host.capabilities(), import).is_none())
    {
        let hint = if missing.starts_with("loop:process") {
            "; loop:process is only for trusted components".to_string()
        } else {
            "; remove the import, or run it where a provider for it is configured".to_string()
        };
        return HostError::MissingImport {
            component: name.to_string(),
            import: missing.clone(),
            hint,
        };
    }
    HostError::other(format!("cannot link {name}"), format!("{err:#}"))
}

async fn run_component(
    host: &Host,
    component: &Component,
    policy: &Policy,
    argv: &[String],
    logger: Logger,
    limiter: Limiter,
) -> Result<i32, HostError> {
    let pre = prepare_command(host, policy, component)?;
    let mut builder = StateBuilder::new(policy, logger);
    builder.limiter = limiter;
    let mut state_builder = builder;
    state_builder.wasi.args(argv);
    let state = host.configure(state_builder)?;
    let mut store = Store::new(host.engine(), state);
    store.limiter(|s| &mut s.limiter);
    let timeout = policy.limits.timeout;
    arm_deadline(host.engine(), &mut store, timeout);
    let call = async {
        let command = pre.instantiate_async(&mut store).await?;
        command.wasi_cli_run().call_run(&mut store).await
    };
    let result = crate::deadline::bounded(timeout, call).await;
    match result {
        Ok(Ok(())) => Ok(0),
        Ok(Err(())) => Ok(1),
        Err(err) => outcome(classify_guest_error(&policy.name, err, timeout)?),
    }
}

struct P1State {
    wasi: WasiP1Ctx,
    limiter: Limiter,
}

async fn run_module(
    host: &Host,
    module: &wasmtime::Module,
    policy: &Policy,
    argv: &[String],
    limiter: Limiter,
) -> Result<i32, HostError> {
    let name = &policy.name;
    if module.get_export("_start").is_none() {
        let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        return Err(HostError::WrongWorld {
            component: name.clone(),
            world: format!(
                "it is a core module without a `_start` export (exports: {}); build it as a WASI command",
                if exports.is_empty() {
                    "none".to_string()
                } else {
                    exports.join(", ")
                }
            ),
        });
    }
    let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
    caps::wasi::apply(policy, &mut builder)?;
    builder.args(argv);
    let mut linker = wasmtime::Linker::<P1State>::new(host.engine());
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| &mut s.wasi)
        .map_err(|e| HostError::other("cannot link WASI preview 1", e))?;
    let mut store = Store::new(
        host.engine(),
        P1State {
            wasi: builder.build_p1(),
            limiter,
        },
    );
    store.limiter(|s| &mut s.limiter);
    let timeout = policy.limits.timeout;
    arm_deadline(host.engine(), &mut store, timeout);
    let pre = linker.instantiate_pre(module).map_err(|e| {
        HostError::other(
            format!("cannot link {name}"),
            crate::error::one_line(&format!("{e:#}")),
        )
    })?;
    let call = async {
        let instance = pre.instantiate_async(&mut store).await?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        start.call_async(&mut store, ()).await
    };
    match crate::deadline::bounded(timeout, call).await {
        Ok(()) => Ok(0),
        Err(err) => outcome(classify_guest_error(name, err, timeout)?),
    }
}

fn outcome(o: Outcome) -> Result<i32, HostError> {
    match o {
        Outcome::Exit(code) => Ok(code),
    }
}

/// Makes the store trap at the next epoch tick and starts a timer thread that ticks once the
/// timeout elapses. Without a timeout no tick ever happens.
pub(crate) fn arm_deadline<T>(
    engine: &wasmtime::Engine,
    store: &mut Store<T>,
    timeout: Option<Duration>,
) {
    store.set_epoch_deadline(1);
    store.epoch_deadline_trap();
    if let Some(limit) = timeout {
        let engine = engine.clone();
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            engine.increment_epoch();
        });
    }
}
