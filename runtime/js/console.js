// console: log/info/debug to stdout, warn/error to stderr, values printed readably
// (strings bare at top level, quoted inside structures; bigint with n; errors with stack).
const core = globalThis.Deno.core;

const MAX_DEPTH = 4;
const MAX_ITEMS = 100;

function quote(s) {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function formatKey(key) {
  if (typeof key === "symbol") return `[${key.toString()}]`;
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : quote(key);
}

function formatError(err, seen, depth) {
  let text = typeof err.stack === "string" && err.stack.length > 0 ? err.stack : `${err.name}: ${err.message}`;
  const name = err.name ?? "Error";
  const head = `${name}: ${err.message}`;
  // Show the error's own name (e.g. CompileError) even where the stack begins with the base class.
  const firstLine = text.split("\n")[0];
  if (firstLine !== head && firstLine.endsWith(`: ${err.message}`)) {
    text = head + text.slice(firstLine.length);
  }
  const extra = Object.keys(err).filter((k) => k !== "stack" && k !== "message");
  if (extra.length > 0) {
    const props = extra.map((k) => `${formatKey(k)}: ${inspect(err[k], seen, depth + 1)}`);
    text += ` { ${props.join(", ")} }`;
  }
  return text;
}

function wrapList(open, items, close, more) {
  if (more > 0) items.push(`... ${more} more item${more === 1 ? "" : "s"}`);
  if (items.length === 0) return `${open}${close}`;
  const single = `${open} ${items.join(", ")} ${close}`;
  if (single.length <= 72 && !single.includes("\n")) return single;
  return `${open}\n${items.map((i) => "  " + i.replace(/\n/g, "\n  ")).join(",\n")}\n${close}`;
}

function inspect(value, seen = [], depth = 0) {
  switch (typeof value) {
    case "string":
      return depth === 0 ? value : quote(value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "undefined":
      return "undefined";
    case "boolean":
      return String(value);
    case "symbol":
      return value.toString();
    case "function":
      return `[Function: ${value.name || "(anonymous)"}]`;
  }
  if (value === null) return "null";
  if (seen.includes(value)) return "[Circular]";
  if (value instanceof Error) return formatError(value, seen, depth);
  if (depth > MAX_DEPTH) return Array.isArray(value) ? "[Array]" : "[Object]";
  const next = [...seen, value];
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => inspect(v, next, depth + 1));
    return wrapList("[", items, "]", value.length - items.length);
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.from(value.slice(0, MAX_ITEMS), (v) => inspect(v, next, depth + 1));
    return wrapList(`${value.constructor.name}(${value.length}) [`, items, "]", value.length - items.length);
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
  if (value instanceof Map) {
    const items = [...value].slice(0, MAX_ITEMS).map(([k, v]) => `${inspect(k, next, depth + 1)} => ${inspect(v, next, depth + 1)}`);
    return wrapList(`Map(${value.size}) {`, items, "}", value.size - items.length);
  }
  if (value instanceof Set) {
    const items = [...value].slice(0, MAX_ITEMS).map((v) => inspect(v, next, depth + 1));
    return wrapList(`Set(${value.size}) {`, items, "}", value.size - items.length);
  }
  if (value instanceof Date) return isNaN(value) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof Promise) return "Promise {}";
  const keys = Reflect.ownKeys(value).filter((k) => Object.getOwnPropertyDescriptor(value, k)?.enumerable);
  const items = keys.slice(0, MAX_ITEMS).map((k) => `${formatKey(k)}: ${inspect(value[k], next, depth + 1)}`);
  const proto = Object.getPrototypeOf(value);
  const ctor = proto && proto !== Object.prototype ? proto.constructor?.name : "";
  const prefix = ctor ? `${ctor} ` : proto === null ? "[Object: null prototype] " : "";
  return prefix + wrapList("{", items, "}", keys.length - items.length);
}

function format(args) {
  const first = args[0];
  if (typeof first === "string" && args.length > 1 && /%[sdifoOj%]/.test(first)) {
    let i = 1;
    const text = first.replace(/%[sdifoOj%]/g, (spec) => {
      if (spec === "%%") return "%";
      if (i >= args.length) return spec;
      const arg = args[i++];
      switch (spec) {
        case "%s": return typeof arg === "string" ? arg : inspect(arg, [], 1);
        case "%d": case "%i": return typeof arg === "bigint" ? `${arg}n` : String(Math.trunc(Number(arg)));
        case "%f": return String(Number(arg));
        case "%j": try { return JSON.stringify(arg); } catch { return "[Circular]"; }
        default: return inspect(arg, [], 1);
      }
    });
    return [text, ...args.slice(i).map((a) => inspect(a))].join(" ");
  }
  return args.map((a) => inspect(a)).join(" ");
}

let groupIndent = "";
const counts = new Map();
const timers = new Map();

function emit(isErr, args) {
  let text = format(args);
  if (groupIndent) text = text.split("\n").map((l) => groupIndent + l).join("\n");
  try {
    core.print(text + "\n", isErr);
  } catch (error) {
    // Output to a pipe whose reader has gone (`kiln run app.ts | head -1`) is dropped and the app
    // goes on, as in Deno and Node.js.
    if (error?.name !== "BrokenPipe") throw error;
  }
}

export const console = {
  log: (...args) => emit(false, args),
  info: (...args) => emit(false, args),
  debug: (...args) => emit(false, args),
  warn: (...args) => emit(true, args),
  error: (...args) => emit(true, args),
  trace: (...args) => emit(true, [format(args), new Error().stack.split("\n").slice(1).join("\n")]),
  assert: (cond, ...args) => {
    if (!cond) emit(true, ["Assertion failed" + (args.length ? ":" : ""), ...args]);
  },
  table: (data) => emit(false, [data]),
  dir: (value) => emit(false, [value]),
  group: (...args) => {
    if (args.length) emit(false, args);
    groupIndent += "  ";
  },
  groupEnd: () => {
    groupIndent = groupIndent.slice(2);
  },
  count: (label = "default") => {
    const n = (counts.get(label) ?? 0) + 1;
    counts.set(label, n);
    emit(false, [`${label}: ${n}`]);
  },
  time: (label = "default") => timers.set(label, performance.now()),
  timeEnd: (label = "default") => {
    const start = timers.get(label);
    if (start === undefined) return;
    timers.delete(label);
    emit(false, [`${label}: ${(performance.now() - start).toFixed(3)}ms`]);
  },
};

export { inspect };
