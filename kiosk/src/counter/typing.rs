//! Typing at the counter: which input has the on-screen keyboard, what each key does to
//! it, Next through a contact's fields, and a hardware keyboard for the same inputs. The
//! keyboard is the kiosk's ([`crate::keyboard`]); its panel shows what is typed above the
//! keys, so the input may be scrolled away or under the keys' place.

use iced::widget::{column, container, row, text};
use iced::{Alignment, Element, Fill, keyboard};
use intake_common::customer::ContactKind;

use super::words::{CounterMsg, Words};
use super::{Counter, Message};
use crate::keyboard::{self as keys, Key, Layout};
use crate::theme;

/// An input of the counter's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The sign-in page's PIN: it has the keys whenever staff are signed out.
    Pin,
    Search,
    Session,
    Note,
    Contact(ContactKind, Part),
}

/// A field of a contact editor, in the order Next walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Name,
    Phone,
    Relation,
}

impl Input {
    /// A number pad for the PIN and phone numbers, letters for the rest.
    pub fn layout(self) -> Layout {
        match self {
            Input::Pin => Layout::Pin,
            Input::Contact(_, Part::Phone) => Layout::Phone,
            _ => Layout::Text,
        }
    }

    /// A name starts with a capital, and so does each of its words.
    fn capitalised(self) -> bool {
        matches!(self, Input::Contact(_, Part::Name))
    }

    /// The input Next goes on to: the next field of the same contact.
    fn next(self) -> Option<Input> {
        match self {
            Input::Contact(k, Part::Name) => Some(Input::Contact(k, Part::Phone)),
            Input::Contact(k, Part::Phone) => Some(Input::Contact(k, Part::Relation)),
            _ => None,
        }
    }

    /// What the input is, as the keyboard's preview names it.
    pub(super) fn label(self, w: Words<'_>) -> String {
        let one = |m| w.get(m).into_owned();
        match self {
            Input::Pin => one(CounterMsg::EnterPin),
            Input::Search => one(CounterMsg::Find),
            Input::Session => one(CounterMsg::Sessions),
            Input::Note => one(CounterMsg::Notes),
            Input::Contact(kind, part) => {
                let (title, relation) = match kind {
                    ContactKind::Emergency => (CounterMsg::Emergency, CounterMsg::Relationship),
                    ContactKind::Physician => (CounterMsg::Physician, CounterMsg::Practice),
                };
                let field = match part {
                    Part::Name => CounterMsg::ContactName,
                    Part::Phone => CounterMsg::ContactPhone,
                    Part::Relation => relation,
                };
                format!("{} · {}", one(title), one(field))
            }
        }
    }
}

/// The PIN is digits, and no longer than this.
const PIN_MAX: usize = 12;

impl Counter {
    /// The input the keys type into: the PIN while nobody is signed in, else the one
    /// tapped last (none once Done is tapped).
    pub fn typing(&self) -> Option<Input> {
        match self.actor {
            None => Some(Input::Pin),
            Some(_) => self.focus,
        }
    }

    /// What `input` holds now (empty when its page is not open).
    pub fn value(&self, input: Input) -> &str {
        let open = self.open.as_ref();
        match input {
            Input::Pin => &self.pin,
            Input::Search => &self.query,
            Input::Session => open.map_or("", |o| &o.session),
            Input::Note => open.map_or("", |o| &o.note),
            Input::Contact(kind, part) => open.map_or("", |o| {
                let f = o.contact(kind);
                match part {
                    Part::Name => &f.name,
                    Part::Phone => &f.phone,
                    Part::Relation => &f.relation,
                }
            }),
        }
    }

    /// Changes what `input` holds; a search runs again as its words change.
    pub(super) fn edit(&mut self, input: Input, f: impl FnOnce(&mut String)) {
        match input {
            Input::Pin => f(&mut self.pin),
            Input::Search => {
                f(&mut self.query);
                self.search();
            }
            Input::Session => self.with_open(|o| f(&mut o.session)),
            Input::Note => self.with_open(|o| f(&mut o.note)),
            Input::Contact(kind, part) => self.with_contact(kind, |c| {
                f(match part {
                    Part::Name => &mut c.name,
                    Part::Phone => &mut c.phone,
                    Part::Relation => &mut c.relation,
                })
            }),
        }
    }

    /// The inputs of the page shown.
    fn inputs_on_page(&self) -> Vec<Input> {
        if self.actor.is_none() {
            return vec![Input::Pin];
        }
        if self.open.is_none() {
            return vec![Input::Search];
        }
        let mut inputs = vec![Input::Session, Input::Note];
        for kind in [ContactKind::Emergency, ContactKind::Physician] {
            for part in [Part::Name, Part::Phone, Part::Relation] {
                inputs.push(Input::Contact(kind, part));
            }
        }
        inputs
    }

