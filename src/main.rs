//! `kiosk`: the township police self-service kiosk and its technician tools.
//! Thin: parses the command line and hands over to `township_kiosk::cli`.

fn main() {
    std::process::exit(township_kiosk::cli::main());
}
