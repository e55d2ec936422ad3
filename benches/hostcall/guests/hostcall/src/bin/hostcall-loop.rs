//! `hostcall-loop MODE N REPS`: calls one of loop-host's capabilities N times.
//!
//! - `log`: `wasi:logging/logging.log(debug, "bench", "x")`; run it with `--log error`, so the
//!   host only checks the level and returns.
//! - `kv-get`: `get("missing")` on the bucket `bench` (run with `--kv bench`); the table exists
//!   (one `set("present")` before timing), the key does not.
//! - `kv-get-hit`: `get("present")`, an 8-byte value.
//! - `kv-set`: `set("key", 8 bytes)`: one durable (fsynced) redb transaction each.

#[path = "../timing.rs"]
mod timing;

wit_bindgen::generate!({
    inline: "
        package bench:hostcall;
        world loop-guest {
            import wasi:logging/logging@0.1.0-draft;
            import wasi:keyvalue/store@0.2.0-draft;
        }
    ",
    path: ["../../../../wit/deps/wasi-logging", "../../../../wit/deps/wasi-keyvalue"],
    world: "bench:hostcall/loop-guest",
    generate_all,
});

use wasi::keyvalue::store;
use wasi::logging::logging::{Level, log};

fn main() {
    let (mode, n, reps) = timing::args();
    let bucket = || {
        let b = store::open("bench").expect("the bucket `bench` is granted (--kv bench)");
        b.set("present", b"01234567").expect("set");
        b
    };
    match mode.as_str() {
        "log" => timing::time(&mode, n, reps, |_| log(Level::Debug, "bench", "x")),
        "kv-get" => {
            let b = bucket();
            timing::time(&mode, n, reps, |_| {
                assert!(b.get("missing").expect("get").is_none());
            })
        }
        "kv-get-hit" => {
            let b = bucket();
            timing::time(&mode, n, reps, |_| {
                assert!(b.get("present").expect("get").is_some());
            })
        }
        "kv-set" => {
            let b = bucket();
            timing::time(&mode, n, reps, |_| b.set("key", b"76543210").expect("set"))
        }
        other => {
            eprintln!("unknown mode {other}: log, kv-get, kv-get-hit, kv-set");
            std::process::exit(2)
        }
    }
}
