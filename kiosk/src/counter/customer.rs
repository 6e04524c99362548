//! The customer card: who they are (a minor marked with their age and guardian), the
//! Safety Panel, sessions, notes, emergency and doctor contacts, and signed releases.

use std::collections::BTreeSet;

use chrono::{Local, Utc};
use iced::widget::{column, container, row, scrollable, text};
use iced::{Alignment, Element, Fill};
use intake_common::counter;
use intake_common::customer::{Contact, ContactKind, Field};
use intake_common::customers::{self, Detail, MedicalView};
use intake_common::release::Summary;
use intake_common::{Op, release};
use uuid::Uuid;

use super::check_ins::{Minor, minor, minor_words};
use super::typing::{Input, Part};
use super::widgets::{field, local_time, small_action};
use super::words::{CounterMsg, Words, v};
use super::{Counter, Message, Notice};
use crate::drag::drag;
use crate::theme;

/// A contact as it is being edited.
#[derive(Debug, Clone, Default)]
pub(super) struct ContactForm {
    pub name: String,
    pub phone: String,
    pub relation: String,
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
pub(super) struct Open {
    pub detail: Box<Detail>,
    /// Flags or medical records: the panel opened by itself and needs acknowledging.
    pub needs_ack: bool,
    pub acknowledged: bool,
    pub last_ack: Option<counter::Acknowledgement>,
    /// Their signed releases, newest first, with what this device knows of each.
    pub releases: Vec<(Summary, Option<release::Facts>)>,
    pub minor: Option<Minor>,
    /// The Safety Panel's medical lines whose earlier answers are shown.
    pub expanded: BTreeSet<usize>,
    pub note: String,
    pub emergency: ContactForm,
    pub physician: ContactForm,
    pub session: String,
}

impl Open {
    pub(super) fn contact(&self, kind: ContactKind) -> &ContactForm {
        match kind {
            ContactKind::Emergency => &self.emergency,
            ContactKind::Physician => &self.physician,
        }
    }
}

impl Counter {
    pub(super) fn open(&mut self, id: Uuid) {
        let Some(actor) = &self.actor else { return };
        // Every opening with medical:customer is a view of medical details: audited.
        let detail = match customers::detail(&self.db, actor, id) {
            Ok(d) => d,
            Err(e) => return self.problem(&e),
        };
        let releases = match release::list_with_facts(&self.db, actor, detail.customer.id, 50) {
            Ok(r) => r,
            Err(e) => return self.problem(&e),
        };
        let medical = match &detail.medical {
            MedicalView::Details(list) => list.len() as i64,
            MedicalView::Count { count } => *count,
        };
        let needs_ack = !detail.flags.is_empty() || medical > 0;
        let last_ack = counter::last_acknowledgement(self.db.conn(), id).unwrap_or(None);
        let guardian = releases
            .first()
            .and_then(|(_, f)| f.as_ref())
            .and_then(|f| f.guardian.as_ref());
        let minor = minor(
            detail.customer.profile.get(Field::Birthdate),
            guardian,
            Local::now().date_naive(),
            self.shop.adult_age,
        );
        self.notice = None;
        self.open = Some(Open {
            emergency: ContactForm::from(detail.emergency_contact.as_ref()),
            physician: ContactForm::from(detail.physician_contact.as_ref()),
            detail: Box::new(detail),
            needs_ack,
            acknowledged: false,
            last_ack,
            releases,
            minor,
            expanded: BTreeSet::new(),
            note: String::new(),
            session: String::new(),
        });
    }

    /// Reads the open customer again after a change.
    pub(super) fn reload(&mut self) {
        let Some(open) = self.open.take() else { return };
        let id = open.detail.customer.id;
        self.open(id);
        if let Some(o) = &mut self.open {
            o.acknowledged = open.acknowledged;
            o.expanded = open.expanded;
        }
        self.seen_version = None;
        self.refresh_check_ins();
    }

    pub(super) fn with_open(&mut self, f: impl FnOnce(&mut Open)) {
        if let Some(o) = &mut self.open {
            f(o);
        }
    }

