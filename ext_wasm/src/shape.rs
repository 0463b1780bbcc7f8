//! The shape of an export's signature, worked out once when the export is first resolved, so
//! that a synchronous call (call_sync.rs) does not walk wasmtime's `FuncType` on every call.

use wasmtime::{FuncType, Val, ValRaw, ValType};

/// A wasm type that travels to and from JS as a plain number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Num {
  I32,
  F32,
  F64,
}

impl Num {
  fn of(ty: &ValType) -> Option<Self> {
    match ty {
      ValType::I32 => Some(Self::I32),
      ValType::F32 => Some(Self::F32),
      ValType::F64 => Some(Self::F64),
      _ => None,
    }
  }

  /// `n` as a raw argument of this type, if it is one: an i32 must be an integer in
  /// [-2^31, 2^32) (the upper half wraps, as `instance.exports` documents), a float any number.
  /// The rule is the one `checkInt32`/`checkFloat` in ts/wasm_values.ts apply.
  pub fn to_raw(self, n: f64) -> Option<ValRaw> {
    match self {
      Self::I32 => {
        // An integer in range converts to i64 and back unchanged (`fract` is a libm call on
        // x86-64's baseline, and this runs for every i32 argument of a synchronous call).
        ((-2_147_483_648.0..4_294_967_296.0).contains(&n) && n as i64 as f64 == n).then(|| ValRaw::i32(n as i64 as i32))
      }
      Self::F32 => Some(ValRaw::f32((n as f32).to_bits())),
      Self::F64 => Some(ValRaw::f64(n.to_bits())),
    }
  }

  /// A raw result of this type as a JS number.
  pub fn number(self, raw: &ValRaw) -> f64 {
    match self {
      Self::I32 => f64::from(raw.get_i32()),
      Self::F32 => f64::from(f32::from_bits(raw.get_f32())),
      Self::F64 => f64::from_bits(raw.get_f64()),
    }
  }

  /// A raw value of this type as a `Val`.
  pub fn val(self, raw: ValRaw) -> Val {
    match self {
      Self::I32 => Val::I32(raw.get_i32()),
      Self::F32 => Val::F32(raw.get_f32()),
      Self::F64 => Val::F64(raw.get_f64()),
    }
  }

  pub fn name(self) -> &'static str {
    match self {
      Self::I32 => "i32",
      Self::F32 => "f32",
      Self::F64 => "f64",
    }
  }
}

/// A number as JS's `String(n)` writes it, for error messages that name the value: `1.5`,
/// `4294967296`, `1e+21`, `NaN`, `Infinity`.
pub fn js_number(n: f64) -> String {
  if n.is_nan() {
    return "NaN".into();
  }
  if n.is_infinite() {
    return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
  }
  let magnitude = n.abs();
  if magnitude != 0.0 && !(1e-6..1e21).contains(&magnitude) {
    // Rust writes the shortest digits as `1.5e21`; JS signs the exponent: `1.5e+21`.
    let text = format!("{n:e}");
    return if text.contains("e-") { text } else { text.replace('e', "e+") };
  }
  if n == 0.0 {
    return "0".into();
  }
  format!("{n}")
}

/// The most parameters the numbers path passes.
pub const NUMBER_PARAMS: usize = 3;

/// A signature the numbers path takes: up to three i32/f32/f64 parameters, at most one such result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberShape {
  pub params: [Num; NUMBER_PARAMS],
  pub arity: usize,
  pub result: Option<Num>,
}

/// What a synchronous call needs to know of a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
  /// Every parameter and result is i32, i64, f32 or f64 (the types synchronous calls pass).
  pub numeric: bool,
  /// Set when the signature takes and returns plain numbers.
  pub numbers: Option<NumberShape>,
  /// How many raw slots a call needs: the larger of the parameter and result counts.
  pub slots: usize,
}

impl Shape {
  pub fn of(ty: &FuncType) -> Self {
    let numeric =
      ty.params().chain(ty.results()).all(|t| matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64));
    Self { numeric, numbers: number_shape(ty), slots: ty.params().len().max(ty.results().len()) }
  }
}

fn number_shape(ty: &FuncType) -> Option<NumberShape> {
  if ty.params().len() > NUMBER_PARAMS || ty.results().len() > 1 {
    return None;
  }
  let mut params = [Num::F64; NUMBER_PARAMS];
  for (slot, param) in params.iter_mut().zip(ty.params()) {
    *slot = Num::of(&param)?;
  }
  let result = match ty.results().next() {
    Some(t) => Some(Num::of(&t)?),
    None => None,
  };
  Some(NumberShape { params, arity: ty.params().len(), result })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn i32_arguments_follow_the_js_rule() {
    for ok in [0.0, -0.0, -2_147_483_648.0, 4_294_967_295.0, 7.0] {
      assert!(Num::I32.to_raw(ok).is_some(), "{ok}");
    }
    for bad in [0.5, -2_147_483_649.0, 4_294_967_296.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
      assert!(Num::I32.to_raw(bad).is_none(), "{bad}");
    }
    assert_eq!(Num::I32.to_raw(4_294_967_295.0).map(|r| r.get_i32()), Some(-1));
    assert!(Num::F64.to_raw(f64::NAN).is_some());
  }

  #[test]
  fn numbers_are_written_as_js_writes_them() {
    for (n, js) in [
      (1.5, "1.5"),
      (4_294_967_296.0, "4294967296"),
      (-0.0, "0"),
      (1e21, "1e+21"),
      (1.5e300, "1.5e+300"),
      (1e-7, "1e-7"),
      (0.000_001, "0.000001"),
      (f64::NAN, "NaN"),
      (f64::NEG_INFINITY, "-Infinity"),
    ] {
      assert_eq!(js_number(n), js, "{n}");
    }
  }

  #[test]
  fn shapes() {
    let engine = wasmtime::Engine::default();
    let add = FuncType::new(&engine, [ValType::I32, ValType::F64], [ValType::F32]);
    let shape = Shape::of(&add);
    assert!(shape.numeric);
    assert_eq!(shape.slots, 2);
    let numbers = shape.numbers.unwrap();
    assert_eq!(
      (numbers.arity, numbers.params[..2].to_vec(), numbers.result),
      (2, vec![Num::I32, Num::F64], Some(Num::F32))
    );
    let wide = FuncType::new(&engine, [ValType::I64], []);
    assert_eq!(Shape::of(&wide).numbers, None);
    assert!(Shape::of(&wide).numeric);
    let four = FuncType::new(&engine, [const { ValType::I32 }; 4], []);
    assert_eq!(Shape::of(&four).numbers, None);
    let refs = FuncType::new(&engine, [ValType::EXTERNREF], []);
    assert!(!Shape::of(&refs).numeric);
  }
}
