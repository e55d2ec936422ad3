//! The policy a component runs under: its trust tier, grants and limits.
//!
//! `loop-host run x.wasm` builds one from flags; the `loop` CLI resolves `loop.toml` into the
//! same structure. Anything not granted here is denied.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Trust tier of a component.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Trust {
    /// The default sandbox: stdio, clocks, random, logging; the rest only as granted.
    #[default]
    Untrusted,
    /// May also be granted process, sockets and raw DOM.
    Trusted,
}

/// A directory made visible to the guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct DirGrant {
    /// Directory on the host.
    pub host: PathBuf,
    /// Path the guest sees it at.
    pub guest: String,
    /// Whether the guest may only read.
    #[serde(default)]
    pub read_only: bool,
}

impl DirGrant {
    /// Parses `HOST[::GUEST][:ro]` as `--dir` takes it (wasmtime's syntax plus a `:ro` suffix).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (rest, read_only) = match spec.strip_suffix(":ro") {
            Some(rest) => (rest, true),
            None => (spec.strip_suffix(":rw").unwrap_or(spec), false),
        };
        let (host, guest) = match rest.split_once("::") {
            Some((host, guest)) => (host, guest),
            None => (rest, rest),
        };
        if host.is_empty() || guest.is_empty() {
            return Err(format!(
                "--dir `{spec}`: expected HOST[::GUEST][:ro], e.g. `./data::/data:ro`"
            ));
        }
        Ok(DirGrant {
            host: PathBuf::from(host),
            guest: guest.to_string(),
            read_only,
        })
    }
}

/// Resource limits of one component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Limits {
    /// Maximum linear memory, in bytes.
    pub max_memory: Option<u64>,
    /// Wall-clock limit for one call into the guest (a whole run for commands).
    #[serde(with = "humantime_serde_opt", default)]
    #[schemars(with = "Option<String>")]
    pub timeout: Option<Duration>,
    /// Most instances alive at once (`loop serve`).
    #[serde(default)]
    pub instances: Option<u32>,
}

/// Everything a component is allowed, and its limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Policy {
    /// The component's name in logs and messages.
    pub name: String,
    /// Trust tier.
    #[serde(default)]
    pub trust: Trust,
    /// Environment variables the guest sees (nothing else of the host's environment leaks in).
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// Preopened directories.
    #[serde(default)]
    pub dirs: Vec<DirGrant>,
    /// Hosts outgoing HTTP may reach (`host` or `host:port`; `*` for any).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Key-value buckets the component may open.
    #[serde(default)]
    pub kv: Vec<String>,
    /// Values for `wasi:config/store`.
    #[serde(default)]
    pub config: Vec<(String, String)>,
    /// Whether `loop:process` may spawn processes (trusted components only).
    #[serde(default)]
    pub process: bool,
    /// Whether it may open a native window (`wasi-gfx:surface`, `wasi-gfx:frame-buffer`);
    /// granted unless denied.
    #[serde(default = "granted")]
    pub window: bool,
    /// Whether it may use the GPU (`wasi:webgpu`); granted unless denied.
    #[serde(default = "granted")]
    pub gpu: bool,
    /// Where durable state lives (key-value stores); `.loop/data` when unset.
    #[serde(default)]
    pub data_dir: Option<PathBuf>,
    /// Limits.
    #[serde(default)]
    pub limits: Limits,
}

fn granted() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            name: String::new(),
            trust: Trust::default(),
            env: Vec::new(),
            dirs: Vec::new(),
            hosts: Vec::new(),
            kv: Vec::new(),
            config: Vec::new(),
            process: false,
            window: true,
            gpu: true,
            data_dir: None,
            limits: Limits::default(),
        }
    }
}

impl Policy {
    /// An untrusted policy with no grants, named after the component.
    pub fn untrusted(name: impl Into<String>) -> Self {
        Policy {
            name: name.into(),
            ..Policy::default()
        }
    }

    /// Adds `KEY=VALUE`, or `KEY` to copy the host's value (as `wasmtime run --env` does).
    pub fn add_env(&mut self, spec: &str) -> Result<(), String> {
        let (key, value) = match spec.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => match std::env::var(spec) {
                Ok(v) => (spec.to_string(), v),
                // `--env KEY` for an unset KEY passes nothing, as in wasmtime.
                Err(_) => return Ok(()),
            },
        };
        if key.is_empty() {
            return Err(format!("--env `{spec}`: expected KEY=VALUE"));
        }
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value));
        Ok(())
    }
}

/// Serde helpers for `Option<Duration>` written as `"500ms"`.
mod humantime_serde_opt {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.serialize_str(&humantime::format_duration(*d).to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        text.map(|t| crate::units::parse_duration(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_specs() {
        let g = DirGrant::parse("./data::/data:ro").unwrap();
        assert_eq!(
            (g.host.to_str().unwrap(), g.guest.as_str(), g.read_only),
            ("./data", "/data", true)
        );
        let g = DirGrant::parse("/tmp/x").unwrap();
        assert_eq!(
            (g.host.to_str().unwrap(), g.guest.as_str(), g.read_only),
            ("/tmp/x", "/tmp/x", false)
        );
        let g = DirGrant::parse("a::b:rw").unwrap();
        assert_eq!((g.guest.as_str(), g.read_only), ("b", false));
        assert!(DirGrant::parse("::/data").is_err());
        assert!(DirGrant::parse(":ro").is_err());
    }

    #[test]
    fn env_specs() {
        let mut p = Policy::untrusted("t");
        p.add_env("A=1").unwrap();
        p.add_env("A=2").unwrap();
        p.add_env("B=x=y").unwrap();
        p.add_env("LOOP_SURELY_UNSET_VARIABLE").unwrap();
        assert_eq!(
            p.env,
            vec![("A".into(), "2".into()), ("B".into(), "x=y".into())]
        );
        assert!(p.add_env("=v").is_err());
    }

    #[test]
    fn window_and_gpu_are_granted_unless_denied() {
        let p: Policy = serde_json::from_str(r#"{"name":"app"}"#).unwrap();
        assert!(p.window && p.gpu);
        assert!(Policy::untrusted("app").window);
        let p: Policy = serde_json::from_str(r#"{"name":"app","gpu":false}"#).unwrap();
        assert!(p.window && !p.gpu);
    }

    #[test]
    fn policy_round_trips_through_json() {
        let mut p = Policy::untrusted("hello");
        p.limits.timeout = Some(Duration::from_millis(1500));
        p.limits.max_memory = Some(1 << 20);
        p.dirs.push(DirGrant::parse("d::/d:ro").unwrap());
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains("\"1s 500ms\""), "{json}");
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
    }
}
