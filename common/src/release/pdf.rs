//! A signed release as a printable PDF (US Letter): the shop's header, the customer, the
//! contacts, the health answers, every clause with its initials (and, for an optional
//! clause, whether it was accepted or declined), the signatures, the guardian for a minor,
//! and a record block with the time, device, template version, the SHA-256 of the signed
//! content and a QR code that identifies the release.
//!
//! The whole page is in the language the release was signed in: the shop's texts as the
//! customer read them, the frame (headings, labels, Yes/No, dates) from the `pdf-*`
//! messages of the Fluent files (see [`crate::i18n`]), which a shop may override.
//!
//! Text uses the PDF's built-in Helvetica (WinAnsi: every Latin-1 letter, so Spanish
//! too), wrapped with Helvetica's own character widths; long releases flow onto more pages.

pub(crate) mod layout;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use printpdf::PdfDocument;

use self::layout::{Face, Layout, MARGIN, PAGE_H, PAGE_W, WIDTH, gray, place_image, qr, wrap};
use super::{ClauseAnswer, ReleaseContent, Signer};
use crate::customer::{Contact, Field};
use crate::error::Result;
use crate::i18n::{FluentArgs, FluentValue, Tr};
use crate::settings::Lang;

crate::message_ids! {
    /// The words of the release PDF, by their id in the Fluent files.
    pub enum Msg {
        Customer = "pdf-customer",
        FirstName = "pdf-first-name",
        MiddleName = "pdf-middle-name",
        LastName = "pdf-last-name",
        Nickname = "pdf-nickname",
        Birthdate = "pdf-birthdate",
        Gender = "pdf-gender",
        Phone = "pdf-phone",
        Email = "pdf-email",
        Street = "pdf-street",
        Street2 = "pdf-street2",
        City = "pdf-city",
        State = "pdf-state",
        PostalCode = "pdf-postal-code",
        Country = "pdf-country",
        Occupation = "pdf-occupation",
        OptIn = "pdf-opt-in",
        Age = "pdf-age",
        Contacts = "pdf-contacts",
        Emergency = "pdf-emergency",
        Physician = "pdf-physician",
        NoneGiven = "pdf-none-given",
        Health = "pdf-health",
        NoQuestions = "pdf-no-questions",
        Yes = "pdf-yes",
        No = "pdf-no",
        Release = "pdf-release",
        Initials = "pdf-initials" (initials),
        Ticked = "pdf-ticked",
        Accepted = "pdf-accepted",
        Declined = "pdf-declined",
        ByGuardian = "pdf-by-guardian",
        Signature = "pdf-signature",
        SignedBy = "pdf-signed-by" (name, date),
        Guardian = "pdf-guardian",
        GuardianName = "pdf-guardian-name",
        Relationship = "pdf-relationship",
        GuardianSignedBy = "pdf-guardian-signed-by" (guardian, name, date),
        Record = "pdf-record",
        RecordRelease = "pdf-record-release",
        SignedAt = "pdf-signed-at",
        Device = "pdf-device",
        Template = "pdf-template",
        TemplateVersion = "pdf-template-version" (id, version),
        Language = "pdf-language",
        ShaNote = "pdf-sha-note",
        Footer = "pdf-footer" (id, page, count),
        Date = "pdf-date" (year, month, day),
        DateTime = "pdf-date-time" (date, time),
    }
}

/// The fields shown under "Customer", in reading order.
const CUSTOMER_FIELDS: [(Field, Msg); 16] = [
    (Field::FirstName, Msg::FirstName),
    (Field::MiddleName, Msg::MiddleName),
    (Field::LastName, Msg::LastName),
    (Field::Nickname, Msg::Nickname),
    (Field::Birthdate, Msg::Birthdate),
    (Field::Gender, Msg::Gender),
    (Field::PhoneNumber, Msg::Phone),
    (Field::Email, Msg::Email),
    (Field::Street, Msg::Street),
    (Field::Street2, Msg::Street2),
    (Field::City, Msg::City),
    (Field::State, Msg::State),
    (Field::PostalCode, Msg::PostalCode),
    (Field::Country, Msg::Country),
    (Field::Occupation, Msg::Occupation),
    (Field::OptIn, Msg::OptIn),
];

/// The PDF's words in one language.
#[derive(Clone, Copy)]
struct Words<'a> {
    tr: &'a Tr,
    lang: Lang,
}

