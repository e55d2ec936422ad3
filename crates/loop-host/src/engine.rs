//! The shared Wasmtime engine, its compile cache and the loading of inputs.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use wasmtime::{CacheStore, Config, Engine};

use crate::cache::{CacheOutcome, CompileCache};
use crate::caps::{self, Capability};
use crate::error::HostError;
use crate::loader::{self, Artifact, WasmKind};
use crate::state::{HostState, StateBuilder};

/// Options that shape the engine and its cache.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// Skip the compile cache entirely (neither read nor write).
    pub no_cache: bool,
    /// Cache directory; defaults to [`CompileCache::default_dir`].
    pub cache_dir: Option<PathBuf>,
    /// Print what the host does (compile, cache hits) on stderr.
    pub verbose: bool,
    /// Use the pooling instance allocator (for serving many short-lived instances).
    pub pooling: bool,
    /// Which compiler turns wasm into machine code.
    pub compiler: Compiler,
    /// Keep Cranelift's per-function results in memory, so compiling a new version of a
    /// component compiles only the functions that changed (for long-lived hosts that swap).
    /// Such a host also writes new compile-cache entries in the background, after `load`.
    pub incremental: bool,
}

/// The code generator: Cranelift (optimising, the default) or Winch (a baseline compiler that
/// compiles 2-3x faster and runs slower: for `loop dev`, where a save must answer fast).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compiler {
    /// Optimised code; what `loop run` and `loop serve` use.
    #[default]
    Cranelift,
    /// Fast to compile, slower to run.
    Winch,
}

/// How a compile used Cranelift's incremental cache (an estimate while a background warm-up
/// runs, which counts too).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FunctionReuse {
    /// Functions whose code came from earlier versions.
    pub reused: u64,
    /// Of those, the ones reused without even translating them: their body and everything
    /// around it were unchanged (Wasmtime's function memo, patches/README.md).
    pub untranslated: u64,
    /// Functions compiled.
    pub compiled: u64,
}

impl FunctionReuse {
    /// As a JSON object for protocol replies: `{"reused", "untranslated", "compiled"}`.
    pub fn to_json(self) -> serde_json::Value {
        serde_json::json!({
            "reused": self.reused,
            "untranslated": self.untranslated,
            "compiled": self.compiled,
        })
    }
}

/// A loaded input: compiled (or deserialized) code plus where it came from.
pub struct Loaded {
    /// Short name used in messages and logs (the file name).
    pub name: String,
    /// The path it was read from.
    pub path: PathBuf,
    /// Compiled code.
    pub artifact: Artifact,
    /// How the compile cache served it.
    pub cache: CacheOutcome,
    /// When it was compiled with Cranelift's incremental cache on: what that cache saved.
    pub functions: Option<FunctionReuse>,
}

/// One engine (compiler settings, epoch clock), its compile cache and its capabilities, shared
/// by every run.
pub struct Host {
    engine: Engine,
    cache: CompileCache,
    verbose: bool,
    extra: Vec<Box<dyn Capability>>,
    /// Cranelift's incremental cache, when on (see [`HostOptions::incremental`]).
    functions: Option<Arc<FunctionStore>>,
}

/// Cranelift's incremental-compilation store: compiled functions by the hash of their IR, in
/// memory, for the life of the process. Emptied when it outgrows [`FunctionStore::LIMIT`], so
/// a long dev session cannot grow it without bound.
#[derive(Debug, Default)]
struct FunctionStore {
    entries: Mutex<Functions>,
    /// Lookups answered from the store, and lookups that missed, since the process started.
    hits: AtomicU64,
    misses: AtomicU64,
    /// Whether a background compile to fill the store has been started (once per process).
    warming: AtomicBool,
}

/// Compiled functions by key, and the bytes they take.
type Functions = (HashMap<Vec<u8>, Vec<u8>>, usize);

impl FunctionStore {
    /// Bytes of keys and values kept before the store starts over.
    const LIMIT: usize = 256 << 20;
}

impl CacheStore for FunctionStore {
    fn get(&self, key: &[u8]) -> Option<Cow<'_, [u8]>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let found = entries.0.get(key).map(|v| Cow::Owned(v.clone()));
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn insert(&self, key: &[u8], value: Vec<u8>) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let (map, bytes) = &mut *entries;
        if *bytes + key.len() + value.len() > Self::LIMIT {
            map.clear();
            *bytes = 0;
        }
        *bytes += key.len() + value.len();
        if let Some(old) = map.insert(key.to_vec(), value) {
            *bytes -= key.len() + old.len();
        }
        true
    }
}

