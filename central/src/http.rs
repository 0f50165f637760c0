//! HTTP plumbing on hyper 1: the mutual-TLS API listener (the peer's certificate becomes a
//! [`Peer`]), the plain back-office listener, and a small keep-alive HTTPS client used by
//! `simulate-fleet` and the tests. Handlers are synchronous (they talk to a blocking
//! database) and run on tokio's blocking pool.
//!
//! Bounds: at most [`MAX_CONNECTIONS`] connections per listener (more are closed at once),
//! headers must arrive within [`HEADER_TIMEOUT`] and stay under [`MAX_HEADER_BYTES`], a
//! connection idle for [`IDLE_TIMEOUT`] is closed, bodies stop at [`BODY_LIMIT`] (413). On the
//! API listener a gate decides, before a request's body is read, whether the peer is still
//! admitted, and a watchdog closes the connection within half a second of its certificate's
//! revocation.

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// The largest request body accepted (a 1 MiB chunk or an application with headroom).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// Connections served at once per listener.
pub const MAX_CONNECTIONS: usize = 512;
/// A request's headers must be complete this long after the connection started waiting for
/// them (hyper's timer also runs while a kept-alive connection waits for its next request,
/// so an idle connection is closed after this long too; clients reconnect).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most header bytes hyper buffers for one request.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// A connection with no bytes either way for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a connection's watchdog looks at its peer and its idle time.
const WATCH_EVERY: Duration = Duration::from_millis(250);

/// Who is on the other end of an API connection.
#[derive(Clone, Debug)]
pub struct Peer {
    /// The client certificate's common name.
    pub kiosk_id: String,
    /// Hex SHA-256 of the client certificate.
    pub fingerprint: String,
}

/// A response before it becomes hyper's.
#[derive(Clone, Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, value: &impl serde::Serialize) -> Resp {
        Resp::raw_json(status, serde_json::to_vec(value).unwrap_or_default())
    }
    pub fn raw_json(status: u16, body: Vec<u8>) -> Resp {
        Resp {
            status,
            headers: vec![("content-type", "application/json".into())],
            body,
        }
    }
    pub fn error(status: u16, code: &str, message: &str) -> Resp {
        Resp::json(
            status,
            &township_core::central_api::ApiError {
                error: code.into(),
                message: message.into(),
            },
        )
    }
    pub fn html(status: u16, body: String) -> Resp {
        Resp {
            status,
            headers: vec![("content-type", "text/html; charset=utf-8".into())],
            body: body.into_bytes(),
        }
    }
    pub fn text(status: u16, content_type: &str, body: String) -> Resp {
        Resp {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body: body.into_bytes(),
        }
    }
    pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Resp {
        Resp {
            status,
            headers: vec![("content-type", content_type.to_string())],
            body,
        }
    }
    pub fn redirect(to: &str) -> Resp {
        Resp {
            status: 303,
            headers: vec![("location", to.to_string())],
            body: Vec::new(),
        }
    }
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Resp {
        self.headers.push((name, value.into()));
        self
    }
    fn into_hyper(self) -> Response<Full<Bytes>> {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(Full::new(Bytes::from(self.body)))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

/// A request after its body was read.
pub struct Req {
    pub method: hyper::Method,
    pub path: String,
    pub query: Option<String>,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// A query parameter (no percent-decoding: the API's parameters are plain ASCII).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .as_deref()?
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

async fn read(req: Request<Incoming>) -> std::result::Result<Req, Resp> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Err(Resp::error(413, "too_large", "the request body is too large")),
    };
    Ok(Req {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    })
}

type Handler<C> = fn(&C, Option<&Peer>, &Req) -> Resp;
/// Whether a peer is admitted right now: `Err` is the refusal to send instead (the body is
/// never read).
pub type Gate<C> = fn(&C, &Peer) -> std::result::Result<(), Resp>;

