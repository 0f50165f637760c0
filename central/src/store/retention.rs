//! Retention and key rotation: personal data of closed cases (done or refused) is purged a
//! configurable number of days after the closing review — the application's body and its
//! photos; booking phones and complaints go the same number of days after they were made.
//! What stays is what statistics and the audit need (numbers, states, dates). A rotation
//! seals every sealed value again with the newest key.

use super::*;

/// How much one purge removed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Purged {
    pub applications: u64,
    pub photos: u64,
    pub bookings: u64,
    pub complaints: u64,
}

/// The closed states whose personal data expires.
const CLOSED: &str = "('done', 'rejected')";

impl Store {
    /// Purges personal data older than `days` (see the module). Idempotent: the daily job
    /// and `township-central purge` run it.
    pub fn purge(&self, operator: &Operator, days: i64) -> Result<Purged> {
        operator.require(operator.may_supervise())?;
        let cutoff = now() - days.max(0) * 86_400;
        self.tx(|sql| {
            let photos = sql.exec(
                &format!(
                    "DELETE FROM upload_chunks WHERE upload_id IN (SELECT u.upload_id FROM uploads u JOIN applications a ON a.app_key = u.app_key \
                     WHERE a.status IN {CLOSED} AND a.reviewed_at < $1)"
                ),
                &[cutoff.into()],
            )?;
            let applications = sql.exec(
                &format!("UPDATE applications SET body = '' WHERE status IN {CLOSED} AND reviewed_at < $1 AND body <> ''"),
                &[cutoff.into()],
            )?;
            let bookings = sql.exec(
                "UPDATE bookings SET phone = '' WHERE created_at < $1 AND phone <> ''",
                &[cutoff.into()],
            )?;
            sql.exec("DELETE FROM sms_outbox WHERE created_at < $1", &[cutoff.into()])?;
            let complaints = sql.exec(
                "UPDATE complaints SET phone = '', body = '', reply = '' WHERE created_at < $1 AND (phone <> '' OR body <> '' OR reply <> '')",
                &[cutoff.into()],
            )?;
            let purged = Purged {
                applications,
                photos,
                bookings,
                complaints,
            };
            if purged != Purged::default() {
                audit(sql, &operator.name, "purge", &serde_json::to_string(&purged)?)?;
            }
            Ok(purged)
        })
    }

    /// Seals every sealed value again with the newest key (after `seal::add_key`); returns
    /// how many values were written.
    pub fn reseal(&self, operator: &Operator) -> Result<u64> {
        operator.require(operator.may_supervise())?;
        let texts: [(&str, &str, &str); 8] = [
            ("applications", "app_key", applications::BODY),
            ("bookings", "booking_no", "bookings.phone"),
            ("complaints", "ticket_no", "complaints.phone"),
            ("complaints", "ticket_no", "complaints.body"),
            ("complaints", "ticket_no", "complaints.reply"),
            ("sms_outbox", "sms_id", "sms_outbox.phone"),
            ("sms_outbox", "sms_id", "sms_outbox.body"),
            (
                "idempotency",
                "scope || '/' || kiosk_id || '/' || key",
                "idempotency.body",
            ),
        ];
        let mut written = 0;
        for (table, id, column) in texts {
            let field = column.rsplit('.').next().unwrap_or(column);
            written += self.tx(|sql| {
                let rows = sql.query(&format!("SELECT {id} AS id, {field} AS value FROM {table}"), &[])?;
                let mut n = 0;
                for row in rows {
                    let value = row.text("value");
                    if value.is_empty() {
                        continue;
                    }
                    let plain = self.sealer.open_text(column, &value)?;
                    n += sql.exec(
                        &format!("UPDATE {table} SET {field} = $1 WHERE {id} = $2"),
                        &[self.sealer.seal_text(column, &plain).into(), row.text("id").into()],
                    )?;
                }
                Ok(n)
            })?;
        }
        written += self.tx(|sql| {
            let rows = sql.query("SELECT upload_id, chunk_offset, data FROM upload_chunks", &[])?;
            let mut n = 0;
            for row in rows {
                let data = row.blob("data");
                if self.sealer.is_current(&data) {
                    continue;
                }
                let plain = self.sealer.open(uploads::PHOTO, &data)?;
                n += sql.exec(
                    "UPDATE upload_chunks SET data = $1 WHERE upload_id = $2 AND chunk_offset = $3",
                    &[
                        self.sealer.seal(uploads::PHOTO, &plain).into(),
                        row.text("upload_id").into(),
                        row.int("chunk_offset").into(),
                    ],
                )?;
            }
            Ok(n)
        })?;
        self.tx(|sql| audit(sql, &operator.name, "seal-rotate", &self.sealer.newest_id().to_string()))?;
        Ok(written)
    }
}
