//! The store's certificate by ACME (`serve --acme DOMAIN`): a certificate a phone trusts,
//! obtained for the store's own key over the tls-alpn-01 challenge (answered on the port
//! the store already serves, so nothing else needs to be open), renewed at two thirds of
//! its life and swapped into the running server. The ACME account and the certificate are
//! kept in the data directory (owner-only) and reused across restarts; until the first
//! certificate arrives the store serves its self-signed one, made for the same key. A
//! renewal that fails is logged and tried again with backoff while the current
//! certificate keeps serving.

mod resolver;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result, anyhow, bail};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, ChallengeType, Identifier, NewAccount,
    NewOrder, OrderStatus, RetryPolicy,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

pub use resolver::{ACME_TLS_ALPN, Certs};

pub const ACCOUNT_FILE: &str = "acme-account.json";
pub const CERT_FILE: &str = "acme-cert.pem";
/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// The first wait after a failure; each next one doubles, up to [`LAST_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(10);
const LAST_RETRY: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug, Clone)]
pub struct Options {
    /// The DNS name the certificate is for.
    pub domain: String,
    pub directory: String,
    pub email: Option<String>,
    /// A root (PEM) to trust for the directory's own HTTPS (a private ACME server).
    pub ca: Option<PathBuf>,
    /// Renew once the certificate is this old, instead of at two thirds of its life.
    pub renew_after: Option<Duration>,
}

impl Options {
    /// Checks what the command line gave, naming the flag that is wrong.
    pub fn new(
        domain: &str,
        directory: Option<&str>,
        email: Option<&str>,
        ca: Option<&Path>,
        renew_after: Option<u64>,
    ) -> Result<Self> {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let is_ip = domain.parse::<std::net::IpAddr>().is_ok();
        if is_ip || rustls::pki_types::DnsName::try_from(domain.as_str()).is_err() {
            bail!(
                "--acme {domain:?}: not a DNS name (give the store's name alone, as store.example.com)"
            );
        }
        let directory = directory.unwrap_or(LETS_ENCRYPT).trim().to_string();
        if !directory.starts_with("https://") {
            bail!("--acme-directory {directory:?}: an ACME directory is an https:// address");
        }
        if let Some(email) = email
            && !email.contains('@')
        {
            bail!("--acme-email {email:?}: not an e-mail address");
        }
        Ok(Self {
            domain,
            directory,
            email: email.map(str::to_string),
            ca: ca.map(Path::to_path_buf),
            renew_after: renew_after.map(Duration::from_secs),
        })
    }
}

/// The account as kept on disk, with the directory it belongs to.
#[derive(Serialize, Deserialize)]
struct StoredAccount {
    directory: String,
    credentials: AccountCredentials,
}

/// An ACME certificate's life.
#[derive(Debug, Clone, Copy)]
struct Validity {
    not_before: SystemTime,
    not_after: SystemTime,
}

pub struct Acme {
    options: Options,
    data_dir: PathBuf,
    key: PrivateKeyDer<'static>,
    certs: Arc<Certs>,
    /// The life of the ACME certificate being served; none while the self-signed one is.
    validity: std::sync::Mutex<Option<Validity>>,
}

impl std::fmt::Debug for Acme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acme")
            .field("domain", &self.options.domain)
            .finish_non_exhaustive()
    }
}

impl Acme {
    /// Serves the certificate kept from an earlier run if it is for this domain and key, or
    /// else the store's self-signed one (`identity`), until [`Acme::keep_renewed`] gets one.
    pub fn new(
        data_dir: &Path,
        options: Options,
        identity: &crate::tls::StoreIdentity,
    ) -> Result<Self> {
        let kept = load_kept(&data_dir.join(CERT_FILE), &options.domain, &identity.key);
        let (current, validity) = match kept {
            Ok(Some((certified, validity))) => (certified, Some(validity)),
            outcome => {
                if let Err(e) = outcome {
                    tracing::warn!(error = %format!("{e:#}"), "not serving the kept ACME certificate");
                }
                (
                    resolver::certified(identity.chain.clone(), &identity.key)?,
                    None,
                )
            }
        };
        Ok(Self {
            options,
            data_dir: data_dir.to_path_buf(),
            key: identity.key.clone_key(),
            certs: Arc::new(Certs::new(current)),
            validity: std::sync::Mutex::new(validity),
        })
    }