/// Serves one request. The listeners hold the state weakly (`ctx`): the last strong
/// reference stays with whoever started the server, so the state (and its database pool)
/// is never dropped on a runtime thread.
async fn dispatch<C: Send + Sync + 'static>(
    ctx: std::sync::Weak<C>,
    peer: Option<Arc<Peer>>,
    handler: Handler<C>,
    gate: Option<Gate<C>>,
    req: Request<Incoming>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let stopping = || Resp::error(503, "stopping", "the server is stopping").into_hyper();
    if let (Some(gate), Some(peer)) = (gate, &peer) {
        let Some(strong) = ctx.upgrade() else {
            return Ok(stopping());
        };
        if let Err(refusal) = gate(&strong, peer) {
            return Ok(refusal.with("connection", "close").into_hyper());
        }
    }
    let req = match read(req).await {
        Ok(req) => req,
        Err(resp) => return Ok(resp.into_hyper()),
    };
    let Some(ctx) = ctx.upgrade() else {
        return Ok(stopping());
    };
    let resp = tokio::task::spawn_blocking(move || handler(&ctx, peer.as_deref(), &req))
        .await
        .unwrap_or_else(|_| Resp::error(500, "internal", "internal error"));
    Ok(resp.into_hyper())
}

fn http1() -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .keep_alive(true)
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEADER_BYTES.max(8192));
    builder
}

/// Accepts connections while fewer than [`MAX_CONNECTIONS`] are open; one over the limit
/// is closed at once.
async fn accept(
    listener: &TcpListener,
    open: &Arc<tokio::sync::Semaphore>,
) -> (TcpStream, tokio::sync::OwnedSemaphorePermit) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        match open.clone().try_acquire_owned() {
            Ok(permit) => return (tcp, permit),
            Err(_) => {
                log::warn!("connection limit ({MAX_CONNECTIONS}) reached: a connection was closed");
                drop(tcp);
            }
        }
    }
}

/// Serves one connection until it ends, goes idle for [`IDLE_TIMEOUT`] or `still_admitted`
/// turns false (checked every [`WATCH_EVERY`]).
async fn serve_watched<S, F>(io: S, service: F, still_admitted: impl Fn() -> bool)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    F: hyper::service::Service<Request<Incoming>, Response = Response<Full<Bytes>>, Error = Infallible>,
    F::Future: Send + 'static,
{
    let activity = Arc::new(std::sync::Mutex::new(std::time::Instant::now()));
    let io = Watched {
        inner: io,
        activity: activity.clone(),
    };
    let connection = http1().serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let mut tick = tokio::time::interval(WATCH_EVERY);
    loop {
        tokio::select! {
            _ = &mut connection => return,
            _ = tick.tick() => {
                let idle = activity.lock().map(|t| t.elapsed()).unwrap_or_default();
                if idle > IDLE_TIMEOUT || !still_admitted() {
                    return;
                }
            }
        }
    }
}

/// An I/O stream that notes the time of every byte read or written.
struct Watched<S> {
    inner: S,
    activity: Arc<std::sync::Mutex<std::time::Instant>>,
}

impl<S> Watched<S> {
    fn touch(&self) {
        if let Ok(mut at) = self.activity.lock() {
            *at = std::time::Instant::now();
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Watched<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }
    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accepts TLS connections (bounded, the handshake within [`HEADER_TIMEOUT`]) and hands each
/// to `serve` on a task of its own.
async fn tls_connections<F, Fut>(listener: TcpListener, tls: Arc<rustls::ServerConfig>, serve: F)
where
    F: Fn(tokio_rustls::server::TlsStream<TcpStream>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let (tcp, permit) = accept(&listener, &open).await;
        let _ = tcp.set_nodelay(true);
        let (acceptor, serve) = (acceptor.clone(), serve.clone());
        tokio::spawn(async move {
            let _permit = permit;
            if let Ok(Ok(stream)) = tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(tcp)).await {
                serve(stream).await;
            }
        });
    }
}

