//! The Settings page's release template and health questions: each edited as its file
//! (TOML) in a text area, checked with the store's own parser and checks (a mistake is
//! shown with its line); a preview of the release as a customer reads it, in a language
//! chosen, before anything is saved; the template's versions with the releases each holds;
//! and a sample PDF of a release under the saved template.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::http::StatusCode;
use chrono::Utc;
use intake_common::release::{
    self, ClauseAnswer, HealthAnswer, ReleaseContent, TemplateVersion, signature,
};
use intake_common::settings::{self, Change, Confirm, HealthQuestion, Lang, Template};
use maud::{Markup, html};
use uuid::Uuid;

use super::customer::short_time;
use super::form::Problems;
use super::settings::{SETTINGS, SaveError, Shown, render, save, saved};
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};
use crate::store::live::Current;

/// The largest template or questions file the page takes (the form's body limit is larger).
const MAX_FILE_CHARS: usize = 48 << 10;

/// The release as a customer would read it: a template and questions not saved yet.
pub(super) struct Preview {
    template: Template,
    questions: Vec<HealthQuestion>,
    lang: Lang,
}

/// A `select` of the languages to preview in, `chosen` selected.
fn language_choice(w: Words<'_>, id: &'static str, chosen: Lang) -> Markup {
    html! {
        div.field {
            label for=(id) { (w.get(Msg::PreviewLanguage)) }
            select id=(id) name="lang" {
                @for lang in Lang::ALL {
                    option value=(lang.code()) lang=(lang.code()) selected[lang == chosen] { (lang.native_name()) }
                }
            }
        }
    }
}

/// A file's text area, its hint and the problem with it (the parser's message, with its
/// line, kept as written).
fn file_area(
    w: Words<'_>,
    id: &'static str,
    label: Msg,
    hint: Msg,
    text: &str,
    problems: &Problems,
) -> Markup {
    let problem = problems.at(id);
    let described = match problem {
        Some(_) => format!("{id}-hint {id}-error"),
        None => format!("{id}-hint"),
    };
    html! {
        div.field {
            label for=(id) { (w.get(label)) }
            p.hint id={ (id) "-hint" } { (w.get(hint)) }
            @if let Some(p) = problem {
                pre.error id={ (id) "-error" } { (p) }
            }
            textarea id=(id) name="text" rows="24" maxlength=(MAX_FILE_CHARS) spellcheck="false"
                aria-invalid=[problem.map(|_| "true")] aria-describedby=(described) { (text) }
        }
    }
}

pub(super) fn template_section(
    staff: &Staff,
    w: Words<'_>,
    text: &str,
    current: &Current,
    versions: &[TemplateVersion],
    shown: &Shown,
) -> Markup {
    let lang = shown.preview.as_ref().map_or(staff.lang, |p| p.lang);
    html! {
        section aria-labelledby="template-heading" {
            h2 #template-heading { (w.get(Msg::TemplateSection)) }
            p #template-in-force {
                (w.with(Msg::InForce, &[
                    ("id", current.template.id.clone()),
                    ("version", current.template.version.to_string()),
                ]))
            }
            div.table-wrap {
                table {
                    caption { (w.get(Msg::Versions)) }
                    thead { tr {
                        th scope="col" { (w.get(Msg::Version)) }
                        th scope="col" { (w.get(Msg::Created)) }
                        th scope="col" { (w.get(Msg::ReleaseCount)) }
                    } }
                    tbody {
                        @for v in versions {
                            tr {
                                th scope="row" { (v.version) }
                                td { (short_time(&v.created_at)) }
                                td { (v.releases) }
                            }
                        }
                    }
                }
            }
            p {
                a href={ (SETTINGS) "/sample.pdf?lang=" (staff.lang.code()) } download { (w.get(Msg::SamplePdf)) }
                " "
                span.hint { (w.get(Msg::SamplePdfHint)) }
            }
            form.edit method="post" action={ (SETTINGS) "/template" } novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (file_area(w, "template", Msg::TemplateText, Msg::TemplateHint, text, &shown.problems))
                (language_choice(w, "template-lang", lang))
                div.actions {
                    button type="submit" name="action" value="preview" { (w.get(Msg::Preview)) }
                    button type="submit" name="action" value="save" { (w.get(Msg::SaveTemplate)) }
                }
            }
            @if let (Some(p), true) = (&shown.preview, shown.template.is_some()) {
                (preview(w, p))
            }
        }
    }
}

