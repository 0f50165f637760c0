//! Device identity: two trust anchors (the server CA, which kiosks trust for the server's
//! certificate, and the kiosk CA, which the server trusts for client certificates), the
//! server certificate, kiosk enrolment (a client certificate of at most
//! [`KIOSK_CERT_DAYS`] days whose common name is the kiosk id) and the rustls configurations
//! for both ends of the mutual TLS link. Also a small DER reader that takes the common name out of a peer
//! certificate, so no X.509 parsing crate is needed.

use anyhow::{bail, Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use township_core::domain::calendar::Date;

pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca.key";
pub const SERVER_CERT: &str = "server.pem";
pub const SERVER_KEY: &str = "server.key";
/// The anchor for kiosks' client certificates (a server directory made before the two
/// anchors were separated has none: its `ca.pem` then signs both).
pub const KIOSK_CA_CERT: &str = "kiosk-ca.pem";
pub const KIOSK_CA_KEY: &str = "kiosk-ca.key";
const CA_NAME: &str = "Township Central Kiosk CA";
const SERVER_CA_NAME: &str = "Township Central Server CA";
const KIOSK_CA_NAME: &str = "Township Central Kiosk Client CA";
/// The longest a kiosk certificate lives; kiosks renew themselves before it ends.
pub const KIOSK_CERT_DAYS: i64 = 90;

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn validity(params: &mut CertificateParams, years: i32) {
    let today = Date::from_unix_china(unix_now());
    params.not_before = rcgen::date_time_ymd(today.year() - 1, 1, 1);
    params.not_after = rcgen::date_time_ymd(today.year() + years, 12, 31);
}

/// A CA's parameters: always the same for a name, so an issuer can be rebuilt from the CA
/// key alone.
fn ca_params(name: &str) -> Result<CertificateParams> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "Township police kiosks");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut params, 20);
    Ok(params)
}

/// The CA that signs kiosk and server certificates (its key stays in the server directory).
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pub cert_pem: String,
}

impl Ca {
    /// A new CA (the single anchor of old server directories and of unit tests).
    pub fn create() -> Result<(Ca, String)> {
        Ca::create_named(CA_NAME)
    }

    /// The server CA of a new server directory.
    pub fn create_server_ca() -> Result<(Ca, String)> {
        Ca::create_named(SERVER_CA_NAME)
    }

    /// The kiosk CA of a new server directory.
    pub fn create_kiosk_ca() -> Result<(Ca, String)> {
        Ca::create_named(KIOSK_CA_NAME)
    }

    /// A new CA named `name`: returns it with its key PEM (to be written 0600).
    fn create_named(name: &str) -> Result<(Ca, String)> {
        let key = KeyPair::generate()?;
        let key_pem = key.serialize_pem();
        let params = ca_params(name)?;
        let cert = params.self_signed(&key)?;
        Ok((
            Ca {
                issuer: Issuer::new(params, key),
                cert_pem: cert.pem(),
            },
            key_pem,
        ))
    }

    /// The kiosk CA of `dir` (or, in a directory from before the split, its only CA).
    pub fn load_kiosk_ca(dir: &Path) -> Result<Ca> {
        if dir.join(KIOSK_CA_KEY).exists() {
            Ca::load_files(dir, KIOSK_CA_CERT, KIOSK_CA_KEY)
        } else {
            Ca::load_files(dir, CA_CERT, CA_KEY)
        }
    }

    fn load_files(dir: &Path, cert: &str, key: &str) -> Result<Ca> {
        let key_pem =
            std::fs::read_to_string(dir.join(key)).with_context(|| format!("reading {key} in {}", dir.display()))?;
        let cert_pem = std::fs::read_to_string(dir.join(cert))?;
        let name = common_name(&certs_from_pem(&cert_pem)?[0]).unwrap_or_else(|| CA_NAME.into());
        let key = KeyPair::from_pem(&key_pem)?;
        Ok(Ca {
            issuer: Issuer::new(ca_params(&name)?, key),
            cert_pem,
        })
    }

