//! `loop.toml`, the app manifest: components, their trust tier, grants and limits.
//!
//! This is the one schema of the manifest: the `loop` CLI asks `loop-host manifest` for the
//! resolved form (JSON) instead of parsing TOML itself, and `loop-host manifest --schema` prints
//! the JSON Schema that `docs/manifest.md` and editors use.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::policy::{DirGrant, Policy, Trust};
use crate::units;

/// The whole manifest.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "loop.toml", description = "The loop-kit app manifest.")]
pub struct Manifest {
    /// App-wide settings.
    #[serde(default)]
    pub app: App,
    /// Components by name (lower-case letters, digits and `-`).
    #[serde(default)]
    pub components: BTreeMap<String, ComponentSpec>,
    /// Settings of `loop dev`.
    #[serde(default)]
    pub dev: DevSpec,
}

/// Settings of `loop dev` (`[dev]`).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DevSpec {
    /// The dev server to use instead of the built-in one: a module path (relative to the
    /// manifest) or a package name implementing `loop:devserver` (docs/dev.md).
    pub server: Option<String>,
}

/// App-wide settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct App {
    /// The app's name (default: the folder's name).
    pub name: Option<String>,
    /// The component `loop run` starts when there are several.
    #[schemars(with = "Option<String>")]
    pub main: Option<Spanned<String>>,
    /// Where durable state (key-value stores) lives, relative to the manifest (default `.loop/data`).
    pub data_dir: Option<String>,
}

/// One component.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ComponentSpec {
    /// A built component (`.wasm`), relative to the manifest.
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    /// A source folder that `loop component build` knows (Cargo.toml or package.json).
    #[schemars(with = "Option<String>")]
    pub source: Option<Spanned<String>>,
    /// `untrusted` (default) or `trusted`.
    #[serde(default)]
    #[schemars(with = "Option<Trust>")]
    pub trust: Option<Spanned<Trust>>,
    /// What the component may use beyond the untrusted defaults.
    #[serde(default)]
    pub grants: Grants,
    /// Resource limits.
    #[serde(default)]
    pub limits: LimitSpec,
}

/// Grants: everything not listed is denied.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Grants {
    /// Directories as `HOST[::GUEST][:ro]`, HOST relative to the manifest.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub dirs: Vec<Spanned<String>>,
    /// Environment variables the guest sees.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Hosts outgoing HTTP may reach: `host` (any port) or `host:port`.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Key-value buckets the component may open (its own namespace).
    #[serde(default)]
    pub kv: Vec<String>,
    /// Values served through `wasi:config/store`.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// Spawning processes through `loop:process` (trusted components only).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub process: Option<Spanned<bool>>,
    /// A native window with input (`wasi-gfx:surface`, `wasi-gfx:frame-buffer`); granted by
    /// default, `false` refuses a component that imports it.
    #[serde(default)]
    pub window: Option<bool>,
    /// The GPU (`wasi:webgpu`); granted by default, `false` refuses a component that imports it.
    #[serde(default)]
    pub gpu: Option<bool>,
}

/// Limits of one component.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitSpec {
    /// Largest linear memory, e.g. `64MiB`.
    #[schemars(with = "Option<String>")]
    pub memory: Option<Spanned<String>>,
    /// Longest time one call into the component may take, e.g. `2s`.
    #[schemars(with = "Option<String>")]
    pub cpu_time: Option<Spanned<String>>,
    /// Most instances alive at once (`loop serve`).
    pub instances: Option<u32>,
}

/// A manifest problem, located: file, line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest file.
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key path, e.g. `components.hello.trust`.
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ManifestError {}

/// A component as resolved from the manifest: absolute paths and its policy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct ResolvedComponent {
    /// Its name.
    pub name: String,
    /// Absolute path of the `.wasm`, when given as `path`.
    pub path: Option<PathBuf>,
    /// Absolute path of the source folder, when given as `source`.
    pub source: Option<PathBuf>,
    /// The policy it runs under.
    pub policy: Policy,
}

/// The manifest, resolved.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct ResolvedApp {
    /// The manifest file.
    pub manifest: PathBuf,
    /// The app's name.
    pub name: String,
    /// The folder holding the manifest.
    pub dir: PathBuf,
    /// Absolute data directory.
    pub data_dir: PathBuf,
    /// The component `loop run` starts, if it can tell.
    pub main: Option<String>,
    /// Every component.
    pub components: Vec<ResolvedComponent>,
    /// `loop dev`'s settings.
    pub dev: ResolvedDev,
}

