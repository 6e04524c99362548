//! The staff counter display: today's check-ins as they arrive, customer search, and the
//! customer card with the Safety Panel (seed 002) and the signed releases. It reads and
//! writes only the local database; `intake-agent run` carries the changes to and from the
//! store.
//!
//! Staff sign in with their PIN; what they see follows their permissions. The panel opens
//! by itself when a customer has flags or medical records, and a session cannot start
//! until it is acknowledged; the acknowledgement is recorded (and syncs).
//!
//! One module a page: [`sign_in`], [`check_ins`], [`search`], [`customer`] (the card),
//! [`safety`] (the Safety Panel) and [`releases`]; [`typing`] the on-screen keyboard the
//! inputs share; [`widgets`] holds what they share and [`words`] the counter's messages.
//! Every change goes through [`Counter::act`].

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use iced::widget::{column, container, row, space, text};
use iced::{Alignment, Element, Fill, Length, Subscription, keyboard};
use intake_common::counter::CheckIn;
use intake_common::customer::{ContactKind, Customer};
use intake_common::i18n::Tr;
use intake_common::settings::{Lang, Settings};
use intake_common::{Actor, Db, Error, Op};
use uuid::Uuid;

use crate::clock::WallClock;
use crate::keyboard::{Key, Keys};
use crate::theme;

mod check_ins;
mod customer;
pub mod releases;
mod safety;
mod search;
mod sign_in;
pub mod typing;
mod widgets;
pub mod words;

use customer::Open;
use typing::Input;
use widgets::small_action;
pub use widgets::{TOUCH_MIN, local_time, sync_words};
use words::{CounterMsg, Words, v};

/// Staff are signed out after this long without a touch.
pub const IDLE_SIGN_OUT: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
pub enum Message {
    Tick(Instant),
    Language(Lang),
    /// A tap on an input: it gets the on-screen keyboard.
    Focus(Input),
    /// A key of the on-screen keyboard, for the input that has it (the PIN when signed out).
    Key(Key),
    /// A key on a hardware keyboard.
    Hardware(keyboard::Key, Option<String>),
    SignOut,
    /// Leave the counter for the customer kiosk (when it was opened from the kiosk).
    Close,
    Open(Uuid),
    Back,
    Acknowledge,
    /// Show or hide the earlier answers of the Safety Panel's nth medical line.
    ToggleEarlier(usize),
    NoteText(String),
    AddNote,
    ContactName(ContactKind, String),
    ContactPhone(ContactKind, String),
    ContactRelation(ContactKind, String),
    SaveContact(ContactKind),
    SessionText(String),
    StartSession,
    EndSession(Uuid),
    OpenRelease(Uuid),
}

/// What the last action said: a message, and the value of its one placeholder if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    problem: bool,
    msg: CounterMsg,
    arg: Option<String>,
}

impl Notice {
    fn done(msg: CounterMsg) -> Self {
        Self {
            problem: false,
            msg,
            arg: None,
        }
    }

    fn problem(msg: CounterMsg) -> Self {
        Self {
            problem: true,
            msg,
            arg: None,
        }
    }

    fn with(mut self, arg: impl Into<String>) -> Self {
        self.arg = Some(arg.into());
        self
    }

    fn words(&self, w: Words<'_>) -> String {
        match &self.arg {
            Some(a) => w.with(self.msg, &[v(a.as_str())]).into_owned(),
            None => w.get(self.msg).into_owned(),
        }
    }
}

/// What the counter takes from the shop's settings.
#[derive(Debug, Clone)]
struct Shop {
    tr: Tr,
    languages: Vec<Lang>,
    name: String,
    logo: Option<Vec<u8>>,
    adult_age: u32,
}

#[derive(Debug)]
pub struct Counter {
    db: Db,
    device: String,
    shop: Shop,
    lang: Lang,
    /// Opened from the kiosk's staff menu: it offers the way back.
    from_kiosk: bool,
    actor: Option<Actor>,
    pin: String,
    /// The pad is locked until then (wrong PINs; kept in the database across restarts).
    locked_until: Option<DateTime<Utc>>,
    now: Instant,
    /// The wall clock the pad's lock is kept in.
    clock: WallClock,
    last_touch: Instant,
    check_ins: Vec<CheckIn>,
    /// SQLite's `data_version`: the check-ins are read again only when it moves.
    seen_version: Option<i64>,
    query: String,
    /// The input with the on-screen keyboard, once signed in.
    focus: Option<Input>,
    /// The keyboard's shift and page.
    keys: Keys,
    results: Vec<Customer>,
    open: Option<Open>,
    status: Option<intake_common::sync::Status>,
    notice: Option<Notice>,
    /// Where release PDFs are written for the viewer, and the viewer.
    pdf: releases::Viewer,
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.sign_out();
    }
}

