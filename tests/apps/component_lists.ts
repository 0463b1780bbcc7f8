// Lists of every number type, `bool` and `char` into a component (tests/fixtures/components/
// lists.wat), through `instance.exports` and through `await instance.call`: each list must come
// back as it went in (`echo-T`), and the bytes the host stored in the guest's memory must be the
// canonical ABI's little-endian layout, computed here with a DataView (`raw-T`). Each is tried
// empty, with its edge values, and with 10,000 elements. Prints one line per type and path.
// Then a misfit in a list of each number type, named by its index; a list<u8> through a JS host
// function, both ways (the guest's argument to JS, and JS's answer into the guest), for each
// path; and list<u8>s a guest hands back outside its memory.
import { compile, compileFile, instantiate, type ImportObject, type WasmArg } from "runtime:wasm";

const inst = await instantiate(await compileFile("./lists.wat"));
const x = inst.exports as Record<string, (v: unknown) => unknown>;
const call = (name: string, arg: unknown) => inst.call(name, arg as WasmArg) as Promise<unknown[]>;

type Kind = { size: number; edges: unknown[]; many: (i: number) => unknown; put: (d: DataView, at: number, v: unknown) => void };
const int = (size: number, signed: boolean, edges: number[]): Kind => ({
  size,
  edges,
  many: (i) => (signed ? (i % 2 ? -1 : 1) * (i % 2 ** (8 * size - 1)) : i % 2 ** (8 * size)),
  put: (d, at, v) => {
    const n = v as number;
    if (size === 1) signed ? d.setInt8(at, n) : d.setUint8(at, n);
    else if (size === 2) signed ? d.setInt16(at, n, true) : d.setUint16(at, n, true);
    else signed ? d.setInt32(at, n, true) : d.setUint32(at, n, true);
  },
});
const big = (signed: boolean, edges: bigint[]): Kind => ({
  size: 8,
  edges,
  many: (i) => (signed ? BigInt(i) * -0x1_0000_0001n : BigInt(i) * 0x1_0000_0001n),
  put: (d, at, v) => (signed ? d.setBigInt64(at, v as bigint, true) : d.setBigUint64(at, v as bigint, true)),
});
const kinds: Record<string, Kind> = {
  bool: { size: 1, edges: [true, false], many: (i) => i % 3 === 0, put: (d, at, v) => d.setUint8(at, v ? 1 : 0) },
  s8: int(1, true, [-128, 127, 0, -1]),
  u8: int(1, false, [0, 255, 1]),
  s16: int(2, true, [-32768, 32767, 0, -1]),
  u16: int(2, false, [0, 65535, 256]),
  s32: int(4, true, [-(2 ** 31), 2 ** 31 - 1, 0, -1]),
  u32: int(4, false, [0, 2 ** 32 - 1, 0x01020304]),
  s64: big(true, [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]),
  u64: big(false, [0n, 2n ** 64n - 1n, 0x0102030405060708n]),
  f32: {
    size: 4,
    edges: [0, -0, 1.5, -3.25, Infinity, -Infinity, NaN, 3.4028234663852886e38, 1.401298464324817e-45],
    many: (i) => i / 4,
    put: (d, at, v) => d.setFloat32(at, v as number, true),
  },
  f64: {
    size: 8,
    edges: [0, -0, 0.1, -1e308, Infinity, -Infinity, NaN, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER],
    many: (i) => i * 1.000001,
    put: (d, at, v) => d.setFloat64(at, v as number, true),
  },
  char: {
    size: 4,
    edges: ["a", "\0", "é", "€", "😀", "\u{10ffff}", "\ud7ff", "\ue000"],
    many: (i) => String.fromCodePoint(i % 0xd800),
    put: (d, at, v) => d.setUint32(at, (v as string).codePointAt(0)!, true),
  },
};

/** The list JS passes for `values` of type `t`: a Uint8Array for list<u8>, else an array. */
const list = (t: string, values: unknown[]) => (t === "u8" ? new Uint8Array(values as number[]) : values);

function expectedBytes(k: Kind, values: unknown[]): Uint8Array {
  const out = new Uint8Array(values.length * k.size);
  const d = new DataView(out.buffer);
  values.forEach((v, i) => k.put(d, i * k.size, v));
  return out;
}

const same = (a: unknown, b: unknown) => Object.is(a, b);
function sameList(got: unknown, want: unknown[]): boolean {
  const g = Array.from(got as ArrayLike<unknown>);
  return g.length === want.length && g.every((v, i) => same(v, want[i]));
}
function sameBytes(got: unknown, want: Uint8Array): boolean {
  return got instanceof Uint8Array && got.length === want.length && got.every((b, i) => b === want[i]);
}

const camel = (s: string) => s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

