//! The front desk of the service point: a day's bookings by slot and service for the window
//! staff (phones masked), and the complaints with their tickets, state and the reply that
//! goes to the citizen's number — queued as an SMS (phone and text sealed) for the SMS
//! gateway (`crate::sms`), which takes the queue from here.

use super::*;
use township_core::domain::masking::mask_phone;

/// A booking as the window staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskBooking {
    pub booking_no: String,
    pub slot_id: String,
    /// `HH:MM` of the slot.
    pub time: String,
    pub item_code: String,
    pub phone_masked: String,
    pub kiosk_id: String,
    pub status: String,
}

/// A complaint or consultation with its handling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeskComplaint {
    pub ticket_no: String,
    pub kiosk_id: String,
    pub topic: String,
    pub text: String,
    pub phone_masked: String,
    /// `open` or `answered`.
    pub state: String,
    pub reply: String,
    pub replied_by: Option<String>,
    pub created_at: i64,
}

/// The longest reply (an SMS of a few parts).
pub const MAX_REPLY_CHARS: usize = 300;

impl Store {
    /// The bookings of `day`, by slot then service.
    pub fn bookings_on(&self, operator: &Operator, day: Date) -> Result<Vec<DeskBooking>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT booking_no, slot_id, item_code, phone, kiosk_id, status FROM bookings \
                 WHERE slot_id LIKE $1 ORDER BY slot_id, item_code, booking_no LIMIT 2000",
                &[format!("{}-%", day.compact()).into()],
            )?;
            rows.iter()
                .map(|r| {
                    let slot_id = r.text("slot_id");
                    let hhmm = slot_id.split_once('-').map_or("", |(_, t)| t).to_string();
                    let phone = r.text("phone");
                    let phone = if phone.is_empty() {
                        String::new()
                    } else {
                        self.sealer.open_text("bookings.phone", &phone)?
                    };
                    Ok(DeskBooking {
                        booking_no: r.text("booking_no"),
                        time: format!("{}:{}", hhmm.get(..2).unwrap_or(""), hhmm.get(2..).unwrap_or("")),
                        slot_id,
                        item_code: r.text("item_code"),
                        phone_masked: mask_phone(&phone),
                        kiosk_id: r.text("kiosk_id"),
                        status: r.text("status"),
                    })
                })
                .collect()
        })
    }

    /// The complaints, newest first.
    pub fn desk_complaints(&self, operator: &Operator, limit: i64) -> Result<Vec<DeskComplaint>> {
        operator.require(operator.may_review())?;
        self.tx(|sql| {
            let rows = sql.query(
                "SELECT ticket_no, kiosk_id, topic, phone, body, state, reply, replied_by, created_at FROM complaints \
                 ORDER BY created_at DESC, ticket_no DESC LIMIT $1",
                &[limit.into()],
            )?;
            rows.iter()
                .map(|r| {
                    let open = |column: &str, field: &str| -> Result<String> {
                        let stored = r.text(field);
                        if stored.is_empty() {
                            Ok(String::new())
                        } else {
                            self.sealer.open_text(column, &stored)
                        }
                    };
                    Ok(DeskComplaint {
                        ticket_no: r.text("ticket_no"),
                        kiosk_id: r.text("kiosk_id"),
                        topic: r.text("topic"),
                        text: open("complaints.body", "body")?,
                        phone_masked: mask_phone(&open("complaints.phone", "phone")?),
                        state: r.text("state"),
                        reply: open("complaints.reply", "reply")?,
                        replied_by: r.opt_text("replied_by"),
                        created_at: r.int("created_at"),
                    })
                })
                .collect()
        })
    }

    /// Answers ticket `ticket_no`: the reply is kept (sealed), the ticket is answered, and an
    /// SMS to the citizen's number is queued (audited). A purged ticket has no number left.
    pub fn reply_to_complaint(&self, operator: &Operator, ticket_no: &str, reply: &str) -> Result<()> {
        operator.require(operator.may_review())?;
        let reply = reply.trim();
        if reply.is_empty() || reply.chars().count() > MAX_REPLY_CHARS {
            return refuse(422, "reply_required", "a reply is 1 to 300 characters");
        }
        self.tx(|sql| {
            let Some(row) = sql.query_one("SELECT phone FROM complaints WHERE ticket_no = $1", &[ticket_no.into()])? else {
                return refuse(404, "not_found", "no such ticket");
            };
            let phone = row.text("phone");
            if phone.is_empty() {
                return refuse(410, "purged", "this ticket's number was purged");
            }
            let now = now();
            sql.exec(
                "UPDATE complaints SET state = 'answered', reply = $1, replied_by = $2, replied_at = $3 WHERE ticket_no = $4",
                &[
                    self.sealer.seal_text("complaints.reply", reply).into(),
                    operator.name.as_str().into(),
                    now.into(),
                    ticket_no.into(),
                ],
            )?;
            let text = format!("【就近跑一次】您的工单 {ticket_no} 已答复:{reply}");
            sql.exec(
                "INSERT INTO sms_outbox (sms_id, phone, body, subject, state, created_at) VALUES ($1, $2, $3, $4, 'queued', $5)",
                &[
                    short_id("sms").into(),
                    // The number is re-sealed under its own column's name.
                    self.sealer
                        .seal_text("sms_outbox.phone", &self.sealer.open_text("complaints.phone", &phone)?)
                        .into(),
                    self.sealer.seal_text("sms_outbox.body", &text).into(),
                    ticket_no.into(),
                    now.into(),
                ],
            )?;
            audit(sql, &operator.name, "complaint:reply", ticket_no)
        })
    }

    /// The simulated gateway of labs and demonstrations (`[sms] url = "sim"`): it marks the
    /// queued messages sent and returns how many.
    pub fn simulate_sms_gateway(&self) -> Result<u64> {
        self.tx(|sql| {
            sql.exec(
                "UPDATE sms_outbox SET state = 'sent', sent_at = $1 WHERE state = 'queued'",
                &[now().into()],
            )
        })
    }

    /// Up to `limit` queued SMS, oldest first, opened: `(id, phone, text)` for the gateway.
    pub fn sms_batch(&self, limit: i64) -> Result<Vec<(String, String, String)>> {
        self.tx(|sql| {
            sql.query(
                "SELECT sms_id, phone, body FROM sms_outbox WHERE state = 'queued' ORDER BY created_at, sms_id LIMIT $1",
                &[limit.into()],
            )?
            .iter()
            .map(|r| {
                Ok((
                    r.text("sms_id"),
                    self.sealer.open_text("sms_outbox.phone", &r.text("phone"))?,
                    self.sealer.open_text("sms_outbox.body", &r.text("body"))?,
                ))
            })
            .collect()
        })
    }

    /// The gateway's answer for message `id`: `sent` or `failed`.
    pub fn sms_done(&self, id: &str, state: &str) -> Result<()> {
        self.tx(|sql| {
            sql.exec(
                "UPDATE sms_outbox SET state = $1, sent_at = $2 WHERE sms_id = $3",
                &[state.into(), now().into(), id.into()],
            )?;
            Ok(())
        })
    }

    /// The text of the SMS queued for `subject` (a ticket), opened (for tests and the
    /// gateway adapter).
    pub fn sms_for(&self, operator: &Operator, subject: &str) -> Result<Option<(String, String, String)>> {
        operator.require(operator.may_supervise())?;
        self.tx(|sql| {
            let Some(row) = sql.query_one(
                "SELECT phone, body, state FROM sms_outbox WHERE subject = $1 ORDER BY created_at DESC LIMIT 1",
                &[subject.into()],
            )?
            else {
                return Ok(None);
            };
            Ok(Some((
                self.sealer.open_text("sms_outbox.phone", &row.text("phone"))?,
                self.sealer.open_text("sms_outbox.body", &row.text("body"))?,
                row.text("state"),
            )))
        })
    }
}
