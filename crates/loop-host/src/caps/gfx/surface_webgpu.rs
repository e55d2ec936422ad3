//! `wasi-gfx:surface/surface-webgpu`: a window's swap chain as WebGPU textures.
//!
//! loop-host implements this small interface itself instead of using surface-wasmtime's
//! `surface-webgpu` feature, so that a resized or outdated swap chain is reconfigured instead of
//! panicking the host, errors reach the guest as readable traps, and presenting can start the
//! next frame at once (`LOOP_GFX_FPS=max`). The WebGPU objects themselves (devices, textures)
//! are wasi-webgpu-wasmtime's.

use std::sync::Arc;

use surface_wasmtime::{MainThreadSpawner, Surface};
use wasi_webgpu_wasmtime::reexports::wgpu_core::global::Global;
use wasi_webgpu_wasmtime::reexports::wgpu_core::id::SurfaceId;
use wasi_webgpu_wasmtime::reexports::wgpu_types as wgt;
use wasi_webgpu_wasmtime::wasi::webgpu::webgpu as gpu;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::GfxShared;
use super::window::Pacing;

mod bindings {
    wasmtime::component::bindgen!({
        inline: "
            package loop:gfx-host;
            world surface-webgpu {
                import wasi-gfx:surface/surface-webgpu@0.2.0;
            }
        ",
        path: [
            "../../wit/deps/wasi-webgpu",
            "../../wit/deps/wasi-gfx-frame-buffer",
            "../../wit/deps/wasi-gfx-surface",
        ],
        world: "loop:gfx-host/surface-webgpu",
        require_store_data_send: true,
        imports: { default: trappable },
        with: {
            "wasi:webgpu/webgpu": wasi_webgpu_wasmtime::wasi::webgpu::webgpu,
            "wasi-gfx:surface/surface.surface": surface_wasmtime::Surface,
            "wasi-gfx:surface/surface-webgpu.context": super::WebgpuContext,
        },
    });
}

use bindings::wasi_gfx::surface::surface_webgpu as api;

/// A window's WebGPU context: its wgpu surface and how the guest configured it.
pub struct WebgpuContext {
    surface: Surface,
    surface_id: SurfaceId,
    config: Option<Configured>,
}

struct Configured {
    device: wasi_webgpu_wasmtime::Device,
    format: wgt::TextureFormat,
    usage: wgt::TextureUsages,
    view_formats: Vec<wgt::TextureFormat>,
    alpha_mode: wgt::CompositeAlphaMode,
    /// The window size the swap chain was last configured for.
    size: (u32, u32),
    /// The last acquire said the swap chain no longer matches the window.
    stale: bool,
}

/// What the host functions of this interface see of the store.
pub struct SurfaceWebgpuCtx<'a> {
    pub table: &'a mut ResourceTable,
    pub gfx: &'a GfxShared,
}

struct HasSurfaceWebgpu;

impl HasData for HasSurfaceWebgpu {
    type Data<'a> = SurfaceWebgpuCtx<'a>;
}

/// Adds `wasi-gfx:surface/surface-webgpu` to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> SurfaceWebgpuCtx<'_>,
) -> wasmtime::Result<()> {
    api::add_to_linker::<T, HasSurfaceWebgpu>(linker, get)
}

fn window_size(surface: &Surface) -> (u32, u32) {
    (surface.width().max(1), surface.height().max(1))
}

impl SurfaceWebgpuCtx<'_> {
    fn global(&self) -> &Arc<Global> {
        &self.gfx.global
    }

    fn configure_now(
        &self,
        surface_id: SurfaceId,
        config: &mut Configured,
        size: (u32, u32),
    ) -> wasmtime::Result<()> {
        let present_mode = match self.gfx.pacing {
            Pacing::Unpaced => wgt::PresentMode::AutoNoVsync,
            Pacing::Rate(_) => wgt::PresentMode::AutoVsync,
        };
        let error = self.global().surface_configure(
            surface_id,
            *config.device.device_id(),
            &wgt::SurfaceConfiguration {
                usage: config.usage,
                format: config.format,
                width: size.0,
                height: size.1,
                present_mode,
                desired_maximum_frame_latency: 2,
                alpha_mode: config.alpha_mode,
                view_formats: config.view_formats.clone(),
            },
        );
        if let Some(error) = error {
            wasmtime::bail!("cannot configure the window's GPU surface: {error}");
        }
        config.size = size;
        config.stale = false;
        Ok(())
    }
}

impl api::Host for SurfaceWebgpuCtx<'_> {}

