//! The on-screen keyboard both programs type with: the customer kiosk and the counter
//! display. It knows its keys, its two pages and the layout an input asks for; what a key
//! does to the text is the program's business (each maps [`Key`] into its own message).

use std::borrow::Cow;

use iced::widget::{button, column, container, row, space, text};
use iced::{Element, Fill, Length};

use crate::theme;

/// Which keys an input wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Letters, with digits and punctuation a tap away.
    Text,
    /// Letters plus `@` and `.` up front, and the common mail domains as one-tap chips.
    Email,
    /// A number pad with `+`.
    Phone,
    /// A number pad; the slashes of a date are added for the customer.
    Date,
    /// A number pad whose digits are hidden.
    Pin,
}

impl Layout {
    pub fn is_numeric(self) -> bool {
        matches!(self, Layout::Phone | Layout::Date | Layout::Pin)
    }
}

/// A key of the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    /// A mail domain chip: replaces whatever follows the `@` typed so far.
    Domain(&'static str),
    Backspace,
    Shift,
    Space,
    /// Closes the keyboard (on the last field, or in the counter).
    Done,
    /// Moves to the next field of the screen.
    Next,
    Page(KeyPage),
}

/// Letters, or digits and symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyPage {
    #[default]
    Letters,
    Symbols,
}

/// The mail domains most customers have, offered as chips while an e-mail is typed.
pub const MAIL_DOMAINS: [&str; 5] = [
    "gmail.com",
    "hotmail.com",
    "yahoo.com",
    "outlook.com",
    "icloud.com",
];

/// The keyboard's own state: shift and the page shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keys {
    pub shift: bool,
    pub page: KeyPage,
}

impl Keys {
    /// Back to the letters, shifted when the field starts with a capital.
    pub fn reset(&mut self, shift: bool) {
        self.page = KeyPage::Letters;
        self.shift = shift;
    }

    /// The character a letter key types now.
    pub fn cased(&self, c: char) -> char {
        if self.shift {
            c.to_uppercase().next().unwrap_or(c)
        } else {
            c
        }
    }
}

/// The words on the keys that are not characters, in the reader's language.
#[derive(Debug, Clone)]
pub struct Labels<'a> {
    pub space: Cow<'a, str>,
    pub done: Cow<'a, str>,
    pub next: Cow<'a, str>,
    pub letters: Cow<'a, str>,
    pub digits: Cow<'a, str>,
    pub shift: Cow<'a, str>,
    pub delete: Cow<'a, str>,
    /// Done on a PIN pad: the PIN is tried.
    pub ok: Cow<'a, str>,
}

/// Every key is at least this high: a finger, not a mouse pointer.
pub const KEY_HEIGHT: f32 = theme::TOUCH;

/// The keys for `layout`. `has_next` adds Next beside Done, so a form is filled field
/// after field without closing the keyboard.
pub fn view<'a, M: Clone + 'a>(
    layout: Layout,
    keys: Keys,
    labels: &Labels<'a>,
    has_next: bool,
    on_key: impl Fn(Key) -> M + Copy + 'a,
) -> Element<'a, M> {
    view_maybe(layout, keys, labels, has_next, move |k| Some(on_key(k)))
}

