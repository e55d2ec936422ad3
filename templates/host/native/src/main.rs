//! A program that runs WebAssembly components with loop-host and gives them one capability of
//! its own, the greeter (src/greeter.rs).
//!
//! Usage: `{{name}} [GUEST.wasm [ARGS...]]`; without a guest it runs the one in guest/.

mod greeter;

use std::path::Path;
use std::process::ExitCode;

use loop_host::engine::HostOptions;
use loop_host::log::Logger;
use loop_host::{Host, HostError, Policy};

use greeter::Greeter;

/// Where `loop component build guest` puts the guest.
const DEFAULT_GUEST: &str = concat!(
    "guest/target/wasm32-wasip2/release/",
    env!("CARGO_PKG_NAME"),
    "-guest.wasm"
);

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let guest = args.next().unwrap_or_else(|| DEFAULT_GUEST.to_string());
    let guest_args: Vec<String> = args.collect();
    if guest == DEFAULT_GUEST && !Path::new(&guest).exists() {
        eprintln!(
            "error: no guest at {guest}: build it with `loop component build guest`, or pass a .wasm"
        );
        return ExitCode::from(1);
    }
    match run(Path::new(&guest), &guest_args).await {
        // The guest's own exit status.
        Ok(status) => ExitCode::from(u8::try_from(status).unwrap_or(1)),
        // One line: what failed, for which file or component, and what to do.
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(1)
        }
    }
}

async fn run(guest: &Path, args: &[String]) -> Result<i32, HostError> {
    // The engine (with loop-host's compile cache), every built-in capability, and ours.
    let host = Host::new(&HostOptions::default())?.with_capability(Greeter {
        greeting: "Hello".to_string(),
        host: env!("CARGO_PKG_NAME").to_string(),
    });
    let loaded = host.load(guest)?;
    // The guest's policy: untrusted, nothing granted beyond the baseline (stdio, args, clocks,
    // random, logging); our greeter is linked for every guest.
    let policy = Policy::untrusted("guest");
    loop_host::run::run_command(&host, &loaded, &policy, args, Logger::default()).await
}
