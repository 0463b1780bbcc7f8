// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate, dropModule, types } from "runtime:wasm";

async function runWasmApp() {
  // Compile the module
  const moduleId = await compileFile("./image_processor.wasm");

  // Instantiate with WASI for file access
  const instance = await instantiate(moduleId, {
    preopens: { "/images": "./data/images" },
    inheritStdout: true,
  });

  try {
    // Check available exports
    const exports = await instance.getExports();
    console.log("Exports:", exports.map(e => e.name));

    // Allocate buffer for input
    const imageSize = 1024 * 1024; // 1MB
    const [inputPtr] = await instance.call("allocate", imageSize);

    // Load image data into WASM memory
    const imageData = new Uint8Array(imageSize); // ... load from somewhere
    await instance.memory.write(inputPtr, imageData);

    // Process the image
    const [outputPtr, outputLen] = await instance.call(
      "process_image",
      inputPtr,
      imageSize,
      types.f32(0.5) // brightness adjustment
    );

    // Read result
    const result = await instance.memory.read(outputPtr, outputLen);
    console.log(`Processed ${result.length} bytes`);

    // Free allocations
    await instance.call("deallocate", inputPtr);
    await instance.call("deallocate", outputPtr);

  } finally {
    // Clean up
    await instance.drop();
    await dropModule(moduleId);
  }
}

runWasmApp();
