//! Compile cache: compiled code keyed by the input's content hash and the engine configuration.
//!
//! Entries live under the user's cache directory. Each entry carries a checksum of its payload;
//! an entry that fails the check, or that Wasmtime refuses to deserialize, is deleted and the
//! input compiled again. A failure to write the cache never fails the run.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::error::HostError;
use crate::loader::{Artifact, WasmKind};

/// File magic of a cache entry (format version 1).
const MAGIC: &[u8; 8] = b"LOOPCW01";
/// Magic, payload length (u64 LE), xxh3-128 of the payload (u128 LE).
const HEADER_LEN: usize = 8 + 8 + 16;

/// How an artifact was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Deserialized from a valid cache entry: no compilation happened.
    Hit { entry: PathBuf },
    /// Compiled, then written to the cache (in the background, for a cache made
    /// [`CompileCache::writing_in_background`]).
    Compiled { entry: PathBuf },
    /// A corrupt entry was discarded; compiled and written again.
    Recompiled { entry: PathBuf, reason: String },
    /// Compiled; the cache is disabled (`--no-cache`).
    Disabled,
    /// Compiled; writing the entry failed (the run goes on).
    WriteFailed { reason: String },
}

impl CacheOutcome {
    /// Whether the input was compiled (rather than loaded from the cache).
    pub fn compiled(&self) -> bool {
        !matches!(self, CacheOutcome::Hit { .. })
    }
}

/// The on-disk compile cache (or a disabled one).
pub struct CompileCache {
    dir: Option<PathBuf>,
    fingerprint: [u8; 32],
    writes: Writes,
}

/// When a new entry is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// Before `load` returns: a process that exits right after still leaves its entry.
    Inline,
    /// By a thread of its own, after `load` returns; a failure is printed when `verbose`.
    Background { verbose: bool },
}

/// Feeds `Hash` output into BLAKE3 so the engine's compatibility hash becomes a stable digest.
struct Blake3Hasher(blake3::Hasher);

