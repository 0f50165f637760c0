//! HTTP plumbing on hyper 1: the mutual-TLS API listener (the peer's certificate becomes a
//! [`Peer`]), the plain back-office listener, and a small keep-alive HTTPS client used by
//! `simulate-fleet` and the tests. Handlers are synchronous (they talk to a blocking
//! database) and run on tokio's blocking pool.

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

async fn dispatch<C: Send + Sync + 'static>(
    ctx: Arc<C>,
    peer: Option<Arc<Peer>>,
    handler: Handler<C>,
    req: Request<Incoming>,
) -> std::result::Result<Response<Full<Bytes>>, Infallible> {
    let req = match read(req).await {
        Ok(req) => req,
        Err(resp) => return Ok(resp.into_hyper()),
    };
    let resp = tokio::task::spawn_blocking(move || handler(&ctx, peer.as_deref(), &req))
        .await
        .unwrap_or_else(|_| Resp::error(500, "internal", "internal error"));
    Ok(resp.into_hyper())
}

fn http1() -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.keep_alive(true);
    builder
}

/// Serves the API over mutual TLS until the task is dropped.
pub async fn serve_tls<C: Send + Sync + 'static>(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    ctx: Arc<C>,
    handler: Handler<C>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else {
                return;
            };
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
            let service =
                hyper::service::service_fn(move |req| dispatch(ctx.clone(), Some(peer.clone()), handler, req));
            let _ = http1().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Serves plain HTTP (the back office on loopback) until the task is dropped.
pub async fn serve_plain<C: Send + Sync + 'static>(listener: TcpListener, ctx: Arc<C>, handler: Handler<C>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| dispatch(ctx.clone(), None, handler, req));
            let _ = http1().serve_connection(TokioIo::new(tcp), service).await;
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
