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

/// `GET /rollouts/{id}/bundle` with `Range: bytes=A-B` (at most
/// [`township_core::firmware_api::BUNDLE_RANGE_MAX`]): a piece of the bundle, only for a
/// kiosk the rollout is offered to.
fn bundle_range(central: &Central, kiosk: Kiosk, id: &str, req: &Req) -> Resp {
    use township_core::firmware_api::BUNDLE_RANGE_MAX;
    let Ok(rollout_id) = id.parse::<i64>() else {
        return Resp::error(404, "no_rollout", "no such rollout");
    };
    let (path, size) = match central.store.rollout_bundle(kiosk, rollout_id) {
        Ok(found) => found,
        Err(e) => return failure(e),
    };
    let range = req
        .header("range")
        .and_then(|r| r.strip_prefix("bytes="))
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
    let Some((from, to)) = range.filter(|(a, b)| a <= b && *b < size && b - a < BUNDLE_RANGE_MAX) else {
        return Resp::error(
            416,
            "bad_range",
            &format!("ask for Range: bytes=A-B within the bundle's {size} bytes, at most {BUNDLE_RANGE_MAX} at a time"),
        );
    };
    let read = || -> std::io::Result<Vec<u8>> {
        use std::io::{Read, Seek};
        let mut file = std::fs::File::open(&path)?;
        file.seek(std::io::SeekFrom::Start(from))?;
        let mut bytes = vec![0u8; (to - from + 1) as usize];
        file.read_exact(&mut bytes)?;
        Ok(bytes)
    };
    match read() {
        Ok(bytes) => Resp::bytes(206, "application/octet-stream", bytes)
            .with("content-range", format!("bytes {from}-{to}/{size}")),
        Err(e) => {
            log::error!("rollout {rollout_id}: the bundle cannot be read: {e}");
            Resp::error(500, "bundle_unreadable", "the bundle cannot be read")
        }
    }
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

/// A request of an admitted kiosk, as the routes see it.
struct Call<'a> {
    central: &'a Central,
    peer: &'a Peer,
    req: &'a Req,
    kiosk: Kiosk<'a>,
}