/// `[dev]`, resolved.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub struct ResolvedDev {
    /// The dev server module path (absolute) or package name, when the manifest names one.
    pub server: Option<String>,
}

impl ResolvedApp {
    /// The component called `name`, or the app's main one when `name` is `None`.
    pub fn component(&self, name: Option<&str>) -> Result<&ResolvedComponent, String> {
        let names = || {
            self.components
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match name.or(self.main.as_deref()) {
            Some(wanted) => self
                .components
                .iter()
                .find(|c| c.name == wanted)
                .ok_or_else(|| {
                    format!(
                        "{} has no component named `{wanted}` (it has: {})",
                        self.manifest.display(),
                        names()
                    )
                }),
            None if self.components.is_empty() => Err(format!(
                "{} declares no components; add a [components.NAME] table",
                self.manifest.display()
            )),
            None => Err(format!(
                "{} has several components ({}); name one, or set app.main",
                self.manifest.display(),
                names()
            )),
        }
    }
}

/// Reads and resolves a manifest file.
pub fn load(file: &Path) -> Result<ResolvedApp, ManifestError> {
    let text = std::fs::read_to_string(file).map_err(|e| ManifestError {
        file: file.to_path_buf(),
        line: None,
        key: String::new(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "no such file".into()
        } else {
            format!("cannot read it: {e}")
        },
    })?;
    let manifest = parse(file, &text)?;
    resolve(file, &text, &manifest)
}

/// Parses manifest text; errors carry the line and key.
pub fn parse(file: &Path, text: &str) -> Result<Manifest, ManifestError> {
    let deserializer =
        toml::Deserializer::parse(text).map_err(|e| located(file, text, String::new(), &e))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        // `Spanned` wrappers show up as a private path segment; they are not keys.
        let key = e
            .path()
            .to_string()
            .split('.')
            .filter(|seg| !seg.is_empty() && !seg.starts_with("$__serde_spanned"))
            .collect::<Vec<_>>()
            .join(".");
        located(file, text, key, e.inner())
    })
}

fn located(file: &Path, text: &str, key: String, err: &toml::de::Error) -> ManifestError {
    ManifestError {
        file: file.to_path_buf(),
        line: err.span().map(|s| line_of(text, s.start)),
        key,
        message: err.message().trim().replace('\n', "; "),
    }
}

