//! The module loader: `file:` modules (TypeScript transpiled on load) and the built-in `runtime:*`
//! modules. `ext:` modules cannot be imported from `file:` ones, so the built-ins are served here.
//!
//! What an app may import (static `import` and dynamic `import()` alike):
//! - any module below the app's root ([`AppRoot`]: the manifest's directory, or the entry file's
//!   when there is no manifest), and the entry file itself;
//! - a module elsewhere only if `[capabilities.fs] read` covers its canonical path, since
//!   importing a file reads it;
//! - only the kinds of file Kiln knows: `.js`, `.mjs`, `.jsx`, `.ts`, `.mts`, `.tsx`, `.json` and
//!   `.wasm` (a WebAssembly module, made an ES module by [`crate::wasm_module`]). Anything else
//!   (`.env`, a file without an extension, `.d.ts`) is refused before it is read, so its content
//!   can never leak through a JavaScript syntax or reference error.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use deno_ast::{MediaType, ParseParams, SourceMapOption};
use deno_core::error::ModuleLoaderError;
use deno_core::{
  resolve_import, ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader, ModuleSource,
  ModuleSourceCode, ModuleSpecifier, ModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;
use ext_wasm::{FsPermissions, WasmError};

use crate::emit_cache::EmitCache;
use crate::manifest::AppRoot;

/// The built-in modules: specifier and TypeScript source.
const BUILTINS: &[(&str, &str)] =
  &[("runtime:wasm", ext_wasm::RUNTIME_WASM_TS), ("runtime:fs", include_str!("../../ts/runtime_fs.ts"))];

/// Built-ins that only other built-ins may import.
const INTERNAL: &[(&str, &str)] = ext_wasm::INTERNAL_MODULES;

/// The file extensions Kiln loads as modules, for messages.
const KNOWN_EXTENSIONS: &str = ".js, .mjs, .jsx, .ts, .mts, .tsx, .json (with { type: \"json\" }) and .wasm";

/// The source of a built-in module, public or internal.
fn builtin(specifier: &str) -> Option<&'static str> {
  BUILTINS.iter().chain(INTERNAL).find(|(name, _)| *name == specifier).map(|(_, source)| *source)
}

fn is_internal(specifier: &str) -> bool {
  INTERNAL.iter().any(|(name, _)| *name == specifier)
}

/// Loads app modules from disk and the `runtime:*` built-ins, transpiling TypeScript.
pub struct KilnModuleLoader {
  source_maps: RefCell<HashMap<String, Vec<u8>>>,
  /// The module that last asked for each resolved specifier, for load errors: deno_core passes
  /// no referrer to the load of a dynamic import.
  importers: RefCell<HashMap<ModuleSpecifier, String>>,
  /// Where modules may be imported from without a grant.
  root: AppRoot,
  /// The entry file (canonical): always loadable, even when `--manifest` puts the root elsewhere.
  entry: PathBuf,
  /// `[capabilities.fs] read`, which covers imports from outside the root.
  fs: FsPermissions,
  /// Only the `runtime:*` built-ins (the loader of the start-up snapshot, snapshot.rs).
  builtins_only: bool,
  /// The app's transpiled TypeScript from earlier runs (emit_cache.rs), with a compilation cache.
  emits: Option<EmitCache>,
}

impl KilnModuleLoader {
  /// The loader of an app; `cache_dir` is the compilation cache's directory, where the app's
  /// transpiled TypeScript is kept between runs (`None`: transpiled on every start).
  pub fn new(root: AppRoot, entry: PathBuf, fs: FsPermissions, cache_dir: Option<&Path>) -> Rc<Self> {
    Self::with(root, entry, fs, false, cache_dir.and_then(EmitCache::new))
  }

  /// A loader of the `runtime:*` built-ins only, which refuses every file.
  pub fn for_builtins(fs: FsPermissions) -> Rc<Self> {
    let root = AppRoot { dir: PathBuf::from("/nonexistent/kiln-builtins-only"), what: "no directory" };
    let entry = root.dir.clone();
    Self::with(root, entry, fs, true, None)
  }

