//! TLS for the store and its devices: the store's key and self-signed certificate, made on
//! first start, and a client that trusts exactly the store key it pinned at pairing.

use anyhow::{Context as _, Result, anyhow, bail};
use intake_common::pinned_tls;
pub use intake_common::pinned_tls::{Trust, key_fingerprint, provider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;

pub const CERT_FILE: &str = "store-cert.pem";
pub const KEY_FILE: &str = "store-key.pem";

/// The store's certificate and key: the configured ones, or the self-signed pair in the
/// data directory (made now if there is none yet). The store's key is kept for good: a
/// certificate obtained by ACME is made for it too.
pub struct StoreIdentity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The SHA-256 of the key's public half, which devices pin.
    pub fingerprint: String,
}

pub fn store_identity(
    data_dir: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<StoreIdentity> {
    let (cert_path, key_path) = match (cert, key) {
        (Some(c), Some(k)) => (c.to_path_buf(), k.to_path_buf()),
        (None, None) => {
            let c = data_dir.join(CERT_FILE);
            let k = data_dir.join(KEY_FILE);
            if !c.exists() {
                make_self_signed(&c, &k)?;
            }
            (c, k)
        }
        _ => bail!("--cert and --key go together"),
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .with_context(|| format!("reading the certificate {}", cert_path.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("{}: not a PEM certificate", cert_path.display()))?;
    let cert = chain
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("{}: holds no certificate", cert_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .with_context(|| format!("{}: not a PEM private key", key_path.display()))?;
    Ok(StoreIdentity {
        fingerprint: key_fingerprint(&cert)
            .with_context(|| format!("{}: not a certificate", cert_path.display()))?,
        chain,
        key,
    })
}

fn make_self_signed(cert_path: &Path, key_path: &Path) -> Result<()> {
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            names.push(host.to_string());
            names.push(format!("{host}.local"));
        }
    }
    let made = rcgen::generate_simple_self_signed(names).context("making a certificate")?;
    intake_common::crypto::write_private(key_path, made.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, made.cert.pem())
        .with_context(|| format!("writing {}", cert_path.display()))?;
    tracing::info!(cert = %cert_path.display(), "made a self-signed store certificate");
    Ok(())
}

/// Reads a fingerprint as people copy it: with or without colons, any case.
pub fn parse_fingerprint(raw: &str) -> Result<String> {
    let hex: String = raw
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!("{raw:?} is not a certificate fingerprint (64 hex digits, colons optional)");
    }
    let upper = hex.to_ascii_uppercase();
    Ok(upper
        .as_bytes()
        .chunks(2)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

pub fn server_config(identity: &StoreIdentity) -> Result<rustls::ServerConfig> {
    let config = server_config_builder()?
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .context("the store's certificate and key do not go together")?;
    Ok(settle(config, &[]))
}

/// A server configuration whose certificate `resolver` picks at each handshake (the one
/// ACME keeps renewed), offering `alpn` beside HTTP/1.1.
pub fn server_config_resolved(
    resolver: std::sync::Arc<dyn rustls::server::ResolvesServerCert>,
    alpn: &[&[u8]],
) -> Result<rustls::ServerConfig> {
    Ok(settle(
        server_config_builder()?.with_cert_resolver(resolver),
        alpn,
    ))
}

fn server_config_builder()
-> Result<rustls::ConfigBuilder<rustls::ServerConfig, rustls::server::WantsServerCert>> {
    Ok(rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth())
}

fn settle(mut config: rustls::ServerConfig, alpn: &[&[u8]]) -> rustls::ServerConfig {
    // HTTP/1.1 with keep-alive is plenty for a shop's few devices, and no session tickets:
    // devices keep their connection, and after the handshake the store speaks only to answer.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
        .alpn_protocols
        .extend(alpn.iter().map(|p| p.to_vec()));
    config.send_tls13_tickets = 0;
    config
}

/// An HTTP client for talking to the store, trusting its certificate as `trust` says.
pub fn client(trust: Trust, timeout: std::time::Duration) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .tls_backend_preconfigured(pinned_tls::client_config(trust)?)
        .timeout(timeout)
        .connect_timeout(std::time::Duration::from_secs(5))
        .user_agent(concat!("intake-agent/", env!("CARGO_PKG_VERSION")))
        .build()?)
}
