// `crypto.getRandomValues` and `crypto.randomUUID`, as the Web Crypto API has them (no `subtle`):
// browser-first npm packages need them (Go's wasm_exec.js, which esbuild-wasm runs, refuses to
// start without `getRandomValues`). The bytes come from the OS's random source.
import { codedError } from "ext:ext_wasm/errors.js";

const { op_kiln_random_fill } = globalThis.Deno.core.ops;

// The most bytes one call may fill, as the Web Crypto API has it.
const MAX_BYTES = 65536;

const INTEGER_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  BigInt64Array,
  BigUint64Array,
];

function fill(bytes) {
  if (!op_kiln_random_fill(bytes)) {
    throw codedError("IoError", "crypto: the OS's random source failed; try again");
  }
}

function getRandomValues(array) {
  if (!INTEGER_ARRAYS.some((kind) => array instanceof kind)) {
    const got = array === null || typeof array !== "object" ? String(array) : (array.constructor?.name ?? "an object");
    throw codedError(
      "TypeError",
      `crypto.getRandomValues: the argument must be an integer typed array (e.g. a Uint8Array), got ${got}`,
    );
  }
  if (array.byteLength > MAX_BYTES) {
    throw codedError(
      "TypeError",
      `crypto.getRandomValues: ${array.byteLength} bytes asked for; at most ${MAX_BYTES} per call, so fill a larger array in parts (subarray)`,
    );
  }
  if (array.byteLength > 0) fill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return array;
}

// A version 4 UUID (RFC 9562): 122 random bits.
function randomUUID() {
  const b = new Uint8Array(16);
  fill(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (byte) => byte.toString(16).padStart(2, "0"));
  return `${h[0]}${h[1]}${h[2]}${h[3]}-${h[4]}${h[5]}-${h[6]}${h[7]}-${h[8]}${h[9]}-${h.slice(10).join("")}`;
}

export const crypto = { getRandomValues, randomUUID };
