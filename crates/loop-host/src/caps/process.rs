//! `loop:process`: spawning host processes, for trusted components with the `process` grant.
//!
//! An untrusted component that imports it is refused at load (see [`refuse_untrusted`]); a
//! trusted one without the grant gets `error.denied` on every call.

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasmtime::StoreContextMut;
use wasmtime::component::{ComponentType, Lift, Linker, Lower, Resource, ResourceType};

use super::Capability;
use crate::error::HostError;
use crate::policy::{Policy, Trust};
use crate::state::{HostState, StateBuilder};

// Linked by hand: wasmtime's `bindgen!` emits `loop` (a Rust keyword) unescaped as a module
// name for `loop:*` packages, so these types mirror `wit/process/process.wit` directly.

/// The WIT instance this capability defines.
const INSTANCE: &str = "loop:process/process@0.1.0";

/// `command` in the WIT.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(record)]
pub struct Command {
    program: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<String>,
}

/// `exit-status` in the WIT.
#[derive(ComponentType, Lift, Lower, Clone, Copy, Debug)]
#[component(record)]
pub struct ExitStatus {
    code: Option<i32>,
    signal: Option<i32>,
}

/// `output` in the WIT.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(record)]
pub struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// `error` in the WIT.
#[derive(ComponentType, Lift, Lower, Clone, Debug)]
#[component(variant)]
pub enum Error {
    /// Not granted.
    #[component(name = "denied")]
    Denied(String),
    /// No such program.
    #[component(name = "not-found")]
    NotFound(String),
    /// Anything else.
    #[component(name = "failed")]
    Failed(String),
}

/// The process capability.
pub struct Process;

/// A spawned child and its pipes.
pub struct Child {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
}

impl Capability for Process {
    fn name(&self) -> &'static str {
        "process"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["loop:process/process"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        let mut i = linker.instance(INSTANCE)?;
        // kill_on_drop reaps a child the guest forgot about.
        i.resource("child", ResourceType::host::<Child>(), |mut store, rep| {
            store
                .data_mut()
                .table
                .delete(Resource::<Child>::new_own(rep))?;
            Ok(())
        })?;
        i.func_wrap_async("spawn", |mut s: Store<'_>, (cmd,): (Command,)| {
            Box::new(async move { Ok((s.data_mut().spawn(cmd)?,)) })
        })?;
        i.func_wrap_async("run", |mut s: Store<'_>, (cmd,): (Command,)| {
            Box::new(async move { Ok((s.data_mut().run(cmd).await,)) })
        })?;
        i.func_wrap_async(
            "[method]child.id",
            |mut s: Store<'_>, (c,): (Resource<Child>,)| {
                Box::new(async move { Ok((s.data_mut().table.get(&c)?.child.id().unwrap_or(0),)) })
            },
        )?;
        i.func_wrap_async(
            "[method]child.read-stdout",
            |mut s: Store<'_>, (c, max): (Resource<Child>, u32)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    Ok((read_some(child.stdout.as_mut(), max).await,))
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.read-stderr",
            |mut s: Store<'_>, (c, max): (Resource<Child>, u32)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    Ok((read_some(child.stderr.as_mut(), max).await,))
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.write-stdin",
            |mut s: Store<'_>, (c, bytes): (Resource<Child>, Vec<u8>)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    let result = match child.stdin.as_mut() {
                        Some(stdin) => stdin
                            .write_all(&bytes)
                            .await
                            .map_err(|e| Error::Failed(format!("write: {e}"))),
                        None => Err(Error::Failed("stdin is closed".into())),
                    };
                    Ok((result,))
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.close-stdin",
            |mut s: Store<'_>, (c,): (Resource<Child>,)| {
                Box::new(async move {
                    s.data_mut().table.get_mut(&c)?.stdin = None;
                    Ok(())
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.wait",
            |mut s: Store<'_>, (c,): (Resource<Child>,)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    child.stdin = None;
                    Ok((child
                        .child
                        .wait()
                        .await
                        .map(status)
                        .map_err(|e| Error::Failed(format!("wait: {e}"))),))
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.try-wait",
            |mut s: Store<'_>, (c,): (Resource<Child>,)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    Ok((child
                        .child
                        .try_wait()
                        .map(|s| s.map(status))
                        .map_err(|e| Error::Failed(format!("wait: {e}"))),))
                })
            },
        )?;
        i.func_wrap_async(
            "[method]child.kill",
            |mut s: Store<'_>, (c,): (Resource<Child>,)| {
                Box::new(async move {
                    let child = s.data_mut().table.get_mut(&c)?;
                    Ok((child
                        .child
                        .kill()
                        .await
                        .map_err(|e| Error::Failed(format!("kill: {e}"))),))
                })
            },
        )?;
        Ok(())
    }

    fn grant(&self, _interface: &str, policy: &Policy) -> super::Grant {
        match (policy.trust, policy.process) {
            (Trust::Untrusted, _) => {
                super::Grant::refused("untrusted components may not import loop:process")
            }
            (Trust::Trusted, false) => {
                super::Grant::denied("trusted, but grants.process is not set")
            }
            (Trust::Trusted, true) => super::Grant::granted("trusted, grants.process = true"),
        }
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        state.process = state.policy.process && state.policy.trust == Trust::Trusted;
        Ok(())
    }
}

