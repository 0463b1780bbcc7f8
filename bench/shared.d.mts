// Types of bench/shared.mjs, for the Kiln apps' type check (tests/bench_smoke.rs).
export declare const now: () => number;
export declare function measure(repeats: number, run: () => Promise<number> | number): Promise<number[]>;
export declare function block(): Uint8Array;
export declare const CHUNK: number;
export declare const HASHES: Record<string, { init: number; final: number[] }>;
export declare function hex(bytes: Uint8Array): string;
export declare function timeChecked<T>(
  name: string,
  repeats: number,
  run: () => Promise<T> | T,
): Promise<{ times: number[]; checksum: T }>;
export declare function esbuildSource(i: number): string;
export declare function esbuildTransforms(
  esbuild: { transform(code: string, options: { loader: string }): Promise<{ code: string }> },
  count: number,
  repeats: number,
): Promise<{ firstMs: number; ms: number[]; bytes: number }>;
export declare function treeSitterParses(
  treeSitter: { Parser: unknown; Language: unknown },
  runtime: Uint8Array,
  grammar: Uint8Array,
  source: string,
  count: number,
  repeats: number,
): Promise<{ firstMs: number; ms: number[]; nodes: number }>;
export declare function exceptionRuns(
  throwWasm: Uint8Array,
  rethrowWasm: Uint8Array,
  count: number,
  repeats: number,
): Promise<{ exceptionOut: number[]; trapOut: number[]; importThrow: number[]; throwObject: number[]; stackRead: number[]; asyncReject: number[] }>;
export declare function importRuns(
  hostcallWasm: Uint8Array,
  reenterWasm: Uint8Array,
  count: number,
  repeats: number,
): Promise<{ importCall: number[]; importCallsBack: number[] }>;
/** The spec bench/run.mjs gives bench/kiln/webassembly_calls.ts and bench/deno/calls.ts (`callsSpec`). */
export interface CallsSpec {
  add: string;
  throw: string;
  rethrow: string;
  hostcall: string;
  reenter: string;
  calls: number;
  throws: number;
  hostCalls: number;
  repeats: number;
}
