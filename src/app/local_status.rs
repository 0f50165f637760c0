//! The local status endpoint of a running kiosk: `/healthz`, `/status` (a JSON snapshot)
//! and `/metrics` (Prometheus text), served by hyper (HTTP/1.1) on one thread with its own
//! single-threaded tokio runtime, bound to localhost by default (`status.listen`). Bounded:
//! at most [`MAX_CONNECTIONS`] at once (more are closed at once), 8 KiB of request head,
//! [`HEADER_TIMEOUT`] to send it, no keep-alive, GET and HEAD only. The snapshot is built on
//! the blocking pool, so a slow store read never stalls the listener. The probe client is
//! `ureq`. Nothing it says holds personal data — the snapshot is built from counts, states
//! and masked errors. With a token configured, `/status` and `/metrics` answer only requests
//! that carry it as `Authorization: Bearer …` (the configuration refuses a listener beyond
//! loopback without one); `/healthz` stays open.

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode};
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Connections served at once; a monitoring scrape needs one.
pub const MAX_CONNECTIONS: usize = 16;
/// Time to send a request's head.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);

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
    let listener = std::net::TcpListener::bind(listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(2)
        .thread_name("local-status")
        .build()?;
    let token: Arc<Option<[u8; 32]>> = Arc::new(token.map(|t| digest(t.as_bytes())));
    std::thread::Builder::new()
        .name("local-status".into())
        .spawn(move || runtime.block_on(accept_loop(listener, source, token)))?;
    Ok(addr)
}

async fn accept_loop(listener: std::net::TcpListener, source: Arc<dyn StatusSource>, token: Arc<Option<[u8; 32]>>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        log::error!("local status: the listener could not join the runtime");
        return;
    };
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            log::warn!("local status: {MAX_CONNECTIONS} connections open, one more closed");
            continue;
        };
        let (source, token) = (source.clone(), token.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |request| {
                let (source, token) = (source.clone(), token.clone());
                async move { Ok::<_, std::convert::Infallible>(answer(request, source, token).await) }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(8192)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await;
            if let Err(e) = served {
                log::debug!("local status: {e}");
            }
        });
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

/// The bearer token a request presents, as its digest.
fn presented<B>(request: &Request<B>) -> Option<[u8; 32]> {
    let value = request.headers().get(hyper::header::AUTHORIZATION)?.to_str().ok()?;
    value
        .trim()
        .strip_prefix("Bearer ")
        .map(|t| digest(t.trim().as_bytes()))
}

async fn answer<B>(
    request: Request<B>,
    source: Arc<dyn StatusSource>,
    token: Arc<Option<[u8; 32]>>,
) -> Response<Full<Bytes>> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        if let Ok(value) = content_type.parse() {
            headers.insert(hyper::header::CONTENT_TYPE, value);
        }
        headers.insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
        response
    };
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain", "GET only\n".into());
    }
    let path = request.uri().path().to_string();
    // Digests compared: the time taken says nothing about the token.
    let authorised = token
        .as_ref()
        .as_ref()
        .is_none_or(|t| presented(&request).as_ref() == Some(t));
    if matches!(path.as_str(), "/status" | "/metrics") && !authorised {
        return reply(
            StatusCode::UNAUTHORIZED,
            "text/plain",
            "a bearer token is required\n".into(),
        );
    }
    let built = tokio::task::spawn_blocking(move || match path.as_str() {
        "/healthz" if source.healthy() => (StatusCode::OK, "text/plain", "ok\n".to_string()),
        "/healthz" => (StatusCode::SERVICE_UNAVAILABLE, "text/plain", "unhealthy\n".to_string()),
        "/status" => (
            StatusCode::OK,
            "application/json",
            serde_json::to_string_pretty(&source.status_json()).unwrap_or_default() + "\n",
        ),
        "/metrics" => (StatusCode::OK, "text/plain; version=0.0.4", source.metrics()),
        _ => (StatusCode::NOT_FOUND, "text/plain", "not found\n".to_string()),
    })
    .await;
    match built {
        Ok((status, content_type, body)) => reply(status, content_type, body),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", format!("{e}\n")),
    }
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
        use std::io::{Read, Write};
        let addr = serve("127.0.0.1:0", Arc::new(Fixed), None).unwrap().to_string();
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = stream.write_all(&[b'x'; 10_000]);
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 4"), "{answer}");
        assert_eq!(get(&addr, "/healthz").unwrap(), (200, "ok\n".into()), "still serving");
    }

    #[test]
    fn a_post_is_refused_and_connections_beyond_the_limit_are_closed() {
        use std::io::{Read, Write};
        let addr = serve("127.0.0.1:0", Arc::new(Fixed), None).unwrap().to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let posted = agent.post(&format!("http://{addr}/status")).send("x").unwrap();
        assert_eq!(posted.status().as_u16(), 405);
        let mut held: Vec<std::net::TcpStream> = (0..MAX_CONNECTIONS)
            .map(|_| std::net::TcpStream::connect(&addr).unwrap())
            .collect();
        let mut over = std::net::TcpStream::connect(&addr).unwrap();
        over.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = over.write_all(b"GET /healthz HTTP/1.1\r\nHost: kiosk\r\n\r\n");
        let mut answer = Vec::new();
        let _ = over.read_to_end(&mut answer);
        assert!(
            answer.is_empty(),
            "served beyond the limit: {}",
            String::from_utf8_lossy(&answer)
        );
        held.clear();
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(get(&addr, "/healthz").unwrap().0, 200, "places freed are served");
    }
}
