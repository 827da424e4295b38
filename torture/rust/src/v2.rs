//! The version 2 torture: the checks of torture/check_v2.py, on `v2::Poller`, `v2::MappedPoller` and
//! `read_document`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use mmstats_reader::v2::{self, Kind, Value, ValueType};
use mmstats_reader::{read_document, Document, ReadError, DEFAULT_MAX_SIZE};

const K: i64 = (1 << 32) + 1;
const MAX_WRAPS: u64 = 1024;
const MAX_UPDOWN: i64 = 64;
const KINDS: [&str; 5] = ["counter", "updown_counter", "gauge", "string", "histogram"];

fn fits_string(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let digits = s.split('/').next().unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match digits.parse::<u64>() {
        Ok(k) => s == format!("{digits}/").repeat((1 + k % 7) as usize),
        Err(_) => false,
    }
}

fn fits_f64(x: f64) -> bool {
    let b = x.to_bits();
    b == 0 || (b >> 52 == 0x3ff && (b >> 32) & 0xfffff == b & 0xfffff && (b >> 20) & 0xfff == 0)
}

#[derive(Default)]
struct Checker {
    last: BTreeMap<String, u64>,
    checked: BTreeMap<&'static str, u64>,
    values: u64,
    torn: u64,
    nulls: u64,
    torn_fields: BTreeMap<String, u64>,
    example: Option<String>,
}

impl Checker {
    fn monotone(&mut self, label: &str, n: u64) -> bool {
        let last = self.last.entry(label.to_string()).or_default();
        let ok = n >= *last;
        *last = n;
        ok
    }

    fn fits(&mut self, f: &v2::Field, v: &Value) -> bool {
        match (f.kind, f.value_type, v) {
            (Kind::Counter, ValueType::U64, Value::UInt(u)) => {
                let wraps = ((u >> 32).wrapping_sub(u & 0xffff_ffff)) & 0xffff_ffff;
                wraps < MAX_WRAPS && self.monotone(&f.label, wraps << 32 | u & 0xffff_ffff)
            }
            (Kind::UpdownCounter, ValueType::I64, Value::Int(i)) => i % K == 0 && (i / K).abs() <= MAX_UPDOWN,
            (Kind::Gauge, ValueType::U64, Value::UInt(u)) => u >> 32 == u & 0xffff_ffff,
            (Kind::Gauge, ValueType::F64, Value::Float(x)) => fits_f64(*x),
            (Kind::String, _, Value::Text(s)) => fits_string(s),
            (Kind::Histogram, _, Value::Histogram(h)) => {
                // cumulative counts back to per-bucket counts
                let cum: Vec<u64> = h.buckets.iter().map(|b| b.1).collect();
                let b: Vec<u64> = cum.iter().enumerate().map(|(i, c)| c - if i > 0 { cum[i - 1] } else { 0 }).collect();
                if b.len() != 4 || b[3] != 0 || h.sum != 0.5 * b[0] as f64 + 2.0 * b[1] as f64 + 3.0 * b[2] as f64 {
                    return false;
                }
                self.monotone(&f.label, h.count)
            }
            _ => false,
        }
    }

    fn check(&mut self, f: &v2::Field) {
        let Some(&kind) = KINDS.iter().find(|k| **k == f.kind.name()) else { return };
        let Some(v) = &f.value else {
            self.nulls += 1;
            return;
        };
        *self.checked.entry(kind).or_default() += 1;
        self.values += 1;
        if !self.fits(f, v) {
            self.torn += 1;
            *self.torn_fields.entry(f.label.clone()).or_default() += 1;
            self.example.get_or_insert_with(|| format!("{}: {v:?}", f.label));
        }
    }
}

fn map_json<K: AsRef<str>>(m: impl Iterator<Item = (K, u64)>) -> String {
    let items: Vec<String> = m.map(|(k, v)| format!("{}: {v}", crate::json_str(k.as_ref()))).collect();
    format!("{{{}}}", items.join(", "))
}

/// Reads `path` for `seconds` with `mode` "poller" (v2::Poller), "mapped" (v2::MappedPoller) or "read"
/// (read_document); prints the result.
pub fn run(mode: &str, path: &Path, seconds: f64) {
    let mut poller = v2::Poller::new(path);
    let mut mapped = v2::MappedPoller::new(path);
    let mut c = Checker::default();
    for k in KINDS {
        c.checked.insert(k, 0);
    }
    let (mut reads, mut errors) = (0u64, BTreeMap::<String, u64>::new());
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < end {
        let got = match mode {
            "poller" => poller.read(),
            "mapped" => mapped.read(),
            "read" => read_document(path, DEFAULT_MAX_SIZE).and_then(|d| match d {
                Document::V2(f) => Ok(f),
                Document::V1(_) => Err(ReadError::Io(std::io::Error::other("not a version 2 file"))),
            }),
            _ => {
                eprintln!("unknown mode {mode}");
                std::process::exit(2);
            }
        };
        match got {
            Ok(file) => {
                reads += 1;
                for f in &file.fields {
                    c.check(f);
                }
            }
            Err(ReadError::Format(fe)) => *errors.entry(fe.code.as_str().to_string()).or_default() += 1,
            Err(ReadError::Io(_)) => *errors.entry("io".to_string()).or_default() += 1,
        }
    }
    println!(
        "{{\"reader\": \"rust-{mode}\", \"reads\": {reads}, \"values\": {}, \"checked\": {}, \"torn\": {}, \
         \"nulls\": {}, \"errors\": {}, \"example\": {}, \"torn_fields\": {}, \"seconds\": {seconds}}}",
        c.values,
        map_json(c.checked.iter().map(|(k, v)| (*k, *v))),
        c.torn,
        c.nulls,
        map_json(errors.iter().map(|(k, v)| (k, *v))),
        c.example.map(|e| crate::json_str(&e)).unwrap_or_else(|| "null".into()),
        map_json(c.torn_fields.iter().map(|(k, v)| (k, *v))),
    );
}
