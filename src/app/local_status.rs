//! The local status endpoint of a running kiosk: `/healthz`, `/status` (a JSON snapshot)
//! and `/metrics` (Prometheus text), on a small std-only HTTP/1.1 server bound to localhost
//! by default (`status.listen`). One short-lived thread per connection, GET only, no
//! keep-alive, and bounded: 8 KiB a line, 100 header lines, 5 s to read or write. (tiny_http
//! was tried in its place and dropped: it reads a header line of any length and has no read
//! timeout.) The probe client is `ureq`. Nothing it says holds personal data — the snapshot
//! is built from counts, states and masked errors. With a token configured, `/status` and
//! `/metrics` answer only requests that carry it as `Authorization: Bearer …` (the
//! configuration refuses a listener beyond loopback without one); `/healthz` stays open.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

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
pub fn serve(listen: &str, source: Arc<dyn StatusSource>, token: Option<String>) -> io::Result<SocketAddr> {
    let listener = TcpListener::bind(listen)?;
    let token: Arc<Option<[u8; 32]>> = Arc::new(token.map(|t| digest(t.as_bytes())));
    let addr = listener.local_addr()?;
    std::thread::Builder::new().name("local-status".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            let source = source.clone();
            let token = token.clone();
            let _ = std::thread::Builder::new()
                .name("local-status-conn".into())
                .spawn(move || {
                    if let Err(e) = handle(stream, source.as_ref(), token.as_ref().as_ref()) {
                        log::debug!("local status: {e}");
                    }
                });
        }
    })?;
    Ok(addr)
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn handle(stream: TcpStream, source: &dyn StatusSource, token: Option<&[u8; 32]>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Headers are read (bounded); only the bearer token matters.
    let mut header = String::new();
    let mut presented = None;
    for _ in 0..100 {
        header.clear();
        if reader.by_ref().take(8192).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("authorization") {
                presented = value
                    .trim()
                    .strip_prefix("Bearer ")
                    .map(|t| digest(t.trim().as_bytes()));
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    // Digests compared: the time taken says nothing about the token.
    let authorised = token.is_none_or(|t| presented.as_ref() == Some(t));
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/status" | "/metrics") if !authorised => (
            "401 Unauthorized",
            "text/plain",
            "a bearer token is required\n".to_string(),
        ),
        ("GET" | "HEAD", "/healthz") if source.healthy() => ("200 OK", "text/plain", "ok\n".to_string()),
        ("GET" | "HEAD", "/healthz") => ("503 Service Unavailable", "text/plain", "unhealthy\n".to_string()),
        ("GET" | "HEAD", "/status") => (
            "200 OK",
            "application/json",
            serde_json::to_string_pretty(&source.status_json()).unwrap_or_default() + "\n",
        ),
        ("GET" | "HEAD", "/metrics") => ("200 OK", "text/plain; version=0.0.4", source.metrics()),
        ("GET" | "HEAD", _) => ("404 Not Found", "text/plain", "not found\n".to_string()),
        _ => ("405 Method Not Allowed", "text/plain", "GET only\n".to_string()),
    };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        out.write_all(body.as_bytes())?;
    }
    out.flush()
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
        let addr = serve("127.0.0.1:0", Arc::new(Fixed), None).unwrap().to_string();
        assert_eq!(get(&addr, "/healthz").unwrap(), (200, "ok\n".into()));
        let (code, body) = get(&addr, "/status").unwrap();
        assert_eq!(code, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["outbox"]["pending"], 2);
        assert_eq!(get(&addr, "/metrics").unwrap().1, "kiosk_outbox_pending 2\n");
        assert_eq!(get(&addr, "/nope").unwrap().0, 404);
    }

    #[test]
    fn with_a_token_status_and_metrics_need_it_and_healthz_does_not() {
        let token = "a-long-monitoring-token-0451".to_string();
        let addr = serve("127.0.0.1:0", Arc::new(Fixed), Some(token.clone()))
            .unwrap()
            .to_string();
        assert_eq!(get(&addr, "/healthz").unwrap().0, 200);
        assert_eq!(get(&addr, "/status").unwrap().0, 401);
        assert_eq!(get(&addr, "/metrics").unwrap().0, 401);
        let with = |bearer: &str, path: &str| {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let response = agent
                .get(&format!("http://{addr}{path}"))
                .header("Authorization", &format!("Bearer {bearer}"))
                .call()
                .unwrap();
            response.status().as_u16()
        };
        assert_eq!(with(&token, "/status"), 200);
        assert_eq!(with(&token, "/metrics"), 200);
        assert_eq!(with("a-long-monitoring-token-0452", "/status"), 401);
    }

    #[test]
    fn garbage_without_a_line_end_is_read_bounded_and_refused() {
        let addr = serve("127.0.0.1:0", Arc::new(Fixed), None).unwrap().to_string();
        let mut stream = TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        stream.write_all(&[b'x'; 10_000]).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
        assert_eq!(get(&addr, "/healthz").unwrap(), (200, "ok\n".into()), "still serving");
    }
}
