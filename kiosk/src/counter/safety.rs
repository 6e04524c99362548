//! The Safety Panel: flags and medical answers, each with its date; a question answered
//! at several visits shows the latest answer with the earlier ones folded behind it. It
//! opens by itself when there is something to read, and staff acknowledge it.

use iced::widget::{column, container, text};
use iced::{Element, Fill};
use intake_common::Op;
use intake_common::customers::{MedicalRecord, MedicalView};
use uuid::Uuid;

use super::customer::Open;
use super::widgets::{action, local_date, local_time, small_action, success};
use super::words::{CounterMsg, Words, v};
use super::{Counter, Message};
use crate::theme;

/// The answers to one question (same kind, same name), newest first.
#[derive(Debug)]
pub struct History<'a> {
    pub latest: &'a MedicalRecord,
    pub earlier: Vec<&'a MedicalRecord>,
}

/// Groups medical records by what they answer, newest answer first; the groups are in the
/// order of their newest answers, newest first.
pub fn histories(records: &[MedicalRecord]) -> Vec<History<'_>> {
    let mut groups: Vec<(String, Vec<&MedicalRecord>)> = Vec::new();
    for r in records {
        let key = format!(
            "{}:{}",
            r.condition.kind,
            intake_common::normalize::search_key(&r.condition.name)
        );
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let mut out: Vec<History<'_>> = groups
        .into_iter()
        .filter_map(|(_, mut list)| {
            // Stored times are RFC 3339 in UTC: their text sorts in time order.
            list.sort_by(|a, b| b.recorded_at.cmp(&a.recorded_at));
            let (latest, earlier) = list.split_first()?;
            Some(History {
                latest,
                earlier: earlier.to_vec(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.latest.recorded_at.cmp(&a.latest.recorded_at));
    out
}

impl Counter {
    pub(super) fn acknowledge(&mut self) {
        let Some(o) = &self.open else { return };
        let medical = match &o.detail.medical {
            MedicalView::Details(list) => u32::try_from(list.len()).unwrap_or(u32::MAX),
            MedicalView::Count { count } => u32::try_from(*count).unwrap_or(u32::MAX),
        };
        let op = Op::AcknowledgeSafety {
            customer: o.detail.customer.id,
            id: Uuid::now_v7(),
            flags: u32::try_from(o.detail.flags.len()).unwrap_or(u32::MAX),
            medical,
        };
        if self.act(op, CounterMsg::ReadDone) {
            self.with_open(|o| o.acknowledged = true);
        }
    }

    pub(super) fn toggle_earlier(&mut self, n: usize) {
        self.with_open(|o| {
            if !o.expanded.remove(&n) {
                o.expanded.insert(n);
            }
        });
    }

    pub(super) fn safety_panel<'a>(&'a self, w: Words<'a>, o: &'a Open) -> Element<'a, Message> {
        let d = &o.detail;
        let mut panel = column![].spacing(8);
        if !o.needs_ack {
            panel = panel.push(
                text(w.get(CounterMsg::SafetyClear))
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
            return panel_box(panel);
        }
        panel = panel.push(
            text(w.get(CounterMsg::Safety))
                .size(theme::BODY_SIZE)
                .style(theme::warning),
        );
        for f in &d.flags {
            let note = f
                .note
                .as_deref()
                .map(|n| format!(" — {n}"))
                .unwrap_or_default();
            panel = panel.push(
                text(format!("⚑ {}{note}", f.kind))
                    .size(theme::BODY_SIZE)
                    .style(theme::error),
            );
        }
        match &d.medical {
            MedicalView::Details(list) => {
                for (n, h) in histories(list).into_iter().enumerate() {
                    panel = panel.push(medical_line(w, h.latest, theme::BODY_SIZE));
                    if h.earlier.is_empty() {
                        continue;
                    }
                    let open = o.expanded.contains(&n);
                    let label = if open {
                        w.get(CounterMsg::HideEarlier)
                    } else {
                        w.with(CounterMsg::Earlier, &[v(h.earlier.len())])
                    };
                    panel = panel.push(
                        small_action(label, Some(Message::ToggleEarlier(n)))
                            .style(theme::secondary),
                    );
                    if open {
                        for r in h.earlier {
                            panel = panel.push(
                                container(medical_line(w, r, theme::LABEL_SIZE)).padding([0, 24]),
                            );
                        }
                    }
                }
            }
            MedicalView::Count { count } if *count > 0 => {
                panel = panel.push(
                    text(w.with(CounterMsg::MedicalHidden, &[v(*count)])).size(theme::BODY_SIZE),
                );
            }
            MedicalView::Count { .. } => {}
        }
        if let Some(a) = &o.last_ack {
            panel = panel.push(
                text(w.with(
                    CounterMsg::LastRead,
                    &[v(a.by.as_str()), v(local_time(&a.at))],
                ))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            );
        }
        panel = panel.push(if o.acknowledged {
            Element::from(
                text(w.get(CounterMsg::Acknowledged))
                    .size(theme::BODY_SIZE)
                    .style(success),
            )
        } else {
            action(w.get(CounterMsg::Acknowledge), Some(Message::Acknowledge))
                .style(theme::primary)
                .into()
        });
        panel_box(panel)
    }
}

fn medical_line<'a>(w: Words<'a>, r: &'a MedicalRecord, size: f32) -> Element<'a, Message> {
    let c = &r.condition;
    let (kind, name, date) = (w.kind(c.kind), c.name.as_str(), local_date(&r.recorded_at));
    let words = match c.details.as_deref() {
        Some(details) => w.with(
            CounterMsg::MedicalDetails,
            &[v(kind), v(name), v(details), v(date)],
        ),
        None => w.with(CounterMsg::MedicalLine, &[v(kind), v(name), v(date)]),
    };
    text(words).size(size).into()
}

fn panel_box(panel: iced::widget::Column<'_, Message>) -> Element<'_, Message> {
    container(panel)
        .padding(16)
        .style(theme::panel)
        .width(Fill)
        .into()
}
