// runtime:wasm/wit-bytes — internal to runtime:wasm: the byte buffer component values cross in.
//
// One buffer per call, in the layout ext_wasm/src/component/wire.rs reads and writes (little-
// endian, packed, in type order). `Writer` appends to it, `Reader` reads it; what goes in it, and
// the checks before, are ./wasm_wit.ts's (every value) and ./wasm_wit_codec.ts's (the common path).

/** The length that stands for a lent `list<u8>` (ext_wasm/src/component/wire.rs); no JS array is so long. */
const LENT = 0xffffffff;
/** Below this, a copy into the buffer costs less than the op's second buffer. */
const LEND_MIN = 8192;

/** Appends encoded values to a buffer that grows as needed. */
export class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  at = 0;
  /** The resources of `own` values written: they move into the guest once all arguments fit. */
  moving: { id: number }[] = [];
  /** Whether a large `list<u8>` may be lent (a synchronous call), and the one lent. */
  lends = false;
  lent: Uint8Array | null = null;

  room(n: number): number {
    const at = this.at;
    if (at + n > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      bigger.set(this.bytes.subarray(0, at));
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.at = at + n;
    return at;
  }

  // Each writer takes its offset first: room() may replace `bytes` and `view`.
  u8(v: number): void {
    const at = this.room(1);
    this.bytes[at] = v;
  }

  u32(v: number): void {
    const at = this.room(4);
    this.view.setUint32(at, v, true);
  }

  i8(v: number): void {
    const at = this.room(1);
    this.view.setInt8(at, v);
  }

  i16(v: number): void {
    const at = this.room(2);
    this.view.setInt16(at, v, true);
  }

  u16(v: number): void {
    const at = this.room(2);
    this.view.setUint16(at, v, true);
  }

  i32(v: number): void {
    const at = this.room(4);
    this.view.setInt32(at, v, true);
  }

  f32(v: number): void {
    const at = this.room(4);
    this.view.setFloat32(at, v, true);
  }

  f64(v: number): void {
    const at = this.room(8);
    this.view.setFloat64(at, v, true);
  }

  i64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigInt64(at, v, true);
  }

  u64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigUint64(at, v, true);
  }

  /**
   * A `list<u8>`: lent when the writer lends and it is the first one of at least LEND_MIN bytes
   * (the op takes its bytes as a second buffer, and LENT stands for its length), else `raw`.
   */
  list8(b: Uint8Array): void {
    if (this.lends && this.lent === null && b.length >= LEND_MIN) {
      this.lent = b;
      this.u32(LENT);
    } else {
      this.raw(b);
    }
  }

  /** `b`'s length as a u32, then its bytes. */
  raw(b: Uint8Array): void {
    const n = b.length;
    const at = this.room(4 + n); // May replace `bytes` and `view`: take them after.
    this.view.setUint32(at, n, true);
    this.bytes.set(b, at + 4);
  }
}

/** Reads encoded values from the start of `bytes`. */
export class Reader {
  bytes: Uint8Array;
  view: DataView;
  at = 0;

  constructor(bytes: Uint8Array, view?: DataView) {
    this.bytes = bytes;
    this.view = view ?? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Reads `w`'s buffer from its start, through `w`'s own view: nothing is made. */
  over(w: Writer): this {
    this.bytes = w.bytes;
    this.view = w.view;
    this.at = 0;
    return this;
  }

  skip(n: number): number {
    const at = this.at;
    this.at += n;
    return at;
  }

  u32(): number {
    return this.view.getUint32(this.skip(4), true);
  }
}

// Made on first use, not when the module is evaluated: the module is evaluated into the start-up
// snapshot (runtime/src/snapshot.rs), which cannot hold a DataView.
let shared: Writer | undefined;
let inUse = false;

/**
 * An empty writer for one encoding, and `done` to call when its bytes have been used (copied, or
 * read by a synchronous op and its results decoded). It is the one shared writer, made once,
 * unless an encoding is under way already: a getter of a value being encoded may call a component
 * function, whose arguments must not overwrite the outer call's.
 */
export function takeWriter(): Writer {
  if (inUse) return new Writer();
  inUse = true;
  const w = (shared ??= new Writer());
  w.at = 0;
  w.moving.length = 0;
  w.lends = false;
  w.lent = null;
  return w;
}

/** Gives back a writer from `takeWriter`; it no longer holds a lent `list<u8>`. */
export function giveWriter(w: Writer): void {
  w.lent = null;
  if (w === shared) inUse = false;
}