/// The byte range of `[components.NAME` (or `NAME =` inside `[components]`), if present.
fn component_header(text: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let needles = [
        format!("[components.{name}"),
        format!("[components.\"{name}\""),
    ];
    if let Some(start) = needles.iter().filter_map(|n| text.find(n.as_str())).min() {
        return Some(start..start + name.len());
    }
    let section = text.find("[components]")?;
    let mut offset = section;
    for line in text[section..].lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with(name) && trimmed[name.len()..].trim_start().starts_with('=') {
            return Some(offset..offset + line.len());
        }
        offset += line.len() + 1;
    }
    None
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn resolve(file: &Path, text: &str, manifest: &Manifest) -> Result<ResolvedApp, ManifestError> {
    let file_abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let dir = file_abs
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let err = |span: Option<std::ops::Range<usize>>, key: String, message: String| ManifestError {
        file: file.to_path_buf(),
        line: span.map(|s| line_of(text, s.start)),
        key,
        message,
    };
    let data_dir = dir.join(manifest.app.data_dir.as_deref().unwrap_or(".loop/data"));
    let name = manifest.app.name.clone().unwrap_or_else(|| {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "app".into())
    });
    let mut components = Vec::new();
    for (cname, spec) in &manifest.components {
        // Map keys carry no span through serde; find the component's table header instead.
        let name_span = component_header(text, cname);
        let key = |rest: &str| format!("components.{cname}{rest}");
        if cname.is_empty()
            || !cname
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err(
                name_span.clone(),
                key(""),
                "component names use lower-case letters, digits and `-` (e.g. `todo-list`)".into(),
            ));
        }
        let (path, source) = match (&spec.path, &spec.source) {
            (Some(p), None) => (Some(dir.join(p.get_ref())), None),
            (None, Some(s)) => (None, Some(dir.join(s.get_ref()))),
            (Some(p), Some(_)) => {
                return Err(err(
                    Some(p.span()),
                    key(""),
                    "set either `path` or `source`, not both".into(),
                ));
            }
            (None, None) => {
                return Err(err(
                    name_span.clone(),
                    key(""),
                    "missing `path` (a .wasm file) or `source` (a folder with Cargo.toml or package.json)".into(),
                ));
            }
        };
        let trust = spec
            .trust
            .as_ref()
            .map(|t| *t.get_ref())
            .unwrap_or_default();
        let mut policy = Policy::untrusted(cname.clone());
        policy.trust = trust;
        policy.data_dir = Some(data_dir.clone());
        for (k, v) in &spec.grants.env {
            policy.env.push((k.clone(), v.clone()));
        }
        for d in &spec.grants.dirs {
            let mut grant = DirGrant::parse(d.get_ref())
                .map_err(|m| err(Some(d.span()), key(".grants.dirs"), m.replace("--dir ", "")))?;
            grant.host = dir.join(&grant.host);
            policy.dirs.push(grant);
        }
        policy.hosts = spec.grants.hosts.clone();
        policy.kv = spec.grants.kv.clone();
        policy.config = spec
            .grants
            .config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(process) = &spec.grants.process {
            if *process.get_ref() && trust != Trust::Trusted {
                return Err(err(
                    Some(process.span()),
                    key(".grants.process"),
                    "only trusted components may spawn processes; add `trust = \"trusted\"` to this component".into(),
                ));
            }
            policy.process = *process.get_ref();
        }
        policy.window = spec.grants.window.unwrap_or(true);
        policy.gpu = spec.grants.gpu.unwrap_or(true);
        if let Some(m) = &spec.limits.memory {
            policy.limits.max_memory = Some(
                units::parse_size(m.get_ref())
                    .map_err(|e| err(Some(m.span()), key(".limits.memory"), e))?,
            );
        }
        if let Some(t) = &spec.limits.cpu_time {
            policy.limits.timeout = Some(
                units::parse_duration(t.get_ref())
                    .map_err(|e| err(Some(t.span()), key(".limits.cpu-time"), e))?,
            );
        }
        policy.limits.instances = spec.limits.instances;
        components.push(ResolvedComponent {
            name: cname.clone(),
            path,
            source,
            policy,
        });
    }
    let main = match &manifest.app.main {
        Some(main) if !components.iter().any(|c| c.name == *main.get_ref()) => {
            return Err(err(
                Some(main.span()),
                "app.main".into(),
                format!("names `{}`, which is not a component here", main.get_ref()),
            ));
        }
        Some(main) => Some(main.get_ref().clone()),
        None if components.len() == 1 => components.first().map(|c| c.name.clone()),
        None => None,
    };
    let dev = ResolvedDev {
        server: manifest.dev.server.as_ref().map(|s| {
            if s.starts_with('.') || Path::new(s).is_absolute() {
                dir.join(s.strip_prefix("./").unwrap_or(s))
                    .to_string_lossy()
                    .into_owned()
            } else {
                s.clone()
            }
        }),
    };
    Ok(ResolvedApp {
        manifest: file_abs,
        name,
        dir,
        data_dir,
        main,
        components,
        dev,
    })
}

