//! The one-shot read of N files (`read_document`: open, read, decode, close) beside a raw read
//! of the same bytes (open, read, close), interleaved round by round.
//!
//!     cargo run --release --example bench_decode -- PATHLIST ROUNDS
//!
//! PATHLIST holds one path per line. Prints "raw NS decode NS fields N": the median over the
//! rounds of each pass in nanoseconds per file, and the fields decoded per pass.
//! bench/readers.py runs it for the scale table.
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::exit;
use std::time::Instant;

use mmstats_reader::{read_document, Document, DEFAULT_MAX_SIZE};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: bench_decode PATHLIST ROUNDS");
        exit(2);
    }
    let list = std::fs::read_to_string(&args[1]).unwrap_or_else(|e| {
        eprintln!("{}: {e}", args[1]);
        exit(2)
    });
    let paths: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    let rounds: usize = args[2].parse().unwrap_or(0);
    if rounds == 0 || paths.is_empty() {
        eprintln!("bench_decode: no paths, or ROUNDS < 1");
        exit(2);
    }
    let mut buf = vec![0u8; 1 << 16];
    let (mut raw, mut dec) = (Vec::new(), Vec::new());
    let mut fields = 0;
    for _ in 0..rounds {
        let t0 = Instant::now();
        for p in &paths {
            let mut f = File::open(p).unwrap_or_else(|e| {
                eprintln!("{p}: {e}");
                exit(1)
            });
            if f.read(&mut buf).unwrap_or(0) == 0 {
                eprintln!("{p}: not read");
                exit(1)
            }
        }
        let t1 = Instant::now();
        fields = 0;
        for p in &paths {
            match read_document(Path::new(p), DEFAULT_MAX_SIZE) {
                Ok(Document::V1(f)) => fields += f.len(),
                Ok(Document::V2(f)) => fields += f.fields.len(),
                Err(e) => {
                    eprintln!("{p}: {e}");
                    exit(1)
                }
            }
        }
        let t2 = Instant::now();
        raw.push((t1 - t0).as_nanos() as f64 / paths.len() as f64);
        dec.push((t2 - t1).as_nanos() as f64 / paths.len() as f64);
    }
    raw.sort_by(f64::total_cmp);
    dec.sort_by(f64::total_cmp);
    println!("raw {:.0} decode {:.0} fields {}", raw[rounds / 2], dec[rounds / 2], fields);
}