pub(super) fn questions_section(staff: &Staff, w: Words<'_>, text: &str, shown: &Shown) -> Markup {
    let lang = shown.preview.as_ref().map_or(staff.lang, |p| p.lang);
    html! {
        section aria-labelledby="questions-heading" {
            h2 #questions-heading { (w.get(Msg::QuestionsSection)) }
            form.edit method="post" action={ (SETTINGS) "/questions" } novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (file_area(w, "questions", Msg::QuestionsText, Msg::QuestionsHint, text, &shown.problems))
                (language_choice(w, "questions-lang", lang))
                div.actions {
                    button type="submit" name="action" value="preview" { (w.get(Msg::Preview)) }
                    button type="submit" name="action" value="save" { (w.get(Msg::SaveQuestions)) }
                }
            }
            @if let (Some(p), true) = (&shown.preview, shown.questions.is_some()) {
                (preview(w, p))
            }
        }
    }
}

/// The release in `p.lang` as an adult and as a minor with their guardian read it, and the
/// health questions.
fn preview(w: Words<'_>, p: &Preview) -> Markup {
    let lang = p.lang;
    let clauses = |minor: bool| {
        html! {
            ol {
                @for c in p.template.clauses_for(minor) {
                    li {
                        (c.text.get(lang))
                        " "
                        span.hint {
                            "(" (w.get(match c.confirm {
                                Confirm::Initials => Msg::PreviewInitials,
                                Confirm::Tick => Msg::PreviewTick,
                            }))
                            @if c.optional { ", " (w.get(Msg::PreviewOptional)) }
                            @if c.audience == settings::Audience::Guardian { ", " (w.get(Msg::PreviewGuardian)) }
                            ")"
                        }
                    }
                }
            }
        }
    };
    html! {
        section.preview #preview aria-labelledby="preview-heading" lang=(lang.code()) {
            h3 #preview-heading { (w.get(Msg::PreviewTitle)) }
            p.release-title { strong { (p.template.title.get(lang)) } }
            h4 { (w.get(Msg::PreviewAdult)) }
            (clauses(false))
            h4 { (w.get(Msg::PreviewMinor)) }
            (clauses(true))
            h4 { (w.get(Msg::PreviewQuestions)) }
            ol {
                @for q in &p.questions {
                    li { (q.text.get(lang)) }
                }
            }
        }
    }
}

/// Which file a form posts.
#[derive(Clone, Copy)]
enum File {
    Template,
    Questions,
}

/// `POST /console/settings/template`: preview or save the template's file.
pub async fn save_template(posted: Posted) -> Page {
    post_file(posted, File::Template).await
}

/// `POST /console/settings/questions`: preview or save the health questions' file.
pub async fn save_questions(posted: Posted) -> Page {
    post_file(posted, File::Questions).await
}

