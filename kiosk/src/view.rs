//! What each screen looks like. Touch first: every target is at least [`theme::TOUCH`]
//! high, text is large, and a narrow (portrait) window stacks fields in one column.

use iced::widget::{
    button, checkbox, column, container, image, qr_code, row, scrollable, space, stack, text,
};
use iced::{Center, Element, Fill, Length};
use intake_common::customer::Field;
use intake_common::settings::{Details, Lang};

use crate::app::{ABOUT_FIELDS, ADDRESS_FIELDS, Banner, Kiosk, Message, Screen, Step};
use crate::form::{Input, Layout, Spot, mask_email, mask_name};
use crate::i18n::{Msg, Words};
use crate::theme;

mod keyboard;
mod signing;

type El<'a> = Element<'a, Message>;

/// Content is never wider than this, so lines stay readable on a wide screen.
const CONTENT_WIDTH: f32 = 980.0;
/// Below this window width, fields stack in one column.
const NARROW: f32 = 820.0;

impl Kiosk {
    pub fn view(&self) -> El<'_> {
        let s = self.words();
        let body: El<'_> = match self.screen {
            Screen::Welcome => self.welcome(s),
            Screen::Returning => self.returning(s),
            Screen::Lookup => self.lookup(s),
            Screen::Match => self.matched(s),
            Screen::NoMatch => self.no_match(s),
            Screen::Step(step) => self.step(step, s),
            Screen::Thanks => self.thanks(s),
            Screen::StaffPin => self.staff_pin(s),
            Screen::StaffMenu => self.staff_menu(s),
        };
        let mut page = column![self.header(s)];
        if let Some(banner) = self.banner_view(s) {
            page = page.push(banner);
        }
        page = page.push(
            scrollable(
                container(container(body).max_width(CONTENT_WIDTH))
                    .center_x(Fill)
                    .padding([16, 24]),
            )
            .id(crate::app::FORM_SCROLL)
            .height(Fill),
        );
        // While typing, the keyboard takes the nav bar's place: Done brings it back.
        if let Some(nav) = self.focus.is_none().then(|| self.nav(s)).flatten() {
            page = page.push(nav);
        }
        if let Some(keyboard) = self.keyboard(s) {
            page = page.push(keyboard);
        }
        let page = container(page).width(Fill).height(Fill).style(theme::page);

        let mut layers = stack![page];
        if self.screen == Screen::Welcome {
            // The staff corner: invisible, top left, tapped several times in a row.
            layers = layers.push(
                button(space().width(96).height(96))
                    .style(theme::invisible)
                    .padding(0)
                    .on_press(Message::StaffCorner),
            );
        }
        if let Some(seconds) = self.idle_countdown() {
            layers = layers.push(self.idle_warning(s, seconds));
        }
        layers.into()
    }

    fn narrow(&self) -> bool {
        self.window.width < NARROW
    }

    fn header<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let title: El<'_> = match self.screen {
            Screen::Step(step) => column![
                text(s.step(step.number(), Step::ALL.len()))
                    .size(theme::SMALL_SIZE)
                    .style(theme::muted),
                text(s.get(step_title(step))).size(theme::HEADING_SIZE),
            ]
            .into(),
            Screen::Welcome => space().into(),
            _ => text(&self.settings.shop.name)
                .size(theme::BODY_SIZE)
                .style(theme::muted)
                .into(),
        };
        let mut bar = row![title, space().width(Fill)]
            .spacing(12)
            .align_y(Center)
            .padding([12, 24]);
        if self.settings.shop.languages.len() > 1 && self.screen != Screen::Welcome {
            for lang in &self.settings.shop.languages {
                bar = bar.push(lang_button(*lang, self.lang));
            }
        }
        bar.into()
    }

    fn banner_view<'a>(&'a self, s: Words<'a>) -> Option<El<'a>> {
        let (message, style): (Msg, fn(&iced::Theme) -> text::Style) = match self.banner? {
            Banner::FixAbove => (Msg::ErrFixAbove, theme::error),
            Banner::SaveFailed => (Msg::ErrSave, theme::error),
            Banner::HealthAgain => (Msg::HealthAgain, theme::warning),
        };
        Some(
            container(text(s.get(message)).size(theme::BODY_SIZE).style(style))
                .padding([12, 24])
                .width(Fill)
                .into(),
        )
    }

    fn welcome<'a>(&'a self, s: Words<'a>) -> El<'a> {
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
        col = col.push(
            button(text(s.get(Msg::Start)).size(36).center().width(Fill))
                .width(420)
                .padding([24, 32])
                .style(theme::primary)
                .on_press(Message::Start),
        );
        let mut langs = row![].spacing(16);
        if self.settings.shop.languages.len() > 1 {
            for lang in &self.settings.shop.languages {
                langs = langs.push(lang_button(*lang, self.lang));
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
        if let Some(qr) = &self.qr {
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

    fn returning<'a>(&'a self, s: Words<'a>) -> El<'a> {
        column![
            text(s.get(Msg::BeenHere)).size(theme::TITLE_SIZE),
            text(s.get(Msg::BeenHereHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            big_button(s.get(Msg::YesFindMe), Message::BeenHere(true), true),
            big_button(s.get(Msg::NoNew), Message::BeenHere(false), false),
        ]
        .spacing(28)
        .into()
    }

    fn lookup<'a>(&'a self, s: Words<'a>) -> El<'a> {
        column![
            text(s.get(Msg::FindTitle)).size(theme::HEADING_SIZE),
            text(s.get(Msg::FindHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            self.field(Input::LookupPhone, s),
            self.field(Input::LookupBirthdate, s),
            big_button(s.get(Msg::Find), Message::Find, true),
        ]
        .spacing(20)
        .into()
    }

    fn matched<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let Some(found) = &self.found else {
            return space().into();
        };
        let mut card = column![
            text(s.get(Msg::IsThisYou)).size(theme::HEADING_SIZE),
            text(mask_name(&found.profile)).size(theme::TITLE_SIZE),
        ]
        .spacing(16);
        if let Some(email) = found.profile.get(Field::Email) {
            card = card.push(
                text(mask_email(email))
                    .size(theme::BODY_SIZE)
                    .style(theme::muted),
            );
        }
        column![
            container(card).padding(24).width(Fill).style(theme::panel),
            big_button(s.get(Msg::YesMe), Message::ThisIsMe(true), true),
            big_button(s.get(Msg::NotMe), Message::ThisIsMe(false), false),
        ]
        .spacing(28)
        .into()
    }

    fn no_match<'a>(&'a self, s: Words<'a>) -> El<'a> {
        column![
            text(s.get(Msg::NoMatch)).size(theme::HEADING_SIZE),
            text(s.get(Msg::NoMatchHint))
                .size(theme::BODY_SIZE)
                .style(theme::muted),
            big_button(s.get(Msg::Next), Message::Continue, true),
        ]
        .spacing(28)
        .into()
    }

    fn step<'a>(&'a self, step: Step, s: Words<'a>) -> El<'a> {
        match step {
            Step::About => {
                let fields = self.grid(ABOUT_FIELDS.map(Input::Profile).to_vec(), s);
                column![fields, self.opt_in(s)].spacing(20).into()
            }
            Step::Address => self.grid(ADDRESS_FIELDS.map(Input::Profile).to_vec(), s),
            Step::Contacts => column![
                text(s.get(Msg::EmergencyTitle)).size(theme::BODY_SIZE),
                self.grid(
                    vec![
                        Input::EmergencyName,
                        Input::EmergencyPhone,
                        Input::EmergencyRelation
                    ],
                    s
                ),
                text(s.get(Msg::PhysicianTitle)).size(theme::BODY_SIZE),
                self.grid(
                    vec![
                        Input::PhysicianName,
                        Input::PhysicianPhone,
                        Input::PhysicianPractice
                    ],
                    s
                ),
            ]
            .spacing(20)
            .into(),
            Step::Health => self.health(s),
            Step::Release => self.release(s),
            Step::Signature => self.signature(s),
            Step::Review => self.review(s),
        }
    }

    fn opt_in<'a>(&'a self, s: Words<'a>) -> El<'a> {
        container(
            checkbox(self.form.opt_in)
                .label(s.get(Msg::OptIn))
                .on_toggle(|_| Message::ToggleOptIn)
                .size(36)
                .spacing(16)
                .text_size(theme::LABEL_SIZE)
                .width(Fill),
        )
        .padding([14, 16])
        .width(Fill)
        .style(theme::panel)
        .into()
    }

    /// Inputs two to a row, or one in a narrow window.
    fn grid<'a>(&'a self, inputs: Vec<Input>, s: Words<'a>) -> El<'a> {
        let per_row = if self.narrow() { 1 } else { 2 };
        let mut col = column![].spacing(16);
        for chunk in inputs.chunks(per_row) {
            let mut r = row![].spacing(16);
            for input in chunk {
                r = r.push(container(self.field(*input, s)).width(Length::FillPortion(1)));
            }
            if chunk.len() < per_row {
                r = r.push(space().width(Length::FillPortion(1)));
            }
            col = col.push(r);
        }
        col.into()
    }

    /// A field: tapping it gives it the on-screen keyboard; its problem shows under it.
    fn field<'a>(&'a self, input: Input, s: Words<'a>) -> El<'a> {
        let focused = self.focus == Some(input);
        let problem = self.form.problems.get(&Spot::Input(input)).copied();
        let shown = self.form.display(input);
        let value: El<'_> = if shown.is_empty() && !focused {
            text(s.get(placeholder(input)))
                .size(theme::BODY_SIZE)
                .style(theme::muted)
                .into()
        } else {
            text(if focused { format!("{shown}|") } else { shown })
                .size(theme::BODY_SIZE)
                .into()
        };
        let mut label = row![
            text(s.label(input))
                .size(theme::LABEL_SIZE)
                .style(theme::muted)
        ]
        .spacing(8);
        if is_optional(input) {
            label = label.push(
                text(s.get(Msg::Optional))
                    .size(theme::SMALL_SIZE)
                    .style(theme::muted),
            );
        }
        let mut col = column![
            button(column![label, value].spacing(4))
                .width(Fill)
                .padding([10, 16])
                .style(theme::field(focused, problem.is_some()))
                .on_press(Message::Focus(input))
        ]
        .spacing(4);
        if let Some(problem) = problem {
            col = col.push(
                text(s.get(problem.message()))
                    .size(theme::LABEL_SIZE)
                    .style(theme::error),
            );
        }
        col.into()
    }

    fn health<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let mut col = column![
            text(s.get(Msg::HealthHint))
                .size(theme::LABEL_SIZE)
                .style(theme::muted)
        ]
        .spacing(16);
        for (i, q) in self.settings.questions.iter().enumerate() {
            let answer = self.form.health.get(i).copied().flatten();
            let mut card = column![
                text(q.text.get(self.lang)).size(theme::BODY_SIZE),
                row![
                    choice_button(
                        s.get(Msg::Yes),
                        answer == Some(true),
                        Message::Answer(i, true)
                    ),
                    choice_button(
                        s.get(Msg::No),
                        answer == Some(false),
                        Message::Answer(i, false)
                    ),
                ]
                .spacing(16),
            ]
            .spacing(12);
            if answer == Some(true) && q.details != Details::None {
                card = card.push(self.field(Input::HealthDetails(i), s));
            }
            if let Some(p) = self.form.problems.get(&Spot::Question(i)) {
                card = card.push(
                    text(s.get(p.message()))
                        .size(theme::LABEL_SIZE)
                        .style(theme::error),
                );
            }
            col = col.push(container(card).padding(20).width(Fill).style(theme::panel));
        }
        col.into()
    }

    fn thanks<'a>(&'a self, s: Words<'a>) -> El<'a> {
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

    fn staff_pin<'a>(&'a self, s: Words<'a>) -> El<'a> {
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

    fn staff_menu<'a>(&'a self, s: Words<'a>) -> El<'a> {
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
        menu.push(big_button(s.get(Msg::StaffBack), Message::StaffBack, false))
            .spacing(28)
            .into()
    }
}

fn step_title(step: Step) -> Msg {
    match step {
        Step::About => Msg::StepAbout,
        Step::Address => Msg::StepAddress,
        Step::Contacts => Msg::StepContacts,
        Step::Health => Msg::StepHealth,
        Step::Release => Msg::StepRelease,
        Step::Signature => Msg::StepSignature,
        Step::Review => Msg::StepReview,
    }
}

fn placeholder(input: Input) -> Msg {
    match input.layout() {
        Layout::Date => Msg::DateFormat,
        _ => Msg::TapToType,
    }
}

fn is_optional(input: Input) -> bool {
    match input {
        Input::Profile(f) => !intake_common::release::REQUIRED_FIELDS.contains(&f),
        Input::EmergencyRelation
        | Input::PhysicianName
        | Input::PhysicianPhone
        | Input::PhysicianPractice => true,
        _ => false,
    }
}

fn lang_button<'a>(lang: Lang, current: Lang) -> El<'a> {
    button(text(lang.native_name()).size(theme::LABEL_SIZE).center())
        .height(theme::TOUCH)
        .padding([16, 24])
        .style(theme::choice(lang == current))
        .on_press(Message::SetLang(lang))
        .into()
}

fn choice_button<'a>(
    label: impl text::IntoFragment<'a>,
    selected: bool,
    message: Message,
) -> El<'a> {
    button(text(label).size(theme::BODY_SIZE).center().width(Fill))
        .width(200)
        .height(theme::TOUCH)
        .padding([12, 24])
        .style(theme::choice(selected))
        .on_press(message)
        .into()
}

fn big_button<'a>(label: impl text::IntoFragment<'a>, message: Message, primary: bool) -> El<'a> {
    button(text(label).size(32).center().width(Fill))
        .width(Fill)
        .padding([22, 32])
        .style(if primary {
            theme::primary
        } else {
            theme::secondary
        })
        .on_press(message)
        .into()
}
