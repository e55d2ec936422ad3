//! `loop-host`: run WASM components on Wasmtime under an explicit policy.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use loop_host::engine::{Compiler, HostOptions};
use loop_host::log::Logger;
use loop_host::manifest;
use loop_host::policy::{DirGrant, Policy, Trust};
use loop_host::{Host, HostError, units};

// mimalloc instead of glibc's malloc: Wasmtime's compiler allocates and frees small objects at a
// high rate on every thread, and a swap in `serve --control` compiles ~10-20% faster with it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "loop-host",
    version,
    about = "The loop-kit native runtime: runs WASM components on Wasmtime under an explicit policy.",
    after_help = "Examples:\n  loop-host run hello.wasm world --env GREETING=hi\n  loop-host run fs.wasm --dir ./data::/data:ro --timeout 5s --max-memory 64MiB"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WASI command component (exports wasi:cli/run) or a WASI preview-1 module.
    #[command(
        after_help = "Nothing of the host is visible unless granted: no environment variables, no files,\nno network. Options go before FILE; everything after FILE goes to the guest unchanged. With --manifest, the\ncomponent's policy comes from loop.toml and every positional argument goes to the guest.\n\nExit status: the guest's own; 134 when it traps, hits --timeout or --max-memory;\n1 when the input cannot be loaded; 2 for invalid arguments.\n\nExamples:\n  loop-host run --env GREETING=hi hello.wasm a b\n  loop-host run fs.wasm --dir ./data::/data --dir ./assets::/assets:ro\n  loop-host run spin.wasm --timeout 500ms --max-memory 32MiB\n  loop-host run --manifest loop.toml --component counter"
    )]
    Run(RunArgs),
    /// Serve a wasi:http component (exports wasi:http/incoming-handler) over HTTP/1.1.
    #[command(
        after_help = "A fresh instance answers each request. A trap, --timeout or --max-memory in one request\nanswers that request 500 and nothing else. Ctrl-C (or SIGTERM) stops accepting, lets\nin-flight requests finish, and exits 0. Prints `serving NAME on http://ADDR` once listening.\n\nExamples:\n  loop-host serve proxy.wasm --listen 127.0.0.1:8080\n  loop-host serve api.wasm --allow-host 127.0.0.1:9000 --timeout 2s\n  loop-host serve --manifest loop.toml --component api"
    )]
    Serve(ServeArgs),
    /// Serve the control protocol on stdin/stdout (for the loop CLI, dev server and fx).
    #[command(
        after_help = "Length-prefixed JSON frames (u32 big-endian length, then UTF-8 JSON) in both directions;\nsee docs/control-protocol.md. Guest stdout goes to stderr; guest logs become events.\n\nExample:\n  loop-host control --log debug"
    )]
    Control(ControlArgs),
    /// Check a loop.toml and print it resolved (JSON), or print its JSON Schema.
    #[command(
        after_help = "Examples:\n  loop-host manifest              # ./loop.toml, resolved, as JSON\n  loop-host manifest app/loop.toml\n  loop-host manifest --schema     # the JSON Schema of loop.toml"
    )]
    Manifest(ManifestArgs),
    /// Show a component's world, imports, exports, and what the policy grants per import.
    #[command(
        after_help = "Examples:\n  loop-host inspect hello.wasm\n  loop-host inspect app.wasm --manifest loop.toml --component app --json"
    )]
    Inspect(InspectArgs),
    /// Report what native windows and GPUs this machine offers components (display, adapter).
    #[command(
        after_help = "Looks for a display (DISPLAY, WAYLAND_DISPLAY) and the Vulkan adapter WebGPU would use\n(name, backend, software or hardware). Exit status 0 either way.\n\nExamples:\n  loop-host doctor\n  loop-host doctor --json"
    )]
    Doctor(DoctorArgs),
}

#[derive(Args)]
struct DoctorArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Where a component's policy comes from: a manifest, flags, or both (flags add to it).
#[derive(Args, Clone)]
struct PolicyArgs {
    /// Take the component's policy from this loop.toml.
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,

    /// Which component of the manifest (default: app.main, or the only one).
    #[arg(long, value_name = "NAME", requires = "manifest")]
    component: Option<String>,

    /// With --manifest: the built .wasm to use instead of the component's `path`.
    #[arg(long, value_name = "FILE", requires = "manifest")]
    wasm: Option<PathBuf>,

    /// Set an environment variable for the guest (`KEY` alone copies the host's value).
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,

    /// Grant a directory: HOST[::GUEST], with a `:ro` suffix for read-only access.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro]")]
    dirs: Vec<String>,

    /// Allow outgoing HTTP to a host (`host` or `host:port`); repeatable.
    #[arg(long = "allow-host", value_name = "HOST")]
    hosts: Vec<String>,

