//! Configuration values through `wasi:config/store` (`grants.config` in `loop.toml`).

use crate::bindings::wasi::config::store;

keep_bindings_section!();

/// The value of `key`, if configured.
pub fn get(key: &str) -> Option<String> {
    store::get(key).ok().flatten()
}

/// Every configured key and value.
pub fn all() -> Vec<(String, String)> {
    store::get_all().unwrap_or_default()
}
