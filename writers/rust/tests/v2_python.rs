//! Independent decoding: a file with every kind, written from several threads, read by the
//! repository's Python reader (`mmstats read --json`); and every version 2 writer scenario of the
//! corpus read back by the Rust reader and compared with its `expect`.

mod v2_common;

use mmstats_reader::json::{self, Json};
use mmstats_reader::v2::compare::diff;
use mmstats_writer::v2::Stats;
use mmstats_writer::{run_scenario, ScenarioFailure};
use v2_common::{python_read, read, repo, stated, TempDir};

#[test]
fn every_kind_reads_back_in_python() {
    let tmp = TempDir::new("python");
    let path = tmp.path("all.mmstats");
    let stats = Stats::builder().path(&path).keep_on_close(true).slot_count(4).create().unwrap();
    let requests =
        stats.counter("http.requests").help("Requests").unit("{request}").attr("status", "2xx").build().unwrap();
    let cpu = stats.counter_f64("cpu.time").unit("s").build().unwrap();
    let conns = stats.updown_counter("connections").build().unwrap();
    let level = stats.updown_counter_f64("level").build().unwrap();
    let latency = stats.histogram("http.latency", &[10.0, 100.0]).unit("ms").build().unwrap();
    stats.gauge("temperature").unit("Cel").build().unwrap().set(-0.0);
    stats.gauge_i64("queue").build().unwrap().set(-7);
    stats.gauge_u64("big").build().unwrap().set(u64::MAX);
    stats.constant("build.version", "2.0.1").build().unwrap();
    stats.constant("build.number", 4711u64).build().unwrap();
    stats.constant("ratio", 0.25).build().unwrap();
    stats.constant("offset", -12i64).build().unwrap();
    let state = stats.string("state").capacity(8).value("starting").build().unwrap();
    // 6 threads on 3 thread slots and the shared slot: some share slot 0.
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let (requests, cpu, conns, level, latency) =
                (requests.clone(), cpu.clone(), conns.clone(), level.clone(), latency.clone());
            std::thread::spawn(move || {
                for i in 0..1000 {
                    requests.inc();
                    cpu.add(0.5);
                    conns.add(if i % 2 == 0 { 3 } else { -4 });
                    level.add(-0.25);
                    latency.observe([5.0, 50.0, 500.0][(i + t) % 3]);
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    state.set("running and more"); // cut to 8 bytes
    stats.close().unwrap();

    let doc = python_read(&path);
    assert_eq!(doc.get("state").and_then(Json::as_str), Some("closed"));
    assert_eq!(doc.get("pid").and_then(Json::as_integer_text), Some(std::process::id().to_string().as_str()));
    let want = json::parse(
        r#"[
        {"label": "http.requests", "kind": "counter", "type": "u64", "unit": "{request}", "help": "Requests",
         "attributes": {"status": "2xx"}, "value": 6000},
        {"label": "cpu.time", "kind": "counter", "type": "f64", "unit": "s", "help": "", "attributes": {}, "value": 3000.0},
        {"label": "connections", "kind": "updown_counter", "type": "i64", "unit": "", "help": "", "attributes": {},
         "value": -3000},
        {"label": "level", "kind": "updown_counter", "type": "f64", "unit": "", "help": "", "attributes": {},
         "value": -1500.0},
        {"label": "http.latency", "kind": "histogram", "type": "f64", "unit": "ms", "help": "", "attributes": {},
         "value": {"count": 6000, "sum": 1110000.0, "buckets": [{"le": 10.0, "count": 2000},
                   {"le": 100.0, "count": 4000}, {"le": "Infinity", "count": 6000}]}},
        {"label": "temperature", "kind": "gauge", "type": "f64", "unit": "Cel", "help": "", "attributes": {}, "value": -0.0},
        {"label": "queue", "kind": "gauge", "type": "i64", "unit": "", "help": "", "attributes": {}, "value": -7},
        {"label": "big", "kind": "gauge", "type": "u64", "unit": "", "help": "", "attributes": {},
         "value": 18446744073709551615},
        {"label": "build.version", "kind": "constant", "type": "utf8", "unit": "", "help": "", "attributes": {},
         "value": "2.0.1"},
        {"label": "build.number", "kind": "constant", "type": "u64", "unit": "", "help": "", "attributes": {}, "value": 4711},
        {"label": "ratio", "kind": "constant", "type": "f64", "unit": "", "help": "", "attributes": {}, "value": 0.25},
        {"label": "offset", "kind": "constant", "type": "i64", "unit": "", "help": "", "attributes": {}, "value": -12},
        {"label": "state", "kind": "string", "type": "utf8", "unit": "", "help": "", "attributes": {}, "value": "running "}
        ]"#,
    )
    .unwrap();
    let want = Json::Object(vec![("format_version".into(), Json::Number("2".into())), ("fields".into(), want)]);
    let problems = diff(&stated(&want, &doc), &doc);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_v2_writer_scenario_reads_back_as_expected() {
    let dir = repo().join("conformance/v2/writer-scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 7, "{} scenarios in {}", files.len(), dir.display());
    let tmp = TempDir::new("scenarios");
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let out = tmp.path(&format!("{}.mmstats", path.file_stem().unwrap().to_string_lossy()));
        run_scenario(&text, &out).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let got = json::parse(&mmstats_reader::v2::canonical::to_json("out", &read(&out))).unwrap();
        let expect = json::parse(&text).unwrap();
        let expect = expect.get("expect").unwrap();
        for d in diff(&stated(expect, &got), &got) {
            failures.push(format!("{}: {d}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_bad_v2_scenario_leaves_no_file() {
    let tmp = TempDir::new("bad-scenario");
    let out = tmp.path("o.mmstats");
    let run = |text: &str| run_scenario(text, &out);
    let base = r#"{"format_version": 2, "capacities": {"meta_capacity": 4096, "process_capacity": 4096, "slot_size": 1024, "slot_count": 8}, "#;
    let fields =
        r#""fields": [{"label": "c", "kind": "counter", "type": "u64", "unit": "", "help": "", "attributes": {}}], "#;
    let bad_op = format!(r#"{base}{fields}"updates": [{{"field": 0, "op": "set", "value": 1}}]}}"#);
    assert_eq!(run(&bad_op), Err(ScenarioFailure::Scenario("updates[0]: op \"set\" does not apply to field 0".into())));
    let bad_kind = format!(
        r#"{base}"fields": [{{"label": "c", "kind": "counter", "type": "utf8", "unit": "", "help": "", "attributes": {{}}}}], "updates": []}}"#
    );
    assert!(matches!(run(&bad_kind), Err(ScenarioFailure::Scenario(m)) if m.starts_with("fields[0]: kind")));
    // A unit no file may hold: refused when the field is added, and the file is removed again.
    let bad_unit = format!(
        r#"{base}"fields": [{{"label": "c", "kind": "counter", "type": "u64", "unit": "a b", "help": "", "attributes": {{}}}}], "updates": []}}"#
    );
    assert!(matches!(run(&bad_unit), Err(ScenarioFailure::Write(m)) if m.contains("unit")));
    assert!(!out.exists());
    let version = r#"{"format_version": 3}"#;
    assert!(matches!(run(version), Err(ScenarioFailure::Scenario(_))));
}
