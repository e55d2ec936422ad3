//! `wasi-gfx:surface/surface-frame-buffer`: CPU pixels shown in a window (softbuffer).
//!
//! The `buffer` resource is frame-buffer-wasmtime's; the context that shows it is loop-host's
//! own (instead of surface-wasmtime's `surface-frame-buffer` feature) so that a frame whose
//! size no longer matches the window (it was resized meanwhile) is skipped rather than
//! panicking the host, and so that softbuffer is built for X11 only.
//!
//! Pixels are `0x00RRGGBB` little-endian `u32`s, row by row, `width × height` of the window as
//! it was when `get-current-buffer` was called.

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use frame_buffer_wasmtime::{GfxBuffer, HasBuffer};
use surface_wasmtime::{MainThreadSpawner, Surface};
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};

use super::GfxShared;
use super::window::{Pacing, UserEvent};

mod bindings {
    wasmtime::component::bindgen!({
        inline: "
            package loop:gfx-host;
            world surface-frame-buffer {
                import wasi-gfx:surface/surface-frame-buffer@0.2.0;
            }
        ",
        path: [
            "../../wit/deps/wasi-webgpu",
            "../../wit/deps/wasi-gfx-frame-buffer",
            "../../wit/deps/wasi-gfx-surface",
        ],
        world: "loop:gfx-host/surface-frame-buffer",
        require_store_data_send: true,
        imports: { default: trappable },
        with: {
            "wasi-gfx:frame-buffer/frame-buffer": frame_buffer_wasmtime::wasi_gfx::frame_buffer::frame_buffer,
            "wasi-gfx:surface/surface.surface": surface_wasmtime::Surface,
            "wasi-gfx:surface/surface-frame-buffer.context": super::FrameBufferContext,
        },
    });
}

use bindings::wasi_gfx::surface::surface_frame_buffer as api;

type SoftSurface = softbuffer::Surface<Surface, Surface>;

/// The last frame the guest wrote, and the window size it was drawn for.
#[derive(Default)]
struct Staged {
    pixels: Vec<u8>,
    size: (u32, u32),
}

/// A window's frame-buffer context.
pub struct FrameBufferContext {
    surface: Surface,
    soft: Arc<Mutex<SoftSurface>>,
    staged: Arc<Mutex<Staged>>,
}

/// The buffer handed to the guest: writes land in the context's staging area.
struct StagedBuffer {
    staged: Arc<Mutex<Staged>>,
    size: (u32, u32),
}

impl HasBuffer for StagedBuffer {
    fn get_buffer(&self) -> wasmtime::Result<Vec<u8>> {
        let staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
        let len = (self.size.0 as usize) * (self.size.1 as usize) * 4;
        if staged.size == self.size && staged.pixels.len() == len {
            Ok(staged.pixels.clone())
        } else {
            Ok(vec![0; len])
        }
    }

    // frame-buffer-wasmtime unwraps this result, so it never fails: a wrongly sized frame is
    // kept and then skipped at `present`.
    fn set_buffer(&mut self, value: &[u8]) -> wasmtime::Result<()> {
        let mut staged = self.staged.lock().unwrap_or_else(|e| e.into_inner());
        staged.pixels.clear();
        staged.pixels.extend_from_slice(value);
        staged.size = self.size;
        Ok(())
    }
}

/// What the host functions of this interface see of the store.
pub struct SurfaceFrameBufferCtx<'a> {
    pub table: &'a mut ResourceTable,
    pub gfx: &'a GfxShared,
}

struct HasSurfaceFrameBuffer;

impl HasData for HasSurfaceFrameBuffer {
    type Data<'a> = SurfaceFrameBufferCtx<'a>;
}

/// Adds `wasi-gfx:surface/surface-frame-buffer` to a linker.
pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> SurfaceFrameBufferCtx<'_>,
) -> wasmtime::Result<()> {
    api::add_to_linker::<T, HasSurfaceFrameBuffer>(linker, get)
}

impl api::Host for SurfaceFrameBufferCtx<'_> {}

impl api::HostContext for SurfaceFrameBufferCtx<'_> {
    fn new(
        &mut self,
        surface: Resource<Surface>,
    ) -> wasmtime::Result<Resource<FrameBufferContext>> {
        let surface = self.table.get(&surface)?.arc_clone();
        let target = surface.arc_clone();
        let soft = futures::executor::block_on(self.gfx.spawner.spawn(move || {
            let context =
                softbuffer::Context::new(target.arc_clone()).map_err(|e| e.to_string())?;
            SoftSurface::new(&context, target).map_err(|e| e.to_string())
        }))
        .map_err(|e| wasmtime::format_err!("cannot show pixels in the window: {e}"))?;
        Ok(self.table.push(FrameBufferContext {
            surface,
            soft: Arc::new(Mutex::new(soft)),
            staged: Arc::default(),
        })?)
    }

    fn get_current_buffer(
        &mut self,
        context: Resource<FrameBufferContext>,
    ) -> wasmtime::Result<Resource<GfxBuffer>> {
        let ctx = self.table.get(&context)?;
        let buffer = StagedBuffer {
            staged: ctx.staged.clone(),
            size: (ctx.surface.width(), ctx.surface.height()),
        };
        Ok(self.table.push(GfxBuffer {
            buffer: Box::new(buffer),
        })?)
    }

    fn present(&mut self, context: Resource<FrameBufferContext>) -> wasmtime::Result<()> {
        let ctx = self.table.get(&context)?;
        let staged = ctx.staged.lock().unwrap_or_else(|e| e.into_inner());
        let (w, h) = staged.size;
        let fits = staged.pixels.len() == (w as usize) * (h as usize) * 4;
        if let (true, Some(width), Some(height)) = (fits, NonZeroU32::new(w), NonZeroU32::new(h)) {
            let mut soft = ctx.soft.lock().unwrap_or_else(|e| e.into_inner());
            let shown = soft.resize(width, height).and_then(|()| {
                let mut buffer = soft.buffer_mut()?;
                for (dst, src) in buffer.iter_mut().zip(staged.pixels.chunks_exact(4)) {
                    *dst = u32::from_le_bytes([src[0], src[1], src[2], src[3]]);
                }
                buffer.present()
            });
            shown.map_err(|e| wasmtime::format_err!("cannot show the window's pixels: {e}"))?;
        }
        // Otherwise the frame was drawn for another window size (or never written): skip it.
        drop(staged);
        if self.gfx.pacing == Pacing::Unpaced {
            self.gfx.spawner.send(UserEvent::Presented);
        }
        Ok(())
    }

    fn drop(&mut self, context: Resource<FrameBufferContext>) -> wasmtime::Result<()> {
        self.table.delete(context)?;
        Ok(())
    }
}
