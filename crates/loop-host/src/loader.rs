//! Reading inputs: is it a component, a core module, or not WebAssembly at all; what world does
//! a component target.

use std::path::Path;

use wasmtime::Engine;
use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use crate::error::{HostError, one_line};

/// What kind of WebAssembly binary an input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmKind {
    /// A Component Model component.
    Component,
    /// A core module (WASI preview 1 when it imports `wasi_snapshot_preview1`).
    Module,
}

impl WasmKind {
    /// The word used in messages.
    pub fn noun(self) -> &'static str {
        match self {
            WasmKind::Component => "component",
            WasmKind::Module => "core module",
        }
    }
}

/// Compiled code of either kind (cheap to clone: Wasmtime shares the code).
#[derive(Clone)]
pub enum Artifact {
    /// A compiled component.
    Component(Component),
    /// A compiled core module.
    Module(wasmtime::Module),
}

/// Reads a file, mapping I/O errors to user-facing ones.
pub fn read_wasm(path: &Path) -> Result<Vec<u8>, HostError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(HostError::FileNotFound {
            path: path.to_path_buf(),
        }),
        Err(source) => Err(HostError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Tells a component from a core module by the binary header, before any compilation.
pub fn classify(path: &Path, bytes: &[u8]) -> Result<WasmKind, HostError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(HostError::NotWasm {
            path: path.to_path_buf(),
            found: describe_start(bytes),
        });
    }
    if wasmparser::Parser::is_component(bytes) {
        Ok(WasmKind::Component)
    } else if wasmparser::Parser::is_core_wasm(bytes) {
        Ok(WasmKind::Module)
    } else {
        Err(HostError::Invalid {
            path: path.to_path_buf(),
            kind: "binary",
            detail: format!(
                "unknown binary version {:02x} {:02x} {:02x} {:02x}",
                bytes[4], bytes[5], bytes[6], bytes[7]
            ),
        })
    }
}

fn describe_start(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing: the file is empty".into();
    }
    let head = &bytes[..bytes.len().min(8)];
    let text = String::from_utf8_lossy(head);
    if head.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("the text {text:?}")
    } else {
        let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

/// Validates and compiles an input with Cranelift.
pub fn compile(
    engine: &Engine,
    path: &Path,
    bytes: &[u8],
    kind: WasmKind,
) -> Result<Artifact, HostError> {
    let result = match kind {
        WasmKind::Component => Component::from_binary(engine, bytes).map(Artifact::Component),
        WasmKind::Module => wasmtime::Module::from_binary(engine, bytes).map(Artifact::Module),
    };
    result.map_err(|e| HostError::Invalid {
        path: path.to_path_buf(),
        kind: kind.noun(),
        detail: one_line(&format!("{e:#}")),
    })
}

/// The names of a component's exports and imports (interfaces and functions).
pub fn export_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The names of a component's imports.
pub fn import_names(engine: &Engine, component: &Component) -> Vec<(String, bool)> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, item)| {
            (
                name.to_string(),
                matches!(item.ty, ComponentItem::ComponentInstance(_)),
            )
        })
        .collect()
}

/// Strips the `@version` from an interface name: `wasi:cli/run@0.2.3` → `wasi:cli/run`.
pub fn unversioned(name: &str) -> &str {
    name.split('@').next().unwrap_or(name)
}

/// A readable guess of the world a component targets, from its exports.
pub fn describe_world(exports: &[String]) -> String {
    let has = |iface: &str| exports.iter().any(|e| unversioned(e) == iface);
    if has("wasi:http/incoming-handler") {
        "it targets wasi:http/proxy (it exports wasi:http/incoming-handler); serve it with `loop serve`"
            .into()
    } else if has("loop:fx/component") {
        "it targets loop:fx/app (it exports loop:fx/component); run it with `loop run`, which drives fx apps"
            .into()
    } else if exports.is_empty() {
        "it exports nothing, so there is no entry point to call".into()
    } else {
        format!(
            "it is a library (reactor) component exporting {}; build it against the wasi:cli/command world to run it",
            exports.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_header() {
        let p = Path::new("x.wasm");
        assert_eq!(
            classify(p, &wat::parse_str("(module)").unwrap()).unwrap(),
            WasmKind::Module
        );
        assert_eq!(
            classify(p, &wat::parse_str("(component)").unwrap()).unwrap(),
            WasmKind::Component
        );
        let err = classify(p, b"#!/bin/sh\necho hi\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a WebAssembly file") && err.contains("#!/bin/s"),
            "{err}"
        );
        let err = classify(p, b"").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        let err = classify(p, b"\0asm\x09\0\0\0").unwrap_err().to_string();
        assert!(err.contains("unknown binary version"), "{err}");
    }

    #[test]
    fn world_descriptions() {
        let http = describe_world(&["wasi:http/incoming-handler@0.2.6".into()]);
        assert!(http.contains("wasi:http/proxy") && http.contains("loop serve"));
        assert!(describe_world(&[]).contains("exports nothing"));
        assert!(describe_world(&["my:lib/api".into()]).contains("my:lib/api"));
    }
}
