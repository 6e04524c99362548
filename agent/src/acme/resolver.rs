//! The certificate the store shows at each handshake: the current one, swapped in when a
//! renewal lands, or, to an ACME validator asking over tls-alpn-01 (RFC 8737), the
//! challenge certificate for the name it validates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::{Context as _, Result};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// The ALPN protocol an ACME validator offers, and only it, for tls-alpn-01.
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

#[derive(Debug)]
pub struct Certs {
    current: RwLock<Arc<CertifiedKey>>,
    /// Challenge certificates by the DNS name being validated, while an order is open.
    challenges: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl Certs {
    pub fn new(current: Arc<CertifiedKey>) -> Self {
        Self {
            current: RwLock::new(current),
            challenges: Mutex::new(HashMap::new()),
        }
    }

    /// Serves `next` from the next handshake on; connections already open keep theirs.
    pub fn swap(&self, next: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = next;
    }

    pub fn current(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn set_challenge(&self, name: &str, cert: Arc<CertifiedKey>) {
        self.challenges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_ascii_lowercase(), cert);
    }

    pub fn clear_challenges(&self) {
        self.challenges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let validator = hello
            .alpn()
            .is_some_and(|mut offered| offered.any(|p| p == ACME_TLS_ALPN));
        if validator {
            // Only the challenge certificate, and only for a name being validated now.
            let name = hello.server_name()?.to_ascii_lowercase();
            return self
                .challenges
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&name)
                .cloned();
        }
        Some(self.current())
    }
}

/// A certificate chain and the store's key, ready to serve.
pub fn certified(
    chain: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>> {
    Ok(Arc::new(
        CertifiedKey::from_der(chain, key.clone_key(), &crate::tls::provider())
            .context("the certificate is not for the store's key")?,
    ))
}

/// The tls-alpn-01 challenge certificate for `name`: self-signed with the store's key,
/// carrying the SHA-256 of the key authorization in the critical acmeIdentifier extension.
pub fn challenge_cert(
    name: &str,
    key_authorization_digest: &[u8],
    key: &PrivateKeyDer<'static>,
) -> Result<Arc<CertifiedKey>> {
    let pair = rcgen::KeyPair::try_from(key).context("reading the store's key")?;
    let mut params =
        rcgen::CertificateParams::new(vec![name.to_string()]).context("a challenge certificate")?;
    params.custom_extensions = vec![rcgen::CustomExtension::new_acme_identifier(
        key_authorization_digest,
    )];
    let cert = params
        .self_signed(&pair)
        .context("making a challenge certificate")?;
    // Made here for this key; not checked as `certified` checks, since the certificate
    // parser refuses the critical extension no TLS client but a validator knows.
    let signer = crate::tls::provider()
        .key_provider
        .load_private_key(key.clone_key())
        .context("reading the store's key")?;
    Ok(Arc::new(CertifiedKey::new(
        vec![cert.der().clone()],
        signer,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PrivateKeyDer<'static> {
        let pair = rcgen::KeyPair::generate().expect("a key");
        PrivateKeyDer::try_from(pair.serialize_der()).expect("a DER key")
    }

    fn self_signed(name: &str, key: &PrivateKeyDer<'static>) -> Arc<CertifiedKey> {
        let pair = rcgen::KeyPair::try_from(key).expect("the key");
        let cert = rcgen::CertificateParams::new(vec![name.to_string()])
            .expect("params")
            .self_signed(&pair)
            .expect("a certificate");
        certified(vec![cert.der().clone()], key).expect("certified")
    }

    /// What a client offering `alpn` for `name` is shown (the end-entity certificate), by a
    /// real handshake in memory.
    fn shown(certs: Arc<Certs>, name: &str, alpn: &[u8]) -> Option<CertificateDer<'static>> {
        let server = crate::tls::server_config_resolved(certs, &[ACME_TLS_ALPN]).expect("server");
        let mut client = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny))
            .with_no_client_auth();
        client.alpn_protocols = vec![alpn.to_vec()];
        let mut c = rustls::ClientConnection::new(
            Arc::new(client),
            name.to_string().try_into().expect("a name"),
        )
        .expect("client");
        let mut s = rustls::ServerConnection::new(Arc::new(server)).expect("server");
        for _ in 0..4 {
            let mut buf = Vec::new();
            c.write_tls(&mut buf).expect("client writes");
            if s.read_tls(&mut buf.as_slice()).is_ok() && s.process_new_packets().is_err() {
                return None;
            }
            let mut buf = Vec::new();
            s.write_tls(&mut buf).expect("server writes");
            if c.read_tls(&mut buf.as_slice()).is_ok() && c.process_new_packets().is_err() {
                return None;
            }
        }
        c.peer_certificates()
            .and_then(|chain| chain.first().cloned())
    }

    #[derive(Debug)]
    struct AcceptAny;

    impl rustls::client::danger::ServerCertVerifier for AcceptAny {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &rustls::pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls::pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            crate::tls::provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    #[test]
    fn a_validator_sees_the_challenge_and_everyone_else_the_current_certificate() {
        let key = key();
        let current = self_signed("store.test", &key);
        let certs = Arc::new(Certs::new(Arc::clone(&current)));
        let browser = shown(Arc::clone(&certs), "store.test", b"http/1.1");
        assert_eq!(browser.as_ref(), current.cert.first());
        // No challenge open: a validator gets no certificate at all.
        assert_eq!(shown(Arc::clone(&certs), "store.test", ACME_TLS_ALPN), None);

        let digest = [7u8; 32];
        let challenge = challenge_cert("store.test", &digest, &key).expect("a challenge cert");
        certs.set_challenge("Store.Test", Arc::clone(&challenge));
        let validator = shown(Arc::clone(&certs), "store.test", ACME_TLS_ALPN).expect("shown");
        assert_eq!(Some(&validator), challenge.cert.first());
        // The acmeIdentifier extension (1.3.6.1.5.5.7.1.31) holds the digest as an OCTET STRING.
        let (_, parsed) = x509_parser::parse_x509_certificate(&validator).expect("x509");
        let ext = parsed
            .extensions()
            .iter()
            .find(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.31")
            .expect("the acmeIdentifier extension");
        assert!(ext.critical);
        assert_eq!(&ext.value[2..], &digest);
        // Another name being validated gets nothing; browsers still get the current one.
        assert_eq!(shown(Arc::clone(&certs), "other.test", ACME_TLS_ALPN), None);
        assert_eq!(
            shown(Arc::clone(&certs), "store.test", b"http/1.1").as_ref(),
            current.cert.first()
        );
        certs.clear_challenges();
        assert_eq!(shown(certs, "store.test", ACME_TLS_ALPN), None);
    }
}
