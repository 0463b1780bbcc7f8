//! The processes-and-pools issue's API example runs as written (tests/apps/issue12_api.ts).

use kiln_test_support::App;

#[test]
fn the_issue_example_runs_as_written() {
  // work(1_000_000): the sum of i*i for i < 10^6, mod 2^32, as an i32.
  let expected: i32 = (0..1_000_000u32).fold(0u32, |acc, i| acc.wrapping_add(i.wrapping_mul(i))) as i32;
  App::new("issue12_api.ts")
    .allow_all()
    .c("cat.c", "cat.wasm")
    .c("talker.c", "talker.wasm")
    .c_with("echo_reactor.c", "echo.wasm", &["-mexec-model=reactor"])
    .wat("pool_worker.wat", "pool_worker.wasm")
    .run()
    .ok(&format!(
      concat!(
        "cat: \"hello\\n\" {{\"code\":0,\"reason\":\"exit\"}}\n",
        "output: 0 \"out\\n\" \"err\\n\"\n",
        "captured: \"got: input\\n\"\n",
        "pool: {} 2\n",
      ),
      expected
    ));
}
