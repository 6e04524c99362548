//! What the console's staff, device and audit forms share: each problem named beside the
//! control it is about and listed, linked, at the top of the page; and labelled controls
//! that say so to a screen reader (`aria-invalid`, `aria-describedby`).

use maud::{Markup, html};

use super::words::{Msg, Words};

/// One thing wrong with what was posted.
struct Problem {
    /// The id of the control it is about; `None`: the form as a whole.
    id: Option<&'static str>,
    /// The control's label, as the page shows it.
    label: String,
    message: String,
}

/// What is wrong with a posted form, in the order found.
#[derive(Default)]
pub struct Problems(Vec<Problem>);

impl Problems {
    /// A problem with the control `id`, labelled `label` on the page.
    pub fn add(&mut self, id: &'static str, label: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            id: Some(id),
            label: label.into(),
            message: message.into(),
        });
    }

    /// A problem with the form as a whole.
    pub fn general(&mut self, message: impl Into<String>) {
        self.0.push(Problem {
            id: None,
            label: String::new(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problem with the control `id`, if there is one.
    pub fn at(&self, id: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|p| p.id == Some(id))
            .map(|p| p.message.as_str())
    }

    /// The list at the top of the page: each problem, linked to its control.
    pub fn summary(&self, w: Words<'_>) -> Markup {
        html! {
            @if !self.0.is_empty() {
                div.error-summary role="alert" aria-labelledby="problems" {
                    h2 #problems { (w.get(Msg::FixThese)) }
                    ul {
                        @for p in &self.0 {
                            @match p.id {
                                Some(id) => li { a href={ "#" (id) } { (p.label) } ": " (p.message) },
                                None => li { (p.message) },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A message from `intake_common` without the field name it starts with ("PIN: ...",
/// "name: ..."): the page puts it beside the field's own label.
pub fn without_field(message: &str) -> String {
    match message.split_once(": ") {
        Some((field, rest))
            if !field.is_empty()
                && field.len() <= 12
                && field.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') =>
        {
            rest.to_string()
        }
        _ => message.to_string(),
    }
}

/// A text-like control: its label, an optional hint, the problem with it, and the input.
pub struct Input<'a> {
    pub id: &'static str,
    pub name: &'a str,
    pub label: String,
    /// `text`, `password`, `date`, `search`.
    pub kind: &'static str,
    pub value: &'a str,
    pub maxlength: usize,
    pub hint: Option<String>,
    /// Digits only: a PIN or an exit code (a phone shows its number pad).
    pub digits: bool,
    /// What the browser may fill in: `off`, `new-password`.
    pub autocomplete: &'static str,
    pub required: bool,
}

impl Input<'_> {
    pub fn render(&self, problems: &Problems) -> Markup {
        let problem = problems.at(self.id);
        let hint_id = format!("{}-hint", self.id);
        let error_id = format!("{}-error", self.id);
        let described: Vec<&str> = [
            self.hint.as_ref().map(|_| hint_id.as_str()),
            problem.map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        let described = (!described.is_empty()).then(|| described.join(" "));
        html! {
            div.field {
                label for=(self.id) { (self.label) }
                @if let Some(hint) = &self.hint {
                    p.hint id=(hint_id) { (hint) }
                }
                @if let Some(p) = problem {
                    p.error id=(error_id) { (p) }
                }
                input id=(self.id) name=(self.name) type=(self.kind) value=(self.value)
                    // A date control takes no length: the browser gives YYYY-MM-DD.
                    maxlength=[(self.kind != "date").then_some(self.maxlength)]
                    autocomplete=(self.autocomplete)
                    inputmode=[self.digits.then_some("numeric")]
                    pattern=[self.digits.then_some("[0-9]*")]
                    spellcheck="false" required[self.required]
                    aria-invalid=[problem.map(|_| "true")]
                    aria-describedby=[described];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_name_a_message_starts_with_is_left_to_the_label() {
        assert_eq!(
            without_field("PIN: owner PINs are 6 to 12 digits"),
            "owner PINs are 6 to 12 digits"
        );
        assert_eq!(without_field("exit code: 6 to 12 digits"), "6 to 12 digits");
        let whole = "\"a b\" is not a device name: use 1 to 64 letters";
        assert_eq!(without_field(whole), whole);
        assert_eq!(without_field("no colon here"), "no colon here");
    }
}
