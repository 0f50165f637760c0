//! How a store error becomes an answer: a [`Refusal`] keeps its status and code, anything
//! else is a 500 whose log line holds only the first line of the error (database errors may
//! quote values).

use crate::http::Resp;
use crate::store::Refusal;

/// A refusal keeps its status; anything else is a 500 (retried by the kiosk).
pub fn failure(e: anyhow::Error) -> Resp {
    match e.downcast_ref::<Refusal>() {
        Some(r) => Resp::error(r.status, r.code, &r.message),
        None => {
            // Database errors may quote values: log the first line of the chain's head only.
            let head = e.to_string();
            log::error!("internal error: {}", head.lines().next().unwrap_or(""));
            Resp::error(500, "internal", "internal error: try again later")
        }
    }
}
