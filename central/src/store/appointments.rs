//! Appointments: the opening hours as slots, bookings with a capacity per slot, cancels. A
//! booking belongs to the kiosk that made it, and cancelling it needs its own secret (the
//! cancel code printed on the slip), never just its sequential number.

use super::*;

impl Store {
    // ---- appointments ---------------------------------------------------------------

    pub fn slots(&self, _kiosk: Kiosk, from: Date, days: u32) -> Result<api::SlotsResponse> {
        if !(1..=31).contains(&days) {
            return refuse(400, "bad_request", "days must be 1 to 31");
        }
        let mut slots = Vec::new();
        for d in 0..i64::from(days) {
            slots.extend(township_core::domain::opening_hours::day_slots(
                &self.calendar,
                from.add_days(d),
            ));
        }
        self.tx(|sql| {
            for (slot, capacity) in slots.iter_mut() {
                let booked = sql
                    .query_one(
                        "SELECT booked FROM slot_counts WHERE slot_id = $1",
                        &[slot.slot_id.as_str().into()],
                    )?
                    .map(|r| r.int("booked"))
                    .unwrap_or(0);
                slot.free = (i64::from(*capacity) - booked).max(0) as u32;
            }
            Ok(api::SlotsResponse {
                slots: slots.into_iter().map(|(s, _)| s).collect(),
            })
        })
    }

    pub fn book(&self, kiosk: Kiosk, request: &api::BookAppointment) -> Result<Answer> {
        let Some((mut slot, capacity)) = township_core::domain::opening_hours::find(&self.calendar, &request.slot_id)
        else {
            return refuse(404, "not_found", "no such slot");
        };
        if slot.date < today() {
            return refuse(422, "slot_past", "this slot is in the past");
        }
        if !self.catalogue.items.iter().any(|i| i.code == request.item_code) {
            return refuse(422, "invalid_item", "unknown item code");
        }
        let phone_ok = request.phone.len() == 11 && request.phone.bytes().all(|b| b.is_ascii_digit());
        if !phone_ok {
            return refuse(422, "invalid_phone", "the phone number must be 11 digits");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, &self.sealer, "booking", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let booked = sql
                    .query_one(
                        "INSERT INTO slot_counts (slot_id, booked) VALUES ($1, 1) ON CONFLICT (slot_id) DO UPDATE SET booked = slot_counts.booked + 1 RETURNING booked",
                        &[request.slot_id.as_str().into()],
                    )?
                    .map(|r| r.int("booked"))
                    .unwrap_or(1);
                if booked > i64::from(capacity) {
                    return refuse(409, "slot_full", "this slot is fully booked");
                }
                // Read out at the window and typed by staff: a dated counter, not a hex id.
                let booking_no = format!("B-{}-{:05}", today().compact(), next_counter(sql, "booking")?);
                let cancel_code = secret()[..12].to_ascii_uppercase();
                sql.exec(
                    "INSERT INTO bookings (booking_no, slot_id, item_code, phone, kiosk_id, status, created_at, cancel_hash) VALUES ($1, $2, $3, $4, $5, 'booked', $6, $7)",
                    &[
                        booking_no.as_str().into(),
                        request.slot_id.as_str().into(),
                        request.item_code.as_str().into(),
                        self.sealer.seal_text("bookings.phone", &request.phone).into(),
                        kiosk.id().into(),
                        now().into(),
                        sha256_hex(cancel_code.as_bytes()).into(),
                    ],
                )?;
                slot.free = (i64::from(capacity) - booked) as u32;
                Ok(Answer::json(
                    201,
                    &api::Booking {
                        qr_payload: format!("township-booking://{booking_no}"),
                        booking_no,
                        slot,
                        status: "booked".into(),
                        cancel_code: Some(cancel_code),
                    },
                ))
            })
        })
    }

    /// Cancels the booking whose cancel code is `code` (printed on its slip). A wrong code
    /// is "not found", as an unknown number is.
    pub fn cancel_booking(&self, kiosk: Kiosk, booking_no: &str, code: &str) -> Result<api::Booking> {
        let code_hash = sha256_hex(code.trim().to_ascii_uppercase().as_bytes());
        // Wrong codes are counted (per booking and per kiosk) like wrong progress proofs.
        self.with_back_off(kiosk, &format!("booking:{booking_no}"), |sql| {
            let row = sql.query_one(
                "SELECT cancel_hash FROM bookings WHERE booking_no = $1",
                &[booking_no.into()],
            )?;
            Ok(row
                .filter(|r| r.opt_text("cancel_hash").as_deref() == Some(code_hash.as_str()))
                .map(|_| ()))
        })?;
        self.tx(|sql| {
            let suffix = sql.for_update();
            let Some(row) = sql.query_one(
                &format!("SELECT slot_id, status FROM bookings WHERE booking_no = $1{suffix}"),
                &[booking_no.into()],
            )?
            else {
                return refuse(404, "not_found", "no booking with this number and cancel code");
            };
            let slot_id = row.text("slot_id");
            if row.text("status") == "booked" {
                sql.exec(
                    "UPDATE bookings SET status = 'cancelled' WHERE booking_no = $1",
                    &[booking_no.into()],
                )?;
                sql.exec(
                    "UPDATE slot_counts SET booked = booked - 1 WHERE slot_id = $1 AND booked > 0",
                    &[slot_id.as_str().into()],
                )?;
            }
            let (mut slot, capacity) = township_core::domain::opening_hours::find(&self.calendar, &slot_id)
                .ok_or_else(|| anyhow::anyhow!("booked slot no longer exists"))?;
            let booked = sql
                .query_one(
                    "SELECT booked FROM slot_counts WHERE slot_id = $1",
                    &[slot_id.as_str().into()],
                )?
                .map(|r| r.int("booked"))
                .unwrap_or(0);
            slot.free = (i64::from(capacity) - booked).max(0) as u32;
            Ok(api::Booking {
                booking_no: booking_no.to_string(),
                qr_payload: format!("township-booking://{booking_no}"),
                slot,
                status: "cancelled".into(),
                cancel_code: None,
            })
        })
    }
}
