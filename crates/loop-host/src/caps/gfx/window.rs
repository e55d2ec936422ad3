//! The native window side: winit's event loop on the main thread, the windows it opens for
//! `wasi-gfx:surface`, input and resize events forwarded to the guest, and the frame clock.
//!
//! The guest runs on another thread; everything it needs from the main thread (opening a
//! window, creating a GPU surface for it) arrives here as a [`UserEvent`] through the
//! [`Spawner`], the `MainThreadSpawner` of `surface-wasmtime`.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use surface_wasmtime::{
    GfxWindow, Key, KeyEvent, MainThreadSpawner, PointerEvent, ResizeEvent, Surface, SurfaceDesc,
};
use tokio::sync::oneshot;
use winit::application::ApplicationHandler;
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event::{ElementState, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoopProxy};
use winit::keyboard::{KeyCode, ModifiersState, PhysicalKey};
use winit::raw_window_handle::{
    DisplayHandle, HandleError, HasDisplayHandle, HasWindowHandle, WindowHandle,
};
use winit::window::{Window, WindowId};

use crate::error::HostError;

/// Window size when the guest does not ask for one.
pub const DEFAULT_SIZE: (u32, u32) = (800, 600);

/// How long a closed window waits for the guest to let go of its GPU objects before the host
/// exits anyway.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What the guest thread asks of the main thread, and how it reports back.
pub enum UserEvent {
    /// Open a window for a new `surface` and hand back its [`Surface`].
    CreateWindow(SurfaceDesc, oneshot::Sender<Surface>),
    /// Run a closure on the main thread (e.g. create a GPU surface for a window).
    Run(Box<dyn FnOnce() + Send>),
    /// The guest's run ended (returned, trapped, was stopped); its store is gone.
    Finished(Result<i32, HostError>),
}

/// The `MainThreadSpawner` handed to the surface host: it posts work to the event loop.
#[derive(Clone)]
pub struct Spawner {
    proxy: EventLoopProxy<UserEvent>,
}

impl Spawner {
    pub fn new(proxy: EventLoopProxy<UserEvent>) -> Self {
        Spawner { proxy }
    }

    /// Posts an event; false once the event loop is gone (the host is exiting).
    pub fn send(&self, event: UserEvent) -> bool {
        self.proxy.send_event(event).is_ok()
    }
}

impl MainThreadSpawner for Spawner {
    async fn spawn<F, T>(&self, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job = Box::new(move || {
            let _ = tx.send(f());
        });
        if self.send(UserEvent::Run(job))
            && let Ok(value) = rx.await
        {
            return value;
        }
        // The event loop is gone: the run is ending and this thread with it.
        std::future::pending().await
    }

    fn create_surface(&self, desc: SurfaceDesc) -> Pin<Box<dyn Future<Output = Surface> + Send>> {
        let this = self.clone();
        Box::pin(async move {
            let (tx, rx) = oneshot::channel();
            if this.send(UserEvent::CreateWindow(desc, tx))
                && let Ok(surface) = rx.await
            {
                return surface;
            }
            // No window (the event loop ended the run with an error, or is gone): the guest
            // waits here until the host exits.
            std::future::pending().await
        })
    }
}

/// A winit window as the surface host sees it.
struct LoopWindow(Arc<Window>);

impl HasDisplayHandle for LoopWindow {
    fn display_handle(&self) -> Result<DisplayHandle<'_>, HandleError> {
        self.0.display_handle()
    }
}

impl HasWindowHandle for LoopWindow {
    fn window_handle(&self) -> Result<WindowHandle<'_>, HandleError> {
        self.0.window_handle()
    }
}

impl GfxWindow for LoopWindow {
    fn height(&self) -> u32 {
        self.0.inner_size().height
    }

    fn width(&self) -> u32 {
        self.0.inner_size().width
    }

