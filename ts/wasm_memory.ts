// runtime:wasm/memory — `instance.memory`: a part of the public `runtime:wasm` module, which
// re-exports `WasmMemory` (the typings generator reads its declaration and JSDoc from here).
//
// It also holds the registry that drops an instance the app forgot: the instance
// (./wasm_instance.ts) and its memory, once the app has asked for it, share one `Reclaim` record,
// and the store is freed once both are collected. They also share the store's reclaim token
// (ext_wasm/src/reclaim.rs), which has it dropped at once, without waiting for the registry's job.

import { guardAlias, ops, toBytes, toIndex, wasmError } from "runtime:wasm/values";

/**
 * Instances the app forgets to drop are dropped once their `WasmInstance` and, if the app ever
 * asked for it, its `WasmMemory` are garbage-collected (`alive` counts the registered objects),
 * so they free their store and stop counting against `max_instances`. The two objects do not
 * point at each other's handle record, so plain reference counting frees them at once (no cycle
 * collection needed). An explicit `drop()` unregisters whichever of the two is registered.
 */
export interface Reclaim {
  raw: number;
  alive: number;
}

export const forgotten = new FinalizationRegistry<Reclaim>((handle) => {
  if (--handle.alive === 0) ops.op_wasm_instance_forget(handle.raw, false);
});

/**
 * A new object that keeps the store of `reclaim`'s instance while it is reachable, as the
 * instance and its memory do: what the functions of `instance.exports` hold, instead of the
 * instance, which holds them (through `exports`). Had they held the instance, the two would be a
 * cycle, which only the engine's cycle collector frees: an instance forgotten after an `exports`
 * call went on counting against `max_instances` until it ran (tests/leaks.rs).
 */
export function storeKeeper(reclaim: Reclaim, token: unknown): object {
  const keeper = { token };
  reclaim.alive++;
  forgotten.register(keeper, reclaim, keeper);
  return keeper;
}

/**
 * The linear memory of an instance (its first exported memory): `instance.memory`.
 *
 * `buffer` is an ArrayBuffer over the memory itself (no copy), like `WebAssembly.Memory.buffer`;
 * `read`, `write`, `size` and `grow` are the asynchronous contract, which waits for a call in flight.
 *
 * @example
 * ```ts
 * const memory: WasmMemory = instance.memory;
 * console.log(await memory.size(), "pages", memory.buffer.byteLength, "bytes");
 * ```
 */
export class WasmMemory {
  /** The instance's id (0 for a component, which exports no linear memory), and its store's
   * reclaim token (ext_wasm/src/reclaim.rs), which the memory holds to keep the store. */
  readonly #store: { readonly id: number; readonly token: unknown };
  /** The last buffer `buffer` returned (already in `memoryBuffers`). */
  #buffer: ArrayBuffer | null = null;

  constructor(id: number, reclaim: Reclaim | null, token?: unknown) {
    this.#store = { id, token };
    // The instance's store stays alive while its memory is reachable, even if the instance is not.
    if (reclaim !== null) forgotten.register(this, reclaim, this);
  }

