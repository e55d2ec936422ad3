//! A command component: `loop run` builds it and runs it. std gives it WASI's arguments,
//! environment, stdio and clocks; `loop_sdk` adds what std has no API for (here, logging).

use loop_sdk::log;

fn main() {
    let who = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "world".to_string());
    println!(
        "Hello, {who}! This is {}, a Rust component.",
        env!("CARGO_PKG_NAME")
    );
    log::info(format!("greeted {who}"));
}
