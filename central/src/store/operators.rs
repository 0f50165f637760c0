//! Back-office operators: accounts with a role, log-in with a lock-out that holds under
//! parallel tries (the failure is counted before the password is checked) and the same work
//! for unknown names, sessions with an idle (15 min) and an absolute (8 h) timeout, ended by a
//! password change.

/// A session unused this long ends.
pub const SESSION_IDLE_SECS: i64 = 15 * 60;
/// A session ends this long after log-in, used or not.
pub const SESSION_MAX_SECS: i64 = 8 * 3600;
/// Failed log-ins before the account locks, and for how long.
const MAX_FAILURES: i64 = 5;
const LOCK_SECS: i64 = 300;
/// Checked against when the name is unknown, so the answer takes as long as for a known one.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$JmFx3c0Hn5xGx8n0bH0m3cJZ2rQH7Gx5O9Q3bqk2m6k";

use super::*;

impl Store {
    // ---- operators and sessions -----------------------------------------------------

    /// Adds an operator, or sets an existing one's password and role (which ends their
    /// sessions).
    pub fn add_operator(&self, name: &str, password: &str, role: Role) -> Result<()> {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        if !api::valid_kiosk_id(name) {
            return refuse(422, "invalid_name", "operator names are 1 to 64 of A-Z a-z 0-9 . _ -");
        }
        if password.chars().count() < 10 {
            return refuse(422, "weak_password", "the password needs at least 10 characters");
        }
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
            .to_string();
        self.tx(|sql| {
            sql.exec(
                "INSERT INTO operators (name, password_hash, created_at, role) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role, failed = 0, locked_until = NULL",
                &[name.into(), hash.as_str().into(), now().into(), role.as_str().into()],
            )?;
            sql.exec("DELETE FROM sessions WHERE operator = $1", &[name.into()])?;
            audit(sql, "cli", &format!("operator:{}", role.as_str()), name)
        })
    }

    /// Checks a login; five failures lock the account for five minutes. Returns the session
    /// token and its CSRF token.
    pub fn login(&self, name: &str, password: &str) -> Result<(String, String)> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        // Count the try first, in one statement: parallel tries each see the others' counts,
        // so no more than MAX_FAILURES passwords are ever checked before the lock.
        let row = self.tx(|sql| {
            sql.query_one(
                "UPDATE operators SET \
                 failed = CASE WHEN locked_until IS NOT NULL AND locked_until <= $4 THEN 1 ELSE failed + 1 END, \
                 locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $4 THEN NULL \
                   WHEN failed + 1 > $2 THEN COALESCE(locked_until, $3) ELSE locked_until END \
                 WHERE name = $1 RETURNING password_hash, failed, locked_until",
                &[
                    name.into(),
                    MAX_FAILURES.into(),
                    (now() + LOCK_SECS).into(),
                    now().into(),
                ],
            )
        })?;
        let locked = row
            .as_ref()
            .is_some_and(|r| r.opt_int("locked_until").is_some_and(|until| until > now()));
        let hash = row.as_ref().map_or(DUMMY_HASH.to_string(), |r| r.text("password_hash"));
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        if locked {
            return refuse(429, "locked", "too many failed logins: try again in a few minutes");
        }
        if !ok || row.is_none() {
            return refuse(401, "login_failed", "wrong name or password");
        }
        let token = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let csrf = uuid::Uuid::new_v4().simple().to_string();
        self.tx(|sql| {
            sql.exec(
                "UPDATE operators SET failed = 0, locked_until = NULL WHERE name = $1",
                &[name.into()],
            )?;
            sql.exec("DELETE FROM sessions WHERE expires_at < $1", &[now().into()])?;
            sql.exec(
                "INSERT INTO sessions (token_hash, operator, csrf, expires_at, last_seen) VALUES ($1, $2, $3, $4, $5)",
                &[
                    sha256_hex(token.as_bytes()).into(),
                    name.into(),
                    csrf.as_str().into(),
                    (now() + SESSION_MAX_SECS).into(),
                    now().into(),
                ],
            )?;
            audit(sql, name, "login", name)
        })?;
        Ok((token, csrf))
    }

    /// The operator (with their role) and CSRF token of a live session, which counts as a
    /// use of it.
    pub fn session(&self, token: &str) -> Result<Option<(Operator, String)>> {
        let now = now();
        let hash = sha256_hex(token.as_bytes());
        self.tx(|sql| {
            let row = sql.query_one(
                "SELECT s.operator, s.csrf, o.role FROM sessions s JOIN operators o ON o.name = s.operator \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND COALESCE(s.last_seen, 0) > $3",
                &[hash.as_str().into(), now.into(), (now - SESSION_IDLE_SECS).into()],
            )?;
            let Some(row) = row else { return Ok(None) };
            sql.exec(
                "UPDATE sessions SET last_seen = $1 WHERE token_hash = $2",
                &[now.into(), hash.as_str().into()],
            )?;
            let Some(role) = Role::parse(&row.text("role")) else {
                return Ok(None);
            };
            Ok(Some((
                Operator {
                    name: row.text("operator"),
                    role,
                },
                row.text("csrf"),
            )))
        })
    }

    pub fn logout(&self, token: &str) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "DELETE FROM sessions WHERE token_hash = $1",
                &[sha256_hex(token.as_bytes()).into()],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    /// An unknown name costs the same argon2 work as a known one: the dummy hash parses
    /// (else the check would be skipped and be fast) and has the parameters real hashes get.
    #[test]
    fn an_unknown_name_is_checked_against_a_hash_of_the_same_cost() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("the dummy hash parses");
        let real = argon2::Params::default();
        let params = argon2::Params::try_from(&dummy).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (real.m_cost(), real.t_cost(), real.p_cost())
        );
        assert_eq!(dummy.algorithm, argon2::Algorithm::Argon2id.ident());
        assert!(argon2::Argon2::default().verify_password(b"anything", &dummy).is_err());
    }
}