impl Counter {
    /// A counter with the shipped settings.
    pub fn new(db: Db, device: impl Into<String>) -> Self {
        Self::with_settings(db, device, &Settings::defaults())
    }

    pub fn with_settings(db: Db, device: impl Into<String>, settings: &Settings) -> Self {
        let now = Instant::now();
        let shop = Shop {
            tr: settings.tr.clone(),
            languages: settings.shop.languages.clone(),
            name: settings.shop.name.clone(),
            logo: settings.logo.clone(),
            adult_age: settings.shop.adult_age,
        };
        let mut c = Self {
            db,
            device: device.into(),
            lang: shop.languages.first().copied().unwrap_or(Lang::En),
            shop,
            from_kiosk: false,
            actor: None,
            pin: String::new(),
            locked_until: None,
            now,
            clock: WallClock::new(now),
            last_touch: now,
            check_ins: Vec::new(),
            seen_version: None,
            query: String::new(),
            focus: None,
            keys: Keys::default(),
            results: Vec::new(),
            open: None,
            status: None,
            notice: None,
            pdf: releases::Viewer::system(),
        };
        c.refresh_status();
        c.refresh_lock();
        c
    }

    /// Marks the counter as opened from the kiosk's staff menu: it shows "Back to the kiosk".
    pub fn opened_from_kiosk(mut self) -> Self {
        self.from_kiosk = true;
        self
    }

    /// Where release PDFs go and what opens them (see [`releases::Viewer`]).
    pub fn set_viewer(&mut self, viewer: releases::Viewer) {
        self.pdf = viewer;
    }

