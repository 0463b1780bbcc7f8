// runtime:fs — read files the manifest's [capabilities.fs] read grants.
//
// The public surface of ts/runtime_fs.d.ts is generated from this file (`./x typings`).

import type { KilnFsOps } from "kiln:internal";
import { errorCodes } from "runtime:wasm";
import { core } from "runtime:wasm/core";

// Unwrapped ops (see ext_wasm/js/errors.js): checkPath has checked the argument.
const ops: KilnFsOps = ((core.ops as unknown as Record<symbol, KilnFsOps | undefined>)[
  Symbol.for("kiln.uncheckedOps")
] ?? core.ops) as KilnFsOps;

function checkPath(path: unknown, where: string): string {
  if (typeof path === "string") return path;
  const message = `${where}: the path must be a string, got ${typeof path}`;
  throw core.buildCustomError("Wasm.IoError", message, [["code", errorCodes.IoError]]);
}

/**
 * Reads a whole file as bytes. Relative paths are against the working directory.
 *
 * @param path The file to read.
 * @throws {WasmError} PermissionDenied (5009) unless the file's real path matches a
 *   `[capabilities.fs] read` pattern.
 * @throws {WasmError} IoError (5008) if the file cannot be read.
 * @example
 * ```ts
 * import { readBytes } from "runtime:fs";
 * import { compile } from "runtime:wasm";
 *
 * const moduleId = await compile(await readBytes("./module.wasm"));
 * ```
 */
export async function readBytes(path: string): Promise<Uint8Array> {
  return ops.op_fs_read_bytes(checkPath(path, "readBytes"));
}

/**
 * Reads a whole UTF-8 file as text.
 *
 * @param path The file to read.
 * @throws {WasmError} PermissionDenied (5009) unless the file's real path matches a
 *   `[capabilities.fs] read` pattern.
 * @throws {WasmError} IoError (5008) if the file cannot be read or is not UTF-8.
 * @example
 * ```ts
 * import { readTextFile } from "runtime:fs";
 *
 * const config = JSON.parse(await readTextFile("./config.json"));
 * ```
 */
export async function readTextFile(path: string): Promise<string> {
  return ops.op_fs_read_text_file(checkPath(path, "readTextFile"));
}
