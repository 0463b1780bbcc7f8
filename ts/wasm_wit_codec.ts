// runtime:wasm/wit-codec — internal to runtime:wasm: component values encoded and decoded by
// closures made once per type, the common path of a component call.
//
// ./wasm_wit.ts walks a type's description for every value it encodes or decodes, and picks what
// to do by comparing the type's name with each case of a `switch` in turn (QuickJS compares
// strings; it has no jump table for them). Here a function's parameter and result types become
// closures on its first call, which write and read the same bytes in the same layout
// (./wasm_wit_bytes.ts). They accept exactly what `encode` accepts, but name nothing: a value they
// refuse makes `encodeArgs` encode the arguments again with `encode`, which names the misfit, so
// every message comes from one place, and whatever they leave to `encode` (resources, flags, 64-bit
// integers, an option in an option, `char`s outside the BMP) still goes through it.

import { core } from "runtime:wasm/values";
import {
  decode,
  type Desc,
  encode,
  type Encoder,
  encodeNumbers,
  type FuncDesc,
  NUMBER_LISTS,
  REFUSED,
  type ResourceOwner,
  utf8,
} from "runtime:wasm/wit";
import type { Reader } from "runtime:wasm/wit-bytes";

/** A decoder made once for one type: reads one value as `decode` does. */
export type Decoder = (r: Reader) => unknown;

function refuse(): never {
  throw REFUSED;
}

/** `f`'s encoders and decoder, made on its first call. */
export function codecOf(f: FuncDesc, owner: ResourceOwner): NonNullable<FuncDesc["codec"]> {
  return (f.codec ??= {
    params: f.params.map(([, d]) => encoderOf(d, owner)),
    result: f.results.length === 0 ? null : decoderOf(f.results[0], owner),
  });
}

/** A table from each name to its index, with no prototype: `table[name]` is never inherited. */
function indexes(names: string[]): Record<string, number> {
  const table = Object.create(null) as Record<string, number>;
  names.forEach((name, i) => (table[name] = i));
  return table;
}

/** Whether a value of `d` may be left out of a record (an option is undefined then). */
function optional(d: Desc): boolean {
  return typeof d === "object" && d.k === "option";
}

export function encoderOf(d: Desc, owner: ResourceOwner): Encoder {
  const general: Encoder = (w, v) => encode(w, d, v, owner);
  if (typeof d === "string") {
    // Each integer check holds exactly for the integers of the type's range (as `checkNumber`):
    // a fraction, NaN, an infinity or a value out of range changes when truncated to the width.
    switch (d) {
      case "bool":
        return (w, v) => (typeof v === "boolean" ? w.u8(v ? 1 : 0) : refuse());
      case "s8":
        return (w, v) => (typeof v === "number" && (v << 24) >> 24 === v ? w.i8(v) : refuse());
      case "u8":
        return (w, v) => (typeof v === "number" && (v & 0xff) === v ? w.u8(v) : refuse());
      case "s16":
        return (w, v) => (typeof v === "number" && (v << 16) >> 16 === v ? w.i16(v) : refuse());
      case "u16":
        return (w, v) => (typeof v === "number" && (v & 0xffff) === v ? w.u16(v) : refuse());
      case "s32":
        return (w, v) => (typeof v === "number" && (v | 0) === v ? w.i32(v) : refuse());
      case "u32":
        return (w, v) => (typeof v === "number" && v >>> 0 === v ? w.u32(v) : refuse());
      case "f32":
        return (w, v) => (typeof v === "number" ? w.f32(v) : refuse());
      case "f64":
        return (w, v) => (typeof v === "number" ? w.f64(v) : refuse());
      case "char":
        return (w, v) => {
          // One UTF-16 unit that is no surrogate; a pair (outside the BMP) is `encode`'s.
          const c = typeof v === "string" && v.length === 1 ? v.charCodeAt(0) : 0xd800;
          return c < 0xd800 || c >= 0xe000 ? w.u32(c) : general(w, v);
        };
      case "string":
        return (w, v) => (typeof v === "string" ? w.raw(core.encode(v)) : refuse());
      case "bytes":
        return (w, v) => (v instanceof Uint8Array ? w.list8(v) : refuse());
    }
    return general;
  }
  switch (d.k) {
    case "list": {
      const t = d.t as Desc;
      const numbers = typeof t === "string" ? NUMBER_LISTS[t] : undefined;
      if (numbers !== undefined) {
        return (w, v) => {
          if (!Array.isArray(v)) refuse();
          w.u32(v.length);
          encodeNumbers(w, t as string, numbers, v); // A misfit is a Misfit: `encode` names it.
        };
      }
      const item = encoderOf(t, owner);
      return (w, v) => {
        if (!Array.isArray(v)) refuse();
        w.u32(v.length);
        for (let i = 0; i < v.length; i++) item(w, v[i]);
      };
    }
    case "record": {
      const fields = d.f as [string, string, Desc][];
      const names = fields.map((f) => f[1]);
      const known = indexes(names);
      const encoders = fields.map((f) => encoderOf(f[2], owner));
      const needed = fields.map((f) => !optional(f[2]));
      const n = fields.length;
      return (w, v) => {
        if (typeof v !== "object" || v === null || Array.isArray(v)) refuse();
        const keys = Object.keys(v);
        if (keys.length > n) refuse();
        for (let i = 0; i < keys.length; i++) if (known[keys[i]] === undefined) refuse();
        const obj = v as Record<string, unknown>;
        for (let i = 0; i < n; i++) {
          const x = obj[names[i]];
          if (x === undefined && needed[i] && !(names[i] in obj)) refuse();
          encoders[i](w, x);
        }
      };
    }
    case "tuple": {
      const encoders = (d.t as Desc[]).map((t) => encoderOf(t, owner));
      const n = encoders.length;
      return (w, v) => {
        if (!Array.isArray(v) || v.length !== n) refuse();
        for (let i = 0; i < n; i++) encoders[i](w, v[i]);
      };
    }
    case "variant": {
      const cases = d.c as [string, Desc | null][];
      const index = indexes(cases.map((c) => c[0]));
      const payloads = cases.map(([, t]) => (t === null ? null : encoderOf(t, owner)));
      return (w, v) => {
        const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
        const i = typeof tag === "string" ? index[tag] : undefined;
        if (i === undefined) refuse();
        w.u32(i);
        const payload = payloads[i];
        if (payload !== null) payload(w, (v as { val?: unknown }).val);
      };
    }
    case "enum": {
      const index = indexes(d.c as string[]);
      return (w, v) => {
        const i = typeof v === "string" ? index[v] : undefined;
        return i === undefined ? refuse() : w.u32(i);
      };
    }
    case "option": {
      const t = d.t as Desc;
      if (optional(t)) return general; // `{ tag: "some", val }` inside: `encode`'s.
      const some = encoderOf(t, owner);
      return (w, v) => {
        if (v === undefined) return w.u8(0);
        w.u8(1);
        some(w, v);
      };
    }
    case "result": {
      const ok = d.ok === null || d.ok === undefined ? null : encoderOf(d.ok, owner);
      const err = d.err === null || d.err === undefined ? null : encoderOf(d.err, owner);
      return (w, v) => {
        const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
        if (tag !== "ok" && tag !== "err") refuse();
        w.u8(tag === "ok" ? 0 : 1);
        const payload = tag === "ok" ? ok : err;
        if (payload !== null) payload(w, (v as { val?: unknown }).val);
      };
    }
  }
  return general; // Resources (which move into the guest), flags.
}

