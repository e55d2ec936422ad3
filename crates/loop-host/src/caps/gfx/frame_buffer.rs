//! `wasi-gfx:surface/surface-frame-buffer`: CPU pixels shown in a window.
//!
//! The `buffer` resource is frame-buffer-wasmtime's; the context that shows it is loop-host's
//! own, instead of surface-wasmtime's `surface-frame-buffer` feature (softbuffer): a frame whose
//! size no longer matches the window (it was resized meanwhile) is skipped rather than panicking
//! the host, and pixels go to the X server with plain `PutImage` requests over x11rb (already
//! part of winit), whereas softbuffer's Xlib loader runs at process start-up (a constructor),
//! which would slow down every `loop-host` run, windowed or not.
//!
//! Pixels are `0x00RRGGBB` little-endian `u32`s, row by row, `width × height` of the window as
//! it was when `get-current-buffer` was called: exactly a 24-bit TrueColor `ZPixmap` in the
//! X server's usual least-significant-byte-first order, so they are sent as they are.

use std::sync::{Arc, Mutex};

use frame_buffer_wasmtime::{GfxBuffer, HasBuffer};
use surface_wasmtime::Surface;
use wasmtime::component::{HasData, Linker, Resource, ResourceTable};
use winit::raw_window_handle::{HasWindowHandle, RawWindowHandle};
use x11rb::connection::{Connection, RequestConnection};
use x11rb::protocol::xproto::{ConnectionExt, CreateGCAux, ImageFormat, ImageOrder};
use x11rb::rust_connection::RustConnection;

use super::GfxShared;
use super::window::Pacing;

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

/// The last frame the guest wrote, and the window size it was drawn for.
#[derive(Default)]
struct Staged {
    pixels: Vec<u8>,
    size: (u32, u32),
}

/// A window's frame-buffer context.
pub struct FrameBufferContext {
    surface: Surface,
    x11: X11Target,
    staged: Arc<Mutex<Staged>>,
}

/// Where the pixels go: the window, through a connection of our own to its X server.
struct X11Target {
    conn: RustConnection,
    window: u32,
    gc: u32,
}

impl X11Target {
    fn open(surface: &Surface) -> Result<X11Target, String> {
        let window = match surface.window_handle().map_err(|e| e.to_string())?.as_raw() {
            RawWindowHandle::Xlib(h) => h.window as u32,
            RawWindowHandle::Xcb(h) => h.window.get(),
            other => return Err(format!("not an X11 window ({other:?})")),
        };
        let (conn, _) = x11rb::connect(None).map_err(|e| e.to_string())?;
        let setup = conn.setup();
        let pixmap_32 = setup
            .pixmap_formats
            .iter()
            .any(|f| f.depth == 24 && f.bits_per_pixel == 32);
        let depth = conn
            .get_geometry(window)
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| e.to_string())?
            .depth;
        if depth != 24 || !pixmap_32 || setup.image_byte_order != ImageOrder::LSB_FIRST {
            return Err(format!(
                "the display's window format (depth {depth}, {:?}) is not 24-bit TrueColor",
                setup.image_byte_order
            ));
        }
        let gc = conn.generate_id().map_err(|e| e.to_string())?;
        conn.create_gc(gc, window, &CreateGCAux::new())
            .map_err(|e| e.to_string())?
            .check()
            .map_err(|e| e.to_string())?;
        Ok(X11Target { conn, window, gc })
    }

    /// Sends one frame, split into requests the server accepts, and waits until it is drawn
    /// (so a fast guest cannot queue frames without bound).
    fn show(&self, pixels: &[u8], width: u32) -> Result<(), String> {
        let row = width as usize * 4;
        let max_rows = ((self.conn.maximum_request_bytes() - 64) / row).max(1);
        let mut last = None;
        for (i, rows) in pixels.chunks(row * max_rows).enumerate() {
            let cookie = self
                .conn
                .put_image(
                    ImageFormat::Z_PIXMAP,
                    self.window,
                    self.gc,
                    width as u16,
                    (rows.len() / row) as u16,
                    0,
                    (i * max_rows) as i16,
                    0,
                    24,
                    rows,
                )
                .map_err(|e| e.to_string())?;
            if let Some(previous) = last.replace(cookie) {
                previous.ignore_error();
            }
        }
        match last {
            Some(cookie) => cookie.check().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
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
        let x11 = X11Target::open(&surface)
            .map_err(|e| wasmtime::format_err!("cannot show pixels in the window: {e}"))?;
        Ok(self.table.push(FrameBufferContext {
            surface,
            x11,
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
        if fits && w > 0 && h > 0 && w <= u16::MAX.into() && h <= u16::MAX.into() {
            ctx.x11
                .show(&staged.pixels, w)
                .map_err(|e| wasmtime::format_err!("cannot show the window's pixels: {e}"))?;
        }
        // Otherwise the frame was drawn for another window size (or never written): skip it.
        drop(staged);
        if self.gfx.pacing == Pacing::Unpaced {
            // Unpaced: the next frame starts now, from this (the guest's) thread.
            ctx.surface.animation_frame();
        }
        Ok(())
    }

    fn drop(&mut self, context: Resource<FrameBufferContext>) -> wasmtime::Result<()> {
        self.table.delete(context)?;
        Ok(())
    }
}