    pub fn certs(&self) -> Arc<Certs> {
        Arc::clone(&self.certs)
    }

    /// Obtains the certificate when it is due, for as long as the store runs.
    pub async fn keep_renewed(self: Arc<Self>) {
        let mut retry = FIRST_RETRY;
        loop {
            tokio::time::sleep(self.until_due()).await;
            match self.obtain().await {
                Ok(validity) => {
                    let not_after = chrono::DateTime::<chrono::Utc>::from(validity.not_after);
                    tracing::info!(domain = %self.options.domain, %not_after, "serving a new certificate obtained by ACME");
                    retry = FIRST_RETRY;
                }
                Err(e) => {
                    tracing::error!(
                        domain = %self.options.domain,
                        directory = %self.options.directory,
                        retry_in_seconds = retry.as_secs(),
                        error = %format!("{e:#}"),
                        "could not obtain a certificate by ACME; still serving the current one"
                    );
                    self.certs.clear_challenges();
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(LAST_RETRY);
                }
            }
        }
    }

    /// How long until the served certificate is due for renewal (now, if none was obtained).
    fn until_due(&self) -> Duration {
        let Some(v) = *self.validity.lock().unwrap_or_else(|p| p.into_inner()) else {
            return Duration::ZERO;
        };
        let life = v.not_after.duration_since(v.not_before).unwrap_or_default();
        let after = self.options.renew_after.unwrap_or(life * 2 / 3);
        (v.not_before + after)
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }

    /// One order: the challenge answered, the certificate issued, kept and swapped in.
    async fn obtain(&self) -> Result<Validity> {
        let account = self.account().await?;
        let domain = self.options.domain.as_str();
        let identifiers = [Identifier::Dns(domain.to_string())];
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .context("placing an order")?;
        {
            let mut authorizations = order.authorizations();
            while let Some(authz) = authorizations.next().await {
                let mut authz = authz.context("reading an authorization")?;
                match authz.status {
                    AuthorizationStatus::Pending => {}
                    AuthorizationStatus::Valid => continue,
                    other => bail!("the authorization for {domain} is {other:?}"),
                }
                let mut challenge = authz
                    .challenge(ChallengeType::TlsAlpn01)
                    .ok_or_else(|| anyhow!("the ACME server offers no tls-alpn-01 challenge"))?;
                let digest = challenge.key_authorization().digest();
                let cert = resolver::challenge_cert(domain, digest.as_ref(), &self.key)?;
                self.certs.set_challenge(domain, cert);
                challenge
                    .set_ready()
                    .await
                    .context("answering the challenge")?;
            }
        }
        let status = order.poll_ready(&RetryPolicy::default()).await;
        self.certs.clear_challenges();
        let status = status.context("waiting for the challenge to be validated")?;
        if status != OrderStatus::Ready {
            bail!("the order for {domain} is {status:?} (was {domain} reachable on port 443?)");
        }
        let pair = rcgen::KeyPair::try_from(&self.key).context("reading the store's key")?;
        let csr = rcgen::CertificateParams::new(vec![domain.to_string()])
            .and_then(|p| p.serialize_request(&pair))
            .context("making the certificate request")?;
        order
            .finalize_csr(csr.der())
            .await
            .context("finalizing the order")?;
        let pem = order
            .poll_certificate(&RetryPolicy::default())
            .await
            .context("fetching the certificate")?;
        let chain = parse_chain(pem.as_bytes())?;
        let validity = validity(&chain)?;
        let certified = resolver::certified(chain, &self.key)?;
        keep(&self.data_dir.join(CERT_FILE), pem.as_bytes())?;
        self.certs.swap(certified);
        *self.validity.lock().unwrap_or_else(|p| p.into_inner()) = Some(validity);
        Ok(validity)
    }