    /// Gives `input` the keyboard (`None` closes it).
    pub(super) fn focus(&mut self, input: Option<Input>) {
        let input = input.filter(|i| self.inputs_on_page().contains(i));
        self.focus = input.filter(|i| *i != Input::Pin);
        self.keys
            .reset(input.is_some_and(|i| i.capitalised() && self.value(i).is_empty()));
    }

    /// Closes the keyboard when its input has left the screen (another page opened).
    pub(super) fn keep_focus_on_page(&mut self) {
        if let Some(input) = self.focus
            && !self.inputs_on_page().contains(&input)
        {
            self.focus(None);
        }
    }

    pub(super) fn key(&mut self, key: Key) {
        let Some(input) = self.typing() else { return };
        match key {
            Key::Char(c) => self.type_char(input, self.keys.cased(c)),
            Key::Domain(domain) => self.edit(input, |v| *v = keys::with_domain(v, domain)),
            Key::Space => self.type_char(input, ' '),
            Key::Backspace => {
                self.edit(input, |v| {
                    v.pop();
                });
                self.keys.shift = input.capitalised() && self.value(input).is_empty();
            }
            Key::Shift => self.keys.shift = !self.keys.shift,
            Key::Page(page) => self.keys.page = page,
            Key::Next => match input.next() {
                Some(next) => self.focus(Some(next)),
                None => self.done(input),
            },
            Key::Done => self.done(input),
        }
    }

    /// Done on the PIN pad tries the PIN; on any other input it closes the keyboard.
    fn done(&mut self, input: Input) {
        match input {
            Input::Pin => self.submit_pin(),
            _ => self.focus(None),
        }
    }

    fn type_char(&mut self, input: Input, c: char) {
        // A locked pad takes no digits, from its keys or a hardware keyboard.
        let locked = self.locked_until.is_some();
        if input == Input::Pin && (locked || !c.is_ascii_digit() || self.pin.len() >= PIN_MAX) {
            return;
        }
        self.edit(input, |v| v.push(c));
        self.keys.shift = input.capitalised() && matches!(c, ' ' | '-');
    }

    /// A key on a hardware keyboard: Enter is Done (and adds a note, as it always did),
    /// Tab is Next, Escape closes the keyboard, and text is typed as it comes.
    pub(super) fn hardware(&mut self, key: &keyboard::Key, text: Option<&str>) {
        use keyboard::key::Named;
        let Some(input) = self.typing() else { return };
        match key {
            keyboard::Key::Named(Named::Backspace) => self.key(Key::Backspace),
            keyboard::Key::Named(Named::Enter) if input == Input::Note => self.add_note(),
            keyboard::Key::Named(Named::Enter) => self.key(Key::Done),
            keyboard::Key::Named(Named::Tab) => self.key(Key::Next),
            keyboard::Key::Named(Named::Escape) => self.focus(None),
            _ => {
                for c in text.unwrap_or_default().chars().filter(|c| !c.is_control()) {
                    self.type_char(input, c);
                }
                self.keys.shift = false;
            }
        }
    }

    /// The keyboard's labels: the kiosk's key words, the counter's OK and Delete.
    fn key_labels<'a>(&'a self, w: Words<'a>) -> keys::Labels<'a> {
        let mut labels = crate::i18n::Words::new(&self.shop.tr, self.lang).keys();
        labels.ok = w.get(CounterMsg::Ok);
        labels.delete = w.get(CounterMsg::KeyDelete);
        labels
    }

    /// The PIN pad: off while the pad is locked after wrong PINs.
    pub(super) fn pin_pad<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let locked = self.locked_until.is_some();
        keys::view_maybe(
            Layout::Pin,
            self.keys,
            &self.key_labels(w),
            false,
            move |k| (!locked).then_some(Message::Key(k)),
        )
    }

    /// The keyboard for the input that has it, under a line showing what is typed there.
    pub(super) fn keyboard_panel<'a>(&'a self, w: Words<'a>) -> Option<Element<'a, Message>> {
        let input = self.focus?;
        let keys = keys::view(
            input.layout(),
            self.keys,
            &self.key_labels(w),
            input.next().is_some(),
            Message::Key,
        );
        let preview = row![
            text(input.label(w))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            text(format!("{}|", self.value(input))).size(theme::BODY_SIZE),
        ]
        .spacing(16)
        .align_y(Alignment::Center);
        Some(
            container(
                column![preview, container(keys).max_width(1100)]
                    .spacing(10)
                    .align_x(Alignment::Center),
            )
            .padding(12)
            .center_x(Fill)
            .style(theme::panel)
            .into(),
        )
    }
}