    /// Grant a key-value bucket; repeatable.
    #[arg(long = "kv", value_name = "BUCKET")]
    kv: Vec<String>,

    /// Serve a value through wasi:config/store; repeatable.
    #[arg(long = "config", value_name = "KEY=VALUE")]
    config: Vec<String>,

    /// Run as a trusted component (may be granted processes).
    #[arg(long)]
    trusted: bool,

    /// Grant loop:process (requires --trusted).
    #[arg(long = "allow-process", requires = "trusted")]
    process: bool,

    /// Where key-value stores live [default: .loop/data, or the manifest's app.data-dir].
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,

    /// Stop the guest after this long (e.g. `500ms`, `2s`).
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,

    /// Largest linear memory the guest may grow to (e.g. `64MiB`).
    #[arg(long = "max-memory", value_name = "SIZE")]
    max_memory: Option<String>,
}

/// Compile-cache and diagnostics options.
#[derive(Args, Clone)]
struct EngineArgs {
    /// Neither read nor write the compile cache.
    #[arg(long)]
    no_cache: bool,

    /// Compile cache directory [default: $LOOP_CACHE_DIR or ~/.cache/loop-kit/compiled].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Print what the host does (compilation, cache hits) on stderr.
    #[arg(short, long)]
    verbose: bool,

    /// Code generator: cranelift (optimised; with `control --incremental` and `serve --control`, a new version reuses
    /// the code of functions that did not change) or winch (a baseline compiler: compiles
    /// 2-3x faster from scratch, runs slower).
    #[arg(long, value_name = "NAME", default_value = "cranelift", value_parser = ["cranelift", "winch"])]
    compiler: String,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    policy: PolicyArgs,

    #[command(flatten)]
    engine: EngineArgs,

    /// Minimum level of guest log lines: trace, debug, info, warn, error, off [env: LOOP_LOG].
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,

    /// The component or module to run (with --manifest: the first guest argument).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// Arguments passed to the guest.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    policy: PolicyArgs,

    #[command(flatten)]
    engine: EngineArgs,

    /// Read control frames on stdin (`swap` to a new version without restarting, `shutdown`);
    /// stdout then carries only protocol frames (docs/control-protocol.md).
    #[arg(long)]
    control: bool,

    /// Address to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,

    /// Minimum level of guest log lines: trace, debug, info, warn, error, off [env: LOOP_LOG].
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,

    /// The component to serve (optional with --manifest).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Args)]
struct ControlArgs {
    #[command(flatten)]
    engine: EngineArgs,

    /// Minimum level of guest log events: trace, debug, info, warn, error, off [env: LOOP_LOG].
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,

    /// Keep Cranelift's compiled functions in memory, so loading a new version of a component
    /// recompiles only the functions that changed (for a dev loop; `serve --control` always does).
    #[arg(long)]
    incremental: bool,
}

#[derive(Args)]
struct ManifestArgs {
    /// The manifest [default: ./loop.toml].
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,

    /// Print the JSON Schema of loop.toml instead.
    #[arg(long)]
    schema: bool,
}

#[derive(Args)]
struct InspectArgs {
    #[command(flatten)]
    policy: PolicyArgs,

    #[command(flatten)]
    engine: EngineArgs,

    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// The component or module to inspect (optional with --manifest).
    #[arg(value_name = "FILE")]
    file: Option<PathBuf>,
}

/// With `LOOP_HOST_EXIT_WITH_PARENT=1` (set by the `loop` CLI), a SIGTERM arrives when the
/// process that started loop-host dies, however it dies (even SIGKILL), so a server never
/// outlives the command that started it; SIGTERM drains requests in flight as usual. Not the
/// default: loop-host started by hand (`nohup loop-host serve … &`) keeps running on its own.
fn exit_with_parent() {
    if std::env::var_os("LOOP_HOST_EXIT_WITH_PARENT").is_none_or(|v| v != "1") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let parent = std::os::unix::process::parent_id();
        // SAFETY: prctl(PR_SET_PDEATHSIG) only sets a property of this process.
        unsafe {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
        }
        // The parent may have died before the prctl: then nobody will signal us.
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(143);
        }
    }
}

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let location = info
            .location()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        eprintln!("error: loop-host internal error: {message}{location}; please report this bug");
    }));
    exit_with_parent();
    #[cfg(feature = "gfx")]
    loop_host::caps::gfx::quiet_vulkan_layers();
    let cli = Cli::parse();
    let code = finish(match cli.command {
        Command::Run(args) => run(args),
        Command::Serve(args) => serve_cmd(args),
        Command::Control(args) => control_cmd(args),
        Command::Manifest(args) => manifest_cmd(args),
        Command::Inspect(args) => inspect_cmd(args),
        Command::Doctor(args) => doctor_cmd(args),
    });
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Exit statuses are 0..=255 on Unix; a guest's larger status is truncated the same way.
    ExitCode::from((code & 0xff) as u8)
}

