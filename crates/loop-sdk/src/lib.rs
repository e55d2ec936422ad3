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

/// Generated bindings of the `loop:gfx/gfx-app` world (with the `gfx` feature): wasi-gfx imports and
/// the async `wasi:cli/run@0.3.0` export.
#[cfg(feature = "gfx")]
#[doc(hidden)]
pub mod gfx_bindings {
    wit_bindgen::generate!({
        path: [
            "../../wit/deps/wasi-webgpu",
            "../../wit/deps/wasi-gfx-frame-buffer",
            "../../wit/deps/wasi-gfx-surface",
            "../../wit/deps/wasi-cli-run",
            "../../wit/gfx",
        ],
        world: "loop:gfx/gfx-app",
        pub_export_macro: true,
        export_macro_name: "export_gfx_app",
        default_bindings_module: "loop_sdk::gfx_bindings",
        generate_all,
    });
}

/// Keeps the component-type section of [`bindings`] in the link wherever a wrapper module is.
///
/// That section tells wasm-component-ld what the imports (`wasi:logging`, ...) are. It lives in
/// the object file of the `bindings` module, and the linker takes only the objects of an rlib
/// that define a symbol something needs: the wrappers (`log::log`, ...) are needed, the
/// bindings' object is not once the generated calls are inlined into the wrappers. Built with
/// one codegen unit per module (rustc's incremental mode, which `loop dev` uses) the section was
/// lost and the link failed ("module requires an import interface named
/// `wasi:logging/logging@0.1.0-draft`"). A `#[used]` reference from each wrapper module's
/// object pulls it in; wit-bindgen does the same inside each interface module. `log` is the one
/// that failed (its call is inlined whole); the others get it too, so that a change in what
/// rustc inlines cannot break them.
macro_rules! keep_bindings_section {
    () => {
        #[used]
        static KEEP_BINDINGS_SECTION: fn() =
            crate::bindings::__link_custom_section_describing_imports;
    };
}

pub mod config;
#[cfg(feature = "fx")]
pub mod fx;
#[cfg(feature = "gfx")]
pub mod gfx;
pub mod kv;
#[cfg(feature = "lifecycle")]
pub mod lifecycle;
pub mod log;
pub mod process;
