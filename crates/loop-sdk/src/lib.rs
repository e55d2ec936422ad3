//! loop-kit's Rust guest SDK: typed access to the capabilities loop-host provides, so a guest
//! component stays a few lines long.
//!
//! Build guests with `loop component build` (or `cargo build --target wasm32-wasip2`); std
//! covers WASI (args, env, files, clocks), this crate covers the rest.

#![warn(missing_docs)]

/// Generated bindings for the WIT interfaces the SDK wraps.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/deps/wasi-logging",
        world: "wasi:logging/imports",
        generate_all,
    });
}

pub mod log;