async fn post_file(posted: Posted, file: File) -> Page {
    let staff = &posted.staff;
    let w = staff.words();
    // The text as typed: a browser sends a text area's lines with CR LF.
    let text = posted
        .fields
        .iter()
        .find(|(n, _)| n == "text")
        .map_or(String::new(), |(_, v)| v.replace("\r\n", "\n"));
    let lang = Lang::ALL
        .into_iter()
        .find(|l| l.code() == posted.get("lang"))
        .unwrap_or(staff.lang);
    let (id, label) = match file {
        File::Template => ("template", Msg::TemplateText),
        File::Questions => ("questions", Msg::QuestionsText),
    };
    let mut shown = Shown::default();
    match file {
        File::Template => shown.template = Some(text.clone()),
        File::Questions => shown.questions = Some(text.clone()),
    }
    if text.chars().count() > MAX_FILE_CHARS {
        let max = MAX_FILE_CHARS.to_string();
        shown
            .problems
            .add(id, w.get(label), w.with(Msg::FileTooLong, &[("max", max)]));
        return render(staff, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let current = staff.console().current();
    let parsed = match file {
        File::Template => {
            settings::parse_template(&text).map(|t| (t, current.settings.questions.clone()))
        }
        File::Questions => {
            settings::parse_questions(&text).map(|q| (current.settings.template.clone(), q))
        }
    };
    let (template, questions) = match parsed {
        Ok(p) => p,
        Err(message) => {
            shown.problems.add(id, w.get(label), message);
            return render(staff, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match posted.get("action") {
        "preview" => {
            shown.preview = Some(Preview {
                template,
                questions,
                lang,
            });
            render(staff, shown, StatusCode::OK).await
        }
        "save" => {
            let change = match file {
                File::Template => Change::Template(text),
                File::Questions => Change::Questions(text),
            };
            match save(staff, change).await {
                Ok(()) => saved(),
                Err(SaveError::Refused(message)) => {
                    shown.problems.add(id, w.get(label), message);
                    render(staff, shown, StatusCode::UNPROCESSABLE_ENTITY).await
                }
                Err(SaveError::Failed(page)) => *page,
            }
        }
        _ => {
            shown.problems.general(w.get(Msg::RefusedForm));
            render(staff, shown, StatusCode::BAD_REQUEST).await
        }
    }
}

#[derive(serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /console/settings/sample.pdf`: a release for a made-up customer under the saved
/// template and questions, in the language asked for.
pub async fn sample_pdf(staff: Staff, Query(q): Query<LangQuery>) -> Page {
    let lang = Lang::ALL
        .into_iter()
        .find(|l| Some(l.code()) == q.lang.as_deref())
        .unwrap_or(staff.lang);
    let current = staff.console().current();
    let actor = staff.actor.clone();
    let made = staff
        .state
        .pool
        .run(move |_| {
            actor.require(intake_common::Permission::ManageSettings)?;
            let content = sample(&current, lang)?;
            let s = &current.settings;
            Ok(release::pdf::render(
                &content,
                &s.shop.name,
                s.logo.as_deref(),
                &s.tr,
            )?)
        })
        .await;
    match made {
        Ok(pdf) => Page::download("application/pdf", "sample-release.pdf", pdf),
        Err(e) => staff.failed(e),
    }
}

/// A made-up adult's release under `current`, every clause agreed and every question
/// answered no.
fn sample(current: &Current, lang: Lang) -> intake_common::Result<ReleaseContent> {
    let s = &current.settings;
    let clauses = s
        .template
        .clauses_for(false)
        .map(|c| ClauseAnswer::agreed(c, lang, "AS"))
        .collect();
    let health = s
        .questions
        .iter()
        .map(|q| HealthAnswer::new(q, lang, false, None))
        .collect();
    Ok(ReleaseContent {
        release_id: Uuid::nil(),
        customer_id: Uuid::nil(),
        template: current.template.clone(),
        title: s.template.title.get(lang).to_owned(),
        language: lang,
        signed_at: Utc::now(),
        device: "sample".into(),
        customer: BTreeMap::from([
            ("FirstName".into(), "Alex".into()),
            ("LastName".into(), "Sample".into()),
            ("Birthdate".into(), "1990-01-01".into()),
            ("PhoneNumber".into(), "+1 512 555 0100".into()),
        ]),
        age_at_signing: 30,
        emergency: None,
        physician: None,
        health,
        clauses,
        guardian: None,
        signature_png: signature::render_typed_png("Alex Sample")?,
    })
}
