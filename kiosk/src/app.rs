//! The kiosk's state and the one `update` every message goes through. Each screen keeps
//! its own messages and the code that handles them in `crate::screen`; what is shared by
//! all of them (the form, the keyboard, the language, the idle timer) lives here.
//!
//! Everything runs on the UI thread and nothing waits on the network: a lookup is one
//! indexed query and a submit one local transaction (milliseconds, see the README's
//! figures), so the screen never shows a half-done state.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use iced::widget::{image, qr_code};
use iced::{Task, keyboard, window};
use intake_common::Db;
use intake_common::customer::Field;
use intake_common::release::{self, TemplateRef};
use intake_common::settings::{Lang, Settings};
use zeroize::Zeroizing;

use crate::clock::WallClock;
use crate::form::{Form, Input};
use crate::keyboard::{Key, Keys};
use crate::screen::{self, Screen, Step, reveal};
use crate::staff_exit::{StoreAnswer, StoreLink};

/// A message shown across the top of the form, in a slot that is always there, so it
/// never moves what is under a finger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Banner {
    FixAbove,
    SaveFailed,
    HealthAgain,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// The clock, once a second.
    Tick(Instant),
    SetLang(Lang),
    ToggleContrast,
    /// A tap on the hidden staff corner.
    StaffCorner,
    Focus(Input),
    Key(Key),
    /// A key on a hardware keyboard (for development and service).
    Hardware(keyboard::Key, Option<String>),
    Lookup(screen::lookup::Message),
    Details(screen::details::Message),
    Health(screen::health::Message),
    Release(screen::release::Message),
    Sign(screen::signature::Message),
    Review(screen::review::Message),
    Next,
    Back,
    /// "Start over": asks first.
    StartOver,
    /// The answer to "Start over?": `true` wipes the form.
    StartOverAnswer(bool),
    StillHere,
    PinEntered,
    /// The store's answer about a PIN the kiosk could not check itself.
    StoreExit(StoreAnswer),
    /// Whether a phone would open the shop's Web Sign address (see [`crate::web_sign`]).
    WebSignChecked(intake_common::phone_trust::Verdict),
    StaffExit,
    StaffBack,
    /// Staff open the counter display from the staff menu (see [`crate::Station`]).
    OpenCounter,
    CloseRequested(window::Id),
    Resized(iced::Size),
    FirstFrame,
}

/// How the kiosk was started.
#[derive(Debug, Clone)]
pub struct Options {
    /// A normal window that closes like one (development).
    pub windowed: bool,
    /// This device's name, recorded on every release.
    pub device: String,
    /// Print the time to the first frame and exit (the start-up benchmark).
    pub exit_after_first_frame: Option<Instant>,
    /// The date ages are worked out on; `None` is today (tests fix it, so screens that
    /// show an age look the same every day).
    pub today: Option<NaiveDate>,
    /// The certificate authorities a phone trusts, for the Web Sign QR code's check (the
    /// public ones, and any the shop adds with `--phone-roots`).
    pub phone_roots: intake_common::phone_trust::Roots,
}

const THANKS_FOR: Duration = Duration::from_secs(10);

/// The id of the form's scrollable area.
pub const FORM_SCROLL: &str = "form";

