//! 3. Source types.

use super::*;

/// An `application/gzip` inline source is a tar.gz extracted to a directory at the Target; the
/// base64 may hold whitespace.
#[test]
fn inline_tar_gz_is_a_directory() {
  let work = Work::new();
  work.write("tree/a.txt", "alpha\n");
  work.write("tree/sub/b.txt", "beta\n");
  let archive = work.path().join("tree.tar.gz");
  let status = Command::new("tar")
    .arg("czf")
    .arg(&archive)
    .arg("-C")
    .arg(work.path().join("tree"))
    .arg(".")
    .status()
    .expect("tar");
  assert!(status.success());
  let encoded = base64(&std::fs::read(&archive).unwrap());
  let wrapped: Vec<String> = encoded.as_bytes().chunks(60).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
  let url = format!("data:application/gzip;base64,{}", wrapped.join("\n  "));
  let spec = simple(
    "tgz",
    "cat",
    &["inputs/a.txt", "/inputs/sub/b.txt"],
    vec![json!({"Source": {"Type": "inline", "Params": {"URL": url}}, "Target": "/inputs"})],
  );
  for file in ["job.yaml", "job.json"] {
    let work = Work::new();
    let run = work.run_file(file, &spec, &[]);
    assert_eq!(run.stdout, "alpha\nbeta\n", "{file}: {}", run.stderr);
    completed(&run, "tgz", "0", &work.out());
    assert_results(&work.out(), b"alpha\nbeta\n", b"", "0", &[]);
  }
}

/// urlDownload: the file lands at `Target/<basename of the URL path>` (url_test.go: two URLs at
/// /inputs-1 and /inputs-2, and a local file beside a URL). A download that fails fails the job.
#[test]
fn url_download_from_a_loopback_server() {
  let (base, seen) =
    serve(vec![("/files/one.txt", b"one\n".to_vec()), ("/other/dir/two.csv?version=2", b"two\n".to_vec())]);
  let url = |path: &str| json!({"Source": {"Type": "urlDownload", "Params": {"URL": format!("{base}{path}")}}});
  let mut first = url("/files/one.txt");
  first["Target"] = json!("/inputs-1");
  let mut second = url("/other/dir/two.csv?version=2");
  second["Target"] = json!("inputs-2");
  let work = Work::new();
  let spec = simple("url", "cat", &["/inputs-1/one.txt", "inputs-2/two.csv"], vec![first.clone(), second]);
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "one\ntwo\n", "{}", run.stderr);
  completed(&run, "url", "0", &work.out());
  assert_results(&work.out(), b"one\ntwo\n", b"", "0", &[]);
  let requests = seen.lock().unwrap().clone();
  assert!(requests.contains(&"GET /files/one.txt".to_string()), "{requests:?}");
  assert!(requests.contains(&"GET /other/dir/two.csv?version=2".to_string()), "{requests:?}");

  // A local file next to a URL.
  let work = Work::new();
  let file = work.write("host/local.txt", "local\n");
  let spec = simple(
    "url",
    "cat",
    &["/inputs-1/one.txt", "/local/local.txt"],
    vec![first.clone(), local("local", &file, "/local/local.txt")],
  );
  let run = work.run(&spec, &["--allow-local", file.to_str().unwrap()]);
  assert_eq!(run.stdout, "one\nlocal\n", "{}", run.stderr);
  completed(&run, "url", "0", &work.out());

  // A 404: the job fails, naming the input.
  let mut missing = url("/nothing/here.txt");
  missing["Target"] = json!("/inputs-3");
  let work = Work::new();
  let run = work.run(&simple("url", "cat", &["/inputs-3/here.txt"], vec![missing]), &[]);
  let line = failed(&run, "url");
  assert!(line.contains("Tasks[0].InputSources[1]") && line.contains("404"), "{line}");
  assert_eq!(run.stdout, "");
}

/// s3 and ipfs sources cannot be fetched by a local run: validation fails, saying to submit the
/// job to a cluster.
#[test]
fn s3_and_ipfs_sources_fail_validation() {
  let sources = [
    json!({"Source": {"Type": "s3", "Params": {"Bucket": "b", "Key": "k", "Region": "eu-west-1"}}, "Target": "/data"}),
    json!({"Source": {"Type": "ipfs", "Params": {"CID": "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"}}, "Target": "/data"}),
  ];
  for source in sources {
    let kind = source["Source"]["Type"].as_str().unwrap().to_string();
    let spec = simple("remote", "cat", &["/data"], vec![source]);
    let work = Work::new();
    let check = work.validate(&spec);
    let stderr = refused(&check, &["Tasks[0].InputSources[1].Source.Type", "kiln job submit", "cluster"]);
    assert!(stderr.contains(&kind), "{kind}: {stderr}");
    let run = work.run(&spec, &[]);
    refused(&run, &["Tasks[0].InputSources[1].Source.Type", "cluster"]);
    assert!(!work.out().exists(), "{kind}: a refused job writes no results");
  }
}
