//! How a paired device checks its store's certificate: by the store's key it pinned at
//! pairing (the SHA-256 of the certificate's public key), never a certificate authority.
//! The store keeps that key for good: its self-signed certificate and every certificate it
//! gets by ACME (renewed every few weeks) carry the same one, so a renewal changes nothing
//! for a paired device. A pin made before keys were pinned (the SHA-256 of the whole
//! certificate) is still honoured. Both the device's sync loop and the kiosk's staff exit
//! build their HTTPS clients from [`client_config`].
//!
//! TLS settings only: no connection is made here.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};

/// ring, the one crypto provider.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// SHA-256 of a whole certificate, as colon-separated upper-case hex: what devices paired
/// before keys were pinned hold.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    colon_hex(&Sha256::digest(cert.as_ref()))
}

/// SHA-256 of a certificate's public key (its SubjectPublicKeyInfo), written as
/// [`fingerprint`] writes: what `device add` prints and a device pins. It stays the same
/// across renewals that keep the key.
pub fn key_fingerprint(cert: &CertificateDer<'_>) -> Result<String, rustls::Error> {
    let parsed = rustls::server::ParsedCertificate::try_from(cert)?;
    Ok(colon_hex(&Sha256::digest(
        parsed.subject_public_key_info().as_ref(),
    )))
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// How a device checks the store's certificate.
#[derive(Debug, Clone)]
pub enum Trust {
    /// A certificate for this key (as [`key_fingerprint`] writes it), pinned at pairing; or
    /// exactly this certificate (as [`fingerprint`] writes it), pinned before keys were.
    Pinned(String),
    /// Any certificate, remembering its key's fingerprint: the first contact when pairing
    /// without a fingerprint to compare (trust on first use).
    FirstUse(Arc<Mutex<Option<String>>>),
}

#[derive(Debug)]
struct Verifier {
    trust: Trust,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The handshake's signature, checked against this certificate's key below, proves
        // the store holds the pinned key; no authority's word is needed.
        let seen = key_fingerprint(end_entity)?;
        match &self.trust {
            Trust::Pinned(pinned) if *pinned == seen || *pinned == fingerprint(end_entity) => {
                Ok(ServerCertVerified::assertion())
            }
            Trust::Pinned(_) => Err(rustls::Error::General(format!(
                "the store's key ({seen}) is not the one pinned at pairing"
            ))),
            Trust::FirstUse(slot) => {
                *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen);
                Ok(ServerCertVerified::assertion())
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A TLS client configuration that accepts the store's certificate only as `trust` says
/// (HTTP/2 or HTTP/1.1, no client certificate).
pub fn client_config(trust: Trust) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = provider();
    let algorithms = provider.signature_verification_algorithms;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Verifier { trust, algorithms }))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
