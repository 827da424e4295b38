//! `mmstats-rust-validate [--max-size N] FILE`: every problem of FILE (see `mmstats_reader::cli`).

fn main() {
    std::process::exit(mmstats_reader::cli::validate_main(std::env::args_os().skip(1)));
}