impl api::HostContext for SurfaceWebgpuCtx<'_> {
    fn new(&mut self, surface: Resource<Surface>) -> wasmtime::Result<Resource<WebgpuContext>> {
        let surface = self.table.get(&surface)?.arc_clone();
        let global = self.global().clone();
        let target = surface.arc_clone();
        // Surfaces are created on the main thread, where the window lives.
        let created = futures::executor::block_on(self.gfx.spawner.spawn(move || {
            use winit::raw_window_handle::{HasDisplayHandle, HasWindowHandle};
            let display = target.display_handle().map_err(|e| e.to_string())?;
            let window = target.window_handle().map_err(|e| e.to_string())?;
            // SAFETY: the window outlives the wgpu surface: the context keeps the `Surface`
            // (and with it the window) alive, and drops the wgpu surface first.
            unsafe { global.instance_create_surface(Some(display.as_raw()), window.as_raw(), None) }
                .map_err(|e| e.to_string())
        }));
        let surface_id = created.map_err(|e| {
            wasmtime::format_err!("cannot create a GPU surface for the window: {e}")
        })?;
        Ok(self.table.push(WebgpuContext {
            surface,
            surface_id,
            config: None,
        })?)
    }

    fn configure(
        &mut self,
        context: Resource<WebgpuContext>,
        configuration: api::ContextConfiguration,
    ) -> wasmtime::Result<()> {
        let device = self.table.get(&configuration.device)?.clone();
        let usage = configuration
            .usage
            .unwrap_or(gpu::GpuTextureUsage::RENDER_ATTACHMENT)
            .try_into()?;
        let mut config = Configured {
            device,
            format: configuration.format.into(),
            usage,
            view_formats: configuration
                .view_formats
                .into_iter()
                .flatten()
                .map(Into::into)
                .collect(),
            alpha_mode: configuration
                .alpha_mode
                .unwrap_or(gpu::GpuCanvasAlphaMode::Opaque)
                .into(),
            size: (0, 0),
            stale: false,
        };
        let ctx = self.table.get(&context)?;
        let (surface_id, size) = (ctx.surface_id, window_size(&ctx.surface));
        self.configure_now(surface_id, &mut config, size)?;
        self.table.get_mut(&context)?.config = Some(config);
        Ok(())
    }

    fn unconfigure(&mut self, context: Resource<WebgpuContext>) -> wasmtime::Result<()> {
        self.table.get_mut(&context)?.config = None;
        Ok(())
    }

    fn get_current_texture(
        &mut self,
        context: Resource<WebgpuContext>,
    ) -> wasmtime::Result<Resource<wasi_webgpu_wasmtime::Texture>> {
        let ctx = self.table.get_mut(&context)?;
        let surface_id = ctx.surface_id;
        let size = window_size(&ctx.surface);
        let Some(mut config) = ctx.config.take() else {
            wasmtime::bail!(
                "get-current-texture on a context that is not configured; call configure first"
            );
        };
        let result = (|| {
            // The window may have been resized since the last frame: follow it, as a canvas
            // context does, so guests need not reconfigure on every resize.
            if config.size != size || config.stale {
                self.configure_now(surface_id, &mut config, size)?;
            }
            let mut last = String::new();
            for _ in 0..3 {
                match self.global().surface_get_current_texture(surface_id, None) {
                    Ok(output) => {
                        use wgt::SurfaceStatus::*;
                        match (output.status, output.texture) {
                            (Good, Some(texture)) => return Ok(texture),
                            (Suboptimal, Some(texture)) => {
                                config.stale = true;
                                return Ok(texture);
                            }
                            (status, _) => last = format!("{status:?}"),
                        }
                    }
                    Err(e) => last = e.to_string(),
                }
                self.configure_now(
                    surface_id,
                    &mut config,
                    window_size(&self.surface_of(&context)?),
                )?;
            }
            wasmtime::bail!("cannot get the window's next frame: {last}")
        })();
        let device = config.device.clone();
        self.table.get_mut(&context)?.config = Some(config);
        let texture_id = result?;
        // SAFETY: the texture comes from a swap chain configured with this very device.
        let texture = unsafe { device.connect_texture(texture_id) };
        Ok(self.table.push(texture)?)
    }

    fn present(&mut self, context: Resource<WebgpuContext>) -> wasmtime::Result<()> {
        let ctx = self.table.get_mut(&context)?;
        let surface_id = ctx.surface_id;
        match self.gfx.global.surface_present(surface_id) {
            Ok(wgt::SurfaceStatus::Good) => {}
            Ok(_) => {
                if let Some(config) = ctx.config.as_mut() {
                    config.stale = true;
                }
            }
            Err(e) => wasmtime::bail!("cannot present the window's frame: {e}"),
        }
        if self.gfx.pacing == Pacing::Unpaced {
            // Unpaced: the next frame starts now. Sent from this (the guest's) thread, its event
            // wakes the guest without a round trip through the main thread.
            ctx.surface.animation_frame();
        }
        Ok(())
    }

    fn drop(&mut self, context: Resource<WebgpuContext>) -> wasmtime::Result<()> {
        let ctx = self.table.delete(context)?;
        self.gfx.global.surface_drop(ctx.surface_id);
        Ok(())
    }
}

impl SurfaceWebgpuCtx<'_> {
    fn surface_of(&self, context: &Resource<WebgpuContext>) -> wasmtime::Result<Surface> {
        Ok(self.table.get(context)?.surface.arc_clone())
    }
}
