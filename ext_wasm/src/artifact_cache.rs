//! Kiln's on-disk cache of compiled code: one file per module (or component) and engine, which a
//! later run maps instead of compiling the module again.
//!
//! A file is named by the key [`ArtifactCache::key`] gives: a BLAKE3 hash of the module's bytes,
//! the engine kind and wasmtime's `Engine::precompile_compatibility_hash` (which covers wasmtime's
//! version, the target and every setting that changes the code). A changed module or engine gets
//! another key, so nothing stale is ever served. The file holds wasmtime's own serialization
//! (`Module::serialize`), uncompressed, so a hit is `Module::deserialize_file`: an `mmap` of the
//! file, of which only the pages wasmtime and the guest touch are read. (wasmtime's built-in cache,
//! used before, keeps zstd-compressed copies: every hit decompressed the whole module into memory,
//! for the 66 MB yosys 0.7-0.9 s and 570 MB of RSS per start; BENCHMARKS.md has the figures.)
//!
//! `compileFile` can skip even reading the module: a `.source` file beside the code records, for a
//! module file, its identity (device, inode, size, modification and change times) and the hash of
//! the bytes it held ([`ArtifactCache::indexed`]). While the file still has that identity its bytes
//! are taken as unchanged; any write changes its change time (`ctime`, which no user can set back),
//! and an entry is only recorded for a file whose change time was already `RACY` old before it was
//! read, so a write within the file system's timestamp granularity of the read cannot go unnoticed.
//! (A warm start of yosys that reads and hashes its 66 MB took 195 ms, one that does not 41 ms.)
//!
//! Files are written under a temporary name and renamed into place, so a reader never sees half a
//! file, and a mapped file is never changed under a running guest (a rewrite is a new inode). A file
//! that wasmtime refuses (truncated, garbage, another wasmtime's) is a miss: the module is compiled
//! again and the file replaced. Once the files pass `SIZE_LIMIT`, the least recently used go.

use std::fs::{self, OpenOptions};
use std::hash::Hash;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use wasmtime::component::Component;
use wasmtime::{Engine, Module};

use crate::bounded::BoundedExports;
use crate::engine::EngineKind;
use crate::error::WasmError;

/// Past this many bytes of compiled code, the least recently used files are removed (wasmtime's
/// cache used the same default soft limit).
const SIZE_LIMIT: u64 = 5 << 30;

/// A temporary file older than this was left by a process that died while writing it.
const STALE_TEMPORARY: Duration = Duration::from_secs(3600);

/// Changes every key when what Kiln writes changes, or the code it compiles: wasmtime's
/// compatibility hash covers its version and settings, not Kiln's patches to its code generator
/// (patches/README.md). 2: epoch checks that preserve the loop's registers; 3: fuel checks too; 4:
/// unconditional traps raised by a call rather than a trapping instruction; 5: the deeper of two
/// arguments computed first (patches/cranelift-codegen.patch).
const FORMAT: &[u8] = b"kiln compiled code 5\0";

/// The first line of a `.source` file.
/// 2: the bounded exports (bounded.rs) after the hash.
const SOURCE_FORMAT: &str = "kiln source 2";

/// How long before a read a file must have last changed for its `.source` entry to be recorded:
/// more than any file system's timestamp granularity (FAT's is 2 s).
const RACY: Duration = Duration::from_secs(3);

/// A BLAKE3 hash of a module's bytes, by which the cache knows it.
pub type ContentHash = blake3::Hash;

/// The hash the cache knows `bytes` by.
pub fn content_hash(bytes: &[u8]) -> ContentHash {
  blake3::hash(bytes)
}

/// A core module file as the cache last read it (`.source` files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceEntry {
  pub len: u64,
  pub hash: ContentHash,
  /// It has a start function (`binary::has_start_section`).
  pub has_start: bool,
  /// Its exports that end in bounded time (bounded.rs).
  pub bounded: BoundedExports,
}

/// What identifies a file's contents without reading them: while all of it is the same, the bytes
/// are too (see the module's docs). `None` on systems without inodes and change times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
  dev: u64,
  ino: u64,
  len: u64,
  mtime: (i64, i64),
  ctime: (i64, i64),
}

impl FileStamp {
  /// The stamp of the regular file at `path` (following symbolic links).
  pub fn of(path: &Path) -> Option<Self> {
    #[cfg(unix)]
    {
      use std::os::unix::fs::MetadataExt;
      let m = fs::metadata(path).ok().filter(fs::Metadata::is_file)?;
      Some(Self {
        dev: m.dev(),
        ino: m.ino(),
        len: m.len(),
        mtime: (m.mtime(), m.mtime_nsec()),
        ctime: (m.ctime(), m.ctime_nsec()),
      })
    }
    #[cfg(not(unix))]
    {
      let _ = path;
      None
    }
  }

