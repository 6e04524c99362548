//! The counter display's screens: sign-in, today's check-ins, search, and the customer with
//! the Safety Panel. State and what each message does live in the parent module.

use chrono::Local;
use iced::widget::{button, column, container, row, scrollable, space, text, text_input};
use iced::{Alignment, Element, Fill, Length};
use intake_common::customer::{ContactKind, Field};
use intake_common::customers::MedicalView;

use super::{ContactForm, Counter, Message, Open};
use crate::theme;

impl Counter {
    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match &self.actor {
            None => self.sign_in_view(),
            Some(_) => {
                let left = self.check_ins_view();
                let right = match &self.open {
                    Some(o) => self.customer_view(o),
                    None => self.search_view(),
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
        let mut page = column![self.top_bar()];
        if let Some((bad, words)) = &self.notice {
            page = page.push(text(words.as_str()).size(theme::LABEL_SIZE).style(if *bad {
                theme::error
            } else {
                success
            }));
        }
        container(page.push(body).spacing(12).padding(16))
            .width(Fill)
            .height(Fill)
            .style(theme::page)
            .into()
    }

    fn top_bar(&self) -> Element<'_, Message> {
        let mut bar = row![
            text("Counter").size(theme::HEADING_SIZE),
            space().width(Fill),
            self.sync_line(),
        ]
        .spacing(16)
        .align_y(Alignment::Center);
        if let Some(actor) = &self.actor {
            bar =
                bar.push(text(format!("{} ({})", actor.name, actor.role)).size(theme::LABEL_SIZE));
            bar = bar.push(
                button(text("Sign out").size(theme::LABEL_SIZE))
                    .on_press(Message::SignOut)
                    .style(theme::secondary),
            );
        }
        bar.into()
    }

    /// The sync status, always on screen.
    fn sync_line(&self) -> Element<'_, Message> {
        let Some(s) = &self.status else {
            return text("Sync status unknown").size(theme::SMALL_SIZE).into();
        };
        let (line, warn) = sync_words(s);
        text(line)
            .size(theme::SMALL_SIZE)
            .style(if warn { theme::warning } else { theme::muted })
            .into()
    }

