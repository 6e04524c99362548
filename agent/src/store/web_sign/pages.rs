//! The pages, rendered on the server with maud (checked and escaped at compile time). Each
//! is a plain form: labels on every control, `autocomplete` on every field, an error
//! summary at the top linking to each field in error, the language switch in the header.
//! No inline script or style: the stylesheet and the signature pad's script are files the
//! store serves.

use chrono::NaiveDate;
use intake_common::settings::{Confirm, Details, Lang, Settings};
use maud::{DOCTYPE, Markup, html};

use super::draft::Draft;
use super::fields::{self, Kind, Problem, Spec, Step, specs};
use super::flow::{self, Problems, Signer, clause_names, question_names, shown_clauses, signers};
use super::words::{WebMsg, Words};

/// The page's id for a form control, which the error summary links to.
pub fn control_id(name: &str) -> String {
    format!("f-{name}")
}

/// What every form on a page carries: the sealed draft and the CSRF token.
#[derive(Debug, Clone, Copy)]
pub struct Hidden<'a> {
    pub state: &'a str,
    pub csrf: &'a str,
}

impl Hidden<'_> {
    fn fields(&self) -> Markup {
        html! {
            input type="hidden" name="sealed" value=(self.state);
            input type="hidden" name="csrf" value=(self.csrf);
        }
    }
}

fn frame(
    words: Words<'_>,
    settings: &Settings,
    title: &str,
    hidden: Option<Hidden<'_>>,
    pad: bool,
    body: Markup,
) -> Markup {
    let shop = &settings.shop.name;
    html! {
        (DOCTYPE)
        html lang=(words.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · " (shop) }
                link rel="stylesheet" href="/sign/style.css";
                @if pad {
                    script src="/sign/pad.js" defer {}
                }
            }
            body {
                header {
                    p.shop { (shop) }
                    (language_switch(words, settings, hidden))
                }
                main { (body) }
            }
        }
    }
}

/// Buttons for the shop's other languages. With a draft, a form that keeps it (what was
/// typed on this page and not yet sent is typed again); without one, links.
fn language_switch(words: Words<'_>, settings: &Settings, hidden: Option<Hidden<'_>>) -> Markup {
    let others: Vec<Lang> = settings
        .shop
        .languages
        .iter()
        .copied()
        .filter(|l| *l != words.lang)
        .collect();
    html! {
        @if !others.is_empty() {
            @match hidden {
                Some(h) => form.lang method="post" action="/sign" aria-label=(words.get(WebMsg::Language)) {
                    (h.fields())
                    input type="hidden" name="action" value="language";
                    @for l in &others {
                        button type="submit" name="lang" value=(l.code()) lang=(l.code()) { (l.native_name()) }
                    }
                },
                None => nav.lang aria-label=(words.get(WebMsg::Language)) {
                    @for l in &others {
                        a href={ "/sign?lang=" (l.code()) } lang=(l.code()) hreflang=(l.code()) { (l.native_name()) }
                    }
                },
            }
        }
    }
}

fn problem_text(words: Words<'_>, p: Problem) -> String {
    match p.message() {
        (m, Some(max)) => words.with(m, &[("max", max.to_string())]).into_owned(),
        (m, None) => words.get(m).into_owned(),
    }
}

fn problem_of(problems: &Problems, name: &str) -> Option<Problem> {
    problems.iter().find(|(n, _)| n == name).map(|(_, p)| *p)
}

/// The error summary: each problem, linked to its control.
fn summary(words: Words<'_>, problems: &Problems, labels: &dyn Fn(&str) -> String) -> Markup {
    html! {
        @if !problems.is_empty() {
            div.errors role="alert" aria-labelledby="errors-title" tabindex="-1" id="errors" {
                h2 id="errors-title" { (words.get(WebMsg::ErrorsTitle)) }
                ul {
                    @for (name, p) in problems {
                        li { a href={ "#" (control_id(name)) } { (labels(name)) ": " (problem_text(words, *p)) } }
                    }
                }
            }
        }
    }
}

