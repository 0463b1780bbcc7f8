// P9 start-up, whole process: Deno's copy of kiln/wasi_hello.ts. Deno has no WASI of its own, and
// its `node:wasi` costs more than the rest of the start-up (it loads Node's compatibility layer and
// warns that it is experimental), so this app gives hello.wasm the few WASI preview 1 functions it
// imports, written here: its arguments, fd_write to stdout and stderr, proc_exit.
//
//   deno run --allow-read=<path> wasi_hello.ts <path of hello.wasm> <argv0> <args...>
const [path, ...args] = Deno.args;

class Exit {
  constructor(readonly code: number) {}
}

let memory: WebAssembly.Memory;
const view = () => new DataView(memory.buffer);
const encoded = args.map((a) => new TextEncoder().encode(`${a}\0`));
const EBADF = 8;

const wasi = {
  args_sizes_get(argc: number, size: number): number {
    view().setUint32(argc, encoded.length, true);
    view().setUint32(size, encoded.reduce((n, a) => n + a.length, 0), true);
    return 0;
  },
  args_get(argv: number, buf: number): number {
    const bytes = new Uint8Array(memory.buffer);
    for (const [i, a] of encoded.entries()) {
      view().setUint32(argv + 4 * i, buf, true);
      bytes.set(a, buf);
      buf += a.length;
    }
    return 0;
  },
  fd_write(fd: number, iovs: number, count: number, written: number): number {
    if (fd !== 1 && fd !== 2) return EBADF;
    const out = fd === 1 ? Deno.stdout : Deno.stderr;
    let n = 0;
    for (let i = 0; i < count; i++) {
      const ptr = view().getUint32(iovs + 8 * i, true);
      const len = view().getUint32(iovs + 8 * i + 4, true);
      const data = new Uint8Array(memory.buffer, ptr, len);
      for (let at = 0; at < data.length;) at += out.writeSync(data.subarray(at));
      n += len;
    }
    view().setUint32(written, n, true);
    return 0;
  },
  // stdout is a character device (filetype 2), so wasi-libc line-buffers it.
  fd_fdstat_get(fd: number, stat: number): number {
    if (fd > 2) return EBADF;
    new Uint8Array(memory.buffer, stat, 24).fill(0);
    view().setUint8(stat, 2);
    return 0;
  },
  fd_seek: (): number => 70, // ESPIPE
  fd_close: (): number => 0,
  proc_exit(code: number): never {
    throw new Exit(code);
  },
};

const module = new WebAssembly.Module(Deno.readFileSync(path));
const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
memory = instance.exports.memory as WebAssembly.Memory;
try {
  (instance.exports._start as () => void)();
} catch (e) {
  if (!(e instanceof Exit)) throw e;
  if (e.code !== 0) Deno.exit(e.code);
}