fn usage(message: String) -> HostError {
    HostError::Usage(message)
}

/// Prints errors as one line and turns them into an exit status.
fn finish(result: Result<i32, HostError>) -> i32 {
    match result {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            err.exit_code()
        }
    }
}

/// Resolves the wasm to load and its policy from a manifest and/or flags.
fn resolve(args: &PolicyArgs, file: Option<&Path>) -> Result<(PathBuf, Policy), HostError> {
    let (wasm, mut policy) = match &args.manifest {
        Some(manifest) => {
            let app = manifest::load(manifest).map_err(|e| HostError::Other {
                context: "invalid manifest".into(),
                detail: e.to_string(),
            })?;
            let component = app.component(args.component.as_deref()).map_err(usage)?;
            let wasm = match (&args.wasm, &component.path, &component.source) {
                (Some(w), _, _) => w.clone(),
                (None, Some(p), _) => p.clone(),
                (None, None, Some(src)) => {
                    return Err(usage(format!(
                        "component `{}` is built from source ({}); run it with `loop run`, which builds it, or pass the built file with --wasm",
                        component.name,
                        src.display()
                    )));
                }
                (None, None, None) => {
                    return Err(usage(format!("component `{}` has no path", component.name)));
                }
            };
            (wasm, component.policy.clone())
        }
        None => {
            let Some(file) = file else {
                return Err(usage("no FILE given (or use --manifest loop.toml)".into()));
            };
            // Messages and logs name the component after its file, without the extension.
            let name = file
                .file_stem()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| file.display().to_string());
            (file.to_path_buf(), Policy::untrusted(name))
        }
    };
    for spec in &args.env {
        policy.add_env(spec).map_err(usage)?;
    }
    for spec in &args.dirs {
        policy.dirs.push(DirGrant::parse(spec).map_err(usage)?);
    }
    policy.hosts.extend(args.hosts.iter().cloned());
    policy.kv.extend(args.kv.iter().cloned());
    for spec in &args.config {
        let (k, v) = spec
            .split_once('=')
            .ok_or_else(|| usage(format!("--config `{spec}`: expected KEY=VALUE")))?;
        policy.config.push((k.to_string(), v.to_string()));
    }
    if args.trusted {
        policy.trust = Trust::Trusted;
    }
    if args.process {
        policy.process = true;
    }
    if let Some(dir) = &args.data_dir {
        policy.data_dir = Some(dir.clone());
    }
    if let Some(t) = &args.timeout {
        policy.limits.timeout =
            Some(units::parse_duration(t).map_err(|e| usage(format!("--timeout {e}")))?);
    }
    if let Some(m) = &args.max_memory {
        policy.limits.max_memory =
            Some(units::parse_size(m).map_err(|e| usage(format!("--max-memory {e}")))?);
    }
    Ok((wasm, policy))
}

/// `swaps`: the host is long-lived and loads new versions (control modes), so Cranelift keeps
/// its per-function results for the next version's compile.
fn host(args: &EngineArgs, pooling: bool, swaps: bool) -> Result<Host, HostError> {
    if swaps {
        keep_freed_memory();
    }
    Host::new(&HostOptions {
        incremental: swaps,
        no_cache: args.no_cache,
        cache_dir: args.cache_dir.clone(),
        verbose: args.verbose,
        pooling,
        compiler: if args.compiler == "winch" {
            Compiler::Winch
        } else {
            Compiler::Cranelift
        },
    })
}

/// Makes the allocator keep memory it frees instead of returning it to the OS.
///
/// A swap's compile allocates tens of MiB and frees them. By default mimalloc hands freed memory
/// back to the OS after a short delay, so a save after a pause paid for faulting all of it in
/// again: ~60 ms instead of ~40 ms per swap here (docs/perf.md). A host that swaps keeps its
/// peak instead, which the next compile reuses.
fn keep_freed_memory() {
    // `mi_option_purge_delay` in mimalloc.h (15 in both mimalloc v2 and v3; the sys crate does
    // not name it): milliseconds before freed memory is purged, -1 for never.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: sets one integer option; called on the main thread before the host starts any
    // other thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

fn serve_cmd(args: ServeArgs) -> Result<i32, HostError> {
    let logger = Logger::from_env(args.log.as_deref()).map_err(usage)?;
    let (wasm, policy) = resolve(&args.policy, args.file.as_deref())?;
    let host = std::sync::Arc::new(host(&args.engine, true, args.control)?);
    let loaded = host.load(&wasm)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::other("cannot start the async runtime", e))?;
    runtime.block_on(loop_host::serve::serve(
        host.clone(),
        &loaded,
        policy,
        args.listen,
        logger,
        args.control,
    ))?;
    Ok(0)
}

