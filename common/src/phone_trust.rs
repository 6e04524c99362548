//! Would a customer's phone open the shop's Web Sign address? A phone checks the store's
//! certificate against the public certificate authorities its maker ships (the web's root
//! programs), so a store's self-signed certificate, or one for another name, stops the page
//! before it shows. The kiosk shows its Web Sign QR code only after [`check`] says yes, and
//! `intake-agent web-sign check` tells an admin the same.
//!
//! The roots are Mozilla's (the `webpki-root-certs` crate), never this machine's own store:
//! an appliance whose system was told to trust the shop's certificate would say yes where
//! every customer's phone says no. A shop whose customers' devices are set up to trust a
//! private authority adds its root with [`Roots::with_extra`].

use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{CertificateError, RootCertStore};

use crate::pinned_tls;

/// How long the check waits for the address to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The certificate authorities a phone trusts.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    extra: Vec<CertificateDer<'static>>,
}

impl Roots {
    /// The public roots and, besides them, the root certificates in the PEM file `path`.
    pub fn with_extra(path: &std::path::Path) -> crate::Result<Roots> {
        let bad = |reason: String| {
            crate::Error::Invalid(format!(
                "{}: {reason} (expected the PEM root certificates phones trust besides the public ones)",
                path.display()
            ))
        };
        let extra = CertificateDer::pem_file_iter(path)
            .map_err(|e| bad(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if extra.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        Ok(Roots { extra })
    }

    fn store(&self) -> RootCertStore {
        let mut store = RootCertStore::empty();
        store.add_parsable_certificates(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        store.add_parsable_certificates(self.extra.iter().cloned());
        store
    }

    /// A TLS client configuration that trusts exactly what a phone trusts.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, rustls::Error> {
        let mut config = rustls::ClientConfig::builder_with_provider(pinned_tls::provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(self.store())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// What [`check`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The page opened over a certificate a phone trusts.
    Trusted,
    /// A phone would not open it, and why.
    Refused(Refusal),
}

/// Why a phone would not open the Web Sign address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0:?} is not an https:// address: phones need HTTPS with a trusted certificate")]
    NotHttps(String),
    #[error(
        "the certificate is not signed by an authority phones trust (a self-signed store \
         certificate is refused); get one with `intake-agent serve --acme DOMAIN`"
    )]
    UnknownAuthority,
    #[error(
        "the certificate is not for {host}: phones refuse a certificate for another name; \
         use the name the certificate was issued for in web_sign_url"
    )]
    WrongName { host: String },
    #[error("the certificate has expired or is not valid yet")]
    Expired,
    #[error("the certificate was refused: {0}")]
    Certificate(String),
    #[error("no answer from {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("the address redirects more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    #[error("the address answered {status} instead of the Web Sign page")]
    Status { status: u16 },
}

/// How many redirects the check follows, as a phone's browser gives up after some.
const MAX_REDIRECTS: usize = 5;

/// A redirect to plain HTTP, not followed.
#[derive(Debug, thiserror::Error)]
#[error("a redirect to {0}")]
struct ToPlainHttp(String);

/// More redirects than [`MAX_REDIRECTS`].
#[derive(Debug, thiserror::Error)]
#[error("too many redirects")]
struct TooManyRedirects;

/// Opens `url` the way a phone would, trusting only `roots`, and says whether the page came.
/// Never fails: what goes wrong is the [`Refusal`].
pub async fn check(url: &str, roots: &Roots) -> Verdict {
    match fetch(url, roots).await {
        Ok(()) => Verdict::Trusted,
        Err(why) => Verdict::Refused(why),
    }
}

async fn fetch(url: &str, roots: &Roots) -> Result<(), Refusal> {
    let parsed = url::Url::parse(url).map_err(|_| Refusal::NotHttps(url.to_string()))?;
    if parsed.scheme() != "https" {
        return Err(Refusal::NotHttps(url.to_string()));
    }
    let host = parsed.host_str().unwrap_or_default().to_string();
    let config = roots
        .client_config()
        .map_err(|e| Refusal::Certificate(e.to_string()))?;
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(TIMEOUT)
        // A phone follows a redirect; the page it ends on is the one that must open, and
        // one to plain HTTP would send the form in the clear.
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            if attempt.url().scheme() != "https" {
                let to = attempt.url().to_string();
                attempt.error(ToPlainHttp(to))
            } else if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error(TooManyRedirects)
            } else {
                attempt.follow()
            }
        }))
        .build()
        .map_err(|e| Refusal::Certificate(e.to_string()))?;
    let resp = client.get(parsed).send().await.map_err(|e| {
        // After a redirect, the host that failed is the one the error names.
        let at = e.url().and_then(|u| u.host_str()).unwrap_or(&host);
        refusal(&e, at)
    })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Refusal::Status {
            status: status.as_u16(),
        });
    }
    Ok(())
}

/// The certificate's fault if the TLS layer named one, or else the address is unreachable.
fn refusal(err: &(dyn std::error::Error + 'static), host: &str) -> Refusal {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(ToPlainHttp(to)) = e.downcast_ref::<ToPlainHttp>() {
            return Refusal::NotHttps(to.clone());
        }
        if e.downcast_ref::<TooManyRedirects>().is_some() {
            return Refusal::TooManyRedirects;
        }
        if let Some(tls) = as_rustls(e) {
            return match tls {
                rustls::Error::InvalidCertificate(cert) => match cert {
                    CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                        Refusal::UnknownAuthority
                    }
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. } => Refusal::WrongName {
                        host: host.to_string(),
                    },
                    CertificateError::Expired
                    | CertificateError::ExpiredContext { .. }
                    | CertificateError::NotValidYet
                    | CertificateError::NotValidYetContext { .. } => Refusal::Expired,
                    other => Refusal::Certificate(format!("{other:?}")),
                },
                other => Refusal::Certificate(other.to_string()),
            };
        }
        next = e.source();
    }
    Refusal::Unreachable {
        host: host.to_string(),
        reason: innermost(err),
    }
}

/// `e` as the TLS layer's error: directly, or inside `io::Error`s (whose `source` skips
/// the error each wraps; the TLS stream wraps it twice).
fn as_rustls<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut at = e;
    loop {
        if let Some(tls) = at.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        at = at.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut e = err;
    while let Some(next) = e.source() {
        e = next;
    }
    e.to_string()
}
