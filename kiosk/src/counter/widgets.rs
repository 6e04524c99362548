//! What the counter's pages share: touch-sized buttons and fields, times as staff read
//! them, and the sync line's words.

use chrono::Local;
use iced::Fill;
use iced::widget::{Button, button, text};

use super::Message;
use super::typing::Input;
use super::words::{CounterMsg, Words, v};
use crate::theme;

/// The smallest height of anything staff tap at the counter, in logical pixels.
pub const TOUCH_MIN: f32 = 48.0;
/// Space between a button's label and its border: a longer (Spanish) label widens the
/// button instead of reaching its edge.
const PAD_X: u16 = 20;
/// With [`theme::LABEL_SIZE`] text (a line of 28.6 px), 12 px above and below make a
/// button 52.6 px high.
const PAD_Y: u16 = 12;

/// A button with its label; disabled (greyed, no hover, no message) when `on` is `None`.
pub fn action<'a>(label: impl text::IntoFragment<'a>, on: Option<Message>) -> Button<'a, Message> {
    button(text(label).size(theme::BODY_SIZE))
        .padding([PAD_Y, PAD_X])
        .on_press_maybe(on)
}

/// A smaller button for the top bar and inline actions: still [`TOUCH_MIN`] high.
pub fn small_action<'a>(
    label: impl text::IntoFragment<'a>,
    on: Option<Message>,
) -> Button<'a, Message> {
    button(text(label).size(theme::LABEL_SIZE))
        .padding([PAD_Y, PAD_X])
        .on_press_maybe(on)
}

/// A typing field at least [`TOUCH_MIN`] high: a tap gives it the on-screen keyboard
/// (and a hardware keyboard's keys). Empty and without the keyboard, it shows `hint`.
pub fn field<'a>(
    hint: impl text::IntoFragment<'a>,
    value: &'a str,
    input: Input,
    focused: bool,
) -> Button<'a, Message> {
    let shown = if focused {
        text(format!("{value}|"))
    } else if value.is_empty() {
        text(hint).style(theme::muted)
    } else {
        text(value)
    };
    button(shown.size(theme::LABEL_SIZE))
        .width(Fill)
        .padding(14)
        .style(theme::field(focused, false))
        .on_press(Message::Focus(input))
}

/// A stored time (RFC 3339, UTC) as the counter shows it: local, hours and minutes.
pub fn local_time(stored: &str) -> String {
    local(stored, "%H:%M")
}

/// A stored time as a local date: `2025-03-14`.
pub fn local_date(stored: &str) -> String {
    local(stored, "%Y-%m-%d")
}

/// A stored time as a local date and time: `2025-03-14 10:42`.
pub fn local_date_time(stored: &str) -> String {
    local(stored, "%Y-%m-%d %H:%M")
}

fn local(stored: &str, format: &str) -> String {
    intake_common::time::parse(stored)
        .map(|t| t.with_timezone(&Local).format(format).to_string())
        .unwrap_or_else(|| stored.to_string())
}

/// The status line's words, and whether they are a warning. Plain words: staff need to
/// know whether their changes reach the rest of the shop, not how.
pub fn sync_words(w: Words<'_>, s: &intake_common::sync::Status) -> (String, bool) {
    let waiting = v(s.pending);
    let mut line = match (&s.device, &s.last_error, &s.last_success) {
        (None, _, _) => w.get(CounterMsg::SyncHere),
        (Some(_), None, Some(ok)) => w.with(CounterMsg::SyncOk, &[waiting, v(local_time(ok))]),
        (Some(_), None, None) => w.with(CounterMsg::SyncNever, &[waiting]),
        (Some(_), Some(_), _) => w.with(CounterMsg::SyncOffline, &[waiting]),
    }
    .into_owned();
    if s.rejected > 0 {
        line.push_str(" · ");
        line.push_str(&w.with(CounterMsg::SyncRefused, &[v(s.rejected)]));
    }
    let warn = s.last_error.is_some() || s.rejected > 0;
    (line, warn)
}

/// Done, in the theme's success colour (the studio's accent is red, which reads as a fault).
pub fn success(theme: &iced::Theme) -> text::Style {
    text::Style {
        color: Some(theme.palette().success),
    }
}