export function decoderOf(d: Desc, owner: ResourceOwner): Decoder {
  const general: Decoder = (r) => decode(r, d, owner);
  if (typeof d === "string") {
    switch (d) {
      case "bool":
        return (r) => r.bytes[r.skip(1)] !== 0;
      case "s8":
        return (r) => r.view.getInt8(r.skip(1));
      case "u8":
        return (r) => r.bytes[r.skip(1)];
      case "s16":
        return (r) => r.view.getInt16(r.skip(2), true);
      case "u16":
        return (r) => r.view.getUint16(r.skip(2), true);
      case "s32":
        return (r) => r.view.getInt32(r.skip(4), true);
      case "u32":
        return (r) => r.view.getUint32(r.skip(4), true);
      case "f32":
        return (r) => r.view.getFloat32(r.skip(4), true);
      case "f64":
        return (r) => r.view.getFloat64(r.skip(8), true);
      case "string":
        return (r) => {
          const n = r.u32();
          return utf8(r.bytes.subarray(r.skip(n), r.at));
        };
      case "bytes":
        return (r) => {
          const n = r.u32();
          return r.bytes.slice(r.skip(n), r.at);
        };
    }
    return general;
  }
  switch (d.k) {
    case "list": {
      const t = d.t as Desc;
      if (typeof t === "string" && NUMBER_LISTS[t] !== undefined) return general; // One loop there.
      const item = decoderOf(t, owner);
      return (r) => {
        const n = r.u32();
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = item(r);
        return out;
      };
    }
    case "record": {
      const fields = d.f as [string, string, Desc][];
      const names = fields.map((f) => f[1]);
      const decoders = fields.map((f) => decoderOf(f[2], owner));
      return (r) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) out[names[i]] = decoders[i](r);
        return out;
      };
    }
    case "tuple": {
      const decoders = (d.t as Desc[]).map((t) => decoderOf(t, owner));
      return (r) => {
        const out = new Array<unknown>(decoders.length);
        for (let i = 0; i < decoders.length; i++) out[i] = decoders[i](r);
        return out;
      };
    }
    case "option": {
      const t = d.t as Desc;
      if (optional(t)) return general;
      const some = decoderOf(t, owner);
      return (r) => (r.bytes[r.skip(1)] === 0 ? undefined : some(r));
    }
    case "result": {
      const ok = d.ok === null || d.ok === undefined ? null : decoderOf(d.ok, owner);
      const err = d.err === null || d.err === undefined ? null : decoderOf(d.err, owner);
      return (r) => {
        const isOk = r.bytes[r.skip(1)] === 0;
        const payload = isOk ? ok : err;
        return { tag: isOk ? "ok" : "err", val: payload === null ? undefined : payload(r) };
      };
    }
  }
  return general; // Variants, enums, flags and resources: as `decode` reads them.
}
