//! `wasi:config/store`: values from the manifest's `grants.config`.

use wasmtime::component::{HasSelf, Linker};

use super::Capability;
use crate::error::HostError;
use crate::state::{HostState, StateBuilder};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/deps/wasi-config",
        world: "wasi:config/imports",
    });
}

use bindings::wasi::config::store;

/// The config capability.
pub struct Config;

impl Capability for Config {
    fn name(&self) -> &'static str {
        "config"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:config/store"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        store::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
    }

    fn grant(&self, _interface: &str, policy: &crate::policy::Policy) -> super::Grant {
        let keys: Vec<&str> = policy.config.iter().map(|(k, _)| k.as_str()).collect();
        super::Grant::granted(if keys.is_empty() {
            "no values".to_string()
        } else {
            format!("keys: {}", keys.join(", "))
        })
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        state.config = state.policy.config.clone();
        Ok(())
    }
}

impl store::Host for HostState {
    fn get(&mut self, key: String) -> Result<Option<String>, store::Error> {
        Ok(self
            .config
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone()))
    }

    fn get_all(&mut self) -> Result<Vec<(String, String)>, store::Error> {
        Ok(self.config.clone())
    }
}
