//! Micro-benchmark of the hot paths, each beside a plain increment in the same run.
//!
//!     cargo run --release --example bench [ITERATIONS]
//!
//! Prints ns per operation and the ratio to its floor; asserts nothing (timings vary run to run).
//!
//! Floors. Version 1 lines compare with `x += n` on a local (a register add), as they always did.
//! The version 2 lines compare with "an increment of a value in memory": a relaxed load, add and
//! relaxed store of an `AtomicU64` on the heap. That is what a program pays to count into a variable
//! other code can see, and it is the same load and store the mmstats increment makes in the thread's
//! own slot, so what a ratio shows is what mmstats adds: finding the slot. Nothing else is added to the
//! floor: no call, no `black_box` of the pointer. None is needed: rustc does not merge or hoist atomic
//! accesses, so each iteration keeps its load and store (on x86-64 one `add` to memory, as C's volatile
//! `x += n`; the disassembly: README "Cost"). The addend passes `black_box` once per timed loop, a
//! run-time value as in a real program, the same for every line.
//!
//! Loop shape. Every op is timed by `time`, generic over the op: each op gets its own loop with the op
//! inlined into it (no call per iteration), the floor's loop built exactly as the others'. The ops take
//! turns round by round (`interleaved`), so that a change of load on a shared machine hits the floor
//! and the op alike. Each line reads its value back, so no loop is dead code.

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

/// ns per call of `n` calls of the op `make` returns, given the addend `black_box(1)`. Generic, so that each
/// op gets a loop of its own with the op inlined; the op made here and owned by this frame, so that what it
/// holds (a handle, a pointer) can stay in registers, as in a program's own loop. Never inlined itself, so
/// that each loop stands alone in the disassembly (`bench::time`).
#[inline(never)]
fn time<F: FnMut(u64)>(n: u64, make: impl FnOnce() -> F) -> f64 {
    let mut op = make();
    let step = black_box(1u64);
    let start = Instant::now();
    for _ in 0..n {
        op(step);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// The best of `rounds` rounds of each timing, the timings taking turns round by round: on a shared
/// machine a load change then hits the floor and the op alike. One indirect call per timing and round,
/// none per iteration.
fn interleaved<const K: usize>(rounds: usize, timings: [&mut dyn FnMut() -> f64; K]) -> [f64; K] {
    let mut best = [f64::INFINITY; K];
    let mut timings = timings;
    for _ in 0..rounds {
        for (timing, best) in timings.iter_mut().zip(&mut best) {
            *best = best.min(timing());
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
    let word: &AtomicU64 = &memory;
    let (mut i, mut j) = (0u64, 0usize);
    let texts = ["GET /index.html", "POST /api/v2/items"];
    let best = interleaved(
        7,
        [
            &mut || time(n, || |step| word.store(word.load(Ordering::Relaxed).wrapping_add(step), Ordering::Relaxed)),
            &mut || time(n, || |step| counter.add(step)),
            &mut || {
                time(n, || {
                    let local = counter.local();
                    move |step| local.add(step)
                })
            },
            &mut || time(n, || |step| shared.add(step)),
            &mut || {
                time(n, || {
                    |step: u64| {
                        i = i.wrapping_add(step);
                        histogram.observe(black_box((i % 256) as f64));
                    }
                })
            },
            &mut || {
                time(n, || {
                    |_| {
                        j ^= 1;
                        text.set(black_box(texts[j]));
                    }
                })
            },
        ],
    );
    let [floor, add, add_local, add_shared, observe, set] = best;

    println!("{n} operations per round, best of 7 rounds, the v2 lines taking turns with their floor");
    println!("plain increment in memory:   {floor:6.2} ns/op   1.0x (v2 floor: heap AtomicU64 load + store)");
    println!("v2 counter add thread slot:  {add:6.2} ns/op   {:.2}x", add / floor);
    println!("v2 counter local add, thread slot found once: {add_local:6.2} ns/op   {:.2}x", add_local / floor);
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
