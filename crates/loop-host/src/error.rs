//! Typed errors of the host, each rendered as one line that says what failed, for which file or
//! component, and what to do.

use std::path::PathBuf;

use crate::limits::MemoryLimitExceeded;
use crate::units::format_size;

/// Exit status used when a guest traps (as `wasmtime run` does: 128 + SIGABRT).
pub const EXIT_TRAP: i32 = 134;
/// Exit status used when the host refuses or cannot load the input.
pub const EXIT_LOAD: i32 = 1;
/// Exit status for invalid command-line arguments (as clap uses).
pub const EXIT_USAGE: i32 = 2;

/// Everything that can stop a run, as the user should read it.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The input path does not exist.
    #[error("{path}: no such file", path = .path.display())]
    FileNotFound { path: PathBuf },
    /// The input exists but could not be read.
    #[error("{path}: cannot read it: {source}", path = .path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The input is not WebAssembly at all.
    #[error(
        "{path} is not a WebAssembly file (it starts with {found}); expected a component or a core module (.wasm)",
        path = .path.display()
    )]
    NotWasm { path: PathBuf, found: String },
    /// The input is WebAssembly but does not validate or compile.
    #[error("{path} is not a valid WebAssembly {kind}: {detail}", path = .path.display())]
    Invalid {
        path: PathBuf,
        kind: &'static str,
        detail: String,
    },
    /// The component targets another world than the one the command needs.
    #[error("{component} does not export wasi:cli/run, so it cannot be run as a command: {world}")]
    WrongWorld { component: String, world: String },
    /// The component imports an interface no capability provides.
    #[error("{component} imports `{import}`, which loop-host does not provide{hint}")]
    MissingImport {
        component: String,
        import: String,
        hint: String,
    },
    /// The component was refused by policy before it started.
    #[error("{component} was refused: {reason}")]
    Refused { component: String, reason: String },
    /// The guest trapped.
    #[error("{component} trapped: {message}")]
    Trap {
        component: String,
        message: String,
        backtrace: Option<String>,
    },
    /// The guest ran past its time limit.
    #[error("{component} ran longer than its time limit of {limit} and was stopped (--timeout)")]
    Timeout {
        component: String,
        limit: String,
        backtrace: Option<String>,
    },
    /// The guest tried to use more memory than its limit.
    #[error(
        "{component} tried to grow its memory to {desired}, past its limit of {limit} (--max-memory)"
    )]
    MemoryLimit {
        component: String,
        desired: String,
        limit: String,
        backtrace: Option<String>,
    },
    /// Invalid arguments or option values.
    #[error("invalid arguments: {0}")]
    Usage(String),
    /// A host-side failure with context.
    #[error("{context}: {detail}")]
    Other { context: String, detail: String },
}

impl HostError {
    /// The process exit status this error maps to.
    pub fn exit_code(&self) -> i32 {
        match self {
            HostError::Trap { .. } | HostError::Timeout { .. } | HostError::MemoryLimit { .. } => {
                EXIT_TRAP
            }
            HostError::Usage(_) => EXIT_USAGE,
            _ => EXIT_LOAD,
        }
    }

    /// Extra lines shown under the error line: the guest's wasm backtrace, when there is one.
    pub fn backtrace(&self) -> Option<&str> {
        match self {
            HostError::Trap { backtrace, .. }
            | HostError::Timeout { backtrace, .. }
            | HostError::MemoryLimit { backtrace, .. } => backtrace.as_deref(),
            _ => None,
        }
    }

    /// Wraps any error with a short description of what was being done.
    pub fn other(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        HostError::Other {
            context: context.into(),
            detail: one_line(&err.to_string()),
        }
    }
}

/// What ended a guest call: a clean exit with a status, or an error.
#[derive(Debug)]
pub enum Outcome {
    /// The guest finished (or called `exit`) with this status.
    Exit(i32),
}

/// Turns the error a guest call returned into an exit status or a typed [`HostError`].
pub fn classify_guest_error(
    component: &str,
    err: wasmtime::Error,
    timeout: Option<std::time::Duration>,
) -> Result<Outcome, HostError> {
    if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Ok(Outcome::Exit(exit.0));
    }
    let backtrace = err
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(|bt| {
            // Drop Wasmtime's own header line; the caller prints its own.
            bt.to_string()
                .lines()
                .filter(|l| {
                    !l.trim().is_empty() && !l.contains("error while executing at wasm backtrace")
                })
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.is_empty());
    let component = component.to_string();
    if let Some(mem) = err.downcast_ref::<MemoryLimitExceeded>() {
        return Err(HostError::MemoryLimit {
            component,
            desired: format_size(mem.desired as u64),
            limit: format_size(mem.limit as u64),
            backtrace,
        });
    }
    if let Some(trap) = err.downcast_ref::<wasmtime::Trap>() {
        if *trap == wasmtime::Trap::Interrupt {
            return Err(HostError::Timeout {
                component,
                limit: timeout
                    .map(|t| humantime::format_duration(t).to_string())
                    .unwrap_or_default(),
                backtrace,
            });
        }
        return Err(HostError::Trap {
            component,
            message: trap.to_string(),
            backtrace,
        });
    }
    // Not a wasm trap: a host function failed (e.g. a resource error). Show the whole chain on
    // one line, innermost cause last.
    let message = err
        .chain()
        .map(|e| e.to_string())
        .filter(|s| !s.starts_with("error while executing at wasm backtrace"))
        .collect::<Vec<_>>()
        .join(": ");
    Err(HostError::Trap {
        component,
        message: one_line(&message),
        backtrace,
    })
}

/// Collapses a multi-line message onto one line.
pub fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}
