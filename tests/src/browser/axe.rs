//! axe-core in the page: the vendored `tests/vendor/axe-core/axe.min.js`, injected once per
//! loaded page, run with the WCAG 2.2 AA rules, its violations read back as a report.

use std::fmt;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Browser, BrowserError, webdriver};

/// axe-core itself, from the repository (its version and origin: the README beside it).
const AXE_SOURCE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/vendor/axe-core/axe.min.js"
));

/// The rules run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
pub const WCAG_22_AA: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// What axe-core found on one page.
#[derive(Debug, Clone)]
pub struct AxeReport {
    pub url: String,
    pub axe_version: String,
    pub violations: Vec<Violation>,
    /// How long injecting (when needed) and running axe took.
    pub took: Duration,
}

/// One rule the page breaks.
#[derive(Debug, Clone)]
pub struct Violation {
    /// The rule's id: `label`, `color-contrast`, `target-size`, ...
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    pub help_url: String,
    pub nodes: Vec<ViolationNode>,
}

/// One element that breaks the rule.
#[derive(Debug, Clone)]
pub struct ViolationNode {
    /// The CSS selector axe gives for it (frames and shadow roots joined with ` >>> `).
    pub selector: String,
    /// axe's own words on what to fix.
    pub failure: String,
}

impl AxeReport {
    /// The ids of the rules broken, in axe's order.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.violations.iter().map(|v| v.id.as_str()).collect()
    }

    pub fn violation(&self, id: &str) -> Option<&Violation> {
        self.violations.iter().find(|v| v.id == id)
    }
}

impl fmt::Display for AxeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "axe-core {} on {}: {} WCAG 2.2 AA rule(s) broken",
            self.axe_version,
            self.url,
            self.violations.len()
        )?;
        for v in &self.violations {
            write!(
                f,
                "\n- {} ({}): {} <{}>",
                v.id, v.impact, v.help, v.help_url
            )?;
            for node in &v.nodes {
                let failure = node.failure.replace('\n', " ");
                write!(f, "\n    {}: {}", node.selector, failure)?;
            }
        }
        Ok(())
    }
}

const INJECTED: &str =
    "return typeof window.axe === 'object' && typeof window.axe.run === 'function';";

const RUN: &str = r#"
const tags = arguments[0];
const done = arguments[arguments.length - 1];
const selector = (t) => (Array.isArray(t) ? t.join(' >>> ') : String(t));
window.axe
  .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  .then((r) => done({
    version: window.axe.version,
    violations: r.violations.map((v) => ({
      id: v.id,
      impact: v.impact || '',
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        selector: n.target.map(selector).join(' >>> '),
        failure: n.failureSummary || '',
      })),
    })),
  }))
  .catch((e) => done({ error: String(e && e.stack ? e.stack : e) }));
"#;

pub(super) fn run(browser: &Browser) -> Result<AxeReport, BrowserError> {
    let began = Instant::now();
    let url = browser.current_url()?;
    let failed = |message: String| BrowserError::Axe {
        url: url.clone(),
        message,
    };
    if browser.eval(INJECTED, vec![])? != json!(true) {
        browser.eval(AXE_SOURCE, vec![])?;
        if browser.eval(INJECTED, vec![])? != json!(true) {
            return Err(failed("the page has no `axe` after injecting it".into()));
        }
    }
    let result = browser
        .runtime
        .block_on(
            browser
                .session()
                .execute_async(RUN, vec![json!(WCAG_22_AA)]),
        )
        .map_err(webdriver("running axe-core"))?
        .json()
        .clone();
    if let Some(error) = result["error"].as_str() {
        return Err(failed(error.to_string()));
    }
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let violations = result["violations"]
        .as_array()
        .ok_or_else(|| failed(format!("an answer without violations: {result}")))?
        .iter()
        .map(|v| Violation {
            id: text(v, "id"),
            impact: text(v, "impact"),
            help: text(v, "help"),
            help_url: text(v, "helpUrl"),
            nodes: v["nodes"]
                .as_array()
                .map(|nodes| {
                    nodes
                        .iter()
                        .map(|n| ViolationNode {
                            selector: text(n, "selector"),
                            failure: text(n, "failure"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Ok(AxeReport {
        axe_version: text(&result, "version"),
        url,
        violations,
        took: began.elapsed(),
    })
}
