//! loop-host: the loop-kit native runtime.
//!
//! A Wasmtime host that runs WASM components (and WASI preview-1 modules) under an explicit
//! [`policy::Policy`]. Each capability lives in one module under [`caps`] with the same shape;
//! the `loop-host` binary is a thin CLI over this library.

pub mod cache;
pub mod caps;
pub mod control;
pub mod deadline;
pub mod engine;
pub mod error;
pub mod fxview;
pub mod inspect;
pub mod kvstore;
pub mod limits;
pub mod loader;
pub mod log;
pub mod manifest;
pub mod policy;
pub mod run;
pub mod serve;
pub mod state;
pub mod units;
pub mod vals;

pub use engine::{FunctionReuse, Host, HostOptions, Loaded};
pub use error::HostError;
pub use policy::Policy;
/// The Wasmtime this host is built on, for embedders' own `bindgen!` and linker code.
pub use wasmtime;