for (const [t, k] of Object.entries(kinds)) {
  const cases: [string, unknown[]][] = [
    ["empty", []],
    ["edges", k.edges],
    ["10000", Array.from({ length: 10_000 }, (_, i) => k.many(i))],
  ];
  for (const path of ["exports", "call"] as const) {
    const results: string[] = [];
    for (const [name, values] of cases) {
      const arg = list(t, values);
      const echo = path === "exports"
        ? x[camel(`echo-${t}`)](arg)
        : (await call(`echo-${t}`, arg))[0];
      const raw = path === "exports"
        ? x[camel(`raw-${t}`)](arg)
        : (await call(`raw-${t}`, arg))[0];
      const ok = sameList(echo, values) && sameBytes(raw, expectedBytes(k, values));
      results.push(`${name} ${ok ? "ok" : `WRONG (echo ${String(Array.from(echo as ArrayLike<unknown>).slice(0, 8))})`}`);
    }
    console.log(`${t} ${path}: ${results.join(", ")}`);
  }
}

// A misfit in a list of numbers is named by its index, for each type the encoder writes in one
// loop (ts/wasm_wit.ts, NUMBER_LISTS), and nothing reaches the guest.
for (const [t, bad] of [["s8", 128], ["s16", -32769], ["u16", 1.5], ["s32", 2 ** 31], ["u32", -1], ["f32", "x"], ["f64", 1n]] as const) {
  let got: string;
  try {
    got = `returned ${String(x[camel(`echo-${t}`)]([0, 1, bad, 3]))}`;
  } catch (e) {
    const err = e as { code?: number; name?: string; message?: string };
    got = `${err.code} ${err.name}: ${err.message}`;
  }
  console.log(`${t} misfit: ${got}`);
}

// `through-host(v)` passes v to the JS host function `reverse` and returns its answer.
const hostWat = `(component
  (import "reverse" (func $reverse (param "v" (list u8)) (result (list u8))))
  (core module $Libc
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32) (local $end i32)
      (local.set $p (global.get $heap))
      (local.set $end (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
        (then (drop (memory.grow (i32.add (i32.shr_u (local.get 3) (i32.const 16)) (i32.const 1))))))
      (global.set $heap (local.get $end))
      (local.get $p)))
  (core instance $libc (instantiate $Libc))
  (alias core export $libc "memory" (core memory $mem))
  (alias core export $libc "cabi_realloc" (core func $realloc))
  (core func $reverse-lowered (canon lower (func $reverse) (memory $mem) (realloc $realloc)))
  (core instance $host (export "reverse" (func $reverse-lowered)))
  (core module $Main
    (import "libc" "memory" (memory 1))
    (import "host" "reverse" (func $reverse (param i32 i32 i32)))
    (func (export "through-host") (param i32 i32) (result i32)
      (call $reverse (local.get 0) (local.get 1) (i32.const 256))
      (i32.const 256)))
  (core instance $main (instantiate $Main (with "libc" (instance $libc)) (with "host" (instance $host))))
  (func (export "through-host") (param "v" (list u8)) (result (list u8))
    (canon lift (core func $main "through-host") (memory $mem) (realloc $realloc))))`;
const seen: string[] = [];
const host = {
  reverse: (v: unknown) => {
    seen.push(v instanceof Uint8Array ? `a Uint8Array of ${v.length}` : `not a Uint8Array: ${String(v)}`);
    return (v as Uint8Array).slice().reverse();
  },
};
const viaHost = await instantiate<{ throughHost(v: Uint8Array): Uint8Array }>(
  await compile(new TextEncoder().encode(hostWat)),
  // `imports` is typed for core modules' host functions (numbers in, numbers out).
  { imports: host as unknown as ImportObject },
);
const through = viaHost.exports;
for (const path of ["exports", "call"] as const) {
  const results: string[] = [];
  for (const n of [0, 5, 100_000]) {
    const v = new Uint8Array(n).map((_, i) => (i * 7) & 255);
    const got = path === "exports" ? through.throughHost(v) : (await viaHost.call("through-host", v as unknown as WasmArg))[0];
    const want = v.slice().reverse();
    results.push(`${n} ${sameBytes(got, want) ? "ok" : "WRONG"}`);
  }
  console.log(`list<u8> through a host function, ${path}: ${results.join(", ")}; the host saw ${seen.splice(0).join(", ")}`);
}

// A guest that hands back a list<u8> outside its memory, or past its end: a CallError naming
// the bounds, not a crash (wasmtime checks the bounds before the bytes are copied out).
const badWat = `(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
    (func (export "bad") (param $ptr i32) (param $len i32) (result i32)
      (i32.store (i32.const 256) (local.get $ptr))
      (i32.store (i32.const 260) (local.get $len))
      (i32.const 256)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "bad") (param "ptr" u32) (param "len" u32) (result (list u8))
    (canon lift (core func $i "bad") (memory $mem) (realloc $realloc))))`;
for (const [ptr, len] of [[70_000, 1], [65_000, 1_000], [0xffff_ffff, 2], [0, 65_536]]) {
  const bad = await instantiate<{ bad(ptr: number, len: number): Uint8Array }>(await compile(new TextEncoder().encode(badWat)));
  let got: string;
  try {
    got = `${bad.exports.bad(ptr, len).length} bytes`;
  } catch (e) {
    const err = e as { code?: number; name?: string; message?: string };
    got = `${err.code} ${err.name}: ${err.message}`;
  }
  console.log(`a list<u8> of ${len} at ${ptr}: ${got}`);
}
