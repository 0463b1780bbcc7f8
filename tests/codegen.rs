//! Kiln's code generator (patches/cranelift-codegen.patch) against an evaluator written here.
//!
//! The patch changes the order in which Cranelift computes the two arguments of an instruction
//! (the one with the longer chain of pure instructions behind it first) and swaps their results
//! back before it places the instruction. A mistake there gives `a - b` where the code said
//! `b - a`, or places an instruction before an argument it uses, and only in functions whose
//! arguments differ in depth. So this test generates such functions: random expression trees
//! whose two sides get depths drawn apart, over i32, i64 and f64, with non-commutative operators
//! (subtraction, shifts, rotations, comparisons, division), chains of locals that each use the
//! ones before (long chains, shared values, as in SHA-256's message schedule and rounds), and
//! loops around some of them (values hoisted out of a loop, values carried around it). Each
//! function runs with the same arguments through `instance.exports` of runtime:wasm (the engine
//! with interruption checks) and through the `WebAssembly` global (compiled without them), and
//! every result must be what this file's evaluator computes.

use kiln_test_support::{App, Rng};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Ty {
  I32,
  I64,
  F64,
}

impl Ty {
  fn name(self) -> &'static str {
    match self {
      Ty::I32 => "i32",
      Ty::I64 => "i64",
      Ty::F64 => "f64",
    }
  }
}

#[derive(Clone, Copy, Debug)]
enum V {
  I(i32),
  L(i64),
  F(f64),
}

impl V {
  // Each expression is typed by construction, so a value of another type here is a bug in this
  // test's generator.
  fn i(self) -> i32 {
    let V::I(v) = self else { unreachable!("typed by construction") };
    v
  }
  fn l(self) -> i64 {
    let V::L(v) = self else { unreachable!("typed by construction") };
    v
  }
  fn f(self) -> f64 {
    let V::F(v) = self else { unreachable!("typed by construction") };
    v
  }
  /// As the app prints it: integers in decimal, a float as its bits (any NaN as `NaN`: its sign
  /// and payload are the hardware's choice).
  fn show(self) -> String {
    match self {
      V::I(v) => v.to_string(),
      V::L(v) => v.to_string(),
      V::F(v) if v.is_nan() => "NaN".into(),
      V::F(v) => format!("{:016x}", v.to_bits()),
    }
  }
}

/// The functions' parameters: two of each type.
const PARAMS: [Ty; 6] = [Ty::I32, Ty::I32, Ty::I64, Ty::I64, Ty::F64, Ty::F64];

/// Operators of two arguments: name, argument type, result type.
const BINARY: &[(&str, Ty, Ty)] = &[
  ("i32.add", Ty::I32, Ty::I32),
  ("i32.sub", Ty::I32, Ty::I32),
  ("i32.mul", Ty::I32, Ty::I32),
  ("i32.and", Ty::I32, Ty::I32),
  ("i32.xor", Ty::I32, Ty::I32),
  ("i32.shl", Ty::I32, Ty::I32),
  ("i32.shr_s", Ty::I32, Ty::I32),
  ("i32.shr_u", Ty::I32, Ty::I32),
  ("i32.rotl", Ty::I32, Ty::I32),
  ("i32.rotr", Ty::I32, Ty::I32),
  ("i32.lt_s", Ty::I32, Ty::I32),
  ("i32.gt_u", Ty::I32, Ty::I32),
  ("i32.ne", Ty::I32, Ty::I32),
  ("i64.add", Ty::I64, Ty::I64),
  ("i64.sub", Ty::I64, Ty::I64),
  ("i64.mul", Ty::I64, Ty::I64),
  ("i64.or", Ty::I64, Ty::I64),
  ("i64.xor", Ty::I64, Ty::I64),
  ("i64.shl", Ty::I64, Ty::I64),
  ("i64.shr_s", Ty::I64, Ty::I64),
  ("i64.shr_u", Ty::I64, Ty::I64),
  ("i64.rotr", Ty::I64, Ty::I64),
  ("i64.lt_u", Ty::I64, Ty::I32),
  ("i64.ge_s", Ty::I64, Ty::I32),
  ("f64.add", Ty::F64, Ty::F64),
  ("f64.sub", Ty::F64, Ty::F64),
  ("f64.mul", Ty::F64, Ty::F64),
  ("f64.div", Ty::F64, Ty::F64),
  ("f64.lt", Ty::F64, Ty::I32),
  ("f64.ge", Ty::F64, Ty::I32),
];

