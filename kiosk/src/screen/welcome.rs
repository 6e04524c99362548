//! The welcome screen, where a customer starts as new or as returning in one tap, and the
//! thank-you.

use iced::widget::{button, column, container, image, qr_code, row, space, text};
use iced::{Center, Fill};

use crate::app::{Kiosk, Message};
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, lookup, widgets};

impl Kiosk {
    pub(super) fn welcome_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![].spacing(28).align_x(Center).width(Fill);
        if let Some(logo) = &self.logo {
            col = col.push(image(logo.clone()).width(160).height(160));
        }
        col = col.push(
            text(&self.settings.shop.name)
                .size(theme::TITLE_SIZE)
                .style(theme::accent)
                .center(),
        );
        col = col.push(text(s.get(Msg::Welcome)).size(theme::BODY_SIZE).center());
        let start = |label, returning: bool| {
            button(text(label).size(34).center().width(Fill))
                .width(Fill)
                .padding([28, 24])
                .style(if returning {
                    theme::secondary
                } else {
                    theme::primary
                })
                .on_press(Message::Lookup(lookup::Message::BeenHere(returning)))
        };
        let starts = [
            start(s.get(Msg::NoNew), false).into(),
            start(s.get(Msg::YesFindMe), true).into(),
        ];
        col = col.push(if self.narrow() {
            El::from(column(starts).spacing(20).max_width(560))
        } else {
            El::from(container(row(starts).spacing(24)).max_width(820))
        });
        let mut langs = row![].spacing(16);
        if self.settings.shop.languages.len() > 1 {
            for lang in &self.settings.shop.languages {
                langs = langs.push(widgets::lang_button(*lang, self.lang));
            }
        }
        langs = langs.push(
            button(
                text(s.get(Msg::HighContrast))
                    .size(theme::LABEL_SIZE)
                    .center(),
            )
            .height(theme::TOUCH)
            .padding([16, 24])
            .style(theme::choice(self.high_contrast))
            .on_press(Message::ToggleContrast),
        );
        col = col.push(langs);
        if let Some(qr) = self.qr.as_ref().filter(|_| self.shows_web_sign_qr()) {
            col = col.push(
                column![
                    container(qr_code(qr).cell_size(5))
                        .padding(12)
                        .style(|_| { container::Style::default().background(iced::Color::WHITE) }),
                    text(s.get(Msg::PhoneQr))
                        .size(theme::LABEL_SIZE)
                        .style(theme::muted),
                ]
                .spacing(8)
                .align_x(Center),
            );
        }
        container(col).padding([24, 0]).center_x(Fill).into()
    }

    pub(super) fn thanks_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let name = s.thanks(&self.thanks_name);
        column![
            space().height(80),
            text(name)
                .size(theme::TITLE_SIZE)
                .style(theme::accent)
                .center(),
            text(s.get(Msg::ThanksHint)).size(theme::BODY_SIZE).center(),
        ]
        .spacing(32)
        .align_x(Center)
        .width(Fill)
        .into()
    }
}