/// Refuses an untrusted component that imports `loop:process` before it starts.
pub fn refuse_untrusted(policy: &Policy, imports: &[String]) -> Result<(), HostError> {
    if policy.trust == Trust::Untrusted
        && let Some(import) = imports.iter().find(|i| i.starts_with("loop:process/"))
    {
        return Err(HostError::Refused {
            component: policy.name.clone(),
            reason: format!(
                "it imports {import}, which only trusted components may use; set trust = \"trusted\" and grants.process = true for it in loop.toml"
            ),
        });
    }
    Ok(())
}

fn status(s: std::process::ExitStatus) -> ExitStatus {
    use std::os::unix::process::ExitStatusExt;
    ExitStatus {
        code: s.code(),
        signal: s.signal(),
    }
}

fn spawn_error(program: &str, e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound(format!("{program}: program not found"))
    } else {
        Error::Failed(format!("cannot start {program}: {e}"))
    }
}

impl HostState {
    fn process_denied(&self, what: &str) -> Error {
        self.logger.denied(
            &self.name,
            "process",
            what,
            &format!(
                "process = true (with trust = \"trusted\") under [components.{}]",
                self.name
            ),
        );
        Error::Denied(format!(
            "spawning processes is not granted to {}",
            self.name
        ))
    }

    fn command(&self, cmd: &Command) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(&cmd.program);
        c.args(&cmd.args)
            .env_clear()
            .envs(cmd.env.iter().cloned())
            .kill_on_drop(true);
        if let Some(cwd) = &cmd.cwd {
            c.current_dir(cwd);
        }
        c
    }
}

type Store<'a> = StoreContextMut<'a, HostState>;

impl HostState {
    fn spawn(&mut self, cmd: Command) -> wasmtime::Result<Result<Resource<Child>, Error>> {
        if !self.process {
            return Ok(Err(self.process_denied(&format!("spawn {}", cmd.program))));
        }
        let mut c = self.command(&cmd);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        match c.spawn() {
            Ok(mut child) => {
                let handle = Child {
                    stdin: child.stdin.take(),
                    stdout: child.stdout.take(),
                    stderr: child.stderr.take(),
                    child,
                };
                Ok(Ok(self.table.push(handle)?))
            }
            Err(e) => Ok(Err(spawn_error(&cmd.program, e))),
        }
    }

    async fn run(&mut self, cmd: Command) -> Result<Output, Error> {
        if !self.process {
            return Err(self.process_denied(&format!("run {}", cmd.program)));
        }
        let mut c = self.command(&cmd);
        c.stdin(Stdio::null());
        match c.output().await {
            Ok(out) => Ok(Output {
                status: status(out.status),
                stdout: out.stdout,
                stderr: out.stderr,
            }),
            Err(e) => Err(spawn_error(&cmd.program, e)),
        }
    }
}

async fn read_some(
    reader: Option<&mut (impl AsyncReadExt + Unpin)>,
    max: u32,
) -> Result<Vec<u8>, Error> {
    let Some(reader) = reader else {
        return Ok(Vec::new());
    };
    let mut buf = vec![0; max.clamp(1, 1 << 20) as usize];
    let n = reader
        .read(&mut buf)
        .await
        .map_err(|e| Error::Failed(format!("read: {e}")))?;
    buf.truncate(n);
    Ok(buf)
}
