//! A certificate authority of the test's own, for servers whose certificate a client must
//! verify the way a phone or a browser does: by a root it trusts, a name and dates.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A root certificate and the key it signs with.
#[allow(missing_debug_implementations)] // holds a private key
pub struct Authority {
    /// The root certificate, PEM.
    pub root_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A server certificate the authority issued, and its key (PEM).
#[allow(missing_debug_implementations)] // holds a private key
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Authority {
    /// A new root named `name`.
    pub fn new(name: &str) -> Authority {
        let key = KeyPair::generate().expect("a key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("root parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let root = params.self_signed(&key).expect("a root certificate");
        Authority {
            root_pem: root.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `names` (DNS names or IP addresses), valid from a day ago for a
    /// year, or, when `expired`, one that ran out yesterday.
    pub fn issue(&self, names: &[&str], expired: bool) -> Issued {
        let key = KeyPair::generate().expect("a key");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).expect("certificate parameters");
        // Midnight UTC `offset` days from today.
        let day = |offset: i64| {
            use chrono::Datelike;
            let d = chrono::Utc::now().date_naive() + chrono::Duration::days(offset);
            rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
        };
        let (from, to) = if expired { (-30, -1) } else { (-1, 365) };
        params.not_before = day(from);
        params.not_after = day(to);
        let cert = params.signed_by(&key, &self.issuer).expect("a certificate");
        Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// Writes the root to `dir/NAME` and returns its path.
    pub fn write_root(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, &self.root_pem).expect("the root written");
        path
    }
}

impl Issued {
    /// Writes the certificate and key to `dir/NAME.pem` and `dir/NAME-key.pem`; returns both
    /// paths, as `serve --cert --key` takes them.
    pub fn write(&self, dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}-key.pem"));
        std::fs::write(&cert, &self.cert_pem).expect("the certificate written");
        std::fs::write(&key, &self.key_pem).expect("the key written");
        (cert, key)
    }
}