impl Hasher for Blake3Hasher {
    fn finish(&self) -> u64 {
        let bytes = self.0.finalize();
        u64::from_le_bytes(bytes.as_bytes()[..8].try_into().expect("8 bytes"))
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl CompileCache {
    /// A cache in `dir` for code compiled by `engine`.
    pub fn new(engine: &Engine, dir: PathBuf) -> Self {
        let mut hasher = Blake3Hasher(blake3::Hasher::new());
        engine.precompile_compatibility_hash().hash(&mut hasher);
        // The loop-host version is part of the key too: our own engine settings may change
        // between releases in ways Wasmtime's hash does not see.
        hasher.write(env!("CARGO_PKG_VERSION").as_bytes());
        let fingerprint = *hasher.0.finalize().as_bytes();
        CompileCache {
            dir: Some(dir),
            fingerprint,
            writes: Writes::Inline,
        }
    }

    /// The same cache, writing new entries from a background thread: for long-lived hosts that
    /// load new versions, where serializing and writing the code (a few ms) would otherwise
    /// delay every swap. A failed write is printed on stderr when `verbose`.
    pub fn writing_in_background(mut self, verbose: bool) -> Self {
        self.writes = Writes::Background { verbose };
        self
    }

    /// The same cache with `tag` (a setting Wasmtime's compatibility hash may not see, such as
    /// the compiler) folded into every key.
    pub fn tagged(mut self, tag: &str) -> Self {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.fingerprint);
        hasher.update(tag.as_bytes());
        self.fingerprint = *hasher.finalize().as_bytes();
        self
    }

    /// A cache that never reads or writes.
    pub fn disabled() -> Self {
        CompileCache {
            dir: None,
            fingerprint: [0; 32],
            writes: Writes::Inline,
        }
    }

    /// `$LOOP_CACHE_DIR`, else `<user cache dir>/loop-kit/compiled` (e.g. `~/.cache/...`).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("LOOP_CACHE_DIR").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(dir));
        }
        dirs::cache_dir().map(|d| d.join("loop-kit").join("compiled"))
    }

    /// The entry path for `bytes` of the given kind.
    pub fn entry_path(&self, bytes: &[u8], kind: WasmKind) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let mut hasher = blake3::Hasher::new();
        hasher.update(&self.fingerprint);
        hasher.update(kind.noun().as_bytes());
        hasher.update(bytes);
        let key = hasher.finalize().to_hex();
        Some(dir.join(format!("{}.cwasm", &key[..40])))
    }

    /// Returns compiled code for `bytes`, from the cache when a valid entry exists, else by
    /// calling `compile` (and storing the result).
    pub fn load(
        &self,
        engine: &Engine,
        bytes: &[u8],
        kind: WasmKind,
        compile: impl FnOnce(&[u8]) -> Result<Artifact, HostError>,
    ) -> Result<(Artifact, CacheOutcome), HostError> {
        let Some(entry) = self.entry_path(bytes, kind) else {
            return Ok((compile(bytes)?, CacheOutcome::Disabled));
        };
        let mut corrupt = None;
        match std::fs::read(&entry) {
            Ok(data) => match verify(&data) {
                Ok(payload) => match deserialize(engine, payload, kind) {
                    Ok(artifact) => return Ok((artifact, CacheOutcome::Hit { entry })),
                    Err(reason) => corrupt = Some(reason),
                },
                Err(reason) => corrupt = Some(reason),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => corrupt = Some(format!("unreadable: {e}")),
        }
        if corrupt.is_some() {
            // Never trust it again; a failed delete only means we overwrite it below.
            let _ = std::fs::remove_file(&entry);
        }
        let artifact = compile(bytes)?;
        let written = match corrupt {
            Some(reason) => CacheOutcome::Recompiled {
                entry: entry.clone(),
                reason,
            },
            None => CacheOutcome::Compiled {
                entry: entry.clone(),
            },
        };
        if let Writes::Background { verbose } = self.writes {
            let (copy, path) = (artifact.clone(), entry.clone());
            let spawned = std::thread::Builder::new()
                .name("loop-host-cache".into())
                .spawn(move || {
                    if let Err(reason) = store(&path, &copy)
                        && verbose
                    {
                        eprintln!("loop-host: could not write the cache entry: {reason}");
                    }
                });
            // Without a thread, the entry is written below: only slower.
            if spawned.is_ok() {
                return Ok((artifact, written));
            }
        }
        let outcome = match store(&entry, &artifact) {
            Ok(()) => written,
            Err(reason) => CacheOutcome::WriteFailed { reason },
        };
        Ok((artifact, outcome))
    }
}

/// Checks an entry's header and checksum; returns its payload.
fn verify(data: &[u8]) -> Result<&[u8], String> {
    if data.len() < HEADER_LEN || &data[..8] != MAGIC {
        return Err("bad header".into());
    }
    let len = u64::from_le_bytes(data[8..16].try_into().expect("8 bytes")) as usize;
    let sum = u128::from_le_bytes(data[16..32].try_into().expect("16 bytes"));
    let payload = &data[HEADER_LEN..];
    if payload.len() != len {
        return Err(format!("truncated: {} of {len} bytes", payload.len()));
    }
    if xxhash_rust::xxh3::xxh3_128(payload) != sum {
        return Err("checksum mismatch".into());
    }
    Ok(payload)
}

fn deserialize(engine: &Engine, payload: &[u8], kind: WasmKind) -> Result<Artifact, String> {
    // SAFETY: the payload was produced by `serialize` of this same engine configuration
    // (the key includes the engine fingerprint) and its checksum was verified just above, so it
    // is the exact bytes Wasmtime wrote. Wasmtime additionally checks its own header.
    let result = unsafe {
        match kind {
            WasmKind::Component => Component::deserialize(engine, payload).map(Artifact::Component),
            WasmKind::Module => {
                wasmtime::Module::deserialize(engine, payload).map(Artifact::Module)
            }
        }
    };
    result.map_err(|e| format!("rejected by Wasmtime: {e}"))
}

