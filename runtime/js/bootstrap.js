// Installs Kiln's globals.
import { console } from "ext:kiln_globals/console.js";
import { clearInterval, clearTimeout, performance, setInterval, setTimeout } from "ext:kiln_globals/timers.js";
import { TextDecoder, TextEncoder } from "ext:kiln_globals/encoding.js";
import { AbortController, AbortSignal } from "ext:kiln_globals/abort.js";
import { codeArgumentErrors } from "ext:ext_wasm/errors.js";

// runtime:fs's ops, called raw with the wrong types, fail with a coded TypeError too.
codeArgumentErrors(["op_fs_read_bytes", "op_fs_read_text_file"]);

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
  Kiln: Object.freeze({
    args: Object.freeze(globalThis.Deno.core.ops.op_kiln_args()),
    memoryUsage: () => ({ rss: globalThis.Deno.core.ops.op_kiln_rss_bytes() }),
  }),
};
for (const [name, value] of Object.entries(globals)) {
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}