/// The JSON Schema of `loop.toml`.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Manifest)).expect("the schema serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> ManifestError {
        let file = Path::new("/app/loop.toml");
        match parse(file, text).and_then(|m| resolve(file, text, &m)) {
            Ok(app) => panic!("expected an error, got {app:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn resolves_a_full_manifest() {
        let text = r#"
[app]
name = "demo"

[components.hello]
source = "hello"
[components.hello.grants]
env = { GREETING = "hi" }
dirs = ["data::/data", "assets::/assets:ro"]
hosts = ["127.0.0.1:8080"]
kv = ["default"]
config = { greeting = "hello" }
[components.hello.limits]
memory = "64MiB"
cpu-time = "2s"

[components.tools]
path = "tools.wasm"
trust = "trusted"
grants = { process = true, window = false, gpu = false }
"#;
        let file = Path::new("/app/loop.toml");
        let app = resolve(file, text, &parse(file, text).unwrap()).unwrap();
        assert_eq!(app.name, "demo");
        assert_eq!(app.data_dir, Path::new("/app/.loop/data"));
        assert_eq!(app.main, None, "two components and no app.main");
        let hello = app.component(Some("hello")).unwrap();
        assert_eq!(hello.source.as_deref(), Some(Path::new("/app/hello")));
        assert_eq!(
            hello.policy.env,
            vec![("GREETING".to_string(), "hi".to_string())]
        );
        assert_eq!(hello.policy.dirs[1].host, Path::new("/app/assets"));
        assert!(hello.policy.dirs[1].read_only);
        assert_eq!(hello.policy.limits.max_memory, Some(64 << 20));
        assert_eq!(
            hello.policy.limits.timeout,
            Some(std::time::Duration::from_secs(2))
        );
        assert_eq!(hello.policy.kv, vec!["default".to_string()]);
        let tools = app.component(Some("tools")).unwrap();
        assert_eq!(tools.policy.trust, Trust::Trusted);
        assert!(tools.policy.process);
        assert!(!tools.policy.window && !tools.policy.gpu);
        assert!(
            hello.policy.window && hello.policy.gpu,
            "granted by default"
        );
        assert!(
            app.component(None)
                .unwrap_err()
                .contains("several components")
        );
        assert!(
            app.component(Some("nope"))
                .unwrap_err()
                .contains("no component named `nope`")
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse_err("[components.hello]\npath = \"h.wasm\"\ntrust = \"sometimes\"\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(3), "components.hello.trust")
        );
        assert!(e.message.contains("untrusted"), "{}", e.message);
        assert!(
            e.to_string()
                .starts_with("/app/loop.toml:3: components.hello.trust: ")
        );

        let e = parse_err(
            "[components.hello]\npath = \"h.wasm\"\n[components.hello.limits]\nmemory = \"lots\"\n",
        );
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(4), "components.hello.limits.memory")
        );

        let e = parse_err("[components.hello]\npath = \"h.wasm\"\ngrants = { proces = true }\n");
        assert_eq!(e.line, Some(3));
        assert!(
            e.message.contains("unknown field `proces`"),
            "{}",
            e.message
        );

        let e = parse_err("[components.hello]\npath = \"h.wasm\"\ngrants = { process = true }\n");
        assert_eq!(
            (e.line, e.key.as_str()),
            (Some(3), "components.hello.grants.process")
        );
        assert!(e.message.contains("trusted"));

        let e = parse_err("[components.hello\n");
        assert_eq!(e.line, Some(1));

        let e = parse_err("[components.hello]\n");
        assert!(e.message.contains("missing `path`"));

        let e = parse_err("[components.Hello]\npath = \"x.wasm\"\n");
        assert!(e.message.contains("lower-case"));
        assert_eq!(e.line, Some(1));

        let e = parse_err("[app]\nname = \"x\"\n\n[components]\nbad = { trust = \"trusted\" }\n");
        assert_eq!((e.line, e.key.as_str()), (Some(5), "components.bad"));

        let e = parse_err("[components.a]\npath = \"x.wasm\"\n[app]\nmain = \"b\"\n");
        assert_eq!((e.line, e.key.as_str()), (Some(4), "app.main"));
    }

    #[test]
    fn one_component_is_main() {
        let text = "[components.only]\npath = \"o.wasm\"\n";
        let file = Path::new("/x/loop.toml");
        let app = resolve(file, text, &parse(file, text).unwrap()).unwrap();
        assert_eq!(app.component(None).unwrap().name, "only");
    }

    #[test]
    fn dev_server_resolves_against_the_manifest() {
        let file = Path::new("/x/loop.toml");
        let text = "[dev]\nserver = \"./my-devserver.mjs\"\n[components.a]\npath = \"a.wasm\"\n";
        let app = resolve(file, text, &parse(file, text).unwrap()).unwrap();
        assert_eq!(app.dev.server.as_deref(), Some("/x/my-devserver.mjs"));

        let text = "[dev]\nserver = \"@acme/devserver\"\n";
        let app = resolve(file, text, &parse(file, text).unwrap()).unwrap();
        assert_eq!(app.dev.server.as_deref(), Some("@acme/devserver"));

        let text = "[components.a]\npath = \"a.wasm\"\n";
        let app = resolve(file, text, &parse(file, text).unwrap()).unwrap();
        assert_eq!(app.dev.server, None);

        let e = parse_err("[dev]\nservr = \"x.mjs\"\n");
        assert_eq!((e.line, e.key.as_str()), (Some(2), "dev.servr"));
    }

    #[test]
    fn schema_describes_components() {
        let s = schema().to_string();
        assert!(s.contains("cpu-time") && s.contains("trusted"), "{s}");
    }
}