/// Writes an entry atomically: a temp file in the same directory, then a rename.
fn store(entry: &Path, artifact: &Artifact) -> Result<(), String> {
    let payload = match artifact {
        Artifact::Component(c) => c.serialize(),
        Artifact::Module(m) => m.serialize(),
    }
    .map_err(|e| format!("cannot serialize: {e}"))?;
    let dir = entry
        .parent()
        .ok_or("cache entry has no parent directory")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    header.extend_from_slice(&xxhash_rust::xxh3::xxh3_128(&payload).to_le_bytes());
    tmp.write_all(&header)
        .and_then(|_| tmp.write_all(&payload))
        .map_err(|e| format!("cannot write {}: {e}", entry.display()))?;
    tmp.persist(entry)
        .map_err(|e| format!("cannot write {}: {}", entry.display(), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader;

    fn module_bytes() -> Vec<u8> {
        wat::parse_str(r#"(module (func (export "f") (result i32) i32.const 42))"#).unwrap()
    }

    fn setup() -> (Engine, tempfile::TempDir, CompileCache) {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let cache = CompileCache::new(&engine, dir.path().join("compiled"));
        (engine, dir, cache)
    }

    fn load(cache: &CompileCache, engine: &Engine, bytes: &[u8], count: &mut u32) -> CacheOutcome {
        let (artifact, outcome) = cache
            .load(engine, bytes, WasmKind::Module, |b| {
                *count += 1;
                loader::compile(engine, Path::new("t.wasm"), b, WasmKind::Module)
            })
            .unwrap();
        let Artifact::Module(module) = artifact else {
            panic!("expected a module")
        };
        let mut store = wasmtime::Store::new(engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).unwrap();
        let f = instance.get_typed_func::<(), i32>(&mut store, "f").unwrap();
        assert_eq!(
            f.call(&mut store, ()).unwrap(),
            42,
            "the cached code still runs"
        );
        outcome
    }

    #[test]
    fn second_load_is_a_hit_and_does_not_compile() {
        let (engine, _dir, cache) = setup();
        let mut compiles = 0;
        assert!(matches!(
            load(&cache, &engine, &module_bytes(), &mut compiles),
            CacheOutcome::Compiled { .. }
        ));
        assert!(matches!(
            load(&cache, &engine, &module_bytes(), &mut compiles),
            CacheOutcome::Hit { .. }
        ));
        assert_eq!(compiles, 1);
    }

    #[test]
    fn different_content_gets_a_different_entry() {
        let (_engine, _dir, cache) = setup();
        let a = cache
            .entry_path(b"\0asm\x01\0\0\0", WasmKind::Module)
            .unwrap();
        let b = cache
            .entry_path(b"\0asm\x01\0\0\0 ", WasmKind::Module)
            .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn corrupt_entries_are_discarded_and_rebuilt() {
        let (engine, _dir, cache) = setup();
        let bytes = module_bytes();
        let entry = cache.entry_path(&bytes, WasmKind::Module).unwrap();
        let mut compiles = 0;
        load(&cache, &engine, &bytes, &mut compiles);
        let good = std::fs::read(&entry).unwrap();

        // A flipped bit in the payload, a truncated file, and garbage: each is recompiled.
        let mut flipped = good.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        let corruptions: Vec<(&str, Vec<u8>)> = vec![
            ("checksum mismatch", flipped),
            ("truncated", good[..good.len() / 2].to_vec()),
            ("bad header", b"not a cache entry".to_vec()),
        ];
        for (expected, data) in corruptions {
            std::fs::write(&entry, data).unwrap();
            match load(&cache, &engine, &bytes, &mut compiles) {
                CacheOutcome::Recompiled { reason, .. } => {
                    assert!(
                        reason.contains(expected),
                        "{reason} should mention {expected}"
                    )
                }
                other => panic!("expected a recompile, got {other:?}"),
            }
            assert!(matches!(
                load(&cache, &engine, &bytes, &mut compiles),
                CacheOutcome::Hit { .. }
            ));
        }
        assert_eq!(compiles, 4);
    }

    #[test]
    fn a_payload_wasmtime_rejects_is_discarded() {
        let (engine, _dir, cache) = setup();
        let bytes = module_bytes();
        let entry = cache.entry_path(&bytes, WasmKind::Module).unwrap();
        // Valid header and checksum around bytes that are not a serialized module.
        let payload = b"definitely not an ELF file".to_vec();
        let mut data = MAGIC.to_vec();
        data.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        data.extend_from_slice(&xxhash_rust::xxh3::xxh3_128(&payload).to_le_bytes());
        data.extend_from_slice(&payload);
        std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
        std::fs::write(&entry, data).unwrap();
        let mut compiles = 0;
        match load(&cache, &engine, &bytes, &mut compiles) {
            CacheOutcome::Recompiled { reason, .. } => {
                assert!(reason.contains("rejected by Wasmtime"))
            }
            other => panic!("expected a recompile, got {other:?}"),
        }
    }

    /// A cache directory below a regular file, so it cannot be created.
    fn unwritable_dir() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        (dir, file.join("compiled"))
    }

    #[test]
    fn an_unwritable_cache_does_not_fail_the_load() {
        let engine = Engine::default();
        let (_dir, unwritable) = unwritable_dir();
        let cache = CompileCache::new(&engine, unwritable);
        let mut compiles = 0;
        assert!(matches!(
            load(&cache, &engine, &module_bytes(), &mut compiles),
            CacheOutcome::WriteFailed { .. }
        ));
    }

    #[test]
    fn a_background_cache_writes_the_entry_after_the_load_returns() {
        let engine = Engine::default();
        let dir = tempfile::tempdir().unwrap();
        let cache =
            CompileCache::new(&engine, dir.path().join("compiled")).writing_in_background(false);
        let bytes = module_bytes();
        let entry = cache.entry_path(&bytes, WasmKind::Module).unwrap();
        let mut compiles = 0;
        assert!(matches!(
            load(&cache, &engine, &bytes, &mut compiles),
            CacheOutcome::Compiled { .. }
        ));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !entry.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "the entry was never written"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Written atomically (a rename), so once it exists it is whole: the next load is a hit.
        assert!(matches!(
            load(&cache, &engine, &bytes, &mut compiles),
            CacheOutcome::Hit { .. }
        ));
        assert_eq!(compiles, 1);
    }

    #[test]
    fn a_background_write_that_fails_does_not_fail_the_load() {
        let engine = Engine::default();
        let (_dir, unwritable) = unwritable_dir();
        let cache = CompileCache::new(&engine, unwritable).writing_in_background(false);
        let mut compiles = 0;
        // The write fails after the load, on the writer's thread; the code still runs (`load`
        // calls it) and the outcome says it was compiled.
        let outcome = load(&cache, &engine, &module_bytes(), &mut compiles);
        assert!(outcome.compiled(), "{outcome:?}");
        assert_eq!(compiles, 1);
    }

    #[test]
    fn a_different_engine_configuration_uses_a_different_key() {
        let dir = tempfile::tempdir().unwrap();
        let a = CompileCache::new(&Engine::default(), dir.path().to_path_buf());
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let b = CompileCache::new(&Engine::new(&config).unwrap(), dir.path().to_path_buf());
        let bytes = module_bytes();
        assert_ne!(
            a.entry_path(&bytes, WasmKind::Module),
            b.entry_path(&bytes, WasmKind::Module)
        );
    }

    #[test]
    fn a_tag_changes_the_key_and_the_same_tag_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = || CompileCache::new(&engine, dir.path().to_path_buf());
        let bytes = module_bytes();
        let path = |c: CompileCache| c.entry_path(&bytes, WasmKind::Module);
        assert_ne!(
            path(cache().tagged("Cranelift")),
            path(cache().tagged("Winch"))
        );
        assert_eq!(path(cache().tagged("Winch")), path(cache().tagged("Winch")));
        assert_ne!(path(cache()), path(cache().tagged("Winch")));
    }
}