fn error_line(words: Words<'_>, name: &str, problem: Option<Problem>) -> Markup {
    html! {
        @if let Some(p) = problem {
            p.error id={ "e-" (name) } { (problem_text(words, p)) }
        }
    }
}

fn text_field(words: Words<'_>, spec: &Spec, value: &str, problem: Option<Problem>) -> Markup {
    let id = control_id(spec.name);
    let kind = match spec.kind {
        Kind::Text => "text",
        Kind::Email => "email",
        Kind::Tel => "tel",
        Kind::Date => "date",
    };
    let hint = (spec.kind == Kind::Date).then(|| words.get(WebMsg::BirthdateHint));
    let described = match (problem.is_some(), hint.is_some()) {
        (true, true) => Some(format!("e-{0} h-{0}", spec.name)),
        (true, false) => Some(format!("e-{}", spec.name)),
        (false, true) => Some(format!("h-{}", spec.name)),
        (false, false) => None,
    };
    html! {
        div.field.invalid[problem.is_some()] {
            label for=(id) {
                (words.get(spec.label))
                " "
                span.need { "(" (words.get(if spec.required { WebMsg::Required } else { WebMsg::Optional })) ")" }
            }
            @if let Some(h) = &hint { p.hint id={ "h-" (spec.name) } { (h) } }
            (error_line(words, spec.name, problem))
            input id=(id) name=(spec.name) type=(kind) autocomplete=(spec.autocomplete)
                value=(value) maxlength=(spec.max) required[spec.required]
                aria-invalid=[problem.map(|_| "true")] aria-describedby=[described];
        }
    }
}

fn radios(
    words: Words<'_>,
    name: &str,
    answer: Option<bool>,
    legend: &str,
    problem: Option<Problem>,
    more: Markup,
) -> Markup {
    html! {
        fieldset.question.invalid[problem.is_some()] aria-describedby=[problem.map(|_| format!("e-{name}"))] {
            legend { (legend) }
            (error_line(words, name, problem))
            div.choices {
                label.choice {
                    input type="radio" id=(control_id(name)) name=(name) value="yes" checked[answer == Some(true)];
                    " " (words.get(WebMsg::Yes))
                }
                label.choice {
                    input type="radio" name=(name) value="no" checked[answer == Some(false)];
                    " " (words.get(WebMsg::No))
                }
            }
            (more)
        }
    }
}

fn small_text(
    words: Words<'_>,
    name: &str,
    label: WebMsg,
    value: &str,
    max: usize,
    problem: Option<Problem>,
) -> Markup {
    html! {
        div.field.invalid[problem.is_some()] {
            label for=(control_id(name)) { (words.get(label)) }
            (error_line(words, name, problem))
            input id=(control_id(name)) name=(name) type="text" autocomplete="off" value=(value) maxlength=(max)
                aria-invalid=[problem.map(|_| "true")] aria-describedby=[problem.map(|_| format!("e-{name}"))];
        }
    }
}

/// Everything a step page needs.
#[derive(Debug)]
pub struct StepPage<'a> {
    pub words: Words<'a>,
    pub settings: &'a Settings,
    pub draft: &'a Draft,
    pub hidden: Hidden<'a>,
    pub problems: &'a Problems,
    pub today: NaiveDate,
}