  /// The file last changed at least `RACY` before `read_at`.
  fn settled_before(&self, read_at: SystemTime) -> bool {
    let Ok(read_at) = read_at.duration_since(SystemTime::UNIX_EPOCH) else { return false };
    let changed = Duration::new(self.ctime.0.max(0) as u64, self.ctime.1.clamp(0, 999_999_999) as u32);
    self.ctime.0 >= 0 && changed + RACY <= read_at
  }
}

/// The compiled-code cache in one directory, with its hit and miss counts (shared by all engines).
#[derive(Debug)]
pub struct ArtifactCache {
  dir: PathBuf,
  hits: AtomicUsize,
  misses: AtomicUsize,
  /// A failed write is reported once per process, not once per module.
  warned: AtomicBool,
  /// What the directory holds, in bytes, as this process last counted it plus what it wrote
  /// since (`UNCOUNTED` before its first write): `store` lists the directory again only when this
  /// passes the limit, not after every write, which made 10,000 compiles of distinct modules list a
  /// directory of 10,000 files 10,000 times. Other processes' writes are seen at the next count.
  counted: AtomicU64,
}

/// `counted` before the first count.
const UNCOUNTED: u64 = u64::MAX;

/// What the cache holds: a core module or a component, each in wasmtime's serialization.
pub(crate) trait Artifact: Sized {
  fn serialize(&self) -> wasmtime::Result<Vec<u8>>;

  /// # Safety
  /// As wasmtime's `deserialize_file`: the file must have been written by `serialize` and must not
  /// change while the artifact lives.
  unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self>;
}

impl Artifact for Module {
  fn serialize(&self) -> wasmtime::Result<Vec<u8>> {
    Module::serialize(self)
  }

  unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
    // SAFETY: passed on from this function's contract.
    unsafe { Module::deserialize_file(engine, path) }
  }
}

impl Artifact for Component {
  fn serialize(&self) -> wasmtime::Result<Vec<u8>> {
    Component::serialize(self)
  }

  unsafe fn deserialize_file(engine: &Engine, path: &Path) -> wasmtime::Result<Self> {
    // SAFETY: passed on from this function's contract.
    unsafe { Component::deserialize_file(engine, path) }
  }
}

impl ArtifactCache {
  /// Opens (creating it if need be) the cache in `dir`.
  ///
  /// # Errors
  /// If the directory cannot be created, is not a directory, or (on Unix) other users may write
  /// to it: code they put there would run as this user's.
  pub fn open(dir: &Path) -> Result<Self, String> {
    fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let meta = fs::metadata(dir).map_err(|e| e.to_string())?;
    if !meta.is_dir() {
      return Err("it is not a directory".into());
    }
    #[cfg(unix)]
    {
      use std::os::unix::fs::PermissionsExt;
      if meta.permissions().mode() & 0o022 != 0 {
        return Err("other users may write to it, and code they put there would run as yours".into());
      }
    }
    Ok(Self {
      dir: dir.to_path_buf(),
      hits: AtomicUsize::new(0),
      misses: AtomicUsize::new(0),
      warned: false.into(),
      counted: AtomicU64::new(UNCOUNTED),
    })
  }

  pub fn dir(&self) -> &Path {
    &self.dir
  }

  /// How many compiles the cache served, and how many it did not, so far.
  pub fn counts(&self) -> (usize, usize) {
    (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
  }

  /// The file name of the bytes hashed to `content` compiled by `engine` (of `kind`): 64 hex digits.
  pub fn key(engine: &Engine, kind: EngineKind, content: &ContentHash) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(FORMAT);
    hasher.update(format!("{kind:?}\0").as_bytes());
    engine.precompile_compatibility_hash().hash(&mut IntoBlake3(&mut hasher));
    hasher.update(content.as_bytes());
    hasher.finalize().to_hex().to_string()
  }

