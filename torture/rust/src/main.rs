//! torture-rust-reader MODE PATH SECONDS
//! torture-rust-reader v2 MODE PATH SECONDS
//!
//! MODE: `statsreader` (mmstats_reader::StatsReader: layout once, re-check of write buffers) or
//! `read` (mmstats_reader::read: whole file, re-check). Prints one JSON object like
//! torture/py_reader.py; the checks are torture/check.py's.
//! Version 2 (v2.rs): MODE `poller` (v2::Poller), `mapped` (v2::MappedPoller) or `read` (read_document),
//! the checks of torture/check_v2.py, one JSON object like torture/py_reader_v2.py.

mod v2;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use mmstats_reader::{read, ReadError, StatsReader, Value};

/// Is `v` a value torture-writer stored (or the initial zero)?
fn fits(typ: &str, v: &Value) -> bool {
    match (typ, v) {
        ("Q", Value::UInt(u)) => u >> 32 == u & 0xffff_ffff,
        ("I", Value::UInt(u)) => u >> 16 == u & 0xffff,
        ("H", Value::UInt(u)) => u >> 8 == u & 0xff,
        ("d", Value::Float(x)) => {
            let b = x.to_bits();
            b == 0 || (b >> 52 == 0x3ff && (b >> 32) & 0xfffff == b & 0xfffff && (b >> 20) & 0xfff == 0)
        }
        ("f", Value::Float(x)) => {
            let b = (*x as f32).to_bits();
            b == 0 || (b >> 23 == 0x7f && (b >> 12) & 0x7ff == b & 0x7ff && (b >> 11) & 1 == 0)
        }
        ("16s", Value::Text(s)) => {
            s.is_empty()
                || (s.len() == 16
                    && s[..8] == s[8..]
                    && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)))
        }
        _ => false,
    }
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Reads `path` with one StatsReader, prints its labels, waits for a line on stdin, reads again and
/// prints the labels (or the error code): the in-place rewrite test of tests/test_reliability_files.py.
fn twice(path: &Path) {
    let mut reader = StatsReader::new(path);
    for round in 0..2 {
        if round == 1 {
            let mut line = String::new();
            if std::io::stdin().read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
        }
        match reader.read() {
            Ok(_) => {
                let labels: Vec<String> =
                    reader.layout().expect("read succeeded").fields().iter().map(|f| json_str(&f.label)).collect();
                println!("{{\"labels\": [{}]}}", labels.join(", "));
            }
            Err(ReadError::Format(fe)) => println!("{{\"error\": {}}}", json_str(fe.code.as_str())),
            Err(ReadError::Io(e)) => println!("{{\"error\": {}}}", json_str(&e.to_string())),
        }
    }
}

fn main() {
    // Paths as the OS gives them (any bytes); the other arguments are ASCII words and numbers.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == "twice" {
        twice(Path::new(&args[2]));
        return;
    }
    if args.len() == 5 && args[1] == "v2" {
        let seconds: f64 = args[4].to_str().and_then(|s| s.parse().ok()).expect("SECONDS is a number");
        v2::run(&args[2].to_string_lossy(), Path::new(&args[3]), seconds);
        return;
    }
    if args.len() != 4 {
        eprintln!("usage: torture-rust-reader statsreader|read PATH SECONDS");
        std::process::exit(2);
    }
    let (mode, path) = (args[1].to_string_lossy(), Path::new(&args[2]));
    let seconds: f64 = args[3].to_str().and_then(|s| s.parse().ok()).expect("SECONDS is a number");
    let mut reader = StatsReader::new(path);
    let (mut reads, mut values, mut torn_buffered, mut torn_unbuffered) = (0u64, 0u64, 0u64, 0u64);
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut example: Option<String> = None;
    let mut torn_fields: BTreeMap<String, u64> = BTreeMap::new();
    let mut fields: Vec<(String, String, bool, Value)> = Vec::new();
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    while Instant::now() < end {
        fields.clear();
        let got: Result<(), ReadError> = match mode.as_ref() {
            "statsreader" => reader.read().map(|vals| vals.to_vec()).map(|vals| {
                let layout = reader.layout().expect("read succeeded");
                for (f, v) in layout.fields().iter().zip(vals) {
                    fields.push((f.label.clone(), f.type_signature.clone(), f.buffered, v));
                }
            }),
            "read" => read(path, mmstats_reader::DEFAULT_MAX_SIZE).map(|got| {
                for f in got {
                    fields.push((f.label, f.type_signature, f.buffered, f.value));
                }
            }),
            _ => {
                eprintln!("unknown mode {}", mmstats_reader::show::escape_path(&args[1]));
                std::process::exit(2);
            }
        };
        if let Err(e) = got {
            let key = match e {
                ReadError::Format(fe) => fe.code.as_str().to_string(),
                ReadError::Io(_) => "io".to_string(),
            };
            *errors.entry(key).or_default() += 1;
            continue;
        }
        reads += 1;
        for (label, typ, buffered, v) in &fields {
            if label == "sys.pid" {
                continue;
            }
            values += 1;
            if !fits(typ, v) {
                *torn_fields.entry(label.trim_end_matches('-').to_string()).or_default() += 1;
                if *buffered {
                    torn_buffered += 1;
                    example.get_or_insert_with(|| format!("{label}: {v:?}"));
                } else {
                    torn_unbuffered += 1;
                }
            }
        }
    }
    let errors: Vec<String> = errors.iter().map(|(k, v)| format!("{}: {v}", json_str(k))).collect();
    let torn_fields: Vec<String> = torn_fields.iter().map(|(k, v)| format!("{}: {v}", json_str(k))).collect();
    println!(
        "{{\"reader\": \"rust-{mode}\", \"reads\": {reads}, \"values\": {values}, \"torn_buffered\": {torn_buffered}, \
         \"torn_unbuffered\": {torn_unbuffered}, \"retries\": null, \"errors\": {{{}}}, \"example\": {}, \"torn_fields\": {{{}}}, \"seconds\": {seconds}}}",
        errors.join(", "),
        example.map(|e| json_str(&e)).unwrap_or_else(|| "null".into()),
        torn_fields.join(", ")
    );
}
