//! `loop:fx/host`: the imports of an fx component (invalidate, emit, a virtual clock, timers).
//!
//! The host never diffs: these calls only become events for whoever drives the component (the
//! TypeScript reconciler, through the control protocol). Outside control mode they do nothing
//! and the clock stays at 0.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use wasmtime::StoreContextMut;
use wasmtime::component::Linker;

use super::Capability;
use crate::error::HostError;
use crate::state::{HostState, StateBuilder};

/// The WIT instance this capability defines (linked by hand: wasmtime's `bindgen!` cannot name
/// the `loop` namespace, a Rust keyword).
const INSTANCE: &str = "loop:fx/host@0.1.0";

/// Receives protocol events (JSON objects with an `event` field).
pub type EventSink = Arc<dyn Fn(Value) + Send + Sync>;

/// Per-instance fx state.
#[derive(Clone, Default)]
pub struct FxCtx {
    /// The control-protocol instance id events are tagged with.
    pub instance: u64,
    /// Where events go; `None` outside control mode.
    pub events: Option<EventSink>,
    /// Virtual milliseconds, shared by every instance of a control session.
    pub clock: Arc<AtomicU64>,
    next_timer: u32,
}

impl FxCtx {
    /// A context that reports to `events` as instance `instance`.
    pub fn new(instance: u64, events: EventSink, clock: Arc<AtomicU64>) -> Self {
        FxCtx {
            instance,
            events: Some(events),
            clock,
            next_timer: 0,
        }
    }

    fn send(&self, mut event: Value) {
        if let (Some(sink), Some(obj)) = (&self.events, event.as_object_mut()) {
            obj.insert("instance".into(), json!(self.instance));
            sink(event);
        }
    }
}

/// The fx capability.
pub struct Fx;

type Store<'a> = StoreContextMut<'a, HostState>;

impl Capability for Fx {
    fn name(&self) -> &'static str {
        "fx"
    }

    fn interfaces(&self) -> &'static [&'static str] {
        &["loop:fx/host", "loop:fx/types"]
    }

    fn add_to_linker(&self, linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
        // `types` holds only types, but guests still import it as an (empty) instance.
        linker.instance("loop:fx/types@0.1.0")?;
        let mut i = linker.instance(INSTANCE)?;
        i.func_wrap("invalidate", |s: Store<'_>, (): ()| {
            s.data().fx.send(json!({"event": "invalidate"}));
            Ok(())
        })?;
        i.func_wrap("emit", |s: Store<'_>, (name, payload): (String, String)| {
            s.data()
                .fx
                .send(json!({"event": "emit", "name": name, "payload": payload}));
            Ok(())
        })?;
        i.func_wrap("now", |s: Store<'_>, (): ()| {
            Ok((s.data().fx.clock.load(Ordering::SeqCst),))
        })?;
        i.func_wrap("set-timeout", |mut s: Store<'_>, (delay, handler): (u32, String)| {
            let fx = &mut s.data_mut().fx;
            fx.next_timer += 1;
            let id = fx.next_timer;
            fx.send(json!({"event": "set-timeout", "id": id, "delay-ms": delay, "handler": handler}));
            Ok((id,))
        })?;
        i.func_wrap("clear-timeout", |s: Store<'_>, (id,): (u32,)| {
            s.data()
                .fx
                .send(json!({"event": "clear-timeout", "id": id}));
            Ok(())
        })?;
        Ok(())
    }

    fn configure(&self, _state: &mut StateBuilder<'_>) -> Result<(), HostError> {
        Ok(())
    }
}