pub struct Kiosk {
    pub settings: Settings,
    pub(crate) template_ref: TemplateRef,
    pub(crate) db: Db,
    pub options: Options,
    pub lang: Lang,
    pub high_contrast: bool,
    pub screen: Screen,
    pub form: Form,
    pub focus: Option<Input>,
    pub keys: Keys,
    pub banner: Option<Banner>,
    /// "Start over?" is being asked.
    pub confirm_start_over: bool,
    /// Where Next goes once a step changed from the summary or the review is right again.
    pub return_to: Option<Screen>,
    /// Lookups are paused after misses: the seconds left, as the database said.
    pub lookup_paused: Option<u64>,
    /// A returning customer said "Yes, that's me" (recorded once in the audit log).
    pub recognised: bool,
    /// The first name on the thank-you screen.
    pub thanks_name: String,
    pub staff_message: Option<crate::i18n::Msg>,
    pub staff_user: Option<String>,
    /// The staff member let out by this kiosk's own check (not the store's, not an exit
    /// code): who the counter display opens for.
    pub staff_actor: Option<intake_common::Actor>,
    /// The store is being asked about the PIN typed last.
    pub staff_checking: bool,
    /// A PIN for the store to check, until the update that raised it hands it on.
    pub(crate) store_check: Option<(StoreLink, Zeroizing<String>)>,
    pub logo: Option<image::Handle>,
    /// The Web Sign address as a QR code, shown while [`Kiosk::shows_web_sign_qr`].
    pub qr: Option<qr_code::Data>,
    pub(crate) web_sign: crate::web_sign::WebSign,
    /// The window's size, for portrait and landscape layouts.
    pub window: iced::Size,
    pub(crate) now: Instant,
    last_activity: Instant,
    pub(crate) staff_taps: (u32, Instant),
    /// Every problem shown since the screen was entered: a fixed one keeps its place
    /// (blank) so fixing it moves nothing (see `screen::widgets`).
    pub(crate) flagged: std::collections::BTreeMap<crate::form::Spot, crate::form::Problem>,
    /// What to bring into view after this update.
    pub(crate) scroll: Option<reveal::Target>,
    /// The wall clock the staff pad's lock is kept in.
    clock: WallClock,
}

impl std::fmt::Debug for Kiosk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never prints the form: it is personal data.
        f.debug_struct("Kiosk")
            .field("screen", &self.screen)
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

impl Kiosk {
    /// A kiosk on `db` with `settings`; records the template version it will sign under.
    pub fn new(mut db: Db, settings: Settings, options: Options) -> intake_common::Result<Self> {
        // Stored phone keys follow the shop's region (recomputed once when it changes), so
        // a number typed here finds the customer however it was written.
        intake_common::phone_keys::align(&mut db, settings.shop.region, "intake-kiosk")?;
        let template_ref = release::register_template(&mut db, &settings.template)?;
        let qr = settings
            .shop
            .web_sign_url
            .as_deref()
            .and_then(|url| qr_code::Data::new(url).ok());
        let logo = settings.logo.clone().map(image::Handle::from_bytes);
        let now = Instant::now();
        Ok(Self {
            form: Form::new(&settings),
            lang: settings.shop.languages[0],
            settings,
            template_ref,
            db,
            options,
            high_contrast: false,
            screen: Screen::Welcome,
            focus: None,
            keys: Keys::default(),
            banner: None,
            confirm_start_over: false,
            return_to: None,
            lookup_paused: None,
            recognised: false,
            thanks_name: String::new(),
            staff_message: None,
            staff_user: None,
            staff_actor: None,
            staff_checking: false,
            store_check: None,
            logo,
            qr,
            web_sign: Default::default(),
            window: iced::Size::new(1024.0, 768.0),
            now,
            last_activity: now,
            staff_taps: (0, now),
            flagged: std::collections::BTreeMap::new(),
            scroll: None,
            clock: WallClock::new(now),
        })
    }

    /// The wall-clock time the staff pad's lock is kept in (see [`WallClock`]).
    pub fn wall(&self) -> DateTime<Utc> {
        self.clock.at(self.now)
    }