/// What a route answers: the request kind (the metrics' label) and the response; `None`
/// when the path and method are not the route's.
type Routed = Option<(&'static str, Resp)>;

/// The routes by aggregate, tried in turn (their paths do not overlap).
const ROUTES: [fn(&Call, &[&str]) -> Routed; 6] = [
    route_applications,
    route_uploads,
    route_payments,
    route_appointments,
    route_feedback,
    route_fleet,
];

/// Routes a request under [`api::BASE_PATH`], once the caller is known; the request kind
/// goes with the response.
fn route(central: &Central, peer: &Peer, req: &Req) -> (&'static str, Resp) {
    let Some(rest) = req.path.strip_prefix(api::BASE_PATH) else {
        return ("unknown", Resp::error(404, "not_found", "unknown path"));
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let kiosk = match caller(central, peer, req) {
        Ok(kiosk) => kiosk,
        Err(refused) => return refused,
    };
    let call = Call {
        central,
        peer,
        req,
        kiosk,
    };
    ROUTES
        .iter()
        .find_map(|route| route(&call, segments.as_slice()))
        .unwrap_or_else(|| ("unknown", Resp::error(404, "not_found", "unknown path or method")))
}

/// Answers `respond` of the request's body parsed as `T` (a 400 when it is not), with the
/// request kind `kind`.
fn parsed<T: DeserializeOwned>(req: &Req, kind: &'static str, respond: impl FnOnce(T) -> Resp) -> (&'static str, Resp) {
    match body::<T>(req) {
        Ok(v) => (kind, respond(v)),
        Err(resp) => (kind, resp),
    }
}

/// Submission, supplements and status queries.
fn route_applications(call: &Call, segments: &[&str]) -> Routed {
    let (store, kiosk, req, m) = (&call.central.store, call.kiosk, call.req, &call.req.method);
    Some(match segments {
        ["applications"] if m == Method::POST => {
            const KIND: &str = "submit";
            let Some(key) = req.header(api::IDEMPOTENCY_KEY_HEADER) else {
                return Some((
                    KIND,
                    Resp::error(400, "bad_request", "the Idempotency-Key header is missing"),
                ));
            };
            parsed(req, KIND, |request: api::SubmitApplication| {
                answer(store.submit(kiosk, key, &request))
            })
        }
        ["applications", "by-receipt", receipt, "supplements"] if m == Method::POST => {
            parsed(req, "supplement", |request: api::CreateSupplement| {
                answer(store.supplement(kiosk, receipt, &request))
            })
        }
        ["status-queries"] if m == Method::POST => parsed(req, "status_query", |request: api::StatusQuery| {
            ok(200, store.status_query(kiosk, &request))
        }),
        _ => return None,
    })
}

/// Uploads of an application's or a supplement's photos, in chunks.
fn route_uploads(call: &Call, segments: &[&str]) -> Routed {
    let (store, kiosk, req, m) = (&call.central.store, call.kiosk, call.req, &call.req.method);
    Some(match segments {
        ["applications", key, "materials", code, "uploads"] if m == Method::POST => {
            parsed(req, "upload_create", |request: api::CreateUpload| {
                ok(201, store.create_upload(kiosk, key, code, &request))
            })
        }
        ["supplements", id, "materials", code, "uploads"] if m == Method::POST => {
            parsed(req, "upload_create", |request: api::CreateUpload| {
                ok(201, store.create_supplement_upload(kiosk, id, code, &request))
            })
        }
        ["uploads", id] if m == Method::PUT => ("upload_chunk", put_chunk(call.central, kiosk, id, req)),
        ["uploads", id] if m == Method::GET => ("upload_state", ok(200, store.upload_state(kiosk, id))),
        ["uploads", id, "finalise"] if m == Method::POST => ("upload_finalise", ok(200, store.finalise(kiosk, id))),
        _ => return None,
    })
}

/// Payment orders: create, poll, cancel, and the sandbox's simulated payment.
fn route_payments(call: &Call, segments: &[&str]) -> Routed {
    let (store, kiosk, req, m) = (&call.central.store, call.kiosk, call.req, &call.req.method);
    Some(match segments {
        ["payments", id] if m == Method::GET => ("payment_poll", ok(200, store.payment(kiosk, id))),
        ["payments"] if m == Method::POST => parsed(req, "payment_create", |request: api::CreatePayment| {
            answer(store.create_payment(kiosk, &request))
        }),
        ["payments", id, "cancel"] if m == Method::POST => ("payment_cancel", ok(200, store.cancel_payment(kiosk, id))),
        ["payments", id, "sandbox-pay"] if m == Method::POST => {
            ("payment_sandbox", sandbox_pay(call.central, kiosk, id))
        }
        _ => return None,
    })
}

/// Appointments: free slots, booking and cancelling.
fn route_appointments(call: &Call, segments: &[&str]) -> Routed {
    let (store, kiosk, req, m) = (&call.central.store, call.kiosk, call.req, &call.req.method);
    Some(match segments {
        ["appointments", "slots"] if m == Method::GET => ("slots", slots(call.central, kiosk, req)),
        ["appointments"] if m == Method::POST => parsed(req, "book", |request: api::BookAppointment| {
            answer(store.book(kiosk, &request))
        }),
        ["appointments", no, "cancel"] if m == Method::POST => {
            parsed(req, "book_cancel", |request: api::CancelBooking| {
                ok(200, store.cancel_booking(kiosk, no, &request.cancel_code))
            })
        }
        _ => return None,
    })
}

/// Ratings (好差评) and complaints.
fn route_feedback(call: &Call, segments: &[&str]) -> Routed {
    let (store, kiosk, req, m) = (&call.central.store, call.kiosk, call.req, &call.req.method);
    Some(match segments {
        ["ratings"] if m == Method::POST => parsed(req, "rating", |request: api::SubmitRating| {
            answer(store.rate(kiosk, &request))
        }),
        ["complaints"] if m == Method::POST => parsed(req, "complaint", |request: api::SubmitComplaint| {
            answer(store.complain(kiosk, &request))
        }),
        _ => return None,
    })
}

/// The kiosk itself: the catalogue, heartbeats, certificate renewal and PIN recovery.
fn route_fleet(call: &Call, segments: &[&str]) -> Routed {
    let (central, kiosk, req, m) = (call.central, call.kiosk, call.req, &call.req.method);
    let fingerprint = &call.peer.fingerprint;
    Some(match segments {
        ["catalogue"] if m == Method::GET => ("catalogue", central.catalogue(req)),
        ["heartbeat"] if m == Method::POST => parsed(req, "heartbeat", |request: api::Heartbeat| {
            let answer = central.store.heartbeat(kiosk, &request).map(|mut answer| {
                answer.certificate_expires_at = central.certificate_expiry(fingerprint);
                answer
            });
            ok(200, answer)
        }),
        ["rollouts", id, "bundle"] if m == Method::GET => ("rollout_bundle", bundle_range(central, kiosk, id, req)),
        ["certificates", "renew"] if m == Method::POST => {
            parsed(req, "certificate_renew", |request: api::RenewCertificate| {
                central.renew(kiosk, fingerprint, &request)
            })
        }
        ["technician", "pin-recovery"] if m == Method::POST => {
            parsed(req, "pin_recovery", |request: api::RedeemPinRecovery| {
                let redeemed = central.store.redeem_pin_recovery(kiosk, &request.code);
                ok(200, redeemed.map(|()| api::PinRecoveryRedeemed { redeemed: true }))
            })
        }
        _ => return None,
    })
}
