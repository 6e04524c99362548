//! The kiosk's state and how each message changes it.
//!
//! Everything runs on the UI thread and nothing waits on the network: a lookup is one
//! indexed query and a submit one local transaction (milliseconds, see the README's
//! figures), so the screen never shows a half-done state.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use iced::widget::{image, qr_code};
use iced::{Task, keyboard, window};
use intake_common::customer::Field;
use intake_common::release::{self, Returning, Signing, TemplateRef};
use intake_common::settings::{Confirm, Details, Lang, Settings};
use intake_common::{Db, audit};
use zeroize::Zeroizing;

use crate::clock::WallClock;
use crate::form::{Form, Input, Layout, Problem, Spot};
use crate::pad::{PadEvent, PadId};
use crate::staff_exit::{StoreAnswer, StoreLink};

/// Screens in the order a customer meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Welcome,
    /// "Have you been here before?"
    Returning,
    /// Phone and birthdate.
    Lookup,
    /// "Is this you?"
    Match,
    /// Nobody found, for whatever reason.
    NoMatch,
    Step(Step),
    Thanks,
    StaffPin,
    StaffMenu,
}

/// The form's steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    About,
    Address,
    Contacts,
    Health,
    Release,
    Signature,
    Review,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::About,
        Step::Address,
        Step::Contacts,
        Step::Health,
        Step::Release,
        Step::Signature,
        Step::Review,
    ];

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }

    fn next(self) -> Option<Step> {
        Step::ALL.get(self.number()).copied()
    }

    fn previous(self) -> Option<Step> {
        self.number().checked_sub(2).map(|i| Step::ALL[i])
    }
}

pub const ABOUT_FIELDS: [Field; 8] = [
    Field::FirstName,
    Field::MiddleName,
    Field::LastName,
    Field::Nickname,
    Field::Birthdate,
    Field::PhoneNumber,
    Field::Email,
    Field::Gender,
];

pub const ADDRESS_FIELDS: [Field; 7] = [
    Field::Street,
    Field::Street2,
    Field::City,
    Field::State,
    Field::PostalCode,
    Field::Country,
    Field::Occupation,
];

pub const CONTACT_INPUTS: [Input; 6] = [
    Input::EmergencyName,
    Input::EmergencyPhone,
    Input::EmergencyRelation,
    Input::PhysicianName,
    Input::PhysicianPhone,
    Input::PhysicianPractice,
];

/// A key of the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Backspace,
    Shift,
    Space,
    Done,
    Page(KeyPage),
}

/// Letters, or digits and symbols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyPage {
    #[default]
    Letters,
    Symbols,
}

/// A message shown across the top of the form.
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
    Start,
    SetLang(Lang),
    ToggleContrast,
    /// A tap on the hidden staff corner.
    StaffCorner,
    BeenHere(bool),
    Find,
    ThisIsMe(bool),
    Continue,
    Focus(Input),
    Key(Key),
    /// A key on a hardware keyboard (for development and service).
    Hardware(keyboard::Key, Option<String>),
    ToggleOptIn,
    Answer(usize, bool),
    ToggleClause(usize),
    Pad(PadId, PadEvent),
    ClearPad(PadId),
    Next,
    Back,
    StartOver,
    Submit,
    StillHere,
    PinEntered,
    /// The store's answer about a PIN the kiosk could not check itself.
    StoreExit(StoreAnswer),
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
}

const THANKS_FOR: Duration = Duration::from_secs(10);

/// The id of the form's scrollable area.
pub const FORM_SCROLL: &str = "form";

