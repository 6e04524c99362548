//! The signature pads: the customer's, and a minor's parent or guardian's. A pad's
//! message has a slot of its own under it, so nothing moves while a finger draws.

use std::borrow::Cow;

use iced::widget::{button, canvas, column, container, row, space, text};
use iced::{Center, Fill};

use crate::app::Kiosk;
use crate::form::{Problem, Spot};
use crate::i18n::{Msg, Words};
use crate::pad::{Pad, PadEvent, PadId};
use crate::theme;

use super::{El, reveal};

/// The height of the slot under a pad where its message shows.
const MESSAGE_SLOT: f32 = 36.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Message {
    Pad(PadId, PadEvent),
    Clear(PadId),
}

impl Kiosk {
    pub(crate) fn sign(&mut self, message: Message) {
        match message {
            Message::Pad(id, event) => self.stroke(id, event),
            Message::Clear(id) => self.form.pad_mut(id).strokes.clear(),
        }
    }

    fn stroke(&mut self, id: PadId, event: PadEvent) {
        let pad = self.form.pad_mut(id);
        match event {
            PadEvent::Begin { at, size } => {
                pad.size = size;
                pad.strokes.push(vec![at]);
            }
            PadEvent::To(at) => {
                if let Some(stroke) = pad.strokes.last_mut() {
                    stroke.push(at);
                }
            }
            // Only once the finger is up does the "please sign" message go (and the
            // banner with it): nothing on screen moves while a stroke is drawn.
            PadEvent::End => {
                let spot = match id {
                    PadId::Customer => Spot::CustomerPad,
                    PadId::Guardian => Spot::GuardianPad,
                };
                if self.form.pad(id).is_signed() {
                    self.form.problems.remove(&spot);
                }
            }
        }
    }

    pub(super) fn check_signature(&mut self) -> bool {
        let mut ok = true;
        if !self.form.customer_pad.is_signed() {
            self.form.problems.insert(Spot::CustomerPad, Problem::Sign);
            ok = false;
        }
        if self.is_minor() && !self.form.guardian_pad.is_signed() {
            self.form
                .problems
                .insert(Spot::GuardianPad, Problem::GuardianSign);
            ok = false;
        }
        ok
    }

    pub(super) fn signature_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![self.pad(PadId::Customer, s.get(Msg::SignHere), s)].spacing(24);
        if self.is_minor() {
            col = col.push(self.pad(PadId::Guardian, s.get(Msg::GuardianSignHere), s));
        }
        col.into()
    }

    fn pad<'a>(&'a self, id: PadId, label: Cow<'a, str>, s: Words<'a>) -> El<'a> {
        let (pad, spot, on_event): (_, _, fn(PadEvent) -> crate::app::Message) = match id {
            PadId::Customer => (&self.form.customer_pad, Spot::CustomerPad, |e| {
                crate::app::Message::Sign(Message::Pad(PadId::Customer, e))
            }),
            PadId::Guardian => (&self.form.guardian_pad, Spot::GuardianPad, |e| {
                crate::app::Message::Sign(Message::Pad(PadId::Guardian, e))
            }),
        };
        let mut col = column![
            row![
                text(label).size(theme::BODY_SIZE),
                space().width(Fill),
                button(text(s.get(Msg::Clear)).size(theme::LABEL_SIZE).center())
                    .height(theme::TOUCH)
                    .padding([16, 28])
                    .style(theme::secondary)
                    .on_press(crate::app::Message::Sign(Message::Clear(id))),
            ]
            .align_y(Center),
            canvas(Pad {
                strokes: &pad.strokes,
                on_event: Some(on_event),
                drawn_at: None,
            })
            .width(Fill)
            .height(if self.is_minor() { 200 } else { 280 }),
        ]
        .spacing(8);
        let message: El<'a> = match self.form.problems.get(&spot) {
            Some(p) => text(s.get(p.message()))
                .size(theme::LABEL_SIZE)
                .style(theme::error)
                .into(),
            None => space().into(),
        };
        col = col.push(container(message).height(MESSAGE_SLOT));
        container(col)
            .id(reveal::id(reveal::Target::Spot(spot)))
            .into()
    }
}
