//! A technician who forgot the kiosk's PIN, or finds it locked, gets a one-time recovery
//! code from a supervisor at the central (`township-central pin-recovery KIOSK`, read out
//! over the phone): twelve digits, bound to that kiosk, valid for a day, kept here only as a
//! keyed hash. The kiosk redeems it over mutual TLS (`POST /technician/pin-recovery`); the
//! code is then used up and the kiosk lets the technician set a new PIN. Wrong codes back
//! off like wrong progress proofs, so twelve digits are far beyond guessing.

use super::*;

/// How long a recovery code stays valid.
pub const CODE_TTL_SECS: i64 = 86_400;
/// The digits of a code.
pub const CODE_DIGITS: usize = 12;

/// A new code: twelve random digits.
fn new_code() -> String {
    let random = uuid::Uuid::new_v4().as_u128() ^ (uuid::Uuid::new_v4().as_u128() << 7);
    format!("{:012}", random % 10u128.pow(CODE_DIGITS as u32))
}

/// A code as typed: digits only (spaces and dashes between groups are fine).
pub fn normalise_code(code: &str) -> String {
    code.chars().filter(char::is_ascii_digit).collect()
}

impl Store {
    fn recovery_hash(&self, kiosk_id: &str, code: &str) -> String {
        proofs::keyed(&self.lookup_key, &["pin-recovery", kiosk_id, &normalise_code(code)])
    }

    /// Issues a recovery code for `kiosk_id` (a supervisor only; audited). A new code
    /// replaces an open one. Returns the code and when it expires.
    pub fn issue_pin_recovery(&self, operator: &Operator, kiosk_id: &str) -> Result<(String, i64)> {
        operator.require(operator.may_supervise())?;
        let code = new_code();
        let hash = self.recovery_hash(kiosk_id, &code);
        let now = now();
        let expires_at = now + CODE_TTL_SECS;
        self.tx(|sql| {
            let enrolled = sql.query_one(
                "SELECT kiosk_id FROM certificates WHERE kiosk_id = $1 AND revoked_at IS NULL LIMIT 1",
                &[kiosk_id.into()],
            )?;
            if enrolled.is_none() {
                return refuse(404, "not_found", format!("no enrolled kiosk {kiosk_id}"));
            }
            sql.exec(
                "INSERT INTO pin_recovery (kiosk_id, code_hash, issued_by, issued_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kiosk_id) DO UPDATE SET code_hash = $2, \
                 issued_by = $3, issued_at = $4, expires_at = $5",
                &[
                    kiosk_id.into(),
                    hash.as_str().into(),
                    operator.name.as_str().into(),
                    now.into(),
                    expires_at.into(),
                ],
            )?;
            audit(sql, &operator.name, "pin-recovery.issue", kiosk_id)
        })?;
        Ok((code, expires_at))
    }

    /// `POST /technician/pin-recovery`: the kiosk's own open code, unexpired, is used up.
    /// Another kiosk's code, a used or expired one and a wrong one are all 404 and count
    /// towards the back-off.
    pub fn redeem_pin_recovery(&self, kiosk: Kiosk, code: &str) -> Result<()> {
        let hash = self.recovery_hash(kiosk.id(), code);
        let now = now();
        self.with_back_off(kiosk, &format!("pin-recovery:{}", kiosk.id()), |sql| {
            let open = sql.query_one(
                "SELECT code_hash FROM pin_recovery WHERE kiosk_id = $1 AND expires_at > $2",
                &[kiosk.id().into(), now.into()],
            )?;
            if open.is_none_or(|row| row.text("code_hash") != hash) {
                return Ok(None);
            }
            sql.exec("DELETE FROM pin_recovery WHERE kiosk_id = $1", &[kiosk.id().into()])?;
            audit(sql, &format!("kiosk:{}", kiosk.id()), "pin-recovery.redeem", kiosk.id())?;
            Ok(Some(()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_twelve_digits_and_typed_groups_are_read_alike() {
        let code = new_code();
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_ne!(new_code(), code);
        assert_eq!(normalise_code(" 1234-5678 9012 "), "123456789012");
    }
}
