//! Controls a page repeats, found near a text: the "Yes" of one question, the initials of
//! one clause, the signature pad of one signer. A radio button or checkbox is picked by its
//! label, and strokes are drawn on a canvas with WebDriver's pointer actions, as a finger
//! or a mouse would.

use serde_json::json;

use super::{Browser, BrowserError, webdriver};

impl Browser {
    /// Ticks the radio button or checkbox whose label reads `label` (spaces collapsed).
    pub fn choose(&self, label: &str) -> Result<(), BrowserError> {
        self.choose_in("", label)
    }

    /// [`Browser::choose`] for a label the page repeats ("Yes", "I agree"): the one closest
    /// to the text `near` (a question, a clause), the label and `near` sharing the smallest
    /// part of the page.
    pub fn choose_in(&self, near: &str, label: &str) -> Result<(), BrowserError> {
        let found = self
            .runtime
            .block_on(self.session().execute(
                &format!("{NEAREST}{FIND_CHOICE}"),
                vec![json!(near), json!(label)],
            ))
            .map_err(webdriver(format!("looking for {label:?}")))?;
        if found.json().is_null() {
            return Err(BrowserError::NotFound {
                what: "choice",
                wanted: if near.is_empty() {
                    label.to_string()
                } else {
                    format!("{label} near {near}")
                },
                url: self.current_url().unwrap_or_default(),
                present: self.list(LIST_CHOICES),
            });
        }
        let choice = found
            .element()
            .map_err(webdriver(format!("looking for {label:?}")))?;
        self.runtime
            .block_on(async {
                choice.scroll_into_view().await?;
                choice.click().await
            })
            .map_err(webdriver(format!("choosing {label:?}")))
    }

    /// Types `value` into the field labelled `label` nearest the text `near` (see
    /// [`Browser::choose_in`]); what it held is cleared first.
    pub fn fill_in(&self, near: &str, label: &str, value: &str) -> Result<(), BrowserError> {
        let found = self
            .runtime
            .block_on(self.session().execute(
                &format!("{NEAREST}{FIND_FIELD}"),
                vec![json!(near), json!(label)],
            ))
            .map_err(webdriver(format!("looking for {label:?}")))?;
        if found.json().is_null() {
            return Err(BrowserError::NotFound {
                what: "field",
                wanted: format!("{label} near {near}"),
                url: self.current_url().unwrap_or_default(),
                present: self.list(super::LIST_FIELDS),
            });
        }
        let field = found
            .element()
            .map_err(webdriver(format!("looking for {label:?}")))?;
        self.type_into(&field, label, value)
    }

    /// Draws `strokes` on the canvas nearest the text `near` with WebDriver's pointer
    /// actions: each stroke pressed at its first point, moved through the rest, released.
    /// Points are fractions of the canvas's width and height (0.0 to 1.0).
    pub fn draw(&self, near: &str, strokes: &[&[(f64, f64)]]) -> Result<(), BrowserError> {
        let rect = self.eval(&format!("{NEAREST}{PLACE_CANVAS}"), vec![json!(near)])?;
        let side = |k: &str| rect[k].as_f64();
        let (Some(left), Some(top), Some(width), Some(height)) =
            (side("left"), side("top"), side("width"), side("height"))
        else {
            return Err(BrowserError::NotFound {
                what: "canvas",
                wanted: near.to_string(),
                url: self.current_url().unwrap_or_default(),
                present: "none near it".to_string(),
            });
        };
        let at = |(x, y): (f64, f64)| {
            // Whole CSS pixels inside the canvas.
            let px = (left + (x.clamp(0.02, 0.98) * width)).round() as i64;
            let py = (top + (y.clamp(0.02, 0.98) * height)).round() as i64;
            (px, py)
        };
        let mut chain = self.session().action_chain();
        for stroke in strokes {
            let Some((first, rest)) = stroke.split_first() else {
                continue;
            };
            let (x, y) = at(*first);
            chain = chain.move_to(x, y).click_and_hold();
            for point in rest {
                let (x, y) = at(*point);
                chain = chain.move_to(x, y);
            }
            chain = chain.release();
        }
        self.runtime
            .block_on(chain.perform())
            .map_err(webdriver(format!("drawing on the canvas near {near:?}")))
    }
}

/// `nearest(elements, near)`: of `elements`, the one sharing the smallest part of the page
/// with the text `near` (its closest ancestor that holds the text is the lowest); null when
/// none holds it or two tie.
const NEAREST: &str = r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const nearest = (elements, near) => {
  const depth = (el) => {
    let d = 0;
    for (let at = el; at; at = at.parentElement, d++) {
      if (norm(at.textContent).includes(near)) return d;
    }
    return Infinity;
  };
  const found = elements.map((e) => [depth(e), e]).sort((a, b) => a[0] - b[0]);
  if (found.length === 0 || found[0][0] === Infinity) return null;
  if (found.length > 1 && found[1][0] === found[0][0]) return null;
  return found[0][1];
};
"#;

/// The radio button or checkbox labelled `arguments[1]` nearest the text `arguments[0]`.
const FIND_CHOICE: &str = r#"
const [near, wanted] = arguments;
const label = nearest(
  [...document.querySelectorAll('label')]
    .filter((l) => l.control && ['radio', 'checkbox'].includes(l.control.type))
    .filter((l) => norm(l.textContent) === wanted),
  near);
return label ? label.control : null;
"#;

/// The text field labelled `arguments[1]` nearest the text `arguments[0]`.
const FIND_FIELD: &str = r#"
const [near, wanted] = arguments;
const label = nearest(
  [...document.querySelectorAll('label')]
    .filter((l) => l.control && !['radio', 'checkbox', 'hidden'].includes(l.control.type))
    .filter((l) => norm(l.textContent) === wanted),
  near);
return label ? label.control : null;
"#;

const LIST_CHOICES: &str = r#"
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
return [...document.querySelectorAll('label')]
  .filter((l) => l.control && ['radio', 'checkbox'].includes(l.control.type))
  .map((l) => norm(l.textContent));
"#;

/// Scrolls the shown canvas nearest the text `arguments[0]` to the middle of the viewport
/// and returns where it is then (CSS pixels of the viewport); null when there is none.
const PLACE_CANVAS: &str = r#"
const canvas = nearest(
  [...document.querySelectorAll('canvas')].filter((c) => c.getClientRects().length > 0),
  arguments[0]);
if (!canvas) return null;
canvas.scrollIntoView({ block: 'center' });
const r = canvas.getBoundingClientRect();
return { left: r.left, top: r.top, width: r.width, height: r.height };
"#;
