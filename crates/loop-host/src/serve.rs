//! `serve`: a `wasi:http/incoming-handler` component behind an HTTP/1.1 server, a fresh instance
//! per request from one pre-instantiated component (pooling allocator).
//!
//! A trap, timeout or memory limit in one request answers that request with 500 and touches no
//! other. SIGINT/SIGTERM stop accepting, let in-flight requests finish, and return.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::json;
use wasmtime::Store;
use wasmtime::component::Component;
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::caps;
use crate::engine::{FunctionReuse, Host, Loaded};
use crate::error::{HostError, classify_guest_error};
use crate::limits::Limiter;
use crate::loader::{self, Artifact};
use crate::log::{Level, Logger};
use crate::policy::Policy;
use crate::state::{HostState, StateBuilder};

/// How long shutdown waits for in-flight requests.
const DRAIN: Duration = Duration::from_secs(10);

struct Shared {
    host: Arc<Host>,
    /// The current version; a swap replaces it, and requests already running keep theirs.
    pre: std::sync::RwLock<ProxyPre<HostState>>,
    /// How many swaps happened.
    generation: std::sync::atomic::AtomicU64,
    policy: Policy,
    logger: Logger,
    instances: Option<tokio::sync::Semaphore>,
    in_flight: AtomicUsize,
    drained: tokio::sync::Notify,
}

/// Checks that a component is an HTTP handler and links it.
pub fn prepare_proxy(
    host: &Host,
    policy: &Policy,
    component: &Component,
) -> Result<ProxyPre<HostState>, HostError> {
    let engine = host.engine();
    let exports = loader::export_names(engine, component);
    if !exports
        .iter()
        .any(|e| loader::unversioned(e) == "wasi:http/incoming-handler")
    {
        let world = if exports
            .iter()
            .any(|e| loader::unversioned(e) == "wasi:cli/run")
        {
            "it is a command (it exports wasi:cli/run); run it with `loop run`".to_string()
        } else {
            loader::describe_world(&exports)
        };
        return Err(HostError::Other {
            context: format!(
                "{} does not export wasi:http/incoming-handler, so it cannot be served",
                policy.name
            ),
            detail: world,
        });
    }
    let imports: Vec<String> = loader::import_names(engine, component)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    caps::process::refuse_untrusted(policy, &imports)?;
    caps::refuse_headless(policy, &imports, "`loop serve`")?;
    let linker = host.linker()?;
    let pre = linker
        .instantiate_pre(component)
        .map_err(|e| crate::run::link_error(host, &policy.name, component, e))?;
    ProxyPre::new(pre).map_err(|e| {
        HostError::other(
            format!("{}: cannot use wasi:http/incoming-handler", policy.name),
            e,
        )
    })
}

/// Serves until SIGINT/SIGTERM, then drains.
pub async fn serve(
    host: Arc<Host>,
    loaded: &Loaded,
    policy: Policy,
    listen: SocketAddr,
    logger: Logger,
    control: bool,
) -> Result<(), HostError> {
    let Artifact::Component(component) = &loaded.artifact else {
        return Err(HostError::Other {
            context: format!("{} cannot be served", policy.name),
            detail: "it is a core module; `serve` needs a component exporting wasi:http/incoming-handler".into(),
        });
    };
    let pre = prepare_proxy(&host, &policy, component)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| HostError::other(format!("cannot listen on {listen}"), e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| HostError::other("cannot read the listening address", e))?;
    let engine = host.engine().clone();
    let shared = Arc::new(Shared {
        host,
        pre: std::sync::RwLock::new(pre),
        generation: std::sync::atomic::AtomicU64::new(0),
        instances: policy
            .limits
            .instances
            .map(|n| tokio::sync::Semaphore::new(n.max(1) as usize)),
        policy,
        logger,
        in_flight: AtomicUsize::new(0),
        drained: tokio::sync::Notify::new(),
    });
    let _ticker = crate::deadline::EpochTicker::start(&engine);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    // The URL line is the contract with `loop serve` and tests: printed once we accept. Under
    // --control stdout carries the protocol, so it becomes a `listening` event instead.
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    if control {
        eprintln!("serving {} on http://{addr}", shared.policy.name);
        let out = Arc::new(tokio::sync::Mutex::new(tokio::io::stdout()));
        send_frames(
            &out,
            &[json!({"event": "listening", "addr": addr.to_string()})],
        )
        .await;
        tokio::spawn(control_loop(shared.clone(), out, stop_tx));
    } else {
        println!("serving {} on http://{addr}", shared.policy.name);
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }

    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        shared.logger.log(Level::Warn, &shared.policy.name, "loop-host", &format!("accept failed: {e}"));
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = &mut shutdown => break,
            _ = stop_rx.changed() => break,
        }
    }
    drop(listener);
    eprintln!(
        "loop-host: shutting down; waiting for {} in-flight request(s)",
        shared.in_flight.load(Ordering::SeqCst)
    );
    let wait = async {
        while shared.in_flight.load(Ordering::SeqCst) > 0 {
            shared.drained.notified().await;
        }
    };
    let _ = tokio::time::timeout(DRAIN, wait).await;
    Ok(())
}

