//! Micro-benchmark of the hot paths, each beside a plain increment in the same run.
//!
//!     cargo run --release --example bench [ITERATIONS]
//!
//! Prints ns per operation and the ratio to its floor; asserts nothing (timings vary run to run).
//!
//! Floors. Version 1 lines compare with `x += n` on a local (a register add), as they always did.
//! The version 2 counter compares with the honest floor of "an increment of a value in memory": a
//! relaxed load, add and relaxed store of an `AtomicU64` on the heap, reached through a pointer that
//! passes `black_box` every iteration, so that neither the load nor the store can be kept in a register
//! or hoisted out of the loop. The mmstats increment is the same load and store (its atomics are never
//! merged or hoisted either) plus finding the thread's slot; both loops have the same shape and the
//! same addend through `black_box`. Each line reads its value back, so no loop is dead code.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use mmstats_writer::{FieldDesc, MmstatsFile, Stats};

/// The best of a few rounds of `n` calls of `op`, in ns per call.
fn ns_per_op(n: u64, mut op: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                op();
            }
            start.elapsed().as_nanos() as f64 / n as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// The best of `rounds` rounds of `n` calls of each op, in ns per call, the ops taking turns round by
/// round: on a shared machine a load change then hits the floor and the op alike.
fn interleaved(n: u64, rounds: usize, ops: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let mut best = vec![f64::INFINITY; ops.len()];
    for _ in 0..rounds {
        for (op, best) in ops.iter_mut().zip(&mut best) {
            let start = Instant::now();
            for _ in 0..n {
                op();
            }
            *best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
        }
    }
    best
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000_000);
    let dir = std::env::temp_dir();
    let path = dir.join(format!("mmstats-rust-bench-{}.mmstats", std::process::id()));
    let fields = [FieldDesc::new("bench.buffered", "Q", true), FieldDesc::new("bench.unbuffered", "Q", false)];
    let file = MmstatsFile::create(&path, &fields).expect("create the benchmark file");
    let mut buffered = file.slot::<u64>("bench.buffered").unwrap();
    let mut unbuffered = file.slot::<u64>("bench.unbuffered").unwrap();

    let mut x = 0u64;
    let plain = ns_per_op(n, || x += black_box(1));
    black_box(x);
    let incr = ns_per_op(n, || buffered.incr(black_box(1)));
    let incr_unbuffered = ns_per_op(n, || unbuffered.incr(black_box(1)));

    println!("{n} operations, best of 5 rounds");
    println!("plain x += n:                {plain:6.2} ns/op   1.0x");
    println!("buffered counter incr:       {incr:6.2} ns/op   {:.1}x", incr / plain);
    println!("unbuffered counter incr:     {incr_unbuffered:6.2} ns/op   {:.1}x", incr_unbuffered / plain);
    drop((buffered, unbuffered));
    let fields = mmstats_reader::read(&path, mmstats_reader::DEFAULT_MAX_SIZE).expect("read back");
    for f in &fields {
        println!("read back: {} = {:?}", f.label, f.value);
    }
    file.remove().expect("remove the benchmark file");

    // Version 2: one file per process.
    let v2_path = dir.join(format!("mmstats-rust-bench-v2-{}.mmstats", std::process::id()));
    let stats = Stats::builder().path(&v2_path).create().expect("create the v2 benchmark file");
    let counter = stats.counter("bench.counter").build().unwrap();
    let histogram = stats.histogram("bench.latency", &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]).build().unwrap();
    let text = stats.string("bench.text").capacity(32).build().unwrap();
    let shared_stats = Stats::builder()
        .path(dir.join(format!("mmstats-rust-bench-v2s-{}.mmstats", std::process::id())))
        .thread_slots(false)
        .create()
        .expect("create the shared-slot benchmark file");
    let shared = shared_stats.counter("bench.counter").build().unwrap();

    let memory = Box::new(AtomicU64::new(0));
    let mut floor_op = || {
        let word: &AtomicU64 = black_box(&memory);
        word.store(word.load(Ordering::Relaxed).wrapping_add(black_box(1)), Ordering::Relaxed);
    };
    let mut add_op = || counter.add(black_box(1));
    let mut shared_op = || shared.add(black_box(1));
    let mut i = 0u64;
    let mut observe_op = || {
        i = i.wrapping_add(1);
        histogram.observe(black_box((i % 256) as f64));
    };
    let texts = ["GET /index.html", "POST /api/v2/items"];
    let mut j = 0usize;
    let mut set_op = || {
        j ^= 1;
        text.set(black_box(texts[j]));
    };
    let best = interleaved(n, 7, &mut [&mut floor_op, &mut add_op, &mut shared_op, &mut observe_op, &mut set_op]);
    let [floor, add, add_shared, observe, set] = best[..] else { unreachable!("five ops") };

    println!("{n} operations per round, best of 7 rounds, the v2 lines taking turns with their floor");
    println!("plain increment in memory:   {floor:6.2} ns/op   1.0x (v2 floor: relaxed load + store via black_box)");
    println!("v2 counter add thread slot:  {add:6.2} ns/op   {:.2}x", add / floor);
    println!("v2 counter add shared slot:  {add_shared:6.2} ns/op   {:.2}x (atomic fetch_add)", add_shared / floor);
    println!("v2 histogram observe:        {observe:6.2} ns/op   {:.2}x (9 buckets, own slot)", observe / floor);
    println!("v2 string set:               {set:6.2} ns/op   {:.2}x (15-18 bytes, CAS sequence)", set / floor);
    let file = match mmstats_reader::read_document(&v2_path, mmstats_reader::DEFAULT_MAX_SIZE) {
        Ok(mmstats_reader::Document::V2(file)) => file,
        other => panic!("read back: {other:?}"),
    };
    println!("read back: floor = {}", memory.load(Ordering::Relaxed));
    for f in &file.fields {
        let shown = match &f.value {
            Some(mmstats_reader::v2::Value::Histogram(h)) => format!("count {}", h.count),
            other => format!("{other:?}"),
        };
        println!("read back: {} = {shown}", f.label);
    }
    drop((counter, histogram, text, shared));
    stats.close().expect("close the v2 benchmark file");
    shared_stats.close().expect("close the shared-slot benchmark file");
}
