//! `loop-host`: run WASM components on Wasmtime under an explicit policy.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use loop_host::engine::HostOptions;
use loop_host::log::Logger;
use loop_host::policy::{DirGrant, Policy};
use loop_host::{Host, HostError, units};

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
        after_help = "Nothing of the host is visible unless granted: no environment variables, no files,\nno network. Arguments after FILE go to the guest unchanged.\n\nExit status: the guest's own; 134 when it traps, hits --timeout or --max-memory;\n1 when the input cannot be loaded.\n\nExamples:\n  loop-host run hello.wasm a b --env GREETING=hi\n  loop-host run fs.wasm --dir ./data::/data --dir ./assets::/assets:ro\n  loop-host run spin.wasm --timeout 500ms --max-memory 32MiB"
    )]
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Set an environment variable for the guest (`KEY` alone copies the host's value).
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,

    /// Grant a directory: HOST[::GUEST], with a `:ro` suffix for read-only access.
    #[arg(long = "dir", value_name = "HOST[::GUEST][:ro]")]
    dirs: Vec<String>,

    /// Stop the guest after this long (e.g. `500ms`, `2s`).
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,

    /// Largest linear memory the guest may grow to (e.g. `64MiB`).
    #[arg(long = "max-memory", value_name = "SIZE")]
    max_memory: Option<String>,

    /// Neither read nor write the compile cache.
    #[arg(long)]
    no_cache: bool,

    /// Compile cache directory [default: $LOOP_CACHE_DIR or ~/.cache/loop-kit/compiled].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,

    /// Minimum level of guest log lines: trace, debug, info, warn, error, off [env: LOOP_LOG].
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,

    /// Print what the host does (compilation, cache hits) on stderr.
    #[arg(short, long)]
    verbose: bool,

    /// The component or module to run.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// Arguments passed to the guest.
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<String>,
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
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Run(args) => run(args),
    };
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // Exit statuses are 0..=255 on Unix; a guest's larger status is truncated the same way.
    ExitCode::from((code & 0xff) as u8)
}

fn usage(message: String) -> HostError {
    HostError::Other {
        context: "invalid arguments".into(),
        detail: message,
    }
}

fn run(args: RunArgs) -> i32 {
    match try_run(args) {
        Ok(code) => code,
        Err(err) => {
            report(&err);
            err.exit_code()
        }
    }
}

fn try_run(args: RunArgs) -> Result<i32, HostError> {
    let logger = Logger::from_env(args.log.as_deref()).map_err(usage)?;
    // Messages and logs name the component after its file, without the extension.
    let name = args
        .file
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());
    let mut policy = Policy::untrusted(name);
    for spec in &args.env {
        policy.add_env(spec).map_err(usage)?;
    }
    for spec in &args.dirs {
        policy.dirs.push(DirGrant::parse(spec).map_err(usage)?);
    }
    if let Some(t) = &args.timeout {
        policy.limits.timeout =
            Some(units::parse_duration(t).map_err(|e| usage(format!("--timeout {e}")))?);
    }
    if let Some(m) = &args.max_memory {
        policy.limits.max_memory =
            Some(units::parse_size(m).map_err(|e| usage(format!("--max-memory {e}")))?);
    }
    let host = Host::new(&HostOptions {
        no_cache: args.no_cache,
        cache_dir: args.cache_dir.clone(),
        verbose: args.verbose,
    })?;
    let loaded = host.load(&args.file)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| HostError::other("cannot start the async runtime", e))?;
    runtime.block_on(loop_host::run::run_command(
        &host, &loaded, &policy, &args.args, logger,
    ))
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