    /// The account kept in the data directory for this directory, or a new one (kept).
    async fn account(&self) -> Result<Account> {
        let path = self.data_dir.join(ACCOUNT_FILE);
        let builder = || match &self.options.ca {
            Some(ca) => Account::builder_with_root(ca)
                .with_context(|| format!("--acme-ca {}: not a PEM certificate", ca.display())),
            None => Account::builder().context("the system's root certificates"),
        };
        if let Ok(text) = std::fs::read_to_string(&path) {
            let stored: StoredAccount = serde_json::from_str(&text)
                .with_context(|| format!("{}: not an ACME account", path.display()))?;
            if stored.directory == self.options.directory {
                return builder()?
                    .from_credentials(stored.credentials)
                    .await
                    .with_context(|| format!("reaching {}", self.options.directory));
            }
        }
        let contact = self.options.email.as_ref().map(|e| format!("mailto:{e}"));
        let contacts: Vec<&str> = contact.iter().map(String::as_str).collect();
        let (account, credentials) = builder()?
            .create(
                &NewAccount {
                    contact: &contacts,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                self.options.directory.clone(),
                None,
            )
            .await
            .with_context(|| format!("making an account at {}", self.options.directory))?;
        let json = serde_json::to_vec_pretty(&StoredAccount {
            directory: self.options.directory.clone(),
            credentials,
        })?;
        keep(&path, &json)?;
        tracing::info!(directory = %self.options.directory, "made an ACME account");
        Ok(account)
    }
}

/// Writes `bytes` to `path`, readable by its owner only, whole or not at all.
fn keep(path: &Path, bytes: &[u8]) -> Result<()> {
    intake_common::crypto::write_private_atomically(path, |f| {
        use std::io::Write as _;
        f.write_all(bytes)
            .map_err(|source| intake_common::Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(bytes.len() as u64)
    })?;
    Ok(())
}

fn parse_chain(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .context("the issued certificate is not PEM")?;
    if chain.is_empty() {
        bail!("the ACME server issued no certificate");
    }
    Ok(chain)
}

fn validity(chain: &[CertificateDer<'_>]) -> Result<Validity> {
    let first = chain
        .first()
        .ok_or_else(|| anyhow!("an empty certificate chain"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(first)
        .map_err(|e| anyhow!("reading the certificate: {e}"))?;
    let at = |t: i64| SystemTime::UNIX_EPOCH + Duration::from_secs(t.max(0).unsigned_abs());
    Ok(Validity {
        not_before: at(cert.validity().not_before.timestamp()),
        not_after: at(cert.validity().not_after.timestamp()),
    })
}

/// The certificate kept from an earlier run, if there is one for `domain` and `key`.
fn load_kept(
    path: &Path,
    domain: &str,
    key: &PrivateKeyDer<'static>,
) -> Result<Option<(Arc<rustls::sign::CertifiedKey>, Validity)>> {
    let pem = match std::fs::read(path) {
        Ok(pem) => pem,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let chain = parse_chain(&pem).with_context(|| path.display().to_string())?;
    let (_, cert) = x509_parser::parse_x509_certificate(&chain[0])
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    let names_domain = cert.subject_alternative_name().ok().flatten().is_some_and(|san| {
        san.value.general_names.iter().any(|n| {
            matches!(n, x509_parser::extensions::GeneralName::DNSName(d) if d.eq_ignore_ascii_case(domain))
        })
    });
    if !names_domain {
        tracing::info!(path = %path.display(), %domain, "the kept certificate is for another name");
        return Ok(None);
    }
    let validity = validity(&chain)?;
    let certified = resolver::certified(chain, key).with_context(|| path.display().to_string())?;
    Ok(Some((certified, validity)))
}
