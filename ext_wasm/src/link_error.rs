//! Why a module cannot be linked: every import the linker cannot satisfy, in one message that
//! says what to do (link.rs does the linking).

use wasmtime::{Extern, ExternType, Linker, Module, Store};

use crate::error::{error_chain, WasmError};
use crate::limiter::KilnLimiter;
use crate::signature::{describe_extern, kind};
use crate::store::StoreData;

/// The module name of WASI preview 1, the only imports Kiln's linker defines.
pub(crate) const WASI_P1: &str = "wasi_snapshot_preview1";

/// Imports listed in one link error at most; the rest are counted.
const MAX_LISTED_IMPORTS: usize = 100;

/// Why `linker.instantiate_pre` refused `module`: every import the linker cannot satisfy, each with
/// its module, name, kind and type, in one 5001 message that says what to do. The linker stops at
/// the first unknown import (and checks types only once all names resolve), so its own error would
/// send the user through one fix and one (possibly long) compile per missing import.
///
/// Falls back to the linker's message if every import resolves (the failure was something else).
pub(crate) fn link_error(linker: &Linker<StoreData>, module: &Module, error: &wasmtime::Error) -> WasmError {
  // `Linker::get` hands out a definition as an `Extern`, which needs a store (a host function
  // becomes a `Func` in it). A throwaway store with an empty WASI context stands in: no guest code
  // runs in it, and this only happens when instantiation has already failed.
  let data = StoreData::new(crate::config::GuestWasi::default(), KilnLimiter::default());
  let mut store = Store::new(linker.engine(), data);
  link_error_in(linker, &mut store, module, error, &[])
}

