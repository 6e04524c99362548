//! The screens a customer meets, each a module with its messages, the code that handles
//! them and its view; and the frame around them (header, banner slot, navigation bar or
//! keyboard, the idle warning and "Start over?").
//!
//! Touch first: every target is at least [`theme::TOUCH`] high, text is large, and a narrow
//! (portrait) window stacks fields in one column. Nothing moves under a finger: the banner
//! has a slot of its own that is always there.

use iced::widget::{button, column, container, row, scrollable, space, stack, text};
use iced::{Center, Element, Fill};

use crate::app::{Banner, FORM_SCROLL, Kiosk, Message};
use crate::drag::drag;
use crate::form::Input;
use crate::i18n::{Msg, Words};
use crate::theme;

mod chrome;
pub mod details;
pub mod health;
pub mod lookup;
pub mod release;
pub mod reveal;
pub mod review;
pub mod signature;
mod staff;
mod welcome;
mod widgets;

pub(crate) use widgets::{big_button, choice_button};

pub(crate) type El<'a> = Element<'a, Message>;

/// Content is never wider than this, so lines stay readable on a wide screen.
const CONTENT_WIDTH: f32 = 980.0;
/// Below this window width, fields stack in one column.
const NARROW: f32 = 820.0;
/// The banner's slot: always this high on the form's steps, empty or not.
const BANNER_HEIGHT: f32 = 56.0;

/// Screens in the order a customer meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// "I'm new here" or "I've been here before".
    Welcome,
    /// Birthdate and phone.
    Lookup,
    /// Nobody found, for whatever reason.
    NoMatch,
    /// A returning customer found: "Is this you? Is all of this still right?", masked.
    Recap,
    Step(Step),
    Thanks,
    StaffPin,
    StaffMenu,
}

/// The form's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    About,
    /// A minor's parent or guardian, right after the birthdate shows the age.
    Guardian,
    Address,
    Contacts,
    Health,
    /// The release, initialled clause by clause and signed at its foot.
    Release,
    /// A new customer's look back at everything before submitting (a returning customer
    /// checked their details on the summary).
    Review,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::About,
        Step::Guardian,
        Step::Address,
        Step::Contacts,
        Step::Health,
        Step::Release,
        Step::Review,
    ];

    fn title(self) -> Msg {
        match self {
            Step::About => Msg::StepAbout,
            Step::Guardian => Msg::StepGuardian,
            Step::Address => Msg::StepAddress,
            Step::Contacts => Msg::StepContacts,
            Step::Health => Msg::StepHealth,
            Step::Release => Msg::StepRelease,
            Step::Review => Msg::StepReview,
        }
    }
}

impl Kiosk {
    pub fn view(&self) -> El<'_> {
        let s = self.words();
        let idle = self.idle_countdown();
        // Behind "Start over?" and "Are you still there?" the form is not drawn at all:
        // the next person at the kiosk must not read it.
        let modal = self.confirm_start_over || idle.is_some();
        let body: El<'_> = if modal {
            space().into()
        } else {
            self.screen_view(s)
        };
        let mut page = column![self.header(s)];
        if matches!(self.screen, Screen::Step(_) | Screen::Recap) {
            page = page.push(self.banner_slot(s));
        }
        page = page.push(drag(
            scrollable(
                container(container(body).max_width(CONTENT_WIDTH))
                    .center_x(Fill)
                    .padding([16, 24]),
            )
            .id(FORM_SCROLL)
            .height(Fill),
        ));
        // While typing, the keyboard takes the nav bar's place: Next walks the fields and
        // Done closes it.
        match self.keyboard(s).filter(|_| !modal) {
            Some(keyboard) => page = page.push(keyboard),
            None => {
                if let Some(nav) = self.nav(s) {
                    page = page.push(nav);
                }
            }
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
        if self.confirm_start_over {
            layers = layers.push(self.start_over_dialog(s));
        }
        if let Some(seconds) = idle {
            layers = layers.push(self.idle_warning(s, seconds));
        }
        layers.into()
    }

    fn screen_view<'a>(&'a self, s: Words<'a>) -> El<'a> {
        match self.screen {
            Screen::Welcome => self.welcome_view(s),
            Screen::Lookup => self.lookup_view(s),
            Screen::NoMatch => self.no_match_view(s),
            Screen::Recap => self.recap_view(s),
            Screen::Step(step) => self.step_view(step, s),
            Screen::Thanks => self.thanks_view(s),
            Screen::StaffPin => self.staff_pin_view(s),
            Screen::StaffMenu => self.staff_menu_view(s),
        }
    }

    fn narrow(&self) -> bool {
        self.window.width < NARROW
    }

    fn header<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let title: El<'_> = match self.screen {
            Screen::Step(step) => {
                let steps = self.steps();
                let n = steps.iter().position(|x| *x == step).unwrap_or(0) + 1;
                column![
                    text(s.step(n, steps.len()))
                        .size(theme::SMALL_SIZE)
                        .style(theme::muted),
                    text(s.get(step.title())).size(theme::HEADING_SIZE),
                ]
                .into()
            }
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
                bar = bar.push(widgets::lang_button(*lang, self.lang));
            }
        }
        bar.into()
    }

    /// The banner, in a slot of fixed height whether it shows or not.
    fn banner_slot<'a>(&'a self, s: Words<'a>) -> El<'a> {
        let content: El<'a> = match self.banner {
            None => space().into(),
            Some(banner) => {
                let (message, style): (Msg, fn(&iced::Theme) -> text::Style) = match banner {
                    Banner::FixAbove => (Msg::ErrFixAbove, theme::error),
                    Banner::SaveFailed => (Msg::ErrSave, theme::error),
                    Banner::HealthAgain => (Msg::HealthAgain, theme::warning),
                };
                text(s.get(message))
                    .size(theme::LABEL_SIZE)
                    .style(style)
                    .into()
            }
        };
        container(content)
            .padding([0, 24])
            .width(Fill)
            .height(BANNER_HEIGHT)
            .align_y(Center)
            .into()
    }

    fn step_view<'a>(&'a self, step: Step, s: Words<'a>) -> El<'a> {
        match step {
            Step::About | Step::Address | Step::Contacts | Step::Guardian => {
                self.details_view(step, s)
            }
            Step::Health => self.health_view(s),
            Step::Release => self.release_view(s),
            Step::Review => self.review_view(s),
        }
    }

    /// The inputs of a step, in the order Next walks them.
    pub fn step_inputs(&self, step: Step) -> Vec<Input> {
        match step {
            Step::About | Step::Address | Step::Contacts | Step::Guardian => {
                details::inputs(step).to_vec()
            }
            Step::Health => self.health_inputs(),
            Step::Release => self.initials_inputs(),
            Step::Review => Vec::new(),
        }
    }

    /// Checks a step's answers; every problem shows where it is.
    pub fn check_step(&mut self, step: Step) -> bool {
        match step {
            Step::About | Step::Address | Step::Contacts | Step::Guardian => {
                self.check_inputs(details::inputs(step))
            }
            Step::Health => self.check_health(),
            Step::Release => self.check_release(),
            Step::Review => true,
        }
    }

    /// Checks each of `inputs`; `true` when none has a problem.
    pub(crate) fn check_inputs(&mut self, inputs: &[Input]) -> bool {
        let (lang, today) = (self.lang, self.today());
        inputs
            .iter()
            .filter(|i| self.form.check(**i, lang, today).is_some())
            .count()
            == 0
    }
}
