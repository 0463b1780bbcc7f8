// Installs Kiln's globals.
import { console } from "ext:kiln_globals/console.js";
import { clearInterval, clearTimeout, performance, setInterval, setTimeout } from "ext:kiln_globals/timers.js";
import { TextDecoder, TextEncoder } from "ext:kiln_globals/encoding.js";
import { AbortController, AbortSignal } from "ext:kiln_globals/abort.js";
import { codeArgumentErrors } from "ext:ext_wasm/errors.js";

const core = globalThis.Deno.core;

// runtime:fs's ops, called raw with the wrong types, fail with a coded TypeError too.
codeArgumentErrors(["op_fs_read_bytes", "op_fs_read_text_file", "op_kiln_exit"]);

// Error stacks show the app's frames only: frames of the runtime's own modules (runtime:wasm, its
// internals, ext: modules) say nothing about where the app went wrong. deno_core calls
// `Error.prepareStackTrace` with the call sites (file paths already made from file: URLs); this
// formats them as the default does, minus the runtime's. An app may replace it with its own.
const INTERNAL_FILE = /^(ext|runtime):/;

function formatFrame(site) {
  let file = site.getFileName() ?? "<anonymous>";
  if (file.startsWith("/")) file = `file://${encodeURI(file)}`;
  const location = `${file}:${site.getLineNumber()}:${site.getColumnNumber()}`;
  const name = site.getFunctionName();
  const prefix = site.isAsync?.() ? "async " : site.isConstructor?.() ? "new " : "";
  return name ? `${prefix}${name} (${location})` : `${prefix}${location}`;
}

Error.prepareStackTrace = (error, sites) => {
  let head;
  try {
    head = String(error);
  } catch {
    head = "Error";
  }
  const frames = sites.filter((site) => !INTERNAL_FILE.test(site.getFileName() ?? "")).map(formatFrame);
  return [head, ...frames.map((frame) => `    at ${frame}`)].join("\n");
};

const globals = {
  console,
  setTimeout,
  setInterval,
  clearTimeout,
  clearInterval,
  performance,
  TextEncoder,
  TextDecoder,
  AbortController,
  AbortSignal,
  // Kiln.args: the arguments after the entry file in `kiln run <entry> [args...]`.
  // Kiln.memoryUsage(): the process's resident set size, for apps that watch their footprint.
  // Kiln.exit(code): ends the process with that status once stdout and stderr are flushed.
  Kiln: Object.freeze({
    args: Object.freeze(core.ops.op_kiln_args()),
    memoryUsage: () => ({ rss: core.ops.op_kiln_rss_bytes() }),
    exit(code = 0) {
      if (!Number.isInteger(code) || code < 0 || code > 255) {
        const message = `Kiln.exit: the exit code must be an integer from 0 to 255, got ${String(code)}`;
        throw core.buildCustomError("Wasm.TypeError", message, [["code", 5007]]);
      }
      core.ops.op_kiln_exit(code);
    },
  }),
};
for (const [name, value] of Object.entries(globals)) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