/// Operators of one argument: name, argument type, result type.
const UNARY: &[(&str, Ty, Ty)] = &[
  ("i32.eqz", Ty::I32, Ty::I32),
  ("i32.clz", Ty::I32, Ty::I32),
  ("i32.wrap_i64", Ty::I64, Ty::I32),
  ("i32.trunc_sat_f64_s", Ty::F64, Ty::I32),
  ("i64.extend_i32_s", Ty::I32, Ty::I64),
  ("i64.extend_i32_u", Ty::I32, Ty::I64),
  ("i64.popcnt", Ty::I64, Ty::I64),
  ("i64.trunc_sat_f64_u", Ty::F64, Ty::I64),
  ("f64.convert_i32_s", Ty::I32, Ty::F64),
  ("f64.convert_i64_u", Ty::I64, Ty::F64),
  ("f64.neg", Ty::F64, Ty::F64),
  ("f64.sqrt", Ty::F64, Ty::F64),
];

enum Expr {
  Param(usize),
  Local(usize),
  Const(V),
  Unary(&'static str, Box<Expr>),
  Binary(&'static str, Box<Expr>, Box<Expr>),
  Select(Box<Expr>, Box<Expr>, Box<Expr>),
}

enum Stmt {
  Set(usize, Expr),
  /// Runs its statements `count` times, counting down in local `counter`.
  Loop {
    counter: usize,
    count: i32,
    body: Vec<Stmt>,
  },
}

struct Func {
  locals: Vec<Ty>,
  body: Vec<Stmt>,
  result: Expr,
  result_ty: Ty,
}

struct Gen<'a> {
  rng: &'a mut Rng,
  locals: &'a [Ty],
}

impl Gen<'_> {
  fn leaf(&mut self, ty: Ty) -> Expr {
    let locals: Vec<usize> = (0..self.locals.len()).filter(|&i| self.locals[i] == ty).collect();
    match self.rng.below(5) {
      0 => Expr::Const(match ty {
        Ty::I32 => V::I(*self.rng.pick(&[0, 1, -1, 31, 7, i32::MIN, 0x1234_5678]) ^ (self.rng.below(3) as i32)),
        Ty::I64 => V::L(*self.rng.pick(&[0, 1, -1, 63, i64::MIN, 0x1234_5678_9abc_def0])),
        Ty::F64 => V::F(*self.rng.pick(&[0.0, -0.0, 1.5, -3.25, 1e300, 0.1])),
      }),
      1 | 2 if !locals.is_empty() => Expr::Local(*self.rng.pick(&locals)),
      _ => {
        let params: Vec<usize> = (0..PARAMS.len()).filter(|&i| PARAMS[i] == ty).collect();
        Expr::Param(*self.rng.pick(&params))
      }
    }
  }

  /// An expression of type `ty` at most `depth` deep; its arguments' depths are drawn apart.
  fn expr(&mut self, ty: Ty, depth: usize) -> Expr {
    if depth == 0 || self.rng.below(6) == 0 {
      return self.leaf(ty);
    }
    match self.rng.below(8) {
      0 => {
        let ops: Vec<_> = UNARY.iter().filter(|op| op.2 == ty).collect();
        let (name, arg, _) = **self.rng.pick(&ops);
        Expr::Unary(name, Box::new(self.expr(arg, depth - 1)))
      }
      1 => {
        let (a, b, c) = (self.rng.below(depth), self.rng.below(depth), self.rng.below(depth));
        let cond = self.expr(Ty::I32, c);
        Expr::Select(Box::new(self.expr(ty, a)), Box::new(self.expr(ty, b)), Box::new(cond))
      }
      _ => {
        let ops: Vec<_> = BINARY.iter().filter(|op| op.2 == ty).collect();
        let (name, arg, _) = **self.rng.pick(&ops);
        let (a, b) = (self.rng.below(depth), self.rng.below(depth));
        Expr::Binary(name, Box::new(self.expr(arg, a)), Box::new(self.expr(arg, b)))
      }
    }
  }