    // surface-wasmtime 0.5 passes the WIT arguments `(height, width)` positionally into this
    // `(width, height)` signature, so the first one is the guest's height.
    fn request_set_size(&self, height: Option<u32>, width: Option<u32>) {
        let now = self.0.inner_size();
        let size = PhysicalSize::new(width.unwrap_or(now.width), height.unwrap_or(now.height));
        let _ = self.0.request_inner_size(size);
    }
}

/// How often frame events go out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pacing {
    /// A fixed rate (frames per second), like a display's refresh.
    Rate(f64),
    /// As fast as the guest draws: the next frame starts when one is presented (plus a 60 Hz
    /// fallback for guests that skip presenting).
    Unpaced,
}

impl Pacing {
    /// Reads `LOOP_GFX_FPS`: a rate, or `0`/`max` for unpaced (benchmarks). Default 60.
    pub fn from_env() -> Result<Pacing, String> {
        match std::env::var("LOOP_GFX_FPS") {
            Err(_) => Ok(Pacing::Rate(60.0)),
            Ok(v) => Pacing::parse(&v),
        }
    }

    pub fn parse(text: &str) -> Result<Pacing, String> {
        let text = text.trim();
        if text == "max" || text == "0" {
            return Ok(Pacing::Unpaced);
        }
        match text.parse::<f64>() {
            Ok(fps) if fps.is_finite() && fps > 0.0 && fps <= 10_000.0 => Ok(Pacing::Rate(fps)),
            _ => Err(format!(
                "LOOP_GFX_FPS=`{text}`: expected frames per second (e.g. 60), or `max` for as fast as the app draws"
            )),
        }
    }

    fn interval(self) -> Duration {
        match self {
            Pacing::Rate(fps) => Duration::from_secs_f64(1.0 / fps),
            Pacing::Unpaced => Duration::from_secs_f64(1.0 / 60.0),
        }
    }
}

struct OpenWindow {
    window: Arc<Window>,
    surface: Surface,
    pointer: (f64, f64),
    modifiers: ModifiersState,
}

/// The event loop's state: open windows, the frame clock, and how the run ends.
pub struct App {
    title: String,
    windows: HashMap<WindowId, OpenWindow>,
    pacing: Pacing,
    next_frame: Instant,
    /// Tells the guest thread to stop (window closed); taken when sent.
    stop: Option<oneshot::Sender<()>>,
    /// When the window was closed: the guest gets [`CLOSE_GRACE`] to finish.
    closing: Option<Instant>,
    /// How the run ended, once known.
    pub outcome: Option<Result<i32, HostError>>,
}

impl App {
    pub fn new(title: String, pacing: Pacing, stop: oneshot::Sender<()>) -> Self {
        App {
            title,
            windows: HashMap::new(),
            pacing,
            next_frame: Instant::now(),
            stop: Some(stop),
            closing: None,
            outcome: None,
        }
    }

    /// Ends the run with `outcome` (the first one wins) and asks the guest to stop; the loop
    /// exits once the guest reports back, or after a grace period.
    fn end(&mut self, outcome: Result<i32, HostError>) {
        if self.outcome.is_none() {
            self.outcome = Some(outcome);
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if self.closing.is_none() {
            self.closing = Some(Instant::now());
            for w in self.windows.values() {
                w.window.set_visible(false);
            }
        }
    }

    fn frame(&mut self) {
        for w in self.windows.values() {
            w.surface.animation_frame();
        }
    }

    fn open(&mut self, event_loop: &ActiveEventLoop, desc: SurfaceDesc) -> Result<Surface, String> {
        let size = PhysicalSize::new(
            desc.width.unwrap_or(DEFAULT_SIZE.0).max(1),
            desc.height.unwrap_or(DEFAULT_SIZE.1).max(1),
        );
        let attributes = Window::default_attributes()
            .with_title(&self.title)
            .with_inner_size(size)
            .with_position(PhysicalPosition::new(0, 0));
        let window = Arc::new(
            event_loop
                .create_window(attributes)
                .map_err(|e| e.to_string())?,
        );
        let surface = Surface::new(Box::new(LoopWindow(window.clone())));
        self.windows.insert(
            window.id(),
            OpenWindow {
                window,
                surface: surface.arc_clone(),
                pointer: (0.0, 0.0),
                modifiers: ModifiersState::default(),
            },
        );
        Ok(surface)
    }
}

impl ApplicationHandler<UserEvent> for App {
    fn resumed(&mut self, _event_loop: &ActiveEventLoop) {}

