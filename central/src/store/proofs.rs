//! A citizen's proof that a case is theirs: the receipt's QR token, the applicant's ID tail
//! with a typed receipt number, or the card itself (as a keyed hash made here, with a key
//! that never leaves the central). Wrong proofs are counted per receipt and per kiosk; after
//! [`FREE_TRIES`] the next try waits, doubling up to an hour, and is answered 429.

use super::*;
use hmac::{Hmac, Mac};
use township_core::domain::id_number::IdNumber;

/// Wrong proofs allowed for one receipt before back-off starts.
pub const FREE_TRIES: i64 = 3;
/// Wrong proofs allowed at one kiosk (many citizens use it) before back-off starts.
pub const KIOSK_FREE_TRIES: i64 = 10;
/// The first wait after the free tries; it doubles with each further failure.
pub const FIRST_WAIT_SECS: i64 = 30;
/// The longest wait, and how long a kiosk's count is remembered without a new failure.
pub const MAX_WAIT_SECS: i64 = 3600;

/// Seconds to wait after `failures` wrong proofs for one receipt.
#[cfg(test)]
fn wait_after(failures: i64) -> i64 {
    wait_after_free(failures, FREE_TRIES)
}

/// Seconds to wait after `failures` wrong proofs when `free` are allowed.
fn wait_after_free(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let doublings = (failures - free).min(12) as u32;
    (FIRST_WAIT_SECS << doublings).min(MAX_WAIT_SECS)
}

/// Hash of a progress token as stored with its application.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token.trim().to_ascii_lowercase().as_bytes())
}

pub(super) fn keyed(key: &[u8], parts: &[&str]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part.as_bytes());
        mac.update(b"\x1f");
    }
    hex::encode(mac.finalize().into_bytes())
}

/// The last six characters of an ID number, as a citizen types them (X upper-case).
pub fn id_tail(id: &str) -> String {
    let chars: Vec<char> = id.trim().to_ascii_uppercase().chars().collect();
    chars[chars.len().saturating_sub(6)..].iter().collect()
}

impl Store {
    /// The keyed hash of a person's ID number (the card proof and the by-person lookup).
    pub fn id_hash(&self, id: &IdNumber) -> String {
        api::id_lookup_hash(&self.lookup_key, id)
    }

    /// The keyed hash of (receipt, ID tail) kept with an application.
    pub fn id_tail_hash(&self, receipt: &str, tail: &str) -> String {
        keyed(&self.lookup_key, &["id-tail", receipt, &id_tail(tail)])
    }

    /// `POST /status-queries`: the applications the proof opens. A wrong token or tail is
    /// a 404 (the same as an unknown number) and counts against the receipt and the kiosk.
    pub fn status_query(&self, kiosk: Kiosk, query: &api::StatusQuery) -> Result<api::StatusQueryResponse> {
        let (receipt, proven) = match query {
            api::StatusQuery::Card { id_number } => {
                let hash = self.id_hash(id_number);
                return self.tx(|sql| {
                    let rows = sql.query(
                        &format!("{} WHERE a.id_hash = $1 OR a.agent_hash = $1 ORDER BY a.received_at DESC, a.receipt_no DESC LIMIT 50", applications::select_apps()),
                        &[hash.as_str().into()],
                    )?;
                    Ok(api::StatusQueryResponse {
                        applications: rows.iter().map(applications::status_of).collect(),
                    })
                });
            }
            api::StatusQuery::Token { receipt_no, token } => (receipt_no, ProofKind::Token(token_hash(token))),
            api::StatusQuery::IdTail { receipt_no, id_tail } => {
                (receipt_no, ProofKind::Tail(self.id_tail_hash(receipt_no, id_tail)))
            }
        };
        let row = self.proven_case(kiosk, receipt, &proven)?;
        Ok(api::StatusQueryResponse {
            applications: vec![applications::status_of(&row)],
        })
    }

    /// The application `receipt` when `proof` opens it; otherwise a 404 counted for
    /// back-off, or a 429 while the receipt or the kiosk waits.
    pub(super) fn proven_case(&self, kiosk: Kiosk, receipt: &str, proof: &ProofKind) -> Result<Row> {
        self.with_back_off(kiosk, &format!("receipt:{receipt}"), |sql| {
            let row = sql.query_one(
                &format!("{} WHERE a.receipt_no = $1", applications::select_apps()),
                &[receipt.into()],
            )?;
            Ok(row.filter(|row| proof.opens(row)))
        })
        .map_err(|e| match e.downcast_ref::<Refusal>() {
            Some(r) if r.status == 404 => Refusal {
                status: 404,
                code: "not_found",
                message: "no application with this receipt number and proof".into(),
            }
            .into(),
            _ => e,
        })
    }

