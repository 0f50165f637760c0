//! The payment-provider adapter. A provider tells the central that an order is paid with a
//! signed notification, as WeChat Pay API v3 and Alipay do: the central verifies the
//! signature over `timestamp \n nonce \n body \n` with the provider's public key
//! (`provider.pub` in the server directory), refuses a stale timestamp, and the store then
//! checks the order and the amount and ignores a notification id it has seen.
//!
//! [`Simulator`] is the test-mode provider of labs and demonstrations: an Ed25519 key in
//! `provider-sim.key` (0600) whose public half is the `provider.pub` that `init` writes.
//! The kiosk's sandbox button, the back office's "Mark paid" and `payment --paid` all go
//! through it, so nothing marks an order paid without a verified notification.

use anyhow::{bail, Context, Result};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const PUBLIC_KEY_FILE: &str = "provider.pub";
pub const SIMULATOR_KEY_FILE: &str = "provider-sim.key";
pub const TIMESTAMP_HEADER: &str = "x-pay-timestamp";
pub const NONCE_HEADER: &str = "x-pay-nonce";
pub const SIGNATURE_HEADER: &str = "x-pay-signature";
/// How far a notification's timestamp may be from the central's clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// What a provider says about an order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Unique per notification: a replay carries the same id.
    pub notification_id: String,
    pub order_id: String,
    pub amount_fen: u32,
    /// `SUCCESS` (paid); anything else changes nothing.
    pub trade_state: String,
}

/// A signed notification as it travels: headers and body.
pub struct Signed {
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

fn message(timestamp: &str, nonce: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("{timestamp}\n{nonce}\n").into_bytes();
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

/// Verifies notifications with the provider's public key.
pub struct Verifier {
    public_key: Vec<u8>,
}

impl Verifier {
    pub fn load(dir: &Path) -> Result<Verifier> {
        let path = dir.join(PUBLIC_KEY_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let public_key = hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()))?;
        if public_key.len() != 32 {
            bail!("{} is not an Ed25519 public key", path.display());
        }
        Ok(Verifier { public_key })
    }

    /// The notification, when its signature, timestamp and body are good.
    pub fn verify(&self, header: impl Fn(&str) -> Option<String>, body: &[u8], now: i64) -> Result<Notification> {
        let (Some(timestamp), Some(nonce), Some(signature)) =
            (header(TIMESTAMP_HEADER), header(NONCE_HEADER), header(SIGNATURE_HEADER))
        else {
            bail!("the notification is not signed");
        };
        let at: i64 = timestamp.parse().context("bad timestamp")?;
        if (now - at).abs() > MAX_SKEW_SECS {
            bail!("the notification's timestamp is too far from now");
        }
        let signature = hex::decode(signature).context("bad signature encoding")?;
        UnparsedPublicKey::new(&ED25519, &self.public_key)
            .verify(&message(&timestamp, &nonce, body), &signature)
            .map_err(|_| anyhow::anyhow!("the notification's signature is wrong"))?;
        serde_json::from_slice(body).context("the notification's body")
    }
}

/// The simulated provider (test mode).
pub struct Simulator {
    key: Ed25519KeyPair,
}

impl Simulator {
    /// A new key pair: (PKCS#8 private key in hex, public key in hex).
    pub fn generate() -> Result<(String, String)> {
        let pkcs8 =
            Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| anyhow::anyhow!("key generation"))?;
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("key parse"))?;
        Ok((hex::encode(pkcs8.as_ref()), hex::encode(pair.public_key().as_ref())))
    }

    pub fn load(dir: &Path) -> Result<Simulator> {
        let path = dir.join(SIMULATOR_KEY_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let pkcs8 = hex::decode(text.trim()).with_context(|| format!("{} is not hex", path.display()))?;
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| anyhow::anyhow!("{} is not a key", path.display()))?;
        Ok(Simulator { key })
    }

    /// A signed "paid" notification for `order_id` and `amount_fen`.
    pub fn paid(&self, order_id: &str, amount_fen: u32, now: i64) -> Signed {
        let notification = Notification {
            notification_id: format!("N-{}", uuid::Uuid::new_v4().simple()),
            order_id: order_id.to_string(),
            amount_fen,
            trade_state: "SUCCESS".into(),
        };
        self.sign(&serde_json::to_vec(&notification).unwrap_or_default(), now)
    }

    /// Signs any body (tests forge and replay with it).
    pub fn sign(&self, body: &[u8], now: i64) -> Signed {
        let timestamp = now.to_string();
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        let signature = hex::encode(self.key.sign(&message(&timestamp, &nonce, body)).as_ref());
        Signed {
            headers: vec![
                (TIMESTAMP_HEADER, timestamp),
                (NONCE_HEADER, nonce),
                (SIGNATURE_HEADER, signature),
            ],
            body: body.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Simulator, Verifier) {
        let (private, public) = Simulator::generate().unwrap();
        let key = Ed25519KeyPair::from_pkcs8(&hex::decode(private).unwrap()).unwrap();
        (
            Simulator { key },
            Verifier {
                public_key: hex::decode(public).unwrap(),
            },
        )
    }

    fn header(signed: &Signed) -> impl Fn(&str) -> Option<String> + '_ {
        |name| signed.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_signed_notification_verifies_and_a_changed_one_does_not() {
        let (sim, verifier) = pair();
        let signed = sim.paid("P-1", 2000, 1_000);
        let n = verifier.verify(header(&signed), &signed.body, 1_010).unwrap();
        assert_eq!((n.order_id.as_str(), n.amount_fen), ("P-1", 2000));
        let forged = String::from_utf8(signed.body.clone()).unwrap().replace("2000", "1");
        assert!(verifier.verify(header(&signed), forged.as_bytes(), 1_010).is_err());
        assert!(verifier
            .verify(header(&signed), &signed.body, 1_000 + MAX_SKEW_SECS + 1)
            .is_err());
        let (other, _) = pair();
        let foreign = other.paid("P-1", 2000, 1_000);
        assert!(verifier.verify(header(&foreign), &foreign.body, 1_000).is_err());
        assert!(verifier.verify(|_| None, &signed.body, 1_000).is_err());
    }
}
