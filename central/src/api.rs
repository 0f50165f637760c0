//! The kiosk API (`/api/v1`, docs/central-api.md): routing, identity checks (a recorded,
//! unrevoked, unexpired certificate, checked before the body is read; `X-Kiosk-Id` against
//! the certificate) and the mapping of refusals to `{error, message}` answers. Every store
//! operation gets the calling [`Kiosk`]: what it reads or changes must be its own, or be
//! opened by a citizen's proof. Logs carry the request kind, status and kiosk id only.

use crate::http::{Peer, Req, Resp};
pub use crate::refusal::failure;
use crate::state::Central;
use crate::store::{Answer, Kiosk};
use hyper::Method;
use serde::de::DeserializeOwned;
use township_core::central_api as api;
use township_core::domain::calendar::Date;

/// Handles one API request.
pub fn handle(central: &Central, peer: Option<&Peer>, req: &Req) -> Resp {
    let started = std::time::Instant::now();
    let (kind, resp) = match peer {
        None => (
            "unknown",
            Resp::error(403, "no_certificate", "a client certificate is required"),
        ),
        Some(peer) => route(central, peer, req),
    };
    central.metrics.observe(kind, resp.status, started.elapsed());
    if resp.status >= 400 {
        let code = serde_json::from_slice::<api::ApiError>(&resp.body)
            .map(|e| e.error)
            .unwrap_or_default();
        log::warn!(
            "api {kind} -> {} {code} kiosk={}",
            resp.status,
            peer.map(|p| p.kiosk_id.as_str()).unwrap_or("-")
        );
    }
    resp
}

