//! `mmstats-rust-write SCENARIO.json OUT.mmstats`: the writer command of the conformance protocol.
//! Writes OUT (which must not exist yet) and exits 0; a bad scenario or a failed creation exits 1
//! without leaving OUT behind; wrong usage exits 2.

use std::path::Path;
use std::process::ExitCode;

use mmstats_reader::show::escape_path;
use mmstats_writer::scenario;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    if args.len() == 1 && (args[0] == "-h" || args[0] == "--help") {
        println!("usage: mmstats-rust-write SCENARIO.json OUT.mmstats");
        return ExitCode::SUCCESS;
    }
    let [scenario_path, out] = &args[..] else {
        eprintln!("usage: mmstats-rust-write SCENARIO.json OUT.mmstats");
        return ExitCode::from(2);
    };
    let (scenario_path, out) = (Path::new(scenario_path), Path::new(out));
    let text = match std::fs::read_to_string(scenario_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{}: cannot read: {e}", escape_path(scenario_path.as_os_str()));
            return ExitCode::from(1);
        }
    };
    let result = scenario::parse(&text).map_err(|e| format!("{}: {e}", escape_path(scenario_path.as_os_str())));
    match result.and_then(|s| scenario::run(&s, out).map_err(|e| e.to_string())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}
