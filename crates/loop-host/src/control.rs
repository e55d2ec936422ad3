//! `loop-host control`: a long-lived host driven over stdio by a length-prefixed JSON protocol
//! (see docs/control-protocol.md). The client loads components under a policy, instantiates
//! them, calls exports with JSON-mapped values, and receives the guests' fx imports and logs as
//! events. Requests are handled one at a time, in order; the events a call causes are written
//! before its response, so a replayed request stream gives a byte-identical response stream.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasmtime::Store;
use wasmtime::component::{Component, Func, Instance, InstancePre, Val};

use crate::caps::{self, fx::FxCtx};
use crate::engine::Host;
use crate::error::{HostError, classify_guest_error};
use crate::limits::Limiter;
use crate::loader::{self, Artifact};
use crate::log::Logger;
use crate::policy::Policy;
use crate::state::{HostState, StateBuilder};
use crate::{fxview, vals};

/// Protocol version spoken by this host.
pub const PROTOCOL: u32 = 1;
/// Largest frame accepted (64 MiB).
const MAX_FRAME: usize = 64 << 20;

struct LoadedComponent {
    name: String,
    component: Component,
    pre: InstancePre<HostState>,
    policy: Policy,
}

struct Slot {
    component: u64,
    store: Store<HostState>,
    instance: Instance,
    funcs: HashMap<String, Func>,
    dead: Option<String>,
}

/// A successful response body: a JSON tree, or JSON text already written.
enum Reply {
    Json(Value),
    Raw(Vec<u8>),
}

/// A failed request, as sent to the client.
struct Failure {
    kind: &'static str,
    message: String,
    backtrace: Option<String>,
}

impl Failure {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            backtrace: None,
        }
    }

    fn from_host(err: HostError) -> Self {
        let kind = match &err {
            HostError::Trap { .. } => "trap",
            HostError::Timeout { .. } => "timeout",
            HostError::MemoryLimit { .. } => "memory",
            _ => "load",
        };
        Failure {
            kind,
            backtrace: err.backtrace().map(str::to_string),
            message: err.to_string(),
        }
    }
}

/// The control session's state.
pub struct Session {
    host: Host,
    logger: Logger,
    events: Arc<Mutex<Vec<Value>>>,
    clock: Arc<AtomicU64>,
    components: HashMap<u64, LoadedComponent>,
    instances: HashMap<u64, Slot>,
    next_id: u64,
}