fn body<T: DeserializeOwned>(req: &Req) -> Result<T, Resp> {
    // serde's messages can quote the offending value (which may be personal data): only
    // the position goes back.
    serde_json::from_slice(&req.body).map_err(|e| {
        Resp::error(
            400,
            "bad_request",
            &format!(
                "the body is not valid for this endpoint (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

fn answer(result: anyhow::Result<Answer>) -> Resp {
    match result {
        Ok(a) => {
            let resp = Resp::raw_json(a.status, a.body.into_bytes());
            if a.replayed {
                resp.with(api::REPLAYED_HEADER, "true")
            } else {
                resp
            }
        }
        Err(e) => failure(e),
    }
}

fn ok<T: serde::Serialize>(status: u16, result: anyhow::Result<T>) -> Resp {
    match result {
        Ok(v) => Resp::json(status, &v),
        Err(e) => failure(e),
    }
}

/// Whether the peer's certificate may go on, from memory (no database: this runs on the
/// async side). The HTTP layer asks before it reads a request's body, and its watchdog asks
/// again every quarter second to close a revoked kiosk's open connections. A certificate
/// the last refresh did not know passes here; [`caller`] then asks the database.
pub fn gate(central: &Central, peer: &Peer) -> Result<(), Resp> {
    if peer.kiosk_id.is_empty() {
        return Err(Resp::error(
            403,
            "no_kiosk_id",
            "the client certificate has no common name",
        ));
    }
    match central.admission(&peer.fingerprint, &peer.kiosk_id) {
        crate::state::Admission::Refused(why) => Err(refused(peer, why)),
        _ => Ok(()),
    }
}

fn refused(peer: &Peer, why: &str) -> Resp {
    log::warn!("api refused a certificate of kiosk={}: {why}", peer.kiosk_id);
    Resp::error(403, "revoked", why)
}

/// Who is asking: the kiosk named by the admitted client certificate (recorded for it,
/// unrevoked, unexpired), unless another kiosk is claimed in `X-Kiosk-Id`.
fn caller<'a>(central: &Central, peer: &'a Peer, req: &Req) -> Result<Kiosk<'a>, (&'static str, Resp)> {
    if let Err(refusal) = gate(central, peer) {
        return Err(("revoked", refusal));
    }
    if let Err(why) = central.admitted(&peer.fingerprint, &peer.kiosk_id) {
        return Err(("revoked", refused(peer, why)));
    }
    central.retire_replaced(&peer.fingerprint, Kiosk(peer.kiosk_id.as_str()));
    if let Some(claimed) = req.header(api::KIOSK_ID_HEADER) {
        if claimed != peer.kiosk_id {
            central.store.note_refusal(&peer.kiosk_id);
            return Err((
                "identity",
                Resp::error(
                    403,
                    "kiosk_id_mismatch",
                    "X-Kiosk-Id differs from the client certificate",
                ),
            ));
        }
    }
    Ok(Kiosk(peer.kiosk_id.as_str()))
}

/// `PUT /uploads/{id}?offset=N` with the chunk's SHA-256 in its header.
fn put_chunk(central: &Central, kiosk: Kiosk, id: &str, req: &Req) -> Resp {
    let Some(offset) = req.param("offset").and_then(|o| o.parse::<u64>().ok()) else {
        return Resp::error(400, "bad_request", "?offset=N is required");
    };
    let sha = req.header(api::CHUNK_SHA256_HEADER);
    ok(200, central.store.put_chunk(kiosk, id, offset, sha, &req.body))
}

/// `GET /appointments/slots?from=YYYY-MM-DD&days=N`.
fn slots(central: &Central, kiosk: Kiosk, req: &Req) -> Resp {
    let days = req.param("days").map(|d| d.parse::<u32>().unwrap_or(0)).unwrap_or(7);
    match req.param("from").and_then(Date::parse) {
        Some(from) => ok(200, central.store.slots(kiosk, from, days)),
        None => Resp::error(400, "bad_request", "?from=YYYY-MM-DD is required"),
    }
}

/// `POST /payments/{id}/sandbox-pay`: the simulated provider pays the caller's own order.
fn sandbox_pay(central: &Central, kiosk: Kiosk, id: &str) -> Resp {
    if !central.sandbox_payments {
        return Resp::error(404, "not_found", "the payment sandbox is off on this server");
    }
    let amount = match central.store.payment(kiosk, id) {
        Ok(order) => order.amount_fen,
        Err(e) => return failure(e),
    };
    let paid = central.sandbox_pay(id, amount, &format!("kiosk:{}", kiosk.id()));
    if paid.status != 200 {
        return paid;
    }
    ok(200, central.store.payment(kiosk, id))
}

fn route(central: &Central, peer: &Peer, req: &Req) -> (&'static str, Resp) {
    let Some(rest) = req.path.strip_prefix(api::BASE_PATH) else {
        return ("unknown", Resp::error(404, "not_found", "unknown path"));
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let kiosk = match caller(central, peer, req) {
        Ok(kiosk) => kiosk,
        Err(refused) => return refused,
    };
    let store = &central.store;
    macro_rules! parse {
        ($t:ty) => {
            match body::<$t>(req) {
                Ok(v) => v,
                Err(resp) => return (KIND, resp),
            }
        };
    }
    let m = &req.method;
    match segments.as_slice() {
        ["applications"] if m == Method::POST => {
            const KIND: &str = "submit";
            let Some(key) = req.header(api::IDEMPOTENCY_KEY_HEADER) else {
                return (
                    KIND,
                    Resp::error(400, "bad_request", "the Idempotency-Key header is missing"),
                );
            };
            let request = parse!(api::SubmitApplication);
            (KIND, answer(store.submit(kiosk, key, &request)))
        }
        ["applications", "by-receipt", receipt, "supplements"] if m == Method::POST => {
            const KIND: &str = "supplement";
            let request = parse!(api::CreateSupplement);
            (KIND, answer(store.supplement(kiosk, receipt, &request)))
        }
        ["applications", key, "materials", code, "uploads"] if m == Method::POST => {
            const KIND: &str = "upload_create";
            let request = parse!(api::CreateUpload);
            (KIND, ok(201, store.create_upload(kiosk, key, code, &request)))
        }
        ["supplements", id, "materials", code, "uploads"] if m == Method::POST => {
            const KIND: &str = "upload_create";
            let request = parse!(api::CreateUpload);
            (KIND, ok(201, store.create_supplement_upload(kiosk, id, code, &request)))
        }
        ["uploads", id] if m == Method::PUT => ("upload_chunk", put_chunk(central, kiosk, id, req)),
        ["uploads", id] if m == Method::GET => ("upload_state", ok(200, store.upload_state(kiosk, id))),
        ["uploads", id, "finalise"] if m == Method::POST => ("upload_finalise", ok(200, store.finalise(kiosk, id))),
        ["status-queries"] if m == Method::POST => {
            const KIND: &str = "status_query";
            let request = parse!(api::StatusQuery);
            (KIND, ok(200, store.status_query(kiosk, &request)))
        }
        ["payments"] if m == Method::POST => {
            const KIND: &str = "payment_create";
            let request = parse!(api::CreatePayment);
            (KIND, answer(store.create_payment(kiosk, &request)))
        }
        ["payments", id] if m == Method::GET => ("payment_poll", ok(200, store.payment(kiosk, id))),
        ["payments", id, "cancel"] if m == Method::POST => ("payment_cancel", ok(200, store.cancel_payment(kiosk, id))),
        ["payments", id, "sandbox-pay"] if m == Method::POST => ("payment_sandbox", sandbox_pay(central, kiosk, id)),
        ["catalogue"] if m == Method::GET => ("catalogue", central.catalogue(req)),
        ["appointments", "slots"] if m == Method::GET => ("slots", slots(central, kiosk, req)),
        ["appointments"] if m == Method::POST => {
            const KIND: &str = "book";
            let request = parse!(api::BookAppointment);
            (KIND, answer(store.book(kiosk, &request)))
        }
        ["appointments", no, "cancel"] if m == Method::POST => {
            const KIND: &str = "book_cancel";
            let request = parse!(api::CancelBooking);
            (KIND, ok(200, store.cancel_booking(kiosk, no, &request.cancel_code)))
        }
        ["ratings"] if m == Method::POST => {
            const KIND: &str = "rating";
            let request = parse!(api::SubmitRating);
            (KIND, answer(store.rate(kiosk, &request)))
        }
        ["complaints"] if m == Method::POST => {
            const KIND: &str = "complaint";
            let request = parse!(api::SubmitComplaint);
            (KIND, answer(store.complain(kiosk, &request)))
        }
        ["heartbeat"] if m == Method::POST => {
            const KIND: &str = "heartbeat";
            let request = parse!(api::Heartbeat);
            let answer = store.heartbeat(kiosk, &request).map(|mut answer| {
                answer.certificate_expires_at = central.certificate_expiry(&peer.fingerprint);
                answer
            });
            (KIND, ok(200, answer))
        }
        ["certificates", "renew"] if m == Method::POST => {
            const KIND: &str = "certificate_renew";
            let request = parse!(api::RenewCertificate);
            (KIND, central.renew(kiosk, &peer.fingerprint, &request))
        }
        ["technician", "pin-recovery"] if m == Method::POST => {
            const KIND: &str = "pin_recovery";
            let request = parse!(api::RedeemPinRecovery);
            let redeemed = store.redeem_pin_recovery(kiosk, &request.code);
            (
                KIND,
                ok(200, redeemed.map(|()| api::PinRecoveryRedeemed { redeemed: true })),
            )
        }
        _ => ("unknown", Resp::error(404, "not_found", "unknown path or method")),
    }
}
