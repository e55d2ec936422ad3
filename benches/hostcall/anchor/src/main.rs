//! The anchor of the host-call benchmark: the least an embedder of Wasmtime does to give a
//! component a host function.
//!
//! ```text
//! hostcall-anchor compile IN.wasm OUT.cwasm    compile once (what loop-host's cache does)
//! hostcall-anchor run OUT.cwasm ARGS...        run it as a command, ARGS as its arguments
//! ```
//!
//! The engine has loop-host's settings (component model, epoch interruption compiled in, Cranelift
//! `speed`, no pooling), the store is run the way `loop-host run` runs a command (async
//! instantiation and `wasi:cli/run` call on a current-thread Tokio runtime, WASI 0.2 linked), and
//! `bench:anchor/host` is linked with `bindgen!`, as loop-host links `wasi:logging`. Its
//! functions do nothing.

use std::path::Path;
use std::process::ExitCode;

use wasmtime::component::{Component, HasSelf, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::Command;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bench:anchor/guest",
    });
}

use bindings::bench::anchor::host;

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl host::Host for State {
    fn noop(&mut self) {}

    fn log(&mut self, _level: host::Level, _context: String, _message: String) {}
}

/// loop-host's engine settings (crates/loop-host/src/engine.rs, without pooling).
fn engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    Engine::new(&config)
}

fn compile(engine: &Engine, input: &Path, output: &Path) -> wasmtime::Result<()> {
    let bytes = std::fs::read(input)?;
    std::fs::write(output, engine.precompile_component(&bytes)?)?;
    Ok(())
}

fn run(engine: &Engine, cwasm: &Path, args: &[String]) -> wasmtime::Result<bool> {
    // SAFETY: the file is one this program wrote with `compile`, for this very engine.
    let component = unsafe { Component::deserialize_file(engine, cwasm)? };
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    host::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
    let pre = linker.instantiate_pre(&component)?;
    let mut argv = vec!["hostcall-anchor".to_string()];
    argv.extend(args.iter().cloned());
    let wasi = WasiCtx::builder().inherit_stdio().args(&argv).build();
    let mut store = Store::new(
        engine,
        State {
            wasi,
            table: ResourceTable::new(),
        },
    );
    // As loop-host without --timeout: a deadline that never comes.
    store.set_epoch_deadline(1 << 40);
    store.epoch_deadline_trap();
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    runtime.block_on(async {
        let instance = pre.instantiate_async(&mut store).await?;
        let command = Command::new(&mut store, &instance)?;
        Ok(command.wasi_cli_run().call_run(&mut store).await?.is_ok())
    })
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = engine().and_then(|engine| match args.as_slice() {
        [cmd, input, output] if cmd == "compile" => {
            compile(&engine, Path::new(input), Path::new(output)).map(|()| true)
        }
        [cmd, cwasm, rest @ ..] if cmd == "run" => run(&engine, Path::new(cwasm), rest),
        _ => {
            eprintln!("usage: hostcall-anchor compile IN.wasm OUT.cwasm | run OUT.cwasm ARGS...");
            Ok(false)
        }
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("hostcall-anchor: {e:?}");
            ExitCode::FAILURE
        }
    }
}