  /// The artifact of the bytes hashed to `content` for `engine`: mapped from the cache if it has a
  /// usable file, else made by `compile` and written to the cache (a failed write only warns).
  ///
  /// # Errors
  /// Only `compile`'s.
  pub(crate) fn get_or_compile<A: Artifact>(
    &self,
    engine: &Engine,
    kind: EngineKind,
    content: &ContentHash,
    compile: impl FnOnce() -> Result<A, WasmError>,
  ) -> Result<A, WasmError> {
    let path = self.dir.join(Self::key(engine, kind, content));
    if let Some(artifact) = self.load(engine, &path) {
      self.hits.fetch_add(1, Ordering::Relaxed);
      return Ok(artifact);
    }
    self.misses.fetch_add(1, Ordering::Relaxed);
    let artifact = compile()?;
    if let Err(e) = self.store(&path, &artifact) {
      if !self.warned.swap(true, Ordering::Relaxed) {
        eprintln!(
          "kiln: warning: cannot keep compiled code in {}: {e} (the next run compiles again; free \
           space there, or set KILN_CACHE_DIR to another directory)",
          self.dir.display()
        );
      }
    }
    Ok(artifact)
  }

  /// The core module in the file at `path` compiled for `engine`, without reading that file: if the
  /// file is as a `.source` entry recorded it and its code is cached. Counted as a hit only then.
  pub(crate) fn load_indexed(&self, engine: &Engine, kind: EngineKind, path: &Path) -> Option<(Module, SourceEntry)> {
    let entry = self.indexed(path)?;
    let module = self.load(engine, &self.dir.join(Self::key(engine, kind, &entry.hash)))?;
    self.hits.fetch_add(1, Ordering::Relaxed);
    Some((module, entry))
  }

  /// The `.source` entry of the file at `path`, if the file still has the stamp it recorded.
  pub(crate) fn indexed(&self, path: &Path) -> Option<SourceEntry> {
    let stamp = FileStamp::of(path)?;
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut OpenOptions::new().read(true).open(self.source_file(path)).ok()?, &mut text)
      .ok()?;
    let (recorded_path, recorded, entry) = parse_source(&text)?;
    (recorded_path == path.as_os_str().as_encoded_bytes() && recorded == stamp).then_some(entry)
  }

  /// Records that the file at `path`, stamped `before` just before it was read at `read_at`, held
  /// the bytes `entry` describes: if it is unchanged since, and changed last long enough before the
  /// read that a write during it would have changed its stamp (`RACY`). A failure is not reported:
  /// the next run reads the file again.
  pub(crate) fn record(&self, path: &Path, before: FileStamp, read_at: SystemTime, entry: SourceEntry) {
    if FileStamp::of(path) != Some(before) || !before.settled_before(read_at) || before.len != entry.len {
      return;
    }
    let FileStamp { dev, ino, len, mtime, ctime } = before;
    let mut text = format!(
      "{SOURCE_FORMAT}\n{dev} {ino} {len} {} {} {} {} {} {} {}\n",
      mtime.0,
      mtime.1,
      ctime.0,
      ctime.1,
      u8::from(entry.has_start),
      entry.hash.to_hex(),
      entry.bounded.to_field()
    )
    .into_bytes();
    text.extend_from_slice(path.as_os_str().as_encoded_bytes());
    let _ = self.write_atomically(&self.source_file(path), &text);
  }

  /// The `.source` file of the module file at `path`.
  fn source_file(&self, path: &Path) -> PathBuf {
    let name = blake3::hash(path.as_os_str().as_encoded_bytes()).to_hex();
    self.dir.join(format!("{name}.source"))
  }

  /// The artifact in `path`, or `None` if there is none or wasmtime refuses it.
  fn load<A: Artifact>(&self, engine: &Engine, path: &Path) -> Option<A> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() {
      return None;
    }
    // SAFETY: the file is Kiln's own: written by `store` (wasmtime's serialization, under a
    // temporary name, then renamed), in a directory `open` checked only this user may write to.
    // It is never written in place, only replaced by a rename, so the mapping wasmtime keeps stays
    // as it was. wasmtime checks the header (its version, target and engine settings) and the
    // object's layout, and refuses a truncated or foreign file; that is a miss here.
    let artifact = unsafe { A::deserialize_file(engine, path) }.ok()?;
    // Used now: the last file `trim` removes. (Failing to say so only makes it go sooner.)
    if let Ok(file) = OpenOptions::new().append(true).open(path) {
      let _ = file.set_modified(SystemTime::now());
    }
    Some(artifact)
  }

  /// Writes `artifact` to `path` (atomically: a temporary file renamed over it), then trims.
  fn store(&self, path: &Path, artifact: &impl Artifact) -> Result<(), String> {
    let code = artifact.serialize().map_err(|e| format!("cannot serialize: {e}"))?;
    self.write_atomically(path, &code).map_err(|e| e.to_string())?;
    let counted = self.counted.load(Ordering::Relaxed);
    let estimate = counted.saturating_add(code.len() as u64);
    if counted == UNCOUNTED || estimate > SIZE_LIMIT {
      self.counted.store(self.trim(SIZE_LIMIT), Ordering::Relaxed);
    } else {
      self.counted.store(estimate, Ordering::Relaxed);
    }
    Ok(())
  }

  /// Writes `bytes` to a temporary file in the cache directory and renames it to `path`.
  fn write_atomically(&self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("artifact");
    let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let temporary = self.dir.join(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
    let written = OpenOptions::new()
      .write(true)
      .create_new(true)
      .open(&temporary)
      .and_then(|mut file| file.write_all(bytes))
      .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
      let _ = fs::remove_file(&temporary);
    }
    written
  }

  /// Removes the least recently used files until the rest take at most `limit` bytes, and the
  /// temporary files of processes that died while writing; returns the bytes left.
  #[allow(
    clippy::disallowed_methods,
    reason = "the cache directory is Kiln's own, not a guest's: no capability governs it"
  )]
  fn trim(&self, limit: u64) -> u64 {
    let Ok(entries) = fs::read_dir(&self.dir) else { return 0 };
    let now = SystemTime::now();
    let mut files = Vec::new();
    for entry in entries.flatten() {
      let (Ok(meta), name) = (entry.metadata(), entry.file_name()) else { continue };
      let name = name.to_string_lossy();
      let modified = meta.modified().unwrap_or(now);
      if name.starts_with('.') && name.ends_with(".tmp") {
        if now.duration_since(modified).unwrap_or_default() > STALE_TEMPORARY {
          let _ = fs::remove_file(entry.path());
        }
      } else if meta.is_file() && is_key(&name) {
        files.push((modified, meta.len(), entry.path()));
      }
    }
    let mut total: u64 = files.iter().map(|(_, len, _)| len).sum();
    files.sort();
    for (_, len, path) in files {
      if total <= limit {
        break;
      }
      if fs::remove_file(path).is_ok() {
        total -= len;
      }
    }
    total
  }
}

