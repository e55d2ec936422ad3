//! `wasi:logging/logging`: guest log lines into the host's log, tagged with the component name.

use wasmtime::component::{HasSelf, Linker};

use super::Capability;
use crate::error::HostError;
use crate::log::Level;
use crate::state::{HostState, StateBuilder};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/deps/wasi-logging",
        world: "wasi:logging/imports",
    });
}

use bindings::wasi::logging::logging;

/// The logging capability; always granted.
pub struct Logging;

impl Capability for Logging {
    fn name(&self) -> &'static str {
        "logging"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["wasi:logging/logging"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        logging::add_to_linker::<HostState, HasSelf<HostState>>(linker, |state| state)
    }

    fn configure(&self, _state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        Ok(())
    }
}

impl logging::Host for HostState {
    fn log(&mut self, level: logging::Level, context: String, message: String) {
        let level = match level {
            logging::Level::Trace => Level::Trace,
            logging::Level::Debug => Level::Debug,
            logging::Level::Info => Level::Info,
            logging::Level::Warn => Level::Warn,
            logging::Level::Error => Level::Error,
            logging::Level::Critical => Level::Critical,
        };
        self.logger.log(level, &self.name, &context, &message);
    }
}
