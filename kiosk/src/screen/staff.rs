//! The staff PIN pad and the staff menu (what they do is in `crate::staff_exit`).

use iced::widget::{column, text};

use crate::app::{Kiosk, Message};
use crate::form::Input;
use crate::i18n::{Msg, Words};
use crate::theme;

use super::{El, big_button};

impl Kiosk {
    pub(super) fn staff_pin_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![
            text(s.get(Msg::StaffTitle)).size(theme::HEADING_SIZE),
            text(s.get(Msg::StaffHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            self.field(Input::Pin, s),
        ]
        .spacing(20);
        if let Some(m) = self.staff_message {
            col = col.push(text(s.get(m)).size(theme::BODY_SIZE).style(theme::error));
        }
        col.push(big_button(s.get(Msg::StaffBack), Message::StaffBack, false))
            .into()
    }

    pub(super) fn staff_menu_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut menu = column![
            text(s.signed_in(self.staff_user.as_deref().unwrap_or_default()))
                .size(theme::HEADING_SIZE),
            big_button(s.get(Msg::StaffExit), Message::StaffExit, true),
        ];
        if crate::station::may_open_counter(self) {
            let counter = crate::counter::words::Words::new(&self.settings.tr, self.lang);
            menu = menu.push(big_button(
                counter.get(crate::counter::words::CounterMsg::OpenDisplay),
                Message::OpenCounter,
                false,
            ));
        }
        menu = menu.push(big_button(s.get(Msg::StaffBack), Message::StaffBack, false));
        if let Some(address) = &self.settings.shop.web_sign_url {
            menu = menu.push(
                text(s.web_sign_status(address, self.web_sign.verdict.as_ref()))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
        }
        menu.spacing(28).into()
    }
}