async fn send_frames(out: &tokio::sync::Mutex<tokio::io::Stdout>, frames: &[serde_json::Value]) {
    use tokio::io::AsyncWriteExt;
    let bytes = crate::control::encode_frames(frames);
    let mut out = out.lock().await;
    let _ = out.write_all(&bytes).await;
    let _ = out.flush().await;
}

/// `serve --control`: swap the served component without restarting (`swap {path}`), or stop
/// (`shutdown`). In-flight requests finish on the version they started with.
async fn control_loop(
    shared: Arc<Shared>,
    out: Arc<tokio::sync::Mutex<tokio::io::Stdout>>,
    stop: tokio::sync::watch::Sender<bool>,
) {
    let mut stdin = tokio::io::stdin();
    loop {
        let body = match crate::control::read_frame(&mut stdin).await {
            Ok(Some(body)) => body,
            // End of input or a broken channel: whoever controlled this server is gone (the
            // `loop` process exited or was killed), so stop, letting requests in flight finish,
            // instead of serving on as an orphan nobody can stop or swap.
            _ => {
                let _ = stop.send(true);
                return;
            }
        };
        let request: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                let frame = json!({"id": null, "error": {"kind": "bad-request", "message": format!("not JSON: {e}")}});
                send_frames(&out, &[frame]).await;
                continue;
            }
        };
        let id = request
            .get("id")
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        let reply = match request.get("op").and_then(serde_json::Value::as_str) {
            Some("swap") => match request.get("path").and_then(serde_json::Value::as_str) {
                Some(path) => match swap(&shared, std::path::PathBuf::from(path)).await {
                    Ok(ok) => json!({"id": id, "ok": ok}),
                    Err(e) => {
                        json!({"id": id, "error": {"kind": "load", "message": e.to_string()}})
                    }
                },
                None => {
                    json!({"id": id, "error": {"kind": "bad-request", "message": "swap needs a `path`"}})
                }
            },
            Some("hello") => {
                json!({"id": id, "ok": {"protocol": crate::control::PROTOCOL, "ops": ["hello", "swap", "shutdown"]}})
            }
            Some("shutdown") => {
                // Answer first: the process ends soon after the stop signal.
                send_frames(&out, &[json!({"id": id, "ok": {}})]).await;
                let _ = stop.send(true);
                return;
            }
            _ => {
                json!({"id": id, "error": {"kind": "bad-request", "message": "unknown op; serve --control knows hello, swap, shutdown"}})
            }
        };
        send_frames(&out, &[reply]).await;
    }
}

/// Compiles and links a new version beside the running one, then switches new requests to it.
/// A failure leaves the old version serving.
async fn swap(
    shared: &Arc<Shared>,
    path: std::path::PathBuf,
) -> Result<serde_json::Value, HostError> {
    let host = shared.host.clone();
    let policy = shared.policy.clone();
    let (pre, compiled, functions) =
        tokio::task::spawn_blocking(move || -> Result<_, HostError> {
            let loaded = host.load(&path)?;
            // Functions whose code came from the previous versions, and functions compiled
            // (`Host::load` counts them); a version taken from the compile cache compiled none.
            let functions = match loaded.functions {
                Some(reuse) => reuse.to_json(),
                None if host.incremental_stats().is_some() => FunctionReuse::default().to_json(),
                None => serde_json::Value::Null,
            };
            let Artifact::Component(component) = &loaded.artifact else {
                return Err(HostError::Other {
                    context: format!("cannot swap to {}", path.display()),
                    detail: "it is a core module, not a component".into(),
                });
            };
            Ok((
                prepare_proxy(&host, &policy, component)?,
                loaded.cache.compiled(),
                functions,
            ))
        })
        .await
        .map_err(|e| HostError::other("swap task failed", e))??;
    *shared.pre.write().unwrap_or_else(|p| p.into_inner()) = pre;
    let generation = shared.generation.fetch_add(1, Ordering::SeqCst) + 1;
    Ok(json!({"generation": generation, "compiled": compiled, "functions": functions}))
}

