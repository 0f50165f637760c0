//! `township-central bench-store`: the server's own insert rate, without HTTP or TLS —
//! applications submitted straight into the store of DIR (SQLite, or `--db` PostgreSQL),
//! with no materials and with photos uploaded in chunks and finalised as the API would.
//! `kiosk bench central` divides its loopback drain throughput by these figures.

use crate::store::{sha256_hex, Kiosk, Operator, Store};
use anyhow::{ensure, Result};
use serde::Serialize;
use std::time::Instant;
use township_core::central_api as api;

const KIOSK: &str = "BENCH-STORE";

#[derive(Debug, Serialize)]
pub struct Report {
    pub count: u32,
    /// Applications per second without materials.
    pub applications_per_sec: f64,
    /// With two photos of `photo_bytes` each, sent in `chunk_bytes` chunks and finalised.
    pub photo_bytes: usize,
    pub chunk_bytes: usize,
    pub with_photos_per_sec: f64,
}

/// A photo of `len` made-up bytes (`seed` makes each one distinct).
fn photo(len: usize, seed: u32) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(seed);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn submit(store: &Store, seq: u32, photo_bytes: usize, chunk_bytes: usize) -> Result<()> {
    let mut submission = crate::fleet::submission(KIOSK, "BNS", seq);
    let key = submission.application.uuid.clone();
    if photo_bytes == 0 {
        submission.materials.clear();
    } else {
        for m in &mut submission.materials {
            m.bytes = photo_bytes as u64;
        }
    }
    let answer = store.submit(Kiosk(KIOSK), &key, &submission)?;
    ensure!(answer.status == 201, "submit: {} {}", answer.status, answer.body);
    for (i, m) in submission.materials.iter().enumerate() {
        let bytes = photo(photo_bytes, seq * 2 + i as u32);
        let create = api::CreateUpload {
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        };
        let up = store.create_upload(Kiosk(KIOSK), &key, &m.code, &create)?;
        for (n, chunk) in bytes.chunks(chunk_bytes.max(1)).enumerate() {
            store.put_chunk(
                Kiosk(KIOSK),
                &up.upload_id,
                (n * chunk_bytes) as u64,
                Some(&sha256_hex(chunk)),
                chunk,
            )?;
        }
        ensure!(store.finalise(Kiosk(KIOSK), &up.upload_id)?.stored, "finalise");
    }
    Ok(())
}

/// Inserts `count` applications without and `count` with photos; the rates of each.
pub fn run(store: &Store, count: u32, photo_bytes: usize, chunk_bytes: usize) -> Result<Report> {
    let count = count.max(1);
    ensure!(
        store.count_applications()? == 0,
        "bench-store wants a fresh directory: its receipt numbers would collide (run `init` on a new one)"
    );
    store.enrol(&Operator::cli(), KIOSK, "BNS")?;
    let timed = |first: u32, bytes: usize| -> Result<f64> {
        let started = Instant::now();
        for seq in first..first + count {
            submit(store, seq, bytes, chunk_bytes)?;
        }
        Ok(f64::from(count) / started.elapsed().as_secs_f64())
    };
    let applications_per_sec = timed(1, 0)?;
    let with_photos_per_sec = timed(count + 1, photo_bytes)?;
    Ok(Report {
        count,
        applications_per_sec,
        photo_bytes,
        chunk_bytes,
        with_photos_per_sec,
    })
}
