//! Native window, input and GPU: the wasi-gfx interfaces (`wasi:webgpu@0.3.0-rc.2`,
//! `wasi-gfx:surface@0.2.0`, `wasi-gfx:frame-buffer@0.2.0`).
//!
//! Everything wasi-gfx lives in this module, so that a change of its (release-candidate) WIT
//! touches one place:
//!
//! - two capabilities, `window` (surface, frame buffer) and `gpu` (WebGPU), both granted by
//!   default and deniable in `loop.toml` (`grants.window = false`, `grants.gpu = false`); a
//!   component importing a denied one is refused at load;
//! - WebGPU itself, the `surface` resource and its event streams come from the Bytecode
//!   Alliance-adjacent host crates (`wasi-webgpu-wasmtime`, `surface-wasmtime`,
//!   `frame-buffer-wasmtime`); loop-host adds the window ([`window`]: winit on the main
//!   thread), the surface glue ([`surface_webgpu`], [`frame_buffer`]), the run loop ([`app`]),
//!   policy and errors.

mod app;
mod frame_buffer;
mod surface_webgpu;
mod window;

use std::sync::Arc;

use surface_wasmtime::{SurfaceCtx, SurfaceCtxView};
use wasi_webgpu_wasmtime::reexports::wgpu_core::global::Global;
use wasi_webgpu_wasmtime::reexports::wgpu_types as wgt;
use wasi_webgpu_wasmtime::{WasiWebGpuCtx, WasiWebGpuCtxView, WasiWebGpuOptions};
use wasmtime::component::Linker;

pub use app::run_app;
pub use frame_buffer::FrameBufferContext;
pub use surface_webgpu::WebgpuContext;
pub use window::Pacing;

use super::{Capability, Grant};
use crate::error::HostError;
use crate::policy::Policy;
use crate::state::{HostState, StateBuilder};

/// Interfaces of the `window` capability.
const WINDOW: &[&str] = &[
    "wasi-gfx:surface/surface",
    "wasi-gfx:surface/surface-webgpu",
    "wasi-gfx:surface/surface-frame-buffer",
    "wasi-gfx:frame-buffer/frame-buffer",
];

/// Interfaces of the `gpu` capability.
const GPU: &[&str] = &["wasi:webgpu/webgpu"];

/// What to install when there is no Vulkan adapter.
const INSTALL_VULKAN: &str = "install a Vulkan driver: on Debian or Ubuntu `sudo apt-get install mesa-vulkan-drivers libvulkan1` (it includes lavapipe, a software renderer), or your GPU vendor's driver";

/// Whether an import is one of wasi-gfx's.
pub fn is_gfx(import: &str) -> bool {
    let name = crate::loader::unversioned(import);
    WINDOW.contains(&name) || GPU.contains(&name)
}

/// Whether a component with these imports needs a window (any wasi-gfx import).
pub fn needs_window(imports: &[String]) -> bool {
    imports.iter().any(|i| is_gfx(i))
}

/// Whether a component with these imports needs a GPU adapter.
pub fn needs_gpu(imports: &[String]) -> bool {
    imports.iter().any(|i| {
        let name = crate::loader::unversioned(i);
        GPU.contains(&name) || name == "wasi-gfx:surface/surface-webgpu"
    })
}

/// Where a component is being loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `loop run`: windows can open.
    Run,
    /// `loop serve` or the control protocol: no window.
    Headless(&'static str),
}

/// Refuses, before any guest code runs, a component whose wasi-gfx imports the policy denies
/// or that cannot have a window where it is loaded.
pub fn check(policy: &Policy, imports: &[String], mode: Mode) -> Result<(), HostError> {
    let refuse = |reason: String| {
        Err(HostError::Refused {
            component: policy.name.clone(),
            reason,
        })
    };
    for import in imports.iter().filter(|i| is_gfx(i)) {
        if let Mode::Headless(what) = mode {
            return refuse(format!(
                "it imports {import}, but windows and GPUs are only available to `loop run`, not to {what}"
            ));
        }
        if let Some(grant) = denied_by(import, policy) {
            return refuse(format!(
                "it imports {import}, which needs the `{grant}` grant, and loop.toml denies it (grants.{grant} = false under [components.{}]); remove that line to allow it",
                policy.name
            ));
        }
    }
    Ok(())
}

/// The grant (`window` or `gpu`) that a policy withholds from an import, if any.
fn denied_by(import: &str, policy: &Policy) -> Option<&'static str> {
    let name = crate::loader::unversioned(import);
    let wants_window = WINDOW.contains(&name);
    let wants_gpu = GPU.contains(&name) || name == "wasi-gfx:surface/surface-webgpu";
    if wants_window && !policy.window {
        Some("window")
    } else if wants_gpu && !policy.gpu {
        Some("gpu")
    } else {
        None
    }
}

