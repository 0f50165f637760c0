//! `township-central` command line entry point (see `cli`).

fn main() {
    std::process::exit(township_central::cli::main());
}
