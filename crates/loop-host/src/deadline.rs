//! Per-call time limits for long-lived hosts (`serve`, `control`): one thread ticks the
//! engine's epoch, and each call gets a deadline in ticks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::{Engine, Store};

/// Epoch tick length: the resolution of per-call timeouts.
pub const TICK: Duration = Duration::from_millis(10);

/// Ticks an engine's epoch every [`TICK`] until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
}

impl EpochTicker {
    /// Starts the ticking thread.
    pub fn start(engine: &Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (engine, flag) = (engine.clone(), stop.clone());
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                engine.increment_epoch();
            }
        });
        EpochTicker { stop }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Makes the next call into `store` trap once `timeout` has passed (never, without one).
pub fn arm<T>(store: &mut Store<T>, timeout: Option<Duration>) {
    store.set_epoch_deadline(match timeout {
        Some(t) => (t.as_millis() / TICK.as_millis()).max(1) as u64,
        // No limit: far enough in the future to never trip.
        None => 1 << 40,
    });
    store.epoch_deadline_trap();
}

/// Bounds a call by `timeout` also while it waits inside the host (e.g. on a pollable), where
/// epoch interruption cannot reach it. The slack lets the epoch trap, which carries the guest's
/// backtrace, win when the guest is spinning in wasm.
pub async fn bounded<T>(
    timeout: Option<Duration>,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> wasmtime::Result<T> {
    match timeout {
        None => call.await,
        Some(limit) => match tokio::time::timeout(limit + Duration::from_millis(250), call).await {
            Ok(result) => result,
            Err(_) => Err(wasmtime::Trap::Interrupt.into()),
        },
    }
}
