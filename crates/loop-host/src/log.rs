//! The host's log: guest log lines (wasi:logging) and host notices, on stderr.

use std::io::Write;
use std::str::FromStr;

/// Severity of a log line, ordered from most to least verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Fine-grained tracing.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation.
    Info,
    /// Something hazardous.
    Warn,
    /// A serious error.
    Error,
    /// A fatal error.
    Critical,
    /// Nothing is logged at this level (only as a filter).
    Off,
}

impl Level {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Critical => "critical",
            Level::Off => "off",
        }
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "trace" => Level::Trace,
            "debug" => Level::Debug,
            "info" => Level::Info,
            "warn" | "warning" => Level::Warn,
            "error" => Level::Error,
            "critical" => Level::Critical,
            "off" | "none" => Level::Off,
            other => {
                return Err(format!(
                    "unknown log level `{other}`; use trace, debug, info, warn, error, critical or off"
                ));
            }
        })
    }
}

/// One log line before formatting.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    /// Severity.
    pub level: Level,
    /// The component it is about.
    pub component: &'a str,
    /// Free-form group (may be empty).
    pub context: &'a str,
    /// The text.
    pub message: &'a str,
}

/// A destination for log lines other than stderr (the control protocol's event stream).
pub type Sink = std::sync::Arc<dyn Fn(&Record<'_>) + Send + Sync>;

/// Where log lines go and which pass.
#[derive(Clone)]
pub struct Logger {
    /// Lines below this level are dropped.
    pub min: Level,
    /// Where lines go instead of stderr, when set.
    pub sink: Option<Sink>,
}

impl std::fmt::Debug for Logger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Logger")
            .field("min", &self.min)
            .field("sink", &self.sink.is_some())
            .finish()
    }
}

impl Default for Logger {
    fn default() -> Self {
        Logger {
            min: Level::Info,
            sink: None,
        }
    }
}

impl Logger {
    /// A logger at the level named by `explicit`, else `$LOOP_LOG`, else `info`.
    pub fn from_env(explicit: Option<&str>) -> Result<Self, String> {
        let from_env = std::env::var("LOOP_LOG").ok().filter(|v| !v.is_empty());
        match explicit.map(str::to_string).or(from_env) {
            Some(text) => Ok(Logger {
                min: text.parse()?,
                sink: None,
            }),
            None => Ok(Logger::default()),
        }
    }

    /// Whether a line at `level` would be written.
    pub fn enabled(&self, level: Level) -> bool {
        level >= self.min && level != Level::Off
    }

    /// Writes one line: `[component] level context: message` (context omitted when empty).
    pub fn log(&self, level: Level, component: &str, context: &str, message: &str) {
        if !self.enabled(level) {
            return;
        }
        if let Some(sink) = &self.sink {
            sink(&Record {
                level,
                component,
                context,
                message,
            });
            return;
        }
        let line = format_line(level, component, context, message);
        // One write per line so concurrent guests never interleave within a line.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

impl Logger {
    /// Logs a denied call: which component, which capability, what it tried, and the grant
    /// that would allow it.
    pub fn denied(&self, component: &str, capability: &str, what: &str, grant: &str) {
        self.log(
            Level::Warn,
            component,
            "loop-host",
            &format!("denied {capability}: {what}; to allow it, grant {grant}"),
        );
    }
}

/// Formats a log line (with its trailing newline).
pub fn format_line(level: Level, component: &str, context: &str, message: &str) -> String {
    let message = message.trim_end_matches('\n');
    if context.is_empty() {
        format!("[{component}] {}: {message}\n", level.as_str())
    } else {
        format!("[{component}] {} {context}: {message}\n", level.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_filter_and_parse() {
        let l = Logger {
            min: "warn".parse().unwrap(),
            sink: None,
        };
        assert!(!l.enabled(Level::Info));
        assert!(l.enabled(Level::Error));
        assert!(
            !Logger {
                min: Level::Off,
                sink: None
            }
            .enabled(Level::Critical)
        );
        assert!(
            "loud"
                .parse::<Level>()
                .unwrap_err()
                .contains("unknown log level")
        );
    }

    #[test]
    fn line_format() {
        assert_eq!(
            format_line(Level::Info, "hello", "", "hi\n"),
            "[hello] info: hi\n"
        );
        assert_eq!(
            format_line(Level::Warn, "kv", "store", "slow"),
            "[kv] warn store: slow\n"
        );
    }
}
