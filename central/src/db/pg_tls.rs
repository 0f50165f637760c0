//! How the central reaches PostgreSQL: `sslmode=verify-full` with `sslrootcert=CA.pem` in the
//! URL is TLS (rustls) that checks the server's certificate against that CA and its name
//! against the host — the documented way. Without it only a loopback host or a Unix socket
//! is accepted (no network in between); any other `sslmode` is refused, as are the
//! half-measures `require` and `prefer` (they encrypt without knowing who answers).

use anyhow::{bail, Context, Result};
use std::sync::Arc;

/// A connection recipe: the URL PostgreSQL's client library understands, and the TLS to use.
#[derive(Clone)]
pub struct PgTarget {
    pub url: String,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl PgTarget {
    /// Reads `sslmode` and `sslrootcert` out of `url` (the client library would not know
    /// `verify-full`'s root file), and decides.
    pub fn parse(url: &str) -> Result<PgTarget> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = None;
        let mut root = None;
        let mut rest = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("sslmode", value)) => mode = Some(value.to_string()),
                Some(("sslrootcert", value)) => root = Some(value.to_string()),
                _ => rest.push(pair),
            }
        }
        let plain_url = if rest.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        match (mode.as_deref(), root) {
            (Some("verify-full"), Some(root)) => {
                let pem = std::fs::read_to_string(&root).with_context(|| format!("reading sslrootcert {root}"))?;
                let mut roots = rustls::RootCertStore::empty();
                for cert in crate::pki::certs_from_pem(&pem)? {
                    roots.add(cert)?;
                }
                let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                    .with_safe_default_protocol_versions()?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Ok(PgTarget {
                    url: with_param(&plain_url, "sslmode=require"),
                    tls: Some(tokio_postgres_rustls::MakeRustlsConnect::new(config)),
                })
            }
            (Some("verify-full"), None) => bail!("sslmode=verify-full needs sslrootcert=/path/to/the-database-CA.pem"),
            (Some("disable") | None, _) if on_this_machine(&plain_url) => Ok(PgTarget { url: plain_url, tls: None }),
            (Some(other), _) if other != "disable" => bail!(
                "sslmode={other} is not accepted: use sslmode=verify-full with sslrootcert (or a loopback host without TLS)"
            ),
            _ => bail!(
                "PostgreSQL beyond this machine needs TLS: add ?sslmode=verify-full&sslrootcert=/path/to/the-database-CA.pem"
            ),
        }
    }

    /// A new connection.
    pub fn connect(&self) -> Result<postgres::Client> {
        let client = match &self.tls {
            Some(tls) => postgres::Client::connect(&self.url, tls.clone()),
            None => postgres::Client::connect(&self.url, postgres::NoTls),
        };
        client.context("connecting to PostgreSQL")
    }
}

fn with_param(url: &str, param: &str) -> String {
    if url.contains('?') {
        format!("{url}&{param}")
    } else {
        format!("{url}?{param}")
    }
}

/// Whether the URL's host is loopback or a Unix socket directory.
fn on_this_machine(url: &str) -> bool {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_port
        .strip_prefix('[')
        .and_then(|h| h.split_once(']').map(|(h, _)| h))
        .unwrap_or_else(|| host_port.rsplit_once(':').map_or(host_port, |(h, _)| h));
    if host.is_empty() {
        // No host: the client library's default, a Unix socket (or `host=` in the query).
        let socket = url.contains("host=%2F") || url.contains("host=/") || !url.contains("host=");
        return socket;
    }
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_verify_full_only_this_machine_is_reached() {
        assert!(PgTarget::parse("postgres://kiosk@127.0.0.1:5432/central").is_ok());
        assert!(PgTarget::parse("postgres://kiosk@localhost/central?sslmode=disable").is_ok());
        assert!(PgTarget::parse("postgres://kiosk@[::1]:5432/central").is_ok());
        for refused in [
            "postgres://kiosk@db.example:5432/central",
            "postgres://kiosk@10.0.0.5/central?sslmode=require",
            "postgres://kiosk@127.0.0.1/central?sslmode=prefer",
            "postgres://kiosk@db.example/central?sslmode=verify-full",
        ] {
            assert!(PgTarget::parse(refused).is_err(), "{refused}");
        }
    }
}