fn grant_of(interface: &str, policy: &Policy, granted: &str) -> Grant {
    match denied_by(interface, policy) {
        Some(grant) => Grant::refused(format!("grants.{grant} = false")),
        None => Grant::granted(granted),
    }
}

/// The `window` capability: `wasi-gfx:surface` (a native window, its size, frames, pointer and
/// key events) and `wasi-gfx:frame-buffer` (CPU pixels in it).
pub struct Window;

impl Capability for Window {
    fn name(&self) -> &'static str {
        "window"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        WINDOW
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        surface_wasmtime::add_surface_to_linker(linker)?;
        frame_buffer_wasmtime::add_to_linker(linker)?;
        frame_buffer::add_to_linker(linker, |s| {
            let gfx = s.gfx.shared();
            frame_buffer::SurfaceFrameBufferCtx {
                table: &mut s.table,
                gfx,
            }
        })?;
        surface_webgpu::add_to_linker(linker, |s| {
            let gfx = s.gfx.shared();
            surface_webgpu::SurfaceWebgpuCtx {
                table: &mut s.table,
                gfx,
            }
        })
    }

    fn configure(&self, _state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        Ok(())
    }

    fn grant(&self, interface: &str, policy: &Policy) -> Grant {
        grant_of(
            interface,
            policy,
            "a native window: size, frames, pointer and key events",
        )
    }
}

/// The `gpu` capability: `wasi:webgpu` on the system's Vulkan adapter.
pub struct Gpu;

impl Capability for Gpu {
    fn name(&self) -> &'static str {
        "gpu"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        GPU
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        wasi_webgpu_wasmtime::add_to_linker(linker)
    }

    fn configure(&self, _state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        Ok(())
    }

    fn grant(&self, interface: &str, policy: &Policy) -> Grant {
        grant_of(interface, policy, "WebGPU on the system's Vulkan adapter")
    }
}

/// What every gfx host function of one run shares: the wgpu instance, the way to the main
/// thread, and the frame clock.
pub struct GfxShared {
    global: Arc<Global>,
    spawner: window::Spawner,
    pacing: Pacing,
    options: WasiWebGpuOptions,
}

/// Per-instance gfx state: set for `loop run` of a gfx component, empty otherwise (such
/// components are refused everywhere else by [`check`], so the host functions never see it
/// empty).
#[derive(Default)]
pub struct GfxCtx {
    shared: Option<Arc<GfxShared>>,
}

impl GfxCtx {
    fn shared(&self) -> &GfxShared {
        self.shared
            .as_deref()
            .expect("wasi-gfx call outside `loop run`; `gfx::check` refuses such components")
    }
}

impl SurfaceCtxView for HostState {
    type Spawner = window::Spawner;

    fn surface_ctx(&mut self) -> SurfaceCtx<'_, window::Spawner> {
        SurfaceCtx {
            table: &mut self.table,
            main_thread_spawner: &self.gfx.shared().spawner,
        }
    }
}

impl WasiWebGpuCtxView for HostState {
    fn webgpu_ctx(&mut self) -> WasiWebGpuCtx<'_> {
        let gfx = self.gfx.shared();
        WasiWebGpuCtx {
            instance: &gfx.global,
            table: &mut self.table,
            options: &gfx.options,
        }
    }
}

impl frame_buffer_wasmtime::FrameBufferCtxView for HostState {
    fn frame_buffer_ctx(&mut self) -> frame_buffer_wasmtime::FrameBufferCtx<'_> {
        frame_buffer_wasmtime::FrameBufferCtx {
            table: &mut self.table,
        }
    }
}

/// A wgpu instance limited to Vulkan (the only backend loop-host builds on Linux), or to no
/// backend at all when the component does not use the GPU.
fn instance(gpu: bool) -> Global {
    let mut desc = wgt::InstanceDescriptor::new_without_display_handle();
    desc.backends = if gpu {
        wgt::Backends::VULKAN
    } else {
        wgt::Backends::empty()
    };
    Global::new("loop-host", desc, None)
}

/// The GPU adapter WebGPU would get, as `loop doctor` and the errors describe it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdapterReport {
    /// The device's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// The graphics API, e.g. `Vulkan`.
    pub backend: String,
    /// `software` (a CPU renderer such as lavapipe) or `hardware`.
    pub kind: &'static str,
    /// The driver and its version.
    pub driver: String,
}