/// A step's page.
pub fn step(p: &StepPage<'_>) -> Markup {
    let (words, draft, settings) = (p.words, p.draft, p.settings);
    let minor = flow::is_minor(draft, settings, p.today);
    let asked: Vec<Step> = Step::asked(minor).collect();
    let n = asked.iter().position(|s| *s == draft.step).unwrap_or(0) + 1;
    let heading = words.get(draft.step.heading());
    let labels = |name: &str| label_of(words, settings, name);
    let title = if p.problems.is_empty() {
        heading.to_string()
    } else {
        format!("{} · {heading}", words.get(WebMsg::ErrorsTitle))
    };
    let body = html! {
        h1 { (heading) }
        @if let (Step::About, Some(name)) = (draft.step, &draft.greeting) {
            p.greeting { (words.with(WebMsg::Greeting, &[("name", name.clone())])) }
        }
        p.progress { (words.with(WebMsg::StepOf, &[("n", n.to_string()), ("total", asked.len().to_string())])) }
        (summary(words, p.problems, &labels))
        form method="post" action="/sign" novalidate {
            (p.hidden.fields())
            input type="hidden" name="step" value=(draft.step.name());
            (step_body(p, minor))
            div.nav {
                @if draft.step == Step::Review {
                    button.primary type="submit" name="action" value="submit" { (words.get(WebMsg::Submit)) }
                } @else {
                    button.primary type="submit" name="action" value="next" { (words.get(WebMsg::Next)) }
                }
                @if draft.step != Step::About {
                    button type="submit" name="action" value="back" { (words.get(WebMsg::Back)) }
                }
            }
        }
    };
    frame(
        words,
        settings,
        &title,
        Some(p.hidden),
        draft.step == Step::Sign,
        body,
    )
}

fn step_body(p: &StepPage<'_>, minor: bool) -> Markup {
    let (words, draft, settings) = (p.words, p.draft, p.settings);
    let problem = |name: &str| problem_of(p.problems, name);
    let texts = |list: &[Spec]| {
        html! {
            @for spec in list {
                (text_field(words, spec, draft.value(spec.name), problem(spec.name)))
            }
        }
    };
    match draft.step {
        Step::About => html! {
            (texts(specs(Step::About)))
            div.field {
                label.choice {
                    input type="checkbox" id=(control_id(fields::OPT_IN)) name=(fields::OPT_IN) value="yes" checked[draft.opt_in];
                    " " (words.get(WebMsg::OptIn))
                }
            }
        },
        Step::Address => texts(specs(Step::Address)),
        Step::Contacts => html! {
            h2 { (words.get(WebMsg::Emergency)) }
            (texts(&fields::CONTACTS[..3]))
            h2 { (words.get(WebMsg::Physician)) }
            (texts(&fields::CONTACTS[3..]))
        },
        Step::Guardian => html! {
            p { (words.with(WebMsg::GuardianHint, &[("age", settings.shop.adult_age.to_string())])) }
            (texts(specs(Step::Guardian)))
        },
        Step::Health => html! {
            p { (words.get(WebMsg::HealthHint)) }
            @for (i, q) in settings.questions.iter().enumerate() {
                @let (answer, details) = question_names(i);
                // The details field sits in the question's group: a screen reader names it
                // with the question.
                @let more = html! {
                    @if q.details != Details::None {
                        div.field.details.invalid[problem(&details).is_some()] {
                            label for=(control_id(&details)) { (words.get(WebMsg::Details)) }
                            (error_line(words, &details, problem(&details)))
                            textarea id=(control_id(&details)) name=(details) autocomplete="off" maxlength=(fields::DETAILS_MAX) rows="3"
                                aria-invalid=[problem(&details).map(|_| "true")] aria-describedby=[problem(&details).map(|_| format!("e-{details}"))] { (draft.value(&details)) }
                        }
                    }
                };
                (radios(words, &answer, draft.health[i], q.text.get(words.lang), problem(&answer), more))
            }
        },
        Step::Release => html! {
            p.release-title { strong { (settings.template.title.get(words.lang)) } }
            p { (words.get(WebMsg::ReleaseHint)) }
            @for (i, clause) in shown_clauses(settings, minor) {
                @let (initials, agree, choice) = clause_names(i);
                @let whose = if clause.audience == intake_common::settings::Audience::Guardian { WebMsg::GuardianInitials } else { WebMsg::Initials };
                // Each clause a group named by its text, so a screen reader says which
                // clause "Your initials" or "I agree" belongs to.
                div.clause role="group" aria-labelledby={ "ct-" (i) } {
                    p.clause-text id={ "ct-" (i) } { (clause.text.get(words.lang)) }
                    @if clause.optional {
                        (radios(words, &choice, draft.clauses[i], &words.get(WebMsg::OptionalClause), problem(&choice), html! {}))
                    }
                    @match clause.confirm {
                        Confirm::Initials => (small_text(words, &initials, whose, draft.value(&initials), fields::INITIALS_MAX, problem(&initials))),
                        Confirm::Tick if !clause.optional => div.field.invalid[problem(&agree).is_some()] {
                            (error_line(words, &agree, problem(&agree)))
                            label.choice {
                                input type="checkbox" id=(control_id(&agree)) name=(agree) value="yes" checked[draft.clauses[i] == Some(true)];
                                " " (words.get(WebMsg::Agree))
                            }
                        },
                        Confirm::Tick => {},
                    }
                }
            }
        },
        Step::Sign => html! {
            p { (words.get(WebMsg::SignHint)) }
            @for signer in signers(minor) {
                (signature_field(words, draft, *signer, problem(signer.controls().0)))
            }
        },
        Step::Review => review(p, minor),
    }
}

