//! `kiosk`: the township police self-service kiosk and its technician tools.
//! Thin: parses the command line and hands over to `township_kiosk::cli`.

#[cfg(feature = "alloc-mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "alloc-jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    // Before any thread starts: big buffers mapped on their own, two arenas (see heap.rs).
    township_kiosk::heap::tune();
    std::process::exit(township_kiosk::cli::main());
}