/// Registers SIGINT/SIGTERM handlers now (so a signal right after start-up still drains) and
/// returns a future that resolves on the first of them.
fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    );
    async move {
        match handlers {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            // Without signal handlers, serve until killed.
            _ => std::future::pending().await,
        }
    }
}

/// Decrements the in-flight count when a request ends, however it ends.
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.drained.notify_waiters();
        }
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<HyperOutgoingBody>, std::convert::Infallible> {
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    let _guard = InFlight(shared.clone());
    let what = format!("{} {}", req.method(), req.uri());
    match respond(&shared, req).await {
        Ok(resp) => Ok(resp),
        Err(err) => {
            let mut line = format!("request {what} failed: {err}");
            if let Some(bt) = err.backtrace() {
                line.push_str("\nguest wasm backtrace:\n");
                for l in bt.lines() {
                    line.push_str("  ");
                    line.push_str(l);
                    line.push('\n');
                }
            }
            shared
                .logger
                .log(Level::Error, &shared.policy.name, "loop-host", &line);
            Ok(error_response(500, &format!("500 internal error: {err}\n")))
        }
    }
}

fn error_response(status: u16, text: &str) -> hyper::Response<HyperOutgoingBody> {
    let body = http_body_util::Full::new(bytes_of(text))
        .map_err(|never| match never {})
        .boxed_unsync();
    hyper::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .body(body)
        .unwrap_or_else(|_| {
            hyper::Response::new(
                http_body_util::Empty::new()
                    .map_err(|never| match never {})
                    .boxed_unsync(),
            )
        })
}

fn bytes_of(text: &str) -> hyper::body::Bytes {
    hyper::body::Bytes::copy_from_slice(text.as_bytes())
}

async fn respond(
    shared: &Arc<Shared>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<HyperOutgoingBody>, HostError> {
    let _permit = match &shared.instances {
        Some(sem) => Some(
            sem.acquire()
                .await
                .map_err(|e| HostError::other("instance limit", e))?,
        ),
        None => None,
    };
    let policy = &shared.policy;
    let mut builder = StateBuilder::new(policy, shared.logger.clone());
    builder.limiter = Limiter {
        max_memory: policy.limits.max_memory.map(|m| m as usize),
        max_instances: None,
    };
    let state = shared.host.configure(builder)?;
    let mut store = Store::new(shared.host.engine(), state);
    store.limiter(|s| &mut s.limiter);
    let timeout = policy.limits.timeout;
    crate::deadline::arm(&mut store, timeout);

    let (sender, receiver) = tokio::sync::oneshot::channel();
    let incoming = store
        .data_mut()
        .http()
        .new_incoming_request(
            wasmtime_wasi_http::p2::bindings::http::types::Scheme::Http,
            req,
        )
        .map_err(|e| HostError::other("bad request", e))?;
    let out = store
        .data_mut()
        .http()
        .new_response_outparam(sender)
        .map_err(|e| HostError::other("response", e))?;
    let pre = shared.pre.read().unwrap_or_else(|p| p.into_inner()).clone();
    let name = policy.name.clone();
    // The guest runs in its own task: it may keep streaming the body after handing over the
    // response head.
    let task = tokio::spawn(async move {
        let call = async {
            let proxy = pre.instantiate_async(&mut store).await?;
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await
        };
        crate::deadline::bounded(timeout, call).await
    });
    match receiver.await {
        Ok(Ok(resp)) => Ok(resp),
        Ok(Err(code)) => Err(HostError::Other {
            context: format!("{name} answered with an error"),
            detail: format!("{code:?}"),
        }),
        Err(_) => {
            // The guest dropped the response outparam: it trapped or returned without answering.
            match task.await {
                Ok(Ok(())) => Err(HostError::Other {
                    context: format!("{name} did not answer"),
                    detail: "the handler returned without setting a response".into(),
                }),
                Ok(Err(e)) => match classify_guest_error(&name, e, timeout) {
                    Ok(_) => Err(HostError::Other {
                        context: format!("{name} exited"),
                        detail: "without a response".into(),
                    }),
                    Err(err) => Err(err),
                },
                Err(join) => Err(HostError::other(
                    format!("{name}: request task failed"),
                    join,
                )),
            }
        }
    }
}