    /// The words of the language chosen on the counter.
    pub fn words(&self) -> Words<'_> {
        Words::new(&self.shop.tr, self.lang)
    }

    /// The wall-clock time the pad's lock is kept in (see [`WallClock`]).
    pub fn wall(&self) -> DateTime<Utc> {
        self.clock.at(self.now)
    }

    pub fn signed_in(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    pub fn check_ins(&self) -> &[CheckIn] {
        &self.check_ins
    }

    /// What the last action said, in the counter's language.
    pub fn notice(&self) -> Option<String> {
        self.notice.as_ref().map(|n| n.words(self.words()))
    }

    /// The open customer's id, if one is open.
    pub fn open_customer(&self) -> Option<Uuid> {
        self.open.as_ref().map(|o| o.detail.customer.id)
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn update(&mut self, message: Message) {
        if let Message::Tick(now) = message {
            self.tick(now);
            return;
        }
        self.last_touch = self.now;
        match message {
            Message::Tick(_) | Message::Close => {}
            Message::Language(lang) => self.lang = lang,
            Message::Focus(input) => self.focus(Some(input)),
            Message::Key(key) => self.key(key),
            Message::Hardware(key, text) => self.hardware(&key, text.as_deref()),
            Message::SignOut => self.sign_out(),
            Message::Open(id) => self.open(id),
            Message::Back => {
                self.open = None;
                self.notice = None;
            }
            Message::Acknowledge => self.acknowledge(),
            Message::ToggleEarlier(n) => self.toggle_earlier(n),
            Message::NoteText(t) => self.with_open(|o| o.note = t),
            Message::AddNote => self.add_note(),
            Message::ContactName(k, v) => self.with_contact(k, |f| f.name = v),
            Message::ContactPhone(k, v) => self.with_contact(k, |f| f.phone = v),
            Message::ContactRelation(k, v) => self.with_contact(k, |f| f.relation = v),
            Message::SaveContact(k) => self.save_contact(k),
            Message::SessionText(t) => self.with_open(|o| o.session = t),
            Message::StartSession => self.start_session(),
            Message::EndSession(id) => self.end_session(id),
            Message::OpenRelease(id) => self.open_release(id),
        }
        self.keep_focus_on_page();
    }

    /// The clock (a tick a second) and the hardware keyboard.
    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            iced::time::every(Duration::from_secs(1)).map(Message::Tick),
            iced::event::listen_with(|event, _status, _window| match event {
                iced::Event::Keyboard(keyboard::Event::KeyPressed { key, text, .. }) => {
                    Some(Message::Hardware(key, text.map(|t| t.to_string())))
                }
                _ => None,
            }),
        ])
    }

    fn tick(&mut self, now: Instant) {
        self.now = now;
        if self.locked_until.is_some() || self.actor.is_none() {
            self.refresh_lock();
        }
        if self.actor.is_some() && now.duration_since(self.last_touch) >= IDLE_SIGN_OUT {
            tracing::info!("counter signed out after a quiet spell");
            self.sign_out();
        }
        self.refresh_status();
        self.refresh_check_ins();
    }

    fn refresh_status(&mut self) {
        match intake_common::sync::status(self.db.conn()) {
            Ok(s) => self.status = Some(s),
            Err(e) => tracing::warn!(error = %e, "cannot read the sync status"),
        }
    }

    /// Forgets everyone and everything personal: the signed-in user, the open customer,
    /// the search, the check-ins, and the release PDFs written for the viewer.
    fn sign_out(&mut self) {
        self.actor = None;
        self.pin.clear();
        self.open = None;
        self.results.clear();
        self.query.clear();
        self.focus(None);
        self.check_ins.clear();
        self.notice = None;
        self.pdf.remove_written();
    }

    /// The front door for every change made at the counter: checked against the signed-in
    /// user's permissions, submitted, then the open customer read again.
    fn act(&mut self, op: Op, done: CounterMsg) -> bool {
        let Some(actor) = self.actor.clone() else {
            return false;
        };
        match intake_common::counter::act(&mut self.db, &actor, op) {
            Ok(_) => {
                self.reload();
                self.notice = Some(Notice::done(done));
                true
            }
            Err(e) => {
                self.problem(&e);
                false
            }
        }
    }

    fn problem(&mut self, e: &Error) {
        tracing::warn!(error = %e, "counter action failed");
        self.notice = Some(match e {
            Error::Forbidden { .. } => Notice::problem(CounterMsg::NotAllowed),
            other => Notice::problem(CounterMsg::Failed).with(other.to_string()),
        });
    }

    pub fn view(&self) -> Element<'_, Message> {
        let w = self.words();
        let body: Element<'_, Message> = match &self.actor {
            None => self.sign_in_view(w),
            Some(_) => {
                let left = self.check_ins_view(w);
                let right = match &self.open {
                    Some(o) => self.customer_view(w, o),
                    None => self.search_view(w),
                };
                row![
                    container(left).width(Length::FillPortion(2)).height(Fill),
                    container(right).width(Length::FillPortion(3)).height(Fill),
                ]
                .spacing(16)
                .height(Fill)
                .into()
            }
        };
        let mut page = column![self.top_bar(w)];
        if let Some(n) = &self.notice {
            page = page.push(text(n.words(w)).size(theme::BODY_SIZE).style(if n.problem {
                theme::error
            } else {
                widgets::success
            }));
        }
        page = page.push(body);
        // While typing, the keys take the bottom of the screen and the body above shrinks:
        // nothing is covered, and the panel shows what is typed.
        if let Some(keys) = self.keyboard_panel(w) {
            page = page.push(keys);
        }
        container(page.spacing(12).padding(16))
            .width(Fill)
            .height(Fill)
            .style(theme::page)
            .into()
    }

    fn top_bar<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let mut bar = row![
            text(w.get(CounterMsg::Title)).size(theme::HEADING_SIZE),
            space().width(Fill),
            self.sync_line(w),
        ]
        .spacing(12)
        .align_y(Alignment::Center);
        if self.shop.languages.len() > 1 {
            for &lang in &self.shop.languages {
                let label = lang.code().to_uppercase();
                bar = bar.push(
                    small_action(label, Some(Message::Language(lang)))
                        .style(theme::choice(lang == self.lang)),
                );
            }
        }
        if let Some(actor) = &self.actor {
            bar = bar.push(
                text(w.with(
                    CounterMsg::SignedIn,
                    &[v(actor.name.as_str()), v(w.role(actor.role))],
                ))
                .size(theme::LABEL_SIZE),
            );
            bar = bar.push(
                small_action(w.get(CounterMsg::SignOut), Some(Message::SignOut))
                    .style(theme::secondary),
            );
        }
        if self.from_kiosk {
            bar = bar.push(
                small_action(w.get(CounterMsg::Close), Some(Message::Close))
                    .style(theme::secondary),
            );
        }
        bar.into()
    }

    /// The sync status, always on screen.
    fn sync_line<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let Some(s) = &self.status else {
            return text(w.get(CounterMsg::SyncUnknown))
                .size(theme::LABEL_SIZE)
                .into();
        };
        let (line, warn) = sync_words(w, s);
        text(line)
            .size(theme::LABEL_SIZE)
            .style(if warn { theme::warning } else { theme::muted })
            .into()
    }

    /// Where the PDFs opened at this counter are written (for tests and the README).
    pub fn pdf_dir(&self) -> PathBuf {
        self.pdf.dir().to_path_buf()
    }
}
