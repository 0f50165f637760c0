//! The process heap as the allocator (glibc's malloc) sees it: its settings for a process
//! that runs for months, the bytes in use (for the soak bench's series), and giving freed
//! memory back to the system after a session's wipe, so that a kiosk's resident size
//! returns to its floor between citizens instead of keeping the high-water mark of the
//! busiest one.

/// Bytes the allocator has handed out and not had back (small blocks plus mmap'ed ones);
/// `None` where the allocator gives no figure.
pub fn in_use_bytes() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallinfo2 only reads the allocator's own counters.
        let info = unsafe { libc::mallinfo2() };
        Some((info.uordblks + info.hblkhd) as u64)
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        None
    }
}

/// Big blocks (camera frames: a 5-megapixel still is 15 MB of RGB) are mapped on their
/// own from this size up and unmapped when freed, instead of glibc's sliding threshold,
/// which after the first freed frame keeps every later one in an arena for good.
pub const MMAP_THRESHOLD: usize = 256 << 10;
/// Arenas for the kiosk's threads: the UI thread's and one shared by the workers, not one
/// per thread (each keeps its own free memory).
pub const ARENA_MAX: usize = 2;

/// `KIOSK_HEAP=glibc-default` leaves glibc as it comes (no tuning, no trim after the wipe):
/// the soak bench's baseline when allocator settings are compared side by side.
fn untuned() -> bool {
    std::env::var("KIOSK_HEAP").is_ok_and(|v| v == "glibc-default")
}

/// Sets the allocator up for a process that runs for months: [`MMAP_THRESHOLD`] and
/// [`ARENA_MAX`]. A `MALLOC_MMAP_THRESHOLD_` or `MALLOC_ARENA_MAX` in the environment
/// wins (the soak bench compares settings that way). Called first thing in `main`.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !untuned() {
        // SAFETY: mallopt only changes the allocator's parameters.
        unsafe {
            if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
                libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
            }
            if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
                libc::mallopt(libc::M_ARENA_MAX, ARENA_MAX as libc::c_int);
            }
        }
    }
}

/// Returns free memory at the top of every arena and in whole free pages inside them to the
/// system (`malloc_trim(0)`). A few milliseconds; called when a session ends, never while
/// someone is at the screen. True when memory was given back.
pub fn give_back() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if !untuned() {
        // SAFETY: malloc_trim is thread-safe and only releases free memory.
        return unsafe { libc::malloc_trim(0) == 1 };
    }
    false
}

/// [`give_back`] on a short-lived thread of its own, at most one at a time.
pub fn give_back_soon() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static TRIMMING: AtomicBool = AtomicBool::new(false);
    if TRIMMING.swap(true, Ordering::SeqCst) {
        return;
    }
    let spawned = std::thread::Builder::new().name("heap-trim".into()).spawn(|| {
        give_back();
        TRIMMING.store(false, Ordering::SeqCst);
    });
    if spawned.is_err() {
        TRIMMING.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_heap_figure_follows_an_allocation() {
        let before = super::in_use_bytes().expect("glibc gives a figure");
        // 64 MiB, against a margin of half that for what other tests' threads do meanwhile.
        let block = vec![1u8; 64 << 20];
        let during = super::in_use_bytes().expect("glibc gives a figure");
        assert!(during >= before + (32 << 20), "{before} → {during}");
        drop(block);
        super::give_back();
        let after = super::in_use_bytes().expect("glibc gives a figure");
        assert!(after + (32 << 20) <= during, "{during} → {after}");
    }
}