  fn stmts(&mut self, count: usize, counters: &mut Vec<usize>, in_loop: bool) -> Vec<Stmt> {
    (0..count)
      .map(|_| {
        if !in_loop && self.rng.below(5) == 0 {
          let counter = self.locals.len() + counters.len();
          counters.push(counter);
          let count = 1 + self.rng.below(4) as i32;
          let len = 1 + self.rng.below(4);
          return Stmt::Loop { counter, count, body: self.stmts(len, counters, true) };
        }
        let local = self.rng.below(self.locals.len());
        let depth = 2 + self.rng.below(6);
        Stmt::Set(local, self.expr(self.locals[local], depth))
      })
      .collect()
  }
}

fn func(rng: &mut Rng) -> Func {
  let locals: Vec<Ty> = (0..4 + rng.below(8)).map(|_| *rng.pick(&[Ty::I32, Ty::I64, Ty::F64])).collect();
  let result_ty = *rng.pick(&[Ty::I32, Ty::I64, Ty::F64]);
  let mut counters = Vec::new();
  let mut g = Gen { rng, locals: &locals };
  let count = 4 + g.rng.below(16);
  let body = g.stmts(count, &mut counters, false);
  let depth = 3 + g.rng.below(5);
  let result = g.expr(result_ty, depth);
  let mut all = locals;
  all.extend(counters.iter().map(|_| Ty::I32));
  Func { locals: all, body, result, result_ty }
}

fn wat_expr(e: &Expr, out: &mut String) {
  match e {
    Expr::Param(i) => out.push_str(&format!("(local.get {i})")),
    Expr::Local(i) => out.push_str(&format!("(local.get {})", PARAMS.len() + i)),
    Expr::Const(V::I(v)) => out.push_str(&format!("(i32.const {v})")),
    Expr::Const(V::L(v)) => out.push_str(&format!("(i64.const {v})")),
    Expr::Const(V::F(v)) => out.push_str(&format!("(f64.const {v:?})")),
    Expr::Unary(name, a) => {
      out.push_str(&format!("({name} "));
      wat_expr(a, out);
      out.push(')');
    }
    Expr::Binary(name, a, b) => {
      out.push_str(&format!("({name} "));
      wat_expr(a, out);
      out.push(' ');
      wat_expr(b, out);
      out.push(')');
    }
    Expr::Select(a, b, c) => {
      out.push_str("(select ");
      for e in [a, b, c] {
        wat_expr(e, out);
        out.push(' ');
      }
      out.push(')');
    }
  }
}

fn wat_stmts(stmts: &[Stmt], out: &mut String) {
  for s in stmts {
    match s {
      Stmt::Set(local, e) => {
        out.push_str(&format!("    (local.set {} ", PARAMS.len() + local));
        wat_expr(e, out);
        out.push_str(")\n");
      }
      Stmt::Loop { counter, count, body } => {
        let c = PARAMS.len() + counter;
        out.push_str(&format!("    (local.set {c} (i32.const {count}))\n    (loop\n"));
        wat_stmts(body, out);
        out.push_str(&format!("    (br_if 0 (local.tee {c} (i32.sub (local.get {c}) (i32.const 1)))))\n"));
      }
    }
  }
}

fn wat_func(index: usize, f: &Func) -> String {
  let params: Vec<&str> = PARAMS.iter().map(|t| t.name()).collect();
  let locals: Vec<&str> = f.locals.iter().map(|t| t.name()).collect();
  let mut out = format!(
    "  (func (export \"f{index}\") (param {}) (result {})\n    (local {})\n",
    params.join(" "),
    f.result_ty.name(),
    locals.join(" ")
  );
  wat_stmts(&f.body, &mut out);
  out.push_str("    ");
  wat_expr(&f.result, &mut out);
  out.push_str(")\n");
  out
}

