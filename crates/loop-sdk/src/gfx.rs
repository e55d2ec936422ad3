//! Native-window apps: a window (`wasi-gfx:surface`), WebGPU (`wasi:webgpu`) and CPU pixels
//! (`wasi-gfx:frame-buffer`), with an async entry point. `loop run app.wasm` opens the window
//! and runs it; closing the window ends the run.
//!
//! ```ignore
//! use loop_sdk::gfx::{self, surface, Event, Events};
//!
//! async fn main() -> Result<(), ()> {
//!     let window = surface::Surface::new(surface::CreateDesc { width: Some(640), height: Some(480) });
//!     let mut events = Events::new(&window);
//!     while let Some(event) = events.next().await {
//!         match event {
//!             Event::Frame => { /* draw */ }
//!             Event::PointerUp(p) => { /* p.x, p.y */ }
//!             _ => {}
//!         }
//!     }
//!     Ok(())
//! }
//! loop_sdk::gfx_app!(main);
//! ```

use futures::stream::{LocalBoxStream, SelectAll, StreamExt};

pub use crate::gfx_bindings::wasi::webgpu::webgpu;
pub use crate::gfx_bindings::wasi_gfx::frame_buffer::frame_buffer;
pub use crate::gfx_bindings::wasi_gfx::surface::{surface, surface_frame_buffer, surface_webgpu};

use surface::{KeyEvent, PointerEvent, ResizeEvent, Surface};

/// Something that happened to a window.
#[derive(Debug, Clone)]
pub enum Event {
    /// Time to draw the next frame.
    Frame,
    /// The window's new size, in pixels.
    Resize(ResizeEvent),
    /// A pointer button went down, at window pixel coordinates.
    PointerDown(PointerEvent),
    /// A pointer button went up.
    PointerUp(PointerEvent),
    /// The pointer moved.
    PointerMove(PointerEvent),
    /// A key went down (again for auto-repeat).
    KeyDown(KeyEvent),
    /// A key went up.
    KeyUp(KeyEvent),
}

/// Every event stream of a window merged into one, so an app can be one `while let` loop.
pub struct Events {
    streams: SelectAll<LocalBoxStream<'static, Event>>,
}

impl Events {
    /// Subscribes to all of a window's events (events before this call are not seen).
    pub fn new(window: &Surface) -> Self {
        let mut streams = SelectAll::new();
        streams.push(
            window
                .on_frame()
                .into_stream()
                .map(|_| Event::Frame)
                .boxed_local(),
        );
        streams.push(
            window
                .on_resize()
                .into_stream()
                .map(Event::Resize)
                .boxed_local(),
        );
        streams.push(
            window
                .on_pointer_down()
                .into_stream()
                .map(Event::PointerDown)
                .boxed_local(),
        );
        streams.push(
            window
                .on_pointer_up()
                .into_stream()
                .map(Event::PointerUp)
                .boxed_local(),
        );
        streams.push(
            window
                .on_pointer_move()
                .into_stream()
                .map(Event::PointerMove)
                .boxed_local(),
        );
        streams.push(
            window
                .on_key_down()
                .into_stream()
                .map(Event::KeyDown)
                .boxed_local(),
        );
        streams.push(
            window
                .on_key_up()
                .into_stream()
                .map(Event::KeyUp)
                .boxed_local(),
        );
        Events { streams }
    }

    /// The next event; `None` once the window's streams have all ended.
    pub async fn next(&mut self) -> Option<Event> {
        self.streams.next().await
    }
}

/// Exports an `async fn() -> Result<(), ()>` as the app's entry point (`wasi:cli/run@0.3.0`).
#[macro_export]
macro_rules! gfx_app {
    ($main:path) => {
        struct __LoopGfxApp;
        impl $crate::gfx_bindings::exports::wasi::cli::run::Guest for __LoopGfxApp {
            async fn run() -> ::core::result::Result<(), ()> {
                $main().await
            }
        }
        $crate::gfx_bindings::export_gfx_app!(__LoopGfxApp with_types_in $crate::gfx_bindings);
    };
}