fn run(args: RunArgs) -> Result<i32, HostError> {
    let logger = Logger::from_env(args.log.as_deref()).map_err(usage)?;
    let mut guest_args = args.args.clone();
    let file = if args.policy.manifest.is_some() {
        if let Some(first) = &args.file {
            guest_args.insert(0, first.to_string_lossy().into_owned());
        }
        None
    } else {
        args.file.clone()
    };
    let (wasm, policy) = resolve(&args.policy, file.as_deref())?;
    let host = host(&args.engine, false, false)?;
    let loaded = host.load(&wasm)?;
    loop_host::run::run(&host, &loaded, &policy, &guest_args, logger)
}

fn control_cmd(args: ControlArgs) -> Result<i32, HostError> {
    let logger = Logger::from_env(args.log.as_deref()).map_err(usage)?;
    let host = host(&args.engine, false, args.incremental)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::other("cannot start the async runtime", e))?;
    runtime.block_on(loop_host::control::serve_stdio(host, logger.min))?;
    Ok(0)
}

fn manifest_cmd(args: ManifestArgs) -> Result<i32, HostError> {
    let json = if args.schema {
        manifest::schema()
    } else {
        let file = args.file.unwrap_or_else(|| PathBuf::from("loop.toml"));
        let app = manifest::load(&file).map_err(|e| HostError::Other {
            context: "invalid manifest".into(),
            detail: e.to_string(),
        })?;
        serde_json::to_value(&app).map_err(|e| HostError::other("cannot print the manifest", e))?
    };
    print_stdout(&format!(
        "{}\n",
        serde_json::to_string_pretty(&json).unwrap_or_default()
    ));
    Ok(0)
}

fn inspect_cmd(args: InspectArgs) -> Result<i32, HostError> {
    let (wasm, policy) = resolve(&args.policy, args.file.as_deref())?;
    let host = host(&args.engine, false, false)?;
    let loaded = host.load(&wasm)?;
    let report = loop_host::inspect::inspect(&host, &loaded, &policy)?;
    if args.json {
        print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
    } else {
        print_stdout(&loop_host::inspect::render(&report));
    }
    Ok(0)
}

fn doctor_cmd(args: DoctorArgs) -> Result<i32, HostError> {
    use serde_json::{Value, json};
    #[cfg(feature = "gfx")]
    let (display, gpu) = {
        let report = loop_host::caps::gfx::doctor();
        (
            report.display.map(|name| json!({ "name": name })),
            report
                .adapter
                .map(|a| serde_json::to_value(a).unwrap_or_default()),
        )
    };
    #[cfg(not(feature = "gfx"))]
    let (display, gpu): (Result<Value, String>, Result<Value, String>) = {
        let off = "this loop-host was built without the `gfx` feature".to_string();
        (Err(off.clone()), Err(off))
    };
    let entry = |r: &Result<Value, String>| match r {
        Ok(v) => {
            let mut v = v.clone();
            v["ok"] = json!(true);
            v
        }
        Err(e) => json!({ "ok": false, "error": e }),
    };
    if args.json {
        let report = json!({ "display": entry(&display), "gpu": entry(&gpu) });
        print_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
        return Ok(0);
    }
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let display = match &display {
        Ok(d) => text(d, "name"),
        Err(e) => format!("none: {e}"),
    };
    let gpu = match &gpu {
        Ok(a) => format!(
            "{} ({}, {}; {})",
            text(a, "name"),
            text(a, "backend"),
            text(a, "kind"),
            text(a, "driver")
        ),
        Err(e) => format!("none: {e}"),
    };
    print_stdout(&format!("display  {display}\ngpu      {gpu}\n"));
    Ok(0)
}

/// Writes to stdout, ignoring a closed pipe (`loop-host inspect x.wasm | head`).
fn print_stdout(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints an error as one line, plus the guest's wasm backtrace when there is one.
fn report(err: &HostError) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "error: {err}");
    if let Some(backtrace) = err.backtrace() {
        let _ = writeln!(stderr, "guest wasm backtrace:");
        for line in backtrace.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(stderr, "  {}", line.trim_end());
        }
    }
}

#[cfg(test)]
mod tests {
    /// Option 15 must be mimalloc's purge delay: the sys crate does not name it, so a mimalloc
    /// upgrade that renumbered its options would silently set another one.
    #[test]
    fn keeping_freed_memory_turns_off_mimallocs_purge() {
        // SAFETY: reads and sets integer options; nothing else in this test binary sets them.
        let before = unsafe { libmimalloc_sys::mi_option_get(15) };
        assert_eq!(
            before, 1000,
            "mimalloc v3's purge delay defaults to 1000 ms"
        );
        super::keep_freed_memory();
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(15) }, -1);
    }
}