    fn user_event(&mut self, event_loop: &ActiveEventLoop, event: UserEvent) {
        match event {
            UserEvent::CreateWindow(desc, reply) => match self.open(event_loop, desc) {
                Ok(surface) => {
                    let _ = reply.send(surface);
                }
                Err(e) => self.end(Err(HostError::other(
                    format!("{} cannot open a window", self.title),
                    e,
                ))),
            },
            UserEvent::Run(job) => job(),
            UserEvent::Finished(outcome) => {
                self.end(outcome);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        if let WindowEvent::CloseRequested = event {
            // Closing the window ends the run successfully.
            self.end(Ok(0));
            return;
        }
        if self.closing.is_some() {
            return;
        }
        let Some(w) = self.windows.get_mut(&id) else {
            return;
        };
        match event {
            WindowEvent::CursorMoved { position, .. } => {
                w.pointer = (position.x, position.y);
                w.surface.pointer_move(PointerEvent {
                    x: position.x,
                    y: position.y,
                });
            }
            WindowEvent::MouseInput { state, .. } => {
                let event = PointerEvent {
                    x: w.pointer.0,
                    y: w.pointer.1,
                };
                match state {
                    ElementState::Pressed => w.surface.pointer_down(event),
                    ElementState::Released => w.surface.pointer_up(event),
                }
            }
            WindowEvent::ModifiersChanged(modifiers) => w.modifiers = modifiers.state(),
            WindowEvent::KeyboardInput { event, .. } => {
                let key = KeyEvent {
                    key: match event.physical_key {
                        PhysicalKey::Code(code) => key_of(code),
                        PhysicalKey::Unidentified(_) => None,
                    },
                    text: match &event.logical_key {
                        winit::keyboard::Key::Character(c) => Some(c.to_string()),
                        _ => None,
                    },
                    alt_key: w.modifiers.alt_key(),
                    ctrl_key: w.modifiers.control_key(),
                    meta_key: w.modifiers.super_key(),
                    shift_key: w.modifiers.shift_key(),
                };
                match event.state {
                    ElementState::Pressed => w.surface.key_down(key),
                    ElementState::Released => w.surface.key_up(key),
                }
            }
            WindowEvent::Resized(size) => w.surface.canvas_resize(ResizeEvent {
                width: size.width,
                height: size.height,
            }),
            WindowEvent::Destroyed => {
                self.windows.remove(&id);
            }
            _ => {}
        }
        let _ = event_loop;
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        let now = Instant::now();
        if let Some(since) = self.closing {
            if now >= since + CLOSE_GRACE {
                event_loop.exit();
            } else {
                event_loop.set_control_flow(ControlFlow::WaitUntil(since + CLOSE_GRACE));
            }
            return;
        }
        if now >= self.next_frame {
            self.frame();
            let interval = self.pacing.interval();
            self.next_frame += interval;
            if self.next_frame < now {
                // Fell behind (a slow frame, a busy machine): skip, don't burst.
                self.next_frame = now + interval;
            }
        }
        event_loop.set_control_flow(ControlFlow::WaitUntil(self.next_frame));
    }
}

/// Maps a physical key to wasi-gfx's `key` (the UI Events `code` values); keys it does not
/// name are `none`.
pub fn key_of(code: KeyCode) -> Option<Key> {
    macro_rules! same_name {
        ($($name:ident),* $(,)?) => {
            match code {
                $(KeyCode::$name => Some(Key::$name),)*
                KeyCode::SuperLeft => Some(Key::MetaLeft),
                KeyCode::SuperRight => Some(Key::MetaRight),
                KeyCode::Meta => Some(Key::Super),
                _ => None,
            }
        };
    }
    same_name!(
        Backquote,
        Backslash,
        BracketLeft,
        BracketRight,
        Comma,
        Digit0,
        Digit1,
        Digit2,
        Digit3,
        Digit4,
        Digit5,
        Digit6,
        Digit7,
        Digit8,
        Digit9,
        Equal,
        IntlBackslash,
        IntlRo,
        IntlYen,
        KeyA,
        KeyB,
        KeyC,
        KeyD,
        KeyE,
        KeyF,
        KeyG,
        KeyH,
        KeyI,
        KeyJ,
        KeyK,
        KeyL,
        KeyM,
        KeyN,
        KeyO,
        KeyP,
        KeyQ,
        KeyR,
        KeyS,
        KeyT,
        KeyU,
        KeyV,
        KeyW,
        KeyX,
        KeyY,
        KeyZ,
        Minus,
        Period,
        Quote,
        Semicolon,
        Slash,
        AltLeft,
        AltRight,
        Backspace,
        CapsLock,
        ContextMenu,
        ControlLeft,
        ControlRight,
        Enter,
        ShiftLeft,
        ShiftRight,
        Space,
        Tab,
        Convert,
        KanaMode,
        Lang1,
        Lang2,
        Lang3,
        Lang4,
        Lang5,
        NonConvert,
        Delete,
        End,
        Help,
        Home,
        Insert,
        PageDown,
        PageUp,
        ArrowDown,
        ArrowLeft,
        ArrowRight,
        ArrowUp,
        NumLock,
        Numpad0,
        Numpad1,
        Numpad2,
        Numpad3,
        Numpad4,
        Numpad5,
        Numpad6,
        Numpad7,
        Numpad8,
        Numpad9,
        NumpadAdd,
        NumpadBackspace,
        NumpadClear,
        NumpadClearEntry,
        NumpadComma,
        NumpadDecimal,
        NumpadDivide,
        NumpadEnter,
        NumpadEqual,
        NumpadHash,
        NumpadMemoryAdd,
        NumpadMemoryClear,
        NumpadMemoryRecall,
        NumpadMemoryStore,
        NumpadMemorySubtract,
        NumpadMultiply,
        NumpadParenLeft,
        NumpadParenRight,
        NumpadStar,
        NumpadSubtract,
        Escape,
        F1,
        F2,
        F3,
        F4,
        F5,
        F6,
        F7,
        F8,
        F9,
        F10,
        F11,
        F12,
        Fn,
        FnLock,
        PrintScreen,
        ScrollLock,
        Pause,
        BrowserBack,
        BrowserFavorites,
        BrowserForward,
        BrowserHome,
        BrowserRefresh,
        BrowserSearch,
        BrowserStop,
        Eject,
        LaunchApp1,
        LaunchApp2,
        LaunchMail,
        MediaPlayPause,
        MediaSelect,
        MediaStop,
        MediaTrackNext,
        MediaTrackPrevious,
        Power,
        Sleep,
        AudioVolumeDown,
        AudioVolumeMute,
        AudioVolumeUp,
        WakeUp,
        Hyper,
        Turbo,
        Abort,
        Resume,
        Suspend,
        Again,
        Copy,
        Cut,
        Find,
        Open,
        Paste,
        Props,
        Select,
        Undo,
        Hiragana,
        Katakana,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_by_code() {
        assert_eq!(key_of(KeyCode::KeyC), Some(Key::KeyC));
        assert_eq!(key_of(KeyCode::SuperLeft), Some(Key::MetaLeft));
        assert_eq!(key_of(KeyCode::F24), None);
    }

    #[test]
    fn pacing_from_text() {
        assert_eq!(Pacing::parse("60").unwrap(), Pacing::Rate(60.0));
        assert_eq!(Pacing::parse("max").unwrap(), Pacing::Unpaced);
        assert_eq!(Pacing::parse("0").unwrap(), Pacing::Unpaced);
        assert!(Pacing::parse("fast").unwrap_err().contains("LOOP_GFX_FPS"));
        assert!(Pacing::parse("-1").is_err());
    }
}