/// [`view`] with keys that may be off: a key for which `on_key` gives `None` is greyed and
/// sends nothing (a PIN pad locked after wrong PINs).
pub fn view_maybe<'a, M: Clone + 'a>(
    layout: Layout,
    keys: Keys,
    labels: &Labels<'a>,
    has_next: bool,
    on_key: impl Fn(Key) -> Option<M> + Copy + 'a,
) -> Element<'a, M> {
    let key = |label: Cow<'a, str>, k: Key, portion: u16| -> Element<'a, M> {
        button(text(label).size(theme::KEY_SIZE).center().width(Fill))
            .width(Length::FillPortion(portion))
            .height(KEY_HEIGHT)
            .padding([12, 8])
            .style(if k == Key::Next || (k == Key::Done && !has_next) {
                theme::primary
            } else {
                theme::key
            })
            .on_press_maybe(on_key(k))
            .into()
    };
    let chars = |row: &str| -> Vec<Element<'a, M>> {
        row.chars()
            .map(|c| {
                let shown: String = if keys.shift {
                    c.to_uppercase().collect()
                } else {
                    c.to_string()
                };
                key(shown.into(), Key::Char(c), 2)
            })
            .collect()
    };
    // Done always closes the keyboard; Next, when there is a next field, goes on to it.
    let finish = |portion: u16| -> Vec<Element<'a, M>> {
        if has_next {
            vec![
                key(
                    labels.done.clone(),
                    Key::Done,
                    portion.saturating_sub(1).max(2),
                ),
                key(labels.next.clone(), Key::Next, portion),
            ]
        } else if layout == Layout::Pin {
            vec![key(labels.ok.clone(), Key::Done, portion)]
        } else {
            vec![key(labels.done.clone(), Key::Done, portion)]
        }
    };
    let rows: Vec<Vec<Element<'a, M>>> = match (layout, keys.page) {
        (Layout::Phone | Layout::Date | Layout::Pin, _) => {
            let last = if layout == Layout::Phone {
                key("+".into(), Key::Char('+'), 2)
            } else {
                space().width(Length::FillPortion(2)).into()
            };
            vec![
                chars("123"),
                chars("456"),
                chars("789"),
                vec![
                    last,
                    key("0".into(), Key::Char('0'), 2),
                    key(labels.delete.clone(), Key::Backspace, 2),
                ],
                finish(if has_next { 3 } else { 6 }),
            ]
        }
        (_, KeyPage::Letters) => {
            let mut third = vec![key(labels.shift.clone(), Key::Shift, 3)];
            third.extend(chars("zxcvbnm"));
            third.push(key(labels.delete.clone(), Key::Backspace, 3));
            let mut bottom = vec![key(labels.digits.clone(), Key::Page(KeyPage::Symbols), 3)];
            if layout == Layout::Email {
                bottom.push(key("@".into(), Key::Char('@'), 2));
            } else {
                bottom.push(key("-".into(), Key::Char('-'), 2));
            }
            bottom.push(key(labels.space.clone(), Key::Space, 8));
            bottom.push(key(".".into(), Key::Char('.'), 2));
            bottom.extend(finish(4));
            let mut rows = Vec::with_capacity(6);
            if layout == Layout::Email {
                rows.push(
                    MAIL_DOMAINS
                        .iter()
                        .map(|d| key(format!("@{d}").into(), Key::Domain(d), 4))
                        .collect(),
                );
            }
            rows.extend([
                chars("1234567890"),
                chars("qwertyuiop"),
                chars("asdfghjklñ"),
                third,
                bottom,
            ]);
            rows
        }
        (_, KeyPage::Symbols) => {
            let mut third = chars("()/&#!?");
            third.push(key(labels.delete.clone(), Key::Backspace, 3));
            let mut bottom = vec![
                key(labels.letters.clone(), Key::Page(KeyPage::Letters), 3),
                key(labels.space.clone(), Key::Space, 8),
            ];
            bottom.extend(finish(4));
            vec![
                chars("1234567890"),
                chars("áéíóúüçàè"),
                chars("-'.,@_+:;"),
                third,
                bottom,
            ]
        }
    };
    let grid = column(rows.into_iter().map(|r| row(r).spacing(6).into())).spacing(6);
    if layout.is_numeric() {
        container(grid).max_width(520).into()
    } else {
        grid.into()
    }
}

/// `value` after a tap on a mail domain chip: the domain replaces what follows the `@`.
pub fn with_domain(value: &str, domain: &str) -> String {
    let local = value.split_once('@').map_or(value, |(local, _)| local);
    format!("{local}@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_chip_completes_or_replaces_the_domain() {
        assert_eq!(with_domain("ann.lee", "gmail.com"), "ann.lee@gmail.com");
        assert_eq!(with_domain("ann.lee@gm", "gmail.com"), "ann.lee@gmail.com");
        assert_eq!(with_domain("ann@yahoo.com", "icloud.com"), "ann@icloud.com");
        assert_eq!(with_domain("", "gmail.com"), "@gmail.com");
    }

    #[test]
    fn shift_cases_one_letter() {
        let mut keys = Keys::default();
        assert_eq!(keys.cased('ñ'), 'ñ');
        keys.reset(true);
        assert_eq!(keys.cased('ñ'), 'Ñ');
        assert_eq!(keys.page, KeyPage::Letters);
    }
}