  fn with(root: AppRoot, entry: PathBuf, fs: FsPermissions, builtins_only: bool, emits: Option<EmitCache>) -> Rc<Self> {
    Rc::new(Self {
      source_maps: RefCell::default(),
      importers: RefCell::default(),
      root,
      entry,
      fs,
      builtins_only,
      emits,
    })
  }

  /// An app module's TypeScript as JavaScript: from the emit cache when it holds this source,
  /// else transpiled, and kept there for the next start.
  fn transpile_cached(
    &self,
    specifier: &ModuleSpecifier,
    code: String,
    media_type: MediaType,
  ) -> Result<String, ModuleLoaderError> {
    let Some(emits) = &self.emits else {
      return self.transpile(specifier, code, media_type);
    };
    if let Some(hit) = emits.get(specifier.as_str(), media_type, &code) {
      if let Some(map) = hit.source_map {
        self.source_maps.borrow_mut().insert(specifier.to_string(), map);
      }
      return Ok(hit.js);
    }
    let source = code.clone();
    let js = self.transpile(specifier, code, media_type)?;
    let source_maps = self.source_maps.borrow();
    let source_map = source_maps.get(specifier.as_str()).map(Vec::as_slice);
    emits.put(specifier.as_str(), media_type, &source, &js, source_map);
    Ok(js)
  }

  fn transpile(
    &self,
    specifier: &ModuleSpecifier,
    code: String,
    media_type: MediaType,
  ) -> Result<String, ModuleLoaderError> {
    // The runtime's own modules lose their comments (mostly JSDoc for the generated typings):
    // the start-up snapshot keeps each module's source, and restoring it rescans every byte.
    let remove_comments = specifier.scheme() == "runtime";
    let parsed = deno_ast::parse_module(ParseParams {
      specifier: specifier.clone(),
      text: code.into(),
      media_type,
      capture_tokens: false,
      scope_analysis: false,
      maybe_syntax: None,
    })
    .map_err(|e| JsErrorBox::new("SyntaxError", format!("{e}")))?;
    let emitted = parsed
      .transpile(
        &deno_ast::TranspileOptions {
          imports_not_used_as_values: deno_ast::ImportsNotUsedAsValues::Remove,
          ..Default::default()
        },
        &deno_ast::TranspileModuleOptions { module_kind: None },
        &deno_ast::EmitOptions {
          source_map: SourceMapOption::Separate,
          inline_sources: true,
          remove_comments,
          ..Default::default()
        },
      )
      .map_err(|e| JsErrorBox::generic(format!("cannot transpile {specifier}: {e}")))?
      .into_source();
    if let Some(map) = emitted.source_map {
      self.source_maps.borrow_mut().insert(specifier.to_string(), map.into_bytes());
    }
    Ok(emitted.text)
  }

  /// Checks that the app may import `path`, and returns its canonical form.
  ///
  /// # Errors
  /// 5009 outside the root without a `[capabilities.fs] read` grant (whether or not the file
  /// exists, so a denial says nothing about the file system); 5008 for a missing file the app may
  /// see.
  fn check_access(&self, path: &Path, importer: &str) -> Result<PathBuf, WasmError> {
    let canonical = path.canonicalize();
    let seen = canonical.as_deref().unwrap_or(path);
    if seen == self.entry || seen.starts_with(&self.root.dir) {
      return canonical.map_err(|e| WasmError::io(format!("cannot load the module {}{importer}: {e}", path.display())));
    }
    let action =
      format!("importing a module from outside the app's root {} ({})", self.root.dir.display(), self.root.what);
    let checked = self.fs.read.check(&action, &seen.to_string_lossy(), Path::new("/")).map_err(|e| {
      if e.code() == ext_wasm::ErrorCode::PermissionDenied {
        WasmError::permission(format!("{e}; or move the module below the root{importer}"))
      } else {
        e
      }
    })?;
    Ok(checked.as_path().to_path_buf())
  }

