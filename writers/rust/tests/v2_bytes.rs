//! The bytes of each kind against the corpus: files built with this writer, with the corpus's identity
//! and capacities and every update in the shared slot, equal conformance/v2/valid/*.mmstats byte for
//! byte (the corpus is built from the format's schema by the conformance generator, not by this writer).

mod v2_common;

use v2_common::{repo, TempDir};

use mmstats_writer::v2::{Stats, StatsBuilder};

/// The corpus files' producer and capacities (mmstats_conformance/model_v2.py, `File2`).
fn corpus_like(path: &std::path::Path) -> StatsBuilder {
    Stats::builder()
        .path(path)
        .identity(4242, 987654, 1764672000000000000)
        .meta_capacity(1024)
        .process_capacity(512)
        .slot_size(256)
        .slot_count(4)
        .thread_slots(false)
}

type Build = fn(&Stats);

fn cases() -> Vec<(&'static str, Build)> {
    vec![
        ("kinds/counter-u64", |s| s.counter("c").build().unwrap().add(7)),
        ("kinds/counter-f64", |s| s.counter_f64("cpu").unit("s").build().unwrap().add(1.5)),
        ("kinds/gauge-u64", |s| s.gauge_u64("g").build().unwrap().set(u64::MAX)),
        ("kinds/gauge-i64", |s| s.gauge_i64("g").build().unwrap().set(i64::MIN)),
        ("kinds/gauge-f64", |s| s.gauge("g").build().unwrap().set(0.1)),
        ("kinds/updown-i64", |s| s.updown_counter("conns").build().unwrap().add(-2)),
        ("kinds/updown-f64", |s| s.updown_counter_f64("level").build().unwrap().add(-0.25)),
        ("kinds/constant-u64", |s| assert!(s.constant("k", 3u64).build().unwrap())),
        ("kinds/constant-i64", |s| assert!(s.constant("k", -1i64).build().unwrap())),
        ("kinds/constant-f64", |s| assert!(s.constant("k", 2.5).build().unwrap())),
        ("kinds/constant-utf8", |s| assert!(s.constant("version", "1.2.3").capacity(8).build().unwrap())),
        ("kinds/string", |s| s.string("s").capacity(16).build().unwrap().set("running")),
        ("kinds/all", |s| {
            s.counter("c").build().unwrap().add(1);
            s.gauge("g").build().unwrap().set(1.0);
            s.updown_counter("u").build().unwrap().add(-1);
            s.constant("k", 1u64).build().unwrap();
            s.string("s").capacity(8).value("x").build().unwrap();
            s.histogram("h", &[1.0]).build().unwrap().observe(0.5);
        }),
        ("attributes/several", |s| {
            let c = s.counter("http.requests").attr("method", "GET").attr("status", "2xx").attr("route", "/");
            c.build().unwrap().add(4)
        }),
        ("attributes/same-name", |s| {
            s.counter("http.requests").attr("status", "2xx").build().unwrap().add(10);
            s.counter("http.requests").attr("status", "5xx").build().unwrap().add(1);
        }),
        ("attributes/empty-value-unicode", |s| {
            s.gauge_u64("m").attrs([("empty", ""), ("città", "Zürich ✓")]).build().unwrap().set(1)
        }),
        ("text/unicode", |s| s.gauge("temp.°C").unit("Cel").help("Température de l’eau ✓").build().unwrap().set(21.5)),
        ("units/max-length", |s| s.gauge_u64("m").unit(&format!("{{{}}}", "x".repeat(61))).build().unwrap().set(1)),
        ("text/string-full", |s| s.string("s").capacity(8).build().unwrap().set("12345678")),
    ]
}

#[test]
fn every_kind_is_byte_identical_to_the_corpus() {
    let tmp = TempDir::new("bytes");
    let mut failures = Vec::new();
    for (case, build) in cases() {
        let want_path = repo().join("conformance/v2/valid").join(format!("{case}.mmstats"));
        let want = std::fs::read(&want_path).unwrap_or_else(|e| panic!("{}: {e}", want_path.display()));
        let out = tmp.path(&format!("{}.mmstats", case.replace('/', "-")));
        let stats = corpus_like(&out).create().unwrap();
        build(&stats);
        let got = std::fs::read(&out).unwrap(); // while open: state ready, as the corpus files
        stats.close().unwrap();
        if want != got {
            let at = want.iter().zip(&got).position(|(a, b)| a != b);
            failures.push(format!("{case}: {} vs {} bytes, first difference at {at:?}", want.len(), got.len()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