impl Host {
    /// Creates the engine with loop-host's fixed configuration.
    pub fn new(options: &HostOptions) -> Result<Self, HostError> {
        let mut config = engine_config(options.pooling, options.compiler);
        let functions = (options.incremental && options.compiler == Compiler::Cranelift)
            .then(|| Arc::new(FunctionStore::default()));
        if let Some(store) = &functions {
            config
                .enable_incremental_compilation(store.clone())
                .map_err(|e| HostError::other("cannot enable incremental compilation", e))?;
        }
        let engine = Engine::new(&config)
            .map_err(|e| HostError::other("cannot create the Wasmtime engine", e))?;
        let cache = if options.no_cache {
            CompileCache::disabled()
        } else {
            let dir = options.cache_dir.clone().or_else(CompileCache::default_dir);
            match dir {
                Some(dir) => {
                    let cache =
                        CompileCache::new(&engine, dir).tagged(&format!("{:?}", options.compiler));
                    if options.incremental {
                        cache.writing_in_background(options.verbose)
                    } else {
                        cache
                    }
                }
                None => CompileCache::disabled(),
            }
        };
        Ok(Host {
            engine,
            cache,
            verbose: options.verbose,
            extra: Vec::new(),
            functions,
        })
    }

    /// The Wasmtime engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Adds an embedder's own capability (an in-process provider for its WIT interface); it is
    /// linked after the built-in ones.
    pub fn with_capability(mut self, capability: impl Capability + 'static) -> Self {
        self.extra.push(Box::new(capability));
        self
    }

    /// Built-in capabilities followed by the embedder's.
    pub fn capabilities(&self) -> Vec<&dyn Capability> {
        caps::REGISTRY
            .iter()
            .copied()
            .chain(self.extra.iter().map(|c| c.as_ref()))
            .collect()
    }

    /// A linker with every capability of this host.
    pub fn linker(&self) -> Result<wasmtime::component::Linker<HostState>, HostError> {
        caps::linker(&self.engine, &self.capabilities())
    }

    /// One instance's state under a policy, configured by every capability of this host.
    pub fn configure(&self, state: StateBuilder<'_>) -> Result<HostState, HostError> {
        caps::configure(&self.capabilities(), state)
    }

    /// Whether `--verbose` was asked for.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Prints a diagnostic line when verbose.
    pub fn note(&self, message: impl AsRef<str>) {
        if self.verbose {
            eprintln!("loop-host: {}", message.as_ref());
        }
    }

    /// Cranelift's incremental cache so far: (functions reused, functions compiled); None when
    /// it is off. Reused counts both kinds of reuse: functions Wasmtime's memo answered before
    /// translating them, and functions whose IR Cranelift's cache recognised.
    pub fn incremental_stats(&self) -> Option<(u64, u64)> {
        let untranslated = self.untranslated();
        self.functions.as_ref().map(|s| {
            (
                s.hits.load(Ordering::Relaxed) + untranslated,
                s.misses.load(Ordering::Relaxed),
            )
        })
    }

    /// Functions reused so far without translating them (Wasmtime's function memo, which the
    /// incremental cache turns on); 0 when it is off.
    fn untranslated(&self) -> u64 {
        self.engine
            .function_memo_stats()
            .map_or(0, |(hits, _)| hits)
    }

    /// Compiles `bytes` once in the background, only to fill Cranelift's incremental cache:
    /// code that came from the compile cache at start left it empty, and the next version's
    /// compile should find this version's functions there.
    fn warm(&self, name: String, bytes: Vec<u8>, kind: WasmKind) {
        let engine = self.engine.clone();
        let verbose = self.verbose;
        let spawned = std::thread::Builder::new()
            .name("loop-host-warm".into())
            .spawn(move || {
                let started = Instant::now();
                let ok = match kind {
                    WasmKind::Component => {
                        wasmtime::component::Component::from_binary(&engine, &bytes).is_ok()
                    }
                    WasmKind::Module => wasmtime::Module::from_binary(&engine, &bytes).is_ok(),
                };
                if verbose && ok {
                    eprintln!(
                        "loop-host: filled the incremental cache with {name}'s functions in {:.1?}",
                        started.elapsed()
                    );
                }
            });
        // Without the thread the next swap compiles everything, which is only slower.
        drop(spawned);
    }

