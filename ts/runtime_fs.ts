// runtime:fs — read files the manifest's [capabilities.fs] read grants.

import { errorCodes } from "runtime:wasm";

const core = (globalThis as any).Deno.core;
const ops = core.ops;

function checkPath(path: unknown, where: string): string {
  if (typeof path === "string") return path;
  const message = `${where}: the path must be a string, got ${typeof path}`;
  throw core.buildCustomError("Wasm.IoError", message, [["code", errorCodes.IoError]]);
}

/** Reads a whole file as bytes; relative paths are against the working directory. */
export async function readBytes(path: string): Promise<Uint8Array> {
  return ops.op_fs_read_bytes(checkPath(path, "readBytes"));
}

/** Reads a whole UTF-8 file as text. */
export async function readTextFile(path: string): Promise<string> {
  return ops.op_fs_read_text_file(checkPath(path, "readTextFile"));
}
