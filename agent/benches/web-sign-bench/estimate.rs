//! One adult's taps and time on a phone, counted from the pages the store served and the
//! forms posted from them (not from a list typed here): every control a form carried a
//! value for is looked up in the page it was posted from, by its name.
//!
//! The model: the fields a phone's autofill fills (by their `autocomplete` token) cost two
//! taps a page (tap a field, pick the suggestion); any other field one tap to focus it and
//! its characters at 0.33 s each (36 words a minute: Palin et al. 2019, "How do people
//! type on mobile devices?"); a button, radio button or checkbox 1.5 s a tap; a signature
//! 5 s; the release (its title and the signer's clauses, words counted as the kiosk's flow
//! bench counts them) read at 238 words a minute (Brysbaert 2019). The kiosk's flow bench
//! uses the same tap, signature and reading constants.

use intake_tests::web_sign::Posted;

pub const SECS_PER_TAP: f64 = 1.5;
pub const SECS_PER_CHARACTER: f64 = 0.33;
pub const SECS_PER_SIGNATURE: f64 = 5.0;
pub const WORDS_PER_MINUTE: f64 = 238.0;

/// The `autocomplete` tokens a phone's autofill fills from the owner's own card. The
/// street is `address-line1` on these pages: a phone fills it as it fills
/// `street-address`.
const AUTOFILLED: [&str; 10] = [
    "given-name",
    "family-name",
    "bday",
    "tel",
    "email",
    "street-address",
    "address-line1",
    "address-level2",
    "address-level1",
    "postal-code",
];

#[derive(Debug, Default)]
pub struct Estimate {
    /// Next, Sign and send.
    pub buttons: u32,
    /// Radio buttons and checkboxes.
    pub choices: u32,
    /// Pages with autofilled fields (two taps each) and the fields they filled.
    pub autofill_pages: u32,
    pub autofilled: u32,
    /// Fields typed: one tap each to focus, and their characters.
    pub typed: u32,
    pub characters: u32,
    pub signatures: u32,
    pub release_words: usize,
}

impl Estimate {
    pub fn taps(&self) -> u32 {
        self.buttons + self.choices + 2 * self.autofill_pages + self.typed
    }

    pub fn doing(&self) -> f64 {
        f64::from(self.taps()) * SECS_PER_TAP
            + f64::from(self.characters) * SECS_PER_CHARACTER
            + f64::from(self.signatures) * SECS_PER_SIGNATURE
    }

    pub fn reading(&self) -> f64 {
        self.release_words as f64 / WORDS_PER_MINUTE * 60.0
    }
}

/// Counts what a person did to post `forms`.
pub fn count(forms: &[Posted]) -> Result<Estimate, String> {
    let mut e = Estimate::default();
    for form in forms {
        let page = form.page.as_str();
        if !page.contains(&format!("name=\"action\" value=\"{}\"", form.action)) {
            return Err(format!("no {:?} button on the page", form.action));
        }
        e.buttons += 1;
        let mut autofilled_here = 0;
        for (name, value) in form.fields.iter().filter(|(_, v)| !v.trim().is_empty()) {
            let tag = control(page, name).ok_or_else(|| format!("no control {name:?}"))?;
            match (attribute(tag, "type"), tag.starts_with("<textarea")) {
                (_, true) => typed(&mut e, value),
                (Some("radio" | "checkbox"), _) => e.choices += 1,
                // The drawn signature travels in a hidden field beside its pad.
                (Some("hidden"), _) if page.contains(&format!("data-field=\"{name}\"")) => {
                    e.signatures += 1;
                }
                (Some("text" | "email" | "tel" | "date"), _) => {
                    let token = attribute(tag, "autocomplete").unwrap_or("");
                    if AUTOFILLED.contains(&token) {
                        autofilled_here += 1;
                    } else {
                        typed(&mut e, value);
                    }
                }
                (kind, _) => return Err(format!("{name:?} is a control of type {kind:?}")),
            }
        }
        if autofilled_here > 0 {
            e.autofill_pages += 1;
            e.autofilled += autofilled_here;
        }
        if page.contains("class=\"release-title\"") {
            e.release_words = release_words(page);
        }
    }
    Ok(e)
}

fn typed(e: &mut Estimate, value: &str) {
    e.typed += 1;
    e.characters += value.chars().count() as u32;
}

/// The `<input …>` or `<textarea …>` tag named `name` in `page`.
fn control<'a>(page: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("name=\"{name}\"");
    let mut from = 0;
    while let Some(at) = page[from..].find(&needle).map(|i| i + from) {
        let start = page[..at].rfind('<')?;
        let end = at + page[at..].find('>')?;
        let tag = &page[start..=end];
        if tag.starts_with("<input") || tag.starts_with("<textarea") {
            return Some(tag);
        }
        from = at + needle.len();
    }
    None
}

/// The value of ` NAME="…"` in a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].find('"').map(|end| &tag[at..at + end])
}

/// The words of the release's title and of the clauses the page shows.
fn release_words(page: &str) -> usize {
    let mut words = 0;
    for class in ["class=\"release-title\"", "class=\"clause-text\""] {
        let mut rest = page;
        while let Some(at) = rest.find(class) {
            let after = &rest[at..];
            let body = &after[after.find('>').map_or(0, |i| i + 1)..];
            let end = body.find("</p>").unwrap_or(body.len());
            words += without_tags(&body[..end]).split_whitespace().count();
            rest = &body[end..];
        }
    }
    words
}

fn without_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}