  /**
   * The memory's bytes as an ArrayBuffer, with no copy: what a view writes, the guest reads, and
   * the other way round. Its length is the memory's current size, and it is the same object while
   * that size is unchanged (`memory.buffer === memory.buffer`).
   *
   * The rule, as for `WebAssembly.Memory.buffer` except for growth:
   * - After the memory grows (`grow` here, or the guest's `memory.grow`), `buffer` is a new
   *   ArrayBuffer of the new length. The old one stays valid at its old length and still shows
   *   the live bytes: Kiln's linear memories never move.
   * - When the instance is dropped (`drop()`, or when the app forgets it), every buffer it handed
   *   out is detached: views over it have length 0.
   * - It cannot be transferred (`transfer()` throws a TypeError); copy bytes out with `slice`.
   *
   * @throws {WasmError} MemoryError (5006) if the instance exports no memory, is a component, or
   *   is busy: while an `instance.call` or memory operation on it (or on an instance linked with
   *   it) is in flight, await it first or use `read`/`write`, which wait their turn. A buffer
   *   taken before stays usable.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr] = await instance.call<[number]>("alloc", 5);
   * new Uint8Array(instance.memory.buffer, ptr, 5).set(new TextEncoder().encode("hello"));
   * const [len] = await instance.call<[number]>("process", ptr, 5);
   * console.log(new TextDecoder().decode(new Uint8Array(instance.memory.buffer, ptr, len)));
   * ```
   */
  get buffer(): ArrayBuffer {
    noComponentMemory(this.#store.id);
    const buffer = ops.op_wasm_memory_buffer(this.#store.id, 0, false);
    if (buffer !== this.#buffer) {
      guardAlias(buffer);
      this.#buffer = buffer;
    }
    return buffer;
  }

  /**
   * Copies `length` bytes starting at `offset` out of the memory. Offsets and lengths may be
   * bigints, as i64 results of {@link WasmInstance.call} are.
   *
   * @throws {WasmError} MemoryError (5006) if the range is out of bounds or the instance exports no memory.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr, len] = await instance.call("get_greeting");
   * const bytes = await instance.memory.read(ptr, len);
   * console.log(new TextDecoder().decode(bytes));
   * ```
   */
  read(offset: number | bigint, length: number | bigint): Promise<Uint8Array> {
    // Not an async function: a read that finds the store free is done by a synchronous op and
    // returns a promise of its bytes made directly (no async frame, no async op); one that finds
    // it busy waits for its turn. Errors still arrive as rejections. A number below 2^32 needs
    // no `toIndex`.
    try {
      const at = typeof offset === "number" && offset >>> 0 === offset ? offset : toIndex(offset, "memory.read");
      const size = typeof length === "number" && length >>> 0 === length ? length : toIndex(length, "memory.read");
      let out: Uint8Array;
      try {
        out = new Uint8Array(size);
      } catch {
        throw wasmError("MemoryError", `memory.read: cannot allocate ${size} bytes to read into; read less at a time`);
      }
      const id = this.#store.id;
      if (id === 0) noComponentMemory(id);
      if (ops.op_wasm_memory_read_now(id, at, out)) return Promise.resolve(out);
      return readLater(id, at, out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Copies `data` into the memory at `offset`.
   *
   * @throws {WasmError} MemoryError (5006) if the range is out of bounds or the instance exports no memory.
   * @throws {WasmError} TypeError (5007) if `data` is not a Uint8Array.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr] = await instance.call("allocate", 13);
   * await instance.memory.write(ptr, new TextEncoder().encode("Hello, World!"));
   * ```
   */
  write(offset: number | bigint, data: Uint8Array): Promise<void> {
    // As `read`: at once if the store is free, else in its turn.
    try {
      const id = this.#store.id;
      if (id === 0) noComponentMemory(id);
      const at = typeof offset === "number" && offset >>> 0 === offset ? offset : toIndex(offset, "memory.write");
      const bytes = data instanceof Uint8Array ? data : toBytes(data, "memory.write");
      if (ops.op_wasm_memory_write_now(id, at, bytes)) return Promise.resolve();
      return writeLater(id, at, bytes);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * The memory's size in 64 KiB pages.
   *
   * @throws {WasmError} MemoryError (5006) if the instance exports no memory.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const pages = await instance.memory.size();
   * console.log(`Memory: ${pages * 64} KB`);
   * ```
   */
  async size(): Promise<number> {
    noComponentMemory(this.#store.id);
    return ops.op_wasm_memory_size(this.#store.id);
  }

  /**
   * Grows the memory by `pages` 64 KiB pages; resolves to the previous size in pages.
   *
   * @throws {WasmError} MemoryError (5006) if the memory cannot grow that much (its maximum, or
   *   `maxMemoryBytes`, which bounds all the memories of the instance's store together: its own
   *   and those of the instances linked with it).
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const prevSize = await instance.memory.grow(1);
   * console.log(`Grew from ${prevSize} to ${prevSize + 1} pages`);
   * ```
   */
  async grow(pages: number): Promise<number> {
    noComponentMemory(this.#store.id);
    return ops.op_wasm_memory_grow(this.#store.id, toIndex(pages, "memory.grow"));
  }
}

function noComponentMemory(id: number): void {
  if (id === 0) {
    throw wasmError(
      "MemoryError",
      "a component exports no linear memory: pass data as WIT values (a list<u8> is a Uint8Array)",
    );
  }
}

/** `memory.read` of a busy store: waits for its turn. */
async function readLater(id: number, at: number, out: Uint8Array): Promise<Uint8Array> {
  await ops.op_wasm_memory_read(id, at, out);
  return out;
}

/** `memory.write` of a busy store: waits for its turn. */
async function writeLater(id: number, at: number, bytes: Uint8Array): Promise<void> {
  await ops.op_wasm_memory_write(id, at, bytes);
}
