//! The module loader: `file:` modules (TypeScript transpiled on load) and the built-in `runtime:*`
//! modules. `ext:` modules cannot be imported from `file:` ones, so the built-ins are served here.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use deno_ast::{MediaType, ParseParams, SourceMapOption};
use deno_core::error::ModuleLoaderError;
use deno_core::{
  resolve_import, ModuleLoadOptions, ModuleLoadReferrer, ModuleLoadResponse, ModuleLoader,
  ModuleSource, ModuleSourceCode, ModuleSpecifier, ModuleType, ResolutionKind,
};
use deno_error::JsErrorBox;

/// The built-in modules: specifier and TypeScript source.
const BUILTINS: &[(&str, &str)] = &[
  ("runtime:wasm", ext_wasm::RUNTIME_WASM_TS),
  ("runtime:fs", include_str!("../../ts/runtime_fs.ts")),
];

/// Built-ins that only other built-ins may import.
const INTERNAL: &[(&str, &str)] = ext_wasm::INTERNAL_MODULES;

/// The source of a built-in module, public or internal.
fn builtin(specifier: &str) -> Option<&'static str> {
  BUILTINS.iter().chain(INTERNAL).find(|(name, _)| *name == specifier).map(|(_, source)| *source)
}

fn is_internal(specifier: &str) -> bool {
  INTERNAL.iter().any(|(name, _)| *name == specifier)
}

/// Loads app modules from disk and the `runtime:*` built-ins, transpiling TypeScript.
#[derive(Default)]
pub struct KilnModuleLoader {
  source_maps: RefCell<HashMap<String, Vec<u8>>>,
}

impl KilnModuleLoader {
  pub fn new() -> Rc<Self> {
    Rc::new(Self::default())
  }

  fn transpile(&self, specifier: &ModuleSpecifier, code: String, media_type: MediaType) -> Result<String, ModuleLoaderError> {
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
        &deno_ast::EmitOptions { source_map: SourceMapOption::Separate, inline_sources: true, ..Default::default() },
      )
      .map_err(|e| JsErrorBox::generic(format!("cannot transpile {specifier}: {e}")))?
      .into_source();
    if let Some(map) = emitted.source_map {
      self.source_maps.borrow_mut().insert(specifier.to_string(), map.into_bytes());
    }
    Ok(emitted.text)
  }

  fn load_now(&self, specifier: &ModuleSpecifier) -> Result<ModuleSource, ModuleLoaderError> {
    let (code, module_type) = match specifier.scheme() {
      "runtime" => {
        let source = builtin(specifier.as_str()).ok_or_else(|| unknown_builtin(specifier.as_str()))?;
        (self.transpile(specifier, source.to_string(), MediaType::TypeScript)?, ModuleType::JavaScript)
      }
      "file" => {
        let path = specifier
          .to_file_path()
          .map_err(|_| JsErrorBox::generic(format!("{specifier} is not a file path")))?;
        let code = std::fs::read_to_string(&path)
          .map_err(|e| JsErrorBox::generic(format!("cannot load module {}: {e}", path.display())))?;
        match MediaType::from_path(&path) {
          MediaType::JavaScript | MediaType::Mjs | MediaType::Unknown => (code, ModuleType::JavaScript),
          MediaType::Json => (code, ModuleType::Json),
          media_type @ (MediaType::TypeScript | MediaType::Mts | MediaType::Tsx | MediaType::Jsx) => {
            (self.transpile(specifier, code, media_type)?, ModuleType::JavaScript)
          }
          other => {
            return Err(JsErrorBox::generic(format!(
              "cannot load {}: {other} modules are not supported",
              path.display()
            )))
          }
        }
      }
      scheme => {
        return Err(JsErrorBox::generic(format!(
          "cannot load {specifier}: Kiln loads file: modules and runtime:wasm / runtime:fs, not {scheme}:"
        )))
      }
    };
    Ok(ModuleSource::new(module_type, ModuleSourceCode::String(code.into()), specifier, None))
  }
}

fn unknown_builtin(specifier: &str) -> JsErrorBox {
  let known: Vec<&str> = BUILTINS.iter().map(|(name, _)| *name).collect();
  JsErrorBox::generic(format!("unknown module {specifier}; Kiln provides {}", known.join(", ")))
}

impl ModuleLoader for KilnModuleLoader {
  fn resolve(&self, specifier: &str, referrer: &str, _kind: ResolutionKind) -> Result<ModuleSpecifier, ModuleLoaderError> {
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
    resolve_import(specifier, referrer).map_err(JsErrorBox::from_err)
  }

  fn load(
    &self,
    specifier: &ModuleSpecifier,
    _referrer: Option<&ModuleLoadReferrer>,
    _options: ModuleLoadOptions,
  ) -> ModuleLoadResponse {
    ModuleLoadResponse::Sync(self.load_now(specifier))
  }

  fn get_source_map(&self, specifier: &str) -> Option<Cow<'_, [u8]>> {
    self.source_maps.borrow().get(specifier).map(|v| Cow::Owned(v.clone()))
  }
}
