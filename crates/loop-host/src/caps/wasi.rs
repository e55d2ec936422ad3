//! WASI 0.2 baseline: cli (args, env, stdio, exit), filesystem, clocks, random, sockets.
//!
//! All of it is linked so components from any toolchain instantiate; what the policy does not
//! grant is denied by wasmtime-wasi itself: no preopens means no files, no socket permission
//! means every socket call fails with `access-denied`, and only the policy's env vars exist.

use wasmtime::component::Linker;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use super::{Capability, Grant};
use crate::error::HostError;
use crate::policy::Policy;
use crate::state::{HostState, StateBuilder};

/// The WASI 0.2 capability.
pub struct Wasi;

impl Capability for Wasi {
    fn name(&self) -> &'static str {
        "wasi"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &[
            "wasi:cli/environment",
            "wasi:cli/exit",
            "wasi:cli/stdin",
            "wasi:cli/stdout",
            "wasi:cli/stderr",
            "wasi:cli/terminal-input",
            "wasi:cli/terminal-output",
            "wasi:cli/terminal-stdin",
            "wasi:cli/terminal-stdout",
            "wasi:cli/terminal-stderr",
            "wasi:clocks/monotonic-clock",
            "wasi:clocks/wall-clock",
            "wasi:filesystem/types",
            "wasi:filesystem/preopens",
            "wasi:io/error",
            "wasi:io/poll",
            "wasi:io/streams",
            "wasi:random/random",
            "wasi:random/insecure",
            "wasi:random/insecure-seed",
            "wasi:sockets/network",
            "wasi:sockets/instance-network",
            "wasi:sockets/tcp",
            "wasi:sockets/tcp-create-socket",
            "wasi:sockets/udp",
            "wasi:sockets/udp-create-socket",
            "wasi:sockets/ip-name-lookup",
        ]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        wasmtime_wasi::p2::add_to_linker_async(linker)
    }

    fn grant(&self, interface: &str, policy: &Policy) -> Grant {
        if interface.starts_with("wasi:filesystem/") {
            if policy.dirs.is_empty() {
                return Grant::denied("no directories granted (grants.dirs / --dir)");
            }
            let dirs: Vec<String> = policy
                .dirs
                .iter()
                .map(|d| format!("{}{}", d.guest, if d.read_only { " (ro)" } else { "" }))
                .collect();
            return Grant::granted(dirs.join(", "));
        }
        if interface.starts_with("wasi:sockets/") {
            return Grant::denied("raw sockets are not grantable");
        }
        if interface == "wasi:cli/environment" {
            let names: Vec<&str> = policy.env.iter().map(|(k, _)| k.as_str()).collect();
            return Grant::granted(if names.is_empty() {
                "arguments only; no environment variables".to_string()
            } else {
                format!("arguments and {}", names.join(", "))
            });
        }
        Grant::granted("baseline: always available")
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        apply(state.policy, &mut state.wasi)?;
        if state.control {
            state.wasi.stdout(std::io::stderr());
        }
        // Sockets are not grantable yet. Let TCP/UDP calls reach the address check so that
        // each denial is logged (the guest still gets `access-denied`, as with WASI's default).
        let (logger, name) = (state.logger.clone(), state.policy.name.clone());
        state.wasi.allow_tcp(true).allow_udp(true).socket_addr_check(move |addr, usage| {
            logger.denied(
                &name,
                "sockets",
                &format!("{usage:?} {addr}"),
                "nothing yet: raw sockets are not grantable; use outgoing HTTP with `hosts` instead",
            );
            Box::pin(async { false })
        });
        Ok(())
    }
}

/// Applies a policy's WASI grants (stdio, env, preopens) to a context builder; shared with the
/// preview-1 path.
pub fn apply(policy: &Policy, wasi: &mut WasiCtxBuilder) -> Result<(), HostError> {
    wasi.inherit_stdio();
    wasi.envs(&policy.env);
    for dir in &policy.dirs {
        if !dir.host.is_dir() {
            return Err(HostError::Refused {
                component: policy.name.clone(),
                reason: format!(
                    "the granted directory {} does not exist (or is not a directory); create it or fix the grant",
                    dir.host.display()
                ),
            });
        }
        let perms = if dir.read_only {
            FsPerms::ReadOnly
        } else {
            FsPerms::ReadWrite
        };
        wasi.preopened_dir(&dir.host, &dir.guest, perms)
            .map_err(|e| {
                HostError::other(
                    format!("cannot open the granted directory {}", dir.host.display()),
                    e,
                )
            })?;
    }
    Ok(())
}
