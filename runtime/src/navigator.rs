//! What `navigator` (runtime/js/navigator.js) reports: the processors this process may use, the
//! user's language from the POSIX locale variables, Kiln's name and version, and the platform.

use deno_core::op2;

/// The values of `navigator`, read once per run on its first use: the logical processors this
/// process may use, the language, the user agent and the platform.
#[op2]
#[serde]
pub fn op_kiln_navigator() -> (usize, String, String, String) {
  (
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
    language(|name| std::env::var(name).ok()),
    format!("Kiln/{}", env!("CARGO_PKG_VERSION")),
    platform(std::env::consts::OS, std::env::consts::ARCH),
  )
}

/// The language of the POSIX locale (`LC_ALL`, else `LC_MESSAGES`, else `LANG`, as setlocale(3)
/// ranks them for messages) as a BCP 47 tag: `de_DE.UTF-8` is `de-DE`, `sr_RS@latin` is `sr-RS`.
/// "C", "POSIX", nothing set or a value that is no language tag is `en-US`.
fn language(var: impl Fn(&str) -> Option<String>) -> String {
  let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().filter_map(|name| var(name)).find(|v| !v.is_empty());
  let Some(locale) = locale else { return "en-US".to_string() };
  let base = locale.split(['.', '@']).next().unwrap_or_default();
  let tag = base.replace('_', "-");
  let well_formed = !tag.is_empty()
    && tag.split('-').all(|part| (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()))
    && tag
      .split('-')
      .next()
      .is_some_and(|lang| (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic()));
  if !well_formed {
    return "en-US".to_string();
  }
  tag
}

/// As browsers name the platform: "Linux x86_64", "MacIntel", "Win32".
fn platform(os: &str, arch: &str) -> String {
  match os {
    "linux" => format!("Linux {arch}"),
    "macos" => "MacIntel".to_string(),
    "windows" => "Win32".to_string(),
    other => format!("{other} {arch}"),
  }
}

#[cfg(test)]
mod tests {
  use super::{language, platform};

  fn with(vars: &[(&str, &str)]) -> String {
    language(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string()))
  }

  #[test]
  fn the_language_comes_from_the_locale_variables_in_setlocale_order() {
    assert_eq!(with(&[("LANG", "de_DE.UTF-8")]), "de-DE");
    assert_eq!(with(&[("LANG", "de_DE.UTF-8"), ("LC_MESSAGES", "fr_FR")]), "fr-FR");
    assert_eq!(with(&[("LANG", "de_DE"), ("LC_MESSAGES", "fr_FR"), ("LC_ALL", "es_ES.ISO-8859-1")]), "es-ES");
    assert_eq!(with(&[("LC_ALL", ""), ("LANG", "pt_BR.utf8")]), "pt-BR");
    assert_eq!(with(&[("LANG", "sr_RS@latin")]), "sr-RS");
    assert_eq!(with(&[("LANG", "ja")]), "ja");
  }

  #[test]
  fn c_posix_nothing_or_nonsense_is_en_us() {
    for vars in [&[("LANG", "C.UTF-8")][..], &[("LANG", "POSIX")], &[], &[("LANG", "../../etc")], &[("LANG", "x")]] {
      assert_eq!(with(vars), "en-US", "{vars:?}");
    }
  }

  #[test]
  fn the_platform_is_named_as_browsers_name_it() {
    assert_eq!(platform("linux", "x86_64"), "Linux x86_64");
    assert_eq!(platform("linux", "aarch64"), "Linux aarch64");
    assert_eq!(platform("macos", "aarch64"), "MacIntel");
  }
}
