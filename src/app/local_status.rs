//! The local status endpoint of a running kiosk: `/healthz`, `/status` (a JSON snapshot)
//! and `/metrics` (Prometheus text), served by `tiny_http` on one thread, bound to localhost
//! by default (`status.listen`). GET and HEAD only: it serves a monitoring agent, not a
//! crowd. Nothing it says holds personal data — the snapshot is built from counts, states
//! and masked errors.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tiny_http::{Header, Method, Request, Response, Server};

/// What the endpoint serves; called per request.
pub trait StatusSource: Send + Sync + 'static {
    /// The `/status` document.
    fn status_json(&self) -> serde_json::Value;
    /// The `/metrics` exposition.
    fn metrics(&self) -> String;
    /// Whether `/healthz` answers 200.
    fn healthy(&self) -> bool;
}

/// Binds `listen` and serves on a background thread. Returns the bound address.
pub fn serve(listen: &str, source: Arc<dyn StatusSource>) -> io::Result<SocketAddr> {
    let server = Server::http(listen).map_err(|e| io::Error::new(io::ErrorKind::AddrNotAvailable, e.to_string()))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| io::Error::other("the status endpoint is not on an IP address"))?;
    std::thread::Builder::new().name("local-status".into()).spawn(move || {
        for request in server.incoming_requests() {
            if let Err(e) = respond(request, source.as_ref()) {
                log::debug!("local status: {e}");
            }
        }
    })?;
    Ok(addr)
}

fn respond(request: Request, source: &dyn StatusSource) -> io::Result<()> {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let readable = matches!(request.method(), Method::Get | Method::Head);
    let (status, content_type, body) = match (readable, path.as_str()) {
        (true, "/healthz") if source.healthy() => (200, "text/plain", "ok\n".to_string()),
        (true, "/healthz") => (503, "text/plain", "unhealthy\n".to_string()),
        (true, "/status") => (
            200,
            "application/json",
            serde_json::to_string_pretty(&source.status_json()).unwrap_or_default() + "\n",
        ),
        (true, "/metrics") => (200, "text/plain; version=0.0.4", source.metrics()),
        (true, _) => (404, "text/plain", "not found\n".to_string()),
        (false, _) => (405, "text/plain", "GET only\n".to_string()),
    };
    let header = |name: &str, value: &str| Header::from_bytes(name, value).expect("a valid header");
    let response = Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"));
    request.respond(response)
}

/// A GET for tests and `kiosk status` probes: `(status code, body)`.
pub fn get(addr: &str, path: &str) -> io::Result<(u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let mut response = agent
        .get(&format!("http://{addr}{path}"))
        .call()
        .map_err(io::Error::other)?;
    let code = response.status().as_u16();
    let body = response.body_mut().read_to_string().map_err(io::Error::other)?;
    Ok((code, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl StatusSource for Fixed {
        fn status_json(&self) -> serde_json::Value {
            serde_json::json!({ "version": "test", "outbox": { "pending": 2 } })
        }
        fn metrics(&self) -> String {
            "kiosk_outbox_pending 2\n".into()
        }
        fn healthy(&self) -> bool {
            true
        }
    }

    #[test]
    fn serves_health_status_and_metrics_on_loopback() {
        let addr = serve("127.0.0.1:0", Arc::new(Fixed)).unwrap().to_string();
        assert_eq!(get(&addr, "/healthz").unwrap(), (200, "ok\n".into()));
        let (code, body) = get(&addr, "/status").unwrap();
        assert_eq!(code, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["outbox"]["pending"], 2);
        assert_eq!(get(&addr, "/metrics").unwrap().1, "kiosk_outbox_pending 2\n");
        assert_eq!(get(&addr, "/nope").unwrap().0, 404);
    }
}
