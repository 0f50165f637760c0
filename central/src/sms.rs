//! The SMS gateway: the replies to complaints (and later reminders) go from the sealed queue
//! to the citizen's number through an SMS provider's HTTP API. `[sms]` in server.toml names
//! it: `url` (HTTPS, or HTTP to a loopback address for a lab), `token-file` (the API token,
//! 0600) and `ca-file` (the provider's CA, when it is not a public one). Every half minute at
//! most [`BATCH`] queued messages are posted as JSON `{"id", "to", "text"}` with
//! `Authorization: Bearer …`: a 2xx marks a message sent, a 4xx failed (the back office shows
//! it), anything else leaves it queued for the next round. `url = "sim"` is the simulated
//! gateway of labs and demonstrations: it marks messages sent at once. Without `[sms]` the
//! messages wait in the queue.

use crate::store::Store;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Messages posted per round.
pub const BATCH: i64 = 20;
/// How often queued messages are sent.
pub const EVERY: Duration = Duration::from_secs(30);

/// `[sms]` in server.toml.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SmsConfig {
    /// The provider's send endpoint, or `sim`.
    pub url: String,
    /// The API token's file (relative to the server directory).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// The provider's CA (PEM), when its certificate is not from a public CA.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

/// A configured gateway.
pub enum Gateway {
    /// Labs and demonstrations: every message counts as sent.
    Simulated,
    Http {
        url: String,
        token: String,
        agent: ureq::Agent,
    },
}

/// How one round went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: u64,
    pub failed: u64,
    pub kept: u64,
}

impl Gateway {
    /// The gateway `[sms]` names (paths relative to the server directory `dir`).
    pub fn from_config(config: &SmsConfig, dir: &Path) -> Result<Gateway> {
        if config.url == "sim" {
            return Ok(Gateway::Simulated);
        }
        let loopback_http = config.url.strip_prefix("http://").is_some_and(|rest| {
            rest.starts_with("127.0.0.1") || rest.starts_with("localhost") || rest.starts_with("[::1]")
        });
        if !config.url.starts_with("https://") && !loopback_http {
            bail!("[sms] url must be https:// (http:// only to a loopback address), or \"sim\"");
        }
        let token_file = dir.join(config.token_file.as_deref().context("[sms] needs token-file")?);
        let token = std::fs::read_to_string(&token_file)
            .with_context(|| format!("reading {}", token_file.display()))?
            .trim()
            .to_string();
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(ca) = &config.ca_file {
            let pem = std::fs::read(dir.join(ca)).with_context(|| format!("reading {}", ca.display()))?;
            let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(cert)) => Some(cert),
                    _ => None,
                })
                .collect();
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .max_redirects(0)
            .build()
            .into();
        Ok(Gateway::Http {
            url: config.url.clone(),
            token,
            agent,
        })
    }

    /// Sends up to [`BATCH`] queued messages (a blocking call).
    pub fn send_queued(&self, store: &Store) -> Result<Round> {
        let mut round = Round::default();
        let (url, token, agent) = match self {
            Gateway::Simulated => {
                round.sent = store.simulate_sms_gateway()?;
                return Ok(round);
            }
            Gateway::Http { url, token, agent } => (url, token, agent),
        };
        for (id, to, text) in store.sms_batch(BATCH)? {
            let body = serde_json::json!({ "id": id, "to": to, "text": text });
            let answer = agent
                .post(url)
                .header("Authorization", &format!("Bearer {token}"))
                .send_json(&body);
            match answer.map(|r| r.status().as_u16()) {
                Ok(status) if (200..300).contains(&status) => {
                    store.sms_done(&id, "sent")?;
                    round.sent += 1;
                }
                Ok(status) if (400..500).contains(&status) && status != 429 => {
                    log::warn!("the SMS gateway refused message {id}: HTTP {status}");
                    store.sms_done(&id, "failed")?;
                    round.failed += 1;
                }
                Ok(status) => {
                    log::warn!("the SMS gateway answered HTTP {status}: message {id} stays queued");
                    round.kept += 1;
                }
                Err(e) => {
                    log::warn!("the SMS gateway cannot be reached ({e}): messages stay queued");
                    round.kept += 1;
                    break;
                }
            }
        }
        Ok(round)
    }
}
