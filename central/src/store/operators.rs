//! Back-office operators: accounts, log-in with lock-out, sessions.

use super::*;

impl Store {
    // ---- operators and sessions -----------------------------------------------------

    pub fn add_operator(&self, name: &str, password: &str) -> Result<()> {
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
                "INSERT INTO operators (name, password_hash, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, failed = 0, locked_until = NULL",
                &[name.into(), hash.as_str().into(), now().into()],
            )?;
            Ok(())
        })
    }

    /// Checks a login; five failures lock the account for five minutes. Returns the session
    /// token and its CSRF token.
    pub fn login(&self, name: &str, password: &str) -> Result<(String, String)> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let row = self.tx(|sql| {
            sql.query_one(
                "SELECT password_hash, failed, locked_until FROM operators WHERE name = $1",
                &[name.into()],
            )
        })?;
        let Some(row) = row else {
            return refuse(401, "login_failed", "wrong name or password");
        };
        if row.opt_int("locked_until").is_some_and(|until| until > now()) {
            return refuse(429, "locked", "too many failed logins: try again in a few minutes");
        }
        let hash = row.text("password_hash");
        let ok = PasswordHash::new(&hash)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        if !ok {
            self.tx(|sql| {
                sql.exec(
                    "UPDATE operators SET failed = failed + 1, locked_until = CASE WHEN failed + 1 >= 5 THEN $2 ELSE locked_until END WHERE name = $1",
                    &[name.into(), (now() + 300).into()],
                )
            })?;
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
                "INSERT INTO sessions (token_hash, operator, csrf, expires_at) VALUES ($1, $2, $3, $4)",
                &[
                    sha256_hex(token.as_bytes()).into(),
                    name.into(),
                    csrf.as_str().into(),
                    (now() + 8 * 3600).into(),
                ],
            )
        })?;
        Ok((token, csrf))
    }

    /// The operator and CSRF token of a live session.
    pub fn session(&self, token: &str) -> Result<Option<(String, String)>> {
        self.tx(|sql| {
            Ok(sql
                .query_one(
                    "SELECT operator, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
                    &[sha256_hex(token.as_bytes()).into(), now().into()],
                )?
                .map(|r| (r.text("operator"), r.text("csrf"))))
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
