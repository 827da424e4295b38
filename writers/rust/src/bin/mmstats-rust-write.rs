//! `mmstats-rust-write SCENARIO.json OUT.mmstats`: the writer command of the conformance protocol, for
//! scenarios of format version 1 and 2. Writes OUT (which must not exist yet) and exits 0; a bad
//! scenario or a failed creation exits 1 without leaving OUT behind; wrong usage exits 2.

use std::path::Path;
use std::process::ExitCode;

use mmstats_reader::show::escape_path;
use mmstats_writer::ScenarioFailure;

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
    let name = escape_path(scenario_path.as_os_str());
    let text = match std::fs::read_to_string(scenario_path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{name}: cannot read: {e}");
            return ExitCode::from(1);
        }
    };
    match mmstats_writer::run_scenario(&text, out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(ScenarioFailure::Scenario(message)) => {
            eprintln!("{name}: {message}");
            ExitCode::from(1)
        }
        Err(ScenarioFailure::Write(message)) => {
            eprintln!("{message}"); // names OUT
            ExitCode::from(1)
        }
    }
}
