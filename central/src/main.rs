//! `township-central`: the reference central system for township police kiosks.
//! The API contract is `township_kiosk::central_api` (docs/central-api.md).

fn main() {
    eprintln!("township-central: the server is under construction (issue 14)");
    std::process::exit(2);
}
