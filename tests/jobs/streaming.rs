//! 4. Live streaming.

use super::*;

/// WasmLogTest without --fast: logtest writes each line of its input to stdout (even length) or
/// stderr (odd length) and sleeps between lines (384, 0, 16, 16, 16, 272, 128, 16, 384, 400,
/// 384, 384 ms). kiln must pass the lines on as they come, in the program's order.
#[test]
fn logtest_streams_live_in_order() {
  // Twelve lines of our own, alternately even (stdout) and odd (stderr) in length.
  let lines: Vec<String> = (0..12)
    .map(|i| {
      let base = format!("Line {i:02}: the kiln is hot and the glaze runs");
      if i % 2 == 0 {
        assert_eq!(base.len() % 2, 1);
        format!("{base}!")
      } else {
        base
      }
    })
    .collect();
  let pauses = [384u64, 0, 16, 16, 16, 272, 128, 16, 384, 400, 384, 384];
  let work = Work::new();
  let mut input = lines.join("\n");
  input.push('\n');
  let spec = simple("logtest", "logtest", &["inputs/text.txt"], vec![inline("/inputs/text.txt", input.as_bytes())]);
  work.spec("job.yaml", &spec);

  // Events in the program's order: (on stdout?, the line as written).
  let mut events: Vec<(bool, Vec<u8>)> = lines
    .iter()
    .enumerate()
    .map(|(i, l)| {
      let color = if i % 2 == 0 { "\x1b[32m" } else { "\x1b[31m" };
      (i % 2 == 0, format!("{color}{l}").into_bytes())
    })
    .collect();
  events.push((true, b"\x1b[0m".to_vec()));

  let mut child = Command::new(kiln_bin())
    .args(["job", "run", "job.yaml", "--output", "out"])
    .current_dir(work.path())
    .env("KILN_CACHE_DIR", test_cache_dir())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawning kiln");
  let seq = Arc::new(AtomicUsize::new(0));
  // Each line read: (on stdout?, bytes without the newline, sequence number, when).
  type Arrival = (bool, Vec<u8>, usize, Instant);
  let reader = |pipe: Box<dyn Read + Send>, is_stdout: bool, seq: Arc<AtomicUsize>| {
    std::thread::spawn(move || {
      let mut got: Vec<Arrival> = Vec::new();
      for line in BufReader::new(pipe).split(b'\n') {
        let Ok(line) = line else { break };
        got.push((is_stdout, line, seq.fetch_add(1, Ordering::SeqCst), Instant::now()));
      }
      got
    })
  };
  let out_thread = reader(Box::new(child.stdout.take().unwrap()), true, seq.clone());
  let err_thread = reader(Box::new(child.stderr.take().unwrap()), false, seq.clone());
  let deadline = Instant::now() + Duration::from_secs(60);
  let status = loop {
    if let Some(status) = child.try_wait().unwrap() {
      break Some(status);
    }
    if Instant::now() > deadline {
      let _ = child.kill();
      break None;
    }
    std::thread::sleep(Duration::from_millis(2));
  };
  let exited = Instant::now();
  let stdout_lines = out_thread.join().unwrap();
  let mut stderr_lines = err_thread.join().unwrap();
  assert!(status.is_some_and(|s| s.success()), "kiln: {status:?}; stderr: {stderr_lines:?}");
  let summary = stderr_lines.pop().expect("the summary line");
  assert!(text(&summary.1).starts_with("job logtest: completed, exit code 0, "), "{}", text(&summary.1));

  // Each stream has its lines, in order.
  let want_out: Vec<&[u8]> = events.iter().filter(|e| e.0).map(|e| e.1.as_slice()).collect();
  let want_err: Vec<&[u8]> = events.iter().filter(|e| !e.0).map(|e| e.1.as_slice()).collect();
  let got_out: Vec<&[u8]> = stdout_lines.iter().map(|a| a.1.as_slice()).collect();
  let got_err: Vec<&[u8]> = stderr_lines.iter().map(|a| a.1.as_slice()).collect();
  assert_eq!(got_out.iter().map(|l| text(l)).collect::<Vec<_>>(), want_out.iter().map(|l| text(l)).collect::<Vec<_>>());
  assert_eq!(got_err.iter().map(|l| text(l)).collect::<Vec<_>>(), want_err.iter().map(|l| text(l)).collect::<Vec<_>>());

  // Lines arrive while the guest runs: the first stdout line comes well before kiln exits (the
  // guest sleeps 2.4 s after writing it), and the stdout lines spread out over time.
  let first_out = stdout_lines[0].3;
  assert!(
    exited.duration_since(first_out) >= Duration::from_millis(1200),
    "the first stdout line arrived only {:?} before kiln exited: the output was not streamed",
    exited.duration_since(first_out)
  );
  let tenth = stdout_lines[5].3; // event 10
  assert!(tenth.duration_since(first_out) >= Duration::from_millis(1000), "{:?}", tenth.duration_since(first_out));

  // Across streams, events separated by at least 250 ms of sleeping arrive in program order
  // (events closer than that may be read by the two reader threads in either order).
  let mut arrivals: Vec<&Arrival> = Vec::new();
  let (mut o, mut e) = (stdout_lines.iter(), stderr_lines.iter());
  for (on_stdout, _) in &events {
    arrivals.push(if *on_stdout { o.next().unwrap() } else { e.next().unwrap() });
  }
  for i in 0..events.len() {
    for j in i + 1..events.len() {
      let slept: u64 = pauses[i..j].iter().sum();
      if slept >= 250 && events[i].0 != events[j].0 {
        assert!(
          arrivals[i].2 < arrivals[j].2,
          "event {i} ({}) should arrive before event {j} ({}), {slept} ms later",
          text(&events[i].1),
          text(&events[j].1)
        );
      }
    }
  }
  // The result files hold the same bytes.
  let mut want_stdout = Vec::new();
  for l in &want_out {
    want_stdout.extend_from_slice(l);
    want_stdout.push(b'\n');
  }
  let mut want_stderr = Vec::new();
  for l in &want_err {
    want_stderr.extend_from_slice(l);
    want_stderr.push(b'\n');
  }
  assert_results(&work.out(), &want_stdout, &want_stderr, "0", &[]);
}
