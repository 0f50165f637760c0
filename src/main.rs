//! `kiosk`: the township police self-service kiosk and its technician tools.
//! Thin: parses the command line and hands over to `township_kiosk::cli`.

fn main() {
    // Camera frames and photos are megabytes each and made on several threads. glibc would
    // otherwise raise its mmap threshold after the first such free and then keep the freed
    // frames in per-thread heaps: a fixed 1 MiB threshold hands every large buffer back to
    // the system when it is freed, so memory stays flat over many citizens.
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
    std::process::exit(township_kiosk::cli::main());
}