/// Finds the adapter `request-adapter` would return, or says what to install.
pub fn probe_adapter(global: &Global) -> Result<AdapterReport, String> {
    let options = wgt::RequestAdapterOptions {
        power_preference: wgt::PowerPreference::default(),
        force_fallback_adapter: false,
        compatible_surface: None,
    };
    let id = global
        .request_adapter(&options, wgt::Backends::VULKAN, None)
        .map_err(|_| format!("no GPU adapter: loop-host draws with Vulkan and found no Vulkan device; {INSTALL_VULKAN}"))?;
    let info = global.adapter_get_info(id);
    global.adapter_drop(id);
    Ok(AdapterReport {
        name: info.name,
        backend: format!("{:?}", info.backend),
        kind: match info.device_type {
            wgt::DeviceType::Cpu => "software",
            wgt::DeviceType::Other => "unknown",
            _ => "hardware",
        },
        driver: [info.driver, info.driver_info]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
    })
}

/// Quiets the Vulkan loader for headless runs: Mesa's device-select layer probes for a
/// Wayland compositor and, without `XDG_RUNTIME_DIR` (CI, `xvfb-run` in a container), prints
/// `error: XDG_RUNTIME_DIR is invalid or not set` once per probe. wgpu chooses the adapter
/// itself, so the layer is skipped then (`NODEVICE_SELECT=1`). Call it before any thread starts.
pub fn quiet_vulkan_layers() {
    let unset = |name: &str| std::env::var_os(name).is_none_or(|v| v.is_empty());
    if unset("XDG_RUNTIME_DIR") && unset("WAYLAND_DISPLAY") && unset("NODEVICE_SELECT") {
        // SAFETY: called at start-up, before loop-host starts any other thread.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}

/// The display windows would open on, or why there is none.
pub fn display() -> Result<String, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("DISPLAY"), var("WAYLAND_DISPLAY")) {
        (Some(x11), _) => Ok(format!("X11 display {x11}")),
        (None, Some(wayland)) => Err(format!(
            "no X11 display: only WAYLAND_DISPLAY ({wayland}) is set, and loop-host opens windows through X11; enable XWayland so that DISPLAY is set"
        )),
        (None, None) => Err(
            "no display: neither DISPLAY nor WAYLAND_DISPLAY is set; run it in a desktop session, or headless under `xvfb-run -a`".into(),
        ),
    }
}

/// `loop-host doctor`'s view of windows and GPUs.
#[derive(Debug)]
pub struct DoctorReport {
    /// The display, or why there is none.
    pub display: Result<String, String>,
    /// The GPU adapter, or why there is none.
    pub adapter: Result<AdapterReport, String>,
}

/// Looks for a display and a GPU adapter.
pub fn doctor() -> DoctorReport {
    DoctorReport {
        display: display(),
        adapter: probe_adapter(&instance(true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_gfx_imports() {
        assert!(is_gfx("wasi:webgpu/webgpu@0.3.0-rc.2"));
        assert!(is_gfx("wasi-gfx:surface/surface@0.2.0"));
        assert!(!is_gfx("wasi:cli/stdout@0.2.6"));
        let imports = vec!["wasi-gfx:surface/surface@0.2.0".to_string()];
        assert!(needs_window(&imports) && !needs_gpu(&imports));
        let imports = vec!["wasi-gfx:surface/surface-webgpu@0.2.0".to_string()];
        assert!(needs_gpu(&imports));
    }

    #[test]
    fn denied_grants_refuse_at_load() {
        let imports = vec![
            "wasi:webgpu/webgpu@0.3.0-rc.2".to_string(),
            "wasi-gfx:surface/surface@0.2.0".to_string(),
        ];
        let mut policy = Policy::untrusted("tri");
        assert!(check(&policy, &imports, Mode::Run).is_ok());
        policy.gpu = false;
        let err = check(&policy, &imports, Mode::Run).unwrap_err().to_string();
        assert!(
            err.contains("wasi:webgpu/webgpu") && err.contains("grants.gpu = false"),
            "{err}"
        );
        policy.gpu = true;
        policy.window = false;
        let err = check(&policy, &imports, Mode::Run).unwrap_err().to_string();
        assert!(err.contains("grants.window = false"), "{err}");
        let err = check(
            &Policy::untrusted("tri"),
            &imports,
            Mode::Headless("`loop serve`"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("only available to `loop run`"), "{err}");
        assert_eq!(
            Window.grant("wasi-gfx:surface/surface", &policy).status,
            "refused"
        );
        assert_eq!(Gpu.grant("wasi:webgpu/webgpu", &policy).status, "granted");
    }
}