    pub fn template_ref(&self) -> &TemplateRef {
        &self.template_ref
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn today(&self) -> NaiveDate {
        self.options
            .today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// Seconds left before an idle form is wiped, while the warning shows.
    pub fn idle_countdown(&self) -> Option<u64> {
        if matches!(self.screen, Screen::Welcome | Screen::Thanks) {
            return None;
        }
        let shop = &self.settings.shop;
        let idle = self.now.saturating_duration_since(self.last_activity);
        let left = Duration::from_secs(u64::from(shop.idle_timeout_secs)).saturating_sub(idle);
        (left <= Duration::from_secs(u64::from(shop.idle_warning_secs)))
            .then(|| left.as_secs_f64().ceil() as u64)
    }

    /// The customer's age from the birthdate typed so far.
    pub fn age(&self) -> Option<u32> {
        self.form
            .date(Input::Profile(Field::Birthdate), self.lang)
            .map(|b| release::age_on(b, self.today()))
    }

    pub fn is_minor(&self) -> bool {
        self.age().is_some_and(|a| a < self.settings.shop.adult_age)
    }

    pub fn update(&mut self, message: Message) -> Task<Message> {
        if !matches!(
            message,
            Message::Tick(_)
                | Message::CloseRequested(_)
                | Message::Resized(_)
                | Message::FirstFrame
        ) {
            self.last_activity = self.now;
        }
        match message {
            Message::Tick(now) => self.tick(now),
            Message::Resized(size) => self.window = size,
            Message::FirstFrame => {
                if let Some(started) = self.options.exit_after_first_frame.take() {
                    println!(
                        "first frame after {:.1} ms",
                        started.elapsed().as_secs_f64() * 1e3
                    );
                    return iced::exit();
                }
            }
            Message::CloseRequested(id) => {
                if self.options.windowed {
                    return window::close(id);
                }
                tracing::info!("close request ignored in kiosk mode");
            }
            Message::SetLang(lang) => {
                self.form.relang(self.lang, lang);
                self.lang = lang;
            }
            Message::ToggleContrast => self.high_contrast = !self.high_contrast,
            Message::StaffCorner => self.staff_corner(),
            Message::Focus(input) => self.focus(Some(input)),
            Message::Key(key) => self.key(key),
            Message::Hardware(key, text) => self.hardware(&key, text.as_deref()),
            Message::Lookup(m) => self.lookup(m),
            Message::Details(m) => self.details(m),
            Message::Health(m) => self.health(m),
            Message::Release(m) => self.release(m),
            Message::Sign(m) => self.sign(m),
            Message::Review(m) => self.review(m),
            Message::Next => self.next(),
            Message::Back => self.back(),
            Message::StartOver => {
                // Nothing typed yet: nothing to lose, so no question.
                if self.form.is_blank() {
                    self.wipe();
                } else {
                    self.focus = None;
                    self.confirm_start_over = true;
                }
            }
            Message::StartOverAnswer(yes) => {
                self.confirm_start_over = false;
                if yes {
                    self.wipe();
                }
            }
            Message::StillHere => {}
            Message::PinEntered => self.pin_entered(),
            Message::StoreExit(answer) => self.store_answered(answer),
            Message::WebSignChecked(verdict) => self.web_sign_checked(verdict),
            Message::StaffExit => return self.staff_leaves(),
            Message::StaffBack => self.wipe(),
            // The station around the kiosk opens the counter.
            Message::OpenCounter => {}
        }
        if self.banner == Some(Banner::FixAbove) && self.form.problems.is_empty() {
            self.banner = None;
        }
        self.flagged
            .extend(self.form.problems.iter().map(|(spot, p)| (*spot, *p)));
        let scroll = self.scroll.take().map_or_else(Task::none, reveal::task);
        let asks = [self.take_store_check(), self.take_web_sign_check()];
        Task::batch(std::iter::once(scroll).chain(asks.into_iter().flatten()))
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if self.screen == Screen::Thanks {
            if now.saturating_duration_since(self.last_activity) >= THANKS_FOR {
                self.wipe();
            }
            return;
        }
        if self.idle_countdown() == Some(0) {
            tracing::info!(screen = ?self.screen, "idle: form wiped");
            self.wipe();
        }
    }

    /// Back to the welcome screen with nothing personal left in memory.
    pub fn wipe(&mut self) {
        self.begin();
        self.thanks_name.clear();
        self.staff_user = None;
        self.staff_actor = None;
        self.staff_message = None;
        self.staff_checking = false;
        self.store_check = None;
        self.screen = Screen::Welcome;
        // The next customer starts from the shop's defaults.
        self.lang = self.settings.shop.languages[0];
        self.high_contrast = false;
        self.last_activity = self.now;
    }

    /// A new customer's empty form.
    pub(crate) fn begin(&mut self) {
        self.form.wipe();
        self.recognised = false;
        self.focus = None;
        self.banner = None;
        self.confirm_start_over = false;
        self.return_to = None;
        self.flagged.clear();
    }

    /// Shows `screen` from its top. A screen that starts with typing opens the keyboard
    /// on its first field: one tap fewer for everyone.
    pub(crate) fn go_to(&mut self, screen: Screen) {
        self.focus = None;
        self.flagged.clear();
        if screen == Screen::Step(Step::Release) {
            self.suggest_initials();
        }
        self.screen = screen;
        self.scroll = Some(reveal::Target::Top);
        let first = match screen {
            Screen::Lookup => Some(Input::LookupBirthdate),
            Screen::Step(Step::About) => Some(Input::Profile(Field::FirstName)),
            Screen::Step(Step::Guardian) => Some(Input::GuardianName),
            _ => None,
        };
        if let Some(first) = first.filter(|i| self.form.value(*i).is_empty()) {
            self.focus(Some(first));
        }
    }

    pub(crate) fn next(&mut self) {
        let Screen::Step(step) = self.screen else {
            return;
        };
        self.focus(None);
        if !self.check_step(step) {
            self.banner = Some(Banner::FixAbove);
            self.scroll = self
                .form
                .problems
                .keys()
                .next()
                .map(|s| reveal::Target::Spot(*s));
            return;
        }
        if self.banner == Some(Banner::FixAbove) {
            self.banner = None;
        }
        if let Some(back) = self.return_to.take() {
            self.go_to(back);
            return;
        }
        if let Some(next) = self.step_after(step) {
            self.go_to(Screen::Step(next));
        }
    }

    fn back(&mut self) {
        if self.banner == Some(Banner::FixAbove) {
            self.banner = None;
        }
        self.focus = None;
        self.flagged.clear();
        if let Some(back) = self.return_to.take() {
            self.screen = back;
            return;
        }
        self.screen = match self.screen {
            Screen::Step(step) => match self.step_before(step) {
                Some(previous) => Screen::Step(previous),
                None if self.form.existing.is_some() => Screen::Recap,
                // Nothing before the first step: the nav offers Start over instead.
                None => Screen::Step(step),
            },
            // Back to the welcome screen: what was typed to be found goes with it.
            Screen::Recap | Screen::Lookup | Screen::NoMatch => {
                self.begin();
                Screen::Welcome
            }
            other => other,
        };
    }

    /// The step after `step` for this customer (see [`Kiosk::asks`]).
    pub fn step_after(&self, step: Step) -> Option<Step> {
        Step::ALL
            .iter()
            .copied()
            .skip_while(|s| *s != step)
            .skip(1)
            .find(|s| self.asks(*s))
    }

    fn step_before(&self, step: Step) -> Option<Step> {
        if self.form.existing.is_some() && step == Step::Health {
            return None;
        }
        Step::ALL
            .iter()
            .rev()
            .copied()
            .skip_while(|s| *s != step)
            .skip(1)
            .find(|s| self.asks(*s))
    }

    /// Whether this customer is asked `step`: the guardian's only for a minor, the review
    /// only for a new customer.
    pub fn asks(&self, step: Step) -> bool {
        match step {
            Step::Guardian => self.is_minor(),
            Step::Review => self.form.existing.is_none(),
            _ => true,
        }
    }

    /// The steps this customer walks, for "Step 3 of 7".
    pub fn steps(&self) -> Vec<Step> {
        Step::ALL.into_iter().filter(|s| self.asks(*s)).collect()
    }

    pub fn subscription(&self) -> iced::Subscription<Message> {
        self.subscription_with_keys(true)
    }

    /// The kiosk's clock and window events, and the hardware keyboard unless `keys` is
    /// false: while the counter display covers the kiosk, its keys are the counter's.
    pub fn subscription_with_keys(&self, keys: bool) -> iced::Subscription<Message> {
        let mut subs = vec![
            iced::time::every(Duration::from_secs(1)).map(Message::Tick),
            if keys {
                iced::event::listen_with(|event, _status, _window| match event {
                    iced::Event::Keyboard(keyboard::Event::KeyPressed { key, text, .. }) => {
                        Some(Message::Hardware(key, text.map(|t| t.to_string())))
                    }
                    iced::Event::Window(window::Event::Resized(size)) => {
                        Some(Message::Resized(size))
                    }
                    _ => None,
                })
            } else {
                iced::event::listen_with(|event, _status, _window| match event {
                    iced::Event::Window(window::Event::Resized(size)) => {
                        Some(Message::Resized(size))
                    }
                    _ => None,
                })
            },
            window::close_requests().map(Message::CloseRequested),
        ];
        if self.options.exit_after_first_frame.is_some() {
            subs.push(window::frames().map(|_| Message::FirstFrame));
        }
        iced::Subscription::batch(subs)
    }

    pub fn theme(&self) -> iced::Theme {
        if self.high_contrast {
            crate::theme::high_contrast()
        } else {
            crate::theme::studio()
        }
    }
}
