//! The staff counter display: today's check-ins as they arrive, customer search, and the
//! customer detail with the Safety Panel (seed 002). It reads and writes only the local
//! database; `intake-agent run` carries the changes to and from the store.
//!
//! Staff sign in with their PIN; what they see follows their permissions. The panel opens
//! by itself when a customer has flags or medical records, and a session cannot start
//! until it is acknowledged; the acknowledgement is recorded (and syncs).

use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use intake_common::counter::{self, CheckIn};
use intake_common::customer::{Contact, ContactKind, Customer};
use intake_common::customers::{self, Detail, MedicalView};
use intake_common::{Actor, Db, Error, Op, users};
use uuid::Uuid;

use crate::clock::WallClock;

mod view;
pub use view::{local_time, sync_words};

/// Staff are signed out after this long without a touch.
pub const IDLE_SIGN_OUT: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone)]
pub enum Message {
    Tick(Instant),
    PinDigit(char),
    PinBackspace,
    PinSubmit,
    SignOut,
    Query(String),
    Open(Uuid),
    Back,
    Acknowledge,
    NoteText(String),
    AddNote,
    ContactName(ContactKind, String),
    ContactPhone(ContactKind, String),
    ContactRelation(ContactKind, String),
    SaveContact(ContactKind),
    SessionText(String),
    StartSession,
    EndSession(Uuid),
}

/// A contact as it is being edited.
#[derive(Debug, Clone, Default)]
struct ContactForm {
    name: String,
    phone: String,
    relation: String,
}

impl ContactForm {
    fn from(contact: Option<&Contact>) -> Self {
        contact.map_or_else(Self::default, |c| Self {
            name: c.name.clone(),
            phone: c.phone.clone().unwrap_or_default(),
            relation: c.relation.clone().unwrap_or_default(),
        })
    }
}

/// An open customer.
#[derive(Debug)]
struct Open {
    detail: Box<Detail>,
    /// Flags or medical records: the panel opened by itself and needs acknowledging.
    needs_ack: bool,
    acknowledged: bool,
    last_ack: Option<counter::Acknowledgement>,
    note: String,
    emergency: ContactForm,
    physician: ContactForm,
    session: String,
}

#[derive(Debug)]
pub struct Counter {
    db: Db,
    device: String,
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
    results: Vec<Customer>,
    open: Option<Open>,
    status: Option<intake_common::sync::Status>,
    /// What the last action said: (is it a problem, the words).
    notice: Option<(bool, String)>,
}

impl Counter {
    pub fn new(db: Db, device: impl Into<String>) -> Self {
        let now = Instant::now();
        let mut c = Self {
            db,
            device: device.into(),
            actor: None,
            pin: String::new(),
            locked_until: None,
            now,
            clock: WallClock::new(now),
            last_touch: now,
            check_ins: Vec::new(),
            seen_version: None,
            query: String::new(),
            results: Vec::new(),
            open: None,
            status: None,
            notice: None,
        };
        c.refresh_status();
        c.refresh_lock();
        c
    }

    /// The wall-clock time the pad's lock is kept in (see [`WallClock`]).
    pub fn wall(&self) -> DateTime<Utc> {
        self.clock.at(self.now)
    }

    /// The pad's device name, as its throttle and audit rows know it.
    fn pad(&self) -> String {
        format!("counter:{}", self.device)
    }

    /// Reads the pad's lock from the database.
    fn refresh_lock(&mut self) {
        match users::pinpad_locked_until(self.db.conn(), &self.pad(), self.wall()) {
            Ok(until) => self.locked_until = until,
            Err(e) => tracing::warn!(error = %e, "cannot read the PIN pad's lock"),
        }
    }

    pub fn signed_in(&self) -> Option<&Actor> {
        self.actor.as_ref()
    }

    /// Signs `actor` in directly (staff who already gave their PIN at the kiosk's menu).
    pub fn sign_in_as(&mut self, actor: Actor) {
        self.actor = Some(actor);
        self.last_touch = self.now;
        self.seen_version = None;
        self.refresh_check_ins();
    }

    pub fn check_ins(&self) -> &[CheckIn] {
        &self.check_ins
    }