/// [`link_error`] with a store that already holds the linked modules' instances, whose import
/// names (`provided`) the message then tells apart from names nothing provides.
pub(crate) fn link_error_in(
  linker: &Linker<StoreData>,
  store: &mut Store<StoreData>,
  module: &Module,
  error: &wasmtime::Error,
  provided: &[&str],
) -> WasmError {
  let mut problems = Vec::new();
  let (mut other_modules, mut wasi) = (None, false);
  for import in module.imports() {
    let wanted = import.ty();
    let line = format!("{}.{}: {}", import.module(), import.name(), describe_extern(&wanted));
    let problem = match linker.get(&mut *store, import.module(), import.name()) {
      Err(_) if import.module() == WASI_P1 => Some(format!("{line} (WASI preview 1 defines no `{}`)", import.name())),
      Err(_) if import.module() == "wasi_unstable" => {
        Some(format!("{line} (the old WASI snapshot 0, which Kiln does not provide)"))
      }
      Err(_) if matches!(wanted, ExternType::Tag(_)) => Some(format!(
        "{line} (a tag comes from a linked module: give the id of the module that exports it, as \
         `imports: {{ {}: moduleId }}`; JS values cannot give one, except through the WebAssembly global's \
         WebAssembly.Tag)",
        serde_json::Value::String(import.module().to_string())
      )),
      Err(_) if provided.contains(&import.module()) => {
        Some(format!("{line} (the module linked as `{}` exports no `{}`)", import.module(), import.name()))
      }

      Err(_) => Some(line),
      Ok(found) => {
        let fits = match (&found, &wanted) {
          (Extern::Func(func), ExternType::Func(ty)) => func.matches_ty(&*store, ty),
          // Kiln's linker defines only functions. For a memory, table or global of the right kind,
          // wasmtime's limits and subtyping check is internal, so the kind is all this compares.
          (found, wanted) => kind(&found.ty(&store)) == kind(wanted),
        };
        let defined = describe_extern(&found.ty(&*store));
        let by = if provided.contains(&import.module()) { "the linked module" } else { "Kiln's" };
        (!fits).then(|| format!("{line}, but {by} `{}` defines it as {defined}", import.module()))
      }
    };
    if let Some(problem) = problem {
      if import.module() == WASI_P1 || import.module() == "wasi_unstable" {
        wasi = true;
      } else if !provided.contains(&import.module()) {
        other_modules = other_modules.or(Some(import.module().to_string()));
      }
      problems.push(problem);
    }
  }
  if problems.is_empty() {
    return WasmError::instantiate(format!("cannot instantiate the module: {}", error_chain(error)));
  }
  let count = problems.len();
  let mut message = format!(
    "cannot instantiate the module: Kiln cannot provide {count} of its imports ({} in all):",
    module.imports().len()
  );
  for problem in problems.iter().take(MAX_LISTED_IMPORTS) {
    message.push_str("\n  ");
    message.push_str(problem);
  }
  if count > MAX_LISTED_IMPORTS {
    message.push_str(&format!("\n  ... and {} more", count - MAX_LISTED_IMPORTS));
  }
  if let Some(example) = other_modules {
    message.push_str(&format!(
      "\nKiln provides WASI preview 1 (`{WASI_P1}`) and the modules `instantiate`'s `imports` \
       option links: pass the id of the module that provides each other import module under its \
       name, e.g. `imports: {{ {}: moduleId }}`.",
      serde_json::Value::String(example)
    ));
  }
  if wasi {
    message.push_str(&format!(
      "\nKiln's `{WASI_P1}` is WASI preview 1 as wasmtime-wasi defines it: rebuild the module \
       against a WASI preview 1 libc (wasi-libc, wasi-sdk, or a Rust wasm32-wasip1 target) so its \
       WASI imports have those names and types."
    ));
  }
  WasmError::instantiate(message)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn linker() -> Linker<StoreData> {
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut StoreData| data.wasi.get()).unwrap();
    linker
  }

  fn link_message(linker: &Linker<StoreData>, wat: &str) -> String {
    let module = Module::new(linker.engine(), wat).unwrap();
    let error = linker.instantiate_pre(&module).err().expect("the module must fail to link");
    let error = link_error(linker, &module, &error);
    assert_eq!(error.code(), crate::error::ErrorCode::InstantiateError);
    error.to_string()
  }

  #[test]
  fn link_errors_describe_each_kind_and_type() {
    let message = link_message(
      &linker(),
      r#"(module
        (import "env" "f" (func (param i64 f32) (result f64 i32)))
        (import "env" "m" (memory 2 3))
        (import "env" "shared" (memory 1 1 shared))
        (import "env" "counter" (global (mut i64)))
        (import "env" "refs" (table 0 externref)))"#,
    );
    let listed: Vec<&str> = message.lines().skip(1).take(5).collect();
    assert_eq!(
      listed,
      [
        "  env.f: function (i64, f32) -> (f64, i32)",
        "  env.m: memory (min 2 pages, max 3 pages)",
        "  env.shared: memory (min 1 page, max 1 page, shared)",
        "  env.counter: global i64 (mutable)",
        "  env.refs: table externref (min 0)",
      ],
      "{message}"
    );
  }

  #[test]
  fn a_long_list_is_cut_and_counted() {
    let imports: String = (0..MAX_LISTED_IMPORTS + 5).map(|i| format!("(import \"env\" \"f{i}\" (func))")).collect();
    let message = link_message(&linker(), &format!("(module {imports})"));
    assert!(
      message.starts_with("cannot instantiate the module: Kiln cannot provide 105 of its imports (105 in all):\n"),
      "{message}"
    );
    assert_eq!(message.lines().filter(|l| l.starts_with("  env.f")).count(), MAX_LISTED_IMPORTS, "{message}");
    assert!(message.contains("\n  ... and 5 more\n"), "{message}");
  }

  #[test]
  fn a_module_linked_only_to_wasi_fails_for_other_reasons_as_the_linker_says() {
    // Every import resolves: the walk finds nothing, so the linker's own message is kept.
    let linker = linker();
    let module =
      Module::new(linker.engine(), r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))"#)
        .unwrap();
    let error = link_error(&linker, &module, &wasmtime::Error::msg("something else"));
    assert_eq!(error.to_string(), "cannot instantiate the module: something else");
  }
}