    pub(super) fn with_contact(&mut self, kind: ContactKind, f: impl FnOnce(&mut ContactForm)) {
        self.with_open(|o| {
            f(match kind {
                ContactKind::Emergency => &mut o.emergency,
                ContactKind::Physician => &mut o.physician,
            })
        });
    }

    pub(super) fn add_note(&mut self) {
        let Some(o) = &self.open else { return };
        let body = o.note.trim().to_string();
        if body.is_empty() {
            self.notice = Some(Notice::problem(CounterMsg::NoteEmpty));
            return;
        }
        let op = Op::AddNote {
            customer: o.detail.customer.id,
            id: Uuid::now_v7(),
            body,
        };
        self.act(op, CounterMsg::NoteAdded);
    }

    pub(super) fn save_contact(&mut self, kind: ContactKind) {
        let Some(o) = &self.open else { return };
        let form = o.contact(kind);
        let name = form.name.trim().to_string();
        if name.is_empty() {
            self.notice = Some(Notice::problem(CounterMsg::ContactNoName));
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
                    self.notice = Some(Notice::problem(CounterMsg::ContactBadPhone).with(e));
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
        self.act(op, CounterMsg::ContactSaved);
    }

    /// A session waits for the Safety Panel to be acknowledged and for what it is.
    fn may_start_session(o: &Open) -> bool {
        (!o.needs_ack || o.acknowledged) && !o.session.trim().is_empty()
    }

    pub(super) fn start_session(&mut self) {
        let Some(o) = &self.open else { return };
        if o.needs_ack && !o.acknowledged {
            self.notice = Some(Notice::problem(CounterMsg::ReadFirst));
            return;
        }
        let description = o.session.trim().to_string();
        if description.is_empty() {
            self.notice = Some(Notice::problem(CounterMsg::SessionNoWhat));
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
        if self.act(op, CounterMsg::SessionStarted) {
            self.with_open(|o| o.session.clear());
        }
    }

    pub(super) fn end_session(&mut self, id: Uuid) {
        if let Some(customer) = self.open_customer() {
            let op = Op::EndService {
                customer,
                id,
                ended_at: Utc::now(),
            };
            self.act(op, CounterMsg::SessionEnded);
        }
    }

    pub(super) fn customer_view<'a>(&'a self, w: Words<'a>, o: &'a Open) -> Element<'a, Message> {
        let p = &o.detail.customer.profile;
        let mut facts = vec![
            p.get(Field::PhoneNumber).unwrap_or_default().to_string(),
            p.get(Field::Email).unwrap_or_default().to_string(),
        ];
        if let Some(b) = p.get(Field::Birthdate) {
            facts.push(w.with(CounterMsg::Born, &[v(b)]).into_owned());
        }
        facts.retain(|f| !f.is_empty());
        let mut page = column![
            row![
                small_action(w.get(CounterMsg::Back), Some(Message::Back)).style(theme::secondary),
                text(p.display_name()).size(theme::HEADING_SIZE),
            ]
            .spacing(16)
            .align_y(Alignment::Center),
            text(facts.join("   "))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
        ]
        .spacing(12);
        if let Some(m) = &o.minor {
            page = page.push(
                text(minor_words(w, m))
                    .size(theme::BODY_SIZE)
                    .style(theme::accent),
            );
        }
        page = page.push(self.safety_panel(w, o));
        // The session right under the panel it depends on; then notes, contacts, releases.
        let focus = self.focus;
        page = page.push(card(sessions(w, o, focus)));
        page = page.push(card(notes(w, o, focus)));
        page = page.push(contact_editor(w, ContactKind::Emergency, o, focus));
        page = page.push(contact_editor(w, ContactKind::Physician, o, focus));
        page = page.push(card(self.releases_view(w, o)));
        drag(scrollable(page.padding([4, 18])).height(Fill)).into()
    }
}

pub(super) fn card(content: iced::widget::Column<'_, Message>) -> Element<'_, Message> {
    container(content)
        .padding(12)
        .style(theme::panel)
        .width(Fill)
        .into()
}

fn sessions<'a>(
    w: Words<'a>,
    o: &'a Open,
    focus: Option<Input>,
) -> iced::widget::Column<'a, Message> {
    let mut list = column![text(w.get(CounterMsg::Sessions)).size(theme::BODY_SIZE)].spacing(8);
    for s in &o.detail.services {
        let artist = s.artist.as_deref().unwrap_or("—");
        let start = local_time(&s.started_at);
        let words = match &s.ended_at {
            Some(end) => w.with(
                CounterMsg::SessionDone,
                &[
                    v(s.description.as_str()),
                    v(artist),
                    v(start),
                    v(local_time(end)),
                ],
            ),
            None => w.with(
                CounterMsg::SessionOpen,
                &[v(s.description.as_str()), v(artist), v(start)],
            ),
        };
        let mut line = row![text(words).size(theme::LABEL_SIZE).width(Fill)]
            .spacing(8)
            .align_y(Alignment::Center);
        if s.ended_at.is_none() {
            line = line.push(
                small_action(
                    w.get(CounterMsg::EndSession),
                    Some(Message::EndSession(s.id)),
                )
                .style(theme::secondary),
            );
        }
        list = list.push(line);
    }
    let ready = Counter::may_start_session(o);
    list = list.push(
        row![
            field(
                w.get(CounterMsg::SessionHint),
                &o.session,
                Input::Session,
                focus == Some(Input::Session)
            ),
            small_action(
                w.get(CounterMsg::StartSession),
                ready.then_some(Message::StartSession)
            )
            .style(theme::primary),
        ]
        .spacing(8)
        .align_y(Alignment::Center),
    );
    if o.needs_ack && !o.acknowledged {
        list = list.push(
            text(w.get(CounterMsg::ReadFirst))
                .size(theme::LABEL_SIZE)
                .style(theme::warning),
        );
    }
    list
}