    pub fn notice(&self) -> Option<&str> {
        self.notice.as_ref().map(|(_, m)| m.as_str())
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
            Message::Tick(_) => {}
            Message::PinDigit(d) => {
                if self.pin.len() < 12 {
                    self.pin.push(d);
                }
            }
            Message::PinBackspace => {
                self.pin.pop();
            }
            Message::PinSubmit => self.submit_pin(),
            Message::SignOut => self.sign_out(),
            Message::Query(q) => {
                self.query = q;
                self.search();
            }
            Message::Open(id) => self.open(id),
            Message::Back => {
                self.open = None;
                self.notice = None;
            }
            Message::Acknowledge => self.acknowledge(),
            Message::NoteText(t) => self.with_open(|o| o.note = t),
            Message::AddNote => self.add_note(),
            Message::ContactName(k, v) => self.with_contact(k, |f| f.name = v),
            Message::ContactPhone(k, v) => self.with_contact(k, |f| f.phone = v),
            Message::ContactRelation(k, v) => self.with_contact(k, |f| f.relation = v),
            Message::SaveContact(k) => self.save_contact(k),
            Message::SessionText(t) => self.with_open(|o| o.session = t),
            Message::StartSession => self.start_session(),
            Message::EndSession(id) => {
                if let Some(customer) = self.open_customer() {
                    let op = Op::EndService {
                        customer,
                        id,
                        ended_at: Utc::now(),
                    };
                    self.act(op, "Session ended.");
                }
            }
        }
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

    fn refresh_check_ins(&mut self) {
        let Some(actor) = &self.actor else {
            return;
        };
        let version: Option<i64> = self
            .db
            .conn()
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .ok();
        // data_version moves when another connection commits; this one's own writes
        // reset `seen_version` themselves.
        if version.is_some() && version == self.seen_version {
            return;
        }
        let today = Local::now().date_naive();
        let (Some(from), Some(to)) = (
            local_midnight(today),
            today.succ_opt().and_then(local_midnight),
        ) else {
            return;
        };
        match counter::check_ins(&self.db, actor, from, to) {
            Ok(list) => {
                self.check_ins = list;
                self.seen_version = version;
            }
            Err(e) => self.problem(&e),
        }
    }

    fn submit_pin(&mut self) {
        if self.locked_until.is_some() {
            return;
        }
        let pin = std::mem::take(&mut self.pin);
        match users::sign_in_by_pin_at(&self.db, &pin, &self.pad(), self.wall()) {
            Ok(actor) => {
                tracing::info!(user = %actor.name, "signed in at the counter");
                self.notice = None;
                self.sign_in_as(actor);
            }
            Err(Error::BadCredentials) => {
                self.notice = Some((true, "That PIN is not right.".into()));
            }
            Err(Error::Throttled { .. }) => {
                self.refresh_lock();
                self.notice = Some((true, "Too many wrong PINs. Try again in a minute.".into()));
            }
            Err(e) => self.problem(&e),
        }
    }

    fn sign_out(&mut self) {
        self.actor = None;
        self.pin.clear();
        self.open = None;
        self.results.clear();
        self.query.clear();
        self.check_ins.clear();
        self.notice = None;
    }

    fn search(&mut self) {
        let Some(actor) = &self.actor else { return };
        match counter::search(&self.db, actor, &self.query, 30) {
            Ok(found) => self.results = found,
            Err(e) => self.problem(&e),
        }
    }

    fn open(&mut self, id: Uuid) {
        let Some(actor) = &self.actor else { return };
        // Every opening with medical:customer is a view of medical details: audited.
        let detail = match customers::detail(&self.db, actor, id) {
            Ok(d) => d,
            Err(e) => return self.problem(&e),
        };
        let medical = match &detail.medical {
            MedicalView::Details(list) => list.len() as i64,
            MedicalView::Count { count } => *count,
        };
        let needs_ack = !detail.flags.is_empty() || medical > 0;
        let last_ack = counter::last_acknowledgement(self.db.conn(), id).unwrap_or(None);
        self.notice = None;
        self.open = Some(Open {
            emergency: ContactForm::from(detail.emergency_contact.as_ref()),
            physician: ContactForm::from(detail.physician_contact.as_ref()),
            detail: Box::new(detail),
            needs_ack,
            acknowledged: false,
            last_ack,
            note: String::new(),
            session: String::new(),
        });
    }

