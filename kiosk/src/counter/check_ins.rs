//! Today's check-ins, newest first, read again whenever another process commits; minors
//! are marked with their age and their guardian.

use chrono::{DateTime, Local, NaiveDate, Utc};
use iced::widget::{button, column, container, row, scrollable, space, text};
use iced::{Alignment, Element, Fill};
use intake_common::counter::{self, CheckIn};

use super::widgets::local_time;
use super::words::{CounterMsg, Words, v};
use super::{Counter, Message};
use crate::drag::drag;
use crate::theme;

/// A minor: their age today and, from the release they signed, who signed with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minor {
    pub age: Option<u32>,
    pub guardian: Option<(String, String)>,
}

/// Whether a customer born on `birthdate` is a minor on `today` under the shop's age of
/// consent, or signed their newest release with a guardian.
pub fn minor(
    birthdate: Option<&str>,
    guardian: Option<&intake_common::release::GuardianName>,
    today: NaiveDate,
    adult_age: u32,
) -> Option<Minor> {
    let age = birthdate
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(|b| intake_common::release::age_on(b, today));
    let under_age = age.is_some_and(|a| a < adult_age);
    (under_age || guardian.is_some()).then(|| Minor {
        age,
        guardian: guardian.map(|g| (g.name.clone(), g.relationship.clone())),
    })
}

/// "Minor, 16 · Guardian: Maria Lee (mother)".
pub fn minor_words(w: Words<'_>, m: &Minor) -> String {
    let mut parts = Vec::new();
    if let Some(age) = m.age {
        parts.push(w.with(CounterMsg::Minor, &[v(age)]).into_owned());
    }
    if let Some((name, relationship)) = &m.guardian {
        parts.push(
            w.with(
                CounterMsg::Guardian,
                &[v(name.as_str()), v(relationship.as_str())],
            )
            .into_owned(),
        );
    }
    parts.join(" · ")
}

impl Counter {
    pub(super) fn refresh_check_ins(&mut self) {
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

    pub(super) fn check_in_minor(&self, c: &CheckIn) -> Option<Minor> {
        minor(
            c.birthdate.as_deref(),
            c.guardian.as_ref(),
            Local::now().date_naive(),
            self.shop.adult_age,
        )
    }

    pub(super) fn check_ins_view<'a>(&'a self, w: Words<'a>) -> Element<'a, Message> {
        let mut list = column![
            text(w.with(CounterMsg::CheckIns, &[v(self.check_ins.len())])).size(theme::BODY_SIZE)
        ]
        .spacing(8);
        if self.check_ins.is_empty() {
            list = list.push(
                text(w.get(CounterMsg::NoCheckIns))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
        }
        for c in &self.check_ins {
            list = list.push(self.check_in_line(w, c));
        }
        container(drag(scrollable(list).height(Fill)))
            .padding(12)
            .style(theme::panel)
            .height(Fill)
            .into()
    }

    fn check_in_line<'a>(&'a self, w: Words<'a>, c: &'a CheckIn) -> Element<'a, Message> {
        let mut marks = Vec::new();
        if c.flags > 0 {
            marks.push(w.with(CounterMsg::Flags, &[v(c.flags)]).into_owned());
        }
        if c.medical > 0 {
            marks.push(w.with(CounterMsg::Medical, &[v(c.medical)]).into_owned());
        }
        if c.acknowledged {
            marks.push(w.get(CounterMsg::Checked).into_owned());
        }
        let mut line = column![
            row![
                text(c.name.as_str()).size(theme::BODY_SIZE),
                space().width(Fill),
                text(local_time(&c.signed_at))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            ]
            .align_y(Alignment::Center),
        ];
        if let Some(m) = self.check_in_minor(c) {
            line = line.push(
                text(minor_words(w, &m))
                    .size(theme::LABEL_SIZE)
                    .style(theme::accent),
            );
        }
        if !marks.is_empty() {
            line = line.push(text(marks.join("   ")).size(theme::LABEL_SIZE).style(
                if (c.flags > 0 || c.medical > 0) && !c.acknowledged {
                    theme::warning
                } else {
                    theme::muted
                },
            ));
        }
        button(line)
            .width(Fill)
            .padding([12, 16])
            .on_press(Message::Open(c.customer))
            .style(theme::key)
            .into()
    }
}

fn local_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(Local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}