fn signature_field(
    words: Words<'_>,
    draft: &Draft,
    signer: Signer,
    problem: Option<Problem>,
) -> Markup {
    let (drawn, typed, confirm) = signer.controls();
    let legend = match signer {
        Signer::Customer => WebMsg::YourSignature,
        Signer::Guardian => WebMsg::GuardianSignature,
    };
    let autocomplete = match signer {
        Signer::Customer => "name",
        Signer::Guardian => "off",
    };
    html! {
        fieldset.signature.invalid[problem.is_some()] id=(control_id(drawn)) tabindex="-1" {
            legend { (words.get(legend)) }
            (error_line(words, drawn, problem))
            @if let Some(png) = signer.adopted(draft) {
                p { (words.get(WebMsg::SignedAlready)) }
                img.adopted src={ "data:image/png;base64," (png) } alt=(words.get(legend));
            }
            div.pad hidden data-field=(drawn) {
                canvas width="600" height="200" role="img" aria-label=(words.get(WebMsg::DrawHere)) {}
                button.clear type="button" { (words.get(WebMsg::Clear)) }
            }
            input type="hidden" name=(drawn) value="";
            p.or { (words.get(WebMsg::TypeInstead)) }
            div.field {
                label for=(control_id(typed)) { (words.get(WebMsg::TypedName)) }
                input id=(control_id(typed)) name=(typed) type="text" autocomplete=(autocomplete) maxlength=(fields::TYPED_MAX);
            }
            div.field {
                label.choice {
                    input type="checkbox" id=(control_id(confirm)) name=(confirm) value="yes";
                    " " (words.get(WebMsg::TypedConfirm))
                }
            }
        }
    }
}