fn notes<'a>(w: Words<'a>, o: &'a Open, focus: Option<Input>) -> iced::widget::Column<'a, Message> {
    let mut list = column![text(w.get(CounterMsg::Notes)).size(theme::BODY_SIZE)].spacing(8);
    for n in &o.detail.notes {
        list = list.push(
            text(w.with(
                CounterMsg::NoteLine,
                &[
                    v(n.body.as_str()),
                    v(n.author.as_str()),
                    v(local_time(&n.created_at)),
                ],
            ))
            .size(theme::LABEL_SIZE),
        );
    }
    let written = !o.note.trim().is_empty();
    list.push(
        row![
            field(
                w.get(CounterMsg::NoteHint),
                &o.note,
                Input::Note,
                focus == Some(Input::Note)
            ),
            small_action(
                w.get(CounterMsg::AddNote),
                written.then_some(Message::AddNote)
            )
            .style(theme::primary),
        ]
        .spacing(8)
        .align_y(Alignment::Center),
    )
}

fn contact_editor<'a>(
    w: Words<'a>,
    kind: ContactKind,
    o: &'a Open,
    focus: Option<Input>,
) -> Element<'a, Message> {
    let f = o.contact(kind);
    let input = |part: Part, hint, value: &'a str| {
        let input = Input::Contact(kind, part);
        field(w.get(hint), value, input, focus == Some(input))
    };
    let (title, relation, save) = match kind {
        ContactKind::Emergency => (
            CounterMsg::Emergency,
            CounterMsg::Relationship,
            CounterMsg::SaveEmergency,
        ),
        ContactKind::Physician => (
            CounterMsg::Physician,
            CounterMsg::Practice,
            CounterMsg::SavePhysician,
        ),
    };
    card(
        column![
            text(w.get(title)).size(theme::BODY_SIZE),
            row![
                input(Part::Name, CounterMsg::ContactName, &f.name),
                input(Part::Phone, CounterMsg::ContactPhone, &f.phone),
                input(Part::Relation, relation, &f.relation),
            ]
            .spacing(8),
            small_action(w.get(save), Some(Message::SaveContact(kind))).style(theme::secondary),
        ]
        .spacing(8),
    )
}
