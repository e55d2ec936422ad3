//! Spawning host processes through `loop:process` (trusted components with `grants.process`).
//!
//! ```ignore
//! let out = loop_sdk::process::Command::new("ls").arg("-1").cwd("/tmp").output()?;
//! ```

use crate::bindings::loop_::process::process as api;

keep_bindings_section!();

pub use api::{Child, ExitStatus, Output};

/// Why a process call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not granted: the text names the grant.
    Denied(String),
    /// The program was not found.
    NotFound(String),
    /// Anything else.
    Failed(String),
}

impl From<api::Error> for Error {
    fn from(e: api::Error) -> Self {
        match e {
            api::Error::Denied(m) => Error::Denied(m),
            api::Error::NotFound(m) => Error::NotFound(m),
            api::Error::Failed(m) => Error::Failed(m),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Denied(m) => write!(f, "denied: {m}"),
            Error::NotFound(m) | Error::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for Error {}

/// A process to run: program, arguments, environment, working directory.
#[derive(Debug, Clone, Default)]
pub struct Command {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
}

impl Command {
    /// A command running `program` (looked up on the host's PATH).
    pub fn new(program: impl Into<String>) -> Self {
        Command {
            program: program.into(),
            ..Default::default()
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds several arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable (the child inherits nothing else).
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Sets the working directory (a host path).
    pub fn cwd(mut self, dir: impl Into<String>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    fn wit(&self) -> api::Command {
        api::Command {
            program: self.program.clone(),
            args: self.args.clone(),
            env: self.env.clone(),
            cwd: self.cwd.clone(),
        }
    }

    /// Runs to completion and collects stdout, stderr and the exit status.
    pub fn output(&self) -> Result<Output, Error> {
        Ok(api::run(&self.wit())?)
    }

    /// Starts the process with piped stdio.
    pub fn spawn(&self) -> Result<api::Child, Error> {
        Ok(api::spawn(&self.wit())?)
    }
}