impl Words<'_> {
    fn get(self, msg: Msg) -> String {
        self.tr.get(self.lang, msg.id()).into_owned()
    }

    fn with<'v>(self, msg: Msg, values: &[(&'static str, FluentValue<'v>)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(*name, value.clone());
        }
        self.tr.args(self.lang, msg.id(), &args).into_owned()
    }

    fn date(self, date: NaiveDate) -> String {
        self.with(
            Msg::Date,
            &[
                ("year", date.year().to_string().into()),
                ("month", date.month().into()),
                ("day", date.day().into()),
            ],
        )
    }

    fn date_time(self, at: DateTime<Utc>) -> String {
        self.with(
            Msg::DateTime,
            &[
                ("date", self.date(at.date_naive()).into()),
                ("time", at.format("%H:%M").to_string().into()),
            ],
        )
    }

    /// A stored value as the signer reads it: dates written out, yes/no translated.
    fn value(self, field: Field, value: &str) -> String {
        match field {
            Field::Birthdate => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_or_else(|_| value.to_owned(), |d| self.date(d)),
            Field::OptIn if value == "yes" => self.get(Msg::Yes),
            Field::OptIn if value == "no" => self.get(Msg::No),
            _ => value.to_owned(),
        }
    }

    fn contact(self, contact: Option<&Contact>) -> String {
        match contact {
            Some(c) => [
                Some(c.name.as_str()),
                c.relation.as_deref(),
                c.phone.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
            None => self.get(Msg::NoneGiven),
        }
    }

    /// What is printed beside a clause: its answer, then its initials.
    fn clause_marks(self, clause: &ClauseAnswer) -> Vec<String> {
        let mut marks = Vec::new();
        if clause.choice.is_some() {
            marks.push(self.get(if clause.accepted() {
                Msg::Accepted
            } else {
                Msg::Declined
            }));
        }
        match &clause.initials {
            Some(initials) => {
                marks.push(self.with(Msg::Initials, &[("initials", initials.as_str().into())]))
            }
            None if clause.choice.is_none() => marks.push(self.get(Msg::Ticked)),
            None => {}
        }
        marks
    }
}

/// Text on the left and marks on the right (a health answer's Yes/No, a clause's
/// initials), kept together on one page.
fn marked(layout: &mut Layout, text: &str, marks: &[String], mark_width: f32) {
    let gutter = 10.0;
    let lines = wrap(text, Face::Regular, 10.0, WIDTH - mark_width - gutter);
    let marks: Vec<String> = marks
        .iter()
        .flat_map(|m| wrap(m, Face::Bold, 10.0, mark_width))
        .collect();
    let rows = lines.len().max(marks.len());
    layout.room(13.0 * rows as f32 + 4.0);
    for i in 0..rows {
        layout.y -= 13.0;
        if let Some(line) = lines.get(i) {
            layout.text_at(MARGIN, layout.y + 3.0, line, Face::Regular, 10.0, gray(0.0));
        }
        if let Some(mark) = marks.get(i) {
            layout.text_at(
                PAGE_W - MARGIN - mark_width,
                layout.y + 3.0,
                mark,
                Face::Bold,
                10.0,
                gray(0.0),
            );
        }
    }
}

/// Renders a signed release, in the language it was signed in.
pub fn render(
    release: &ReleaseContent,
    shop_name: &str,
    logo_png: Option<&[u8]>,
    tr: &Tr,
) -> Result<Vec<u8>> {
    let w = Words {
        tr,
        lang: release.language,
    };
    let mut doc = PdfDocument::new(&format!("{} — {}", release.title, release.release_id));
    let mut layout = Layout::new();

    // Header: logo, shop name, title.
    let mut text_x = MARGIN;
    if let Some(logo) = logo_png {
        place_image(&mut doc, &mut layout, logo, MARGIN, 44.0)?;
        text_x += 56.0;
    }
    layout.text_at(
        text_x,
        layout.y - 18.0,
        shop_name,
        Face::Bold,
        18.0,
        gray(0.05),
    );
    layout.gap(26.0);
    let title_lines = wrap(
        &release.title,
        Face::Regular,
        12.0,
        PAGE_W - MARGIN - text_x,
    );
    for line in title_lines {
        layout.y -= 15.0;
        layout.text_at(text_x, layout.y, &line, Face::Regular, 12.0, gray(0.25));
    }
    layout.y = layout.y.min(PAGE_H - MARGIN - 52.0);
    layout.gap(8.0);
    layout.rule(0.2);

    layout.heading(&w.get(Msg::Customer));
    for (field, label) in CUSTOMER_FIELDS {
        if let Some(value) = release.customer.get(field.column()) {
            layout.row(&w.get(label), &w.value(field, value));
        }
    }
    layout.row(&w.get(Msg::Age), &release.age_at_signing.to_string());

    layout.heading(&w.get(Msg::Contacts));
    layout.row(
        &w.get(Msg::Emergency),
        &w.contact(release.emergency.as_ref()),
    );
    layout.row(
        &w.get(Msg::Physician),
        &w.contact(release.physician.as_ref()),
    );

    layout.heading(&w.get(Msg::Health));
    if release.health.is_empty() {
        let none = w.get(Msg::NoQuestions);
        layout.paragraph(MARGIN, WIDTH, &none, Face::Regular, 10.0, gray(0.35));
    }
    for answer in &release.health {
        let verdict = w.get(if answer.answer { Msg::Yes } else { Msg::No });
        marked(&mut layout, &answer.question, &[verdict], 50.0);
        if let Some(details) = &answer.details {
            layout.paragraph(
                MARGIN + 14.0,
                WIDTH - 74.0,
                details,
                Face::Regular,
                9.5,
                gray(0.3),
            );
        }
        layout.gap(3.0);
    }

    layout.heading(&w.get(Msg::Release));
    for clause in &release.clauses {
        marked(&mut layout, &clause.text, &w.clause_marks(clause), 110.0);
        if clause.by == Signer::Guardian {
            let by = w.get(Msg::ByGuardian);
            layout.paragraph(MARGIN, WIDTH - 120.0, &by, Face::Regular, 8.5, gray(0.4));
        }
        layout.gap(5.0);
    }

    let signed_on = w.date_time(release.signed_at);
    let name = [Field::FirstName, Field::LastName]
        .iter()
        .filter_map(|f| release.customer.get(f.column()).map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    // A heading stays with the signature under it.
    layout.room(150.0);
    layout.heading(&w.get(Msg::Signature));
    let caption = w.with(
        Msg::SignedBy,
        &[
            ("name", name.as_str().into()),
            ("date", signed_on.as_str().into()),
        ],
    );
    layout::signature(&mut doc, &mut layout, &release.signature_png, &caption)?;

    if let Some(guardian) = &release.guardian {
        layout.room(180.0);
        layout.heading(&w.get(Msg::Guardian));
        layout.row(&w.get(Msg::GuardianName), &guardian.name);
        layout.row(&w.get(Msg::Relationship), &guardian.relationship);
        let caption = w.with(
            Msg::GuardianSignedBy,
            &[
                ("guardian", guardian.name.as_str().into()),
                ("name", name.as_str().into()),
                ("date", signed_on.as_str().into()),
            ],
        );
        layout::signature(&mut doc, &mut layout, &guardian.signature_png, &caption)?;
    }

    record(&mut layout, release, w)?;

    // Footers: which release, which page.
    let count = layout.pages.len();
    let pages: Vec<_> = std::mem::take(&mut layout.pages)
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let footer = w.with(
                Msg::Footer,
                &[
                    ("id", release.release_id.to_string().into()),
                    ("page", (i + 1).into()),
                    ("count", count.into()),
                ],
            );
            let mut footer_layout = Layout {
                pages: vec![Vec::new()],
                y: 0.0,
            };
            footer_layout.text_at(MARGIN, 36.0, &footer, Face::Regular, 8.0, gray(0.45));
            ops.extend(footer_layout.pages.remove(0));
            ops
        })
        .collect();
    Ok(layout::save(doc, pages, (PAGE_W, PAGE_H)))
}