/// A `.source` file's path, stamp and entry.
fn parse_source(text: &[u8]) -> Option<(&[u8], FileStamp, SourceEntry)> {
  let (format, rest) = split_line(text)?;
  let (fields, path) = split_line(rest)?;
  if format != SOURCE_FORMAT.as_bytes() {
    return None;
  }
  let fields: Vec<&str> = std::str::from_utf8(fields).ok()?.split(' ').collect();
  let [dev, ino, len, m_s, m_ns, c_s, c_ns, start, hash, bounded] = fields[..] else { return None };
  let int = |s: &str| s.parse::<i64>().ok();
  let stamp = FileStamp {
    dev: dev.parse().ok()?,
    ino: ino.parse().ok()?,
    len: len.parse().ok()?,
    mtime: (int(m_s)?, int(m_ns)?),
    ctime: (int(c_s)?, int(c_ns)?),
  };
  let has_start = match start {
    "0" => false,
    "1" => true,
    _ => return None,
  };
  let (hash, bounded) = (ContentHash::from_hex(hash).ok()?, BoundedExports::from_field(bounded)?);
  Some((path, stamp, SourceEntry { len: stamp.len, hash, has_start, bounded }))
}

fn split_line(text: &[u8]) -> Option<(&[u8], &[u8])> {
  let at = text.iter().position(|&b| b == b'\n')?;
  Some((&text[..at], &text[at + 1..]))
}

/// A cache file's name: 64 lowercase hex digits.
fn is_key(name: &str) -> bool {
  name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Feeds what a `Hash` impl writes into a BLAKE3 hasher.
struct IntoBlake3<'a>(&'a mut blake3::Hasher);