    /// The server certificate for the given host names and addresses; returns (cert, key) PEM.
    pub fn issue_server(&self, names: &[String]) -> Result<(String, String)> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(names.to_vec())?;
        params.distinguished_name.push(DnType::CommonName, "township-central");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        validity(&mut params, 5);
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((cert.pem(), key.serialize_pem()))
    }

    /// A kiosk's client certificate with a new key.
    pub fn issue_kiosk(&self, kiosk_id: &str) -> Result<(String, String, String)> {
        let key = KeyPair::generate()?;
        let issued = self.issue_kiosk_for(kiosk_id, &key)?;
        Ok((issued.cert_pem, key.serialize_pem(), issued.fingerprint))
    }

    /// A kiosk's client certificate for the public key of `key`, valid from yesterday for
    /// [`KIOSK_CERT_DAYS`] days.
    pub fn issue_kiosk_for(&self, kiosk_id: &str, key: &impl rcgen::PublicKeyData) -> Result<IssuedKiosk> {
        if !township_core::central_api::valid_kiosk_id(kiosk_id) {
            bail!("{kiosk_id:?} is not a valid kiosk id (1 to 64 of A-Z a-z 0-9 . _ -)");
        }
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, kiosk_id);
        params.subject_alt_names = vec![SanType::DnsName(
            format!("{}.kiosk.invalid", kiosk_id.to_ascii_lowercase()).try_into()?,
        )];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.serial_number = Some(rcgen::SerialNumber::from_slice(uuid::Uuid::new_v4().as_bytes()));
        let today = Date::from_unix_china(unix_now());
        let (from, to) = (today.add_days(-1), today.add_days(KIOSK_CERT_DAYS));
        params.not_before = rcgen::date_time_ymd(from.year(), from.month(), from.day());
        params.not_after = rcgen::date_time_ymd(to.year(), to.month(), to.day());
        let expires_at = params.not_after.unix_timestamp();
        let cert = params.signed_by(key, &self.issuer)?;
        Ok(IssuedKiosk {
            cert_pem: cert.pem(),
            fingerprint: fingerprint(cert.der()),
            expires_at,
        })
    }
}

/// A kiosk certificate as issued: to be recorded before it is handed out.
pub struct IssuedKiosk {
    pub cert_pem: String,
    pub fingerprint: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Hex SHA-256 of a DER certificate: how a certificate is named in the revocation list.
pub fn fingerprint(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

pub fn certs_from_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        bail!("no certificate in PEM");
    }
    Ok(certs)
}

pub fn key_from_pem(pem: &str) -> Result<PrivateKeyDer<'static>> {
    Ok(PrivateKeyDer::from_pem_slice(pem.as_bytes())?)
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The API listener's TLS: the server certificate, and a client certificate signed by the
/// kiosk CA required from every peer (whether it is recorded, unrevoked and unexpired is
/// checked per request against the store).
pub fn server_config(dir: &Path) -> Result<rustls::ServerConfig> {
    let anchor = if dir.join(KIOSK_CA_CERT).exists() {
        KIOSK_CA_CERT
    } else {
        CA_CERT
    };
    let ca = certs_from_pem(&std::fs::read_to_string(dir.join(anchor))?)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in ca {
        roots.add(cert)?;
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
    let certs = certs_from_pem(&std::fs::read_to_string(dir.join(SERVER_CERT))?)?;
    let key = key_from_pem(&std::fs::read_to_string(dir.join(SERVER_KEY))?)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The back office's TLS beyond loopback: the server certificate, no client certificate.
pub fn admin_config(dir: &Path) -> Result<rustls::ServerConfig> {
    let certs = certs_from_pem(&std::fs::read_to_string(dir.join(SERVER_CERT))?)?;
    let key = key_from_pem(&std::fs::read_to_string(dir.join(SERVER_KEY))?)?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// A kiosk's TLS: trust only `ca_pem`, present `cert_pem`/`key_pem` (none: no client cert).
pub fn client_config(ca_pem: &str, identity: Option<(&str, &str)>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs_from_pem(ca_pem)? {
        roots.add(cert)?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some((cert, key)) => builder.with_client_auth_cert(certs_from_pem(cert)?, key_from_pem(key)?)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The subject common name of a DER certificate, or `None` when it cannot be found.
pub fn common_name(der: &[u8]) -> Option<String> {
    // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serial, signature,
    // issuer, validity, subject, ... }, ... }
    let (_, cert, _) = der_item(der)?;
    let (_, tbs, _) = der_item(cert)?;
    let mut rest = tbs;
    let mut fields = Vec::new();
    while !rest.is_empty() && fields.len() < 6 {
        let (tag, content, next) = der_item(rest)?;
        fields.push((tag, content));
        rest = next;
    }
    let skip = usize::from(fields.first()?.0 == 0xa0);
    let subject = fields.get(skip + 4)?.1;
    // Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value }
    let mut rdns = subject;
    while !rdns.is_empty() {
        let (_, set, next) = der_item(rdns)?;
        rdns = next;
        let (_, attribute, _) = der_item(set)?;
        let (oid_tag, oid, value_rest) = der_item(attribute)?;
        if oid_tag == 0x06 && oid == [0x55, 0x04, 0x03] {
            let (_, value, _) = der_item(value_rest)?;
            return String::from_utf8(value.to_vec()).ok();
        }
    }
    None
}

/// One DER TLV: (tag, content, rest).
fn der_item(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_name_of_an_issued_certificate() {
        let (ca, _) = Ca::create().unwrap();
        let (pem, _, fp) = ca.issue_kiosk("ZJ-NB-XS-SP-01").unwrap();
        let der = certs_from_pem(&pem).unwrap().remove(0);
        assert_eq!(common_name(&der).as_deref(), Some("ZJ-NB-XS-SP-01"));
        assert_eq!(fingerprint(&der), fp);
        assert!(common_name(&der[..40]).is_none());
        assert!(ca.issue_kiosk("bad id").is_err());
    }
}
