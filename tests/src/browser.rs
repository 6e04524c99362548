//! Web pages in a real browser: Debian's headless Chromium, driven over WebDriver by a
//! `chromedriver` this module starts, with axe-core for accessibility.
//!
//! One [`Driver`] per test binary ([`Driver::shared`]) and one [`Browser`] (a fresh profile
//! in a temporary directory) per test. The browser trusts exactly the certificates it is
//! given by their public key ([`spki_pin`]), the way Chromium pins one for a test, and
//! refuses every other certificate a real browser would refuse.
//!
//! The calls block: use them from plain `#[test]` functions, not from inside a tokio
//! runtime.

mod axe;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use thirtyfour::{ChromiumLikeCapabilities, DesiredCapabilities, WebDriver, WebElement};

pub use axe::{AxeReport, Violation, ViolationNode};

/// The Debian package that holds each program the browser tests run.
pub const CHROMEDRIVER: (&str, &str) = ("chromedriver", "chromium-driver");
pub const CHROMIUM: (&str, &str) = ("chromium", "chromium");

/// What went wrong in the browser, worded for the test's failure message.
#[derive(thiserror::Error)]
pub enum BrowserError {
    #[error(
        "`{program}` is not installed, and the browser tests need it: \
         apt-get install {package} (CI's .ci/run installs chromium and chromium-driver)"
    )]
    Missing {
        program: &'static str,
        package: &'static str,
    },
    #[error("chromedriver did not start: {0}")]
    DriverStart(String),
    #[error("the browser's profile directory: {0}")]
    Profile(std::io::Error),
    #[error("WebDriver, {doing}: {source}")]
    WebDriver {
        doing: String,
        source: thirtyfour::error::WebDriverError,
    },
    #[error("the browser refused {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("no field labelled or named {wanted:?} on {url}; its fields: {fields}")]
    NoField {
        wanted: String,
        url: String,
        fields: String,
    },
    #[error("no button {wanted:?} on {url}; its buttons: {buttons}")]
    NoButton {
        wanted: String,
        url: String,
        buttons: String,
    },
    #[error("a certificate: {0}")]
    Certificate(String),
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("axe-core on {url}: {message}")]
    Axe { url: String, message: String },
    #[error("{0}")]
    Inaccessible(Box<AxeReport>),
}

/// Test failures print the message itself, not a struct dump.
impl std::fmt::Debug for BrowserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

fn webdriver(
    doing: impl Into<String>,
) -> impl FnOnce(thirtyfour::error::WebDriverError) -> BrowserError {
    let doing = doing.into();
    move |source| BrowserError::WebDriver { doing, source }
}

/// The window a page is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewport {
    /// 390×844 CSS pixels, touch, a phone's user agent: a customer's own phone.
    Phone,
    /// 1280×800: the staff console on a laptop, or the kiosk's own screen.
    Desktop,
}

impl Viewport {
    pub fn width(self) -> u32 {
        match self {
            Viewport::Phone => 390,
            Viewport::Desktop => 1280,
        }
    }

    pub fn height(self) -> u32 {
        match self {
            Viewport::Phone => 844,
            Viewport::Desktop => 800,
        }
    }

    fn mobile(self) -> bool {
        self == Viewport::Phone
    }
}

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
            .map_err(|e| BrowserError::DriverStart(e.clone()))
    }

    /// The WebDriver address, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The shell reads end-of-file and stops chromedriver.
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

/// One headless Chromium with a fresh profile, at one viewport. Dropping it quits it.
pub struct Browser {
    runtime: tokio::runtime::Runtime,
    session: Option<WebDriver>,
    viewport: Viewport,
    started_in: Duration,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser")
            .field("viewport", &self.viewport)
            .finish()
    }
}

impl Browser {
    /// A browser on the test binary's chromedriver that trusts the certificates (PEM) given,
    /// and no other self-signed one.
    pub fn open(viewport: Viewport, trusted_certs: &[&str]) -> Result<Browser, BrowserError> {
        Self::open_on(Driver::shared()?, viewport, trusted_certs)
    }