fn eval(e: &Expr, params: &[V], locals: &[V]) -> V {
  match e {
    Expr::Param(i) => params[*i],
    Expr::Local(i) => locals[*i],
    Expr::Const(v) => *v,
    Expr::Unary(name, a) => {
      let a = eval(a, params, locals);
      match *name {
        "i32.eqz" => V::I((a.i() == 0) as i32),
        "i32.clz" => V::I(a.i().leading_zeros() as i32),
        "i32.wrap_i64" => V::I(a.l() as i32),
        "i32.trunc_sat_f64_s" => V::I(a.f() as i32),
        "i64.extend_i32_s" => V::L(a.i() as i64),
        "i64.extend_i32_u" => V::L(a.i() as u32 as i64),
        "i64.popcnt" => V::L(a.l().count_ones() as i64),
        "i64.trunc_sat_f64_u" => V::L(a.f() as u64 as i64),
        "f64.convert_i32_s" => V::F(a.i() as f64),
        "f64.convert_i64_u" => V::F(a.l() as u64 as f64),
        "f64.neg" => V::F(-a.f()),
        "f64.sqrt" => V::F(a.f().sqrt()),
        other => unreachable!("{other}"),
      }
    }
    Expr::Binary(name, a, b) => {
      let (a, b) = (eval(a, params, locals), eval(b, params, locals));
      match *name {
        "i32.add" => V::I(a.i().wrapping_add(b.i())),
        "i32.sub" => V::I(a.i().wrapping_sub(b.i())),
        "i32.mul" => V::I(a.i().wrapping_mul(b.i())),
        "i32.and" => V::I(a.i() & b.i()),
        "i32.xor" => V::I(a.i() ^ b.i()),
        "i32.shl" => V::I(a.i().wrapping_shl(b.i() as u32)),
        "i32.shr_s" => V::I(a.i().wrapping_shr(b.i() as u32)),
        "i32.shr_u" => V::I((a.i() as u32).wrapping_shr(b.i() as u32) as i32),
        "i32.rotl" => V::I((a.i() as u32).rotate_left(b.i() as u32 % 32) as i32),
        "i32.rotr" => V::I((a.i() as u32).rotate_right(b.i() as u32 % 32) as i32),
        "i32.lt_s" => V::I((a.i() < b.i()) as i32),
        "i32.gt_u" => V::I((a.i() as u32 > b.i() as u32) as i32),
        "i32.ne" => V::I((a.i() != b.i()) as i32),
        "i64.add" => V::L(a.l().wrapping_add(b.l())),
        "i64.sub" => V::L(a.l().wrapping_sub(b.l())),
        "i64.mul" => V::L(a.l().wrapping_mul(b.l())),
        "i64.or" => V::L(a.l() | b.l()),
        "i64.xor" => V::L(a.l() ^ b.l()),
        "i64.shl" => V::L(a.l().wrapping_shl(b.l() as u32)),
        "i64.shr_s" => V::L(a.l().wrapping_shr(b.l() as u32)),
        "i64.shr_u" => V::L((a.l() as u64).wrapping_shr(b.l() as u32) as i64),
        "i64.rotr" => V::L((a.l() as u64).rotate_right((b.l() as u64 % 64) as u32) as i64),
        "i64.lt_u" => V::I(((a.l() as u64) < b.l() as u64) as i32),
        "i64.ge_s" => V::I((a.l() >= b.l()) as i32),
        "f64.add" => V::F(a.f() + b.f()),
        "f64.sub" => V::F(a.f() - b.f()),
        "f64.mul" => V::F(a.f() * b.f()),
        "f64.div" => V::F(a.f() / b.f()),
        "f64.lt" => V::I((a.f() < b.f()) as i32),
        "f64.ge" => V::I((a.f() >= b.f()) as i32),
        other => unreachable!("{other}"),
      }
    }
    Expr::Select(a, b, c) => {
      let (a, b, c) = (eval(a, params, locals), eval(b, params, locals), eval(c, params, locals));
      if c.i() != 0 {
        a
      } else {
        b
      }
    }
  }
}

