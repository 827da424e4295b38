//! mmstats-fuzz-loop SECONDS [SEED] CORPUS_DIR...
//!
//! Mutates corpus files (the operators of fuzz/mutate.py, driven by a xorshift generator) and feeds
//! them to readers/rust: scan, decode_bytes, CompiledLayout and the canonical JSON. A panic, a problem
//! out of order or out of the file, an accepted file that breaks the size or version rule, values from
//! the compiled layout that differ from decode_bytes, or canonical JSON the crate's own parser
//! rejects is a finding: the input is written to fuzz-finding-<n>.mmstats and the loop stops with
//! exit code 1. Prints executions and the outcome counts.

use std::collections::BTreeMap;
use std::panic;
use std::path::Path;
use std::time::{Duration, Instant};

use mmstats_reader::{canonical, decode_bytes, json, scan, CompiledLayout};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn used_end(data: &[u8]) -> usize {
    data.iter().rposition(|&b| b != 0).map_or(1, |i| i + 1)
}

/// One mutation, as in fuzz/mutate.py.
fn mutate(data: &mut Vec<u8>, rng: &mut Rng, donors: &[Vec<u8>]) {
    let hot = used_end(data) + 4;
    let pos = |rng: &mut Rng, len: usize| rng.below(hot.min(len).max(1)).min(len.saturating_sub(1));
    match rng.below(10) {
        0 if !data.is_empty() => {
            let p = pos(rng, data.len());
            data[p] = rng.next() as u8;
        }
        1 if !data.is_empty() => {
            let p = pos(rng, data.len());
            data[p] ^= 1 << rng.below(8);
        }
        2 if data.len() >= 2 => {
            let p = pos(rng, data.len()).min(data.len() - 2);
            let v: u16 = [0, 1, 2, 0xff, 0x100, 0x7fff, 0xffff, data.len() as u16, rng.next() as u16][rng.below(9)];
            data[p..p + 2].copy_from_slice(&v.to_le_bytes());
        }
        3 => {
            let p = if data.is_empty() { 0 } else { pos(rng, data.len()) };
            let n = 1 + rng.below(16);
            let ins = rng.bytes(n);
            data.splice(p..p, ins);
        }
        4 if !data.is_empty() => {
            let p = pos(rng, data.len());
            let end = (p + 1 + rng.below(16)).min(data.len());
            data.drain(p..end);
        }
        5 => {
            let cut = rng.below(data.len() + 1);
            data.truncate(cut);
        }
        6 => {
            if rng.below(2) == 0 {
                data.extend(std::iter::repeat_n(0, 4096));
            } else {
                let n = 1 + rng.below(64);
                data.extend(rng.bytes(n));
            }
        }
        7 if !donors.is_empty() => {
            let donor = &donors[rng.below(donors.len())];
            let start = rng.below(used_end(donor)).min(donor.len());
            let end = (start + 1 + rng.below(64)).min(donor.len());
            let p = if data.is_empty() { 0 } else { pos(rng, data.len()) };
            for (i, b) in donor[start..end].iter().enumerate() {
                if p + i < data.len() {
                    data[p + i] = *b;
                } else {
                    data.push(*b);
                }
            }
        }
        8 => {
            let end = used_end(data).min(data.len());
            data.truncate(end);
            let pad = (4096 - end % 4096) % 4096;
            data.extend(std::iter::repeat_n(0, pad));
        }
        _ if data.len() > 2 => {
            let (a, b, n) = (pos(rng, data.len()), pos(rng, data.len()), 1 + rng.below(32));
            let piece: Vec<u8> = data[a..(a + n).min(data.len())].to_vec();
            for (i, x) in piece.into_iter().enumerate() {
                if b + i < data.len() {
                    data[b + i] = x;
                }
            }
        }
        _ => {}
    }
}

/// Every property; Err names the broken one. Returns the outcome ("valid" or the first code).
fn check(data: &[u8]) -> Result<String, String> {
    let (fields, errors) = scan(data);
    for w in errors.windows(2) {
        if w[0].offset > w[1].offset {
            return Err(format!("problems out of order: {:?}", errors));
        }
    }
    for e in &errors {
        if e.offset > data.len() as u64 || e.message.is_empty() {
            return Err(format!("bad problem {e:?} for {} bytes", data.len()));
        }
    }
    let mut end = 1;
    for f in &fields {
        if f.offset != end || f.end() > data.len() {
            return Err(format!("bad layout {f:?} after {end}"));
        }
        end = f.end();
    }
    match decode_bytes(data) {
        Err(e) => {
            let first = errors.first().ok_or("decode failed but scan found nothing")?;
            if (e.code, e.offset) != (first.code, first.offset) {
                return Err(format!("decode {e:?} but first problem {first:?}"));
            }
            Ok(first.code.as_str().to_string())
        }
        Ok(decoded) => {
            if !errors.is_empty() || data.is_empty() || !data.len().is_multiple_of(4096) || data[0] != 1 {
                return Err(format!("accepted {} bytes with {} problems", data.len(), errors.len()));
            }
            let layout = CompiledLayout::parse(data).map_err(|e| format!("parse: {e:?}"))?;
            let mut values = Vec::new();
            layout.values_into(data, &mut values).map_err(|e| format!("values_into: {e:?}"))?;
            for (v, d) in values.iter().zip(&decoded) {
                let same = match (v, &d.value) {
                    (mmstats_reader::Value::Float(a), mmstats_reader::Value::Float(b)) => {
                        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
                    }
                    (a, b) => a == b,
                };
                if !same {
                    return Err(format!("compiled {v:?} but decoded {:?}", d.value));
                }
            }
            let text = canonical::to_json("fuzz", &decoded);
            json::parse(&text).map_err(|e| format!("canonical JSON does not parse: {e:?}"))?;
            Ok("valid".to_string())
        }
    }
}

fn corpus(dirs: &[String]) -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "mmstats") {
                if let Ok(data) = std::fs::read(&p) {
                    if data.len() <= 64 * 1024 {
                        out.push(data);
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for d in dirs {
        walk(Path::new(d), &mut out);
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: mmstats-fuzz-loop SECONDS SEED CORPUS_DIR...");
        std::process::exit(2);
    }
    let seconds: f64 = args[1].parse().expect("SECONDS");
    let seed: u64 = args[2].parse().expect("SEED");
    let donors = corpus(&args[3..]);
    assert!(!donors.is_empty(), "no corpus files");
    panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed | 1);
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut execs: u64 = 0;
    while Instant::now() < end {
        for _ in 0..256 {
            let mut data = donors[rng.below(donors.len())].clone();
            for _ in 0..1 + rng.below(8) {
                mutate(&mut data, &mut rng, &donors);
            }
            execs += 1;
            match panic::catch_unwind(|| check(&data)) {
                Ok(Ok(outcome)) => *outcomes.entry(outcome).or_default() += 1,
                found => {
                    let why = match found {
                        Ok(Err(why)) => why,
                        _ => "panic".to_string(),
                    };
                    let name = format!("fuzz-finding-{execs}.mmstats");
                    std::fs::write(&name, &data).expect("write the finding");
                    println!("FINDING after {execs} executions: {why} (input in {name})");
                    std::process::exit(1);
                }
            }
        }
    }
    println!("{{\"executions\": {execs}, \"seconds\": {seconds}, \"seed\": {seed}, \"outcomes\": {outcomes:?}}}");
}