    fn sign_in_view(&self) -> Element<'_, Message> {
        let dots = "●".repeat(self.pin.len());
        let locked = self.locked_until.is_some();
        let key = |label: &'static str, msg: Message| {
            let b = button(
                container(text(label).size(theme::BODY_SIZE))
                    .center_x(Fill)
                    .center_y(Fill),
            )
            .width(96)
            .height(theme::TOUCH)
            .style(theme::key);
            if locked { b } else { b.on_press(msg) }
        };
        let mut pad = column![].spacing(8);
        for keys in [["1", "2", "3"], ["4", "5", "6"], ["7", "8", "9"]] {
            let mut r = row![].spacing(8);
            for k in keys {
                let digit = k.chars().next().unwrap_or('0');
                r = r.push(key(k, Message::PinDigit(digit)));
            }
            pad = pad.push(r);
        }
        pad = pad.push(
            row![
                key("⌫", Message::PinBackspace),
                key("0", Message::PinDigit('0')),
                key("OK", Message::PinSubmit),
            ]
            .spacing(8),
        );
        container(
            column![
                text("Staff sign-in").size(theme::HEADING_SIZE),
                text("Enter your PIN")
                    .size(theme::BODY_SIZE)
                    .style(theme::muted),
                text(dots).size(theme::HEADING_SIZE),
                pad,
            ]
            .spacing(16)
            .align_x(Alignment::Center),
        )
        .center_x(Fill)
        .center_y(Fill)
        .into()
    }

    fn check_ins_view(&self) -> Element<'_, Message> {
        let mut list = column![
            text(format!("Today's check-ins ({})", self.check_ins.len())).size(theme::BODY_SIZE)
        ]
        .spacing(8);
        if self.check_ins.is_empty() {
            list = list.push(text("Nobody has checked in yet today.").style(theme::muted));
        }
        for c in &self.check_ins {
            let mut marks = Vec::new();
            if c.flags > 0 {
                marks.push(format!("⚑ {} flag{}", c.flags, plural(c.flags)));
            }
            if c.medical > 0 {
                marks.push(format!("✚ {} medical", c.medical));
            }
            if c.acknowledged {
                marks.push("✓ acknowledged".into());
            }
            let line = column![
                row![
                    text(c.name.as_str()).size(theme::BODY_SIZE),
                    space().width(Fill),
                    text(local_time(&c.signed_at))
                        .size(theme::LABEL_SIZE)
                        .style(theme::muted),
                ]
                .align_y(Alignment::Center),
                text(marks.join("   ")).size(theme::LABEL_SIZE).style(
                    if (c.flags > 0 || c.medical > 0) && !c.acknowledged {
                        theme::warning
                    } else {
                        theme::muted
                    }
                ),
            ];
            list = list.push(
                button(line)
                    .width(Fill)
                    .padding(10)
                    .on_press(Message::Open(c.customer))
                    .style(theme::key),
            );
        }
        container(scrollable(list).height(Fill))
            .padding(12)
            .style(theme::panel)
            .height(Fill)
            .into()
    }

    fn search_view(&self) -> Element<'_, Message> {
        let mut results = column![].spacing(8);
        for c in &self.results {
            let p = &c.profile;
            let line = format!(
                "{}   {}   {}",
                p.display_name(),
                p.get(Field::PhoneNumber).unwrap_or_default(),
                p.get(Field::Birthdate).unwrap_or_default()
            );
            results = results.push(
                button(text(line).size(theme::LABEL_SIZE))
                    .width(Fill)
                    .padding(10)
                    .on_press(Message::Open(c.id))
                    .style(theme::key),
            );
        }
        if !self.query.trim().is_empty() && self.results.is_empty() {
            results = results.push(text("No customer matches.").style(theme::muted));
        }
        container(
            column![
                text("Find a customer").size(theme::BODY_SIZE),
                text_input("Name, e-mail or phone", &self.query)
                    .on_input(Message::Query)
                    .size(theme::BODY_SIZE)
                    .padding(12),
                scrollable(results).height(Fill),
            ]
            .spacing(12),
        )
        .padding(12)
        .style(theme::panel)
        .height(Fill)
        .into()
    }

    fn customer_view<'a>(&'a self, o: &'a Open) -> Element<'a, Message> {
        let d = &o.detail;
        let p = &d.customer.profile;
        let mut page = column![
            row![
                button(text("‹ Back").size(theme::LABEL_SIZE))
                    .on_press(Message::Back)
                    .style(theme::secondary),
                text(p.display_name()).size(theme::HEADING_SIZE),
            ]
            .spacing(16)
            .align_y(Alignment::Center),
            text(format!(
                "{}   {}   born {}",
                p.get(Field::PhoneNumber).unwrap_or_default(),
                p.get(Field::Email).unwrap_or_default(),
                p.get(Field::Birthdate).unwrap_or("—")
            ))
            .size(theme::LABEL_SIZE)
            .style(theme::muted),
        ]
        .spacing(12);
        page = page.push(self.safety_panel(o));

        let mut notes = column![text("Notes").size(theme::BODY_SIZE)].spacing(6);
        for n in &d.notes {
            notes = notes.push(
                text(format!(
                    "{} — {}, {}",
                    n.body,
                    n.author,
                    local_time(&n.created_at)
                ))
                .size(theme::LABEL_SIZE),
            );
        }
        notes = notes.push(
            row![
                text_input("Add a note", &o.note)
                    .on_input(Message::NoteText)
                    .on_submit(Message::AddNote)
                    .padding(10)
                    .size(theme::LABEL_SIZE),
                button(text("Add note").size(theme::LABEL_SIZE))
                    .on_press(Message::AddNote)
                    .style(theme::primary),
            ]
            .spacing(8),
        );

        let mut sessions = column![text("Sessions").size(theme::BODY_SIZE)].spacing(6);
        for s in &d.services {
            let mut line = row![
                text(format!(
                    "{} — {}, started {}{}",
                    s.description,
                    s.artist.as_deref().unwrap_or("—"),
                    local_time(&s.started_at),
                    s.ended_at
                        .as_deref()
                        .map(|e| format!(", ended {}", local_time(e)))
                        .unwrap_or_default()
                ))
                .size(theme::LABEL_SIZE)
            ]
            .spacing(8)
            .align_y(Alignment::Center);
            if s.ended_at.is_none() {
                line = line.push(
                    button(text("End session").size(theme::LABEL_SIZE))
                        .on_press(Message::EndSession(s.id))
                        .style(theme::secondary),
                );
            }
            sessions = sessions.push(line);
        }
        let blocked = o.needs_ack && !o.acknowledged;
        sessions = sessions.push(
            row![
                text_input("What is the session? e.g. forearm tattoo", &o.session)
                    .on_input(Message::SessionText)
                    .padding(10)
                    .size(theme::LABEL_SIZE),
                button(text("Start session").size(theme::LABEL_SIZE))
                    .on_press(Message::StartSession)
                    .style(theme::primary),
            ]
            .spacing(8),
        );
        if blocked {
            sessions = sessions.push(
                text("Acknowledge the Safety Panel first.")
                    .size(theme::LABEL_SIZE)
                    .style(theme::warning),
            );
        }
        // The session right under the panel it depends on; then notes and contacts.
        page = page.push(
            container(sessions)
                .padding(12)
                .style(theme::panel)
                .width(Fill),
        );
        page = page.push(container(notes).padding(12).style(theme::panel).width(Fill));
        page = page.push(contact_editor(
            ContactKind::Emergency,
            "Emergency contact",
            &o.emergency,
        ));
        page = page.push(contact_editor(
            ContactKind::Physician,
            "Physician",
            &o.physician,
        ));
        scrollable(page.padding([4, 18])).height(Fill).into()
    }

    fn safety_panel<'a>(&'a self, o: &'a Open) -> Element<'a, Message> {
        let d = &o.detail;
        let mut panel = column![].spacing(8);
        if !o.needs_ack {
            panel = panel.push(
                text("Safety Panel: no flags, no medical records.")
                    .size(theme::LABEL_SIZE)
                    .style(theme::muted),
            );
            return container(panel)
                .padding(12)
                .style(theme::panel)
                .width(Fill)
                .into();
        }
        panel = panel.push(
            text("⚠ Safety Panel")
                .size(theme::BODY_SIZE)
                .style(theme::warning),
        );
        for f in &d.flags {
            panel = panel.push(
                text(format!(
                    "⚑ {}{}",
                    f.kind,
                    f.note
                        .as_deref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                ))
                .size(theme::BODY_SIZE)
                .style(theme::error),
            );
        }
        match &d.medical {
            MedicalView::Details(list) => {
                for m in list {
                    panel = panel.push(
                        text(format!(
                            "✚ {}: {}{}",
                            m.kind,
                            m.name,
                            m.details
                                .as_deref()
                                .map(|x| format!(" — {x}"))
                                .unwrap_or_default()
                        ))
                        .size(theme::BODY_SIZE),
                    );
                }
            }
            MedicalView::Count { count } if *count > 0 => {
                panel = panel.push(
                    text(format!(
                        "✚ {count} medical record{} — details need medical:customer; ask a manager or the artist.",
                        plural(*count)
                    ))
                    .size(theme::BODY_SIZE),
                );
            }
            MedicalView::Count { .. } => {}
        }
        if let Some(a) = &o.last_ack {
            panel = panel.push(
                text(format!(
                    "Last acknowledged by {} at {}",
                    a.by,
                    local_time(&a.at)
                ))
                .size(theme::LABEL_SIZE)
                .style(theme::muted),
            );
        }
        panel = panel.push(if o.acknowledged {
            Element::from(text("✓ Acknowledged").size(theme::BODY_SIZE).style(success))
        } else {
            button(text("I have read this").size(theme::BODY_SIZE))
                .on_press(Message::Acknowledge)
                .style(theme::primary)
                .into()
        });
        container(panel)
            .padding(16)
            .style(theme::panel)
            .width(Fill)
            .into()
    }
}

