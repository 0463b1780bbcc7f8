//! `instance.memory.buffer` (issue 15): an ArrayBuffer over the guest's linear memory, through a
//! real kiln process. The rule it checks (ext_wasm/src/memory_view.rs): the same buffer while the
//! size is unchanged; after growth a new one, the old one still valid at the same address (a
//! write through it after growth reaches the guest); every buffer detached when the instance is
//! dropped or forgotten (a held memory keeps its forgotten instance's store); bytes an op borrowed stay mapped past the drop; no transfer; 5006 while
//! the store is busy, for a module without memory and for a component.

use kiln_test_support::App;

#[test]
fn memory_buffer_is_the_guests_memory_by_the_documented_rule() {
  App::new("memory_buffer.ts").allow_all().run().ok(concat!(
    "buffer: true 65536 true\n",
    "guest reads JS's write: 42 42 42\n",
    "JS reads the guest's writes: 7 8 9\n",
    "grow from JS: 1 true true\n",
    "lengths: 65536 65536 131072 42\n",
    "old view writes after growth: 11 12 11\n",
    "grow from guest: 2 262144 true\n",
    "held views after guest growth: 13 14 12\n",
    "grow from JS again: 4 327680 13\n",
    "transfer: TypeError TypeError TypeError 327680 42 4\n",
    "during a call: 5006 MemoryError\n",
    "the guest saw the flag: 5 ok 65536\n",
    "after drop: 0 0 0 undefined TypeError 5005 InvalidInstanceHandle\n",
    "borrowed past the drop: 0 1,2,3,4\n",
    "in turn: 0 7 rejected 5006 7\n",
    "overlapping write: 0,1,0,1,2,3,4,5 2,3\n",
    "many: 600 of 600 detached\n",
    "memory outlives its instance: 21,22,23 23\n",
    "then goes with it: 0\n",
    "no memory: 5006 MemoryError\n",
    "component: 5006 MemoryError\n",
    "message names the alternative: true\n",
  ));
}

/// `caller.memory.buffer` in a host function: the caller's memory, the same buffer while its size
/// is unchanged, usable after the call, detached with the instance, not transferable, and refused
/// (with `read` still working) while a start function runs.
#[test]
fn caller_memory_buffer_is_the_callers_memory() {
  App::new("caller_buffer.ts").allow_all().run().ok(concat!(
    "sees: hello 65536\n",
    "sees: hello 65536\n",
    "guest reads the host's write: 77\n",
    "same buffer on both calls: true\n",
    "usable after the call: 5\n",
    "transfer: TypeError\n",
    "start: 5006 MemoryError; read works: 1\n",
    "after drop: 0\n",
  ));
}
