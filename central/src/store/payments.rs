//! Payment orders: created by a kiosk for a service's fee, polled, cancelled or expired by
//! it, and paid only by a payment provider's verified notification (never by a kiosk's or
//! an operator's word). An order belongs to the kiosk that created it.

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

    pub fn create_payment(&self, kiosk: Kiosk, request: &api::CreatePayment) -> Result<Answer> {
        let Some(item) = self.catalogue.items.iter().find(|i| i.code == request.item_code) else {
            return refuse(422, "invalid_item", "unknown item code");
        };
        if item.fee_fen == 0 || item.fee_fen != request.amount_fen {
            return refuse(422, "amount_mismatch", "the amount is not the item's fee");
        }
        let fingerprint = fingerprint_of(request);
        self.tx(|sql| {
            idempotent(sql, &self.sealer, "payment", &request.idempotency_key, kiosk, &fingerprint, |sql| {
                let order_id = short_id("P");
                let expires_at = now() + self.payment_ttl_secs;
                sql.exec(
                    "INSERT INTO payments (order_id, kiosk_id, item_code, amount_fen, status, created_at, expires_at) VALUES ($1, $2, $3, $4, 'pending', $5, $6)",
                    &[
                        order_id.as_str().into(),
                        kiosk.id().into(),
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

    /// The order `order_id`, locked; `owner` limits it to one kiosk's orders (another
    /// kiosk's order is "not found").
    fn payment_row(sql: &mut dyn Sql, owner: Option<Kiosk>, order_id: &str) -> Result<Row> {
        let suffix = sql.for_update();
        let row = sql.query_one(
            &format!(
                "SELECT order_id, kiosk_id, amount_fen, expires_at, status FROM payments WHERE order_id = $1{suffix}"
            ),
            &[order_id.into()],
        )?;
        match row {
            Some(row) if owner.is_none_or(|k| row.text("kiosk_id") == k.id()) => Ok(row),
            _ => refuse(404, "not_found", "no such payment order"),
        }
    }

    /// The status of `row`, a pending order past its expiry turned to expired.
    fn current_status(sql: &mut dyn Sql, row: &Row) -> Result<PaymentStatus> {
        let status = PaymentStatus::parse(&row.text("status")).unwrap_or(PaymentStatus::Pending);
        if status == PaymentStatus::Pending && now() > row.int("expires_at") {
            sql.exec(
                "UPDATE payments SET status = 'expired' WHERE order_id = $1",
                &[row.text("order_id").into()],
            )?;
            return Ok(PaymentStatus::Expired);
        }
        Ok(status)
    }

    /// The caller's order, as it stands now.
    pub fn payment(&self, kiosk: Kiosk, order_id: &str) -> Result<api::PaymentOrder> {
        self.order_of(Some(kiosk), order_id)
    }

    /// Any kiosk's order, for the back office and the command line.
    pub fn order(&self, operator: &Operator, order_id: &str) -> Result<api::PaymentOrder> {
        operator.require(operator.may_supervise() || operator.may_audit())?;
        self.order_of(None, order_id)
    }

    fn order_of(&self, owner: Option<Kiosk>, order_id: &str) -> Result<api::PaymentOrder> {
        self.tx(|sql| {
            let row = Self::payment_row(sql, owner, order_id)?;
            let status = Self::current_status(sql, &row)?;
            Ok(payment_order(
                order_id,
                row.int("amount_fen"),
                row.int("expires_at"),
                status,
            ))
        })
    }

    /// The caller cancels its own pending order.
    pub fn cancel_payment(&self, kiosk: Kiosk, order_id: &str) -> Result<api::PaymentOrder> {
        self.close_payment(Some(kiosk), order_id, PaymentStatus::Cancelled)
    }

    /// The back office expires a pending order.
    pub fn expire_payment(&self, operator: &Operator, order_id: &str) -> Result<api::PaymentOrder> {
        operator.require(operator.may_supervise())?;
        let order = self.close_payment(None, order_id, PaymentStatus::Expired)?;
        self.tx(|sql| audit(sql, &operator.name, "payment:expire", order_id))?;
        Ok(order)
    }

    fn close_payment(&self, owner: Option<Kiosk>, order_id: &str, to: PaymentStatus) -> Result<api::PaymentOrder> {
        self.tx(|sql| {
            let row = Self::payment_row(sql, owner, order_id)?;
            let next = match Self::current_status(sql, &row)? {
                current if current == to => current,
                PaymentStatus::Pending => to,
                PaymentStatus::Paid => return refuse(409, "already_paid", "this order is paid"),
                other => return refuse(409, "order_closed", format!("this order is {}", other.as_str())),
            };
            sql.exec(
                "UPDATE payments SET status = $1 WHERE order_id = $2",
                &[next.as_str().into(), order_id.into()],
            )?;
            Ok(payment_order(
                order_id,
                row.int("amount_fen"),
                row.int("expires_at"),
                next,
            ))
        })
    }

    /// Applies a payment provider's notification whose signature was verified: the order
    /// turns paid when the amount matches. A notification seen before changes nothing
    /// (`Ok(false)`), and so does one for an order already closed otherwise.
    pub fn apply_notification(&self, notification: &crate::provider::Notification) -> Result<bool> {
        self.tx(|sql| {
            let row = Self::payment_row(sql, None, &notification.order_id)?;
            if row.int("amount_fen") != i64::from(notification.amount_fen) {
                return refuse(422, "amount_mismatch", "the notified amount is not the order's");
            }
            let fresh = sql.exec(
                "INSERT INTO provider_notifications (notification_id, order_id, received_at) VALUES ($1, $2, $3) ON CONFLICT (notification_id) DO NOTHING",
                &[notification.notification_id.as_str().into(), notification.order_id.as_str().into(), now().into()],
            )?;
            let status = PaymentStatus::parse(&row.text("status")).unwrap_or(PaymentStatus::Pending);
            if fresh == 0 || !matches!(status, PaymentStatus::Pending | PaymentStatus::Expired) {
                return Ok(false);
            }
            sql.exec(
                "UPDATE payments SET status = 'paid', paid_at = $1 WHERE order_id = $2",
                &[now().into(), notification.order_id.as_str().into()],
            )?;
            audit(sql, "provider", "payment:paid", &notification.order_id)?;
            Ok(true)
        })
    }

    pub fn payments(&self, operator: &Operator, limit: i64) -> Result<Vec<PaymentRow>> {
        operator.require(operator.may_supervise() || operator.may_audit())?;
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
