//! Capabilities: each module provides some WIT interfaces, links them, and configures its
//! per-instance state from the policy. Adding a capability is one module and one line in
//! [`REGISTRY`].

use wasmtime::component::Linker;

use crate::error::HostError;
use crate::policy::Policy;
use crate::state::{HostState, StateBuilder};

pub mod config;
pub mod fx;
#[cfg(feature = "gfx")]
pub mod gfx;
pub mod http;
pub mod kv;
pub mod logging;
pub mod process;
pub mod wasi;

/// One capability of the host, in the style of Spin's factors.
pub trait Capability: Send + Sync {
    /// Short name used in messages, e.g. `files`.
    fn name(&self) -> &'static str;
    /// Unversioned WIT interfaces it provides, e.g. `wasi:filesystem/types`.
    fn interfaces(&self) -> &'static [&'static str];
    /// Adds its host functions to a linker (ungranted calls are answered by a denial).
    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()>;
    /// Applies its part of the policy to one instance's state.
    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError>;
    /// What the policy grants for one of its interfaces (for `inspect`).
    fn grant(&self, _interface: &str, _policy: &Policy) -> Grant {
        Grant::granted("baseline: always available")
    }
}

/// Whether an import is usable under a policy, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    /// `granted`, `denied` (linked, every call fails), `refused` (the component will not load)
    /// or `missing` (nothing provides it).
    pub status: &'static str,
    /// Human-readable reason or scope.
    pub detail: String,
}

impl Grant {
    /// A granted import.
    pub fn granted(detail: impl Into<String>) -> Self {
        Grant {
            status: "granted",
            detail: detail.into(),
        }
    }

    /// A linked import whose calls are denied.
    pub fn denied(detail: impl Into<String>) -> Self {
        Grant {
            status: "denied",
            detail: detail.into(),
        }
    }

    /// An import that makes the component fail to load under this policy.
    pub fn refused(detail: impl Into<String>) -> Self {
        Grant {
            status: "refused",
            detail: detail.into(),
        }
    }
}

/// The grant of any import, including ones no capability provides.
pub fn grant_of(caps: &[&dyn Capability], interface: &str, policy: &Policy) -> Grant {
    match provider_of(caps, interface) {
        Some(cap) => cap.grant(crate::loader::unversioned(interface), policy),
        None => Grant {
            status: "missing",
            detail: "no capability provides it; the component will not load".into(),
        },
    }
}

/// Every built-in capability, in link order (a [`crate::Host`] may add its own after these).
pub static REGISTRY: &[&dyn Capability] = &[
    &wasi::Wasi,
    &http::Http,
    &logging::Logging,
    &kv::Kv,
    &config::Config,
    &process::Process,
    &fx::Fx,
    #[cfg(feature = "gfx")]
    &gfx::Window,
    #[cfg(feature = "gfx")]
    &gfx::Gpu,
];

/// Refuses a component that imports wasi-gfx where no window can open (`loop serve`, the
/// control protocol), before any of its code runs.
pub fn refuse_headless(
    policy: &Policy,
    imports: &[String],
    #[cfg_attr(not(feature = "gfx"), allow(unused_variables))] what: &'static str,
) -> Result<(), HostError> {
    #[cfg(feature = "gfx")]
    gfx::check(policy, imports, gfx::Mode::Headless(what))?;
    #[cfg(not(feature = "gfx"))]
    let _ = (policy, imports);
    Ok(())
}

/// A linker with every given capability added.
pub fn linker(
    engine: &wasmtime::Engine,
    caps: &[&dyn Capability],
) -> Result<Linker<HostState>, HostError> {
    let mut linker = Linker::new(engine);
    for cap in caps {
        cap.add_to_linker(&mut linker).map_err(|e| {
            HostError::other(format!("cannot link the {} capability", cap.name()), e)
        })?;
    }
    Ok(linker)
}

/// Builds one instance's state by letting every given capability configure it.
pub fn configure(
    caps: &[&dyn Capability],
    mut state: StateBuilder<'_>,
) -> Result<HostState, HostError> {
    for cap in caps {
        cap.configure(&mut state)?;
    }
    Ok(state.build())
}

/// The capability providing an interface (given with or without a version), if any.
pub fn provider_of<'a>(caps: &[&'a dyn Capability], interface: &str) -> Option<&'a dyn Capability> {
    let name = crate::loader::unversioned(interface);
    caps.iter()
        .copied()
        .find(|cap| cap.interfaces().contains(&name))
}
