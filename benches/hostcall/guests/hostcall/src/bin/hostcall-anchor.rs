//! `hostcall-anchor MODE N REPS`: calls a no-op host function of benches/hostcall/anchor N times.
//!
//! - `noop`: `bench:anchor/host.noop()`, no arguments: a bare host function.
//! - `log`: `bench:anchor/host.log(debug, "bench", "x")`, wasi:logging's signature, and the host
//!   does nothing with it.

#[path = "../timing.rs"]
mod timing;

wit_bindgen::generate!({
    path: "../../wit",
    world: "bench:anchor/guest",
    generate_all,
});

use bench::anchor::host;

fn main() {
    let (mode, n, reps) = timing::args();
    match mode.as_str() {
        "noop" => timing::time(&mode, n, reps, |_| host::noop()),
        "log" => timing::time(&mode, n, reps, |_| {
            host::log(host::Level::Debug, "bench", "x")
        }),
        other => {
            eprintln!("unknown mode {other}: noop, log");
            std::process::exit(2)
        }
    }
}
