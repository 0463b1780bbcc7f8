//! Which WASI preview 2 interfaces a component may import. `cli`, `io`, `clocks` and `random` are
//! always linked, to a context that grants nothing unless the instance's options give it (no
//! environment, arguments or preopens). `filesystem` follows the preopens grant (or is listed),
//! `sockets` and `http` are linked only when `[capabilities.wasm] wasi` lists them, and an
//! instance's `wasi` option can only narrow that.
//! A component that imports an interface it is not granted fails `instantiate` with 5009 naming
//! the interface and the manifest key, before any of its code runs.

use serde::Deserialize;

use crate::capabilities::ManifestOrigin;
use crate::error::WasmError;

/// A group of WASI preview 2 interfaces that must be granted: `"filesystem"`, `"sockets"` or
/// `"http"`.
///
/// # Examples
///
/// ```ts
/// const grant: WasiInterface = "filesystem";
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WasiInterface {
  /// `wasi:filesystem/*`: the preopened directories (`preopens`), and nothing else.
  Filesystem,
  /// `wasi:sockets/*`: TCP, UDP and name lookup, to any address.
  Sockets,
  /// `wasi:http/*`: outgoing HTTP requests.
  Http,
}

impl WasiInterface {
  pub const ALL: [WasiInterface; 3] = [Self::Filesystem, Self::Sockets, Self::Http];

  pub fn name(self) -> &'static str {
    match self {
      Self::Filesystem => "filesystem",
      Self::Sockets => "sockets",
      Self::Http => "http",
    }
  }

  /// The group an imported interface (`wasi:sockets/tcp@0.2.0`) belongs to, if it needs a grant.
  pub fn of_import(name: &str) -> Option<Self> {
    let package = name.strip_prefix("wasi:")?.split('/').next()?;
    Self::ALL.into_iter().find(|i| i.name() == package)
  }
}

/// The groups granted: by the manifest, then narrowed by an instance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasiGrants(pub Vec<WasiInterface>);

impl WasiGrants {
  /// The manifest's grants: `wasi`'s list, and `filesystem` whenever `preopens` grants
  /// directories (a component then sees only the preopens its instance is given, as a module does).
  pub fn of_manifest(listed: Option<&[WasiInterface]>, preopens: bool) -> Self {
    let mut grants = listed.unwrap_or_default().to_vec();
    if preopens && !grants.contains(&WasiInterface::Filesystem) {
      grants.push(WasiInterface::Filesystem);
    }
    Self(grants)
  }

  pub fn allows(&self, interface: WasiInterface) -> bool {
    self.0.contains(&interface)
  }

  /// The manifest's grants narrowed by an instance's `wasi` option.
  ///
  /// # Errors
  /// 5009 if the option asks for a group the manifest does not grant.
  pub fn narrowed(&self, asked: Option<&[WasiInterface]>, origin: &ManifestOrigin) -> Result<Self, WasmError> {
    let Some(asked) = asked else { return Ok(self.clone()) };
    if let Some(extra) = asked.iter().find(|i| !self.allows(**i)) {
      return Err(WasmError::permission(format!(
        "instantiate: the option `wasi` asks for \"{}\", which [capabilities.wasm] wasi does not grant \
         ({}); an instance can only narrow the manifest's grant: add \"{}\" to `wasi` in {}",
        extra.name(),
        self.listed(),
        extra.name(),
        manifest_file(origin)
      )));
    }
    Ok(Self(asked.to_vec()))
  }

  fn listed(&self) -> String {
    if self.0.is_empty() {
      return "it grants none".into();
    }
    let names: Vec<String> = self.0.iter().map(|i| format!("\"{}\"", i.name())).collect();
    format!("it grants {}", names.join(", "))
  }

  /// Checks every imported interface name against the grants.
  ///
  /// # Errors
  /// 5009 naming the first interface that is not granted, and the key that grants it.
  pub fn check_imports<'a>(
    &self,
    imports: impl Iterator<Item = &'a str>,
    manifest: &Self,
    origin: &ManifestOrigin,
  ) -> Result<(), WasmError> {
    for name in imports {
      let Some(group) = WasiInterface::of_import(name) else { continue };
      if self.allows(group) {
        continue;
      }
      let fix = if manifest.allows(group) {
        format!("the instance's `wasi` option leaves it out; add \"{}\" to it", group.name())
      } else {
        format!("add \"{}\" to `wasi` under [capabilities.wasm] in {}", group.name(), manifest_file(origin))
      };
      return Err(WasmError::permission(format!(
        "instantiate: the component imports `{name}`, and WASI {} is not granted: {fix}",
        group.name()
      )));
    }
    Ok(())
  }
}

/// The manifest to edit, for messages.
fn manifest_file(origin: &ManifestOrigin) -> String {
  match origin {
    ManifestOrigin::File(path) => path.display().to_string(),
    ManifestOrigin::Missing(dir) => format!("a manifest.app.toml (there is none at or above {})", dir.display()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn imports_belong_to_groups() {
    assert_eq!(WasiInterface::of_import("wasi:sockets/tcp@0.2.0"), Some(WasiInterface::Sockets));
    assert_eq!(WasiInterface::of_import("wasi:filesystem/preopens@0.2.3"), Some(WasiInterface::Filesystem));
    assert_eq!(WasiInterface::of_import("wasi:http/types"), Some(WasiInterface::Http));
    assert_eq!(WasiInterface::of_import("wasi:cli/stdout@0.2.0"), None);
    assert_eq!(WasiInterface::of_import("kiln:test/host"), None);
  }
}