fn review(p: &StepPage<'_>, minor: bool) -> Markup {
    let (words, draft, settings) = (p.words, p.draft, p.settings);
    let not_given = words.get(WebMsg::NotGiven);
    let value = |name: &str| -> String {
        match draft.value(name) {
            "" => not_given.to_string(),
            v => v.to_owned(),
        }
    };
    let section = |step: Step, rows: Markup| {
        html! {
            section.review {
                h2 { (words.get(step.heading())) }
                dl { (rows) }
                button.change type="submit" name="action" value={ "edit:" (step.name()) } {
                    (words.get(WebMsg::Change)) span.visually-hidden { ": " (words.get(step.heading())) }
                }
            }
        }
    };
    let rows = |list: &[Spec]| {
        html! {
            @for spec in list {
                dt { (words.get(spec.label)) }
                dd { (value(spec.name)) }
            }
        }
    };
    let yes_no = |b: bool| words.get(if b { WebMsg::Yes } else { WebMsg::No });
    html! {
        p { (words.get(WebMsg::ReviewHint)) }
        (section(Step::About, html! {
            (rows(specs(Step::About)))
            dt { (words.get(WebMsg::OptIn)) } dd { (yes_no(draft.opt_in)) }
        }))
        (section(Step::Address, rows(specs(Step::Address))))
        (section(Step::Contacts, rows(specs(Step::Contacts))))
        @if minor { (section(Step::Guardian, rows(specs(Step::Guardian)))) }
        (section(Step::Health, html! {
            @for (i, q) in settings.questions.iter().enumerate() {
                dt { (q.text.get(words.lang)) }
                dd {
                    (yes_no(draft.health[i] == Some(true)))
                    @let details = draft.value(&question_names(i).1);
                    @if draft.health[i] == Some(true) && !details.is_empty() { " — " (details) }
                }
            }
        }))
        (section(Step::Release, html! {
            @for (i, clause) in shown_clauses(settings, minor) {
                dt { (clause.text.get(words.lang)) }
                dd {
                    @match (draft.clauses[i], clause.confirm) {
                        (Some(false), _) => (words.get(WebMsg::Declined)),
                        (_, Confirm::Initials) => (draft.value(&clause_names(i).0)),
                        _ => (words.get(WebMsg::Accepted)),
                    }
                }
            }
        }))
        (section(Step::Sign, html! {
            @for signer in signers(minor) {
                dt { (words.get(match signer { Signer::Customer => WebMsg::YourSignature, Signer::Guardian => WebMsg::GuardianSignature })) }
                dd {
                    @if let Some(png) = signer.adopted(draft) {
                        img.adopted src={ "data:image/png;base64," (png) } alt=(words.get(WebMsg::YourSignature));
                    } @else { (not_given) }
                }
            }
        }))
    }
}

/// What the error summary calls a control.
fn label_of(words: Words<'_>, settings: &Settings, name: &str) -> String {
    if let Some(spec) = fields::spec(name) {
        return words.get(spec.label).into_owned();
    }
    let index = |prefix: char| {
        name.strip_prefix(prefix)
            .map(|rest| rest.split('_').next().unwrap_or(""))
            .and_then(|i| i.parse::<usize>().ok())
    };
    if let Some(q) = index('q').and_then(|i| settings.questions.get(i)) {
        return q.name.clone();
    }
    if let Some(c) = index('c').and_then(|i| settings.template.clauses.get(i)) {
        let text = c.text.get(words.lang);
        let short: String = text.chars().take(40).collect();
        return if short.len() < text.len() {
            format!("{short}…")
        } else {
            short
        };
    }
    words
        .get(match name {
            "guardian_signature" => WebMsg::GuardianSignature,
            _ => WebMsg::YourSignature,
        })
        .into_owned()
}

/// The confirmation after a submit.
pub fn done(words: Words<'_>, settings: &Settings, name: &str) -> Markup {
    let body = html! {
        h1 { (words.with(WebMsg::Done, &[("name", name.to_owned())])) }
        p { (words.get(WebMsg::DoneHint)) }
    };
    frame(
        words,
        settings,
        &words.get(WebMsg::Title),
        None,
        false,
        body,
    )
}

/// A refusal: what is wrong, and a way to start again. Says nothing of what was posted.
pub fn refused(words: Words<'_>, settings: &Settings, why: &str) -> Markup {
    let body = html! {
        h1 { (words.get(WebMsg::Refused)) }
        p.refusal { (why) }
        p { a.button href={ "/sign?lang=" (words.lang.code()) } { (words.get(WebMsg::StartAgain)) } }
    };
    frame(
        words,
        settings,
        &words.get(WebMsg::Refused),
        None,
        false,
        body,
    )
}
