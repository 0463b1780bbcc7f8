// What a failing `.wasm` import reports (tests/wasm_imports.rs): each is imported dynamically so
// that the app can print its error; paths are shown relative to the app directory.
const dir = import.meta.dirname ?? "";
for (const file of Kiln.args) {
  try {
    await import(file);
    console.log(`${file}: imported`);
  } catch (e) {
    const { name, code, message } = e as { name: string; code?: number; message: string };
    console.log(`${file}: ${name} ${code} ${message.replaceAll(dir, ".")}`);
  }
}
