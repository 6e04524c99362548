//! Typing: which field has the keyboard, what each key does to it, and Next, which walks
//! the fields of a screen in order so a form is filled without closing the keyboard.

use iced::keyboard;

use crate::app::Kiosk;
use crate::form::Input;
use crate::keyboard::{self as keys, Key};
use crate::screen::{Screen, reveal};

impl Kiosk {
    /// Gives `input` the keyboard (`None` closes it), checking the field it leaves.
    pub(crate) fn focus(&mut self, input: Option<Input>) {
        // A field left with something in it is checked now; one left empty waits for
        // Next, so opening the keyboard and closing it is not scolded.
        if let Some(old) = self.focus
            && Some(old) != input
            && old != Input::Pin
            && !self.form.value(old).trim().is_empty()
        {
            let today = self.today();
            self.form.check(old, self.lang, today);
        }
        if let Some(input) = input {
            // A value on file the customer has not seen stays unseen: changing it starts
            // from empty.
            if self.form.is_hidden(input) {
                self.form.set(input, "");
                self.form.reveal(input);
            }
            self.scroll = Some(reveal::Target::Input(input));
        }
        self.focus = input;
        self.keys
            .reset(input.is_some_and(|i| i.capitalised() && self.form.value(i).is_empty()));
    }

    /// The inputs of the screen shown, in the order Next walks them.
    pub fn inputs_on_screen(&self) -> Vec<Input> {
        match self.screen {
            Screen::Lookup => vec![Input::LookupBirthdate, Input::LookupPhone],
            Screen::StaffPin => vec![Input::Pin],
            Screen::Step(step) => self.step_inputs(step),
            _ => Vec::new(),
        }
    }

    /// The input after the focused one on this screen, if any.
    pub fn next_input(&self) -> Option<Input> {
        let focus = self.focus?;
        let inputs = self.inputs_on_screen();
        let at = inputs.iter().position(|i| *i == focus)?;
        inputs.get(at + 1).copied()
    }

    pub(crate) fn key(&mut self, key: Key) {
        let Some(input) = self.focus else {
            return;
        };
        match key {
            Key::Char(c) => self.type_char(input, self.keys.cased(c)),
            Key::Domain(domain) => {
                let value = keys::with_domain(self.form.value(input), domain);
                self.form.set(input, &value);
                self.form.problems.remove(&crate::form::Spot::Input(input));
            }
            Key::Space => self.type_char(input, ' '),
            Key::Backspace => {
                self.form.backspace(input);
                self.keys.shift = input.capitalised() && self.form.value(input).is_empty();
            }
            Key::Shift => self.keys.shift = !self.keys.shift,
            Key::Page(page) => self.keys.page = page,
            Key::Next => match self.next_input() {
                Some(next) => self.focus(Some(next)),
                // Next on a step's last field is the step's Next.
                None if matches!(self.screen, Screen::Step(_)) => self.next(),
                None => self.done(input),
            },
            Key::Done => self.done(input),
        }
    }

    /// Done on a field: the PIN is tried, the lookup's last field searches, any other
    /// field closes the keyboard.
    fn done(&mut self, input: Input) {
        match input {
            Input::Pin => self.pin_entered(),
            Input::LookupPhone => {
                self.focus(None);
                self.lookup(crate::screen::lookup::Message::Find);
            }
            _ => self.focus(None),
        }
    }

    /// One character as people write it: initials in capitals, and a name's next word
    /// (after a space or a hyphen) starting with one.
    fn type_char(&mut self, input: Input, c: char) {
        let c = if matches!(input, Input::Initials | Input::GuardianInitials) {
            c.to_uppercase().next().unwrap_or(c)
        } else {
            c
        };
        self.form.push(input, c);
        self.keys.shift = input.capitalised() && matches!(c, ' ' | '-');
        self.after_typing(input);
    }

    /// A date is whole at eight digits: a good one moves on to the next field by itself.
    fn after_typing(&mut self, input: Input) {
        if input.layout() == keys::Layout::Date
            && self.form.value(input).len() == 8
            && self.form.check(input, self.lang, self.today()).is_none()
            && let Some(next) = self.next_input()
        {
            self.focus(Some(next));
        }
    }

    pub(crate) fn hardware(&mut self, key: &keyboard::Key, text: Option<&str>) {
        use keyboard::key::Named;
        match key {
            keyboard::Key::Named(Named::Backspace) => self.key(Key::Backspace),
            keyboard::Key::Named(Named::Enter) => self.key(Key::Done),
            keyboard::Key::Named(Named::Tab) => self.key(Key::Next),
            keyboard::Key::Named(Named::Escape) => {}
            _ => {
                if let Some(input) = self.focus {
                    for c in text.unwrap_or_default().chars().filter(|c| !c.is_control()) {
                        self.form.push(input, c);
                    }
                    self.keys.shift = false;
                    self.after_typing(input);
                }
            }
        }
    }

    /// Initials from the names in `inputs`: the first letters of the first and the last
    /// word ("Ann Marie" and "Lee" give "AL"; "Cara Lee" gives "CL").
    pub fn initials_of(&self, inputs: &[Input]) -> String {
        let words: Vec<&str> = inputs
            .iter()
            .flat_map(|i| self.form.value(*i).split_whitespace())
            .collect();
        let ends = match words[..] {
            [] => Vec::new(),
            [one] => vec![one],
            [first, .., last] => vec![first, last],
        };
        ends.into_iter()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_uppercase)
            .collect()
    }
}
