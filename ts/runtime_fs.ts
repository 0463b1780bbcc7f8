// runtime:fs — read files the manifest's [capabilities.fs] read grants.

const ops = (globalThis as any).Deno.core.ops;

/** Reads a whole file as bytes; relative paths are against the working directory. */
export function readBytes(path: string): Promise<Uint8Array> {
  return ops.op_fs_read_bytes(path);
}

/** Reads a whole UTF-8 file as text. */
export function readTextFile(path: string): Promise<string> {
  return ops.op_fs_read_text_file(path);
}
