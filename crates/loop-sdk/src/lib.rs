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
        inline: "
            package loop:sdk;
            world imports {
                import wasi:logging/logging@0.1.0-draft;
                import wasi:keyvalue/store@0.2.0-draft;
                import wasi:keyvalue/atomics@0.2.0-draft;
                import wasi:keyvalue/batch@0.2.0-draft;
                import wasi:config/store@0.2.0-rc.1;
                import loop:process/process@0.1.0;
            }
        ",
        path: [
            "../../wit/deps/wasi-logging",
            "../../wit/deps/wasi-keyvalue",
            "../../wit/deps/wasi-config",
            "../../wit/process",
        ],
        world: "loop:sdk/imports",
        generate_all,
    });
}

/// Generated bindings of the `loop:fx/app` world (with the `fx` feature).
#[cfg(feature = "fx")]
#[doc(hidden)]
pub mod fx_bindings {
    wit_bindgen::generate!({
        path: "../../wit/fx",
        world: "loop:fx/app",
        pub_export_macro: true,
        export_macro_name: "export_fx_app",
        default_bindings_module: "loop_sdk::fx_bindings",
    });
}

pub mod config;
#[cfg(feature = "fx")]
pub mod fx;
pub mod kv;
#[cfg(feature = "lifecycle")]
pub mod lifecycle;
pub mod log;
pub mod process;
