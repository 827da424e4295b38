//! The two commands of the cross-language protocol (conformance/README.md):
//!
//! - `mmstats-rust-read [--max-size N] FILE`: canonical JSON on stdout, exit 0; an invalid file: exit 1
//!   and `FILE: offset N: CODE: message` for its first problem on stderr.
//! - `mmstats-rust-validate [--max-size N] FILE`: exit 0 when valid; exit 1 and one such line per
//!   problem, in the spec's order (version 1: by offset; version 2: the walk's).
//!
//! Both exit 2 on a usage error or when the file cannot be read (it is missing, not a regular file, ...).
//! File names in the human-readable lines are escaped ([`crate::show`]); in the JSON they are decoded with
//! U+FFFD for ill-formed bytes, so the output is always valid UTF-8. The file is opened by its bytes.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::error::{FormatError, ReadError};
use crate::read::{Document, DEFAULT_MAX_SIZE};
use crate::show::escape_path;
use crate::value::replace_ill_formed;

/// Exit codes.
pub const OK: i32 = 0;
pub const INVALID: i32 = 1;
pub const USAGE_OR_IO: i32 = 2;

/// The parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    pub max_size: u64,
    pub file: OsString,
}

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Args),
    Help,
}

/// Parses `[--max-size N | --max-size=N] [--] FILE` (arguments after the program name).
pub fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut max_size = DEFAULT_MAX_SIZE;
    let mut file = None;
    let mut options_done = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if !options_done && (text == "-h" || text == "--help") {
            return Ok(Command::Help);
        } else if !options_done && text == "--" {
            options_done = true;
        } else if !options_done && (text == "--max-size" || text.starts_with("--max-size=")) {
            let value = match text.split_once('=') {
                Some((_, v)) => v.to_string(),
                None => args.next().ok_or("--max-size needs a number of bytes")?.to_string_lossy().into_owned(),
            };
            max_size = value.parse().map_err(|_| format!("--max-size: {value:?} is not a number of bytes"))?;
        } else if !options_done && text.starts_with('-') && text != "-" {
            return Err(format!("unknown option \"{}\"", escape_path(&arg)));
        } else if file.replace(arg).is_some() {
            return Err("give exactly one FILE".to_string());
        }
    }
    let file = file.ok_or("give exactly one FILE")?;
    Ok(Command::Run(Args { max_size, file }))
}

fn usage(prog: &str, what: &str) -> String {
    format!(
        "usage: {prog} [--max-size BYTES] FILE\n{what}\n--max-size: files larger than this are file_too_large \
         (default {DEFAULT_MAX_SIZE})\nexit: 0 valid, 1 invalid file, 2 usage or I/O error"
    )
}

fn parse_or_exit(prog: &str, what: &str, args: impl IntoIterator<Item = OsString>) -> Result<Args, i32> {
    match parse_args(args) {
        Ok(Command::Run(args)) => Ok(args),
        Ok(Command::Help) => {
            println!("{}", usage(prog, what));
            Err(OK)
        }
        Err(e) => {
            eprintln!("{prog}: {e}\n{}", usage(prog, what));
            Err(USAGE_OR_IO)
        }
    }
}

/// `FILE: offset N: CODE: message (at 0xN)`, FILE escaped.
pub fn problem_line(file: &OsStr, e: &FormatError) -> String {
    format!("{}: {e}", escape_path(file))
}

/// `FILE: cannot read: why`, FILE escaped.
fn io_line(file: &OsStr, e: &std::io::Error) -> String {
    format!("{}: cannot read: {e}", escape_path(file))
}

/// The reader command; returns the exit code.
pub fn read_main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let prog = "mmstats-rust-read";
    let args = match parse_or_exit(prog, "prints the canonical JSON of FILE", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match crate::read::read_document(Path::new(&args.file), args.max_size) {
        Ok(document) => {
            let path = replace_ill_formed(args.file.as_bytes());
            let json = match &document {
                Document::V1(fields) => crate::canonical::to_json(&path, fields),
                Document::V2(file) => crate::v2::canonical::to_json(&path, file),
            };
            let mut out = std::io::stdout().lock();
            match out.write_all(json.as_bytes()).and_then(|_| out.flush()) {
                Ok(()) => OK,
                Err(e) => {
                    eprintln!("{prog}: cannot write the result: {e}");
                    USAGE_OR_IO
                }
            }
        }
        Err(ReadError::Format(e)) => {
            eprintln!("{}", problem_line(&args.file, &e));
            INVALID
        }
        Err(ReadError::Io(e)) => {
            eprintln!("{}", io_line(&args.file, &e));
            USAGE_OR_IO
        }
    }
}

/// The validator command; returns the exit code.
pub fn validate_main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let prog = "mmstats-rust-validate";
    let args = match parse_or_exit(prog, "reports every problem of FILE, in the order of the spec's \"Finding problems\"", args) {
        Ok(args) => args,
        Err(code) => return code,
    };
    match crate::read::validate(Path::new(&args.file), args.max_size) {
        Ok(problems) if problems.is_empty() => OK,
        Ok(problems) => {
            let mut err = std::io::stderr().lock();
            for e in &problems {
                // Nothing better to do if stderr is gone: the exit code still says "invalid".
                let _ = writeln!(err, "{}", problem_line(&args.file, e));
            }
            INVALID
        }
        Err(e) => {
            eprintln!("{}", io_line(&args.file, &e));
            USAGE_OR_IO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(OsString::from))
    }

    #[test]
    fn arguments() {
        let run = |max_size, file: &str| Ok(Command::Run(Args { max_size, file: file.into() }));
        assert_eq!(parse(&["f.mmstats"]), run(DEFAULT_MAX_SIZE, "f.mmstats"));
        assert_eq!(parse(&["--max-size", "4096", "f"]), run(4096, "f"));
        assert_eq!(parse(&["f", "--max-size=10"]), run(10, "f"));
        assert_eq!(parse(&["--", "--max-size"]), run(DEFAULT_MAX_SIZE, "--max-size"));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        for bad in [&[][..], &["a", "b"], &["--max-size"], &["--max-size", "x", "f"], &["-v", "f"]] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