fn run_stmts(stmts: &[Stmt], params: &[V], locals: &mut [V]) {
  for s in stmts {
    match s {
      Stmt::Set(local, e) => locals[*local] = eval(e, params, locals),
      Stmt::Loop { count, body, .. } => {
        for _ in 0..*count {
          run_stmts(body, params, locals);
        }
      }
    }
  }
}

fn run_func(f: &Func, params: &[V]) -> V {
  let mut locals: Vec<V> = f
    .locals
    .iter()
    .map(|t| match t {
      Ty::I32 => V::I(0),
      Ty::I64 => V::L(0),
      Ty::F64 => V::F(0.0),
    })
    .collect();
  run_stmts(&f.body, params, &mut locals);
  eval(&f.result, params, &locals)
}

fn args(rng: &mut Rng) -> Vec<V> {
  PARAMS
    .iter()
    .map(|t| match t {
      Ty::I32 => {
        let random = rng.next_u64() as i32;
        V::I(*rng.pick(&[0, 1, -1, 5, i32::MAX, i32::MIN, random, random >> 7]))
      }
      Ty::I64 => {
        let random = rng.next_u64() as i64;
        V::L(*rng.pick(&[0, 1, -1, 33, i64::MAX, i64::MIN, random, random >> 21]))
      }
      Ty::F64 => V::F(*rng.pick(&[0.0, -0.0, 2.5, -1e10, f64::INFINITY, f64::NAN, 4294967296.5, 1e-310])),
    })
    .collect()
}

/// An argument as the app reads it: integers in decimal, a float as its bits.
fn arg_text(v: V) -> String {
  match v {
    V::F(f) => format!("{:016x}", f.to_bits()),
    other => other.show(),
  }
}

const FUNCS: usize = 80;
const CALLS: usize = 6;

#[test]
fn generated_code_computes_what_the_expressions_say_whichever_argument_is_deeper() {
  let mut rng = Rng::new(0x5EED_C0DE_1234_5678);
  let funcs: Vec<Func> = (0..FUNCS).map(|_| func(&mut rng)).collect();
  let mut module = String::from("(module\n");
  for (i, f) in funcs.iter().enumerate() {
    module.push_str(&wat_func(i, f));
  }
  module.push_str(")\n");
  let bytes = wat::parse_str(&module).unwrap_or_else(|e| panic!("generated module: {e}\n{module}"));

  let mut spec = Vec::new();
  let mut expected = String::new();
  for (i, f) in funcs.iter().enumerate() {
    let calls: Vec<Vec<V>> = (0..CALLS).map(|_| args(&mut rng)).collect();
    let results: Vec<String> = calls.iter().map(|a| run_func(f, a).show()).collect();
    for (n, r) in results.iter().enumerate() {
      expected.push_str(&format!("f{i} {n} {r}\n"));
    }
    spec.push(serde_json::json!({
      "name": format!("f{i}"),
      "result": f.result_ty.name(),
      "calls": calls.iter().map(|a| a.iter().map(|&v| arg_text(v)).collect::<Vec<_>>()).collect::<Vec<_>>(),
    }));
  }

  let app = App::new("codegen_order.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = [\".\"]\n")
    .file("exprs.wasm", bytes)
    .file("spec.json", serde_json::to_string(&spec).unwrap());
  let run = app.run();
  let printed = run.success();
  let (exports, global) = printed.split_once("--\n").unwrap_or_else(|| panic!("app output:\n{printed}"));
  for (path, got) in [("instance.exports", exports), ("the WebAssembly global", global)] {
    if got == expected {
      continue;
    }
    let wrong: Vec<String> = expected
      .lines()
      .zip(got.lines())
      .filter(|(want, got)| want != got)
      .take(5)
      .map(|(want, got)| {
        let index: usize = want[1..want.find(' ').unwrap()].parse().unwrap();
        format!("expected {want}, got {got}\n{}", wat_func(index, &funcs[index]))
      })
      .collect();
    panic!(
      "through {path}, {} of {} lines differ ({} against {} lines); the first:\n{}",
      expected.lines().zip(got.lines()).filter(|(a, b)| a != b).count(),
      expected.lines().count(),
      got.lines().count(),
      expected.lines().count(),
      wrong.join("\n")
    );
  }
}