impl Session {
    /// A session over `host`, logging guest lines as events at `logger`'s level.
    pub fn new(host: Host, min_level: crate::log::Level) -> Self {
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink_events = events.clone();
        let logger = Logger {
            min: min_level,
            sink: Some(Arc::new(move |r: &crate::log::Record<'_>| {
                sink_events
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(json!({
                        "event": "log",
                        "component": r.component,
                        "level": r.level.as_str(),
                        "context": r.context,
                        "message": r.message,
                    }));
            })),
        };
        Session {
            host,
            logger,
            events,
            clock: Arc::default(),
            components: HashMap::new(),
            instances: HashMap::new(),
            next_id: 0,
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Handles one request; returns the encoded frames to write (events first, then the
    /// response) and whether the session should end.
    pub async fn handle(&mut self, request: &Value) -> (Vec<Vec<u8>>, bool) {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let op = request.get("op").and_then(Value::as_str).unwrap_or("");
        let result = match op {
            "hello" => Ok(json!({
                "protocol": PROTOCOL,
                "loop-host": env!("CARGO_PKG_VERSION"),
                "ops": ["hello", "load", "instantiate", "call", "drop", "unload", "set-time", "shutdown"],
            })),
            "load" => self.load(request),
            "instantiate" => self.instantiate(request).await,
            "call" => {
                let result = self.call(request).await;
                return self.finish(&id, op, result);
            }
            "drop" => self.drop_instance(request),
            "unload" => self.unload(request),
            "set-time" => match request.get("ms").and_then(Value::as_u64) {
                Some(ms) => {
                    self.clock.store(ms, Ordering::SeqCst);
                    Ok(json!({}))
                }
                None => Err(Failure::new(
                    "bad-request",
                    "set-time needs a non-negative integer `ms`",
                )),
            },
            "shutdown" => Ok(json!({})),
            "" => Err(Failure::new("bad-request", "the request has no `op`")),
            other => Err(Failure::new("bad-request", format!("unknown op `{other}`"))),
        };
        self.finish(&id, op, result.map(Reply::Json))
    }

    /// The queued events and the response, encoded.
    fn finish(
        &mut self,
        id: &Value,
        op: &str,
        result: Result<Reply, Failure>,
    ) -> (Vec<Vec<u8>>, bool) {
        let events = std::mem::take(&mut *self.events.lock().unwrap_or_else(|p| p.into_inner()));
        let mut frames: Vec<Vec<u8>> = events
            .iter()
            .map(|e| serde_json::to_vec(e).unwrap_or_default())
            .collect();
        frames.push(match result {
            Ok(Reply::Json(ok)) => {
                serde_json::to_vec(&json!({"id": id, "ok": ok})).unwrap_or_default()
            }
            Ok(Reply::Raw(ok)) => {
                // `{"id":ID,"ok":RAW}`: the same shape serde would write, without re-encoding a
                // possibly large result.
                let mut frame = b"{\"id\":".to_vec();
                frame.extend_from_slice(&serde_json::to_vec(id).unwrap_or_default());
                frame.extend_from_slice(b",\"ok\":");
                frame.extend_from_slice(&ok);
                frame.push(b'}');
                frame
            }
            Err(f) => {
                let mut error = json!({"kind": f.kind, "message": f.message});
                if let Some(bt) = f.backtrace {
                    error["backtrace"] = json!(bt);
                }
                serde_json::to_vec(&json!({"id": id, "error": error})).unwrap_or_default()
            }
        });
        (frames, op == "shutdown")
    }

    fn load(&mut self, request: &Value) -> Result<Value, Failure> {
        let path = request
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| Failure::new("bad-request", "load needs a `path`"))?;
        let path = PathBuf::from(path);
        let mut policy: Policy = match request.get("policy") {
            Some(p) if !p.is_null() => serde_json::from_value(p.clone())
                .map_err(|e| Failure::new("bad-request", format!("invalid policy: {e}")))?,
            _ => Policy::untrusted(""),
        };
        if let Some(name) = request.get("name").and_then(Value::as_str) {
            policy.name = name.to_string();
        }
        if policy.name.is_empty() {
            policy.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        let loaded = self.host.load(&path).map_err(Failure::from_host)?;
        let functions = loaded
            .functions
            .map_or(serde_json::Value::Null, |f| f.to_json());
        let Artifact::Component(component) = loaded.artifact else {
            return Err(Failure::new(
                "load",
                format!(
                    "{}: control mode loads components, not core modules",
                    path.display()
                ),
            ));
        };
        let engine = self.host.engine();
        let exports = loader::export_names(engine, &component);
        let imports: Vec<String> = loader::import_names(engine, &component)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        caps::process::refuse_untrusted(&policy, &imports).map_err(Failure::from_host)?;
        caps::refuse_headless(&policy, &imports, "the control protocol")
            .map_err(Failure::from_host)?;
        let linker = self.host.linker().map_err(Failure::from_host)?;
        let pre = linker.instantiate_pre(&component).map_err(|e| {
            Failure::from_host(crate::run::link_error(
                &self.host,
                &policy.name,
                &component,
                e,
            ))
        })?;
        let id = self.id();
        let world = crate::inspect::world_name(&exports);
        let name = policy.name.clone();
        self.components.insert(
            id,
            LoadedComponent {
                name: name.clone(),
                component,
                pre,
                policy,
            },
        );
        Ok(
            json!({"component": id, "name": name, "world": world, "exports": exports, "compiled": loaded.cache.compiled(), "functions": functions}),
        )
    }

    async fn instantiate(&mut self, request: &Value) -> Result<Value, Failure> {
        let cid = request
            .get("component")
            .and_then(Value::as_u64)
            .ok_or_else(|| Failure::new("bad-request", "instantiate needs a `component` id"))?;
        let iid = self.next_id + 1;
        let loaded = self
            .components
            .get(&cid)
            .ok_or_else(|| Failure::new("not-found", format!("no component {cid}")))?;
        let mut builder = StateBuilder::new(&loaded.policy, self.logger.clone());
        builder.control = true;
        builder.limiter = Limiter {
            max_memory: loaded.policy.limits.max_memory.map(|m| m as usize),
            max_instances: None,
        };
        let mut state = self.host.configure(builder).map_err(Failure::from_host)?;
        let sink_events = self.events.clone();
        state.fx = FxCtx::new(
            iid,
            Arc::new(move |event| {
                sink_events
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(event)
            }),
            self.clock.clone(),
        );
        let mut store = Store::new(self.host.engine(), state);
        store.limiter(|s| &mut s.limiter);
        crate::deadline::arm(&mut store, loaded.policy.limits.timeout);
        let timeout = loaded.policy.limits.timeout;
        let name = loaded.name.clone();
        let instance = loaded
            .pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| {
                Failure::from_host(
                    classify_guest_error(&name, e, timeout)
                        .err()
                        .unwrap_or_else(|| HostError::Other {
                            context: name.clone(),
                            detail: "exited while starting".into(),
                        }),
                )
            })?;
        self.next_id = iid;
        self.instances.insert(
            iid,
            Slot {
                component: cid,
                store,
                instance,
                funcs: HashMap::new(),
                dead: None,
            },
        );
        Ok(json!({"instance": iid}))
    }

    async fn call(&mut self, request: &Value) -> Result<Reply, Failure> {
        let iid = request
            .get("instance")
            .and_then(Value::as_u64)
            .ok_or_else(|| Failure::new("bad-request", "call needs an `instance` id"))?;
        let function = request
            .get("function")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Failure::new(
                    "bad-request",
                    "call needs a `function`, e.g. `loop:fx/component#render`",
                )
            })?;
        let args = match request.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(_) => return Err(Failure::new("bad-request", "`args` must be an array")),
        };
        let slot = self
            .instances
            .get_mut(&iid)
            .ok_or_else(|| Failure::new("not-found", format!("no instance {iid}")))?;
        if let Some(reason) = &slot.dead {
            return Err(Failure::new(
                "dead",
                format!("instance {iid} cannot be called: {reason}; instantiate it again"),
            ));
        }
        let loaded = self
            .components
            .get(&slot.component)
            .ok_or_else(|| Failure::new("not-found", "component unloaded"))?;
        let func = match slot.funcs.get(function) {
            Some(f) => *f,
            None => {
                let f = lookup(&loaded.component, &slot.instance, &mut slot.store, function)?;
                slot.funcs.insert(function.to_string(), f);
                f
            }
        };
        let ty = func.ty(&slot.store);
        let param_types: Vec<_> = ty.params().map(|(_, t)| t).collect();
        if param_types.len() != args.len() {
            return Err(Failure::new(
                "bad-request",
                format!(
                    "{function} takes {} argument(s), got {}",
                    param_types.len(),
                    args.len()
                ),
            ));
        }
        let params: Vec<Val> = param_types
            .iter()
            .zip(&args)
            .map(|(t, v)| vals::from_json(t, v))
            .collect::<Result<_, _>>()
            .map_err(|e| Failure::new("bad-request", format!("{function}: {e}")))?;
        let timeout = loaded.policy.limits.timeout;
        crate::deadline::arm(&mut slot.store, timeout);
        // An fx render, the hot call, through typed bindings when its type is loop:fx's view
        // (the same JSON, without lifting thousands of dynamic values).
        let typed_render = match (&params[..], fxview::is_render(function)) {
            ([Val::String(props)], true) => func
                .typed::<(String,), (Vec<fxview::Node>,)>(&slot.store)
                .ok()
                .map(|f| (f, props.clone())),
            _ => None,
        };
        let outcome = if let Some((render, props)) = typed_render {
            crate::deadline::bounded(timeout, render.call_async(&mut slot.store, (props,)))
                .await
                .map(|(view,)| {
                    let mut raw = Vec::with_capacity(64 + 96 * view.len());
                    raw.extend_from_slice(b"{\"result\":");
                    fxview::write_view(&view, &mut raw);
                    raw.push(b'}');
                    raw
                })
        } else {
            let mut results = vec![Val::Bool(false); ty.results().len()];
            crate::deadline::bounded(
                timeout,
                func.call_async(&mut slot.store, &params, &mut results),
            )
            .await
            .map(|()| {
                let mut raw = Vec::with_capacity(64);
                raw.extend_from_slice(b"{\"result\":");
                match results.as_slice() {
                    [] => raw.extend_from_slice(b"null"),
                    [one] => vals::write_json(one, &mut raw),
                    many => vals::write_json(&Val::Tuple(many.to_vec()), &mut raw),
                }
                raw.push(b'}');
                raw
            })
        };
        match outcome {
            Ok(raw) => Ok(Reply::Raw(raw)),
            Err(e) => {
                let err = classify_guest_error(&loaded.name, e, timeout)
                    .err()
                    .unwrap_or_else(|| HostError::Other {
                        context: loaded.name.clone(),
                        detail: "called exit".into(),
                    });
                slot.dead = Some(err.to_string());
                Err(Failure::from_host(err))
            }
        }
    }

    fn drop_instance(&mut self, request: &Value) -> Result<Value, Failure> {
        let iid = request.get("instance").and_then(Value::as_u64).unwrap_or(0);
        self.instances
            .remove(&iid)
            .map(|_| json!({}))
            .ok_or_else(|| Failure::new("not-found", format!("no instance {iid}")))
    }

    fn unload(&mut self, request: &Value) -> Result<Value, Failure> {
        let cid = request
            .get("component")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        self.components
            .remove(&cid)
            .ok_or_else(|| Failure::new("not-found", format!("no component {cid}")))?;
        self.instances.retain(|_, slot| slot.component != cid);
        Ok(json!({}))
    }
}

