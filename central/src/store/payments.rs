//! Payment orders: created by a kiosk for a service's fee, polled, expired, paid.

use super::*;

#[derive(Clone, Debug, serde::Serialize)]
pub struct PaymentRow {
    pub order_id: String,
    pub kiosk_id: String,
    pub item_code: String,
    pub amount_fen: i64,
    pub status: String,
    pub expires_at: i64,
}

fn payment_order(order_id: &str, amount: i64, expires_at: i64, status: PaymentStatus) -> api::PaymentOrder {
    api::PaymentOrder {
        order_id: order_id.to_string(),
        qr_payload: format!("township-pay://order/{order_id}?amount={amount}"),
        amount_fen: amount as u32,
        expires_at,
        status,
    }
}

impl Store {
    // ---- payments -------------------------------------------------------------------

    pub fn create_payment(&self, kiosk: &str, request: &api::CreatePayment) -> Result<Answer> {
        let Some(item) = self.catalogue.items.iter().find(|i| i.code == request.item_code) else {
            return refuse(422, "invalid_item", "unknown item code");
        };
        if item.fee_fen == 0 || item.fee_fen != request.amount_fen {
            return refuse(422, "amount_mismatch", "the amount is not the item's fee");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, "payment", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let order_id = short_id("P");
                let expires_at = now() + self.payment_ttl_secs;
                sql.exec(
                    "INSERT INTO payments (order_id, kiosk_id, item_code, amount_fen, status, created_at, expires_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
                    &[
                        order_id.as_str().into(),
                        kiosk.into(),
                        request.item_code.as_str().into(),
                        i64::from(request.amount_fen).into(),
                        now().into(),
                        expires_at.into(),
                    ],
                )?;
                Ok(Answer::json(201, &payment_order(&order_id, i64::from(request.amount_fen), expires_at, PaymentStatus::Pending)))
            })
        })
    }

    fn payment_row(sql: &mut dyn Sql, order_id: &str) -> Result<Row> {
        let suffix = sql.for_update();
        match sql.query_one(
            &format!("SELECT order_id, amount_fen, expires_at, status FROM payments WHERE order_id = $1{suffix}"),
            &[order_id.into()],
        )? {
            Some(row) => Ok(row),
            None => refuse(404, "not_found", "no such payment order"),
        }
    }

    /// The order, with a pending one past its expiry turned to expired.
    pub fn payment(&self, order_id: &str) -> Result<api::PaymentOrder> {
        self.tx(|sql| {
            let row = Self::payment_row(sql, order_id)?;
            let mut status = PaymentStatus::parse(&row.text("status")).unwrap_or(PaymentStatus::Pending);
            if status == PaymentStatus::Pending && now() > row.int("expires_at") {
                status = PaymentStatus::Expired;
                sql.exec(
                    "UPDATE payments SET status = 'expired' WHERE order_id = $1",
                    &[order_id.into()],
                )?;
            }
            Ok(payment_order(
                order_id,
                row.int("amount_fen"),
                row.int("expires_at"),
                status,
            ))
        })
    }

    /// Cancel (kiosk), or the back office's simulation: mark paid, expire.
    pub fn set_payment(&self, order_id: &str, to: PaymentStatus) -> Result<api::PaymentOrder> {
        self.payment(order_id)?;
        self.tx(|sql| {
            let row = Self::payment_row(sql, order_id)?;
            let current = PaymentStatus::parse(&row.text("status")).unwrap_or(PaymentStatus::Pending);
            let next = match (current, to) {
                (a, b) if a == b => a,
                (PaymentStatus::Pending, b) => b,
                (PaymentStatus::Paid, _) => return refuse(409, "already_paid", "this order is paid"),
                (a, _) => return refuse(409, "order_closed", format!("this order is {}", a.as_str())),
            };
            sql.exec(
                "UPDATE payments SET status = $1, paid_at = $2 WHERE order_id = $3",
                &[
                    next.as_str().into(),
                    (next == PaymentStatus::Paid).then(now).into(),
                    order_id.into(),
                ],
            )?;
            Ok(payment_order(
                order_id,
                row.int("amount_fen"),
                row.int("expires_at"),
                next,
            ))
        })
    }

    pub fn payments(&self, limit: i64) -> Result<Vec<PaymentRow>> {
        self.tx(|sql| {
            Ok(sql
                .query(
                    "SELECT order_id, kiosk_id, item_code, amount_fen, status, expires_at FROM payments ORDER BY created_at DESC, order_id LIMIT $1",
                    &[limit.into()],
                )?
                .iter()
                .map(|r| PaymentRow {
                    order_id: r.text("order_id"),
                    kiosk_id: r.text("kiosk_id"),
                    item_code: r.text("item_code"),
                    amount_fen: r.int("amount_fen"),
                    status: r.text("status"),
                    expires_at: r.int("expires_at"),
                })
                .collect())
        })
    }
}
