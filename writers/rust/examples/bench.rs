//! Micro-benchmark of the hot path: a counter increment against a plain `x += n`.
//!
//!     cargo run --release --example bench [ITERATIONS]
//!
//! Prints ns per operation and the ratio to the plain add; asserts nothing (timings vary run to run).

use std::hint::black_box;
use std::time::Instant;

use mmstats_writer::{FieldDesc, MmstatsFile};

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

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000_000);
    let path = std::env::temp_dir().join(format!("mmstats-rust-bench-{}.mmstats", std::process::id()));
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

    // What a reader sees afterwards (5 rounds of n increments each).
    let fields = mmstats_reader::read(&path, mmstats_reader::DEFAULT_MAX_SIZE).expect("read back");
    for f in &fields {
        println!("read back: {} = {:?}", f.label, f.value);
    }
    file.remove().expect("remove the benchmark file");
}