    /// Reads, classifies and compiles (or fetches from cache) a `.wasm` file.
    pub fn load(&self, path: &Path) -> Result<Loaded, HostError> {
        let bytes = loader::read_wasm(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let kind = loader::classify(path, &bytes)?;
        let started = Instant::now();
        let before = self.incremental_stats();
        let untranslated_before = self.untranslated();
        let (artifact, cache) = self.cache.load(&self.engine, &bytes, kind, |bytes| {
            loader::compile(&self.engine, path, bytes, kind)
        })?;
        let elapsed = started.elapsed();
        let functions = match (before, self.incremental_stats()) {
            (Some((h0, m0)), Some((h1, m1))) if cache.compiled() => Some(FunctionReuse {
                reused: h1.saturating_sub(h0),
                untranslated: self.untranslated().saturating_sub(untranslated_before),
                compiled: m1.saturating_sub(m0),
            }),
            _ => None,
        };
        let reuse = functions.map_or(String::new(), |f| {
            format!(
                ", reusing {} of {} functions ({} without translating them)",
                f.reused,
                f.reused + f.compiled,
                f.untranslated
            )
        });
        match &cache {
            CacheOutcome::Hit { entry } => {
                self.note(format!(
                    "cache hit for {name}: loaded {} in {:.1?}",
                    entry.display(),
                    elapsed
                ));
                // Once per process: later hits are versions switched back to, whose functions
                // the store has from their own compile or from this first fill.
                if self
                    .functions
                    .as_ref()
                    .is_some_and(|s| !s.warming.swap(true, Ordering::Relaxed))
                {
                    self.warm(name.clone(), bytes, kind);
                }
            }
            CacheOutcome::Compiled { entry } => self.note(format!(
                "compiled {name} ({} {}) in {:.1?}{}; cached at {}",
                kind.noun(),
                crate::units::format_size(bytes.len() as u64),
                elapsed,
                reuse,
                entry.display()
            )),
            CacheOutcome::Recompiled { entry, reason } => self.note(format!(
                "discarded a corrupt cache entry for {name} ({reason}); compiled again in {:.1?}; cached at {}",
                elapsed,
                entry.display()
            )),
            CacheOutcome::Disabled => {
                self.note(format!("compiled {name} in {elapsed:.1?} (cache disabled)"))
            }
            CacheOutcome::WriteFailed { reason } => self.note(format!(
                "compiled {name} in {elapsed:.1?}; could not write the cache entry: {reason}"
            )),
        }
        if let Artifact::Component(_) = &artifact {
            debug_assert_eq!(kind, WasmKind::Component);
        }
        Ok(Loaded {
            name,
            path: path.to_path_buf(),
            artifact,
            cache,
            functions,
        })
    }
}

/// The engine configuration. Everything here is part of the compile-cache key (through
/// Wasmtime's compatibility hash), so changing it invalidates cached code automatically.
fn engine_config(pooling: bool, compiler: Compiler) -> Config {
    let mut config = Config::new();
    config.strategy(match compiler {
        Compiler::Cranelift => wasmtime::Strategy::Cranelift,
        Compiler::Winch => wasmtime::Strategy::Winch,
    });
    if pooling {
        // Instances are created and dropped per request: reuse their slots (memories, tables,
        // stacks) instead of mapping fresh ones each time.
        let mut pool = wasmtime::PoolingAllocationConfig::default();
        pool.total_component_instances(1000)
            .total_core_instances(10_000)
            .total_memories(2000)
            .total_tables(10_000);
        config.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pool));
    }
    config.wasm_component_model(true);
    // Component-model async: WASI 0.3 entry points (`run: async func()`) and the streams of
    // wasi-gfx (frames, input events) need it.
    config.wasm_component_model_async(true);
    // Epoch interruption is always compiled in so that timeouts work and cached code is the same
    // with or without `--timeout`; its cost is one load and compare per loop header.
    config.epoch_interruption(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Functions in the test module: enough that both compiling threads take turns between
    /// functions and their (exception-table carrying) trampolines.
    const FUNCS: u64 = 64;

    /// A module of `FUNCS` small exported functions; `edit` changes the first one's constant.
    fn module(edit: bool) -> Vec<u8> {
        let funcs: String = (0..FUNCS)
            .map(|i| {
                let k = if edit && i == 0 { 1000 } else { i };
                format!(
                    "(func (export \"f{i}\") (param i32) (result i32) local.get 0 i32.const {k} i32.add)"
                )
            })
            .collect();
        wat::parse_str(format!("(module {funcs})")).unwrap()
    }

    /// The same code as new bytes: a custom section "xy" plus `n` appended.
    fn new_bytes(bytes: &[u8], n: u8) -> Vec<u8> {
        let mut out = bytes.to_vec();
        out.extend_from_slice(&[0, 4, 2, b'x', b'y', n]);
        out
    }

    fn host(incremental: bool, compiler: Compiler) -> Host {
        Host::new(&HostOptions {
            no_cache: true,
            incremental,
            compiler,
            ..Default::default()
        })
        .unwrap()
    }

    fn load(host: &Host, dir: &Path, name: &str, bytes: &[u8]) {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        host.load(&path).unwrap();
    }

    #[test]
    fn a_new_version_reuses_the_functions_that_did_not_change() {
        let dir = tempfile::tempdir().unwrap();
        let host = host(true, Compiler::Cranelift);
        let first = module(false);
        load(&host, dir.path(), "a.wasm", &first);
        let (h0, m0) = host.incremental_stats().unwrap();
        assert!(
            m0 >= FUNCS,
            "the first compile compiles every function: {m0} misses"
        );

        // New bytes, same code, several times over: every function is reused, every time.
        // Unpatched Cranelift 0.137 missed a random few here (patches/README.md): a reused
        // context kept the previous function's exception tables in the hashed IR.
        let (mut h, mut m) = (h0, m0);
        for n in 0..4 {
            load(&host, dir.path(), "b.wasm", &new_bytes(&first, n));
            let (h1, m1) = host.incremental_stats().unwrap();
            assert_eq!(m1 - m, 0, "compile {n} of the same code compiled again");
            assert!(h1 - h >= FUNCS, "reused {} of {FUNCS}", h1 - h);
            (h, m) = (h1, m1);
        }

        // One function edited: exactly it is compiled (its code is new), the others are reused.
        load(&host, dir.path(), "c.wasm", &module(true));
        let (h2, m2) = host.incremental_stats().unwrap();
        assert_eq!(m2 - m, 1, "compiled {} for one edit", m2 - m);
        assert!(h2 - h >= FUNCS - 1, "reused {} of {}", h2 - h, FUNCS - 1);
    }

    /// Runs export `name` of a core module compiled by `host`: its result, or the wasm offset
    /// of the instruction that trapped.
    fn call(host: &Host, module: &wasmtime::Module, name: &str) -> Result<i32, usize> {
        let mut store = wasmtime::Store::new(host.engine(), ());
        store.set_epoch_deadline(1_000_000);
        let instance = wasmtime::Instance::new(&mut store, module, &[]).unwrap();
        let func = instance
            .get_typed_func::<(), i32>(&mut store, name)
            .unwrap();
        func.call(&mut store, ()).map_err(|e| {
            let trace = e
                .downcast_ref::<wasmtime::WasmBacktrace>()
                .expect("a backtrace");
            trace.frames()[0].module_offset().expect("a wasm offset")
        })
    }

    fn compiled(host: &Host, dir: &Path, name: &str, wat: &str) -> wasmtime::Module {
        let path = dir.join(name);
        std::fs::write(&path, wat::parse_str(wat).unwrap()).unwrap();
        match host.load(&path).unwrap().artifact {
            Artifact::Module(module) => module,
            Artifact::Component(_) => unreachable!(),
        }
    }

    #[test]
    fn moved_functions_come_from_the_memo_with_their_trap_offsets_moved_too() {
        // Version 2 grows the first function (moving the others' bodies) and changes the data
        // (contents and length); the other three functions are byte for byte the same.
        let version = |grow: &str, data: &str, extra: &str| {
            format!(
                r#"(module (memory 1) {extra} (data (i32.const 16) "{data}")
                  (func (export "grow") (result i32) i32.const 1 {grow})
                  (func (export "trap") (result i32) i32.const 7 i32.const 0 i32.div_u)
                  (func (export "read") (result i32) i32.const 16 i32.load8_u)
                  (func (export "other") (result i32) i32.const 6 i32.const 7 i32.mul))"#
            )
        };
        let v1 = version("", "hello", "");
        let v2 = version(
            "i32.const 2 i32.add i32.const 3 i32.mul",
            "HELLO, WORLD",
            "",
        );
        let dir = tempfile::tempdir().unwrap();
        let host = host(true, Compiler::Cranelift);
        let memo = || host.engine().function_memo_stats().expect("a memo");

        let m1 = compiled(&host, dir.path(), "v1.wasm", &v1);
        let trap_v1 = call(&host, &m1, "trap").unwrap_err();
        let (h1, n1) = memo();
        assert_eq!((h1, n1), (0, 4), "the first compile translates everything");

        let m2 = compiled(&host, dir.path(), "v2.wasm", &v2);
        let (h2, n2) = memo();
        assert_eq!(
            (h2 - h1, n2 - n1),
            (3, 1),
            "the three unchanged functions come from the memo"
        );
        assert_eq!(call(&host, &m2, "grow"), Ok(9));
        assert_eq!(
            call(&host, &m2, "read"),
            Ok(i32::from(b'H')),
            "reads v2's data"
        );
        assert_eq!(call(&host, &m2, "other"), Ok(42));

        // The reused function's trap is reported where a compile from scratch reports it,
        // which is not where it was in version 1.
        let fresh = super::Host::new(&HostOptions {
            no_cache: true,
            ..Default::default()
        })
        .unwrap();
        let scratch = compiled(&fresh, dir.path(), "v2-fresh.wasm", &v2);
        let trap_v2 = call(&host, &m2, "trap").unwrap_err();
        assert_eq!(trap_v2, call(&fresh, &scratch, "trap").unwrap_err());
        assert_ne!(trap_v2, trap_v1, "the body moved, so its trap offset did");

        // One more memory changes what every function is compiled against: nothing reused.
        compiled(
            &host,
            dir.path(),
            "v3.wasm",
            &version("", "hello", "(memory 1)"),
        );
        assert_eq!(memo().0, h2, "reused code across a changed memory section");
    }

    #[test]
    fn a_changed_constant_global_gets_new_code_not_the_memos() {
        // Wasmtime folds immutable globals into the code, so the same body reading a global
        // whose value changed is different code: the memo must not answer it.
        let version = |k: i32| {
            format!(
                r#"(module (global $g i32 (i32.const {k}))
                  (func (export "g") (result i32) global.get $g))"#
            )
        };
        let dir = tempfile::tempdir().unwrap();
        let host = host(true, Compiler::Cranelift);
        let m5 = compiled(&host, dir.path(), "g5.wasm", &version(5));
        assert_eq!(call(&host, &m5, "g"), Ok(5));
        let hits = host.engine().function_memo_stats().unwrap().0;
        let m6 = compiled(&host, dir.path(), "g6.wasm", &version(6));
        assert_eq!(call(&host, &m6, "g"), Ok(6));
        assert_eq!(host.engine().function_memo_stats().unwrap().0, hits);
        // The same value again, as new bytes: that code is the memo's to give.
        let again = compiled(&host, dir.path(), "g6-again.wasm", &version(6));
        assert_eq!(call(&host, &again, "g"), Ok(6));
        assert_eq!(host.engine().function_memo_stats().unwrap().0, hits + 1);
    }

    #[test]
    fn code_from_the_compile_cache_fills_the_incremental_cache_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let with_cache = |incremental| {
            Host::new(&HostOptions {
                cache_dir: Some(dir.path().join("compiled")),
                incremental,
                ..Default::default()
            })
            .unwrap()
        };
        let first = module(false);
        // An earlier process compiled it into the compile cache.
        load(&with_cache(false), dir.path(), "a.wasm", &first);

        // This one loads it from there, then warms its incremental cache in the background.
        let host = with_cache(true);
        load(&host, dir.path(), "a.wasm", &first);
        let deadline = Instant::now() + std::time::Duration::from_secs(60);
        while host.incremental_stats().unwrap().1 < FUNCS {
            assert!(
                Instant::now() < deadline,
                "the background compile never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // (Its functions are inserted as they are compiled; let it finish.)
        std::thread::sleep(std::time::Duration::from_millis(300));
        let (h0, m0) = host.incremental_stats().unwrap();

        // A new version (same code, new bytes) then finds its functions there.
        load(&host, dir.path(), "b.wasm", &new_bytes(&first, 0));
        let (h1, m1) = host.incremental_stats().unwrap();
        assert!(h1 - h0 >= FUNCS, "reused {} of {FUNCS}", h1 - h0);
        assert_eq!(m1 - m0, 0, "compiled again: {} of {FUNCS}", m1 - m0);
    }

    #[test]
    fn the_incremental_cache_is_off_unless_asked_for_and_for_winch() {
        assert!(
            host(false, Compiler::Cranelift)
                .incremental_stats()
                .is_none()
        );
        assert!(host(true, Compiler::Winch).incremental_stats().is_none());
        // Wasmtime's function memo comes with the incremental cache, and only with it.
        assert!(
            host(true, Compiler::Cranelift)
                .engine()
                .function_memo_stats()
                .is_some()
        );
        assert!(
            host(false, Compiler::Cranelift)
                .engine()
                .function_memo_stats()
                .is_none()
        );
        assert!(
            host(true, Compiler::Winch)
                .engine()
                .function_memo_stats()
                .is_none()
        );
    }
}