fn contact_editor<'a>(
    kind: ContactKind,
    title: &'a str,
    f: &'a ContactForm,
) -> Element<'a, Message> {
    let relation = match kind {
        ContactKind::Emergency => "Relationship",
        ContactKind::Physician => "Practice",
    };
    container(
        column![
            text(title).size(theme::BODY_SIZE),
            row![
                text_input("Name", &f.name)
                    .on_input(move |v| Message::ContactName(kind, v))
                    .padding(10)
                    .size(theme::LABEL_SIZE),
                text_input("Phone", &f.phone)
                    .on_input(move |v| Message::ContactPhone(kind, v))
                    .padding(10)
                    .size(theme::LABEL_SIZE),
                text_input(relation, &f.relation)
                    .on_input(move |v| Message::ContactRelation(kind, v))
                    .padding(10)
                    .size(theme::LABEL_SIZE),
            ]
            .spacing(8),
            button(text(format!("Save {}", title.to_lowercase())).size(theme::LABEL_SIZE))
                .on_press(Message::SaveContact(kind))
                .style(theme::secondary),
        ]
        .spacing(6),
    )
    .padding(12)
    .style(theme::panel)
    .width(Fill)
    .into()
}

/// The status line's words, and whether they are a warning.
pub fn sync_words(s: &intake_common::sync::Status) -> (String, bool) {
    let mut line = match &s.device {
        None => "This device is its own store".to_string(),
        Some(d) => match (&s.last_error, &s.last_success) {
            (None, Some(ok)) => format!("Synced {} · {} waiting", local_time(ok), s.pending),
            (None, None) => format!("Not synced yet with {} · {} waiting", d.store, s.pending),
            (Some(e), ok) => format!(
                "Not synced since {} · {} waiting · {e}",
                ok.as_deref()
                    .map_or_else(|| "pairing".to_string(), local_time),
                s.pending
            ),
        },
    };
    if s.rejected > 0 {
        line.push_str(&format!(" · {} refused by the store", s.rejected));
    }
    let warn = s.last_error.is_some() || s.rejected > 0;
    (line, warn)
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A stored time (RFC 3339, UTC) as the counter shows it: local, hours and minutes.
pub fn local_time(stored: &str) -> String {
    intake_common::time::parse(stored)
        .map(|t| t.with_timezone(&Local).format("%H:%M").to_string())
        .unwrap_or_else(|| stored.to_string())
}

/// Done, in the theme's success colour (the studio's accent is red, which reads as a fault).
fn success(theme: &iced::Theme) -> text::Style {
    text::Style {
        color: Some(theme.palette().success),
    }
}