    /// Reads the open customer again after a change.
    fn reload(&mut self) {
        let Some(open) = self.open.take() else { return };
        let id = open.detail.customer.id;
        let acknowledged = open.acknowledged;
        self.open(id);
        if let Some(o) = &mut self.open {
            o.acknowledged = acknowledged;
        }
        self.seen_version = None;
        self.refresh_check_ins();
    }

    fn with_open(&mut self, f: impl FnOnce(&mut Open)) {
        if let Some(o) = &mut self.open {
            f(o);
        }
    }

    fn with_contact(&mut self, kind: ContactKind, f: impl FnOnce(&mut ContactForm)) {
        self.with_open(|o| {
            f(match kind {
                ContactKind::Emergency => &mut o.emergency,
                ContactKind::Physician => &mut o.physician,
            })
        });
    }

    fn act(&mut self, op: Op, done: &str) -> bool {
        let Some(actor) = self.actor.clone() else {
            return false;
        };
        match counter::act(&mut self.db, &actor, op) {
            Ok(_) => {
                self.reload();
                self.notice = Some((false, done.into()));
                true
            }
            Err(e) => {
                self.problem(&e);
                false
            }
        }
    }

    fn acknowledge(&mut self) {
        let Some(o) = &self.open else { return };
        let medical = match &o.detail.medical {
            MedicalView::Details(list) => list.len() as u32,
            MedicalView::Count { count } => u32::try_from(*count).unwrap_or(u32::MAX),
        };
        let op = Op::AcknowledgeSafety {
            customer: o.detail.customer.id,
            id: Uuid::now_v7(),
            flags: u32::try_from(o.detail.flags.len()).unwrap_or(u32::MAX),
            medical,
        };
        if self.act(op, "Safety Panel acknowledged.") {
            self.with_open(|o| o.acknowledged = true);
        }
    }

    fn add_note(&mut self) {
        let Some(o) = &self.open else { return };
        let body = o.note.trim().to_string();
        if body.is_empty() {
            self.notice = Some((true, "Write the note first.".into()));
            return;
        }
        let op = Op::AddNote {
            customer: o.detail.customer.id,
            id: Uuid::now_v7(),
            body,
        };
        self.act(op, "Note added.");
    }

    fn save_contact(&mut self, kind: ContactKind) {
        let Some(o) = &self.open else { return };
        let form = match kind {
            ContactKind::Emergency => &o.emergency,
            ContactKind::Physician => &o.physician,
        };
        let name = form.name.trim().to_string();
        if name.is_empty() {
            self.notice = Some((true, "The contact needs a name.".into()));
            return;
        }
        let phone = match form.phone.trim() {
            "" => None,
            raw => match intake_common::phone_keys::region(self.db.conn())
                .map_err(|e| e.to_string())
                .and_then(|region| intake_common::normalize::phone(raw, region))
            {
                Ok(p) => Some(p),
                Err(e) => {
                    self.notice = Some((true, format!("Phone: {e}")));
                    return;
                }
            },
        };
        let relation = Some(form.relation.trim().to_string()).filter(|r| !r.is_empty());
        let op = Op::SetContact {
            customer: o.detail.customer.id,
            contact: Contact {
                kind,
                name,
                phone,
                relation,
            },
        };
        self.act(op, "Contact saved.");
    }

    fn start_session(&mut self) {
        let Some(o) = &self.open else { return };
        if o.needs_ack && !o.acknowledged {
            self.notice = Some((
                true,
                "Read and acknowledge the Safety Panel before starting a session.".into(),
            ));
            return;
        }
        let description = o.session.trim().to_string();
        if description.is_empty() {
            self.notice = Some((true, "Say what the session is, e.g. forearm tattoo.".into()));
            return;
        }
        let op = Op::RecordService {
            customer: o.detail.customer.id,
            id: Uuid::now_v7(),
            description,
            artist: self.actor.as_ref().map(|a| a.name.clone()),
            started_at: Utc::now(),
            ended_at: None,
        };
        if self.act(op, "Session started.") {
            self.with_open(|o| o.session.clear());
        }
    }

    fn problem(&mut self, e: &Error) {
        tracing::warn!(error = %e, "counter action failed");
        let words = match e {
            Error::Forbidden { permission, .. } => {
                format!("Your role does not allow that (it needs {permission}).")
            }
            other => other.to_string(),
        };
        self.notice = Some((true, words));
    }
}

fn local_midnight(day: chrono::NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(Local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}
