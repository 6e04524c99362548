//! Starting Chromium: the `chromedriver` process, the options of one browser (viewport,
//! profile, the certificates it trusts by their public key), and the programs' packages.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};
use thirtyfour::{ChromiumLikeCapabilities, DesiredCapabilities};

use super::{BrowserError, Viewport};

/// The Debian package that holds each program the browser tests run.
pub const CHROMEDRIVER: (&str, &str) = ("chromedriver", "chromium-driver");
pub const CHROMIUM: (&str, &str) = ("chromium", "chromium");

/// Chromium's user agent on an Android phone: pages that look at it see a phone.
const PHONE_USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

/// The pin Chromium takes in `--ignore-certificate-errors-spki-list` for a certificate
/// (PEM): base64 of the SHA-256 of its SubjectPublicKeyInfo.
pub fn spki_pin(cert_pem: &str) -> Result<String, BrowserError> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(cert_pem.as_bytes())
        .map_err(|e| BrowserError::Certificate(format!("not a PEM certificate: {e}")))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| BrowserError::Certificate(format!("not an X.509 certificate: {e}")))?;
    let spki = cert.tbs_certificate.subject_pki.raw;
    Ok(base64::engine::general_purpose::STANDARD.encode(Sha256::digest(spki)))
}

/// A `chromedriver` child process on a loopback port it chose. Dropping it stops it.
///
/// It runs under a small shell that stops it when its standard input closes, so the one
/// kept for a whole test binary ([`Driver::shared`], never dropped) ends with that binary.
pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    url: String,
    chromium: PathBuf,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver").field("url", &self.url).finish()
    }
}

impl Driver {
    /// Starts a chromedriver; fails naming the package when chromium or the driver is
    /// missing.
    pub fn start() -> Result<Driver, BrowserError> {
        let driver = locate(CHROMEDRIVER, None)?;
        let chromium = locate(CHROMIUM, None)?;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#""$0" --port=0 & pid=$!; read -r _; kill "$pid"; wait "$pid""#)
            .arg(&driver)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| BrowserError::DriverStart(format!("{}: {e}", driver.display())))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let mut driver = Driver {
            child,
            stdin,
            url: String::new(),
            chromium,
        };
        let stdout =
            stdout.ok_or_else(|| BrowserError::DriverStart("no standard output".into()))?;
        // "ChromeDriver was started successfully on port 41337."
        let mut said = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next() {
            let line = line.map_err(|e| BrowserError::DriverStart(e.to_string()))?;
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let port = rest.trim_end_matches('.').trim();
                driver.url = format!("http://127.0.0.1:{port}");
                // Whatever it prints later is read and dropped: a closed pipe would stop it.
                std::thread::spawn(move || lines.for_each(drop));
                return Ok(driver);
            }
            said.push(line);
        }
        Err(BrowserError::DriverStart(format!(
            "it stopped without naming its port; it said: {}",
            said.join(" / ")
        )))
    }

    /// The test binary's one chromedriver, started at first use.
    pub fn shared() -> Result<&'static Driver, BrowserError> {
        static SHARED: OnceLock<Result<Driver, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Driver::start().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| BrowserError::NoDriver(e.clone()))
    }

    /// The WebDriver address, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The shell's `read` returns (a line, or the end of its input) and it stops chromedriver.
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"\n");
        }
        let _ = self.child.wait();
    }
}

/// `program` (with the Debian package that holds it) in the directories of `search_path`
/// (by default `PATH`), or the error naming the package to install.
pub fn locate(
    (program, package): (&'static str, &'static str),
    search_path: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, BrowserError> {
    let path = search_path.map_or_else(|| std::env::var_os("PATH"), |p| Some(p.to_owned()));
    path.iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .ok_or(BrowserError::Missing { program, package })
}

fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Chromium's options for one session.
pub(super) fn capabilities(
    driver: &Driver,
    viewport: Viewport,
    profile: &Path,
    pins: &[String],
) -> thirtyfour::error::WebDriverResult<thirtyfour::ChromeCapabilities> {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(&driver.chromium.to_string_lossy())?;
    caps.add_arg("--headless=new")?;
    if running_as_root() {
        caps.add_arg("--no-sandbox")?;
    }
    caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
    caps.add_arg(&format!(
        "--window-size={},{}",
        viewport.width(),
        viewport.height()
    ))?;
    for arg in [
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--mute-audio",
    ] {
        caps.add_arg(arg)?;
    }
    if !pins.is_empty() {
        // Honoured only with --user-data-dir, which every session has.
        caps.add_arg(&format!(
            "--ignore-certificate-errors-spki-list={}",
            pins.join(",")
        ))?;
    }
    let mut emulation = json!({
        "deviceMetrics": {
            "width": viewport.width(),
            "height": viewport.height(),
            "pixelRatio": 1.0,
            "mobile": viewport.mobile(),
            "touch": viewport.mobile(),
        }
    });
    if viewport.mobile() {
        emulation["userAgent"] = json!(PHONE_USER_AGENT);
    }
    caps.add_experimental_option("mobileEmulation", emulation)?;
    // Files the pages send as attachments land in the profile's own folder.
    caps.add_experimental_option(
        "prefs",
        json!({
            "download.default_directory": profile.join(super::DOWNLOADS),
            "download.prompt_for_download": false,
        }),
    )?;
    Ok(caps)
}
