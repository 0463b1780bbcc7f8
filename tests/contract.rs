//! Every example of the runtime:wasm contract, run by the real `kiln` binary with exact output.

use kiln_test_support::{App, GUEST_ESCAPES_DENIED};

#[test]
fn compile_bytes() {
  App::new("contract/compile_bytes.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = [\"*.wasm\"]\n")
    .wat("module.wat", "module.wasm")
    .run()
    .ok("string 42\n");
}

#[test]
fn compile_file() {
  App::new("contract/compile_file.ts").allow_all().wat("math.wat", "math.wasm").run().ok("5\n");
}

#[test]
fn drop_module() {
  App::new("contract/drop_module.ts")
    .allow_all()
    .wat("module.wat", "module.wasm")
    .run()
    .ok("5004 InvalidModuleHandle\n");
}

#[test]
fn instantiate_with_wasi() {
  App::new("contract/instantiate.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\npreopens = [\"app-data\"]\n")
    .wat("pure.wat", "pure.wasm")
    .c("app.c", "app.wasm")
    .file("app-data/input.txt", "hello from the host\n")
    .run()
    .ok(
      &[
        "arg[0]=app\n",
        "arg[1]=--verbose\n",
        "HOME=/data\n",
        "SECRET=(unset)\n",
        "input: hello from the host\n",
        "wrote /data/output.txt\n",
        GUEST_ESCAPES_DENIED,
        "pure add: 2\n",
      ]
      .concat(),
    );
}

#[test]
fn call_with_multiple_results() {
  App::new("contract/call.ts").allow_all().wat("calculator.wat", "calculator.wasm").run().ok("30\n3 2\n");
}

#[test]
#[allow(clippy::approx_constant, reason = "3.14159 is the radius the contract's example passes, not pi")]
fn explicit_types() {
  let area = std::f64::consts::PI * 3.14159 * 3.14159;
  App::new("contract/types.ts")
    .allow_all()
    .wat("math.wat", "math.wasm")
    .run()
    .ok(&format!("9007199254740993n {area}\n"));
}

#[test]
fn get_exports() {
  App::new("contract/get_exports.ts").allow_all().wat("module.wat", "module.wasm").run().ok(concat!(
    "memory: memory\n",
    "table: table\n",
    "global: counter\n",
    "function: add\n",
    "  params: i32, i32\n",
    "  results: i32\n",
    "function: process\n",
    "  params: \n",
    "  results: \n",
  ));
}

#[test]
fn memory_read() {
  App::new("contract/memory_read.ts").allow_all().wat("strings.wat", "strings.wasm").run().ok("Hello, World!\n");
}

#[test]
fn memory_write() {
  App::new("contract/memory_write.ts")
    .allow_all()
    .wat("strings.wat", "strings.wasm")
    .run()
    .ok("read back: Hello, World!\nHello, World!\n");
}

#[test]
fn memory_size_and_grow() {
  App::new("contract/memory_size_grow.ts")
    .allow_all()
    .wat("module.wat", "module.wasm")
    .run()
    .ok("Memory: 64 KB\nGrew from 1 to 2 pages\n");
}

#[test]
fn instance_lifecycle() {
  App::new("contract/lifecycle.ts")
    .allow_all()
    .wat("module.wat", "module.wasm")
    .run()
    .ok("5005 InvalidInstanceHandle\n");
}
