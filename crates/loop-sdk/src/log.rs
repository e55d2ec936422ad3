//! Logging through `wasi:logging`: lines land in the host's log, tagged with the component name.
//!
//! ```ignore
//! loop_sdk::log::info("ready");
//! loop_sdk::log::warn_in("cache", "miss");
//! ```

use crate::bindings::wasi::logging::logging;

keep_bindings_section!();

/// Severity of a log line.
pub use logging::Level;

/// Logs `message` at `level` with a `context` (a free-form group name; may be empty).
pub fn log(level: Level, context: &str, message: &str) {
    logging::log(level, context, message);
}

/// Logs at trace level.
pub fn trace(message: impl AsRef<str>) {
    log(Level::Trace, "", message.as_ref());
}

/// Logs at debug level.
pub fn debug(message: impl AsRef<str>) {
    log(Level::Debug, "", message.as_ref());
}

/// Logs at info level.
pub fn info(message: impl AsRef<str>) {
    log(Level::Info, "", message.as_ref());
}

/// Logs at warn level.
pub fn warn(message: impl AsRef<str>) {
    log(Level::Warn, "", message.as_ref());
}

/// Logs at error level.
pub fn error(message: impl AsRef<str>) {
    log(Level::Error, "", message.as_ref());
}

/// Logs at info level within a context.
pub fn info_in(context: &str, message: impl AsRef<str>) {
    log(Level::Info, context, message.as_ref());
}

/// Logs at warn level within a context.
pub fn warn_in(context: &str, message: impl AsRef<str>) {
    log(Level::Warn, context, message.as_ref());
}
