//! The greeter capability: this program's own WIT interface (`wit/greeter.wit`), provided
//! in-process to every guest, in the same shape as loop-host's built-in capabilities.

use loop_host::HostError;
use loop_host::caps::Capability;
use loop_host::state::{HostState, StateBuilder};
use wasmtime::component::{HasSelf, Linker};

mod bindings {
    // Typed host bindings for the WIT: a `Host` trait per imported interface, and an
    // `add_to_linker` that wires it up.
    wasmtime::component::bindgen!({ path: "wit", world: "guest" });
}

use bindings::myapp::greeter::greeter;

/// The capability, configured once for the whole program.
pub struct Greeter {
    /// The word each greeting starts with.
    pub greeting: String,
    /// Named in greetings: "greeting 1 from the <host> host".
    pub host: String,
}

/// What one guest instance has: the host's settings plus its own count.
struct GreeterState {
    greeting: String,
    host: String,
    calls: u32,
}

impl greeter::Host for GreeterState {
    fn greet(&mut self, name: String) -> String {
        self.calls += 1;
        format!(
            "{}, {name}! (greeting {} from the {} host)",
            self.greeting, self.calls, self.host
        )
    }

    fn count(&mut self) -> u32 {
        self.calls
    }
}

impl Capability for Greeter {
    fn name(&self) -> &'static str {
        "greeter"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["myapp:greeter/greeter"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        // Each call finds this instance's GreeterState among the embedder's extensions.
        greeter::add_to_linker::<HostState, HasSelf<GreeterState>>(linker, |state| {
            state
                .ext
                .get_mut::<GreeterState>()
                .expect("Greeter::configure stores a GreeterState in every instance")
        })
    }

    fn configure(&self, state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        state.ext.insert(GreeterState {
            greeting: self.greeting.clone(),
            host: self.host.clone(),
            calls: 0,
        });
        Ok(())
    }
}
