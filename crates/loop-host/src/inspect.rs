//! `inspect`: a component's world, imports and exports, and what a policy grants per import.

use serde::Serialize;

use crate::caps::{self, Grant};
use crate::engine::{Host, Loaded};
use crate::error::HostError;
use crate::loader::{self, Artifact};
use crate::policy::Policy;

/// One import and its grant.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    /// Full import name, e.g. `wasi:filesystem/types@0.2.6`.
    pub name: String,
    /// The capability providing it, if any.
    pub capability: Option<String>,
    /// Granted, denied, refused or missing.
    #[serde(flatten)]
    pub grant: Grant,
}

/// Everything `inspect` reports.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The file.
    pub file: String,
    /// `component` or `core module`.
    pub kind: &'static str,
    /// Size in bytes.
    pub bytes: u64,
    /// What the component targets.
    pub world: String,
    /// The policy's name and trust tier.
    pub component: String,
    /// `untrusted` or `trusted`.
    pub trust: String,
    /// Imports, in the binary's order.
    pub imports: Vec<ImportReport>,
    /// Exports.
    pub exports: Vec<String>,
}

/// Builds the report for a loaded input under a policy.
pub fn inspect(host: &Host, loaded: &Loaded, policy: &Policy) -> Result<Report, HostError> {
    let bytes = std::fs::metadata(&loaded.path)
        .map(|m| m.len())
        .unwrap_or(0);
    let trust = serde_json::to_value(policy.trust)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    match &loaded.artifact {
        Artifact::Component(component) => {
            let engine = host.engine();
            let exports = loader::export_names(engine, component);
            let world = world_name(&exports);
            let capabilities = host.capabilities();
            let imports = loader::import_names(engine, component)
                .into_iter()
                .map(|(name, _)| ImportReport {
                    capability: caps::provider_of(&capabilities, &name)
                        .map(|c| c.name().to_string()),
                    grant: caps::grant_of(&capabilities, &name, policy),
                    name,
                })
                .collect();
            Ok(Report {
                file: loaded.path.display().to_string(),
                kind: "component",
                bytes,
                world,
                component: policy.name.clone(),
                trust,
                imports,
                exports,
            })
        }
        Artifact::Module(module) => {
            let mut imports: Vec<ImportReport> = Vec::new();
            for import in module.imports() {
                let name = import.module().to_string();
                if imports.iter().any(|i| i.name == name) {
                    continue;
                }
                let grant = if name == "wasi_snapshot_preview1" {
                    Grant::granted("WASI preview 1 (files only as granted)")
                } else {
                    Grant {
                        status: "missing",
                        detail: "no capability provides it".into(),
                    }
                };
                imports.push(ImportReport {
                    name,
                    capability: Some("wasi".into()),
                    grant,
                });
            }
            let exports: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
            let world = if exports.iter().any(|e| e == "_start") {
                "WASI preview 1 command (core module)".to_string()
            } else {
                "core module without _start".to_string()
            };
            Ok(Report {
                file: loaded.path.display().to_string(),
                kind: "core module",
                bytes,
                world,
                component: policy.name.clone(),
                trust,
                imports,
                exports,
            })
        }
    }
}

/// The world a component targets, named from its exports.
pub fn world_name(exports: &[String]) -> String {
    let has = |i: &str| exports.iter().any(|e| loader::unversioned(e) == i);
    // HTTP first: toolchains such as wstd give handlers a `wasi:cli/run` that only panics.
    if has("wasi:http/incoming-handler") {
        "wasi:http/proxy".into()
    } else if has("wasi:cli/run") {
        "wasi:cli/command".into()
    } else if has("loop:fx/component") {
        "loop:fx/app".into()
    } else if exports.is_empty() {
        "(exports nothing)".into()
    } else {
        format!("library exporting {}", exports.join(", "))
    }
}

/// Renders the report as an aligned text table.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{}  ({}, {})\nworld:  {}\npolicy: {} ({})\n\nimports:\n",
        report.file,
        report.kind,
        crate::units::format_size(report.bytes),
        report.world,
        report.component,
        report.trust
    ));
    let width = report
        .imports
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0);
    let status_width = report
        .imports
        .iter()
        .map(|i| i.grant.status.len())
        .max()
        .unwrap_or(0);
    for i in &report.imports {
        out.push_str(&format!(
            "  {:width$}  {:status_width$}  {}\n",
            i.name, i.grant.status, i.grant.detail
        ));
    }
    if report.imports.is_empty() {
        out.push_str("  (none)\n");
    }
    out.push_str("\nexports:\n");
    for e in &report.exports {
        out.push_str(&format!("  {e}\n"));
    }
    if report.exports.is_empty() {
        out.push_str("  (none)\n");
    }
    out
}
