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
mod chromium;
mod forms;
mod near;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use thirtyfour::{WebDriver, WebElement};

pub use axe::{AxeReport, Violation, ViolationNode};
pub use chromium::{CHROMEDRIVER, CHROMIUM, Driver, locate, spki_pin};

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
    /// The test binary's one chromedriver could not be had (the first error, again).
    #[error("{0}")]
    NoDriver(String),
    #[error("the browser's profile directory: {0}")]
    Profile(std::io::Error),
    #[error("WebDriver, {doing}: {source}")]
    WebDriver {
        doing: String,
        source: thirtyfour::error::WebDriverError,
    },
    #[error("the browser refused {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error("no {what} {wanted:?} on {url}; its {what}s: {present}")]
    NotFound {
        what: &'static str,
        wanted: String,
        url: String,
        present: String,
    },
    #[error("waited {waited:?} for {what}")]
    Timeout { what: String, waited: Duration },
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

/// The folder, inside a session's profile, that downloads go to.
const DOWNLOADS: &str = "downloads";

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
        let caps = chromium::capabilities(driver, viewport, profile.path(), &pins)
            .map_err(webdriver("setting the browser's options"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| BrowserError::DriverStart(format!("a runtime: {e}")))?;
        // The WebDriver client speaks HTTP through rustls, which needs its crypto chosen.
        let _ = rustls::crypto::ring::default_provider().install_default();
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

    /// Where the files this browser downloads land.
    pub fn downloads(&self) -> PathBuf {
        self._profile.path().join(DOWNLOADS)
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
        let field = self.find(FIELD, label_or_name)?;
        self.type_into(&field, label_or_name, value)
    }

    /// Clears `field` (named `label` in errors) and types `value` into it.
    fn type_into(&self, field: &WebElement, label: &str, value: &str) -> Result<(), BrowserError> {
        self.runtime
            .block_on(async {
                field.clear().await?;
                field.send_keys(value).await
            })
            .map_err(webdriver(format!("typing into {label:?}")))
    }

    /// Clicks the button (or submit input, or `role=button`) whose text is `text`. A button
    /// that submits a form (one the browser lets through) waits for the page that answers.
    pub fn click_button(&self, text: &str) -> Result<(), BrowserError> {
        let button = self.find(BUTTON, text)?;
        let json = button
            .to_json()
            .map_err(webdriver(format!("clicking {text:?}")))?;
        let submits = self.eval(MARK_BEFORE_SUBMIT, vec![json])? == json!(true);
        self.runtime
            .block_on(button.click())
            .map_err(webdriver(format!("clicking {text:?}")))?;
        if submits {
            self.wait_for_new_page(&format!("the page sent by {text:?}"))?;
        }
        Ok(())
    }

    /// Waits until the page marked by [`MARK_BEFORE_SUBMIT`] has given way to a loaded one.
    fn wait_for_new_page(&self, what: &str) -> Result<(), BrowserError> {
        let deadline = Instant::now() + PAGE_WAIT;
        loop {
            // While the next page loads a script may fail: that is "not yet".
            let loaded = self.eval(NEW_PAGE_LOADED, vec![]).ok() == Some(json!(true));
            if loaded {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(BrowserError::Timeout {
                    what: what.to_string(),
                    waited: PAGE_WAIT,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the page's text holds `needle` (a page that changes itself after it
    /// loads); the text then is returned.
    pub fn wait_for_text(&self, needle: &str, timeout: Duration) -> Result<String, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.text()?;
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                return Err(BrowserError::Timeout {
                    what: format!("{needle:?} in the page's text, which is {text:?}"),
                    waited: timeout,
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
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

    /// The one element of a kind named `wanted`, or an error listing the names there are.
    fn find(&self, kind: Kind, wanted: &str) -> Result<WebElement, BrowserError> {
        let found = self
            .runtime
            .block_on(self.session().execute(kind.find, vec![json!(wanted)]))
            .map_err(webdriver(format!("looking for {wanted:?}")))?;
        if found.json().is_null() {
            return Err(BrowserError::NotFound {
                what: kind.what,
                wanted: wanted.to_string(),
                url: self.current_url().unwrap_or_default(),
                present: self.list(kind.list),
            });
        }
        found
            .element()
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

/// How long a submitted form's answer may take to load.
const PAGE_WAIT: Duration = Duration::from_secs(15);

/// Marks the page and says whether clicking `arguments[0]` submits its form: a submit
/// button of a form that will go (it does not check its fields, or they pass).
const MARK_BEFORE_SUBMIT: &str = r#"
const b = arguments[0];
window.__intakeBeforeSubmit = true;
const form = b.form;
if (!form || b.type !== 'submit') return false;
return form.noValidate || b.formNoValidate || form.checkValidity();
"#;

const NEW_PAGE_LOADED: &str =
    "return !window.__intakeBeforeSubmit && document.readyState === 'complete';";

/// A kind of element found by name: the script that finds the one named `arguments[0]`
/// (null when none or several), and the one that lists the names on the page.
#[derive(Clone, Copy)]
struct Kind {
    what: &'static str,
    find: &'static str,
    list: &'static str,
}

/// A field, by its label's text, its `name` or its `aria-label`.
const FIELD: Kind = Kind {
    what: "field",
    find: FIND_FIELD,
    list: LIST_FIELDS,
};

/// A visible button, by its text (a submit input's value).
const BUTTON: Kind = Kind {
    what: "button",
    find: FIND_BUTTON,
    list: LIST_BUTTONS,
};

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