  fn load_file(
    &self,
    specifier: &ModuleSpecifier,
    referrer: Option<&ModuleLoadReferrer>,
  ) -> Result<ModuleSource, ModuleLoaderError> {
    let path = specifier.to_file_path().map_err(|_| JsErrorBox::generic(format!("{specifier} is not a file path")))?;
    let importer = match (referrer, self.importers.borrow().get(specifier)) {
      (Some(r), _) => format!(" (imported by {}:{})", r.specifier, r.line_number),
      (None, Some(importer)) => format!(" (imported by {importer})"),
      (None, None) => String::new(),
    };
    // The kind first: a file Kiln cannot load as a module is never read.
    let media_type = MediaType::from_path(&path);
    if !matches!(
      media_type,
      MediaType::JavaScript
        | MediaType::Mjs
        | MediaType::Jsx
        | MediaType::TypeScript
        | MediaType::Mts
        | MediaType::Tsx
        | MediaType::Json
        | MediaType::Wasm
    ) {
      return Err(JsErrorBox::from_err(WasmError::io(format!(
        "cannot import {}{importer}: Kiln imports only {KNOWN_EXTENSIONS} files; read other files \
         with runtime:fs (readTextFile / readBytes)",
        path.display()
      ))));
    }
    let canonical = self.check_access(&path, &importer).map_err(JsErrorBox::from_err)?;
    if media_type == MediaType::Wasm {
      let bytes = std::fs::read(&canonical).map_err(|e| {
        JsErrorBox::from_err(WasmError::io(format!("cannot load the module {}{importer}: {e}", path.display())))
      })?;
      let code = crate::wasm_module::source(&canonical, &bytes, &importer).map_err(JsErrorBox::from_err)?;
      return Ok(ModuleSource::new(ModuleType::JavaScript, ModuleSourceCode::String(code.into()), specifier, None));
    }
    let code = std::fs::read_to_string(&canonical).map_err(|e| {
      JsErrorBox::from_err(WasmError::io(format!("cannot load the module {}{importer}: {e}", path.display())))
    })?;
    let (code, module_type) = match media_type {
      MediaType::JavaScript | MediaType::Mjs => (code, ModuleType::JavaScript),
      MediaType::Json => (code, ModuleType::Json),
      other => (self.transpile_cached(specifier, code, other)?, ModuleType::JavaScript),
    };
    Ok(ModuleSource::new(module_type, ModuleSourceCode::String(code.into()), specifier, None))
  }

  fn load_now(
    &self,
    specifier: &ModuleSpecifier,
    referrer: Option<&ModuleLoadReferrer>,
  ) -> Result<ModuleSource, ModuleLoaderError> {
    match specifier.scheme() {
      "runtime" => {
        let source = builtin(specifier.as_str()).ok_or_else(|| unknown_builtin(specifier.as_str()))?;
        let mut code = self.transpile(specifier, source.to_string(), MediaType::TypeScript)?;
        if self.builtins_only {
          // Into the start-up snapshot: compact, without a source map (compact.rs).
          code = crate::compact::compact(specifier, code).map_err(JsErrorBox::generic)?;
          self.source_maps.borrow_mut().remove(specifier.as_str());
        }
        Ok(ModuleSource::new(ModuleType::JavaScript, ModuleSourceCode::String(code.into()), specifier, None))
      }
      "file" if !self.builtins_only => self.load_file(specifier, referrer),
      scheme => Err(JsErrorBox::generic(format!(
        "cannot load {specifier}: Kiln loads file: modules and runtime:wasm / runtime:fs, not {scheme}:"
      ))),
    }
  }
}

