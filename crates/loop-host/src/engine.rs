//! The shared Wasmtime engine, its compile cache and the loading of inputs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use wasmtime::{Config, Engine};

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
}

/// One engine (compiler settings, epoch clock), its compile cache and its capabilities, shared
/// by every run.
pub struct Host {
    engine: Engine,
    cache: CompileCache,
    verbose: bool,
    extra: Vec<Box<dyn Capability>>,
}

impl Host {
    /// Creates the engine with loop-host's fixed configuration.
    pub fn new(options: &HostOptions) -> Result<Self, HostError> {
        let engine = Engine::new(&engine_config(options.pooling, options.compiler))
            .map_err(|e| HostError::other("cannot create the Wasmtime engine", e))?;
        let cache = if options.no_cache {
            CompileCache::disabled()
        } else {
            let dir = options.cache_dir.clone().or_else(CompileCache::default_dir);
            match dir {
                Some(dir) => {
                    CompileCache::new(&engine, dir).tagged(&format!("{:?}", options.compiler))
                }
                None => CompileCache::disabled(),
            }
        };
        Ok(Host {
            engine,
            cache,
            verbose: options.verbose,
            extra: Vec::new(),
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

    /// Reads, classifies and compiles (or fetches from cache) a `.wasm` file.
    pub fn load(&self, path: &Path) -> Result<Loaded, HostError> {
        let bytes = loader::read_wasm(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let kind = loader::classify(path, &bytes)?;
        let started = Instant::now();
        let (artifact, cache) = self.cache.load(&self.engine, &bytes, kind, |bytes| {
            loader::compile(&self.engine, path, bytes, kind)
        })?;
        let elapsed = started.elapsed();
        match &cache {
            CacheOutcome::Hit { entry } => self.note(format!(
                "cache hit for {name}: loaded {} in {:.1?}",
                entry.display(),
                elapsed
            )),
            CacheOutcome::Compiled { entry } => self.note(format!(
                "compiled {name} ({} {}) in {:.1?}; cached at {}",
                kind.noun(),
                crate::units::format_size(bytes.len() as u64),
                elapsed,
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