/// Serves the API over mutual TLS until the task is dropped. `gate` admits each request
/// before its body is read and is asked again by the connection's watchdog.
pub async fn serve_tls<C: Send + Sync + 'static>(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    ctx: Arc<C>,
    handler: Handler<C>,
    gate: Gate<C>,
) {
    let ctx = Arc::downgrade(&ctx);
    tls_connections(listener, tls, move |stream| {
        let ctx = ctx.clone();
        async move {
            let peer = {
                let (_, conn) = stream.get_ref();
                conn.peer_certificates()
                    .and_then(|certs| certs.first())
                    .map(|der| Peer {
                        kiosk_id: crate::pki::common_name(der).unwrap_or_default(),
                        fingerprint: crate::pki::fingerprint(der),
                    })
            };
            let Some(peer) = peer.map(Arc::new) else { return };
            let (watch_ctx, watch_peer) = (ctx.clone(), peer.clone());
            let service = hyper::service::service_fn(move |req| {
                dispatch(ctx.clone(), Some(peer.clone()), handler, Some(gate), req)
            });
            // A peer refused from the start gets its 403 (and the close) from `dispatch`;
            // the watchdog closes the connections of peers refused later (a revocation).
            let admitted_at_start = watch_ctx.upgrade().is_some_and(|c| gate(&c, &watch_peer).is_ok());
            serve_watched(stream, service, move || {
                !admitted_at_start || watch_ctx.upgrade().is_some_and(|c| gate(&c, &watch_peer).is_ok())
            })
            .await;
        }
    })
    .await
}

/// Serves the back office over TLS (the server certificate, no client certificate) until the
/// task is dropped: how it listens beyond loopback.
pub async fn serve_tls_anonymous<C: Send + Sync + 'static>(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    ctx: Arc<C>,
    handler: Handler<C>,
) {
    let ctx = Arc::downgrade(&ctx);
    tls_connections(listener, tls, move |stream| {
        let ctx = ctx.clone();
        async move {
            let service = hyper::service::service_fn(move |req| dispatch(ctx.clone(), None, handler, None, req));
            serve_watched(stream, service, || true).await;
        }
    })
    .await
}

/// Serves plain HTTP (the back office on loopback) until the task is dropped.
pub async fn serve_plain<C: Send + Sync + 'static>(listener: TcpListener, ctx: Arc<C>, handler: Handler<C>) {
    let open = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let ctx = Arc::downgrade(&ctx);
    loop {
        let (tcp, permit) = accept(&listener, &open).await;
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| dispatch(ctx.clone(), None, handler, None, req));
            serve_watched(tcp, service, || true).await;
        });
    }
}

/// One keep-alive HTTPS connection to the API (a kiosk's view).
pub struct Client {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    kiosk_id: Option<String>,
}

/// An answer: status, headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("status {}: {}", self.status, String::from_utf8_lossy(&self.body)))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Client {
    /// Connects and completes the TLS handshake. `kiosk_id`, when given, goes out as
    /// `X-Kiosk-Id` on every request.
    pub async fn connect(addr: SocketAddr, tls: Arc<rustls::ClientConfig>, kiosk_id: Option<&str>) -> Result<Client> {
        let tcp = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
            .await
            .context("connect timed out")??;
        tcp.set_nodelay(true)?;
        let name = rustls::pki_types::ServerName::from(addr.ip());
        let stream = tokio::time::timeout(
            Duration::from_secs(10),
            tokio_rustls::TlsConnector::from(tls).connect(name, tcp),
        )
        .await
        .context("TLS handshake timed out")??;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Client {
            sender,
            kiosk_id: kiosk_id.map(str::to_string),
        })
    }

    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer> {
        tokio::time::timeout(Duration::from_secs(30), self.sender.ready())
            .await
            .context("connection busy")??;
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "central")
            .header("content-type", "application/json");
        if let Some(id) = &self.kiosk_id {
            builder = builder.header(township_core::central_api::KIOSK_ID_HEADER, id);
        }
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder.body(Full::new(Bytes::from(body)))?;
        let response = tokio::time::timeout(Duration::from_secs(30), self.sender.send_request(request))
            .await
            .context("request timed out")??;
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Answer {
            status,
            headers: parts.headers,
            body,
        })
    }

    pub async fn get(&mut self, path: &str) -> Result<Answer> {
        self.request("GET", path, &[], Vec::new()).await
    }

    pub async fn post(&mut self, path: &str, value: &impl serde::Serialize) -> Result<Answer> {
        self.request("POST", path, &[], serde_json::to_vec(value)?).await
    }
}