impl std::hash::Hasher for IntoBlake3<'_> {
  fn write(&mut self, bytes: &[u8]) {
    self.0.update(bytes);
  }

  fn finish(&self) -> u64 {
    0
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const WAT: &str = r#"(module (func (export "f") (result i32) i32.const 7))"#;

  fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
      "kiln-artifact-cache-{}-{:?}",
      std::process::id(),
      std::thread::current().id()
    ));
    let _ = fs::remove_dir_all(&dir);
    dir
  }

  fn compile(engine: &Engine) -> impl FnOnce() -> Result<Module, WasmError> + '_ {
    move || Module::new(engine, WAT).map_err(|e| WasmError::compile(e.to_string()))
  }

  #[test]
  fn keys_follow_the_bytes_and_the_engine() {
    let plain = Engine::default();
    let mut config = wasmtime::Config::new();
    config.consume_fuel(true);
    let fueled = Engine::new(&config).unwrap();
    let (a, b) = (content_hash(b"a"), content_hash(b"b"));
    let key = ArtifactCache::key(&plain, EngineKind::Plain, &a);
    assert!(is_key(&key), "{key}");
    assert_eq!(key, ArtifactCache::key(&plain, EngineKind::Plain, &a));
    assert_ne!(key, ArtifactCache::key(&plain, EngineKind::Plain, &b));
    assert_ne!(key, ArtifactCache::key(&plain, EngineKind::Fueled, &a));
    assert_ne!(key, ArtifactCache::key(&fueled, EngineKind::Plain, &a));
  }

  #[test]
  fn a_miss_writes_a_hit_maps_and_garbage_is_a_miss() {
    let dir = dir();
    let engine = Engine::default();
    let cache = ArtifactCache::open(&dir).unwrap();
    cache.get_or_compile(&engine, EngineKind::Plain, &content_hash(WAT.as_bytes()), compile(&engine)).unwrap();
    assert_eq!(cache.counts(), (0, 1));
    let file = dir.join(ArtifactCache::key(&engine, EngineKind::Plain, &content_hash(WAT.as_bytes())));
    assert!(file.is_file());
    cache.get_or_compile(&engine, EngineKind::Plain, &content_hash(WAT.as_bytes()), compile(&engine)).unwrap();
    assert_eq!(cache.counts(), (1, 1));
    let len = fs::metadata(&file).unwrap().len();
    OpenOptions::new().write(true).open(&file).unwrap().set_len(len / 2).unwrap();
    cache.get_or_compile(&engine, EngineKind::Plain, &content_hash(WAT.as_bytes()), compile(&engine)).unwrap();
    assert_eq!(cache.counts(), (1, 2));
    assert_eq!(fs::metadata(&file).unwrap().len(), len, "the truncated file was replaced");
    let _ = fs::remove_dir_all(&dir);
  }

  /// The fast path is taken for a file as it was recorded, and never once the file changed, even
  /// to the same size and modification time; nor recorded for a file that changed just before.
  #[cfg(unix)]
  #[test]
  fn a_source_entry_holds_only_while_the_file_is_unchanged() {
    let dir = dir();
    let engine = Engine::default();
    let cache = ArtifactCache::open(&dir).unwrap();
    let module = dir.join("m.wat");
    let write = |text: &str| {
      OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&module)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap()
    };
    write(WAT);
    let bounded = BoundedExports::of(WAT.as_bytes());
    assert!(bounded.contains(0), "`f` ends in bounded time, and the entry must keep it");
    let entry = SourceEntry { len: WAT.len() as u64, hash: content_hash(WAT.as_bytes()), has_start: false, bounded };
    let stamp = FileStamp::of(&module).unwrap();

    // Changed just now: too recent to trust.
    cache.record(&module, stamp, SystemTime::now(), entry.clone());
    assert_eq!(cache.indexed(&module), None);
    // As if read well after its last change: recorded, and the compiled code is found without reading.
    let later = SystemTime::now() + Duration::from_secs(10);
    cache.record(&module, stamp, later, entry.clone());
    assert_eq!(cache.indexed(&module), Some(entry.clone()));
    assert!(cache.load_indexed(&engine, EngineKind::Plain, &module).is_none(), "no code cached yet");
    cache.get_or_compile(&engine, EngineKind::Plain, &entry.hash, compile(&engine)).unwrap();
    let (_, found) = cache.load_indexed(&engine, EngineKind::Plain, &module).unwrap();
    assert_eq!((found, cache.counts()), (entry.clone(), (1, 1)));

    // The same size and modification time, other bytes: the change time differs.
    let modified = fs::metadata(&module).unwrap().modified().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    write(WAT.replace('7', "8").as_str());
    OpenOptions::new().append(true).open(&module).unwrap().set_modified(modified).unwrap();
    assert_eq!(fs::metadata(&module).unwrap().len(), entry.len);
    assert_eq!(cache.indexed(&module), None);
    assert!(cache.load_indexed(&engine, EngineKind::Plain, &module).is_none());
    let _ = fs::remove_dir_all(&dir);
  }

  #[test]
  fn trimming_removes_the_least_recently_used() {
    let dir = dir();
    let cache = ArtifactCache::open(&dir).unwrap();
    let (old, new) = (dir.join("a".repeat(64)), dir.join("b".repeat(64)));
    for path in [&old, &new] {
      OpenOptions::new().write(true).create_new(true).open(path).unwrap().write_all(&[0; 10]).unwrap();
    }
    let file = OpenOptions::new().append(true).open(&old).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(60)).unwrap();
    assert_eq!(cache.trim(15), 10, "the bytes left");
    assert!(!old.exists() && new.exists());
    let _ = fs::remove_dir_all(&dir);
  }
}
