//! Hot reload with state (`loop:host/lifecycle`, with the `lifecycle` feature).
//!
//! `loop dev` swaps a rebuilt component in beside the running one. A component that exports
//! `loop:host/lifecycle` hands its state over: the dev server calls `snapshot` on the running
//! instance and `restore` on the new one. No runtime can snapshot a live instance, so the
//! component serialises what it wants kept, in any format it likes; it only ever reads its own
//! snapshots (possibly ones an older version wrote). A `restore` error keeps the old version
//! running, so returning `Err` is the safe answer to a snapshot it cannot read.
//!
//! For a `loop:fx` component, implement [`Reload`] and add `reload` to the export macro:
//!
//! ```ignore
//! use loop_sdk::lifecycle::Reload;
//!
//! impl Reload for Counter {
//!     fn snapshot(&self) -> Vec<u8> { self.count.to_le_bytes().to_vec() }
//!     fn restore(&mut self, bytes: &[u8]) -> Result<(), String> {
//!         let bytes: [u8; 8] = bytes.try_into().map_err(|_| "not a counter snapshot".to_string())?;
//!         self.count = i64::from_le_bytes(bytes);
//!         Ok(())
//!     }
//! }
//! loop_sdk::fx_component!(Counter, reload);
//! ```
//!
//! (`Cargo.toml`: `loop-sdk = { ..., features = ["fx", "lifecycle"] }`.) Any other component
//! implements the generated `Guest` trait of [`bindings`] and exports it with
//! `loop_sdk::lifecycle::bindings::export_reloadable!(MyType with_types_in loop_sdk::lifecycle::bindings)`.

/// Generated bindings of the `loop:host/reloadable` world (exports `loop:host/lifecycle`).
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/host",
        world: "loop:host/reloadable",
        pub_export_macro: true,
        export_macro_name: "export_reloadable",
        default_bindings_module: "loop_sdk::lifecycle::bindings",
    });
}

/// State that survives a hot reload: what to keep, and how to take it back.
pub trait Reload {
    /// Serialises the state to keep (called on the running instance).
    fn snapshot(&self) -> Vec<u8>;
    /// Takes over a snapshot made by this or an earlier version (called on a fresh instance,
    /// before its first render). An error keeps the old version running and is shown to the
    /// developer.
    fn restore(&mut self, bytes: &[u8]) -> Result<(), String>;
}

/// Exports `loop:host/lifecycle` for the fx component `$ty` (a [`crate::fx::Component`] that
/// implements [`Reload`]); `fx_component!($ty, reload)` calls it.
#[cfg(feature = "fx")]
#[macro_export]
macro_rules! reload_fx_component {
    ($ty:ty) => {
        struct __LoopLifecycleExport;
        impl $crate::lifecycle::bindings::exports::loop_::host::lifecycle::Guest
            for __LoopLifecycleExport
        {
            fn snapshot() -> Vec<u8> {
                $crate::fx::__with_state::<$ty, _>(|c| $crate::lifecycle::Reload::snapshot(c))
            }
            fn restore(state: Vec<u8>) -> Result<(), String> {
                $crate::fx::__with_state::<$ty, _>(|c| {
                    $crate::lifecycle::Reload::restore(c, &state)
                })
            }
        }
        $crate::lifecycle::bindings::export_reloadable!(
            __LoopLifecycleExport with_types_in $crate::lifecycle::bindings
        );
    };
}
