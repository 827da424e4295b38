//! `mmstats-rust-live --version 1|2 DIR`: the live writer of the conformance protocol (conformance/README.md,
//! "Live writer"). Creates one file in DIR, prints its path and `ready`, then makes one step at most every
//! millisecond (`live.counter` and `live.gauge` = step number) until stdin reaches its end; then
//! `live.gauge` = -1, the file is closed (version 2: state closed, kept) and `done N` printed, N the last
//! step. A file that cannot be made exits 1; wrong usage exits 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use mmstats_writer::{FieldDesc, MmstatsFile, Options, Stats};

const COUNTER: &str = "live.counter";
const GAUGE: &str = "live.gauge";
const GAUGE_FINAL: i32 = -1;
/// `thread::sleep` never returns sooner, which bounds the step count by the time run.
const STEP_EVERY: Duration = Duration::from_millis(1);

/// Steps until `closed`; the last step.
fn run_steps(closed: &AtomicBool, mut step: impl FnMut(u64)) -> u64 {
    let mut n = 0;
    loop {
        std::thread::sleep(STEP_EVERY);
        if closed.load(Ordering::Acquire) {
            return n;
        }
        n += 1;
        step(n);
    }
}

fn live_v1(path: &Path, closed: &AtomicBool) -> Result<u64, String> {
    let fields = [FieldDesc::new(COUNTER, "Q", true), FieldDesc::new(GAUGE, "i", true)];
    let options = Options { replace_stale: false, ..Options::default() };
    let file = MmstatsFile::create_with(path, &fields, &options).map_err(|e| e.to_string())?;
    let mut counter = file.slot::<u64>(COUNTER).map_err(|e| e.to_string())?;
    let mut gauge = file.slot::<i32>(GAUGE).map_err(|e| e.to_string())?;
    announce(path);
    let n = run_steps(closed, |n| {
        counter.incr(1);
        gauge.set(n as i32);
    });
    gauge.set(GAUGE_FINAL);
    drop((counter, gauge));
    file.close();
    Ok(n)
}

fn live_v2(path: &Path, closed: &AtomicBool) -> Result<u64, String> {
    let stats = Stats::builder().path(path).keep_on_close(true).create().map_err(|e| e.to_string())?;
    let counter = stats.counter(COUNTER).build().map_err(|e| e.to_string())?;
    let gauge = stats.gauge_i64(GAUGE).build().map_err(|e| e.to_string())?;
    announce(path);
    let n = run_steps(closed, |n| {
        counter.inc();
        gauge.set(n as i64);
    });
    gauge.set(i64::from(GAUGE_FINAL));
    stats.close().map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(n)
}

fn announce(path: &Path) {
    println!("{}\nready", path.display()); // stdout is line-buffered: both lines go out now
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let version = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["--version", "1", _] => 1,
        ["--version", "2", _] => 2,
        _ => {
            eprintln!("usage: mmstats-rust-live --version 1|2 DIR");
            return ExitCode::from(2);
        }
    };
    let path: PathBuf = Path::new(&args[2]).join(format!("live-{}.mmstats", std::process::id()));
    let closed = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&closed);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        flag.store(true, Ordering::Release);
    });
    let done = if version == 1 { live_v1(&path, &closed) } else { live_v2(&path, &closed) };
    match done {
        Ok(n) => {
            println!("done {n}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("mmstats-rust-live: {message}");
            ExitCode::from(1)
        }
    }
}