/// The record: what identifies this release, beside its QR code. The time is written as
/// a record is (ISO 8601, UTC) in every language.
fn record(layout: &mut Layout, release: &ReleaseContent, w: Words<'_>) -> Result<()> {
    layout.heading(&w.get(Msg::Record));
    let qr_size = 108.0;
    layout.room(qr_size + 8.0);
    let top = layout.y;
    qr(
        layout,
        &release.qr_payload(),
        PAGE_W - MARGIN - qr_size,
        top,
        qr_size,
    )?;
    let sha = release.sha256();
    let template = w.with(
        Msg::TemplateVersion,
        &[
            ("id", release.template.id.as_str().into()),
            ("version", release.template.version.into()),
        ],
    );
    let record = [
        (Msg::RecordRelease, release.release_id.to_string()),
        (
            Msg::SignedAt,
            release
                .signed_at
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        ),
        (Msg::Device, release.device.clone()),
        (Msg::Template, template),
        (Msg::Language, release.language.native_name().to_owned()),
    ];
    let rows = record
        .into_iter()
        .map(|(label, value)| (w.get(label), value, Face::Regular, 10.0))
        .chain([
            ("SHA-256".to_owned(), sha[..32].to_owned(), Face::Mono, 8.5),
            (String::new(), sha[32..].to_owned(), Face::Mono, 8.5),
        ]);
    for (label, value, face, size) in rows {
        layout.y -= 13.0;
        layout.text_at(
            MARGIN,
            layout.y + 3.0,
            &label,
            Face::Regular,
            9.0,
            gray(0.4),
        );
        layout.text_at(MARGIN + 80.0, layout.y + 3.0, &value, face, size, gray(0.0));
    }
    layout.y = layout.y.min(top - qr_size);
    layout.gap(6.0);
    let note = w.get(Msg::ShaNote);
    layout.paragraph(MARGIN, WIDTH, &note, Face::Regular, 8.0, gray(0.45));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pdf_message_is_in_every_language_with_its_arguments() {
        let tr = Tr::built_in();
        let mismatches = tr.mismatches(Msg::ALL.iter().map(|m| (m.id(), m.args())));
        assert!(mismatches.is_empty(), "{mismatches:#?}");
        let es = Words {
            tr: &tr,
            lang: Lang::Es,
        };
        let en = Words {
            tr: &tr,
            lang: Lang::En,
        };
        let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(en.date(day), "November 22, 2026");
        assert_eq!(es.date(day), "22 de noviembre de 2026");
        assert_eq!(es.value(Field::OptIn, "yes"), "Sí");
        assert_eq!(en.value(Field::Birthdate, "2010-05-06"), "May 6, 2010");
    }
}