    /// Runs `attempt` (one guess at a secret about `subject`) unless `subject` or `kiosk`
    /// waits after wrong guesses (429). A guess that finds nothing (`None`) is a 404 and
    /// counts against both; a right one clears the subject's count.
    pub(super) fn with_back_off<T>(
        &self,
        kiosk: Kiosk,
        subject: &str,
        attempt: impl FnOnce(&mut dyn Sql) -> Result<Option<T>>,
    ) -> Result<T> {
        let subjects = [subject.to_string(), format!("kiosk:{}", kiosk.id())];
        let now = now();
        let found = self.tx(|sql| {
            for (subject, free) in subjects.iter().zip([FREE_TRIES, KIOSK_FREE_TRIES]) {
                if let Some(row) = sql.query_one(
                    "SELECT failures, last_at FROM proof_failures WHERE subject = $1",
                    &[subject.as_str().into()],
                )? {
                    let (failures, last_at) = (row.int("failures"), row.int("last_at"));
                    let remembered = now - last_at < MAX_WAIT_SECS;
                    let wait = last_at + wait_after_free(failures, free) - now;
                    if remembered && wait > 0 {
                        return Ok(Err(wait));
                    }
                }
            }
            Ok(Ok(attempt(sql)?))
        })?;
        match found {
            Err(wait) => refuse(
                429,
                "too_many_tries",
                format!("too many wrong tries: wait {wait} seconds before the next"),
            ),
            Ok(Some(found)) => {
                self.tx(|sql| {
                    sql.exec(
                        "DELETE FROM proof_failures WHERE subject = $1",
                        &[subjects[0].as_str().into()],
                    )
                })?;
                Ok(found)
            }
            Ok(None) => {
                self.tx(|sql| {
                    for subject in &subjects {
                        sql.exec(
                            "INSERT INTO proof_failures (subject, failures, last_at) VALUES ($1, 1, $2) \
                             ON CONFLICT (subject) DO UPDATE SET failures = CASE WHEN $2 - proof_failures.last_at >= $3 THEN 1 ELSE proof_failures.failures + 1 END, last_at = $2",
                            &[subject.as_str().into(), now.into(), MAX_WAIT_SECS.into()],
                        )?;
                    }
                    Ok(())
                })?;
                log::warn!(
                    "a wrong secret for {} at kiosk {}",
                    subject.split(':').next().unwrap_or(""),
                    kiosk.id()
                );
                refuse(404, "not_found", "nothing matches this number and secret")
            }
        }
    }
}

/// A proof, hashed the way the application keeps it.
pub(super) enum ProofKind {
    Token(String),
    Tail(String),
    /// The keyed hash of a card's number: the applicant's or the registered agent's.
    Card(String),
}

impl ProofKind {
    fn opens(&self, row: &Row) -> bool {
        match self {
            ProofKind::Token(hash) => row.opt_text("token_hash").as_deref() == Some(hash),
            ProofKind::Tail(hash) => row.opt_text("id_tail_hash").as_deref() == Some(hash),
            ProofKind::Card(hash) => {
                row.opt_text("id_hash").as_deref() == Some(hash) || row.opt_text("agent_hash").as_deref() == Some(hash)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_starts_after_the_free_tries_and_doubles_to_an_hour() {
        let waits: Vec<i64> = (0..12).map(wait_after).collect();
        assert_eq!(&waits[..6], &[0, 0, 0, 30, 60, 120]);
        assert_eq!(waits[11], MAX_WAIT_SECS);
        assert_eq!(wait_after(i64::MAX), MAX_WAIT_SECS);
        assert_eq!(
            wait_after_free(KIOSK_FREE_TRIES - 1, KIOSK_FREE_TRIES),
            0,
            "a busy kiosk has more"
        );
        assert_eq!(id_tail(" 11010519491231002x "), "31002X");
        assert_eq!(id_tail("12"), "12");
    }
}