/// A module whose evaluation throws `error` with its `name` and `code`, for a coded load failure
/// (`None` for errors without a code, such as a syntax error, which keep deno_core's handling).
fn coded_failure(specifier: &ModuleSpecifier, error: &JsErrorBox) -> Option<ModuleSource> {
  use deno_core::serde_json::json;
  use deno_error::{JsErrorClass, PropertyValue};
  let class = error.get_class();
  let name = class.strip_prefix("Wasm.")?;
  let code = error.get_additional_properties().find_map(|(key, value)| match value {
    PropertyValue::Number(code) if key == "code" => Some(code),
    _ => None,
  })?;
  let message = error.get_message();
  let source = format!(
    "const error = new Error({message});\n\
     void error.stack; // captures the call site, without which deno_core replaces the error\n\
     Object.defineProperty(error, \"name\", {{ value: {name}, writable: true, configurable: true }});\n\
     Object.defineProperty(error, \"stack\", {{ value: {stack}, writable: true, configurable: true }});\n\
     error.code = {code};\n\
     Object.defineProperty(error, Symbol.for(\"errorAdditionalPropertyKeys\"), {{ value: [\"code\"] }});\n\
     throw error;\n",
    message = json!(message),
    name = json!(name),
    stack = json!(format!("{name}: {message}")),
  );
  Some(ModuleSource::new(ModuleType::JavaScript, ModuleSourceCode::String(source.into()), specifier, None))
}

fn unknown_builtin(specifier: &str) -> JsErrorBox {
  let known: Vec<&str> = BUILTINS.iter().map(|(name, _)| *name).collect();
  JsErrorBox::generic(format!("unknown module {specifier}; Kiln provides {}", known.join(", ")))
}

impl ModuleLoader for KilnModuleLoader {
  fn resolve(
    &self,
    specifier: &str,
    referrer: &str,
    _kind: ResolutionKind,
  ) -> Result<ModuleSpecifier, ModuleLoaderError> {
    if specifier == crate::run::SEAL_SPECIFIER || specifier == crate::snapshot::PRELOAD_SPECIFIER {
      // Loaded once, from code, by `run::evaluate_seal_module` before the app (or into
      // the snapshot); importing either again evaluates nothing (they export nothing).
      return ModuleSpecifier::parse(specifier).map_err(|e| JsErrorBox::generic(e.to_string()));
    }
    if specifier.starts_with("runtime:") {
      if builtin(specifier).is_none() {
        return Err(unknown_builtin(specifier));
      }
      if is_internal(specifier) && !referrer.starts_with("runtime:") {
        return Err(JsErrorBox::generic(format!(
          "{specifier} is internal to runtime:wasm; import from \"runtime:wasm\" instead"
        )));
      }
      return ModuleSpecifier::parse(specifier).map_err(|e| JsErrorBox::generic(e.to_string()));
    }
    let resolved = resolve_import(specifier, referrer).map_err(JsErrorBox::from_err)?;
    if resolved.scheme() == "file" && referrer.starts_with("file:") {
      // The latest: the module being loaded next was resolved from it (a second `import()` of a
      // module that failed before names its own caller).
      self.importers.borrow_mut().insert(resolved.clone(), referrer.to_string());
    }
    Ok(resolved)
  }

  fn load(
    &self,
    specifier: &ModuleSpecifier,
    referrer: Option<&ModuleLoadReferrer>,
    options: ModuleLoadOptions,
  ) -> ModuleLoadResponse {
    let loaded = self.load_now(specifier, referrer);
    ModuleLoadResponse::Sync(match loaded {
      // deno_core rejects a failed dynamic import with a plain TypeError, whatever the loader's
      // error was; a module that throws the coded error keeps its name and code for the app's
      // `catch`. Only for what `import()` itself named (deno_core passes it no referrer): a
      // module that one imports would fail to link against the stand-in, which exports nothing,
      // with a SyntaxError about a missing export that hides the real error. That failure stays
      // the loader's error, and the `import()` rejects with a TypeError carrying its message.
      // (A stand-in stays in deno_core's module map: a later module importing names from the
      // same specifier still meets the SyntaxError.) A failed static import stops the app before
      // any module runs (run.rs shows it).
      Err(error) if options.is_dynamic_import && referrer.is_none() => coded_failure(specifier, &error).ok_or(error),
      other => other,
    })
  }

  fn get_source_map(&self, specifier: &str) -> Option<Cow<'_, [u8]>> {
    self.source_maps.borrow().get(specifier).map(|v| Cow::Owned(v.clone()))
  }
}