pub struct Kiosk {
    pub settings: Settings,
    template_ref: TemplateRef,
    db: Db,
    pub options: Options,
    pub lang: Lang,
    pub high_contrast: bool,
    pub screen: Screen,
    pub form: Form,
    pub focus: Option<Input>,
    pub shift: bool,
    pub key_page: KeyPage,
    pub banner: Option<Banner>,
    /// A found returning customer, until they say whether it is them.
    pub found: Option<Returning>,
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
    pub qr: Option<qr_code::Data>,
    /// The window's size, for portrait and landscape layouts.
    pub window: iced::Size,
    pub(crate) now: Instant,
    last_activity: Instant,
    pub(crate) staff_taps: (u32, Instant),
    /// Where to scroll the form after this update (0 top, 1 bottom).
    scroll_to: Option<f32>,
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
            shift: false,
            key_page: KeyPage::default(),
            banner: None,
            found: None,
            thanks_name: String::new(),
            staff_message: None,
            staff_user: None,
            staff_actor: None,
            staff_checking: false,
            store_check: None,
            logo,
            qr,
            window: iced::Size::new(1024.0, 768.0),
            now,
            last_activity: now,
            staff_taps: (0, now),
            scroll_to: None,
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
            Message::Start => {
                self.begin();
                self.screen = Screen::Returning;
            }
            Message::SetLang(lang) => {
                self.form.relang(self.lang, lang);
                self.lang = lang;
            }
            Message::ToggleContrast => self.high_contrast = !self.high_contrast,
            Message::StaffCorner => self.staff_corner(),
            Message::BeenHere(true) => self.screen = Screen::Lookup,
            Message::BeenHere(false) => self.go_to(Step::About),
            Message::Find => self.find(),
            Message::ThisIsMe(yes) => self.this_is_me(yes),
            Message::Continue => self.go_to(Step::About),
            Message::Focus(input) => self.focus(Some(input)),
            Message::Key(key) => self.key(key),
            Message::Hardware(key, text) => self.hardware(&key, text.as_deref()),
            Message::ToggleOptIn => self.form.opt_in = !self.form.opt_in,
            Message::Answer(i, yes) => {
                if let Some(a) = self.form.health.get_mut(i) {
                    *a = Some(yes);
                    self.form.problems.remove(&Spot::Question(i));
                    if !yes {
                        self.form.set(Input::HealthDetails(i), "");
                        self.form
                            .problems
                            .remove(&Spot::Input(Input::HealthDetails(i)));
                    }
                }
            }
            Message::ToggleClause(i) => {
                if let Some(t) = self.form.ticks.get_mut(i) {
                    *t = !*t;
                    self.form.problems.remove(&Spot::Clause(i));
                }
            }
            Message::Pad(id, event) => self.stroke(id, event),
            Message::ClearPad(id) => match id {
                PadId::Customer => self.form.customer_pad.strokes.clear(),
                PadId::Guardian => self.form.guardian_pad.strokes.clear(),
            },
            Message::Next => self.next(),
            Message::Back => self.back(),
            Message::StartOver => self.wipe(),
            Message::Submit => self.submit(),
            Message::StillHere => {}
            Message::PinEntered => self.pin_entered(),
            Message::StoreExit(answer) => self.store_answered(answer),
            Message::StaffExit => return self.staff_leaves(),
            Message::StaffBack => self.wipe(),
            // The station around the kiosk opens the counter.
            Message::OpenCounter => {}
        }
        if self.banner == Some(Banner::FixAbove) && self.form.problems.is_empty() {
            self.banner = None;
        }
        let scroll = match self.scroll_to.take() {
            Some(y) => iced::widget::operation::snap_to(
                FORM_SCROLL,
                iced::widget::operation::RelativeOffset { x: 0.0, y },
            ),
            None => Task::none(),
        };
        match self.take_store_check() {
            Some(ask) => Task::batch([scroll, ask]),
            None => scroll,
        }
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
        self.form.wipe();
        self.found = None;
        self.thanks_name.clear();
        self.focus = None;
        self.banner = None;
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

    pub(crate) fn begin(&mut self) {
        self.form.wipe();
        self.found = None;
        self.focus = None;
        self.banner = None;
    }

    fn go_to(&mut self, step: Step) {
        self.focus = None;
        self.screen = Screen::Step(step);
        self.scroll_to = Some(0.0);
    }

    /// Roughly where a step's first problem sits, so the form can scroll to it.
    fn first_problem(&self, step: Step) -> f32 {
        let fraction = |i: usize, n: usize| i as f32 / n.max(1) as f32;
        let first = self.form.problems.keys().next().copied();
        match (step, first) {
            (Step::About, Some(Spot::Input(Input::Profile(f)))) => fraction(
                ABOUT_FIELDS.iter().position(|a| *a == f).unwrap_or(0),
                ABOUT_FIELDS.len(),
            ),
            (Step::Address, Some(Spot::Input(Input::Profile(f)))) => fraction(
                ADDRESS_FIELDS.iter().position(|a| *a == f).unwrap_or(0),
                ADDRESS_FIELDS.len(),
            ),
            (Step::Health, Some(Spot::Question(i) | Spot::Input(Input::HealthDetails(i)))) => {
                fraction(i, self.settings.questions.len())
            }
            (Step::Release, Some(Spot::Clause(i) | Spot::Input(Input::Initials(i)))) => {
                fraction(i, self.settings.template.clauses.len() + 1)
            }
            (Step::Release | Step::Signature, Some(Spot::Input(_) | Spot::GuardianPad)) => 1.0,
            _ => 0.0,
        }
    }

    fn find(&mut self) {
        let today = self.today();
        let bad = [Input::LookupPhone, Input::LookupBirthdate]
            .into_iter()
            .filter(|i| self.form.check(*i, self.lang, today).is_some())
            .count();
        if bad > 0 {
            return;
        }
        let phone = self.form.value(Input::LookupPhone).to_owned();
        let found = self
            .form
            .date(Input::LookupBirthdate, self.lang)
            .map(|date| release::find_returning(self.db.conn(), &phone, date));
        self.form.set(Input::LookupPhone, "");
        self.form.set(Input::LookupBirthdate, "");
        self.focus = None;
        match found {
            Some(Ok(Some(r))) => {
                self.found = Some(r);
                self.screen = Screen::Match;
            }
            Some(Err(e)) => {
                tracing::error!("returning-customer lookup failed: {e}");
                self.screen = Screen::NoMatch;
            }
            _ => self.screen = Screen::NoMatch,
        }
    }

    fn this_is_me(&mut self, yes: bool) {
        match self.found.take() {
            Some(r) if yes => {
                self.form.prefill(&r, self.lang);
                if let Err(e) = audit::record(
                    self.db.conn(),
                    &format!("kiosk:{}", self.options.device),
                    "kiosk.recognised",
                    Some(r.id),
                    "returning customer confirmed by phone and birthdate",
                ) {
                    tracing::error!("could not audit a kiosk recognition: {e}");
                }
                self.banner = Some(Banner::HealthAgain);
            }
            _ => self.form.wipe(),
        }
        self.go_to(Step::About);
    }

    fn focus(&mut self, input: Option<Input>) {
        if let Some(old) = self.focus
            && Some(old) != input
            && old != Input::Pin
        {
            let today = self.today();
            self.form.check(old, self.lang, today);
        }
        self.focus = input;
        self.key_page = KeyPage::Letters;
        self.shift = input.is_some_and(|i| i.capitalised() && self.form.value(i).is_empty());
    }

    fn key(&mut self, key: Key) {
        let Some(input) = self.focus else {
            return;
        };
        match key {
            Key::Char(c) => {
                let c = if self.shift {
                    c.to_uppercase().next().unwrap_or(c)
                } else {
                    c
                };
                self.form.push(input, c);
                self.shift = false;
            }
            Key::Space => {
                self.form.push(input, ' ');
                self.shift = input.capitalised();
            }
            Key::Backspace => {
                self.form.backspace(input);
                self.shift = input.capitalised() && self.form.value(input).is_empty();
            }
            Key::Shift => self.shift = !self.shift,
            Key::Page(page) => self.key_page = page,
            Key::Done => {
                if input == Input::Pin {
                    self.pin_entered();
                } else {
                    self.focus(None);
                }
            }
        }
    }

    fn hardware(&mut self, key: &keyboard::Key, text: Option<&str>) {
        use keyboard::key::Named;
        match key {
            keyboard::Key::Named(Named::Backspace) => self.key(Key::Backspace),
            keyboard::Key::Named(Named::Enter | Named::Tab) => self.key(Key::Done),
            keyboard::Key::Named(Named::Escape) => {}
            _ => {
                if let Some(input) = self.focus {
                    for c in text.unwrap_or_default().chars().filter(|c| !c.is_control()) {
                        self.form.push(input, c);
                    }
                    self.shift = false;
                }
            }
        }
    }

    fn stroke(&mut self, id: PadId, event: PadEvent) {
        let pad = match id {
            PadId::Customer => &mut self.form.customer_pad,
            PadId::Guardian => &mut self.form.guardian_pad,
        };
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
            PadEvent::End => {}
        }
        let spot = match id {
            PadId::Customer => Spot::CustomerPad,
            PadId::Guardian => Spot::GuardianPad,
        };
        self.form.problems.remove(&spot);
    }

    /// Checks a step's answers; every problem shows at its field.
    pub fn check_step(&mut self, step: Step) -> bool {
        let today = self.today();
        let lang = self.lang;
        let mut inputs: Vec<Input> = Vec::new();
        let mut ok = true;
        match step {
            Step::About => inputs.extend(ABOUT_FIELDS.map(Input::Profile)),
            Step::Address => inputs.extend(ADDRESS_FIELDS.map(Input::Profile)),
            Step::Contacts => inputs.extend(CONTACT_INPUTS),
            Step::Health => {
                for (i, q) in self.settings.questions.iter().enumerate() {
                    match self.form.health[i] {
                        None => {
                            self.form
                                .problems
                                .insert(Spot::Question(i), Problem::Answer);
                            ok = false;
                        }
                        Some(true) if q.details == Details::Required => {
                            let value = self.form.value(Input::HealthDetails(i)).trim().is_empty();
                            if value {
                                self.form
                                    .problems
                                    .insert(Spot::Input(Input::HealthDetails(i)), Problem::Details);
                                ok = false;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Step::Release => {
                for (i, c) in self.settings.template.clauses.iter().enumerate() {
                    match c.confirm {
                        Confirm::Initials => inputs.push(Input::Initials(i)),
                        Confirm::Tick if !self.form.ticks[i] => {
                            self.form.problems.insert(Spot::Clause(i), Problem::Tick);
                            ok = false;
                        }
                        Confirm::Tick => {}
                    }
                }
                if self.is_minor() {
                    inputs.extend([Input::GuardianName, Input::GuardianRelation]);
                }
            }
            Step::Signature => {
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
            }
            Step::Review => {}
        }
        for input in inputs {
            if self.form.check(input, lang, today).is_some() {
                ok = false;
            }
        }
        ok
    }

    fn next(&mut self) {
        let Screen::Step(step) = self.screen else {
            return;
        };
        self.focus(None);
        if !self.check_step(step) {
            self.banner = Some(Banner::FixAbove);
            self.scroll_to = Some(self.first_problem(step));
            return;
        }
        self.banner = None;
        if let Some(next) = step.next() {
            self.go_to(next);
        }
    }

    fn back(&mut self) {
        self.banner = None;
        self.focus = None;
        self.screen = match self.screen {
            Screen::Step(step) => match step.previous() {
                Some(previous) => Screen::Step(previous),
                None => Screen::Returning,
            },
            Screen::Lookup | Screen::NoMatch | Screen::Match => {
                self.found = None;
                Screen::Returning
            }
            Screen::Returning => Screen::Welcome,
            other => other,
        };
    }

    fn submit(&mut self) {
        // Every step again: nothing incomplete goes in, whatever path led here.
        for step in Step::ALL {
            if !self.check_step(step) {
                self.banner = Some(Banner::FixAbove);
                self.go_to(step);
                return;
            }
        }
        let minor = self.is_minor();
        let registration = self.form.registration(&self.settings, self.lang, minor);
        let signing = Signing::new(&self.options.device, &self.settings, &self.template_ref);
        match release::submit(&mut self.db, &registration, &signing) {
            Ok(done) => {
                tracing::info!(release = %done.release, "release signed");
                self.thanks_name = registration
                    .profile
                    .get(Field::Nickname)
                    .or(registration.profile.get(Field::FirstName))
                    .unwrap_or_default()
                    .to_owned();
                self.form.wipe();
                self.banner = None;
                self.focus = None;
                self.screen = Screen::Thanks;
                // Fold the WAL back while the customer reads the thank-you, so SQLite's
                // automatic checkpoint rarely lands inside the next customer's submit.
                if let Err(e) =
                    self.db
                        .conn()
                        .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                {
                    tracing::warn!("checkpoint after submit: {e}");
                }
            }
            Err(e) => {
                // The form stays as it is: the customer or staff can try again.
                tracing::error!("could not save a registration: {e}");
                self.banner = Some(Banner::SaveFailed);
            }
        }
    }

    pub fn subscription(&self) -> iced::Subscription<Message> {
        let mut subs = vec![
            iced::time::every(Duration::from_secs(1)).map(Message::Tick),
            iced::event::listen_with(|event, _status, _window| match event {
                iced::Event::Keyboard(keyboard::Event::KeyPressed { key, text, .. }) => {
                    Some(Message::Hardware(key, text.map(|t| t.to_string())))
                }
                iced::Event::Window(window::Event::Resized(size)) => Some(Message::Resized(size)),
                _ => None,
            }),
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

    /// The keyboard layout for the focused input.
    pub fn layout(&self) -> Option<Layout> {
        self.focus.map(Input::layout)
    }
}