/// Finds `iface#func` (interface version optional) or a root-level `func`.
fn lookup(
    component: &Component,
    instance: &Instance,
    store: &mut Store<HostState>,
    name: &str,
) -> Result<Func, Failure> {
    let not_found = || {
        Failure::new(
            "not-found",
            format!("the component exports no function `{name}`"),
        )
    };
    match name.split_once('#') {
        Some((iface, func)) => {
            let engine = store.engine().clone();
            let exports = loader::export_names(&engine, component);
            let full = exports
                .iter()
                .find(|e| e.as_str() == iface || loader::unversioned(e) == iface)
                .ok_or_else(not_found)?;
            let iface_idx = instance
                .get_export_index(&mut *store, None, full)
                .ok_or_else(not_found)?;
            let func_idx = instance
                .get_export_index(&mut *store, Some(&iface_idx), func)
                .ok_or_else(not_found)?;
            instance
                .get_func(&mut *store, func_idx)
                .ok_or_else(not_found)
        }
        None => instance.get_func(&mut *store, name).ok_or_else(not_found),
    }
}

/// Reads one frame; `Ok(None)` at a clean end of input.
pub async fn read_frame(
    input: &mut (impl AsyncReadExt + Unpin),
) -> Result<Option<Vec<u8>>, HostError> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(HostError::other("control: cannot read stdin", e)),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(HostError::Other {
            context: "control: protocol error".into(),
            detail: format!("frame of {len} bytes is over the {MAX_FRAME}-byte limit"),
        });
    }
    let mut body = vec![0u8; len];
    input
        .read_exact(&mut body)
        .await
        .map_err(|e| HostError::other("control: truncated frame", e))?;
    Ok(Some(body))
}

