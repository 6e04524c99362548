//! The bottom of the screen: the navigation bar, or the on-screen keyboard while typing;
//! and the idle warning over everything.

use iced::widget::{button, center, column, container, opaque, row, space, text};
use iced::{Center, Fill, Length};

use crate::app::{Key, KeyPage, Kiosk, Message, Screen, Step};
use crate::form::Layout;
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, big_button};

impl Kiosk {
    pub(super) fn nav<'a>(&'a self, s: Words<'a>) -> Option<El<'a>> {
        let (back, forward): (Option<Message>, Option<(Msg, Message)>) = match self.screen {
            Screen::Step(Step::Review) => {
                (Some(Message::Back), Some((Msg::Submit, Message::Submit)))
            }
            Screen::Step(_) => (Some(Message::Back), Some((Msg::Next, Message::Next))),
            Screen::Returning | Screen::Lookup | Screen::Match | Screen::NoMatch => {
                (Some(Message::Back), None)
            }
            _ => return None,
        };
        let mut bar = row![
            button(text(s.get(Msg::StartOver)).size(theme::LABEL_SIZE).center())
                .height(theme::TOUCH)
                .padding([16, 24])
                .style(theme::secondary)
                .on_press(Message::StartOver),
            space().width(Fill),
        ]
        .spacing(16)
        .padding([12, 24])
        .align_y(Center);
        if let Some(back) = back {
            bar = bar.push(
                button(text(s.get(Msg::Back)).size(theme::BODY_SIZE).center())
                    .height(theme::TOUCH)
                    .width(180)
                    .padding([12, 24])
                    .style(theme::secondary)
                    .on_press(back),
            );
        }
        if let Some((label, message)) = forward {
            bar = bar.push(
                button(text(s.get(label)).size(theme::BODY_SIZE).center())
                    .height(theme::TOUCH)
                    .width(if message == Message::Submit { 320 } else { 220 })
                    .padding([12, 24])
                    .style(theme::primary)
                    .on_press(message),
            );
        }
        Some(bar.into())
    }

    pub(super) fn keyboard<'a>(&'a self, s: Words<'a>) -> Option<El<'a>> {
        let input = self.focus?;
        let layout = input.layout();
        let key = |label: String, k: Key, portion: u16| -> El<'_> {
            button(text(label).size(26).center().width(Fill))
                .width(Length::FillPortion(portion))
                .height(60)
                .padding([12, 4])
                .style(theme::key)
                .on_press(Message::Key(k))
                .into()
        };
        let chars = |keys: &str| -> Vec<El<'_>> {
            keys.chars()
                .map(|c| {
                    let shown = if self.shift {
                        c.to_uppercase().collect()
                    } else {
                        c.to_string()
                    };
                    key(shown, Key::Char(c), 2)
                })
                .collect()
        };
        let rows: Vec<Vec<El<'_>>> = match (layout, self.key_page) {
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
                        key(s.get(Msg::KeyDelete).into(), Key::Backspace, 2),
                    ],
                    vec![key(
                        s.get(if layout == Layout::Pin {
                            Msg::Ok
                        } else {
                            Msg::KeyDone
                        })
                        .into(),
                        Key::Done,
                        6,
                    )],
                ]
            }
            (_, KeyPage::Letters) => {
                let mut third = vec![key(s.get(Msg::KeyShift).into(), Key::Shift, 3)];
                third.extend(chars("zxcvbnm"));
                third.push(key(s.get(Msg::KeyDelete).into(), Key::Backspace, 3));
                let mut bottom = vec![key(
                    s.get(Msg::KeyDigits).into(),
                    Key::Page(KeyPage::Symbols),
                    3,
                )];
                if layout == Layout::Email {
                    bottom.push(key("@".into(), Key::Char('@'), 2));
                } else {
                    bottom.push(key("-".into(), Key::Char('-'), 2));
                }
                bottom.push(key(s.get(Msg::KeySpace).into(), Key::Space, 8));
                bottom.push(key(".".into(), Key::Char('.'), 2));
                bottom.push(key(s.get(Msg::KeyDone).into(), Key::Done, 3));
                vec![
                    chars("1234567890"),
                    chars("qwertyuiop"),
                    chars("asdfghjklñ"),
                    third,
                    bottom,
                ]
            }
            (_, KeyPage::Symbols) => {
                let mut third = chars("()/&#!?");
                third.push(key(s.get(Msg::KeyDelete).into(), Key::Backspace, 3));
                vec![
                    chars("1234567890"),
                    chars("áéíóúüçàè"),
                    chars("-'.,@_+:;"),
                    third,
                    vec![
                        key(
                            s.get(Msg::KeyLetters).into(),
                            Key::Page(KeyPage::Letters),
                            3,
                        ),
                        key(s.get(Msg::KeySpace).into(), Key::Space, 8),
                        key(s.get(Msg::KeyDone).into(), Key::Done, 3),
                    ],
                ]
            }
        };
        let numeric = matches!(layout, Layout::Phone | Layout::Date | Layout::Pin);
        let keys = column(rows.into_iter().map(|r| row(r).spacing(6).into())).spacing(6);
        let keys: El<'_> = if numeric {
            container(keys).max_width(520).into()
        } else {
            keys.into()
        };
        // What is being typed, large, right above the keys: the field may be scrolled away.
        let preview = row![
            text(s.label(input))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            text(format!("{}|", self.form.display(input))).size(theme::BODY_SIZE),
        ]
        .spacing(16)
        .align_y(Center);
        Some(
            container(column![preview, keys].spacing(10).align_x(Center))
                .padding(12)
                .center_x(Fill)
                .style(theme::panel)
                .into(),
        )
    }

    pub(super) fn idle_warning<'a>(&'a self, s: Words<'a>, seconds: u64) -> El<'a> {
        opaque(
            container(center(
                container(
                    column![
                        text(s.get(Msg::StillThere)).size(theme::HEADING_SIZE),
                        text(s.clearing_in(seconds)).size(theme::BODY_SIZE).center(),
                        big_button(s.get(Msg::StillHere), Message::StillHere, true),
                    ]
                    .spacing(24)
                    .align_x(Center),
                )
                .padding(32)
                .max_width(720)
                .style(theme::panel),
            ))
            .style(theme::scrim),
        )
    }
}
