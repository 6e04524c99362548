//! More of what a person does on a page: choosing an option by its words, choosing a file
//! to upload, following a link by its text.

use std::path::Path;

use serde_json::json;

use super::{Browser, BrowserError, FIELD, Kind, MARK_BEFORE_SUBMIT, webdriver};

/// A visible link, by its text.
const LINK: Kind = Kind {
    what: "link",
    find: r#"
const wanted = arguments[0];
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const found = [...document.querySelectorAll('a[href]')]
  .filter((a) => a.getClientRects().length > 0 && norm(a.textContent) === wanted);
return found.length === 1 ? found[0] : null;
"#,
    list: r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
return [...document.querySelectorAll('a[href]')].map((a) => norm(a.textContent));
"#,
};

/// Chooses, in the `select`, the option whose words are `arguments[1]`; false if none.
const CHOOSE: &str = r#"
const select = arguments[0];
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const option = [...select.options].find((o) => norm(o.textContent) === arguments[1]);
if (!option) return false;
select.value = option.value;
select.dispatchEvent(new Event('change', { bubbles: true }));
return true;
"#;

impl Browser {
    /// Selects `option` (its words) in the list labelled `label`.
    pub fn select(&self, label: &str, option: &str) -> Result<(), BrowserError> {
        let select = self.find(FIELD, label)?;
        let json = select
            .to_json()
            .map_err(webdriver(format!("choosing in {label:?}")))?;
        if self.eval(CHOOSE, vec![json, json!(option)])? != json!(true) {
            return Err(BrowserError::NotFound {
                what: "option",
                wanted: format!("{option} in {label}"),
                url: self.current_url().unwrap_or_default(),
                present: String::new(),
            });
        }
        Ok(())
    }

    /// Chooses the file at `path` in the file field labelled `label`.
    pub fn attach(&self, label: &str, path: &Path) -> Result<(), BrowserError> {
        let field = self.find(FIELD, label)?;
        // Chromium takes only a canonical path (no `..`).
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.runtime
            .block_on(field.send_keys(path.display().to_string()))
            .map_err(webdriver(format!("choosing a file in {label:?}")))
    }

    /// Follows the link whose text is `text` and waits for the page it leads to.
    pub fn follow(&self, text: &str) -> Result<(), BrowserError> {
        let link = self.find(LINK, text)?;
        let href = self
            .runtime
            .block_on(link.prop("href"))
            .map_err(webdriver(format!("reading the link {text:?}")))?
            .unwrap_or_default();
        self.goto(&href)
    }

    /// Clicks the first element `css` selects (one of several alike, such as the first
    /// group's button on a page of groups); a button that submits a form waits for the page
    /// that answers.
    pub fn click_first(&self, css: &str) -> Result<(), BrowserError> {
        let found = self.eval(
            "return document.querySelector(arguments[0]);",
            vec![json!(css)],
        )?;
        if found.is_null() {
            return Err(BrowserError::NotFound {
                what: "element",
                wanted: css.to_string(),
                url: self.current_url().unwrap_or_default(),
                present: String::new(),
            });
        }
        let submits = self.eval(MARK_BEFORE_SUBMIT, vec![found.clone()])? == json!(true);
        self.eval("arguments[0].click();", vec![found])?;
        if submits {
            self.wait_for_new_page(&format!("the page sent by {css}"))?;
        }
        Ok(())
    }
}