/// Encodes frames (u32 big-endian length + JSON) into one buffer.
pub fn encode_frames(frames: &[Value]) -> Vec<u8> {
    let raw: Vec<Vec<u8>> = frames
        .iter()
        .map(|f| serde_json::to_vec(f).unwrap_or_default())
        .collect();
    frame_bytes(&raw)
}

/// Length-prefixes already encoded JSON frames into one buffer.
pub fn frame_bytes(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames.iter().map(|f| f.len() + 4).sum());
    for bytes in frames {
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Runs the protocol on stdin/stdout until `shutdown` or end of input.
pub async fn serve_stdio(host: Host, min_level: crate::log::Level) -> Result<(), HostError> {
    let _ticker = crate::deadline::EpochTicker::start(host.engine());
    let mut session = Session::new(host, min_level);
    let mut stdin = tokio::io::stdin();
    let mut stdout = tokio::io::stdout();
    loop {
        let Some(body) = read_frame(&mut stdin).await? else {
            return Ok(());
        };
        let (frames, done) = match serde_json::from_slice::<Value>(&body) {
            Ok(request) => session.handle(&request).await,
            Err(e) => {
                let error = json!({"id": Value::Null, "error": {"kind": "bad-request", "message": format!("not JSON: {e}")}});
                (vec![serde_json::to_vec(&error).unwrap_or_default()], false)
            }
        };
        let out = frame_bytes(&frames);
        if let Err(e) = stdout.write_all(&out).await.and(stdout.flush().await) {
            return Err(HostError::other("control: cannot write stdout", e));
        }
        if done {
            return Ok(());
        }
    }
}
