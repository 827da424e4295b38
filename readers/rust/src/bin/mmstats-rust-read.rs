//! `mmstats-rust-read [--max-size N] FILE`: the canonical JSON of FILE (see `mmstats_reader::cli`).

fn main() {
    std::process::exit(mmstats_reader::cli::read_main(std::env::args_os().skip(1)));
}