    pub fn open_on(
        driver: &Driver,
        viewport: Viewport,
        trusted_certs: &[&str],
    ) -> Result<Browser, BrowserError> {
        let began = Instant::now();
        let profile = tempfile::Builder::new()
            .prefix("intake-chromium-")
            .tempdir()
            .map_err(BrowserError::Profile)?;
        let pins = trusted_certs
            .iter()
            .map(|pem| spki_pin(pem))
            .collect::<Result<Vec<_>, _>>()?;
        let caps = capabilities(driver, viewport, profile.path(), &pins)
            .map_err(webdriver("setting the browser's options"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| BrowserError::DriverStart(format!("a runtime: {e}")))?;
        let session = runtime
            .block_on(WebDriver::new(driver.url(), caps))
            .map_err(webdriver("starting a Chromium session"))?;
        Ok(Browser {
            runtime,
            session: Some(session),
            viewport,
            started_in: began.elapsed(),
            _profile: profile,
        })
    }

    pub fn viewport(&self) -> Viewport {
        self.viewport
    }

    /// How long the session took to start (profile, Chromium, first blank page).
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    fn session(&self) -> &WebDriver {
        self.session
            .as_ref()
            .expect("the session is there until the browser is dropped")
    }

    /// Opens `url` and waits for it to load; a page the browser refused (its certificate,
    /// a connection error) is an error naming why.
    pub fn goto(&self, url: &str) -> Result<(), BrowserError> {
        let refused = |reason: String| BrowserError::Refused {
            url: url.to_string(),
            reason,
        };
        match self.runtime.block_on(self.session().goto(url)) {
            Ok(()) => {}
            Err(e) if e.to_string().contains("net::ERR_") => return Err(refused(e.to_string())),
            Err(e) => return Err(webdriver(format!("opening {url}"))(e)),
        }
        // WebDriver reports the address asked for; the document is Chromium's error page.
        let shown = self.eval("return document.URL;", vec![])?;
        if shown
            .as_str()
            .is_some_and(|u| u.starts_with("chrome-error://"))
        {
            let text = self.text().unwrap_or_default();
            let code = text
                .split_whitespace()
                .find(|w| w.starts_with("NET::") || w.starts_with("ERR_"))
                .unwrap_or("an error page");
            return Err(refused(code.to_string()));
        }
        Ok(())
    }

    pub fn current_url(&self) -> Result<String, BrowserError> {
        self.runtime
            .block_on(self.session().current_url())
            .map(|u| u.to_string())
            .map_err(webdriver("reading the page's address"))
    }

    /// Runs `script` (a function body: `return ...;`, arguments as `arguments[i]`) in the
    /// page and returns what it returned.
    pub fn eval(&self, script: &str, args: Vec<Value>) -> Result<Value, BrowserError> {
        self.runtime
            .block_on(self.session().execute(script, args))
            .map(|r| r.json().clone())
            .map_err(webdriver("running a script in the page"))
    }

    /// The page's visible text (`document.body.innerText`).
    pub fn text(&self) -> Result<String, BrowserError> {
        let text = self.eval(
            "return document.body ? document.body.innerText : '';",
            vec![],
        )?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }

    /// Types `value` into the field whose label reads `label_or_name` (spaces collapsed),
    /// or, failing that, whose `name` or `aria-label` is that; what it held is cleared first.
    pub fn fill(&self, label_or_name: &str, value: &str) -> Result<(), BrowserError> {
        let field = self.find_one(FIND_FIELD, label_or_name)?.ok_or_else(|| {
            let fields = self.list(LIST_FIELDS);
            BrowserError::NoField {
                wanted: label_or_name.to_string(),
                url: self.current_url().unwrap_or_default(),
                fields,
            }
        })?;
        let doing = format!("typing into {label_or_name:?}");
        self.runtime
            .block_on(async {
                field.clear().await?;
                field.send_keys(value).await
            })
            .map_err(webdriver(doing))
    }

    /// Clicks the button (or submit input, or `role=button`) whose text is `text`.
    pub fn click_button(&self, text: &str) -> Result<(), BrowserError> {
        let button = self.find_one(FIND_BUTTON, text)?.ok_or_else(|| {
            let buttons = self.list(LIST_BUTTONS);
            BrowserError::NoButton {
                wanted: text.to_string(),
                url: self.current_url().unwrap_or_default(),
                buttons,
            }
        })?;
        self.runtime
            .block_on(button.click())
            .map_err(webdriver(format!("clicking {text:?}")))
    }

    /// Saves what the viewport shows as a PNG (its size in CSS pixels: one device pixel
    /// each), making the directory if needed.
    pub fn screenshot(&self, path: &Path) -> Result<(), BrowserError> {
        let png = self
            .runtime
            .block_on(self.session().screenshot_as_png())
            .map_err(webdriver("taking a screenshot"))?;
        let write = |source| BrowserError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        std::fs::write(path, png).map_err(write)
    }

    /// Runs axe-core's WCAG 2.2 AA rules on the page.
    pub fn axe(&self) -> Result<AxeReport, BrowserError> {
        axe::run(self)
    }

    /// [`Browser::axe`], and an error holding the report when a rule is broken.
    pub fn check_accessible(&self) -> Result<AxeReport, BrowserError> {
        let report = self.axe()?;
        if report.violations.is_empty() {
            Ok(report)
        } else {
            Err(BrowserError::Inaccessible(Box::new(report)))
        }
    }

    fn find_one(&self, script: &str, wanted: &str) -> Result<Option<WebElement>, BrowserError> {
        let found = self
            .runtime
            .block_on(self.session().execute(script, vec![json!(wanted)]))
            .map_err(webdriver(format!("looking for {wanted:?}")))?;
        if found.json().is_null() {
            return Ok(None);
        }
        found
            .element()
            .map(Some)
            .map_err(webdriver(format!("looking for {wanted:?}")))
    }

    /// What a listing script found, for an error message.
    fn list(&self, script: &str) -> String {
        match self.eval(script, vec![]) {
            Ok(Value::Array(names)) if names.is_empty() => "none".to_string(),
            Ok(Value::Array(names)) => names
                .iter()
                .map(|n| format!("{:?}", n.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "unknown".to_string(),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            let _ = self.runtime.block_on(session.quit());
        }
    }
}

/// Chromium's options for one session.
fn capabilities(
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
    Ok(caps)
}

/// The field for a label's text, a `name` or an `aria-label`; null when none or several.
const FIND_FIELD: &str = r#"
const wanted = arguments[0];
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const fields = 'input:not([type=hidden]), textarea, select';
const byLabel = [...document.querySelectorAll('label')]
  .filter((l) => norm(l.textContent) === wanted && l.control)
  .map((l) => l.control);
if (byLabel.length === 1) return byLabel[0];
const byName = [...document.querySelectorAll(fields)]
  .filter((f) => f.name === wanted || f.getAttribute('aria-label') === wanted);
return byName.length === 1 ? byName[0] : null;
"#;

const LIST_FIELDS: &str = r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
return [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
  .map((f) => (f.labels && f.labels[0] ? norm(f.labels[0].textContent) : '') || f.name || f.id);
"#;

/// The visible button whose text (or submit input's value) is the one wanted.
const FIND_BUTTON: &str = r#"
const wanted = arguments[0];
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const found = [...document.querySelectorAll(
    'button, input[type=submit], input[type=button], [role=button]')]
  .filter((b) => b.getClientRects().length > 0)
  .filter((b) => norm(b.tagName === 'INPUT' ? b.value : b.textContent) === wanted);
return found.length === 1 ? found[0] : null;
"#;

const LIST_BUTTONS: &str = r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
return [...document.querySelectorAll(
    'button, input[type=submit], input[type=button], [role=button]')]
  .map((b) => norm(b.tagName === 'INPUT' ? b.value : b.textContent));
"#;
