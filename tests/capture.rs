//! Captured stdio for instances (issue 12's first part): stdin from bytes, stdout and stderr kept
//! for takeStdout/takeStderr, bounded at 16 MiB between takes.

use kiln_test_support::App;

#[test]
fn captured_output_is_taken_in_order_and_bounded() {
  App::new("capture.ts").allow_all().c_with("echo_reactor.c", "echo.wasm", &["-mexec-model=reactor"]).run().ok(
    concat!(
      "render: [ 5 ]\n",
      "stdout: \"got: input\\n\"\n",
      "stderr: \"note: 5 bytes\\n\"\n",
      "taken again: 0\n",
      "flood: 16 MiB written, all of it captured\n",
      "after a take the guest writes again: 1 1048576\n",
      "not captured: 5010 WasiError\n",
      "both ways: 5010 WasiError\n",
      "bad stdin: 5010 WasiError\n",
      "got: to the terminal\n",
    ),
  );
}
