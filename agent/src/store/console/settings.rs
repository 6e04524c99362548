//! The shop's settings: the shop itself (name, idle timeout, adult age, languages, region,
//! Web Sign's address), its logo, the release template and the health questions, each its
//! own form. Every save goes through `intake_common::settings::save`, which checks the new
//! file with the same parser and checks as the store's start, writes it atomically, makes
//! a new template version when the template changed, and audits it; the new settings are
//! then put in force for the console and Web Sign at once (`live`). Paired kiosks keep
//! their own settings files, and the page says so.

use axum::extract::Query;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use intake_common::release::{self, TemplateVersion};
use intake_common::settings::{self, Change, Lang, MAX_LOGO_BYTES, Shop};
use intake_common::{Error, Permission};
use maud::{Markup, html};

use super::super::error::ApiResult;
use super::super::live::Current;
use super::form::{Input, Problems, without_field};
use super::settings_release::{self as rel, Preview};
use super::words::{Msg, Words};
use super::{Page, Posted, Staff};

/// Where the settings page is.
pub const SETTINGS: &str = "/console/settings";

/// What the page shows beyond the settings in force: what was posted and refused, a
/// preview, and a save just made.
#[derive(Default)]
pub(super) struct Shown {
    /// The shop form as posted (after a refusal).
    pub shop: Option<ShopForm>,
    /// The template and questions files as posted (after a refusal or a preview).
    pub template: Option<String>,
    pub questions: Option<String>,
    pub problems: Problems,
    pub preview: Option<Preview>,
    pub saved: bool,
}

/// The shop form's fields, as typed.
#[derive(Clone, Default)]
pub(super) struct ShopForm {
    name: String,
    idle: String,
    warning: String,
    adult_age: String,
    languages: Vec<Lang>,
    region: String,
    web_sign_url: String,
    /// Whether the store deletes what passed its date (a policy is stated).
    retention_on: bool,
    /// The retention policy's figures, in `RETENTION`'s order.
    retention: [String; 4],
}

/// The retention policy's fields: the form's id, its words, its hint.
const RETENTION: [(&str, Msg, Msg); 4] = [
    ("release-years", Msg::ReleaseYears, Msg::ReleaseYearsHint),
    ("minor-years", Msg::MinorYears, Msg::MinorYearsHint),
    ("customer-years", Msg::CustomerYears, Msg::CustomerYearsHint),
    ("audit-years", Msg::AuditYears, Msg::AuditYearsHint),
];

impl ShopForm {
    fn of(shop: &Shop, current: &Current) -> Self {
        Self {
            name: shop.name.clone(),
            idle: shop.idle_timeout_secs.to_string(),
            warning: shop.idle_warning_secs.to_string(),
            adult_age: shop.adult_age.to_string(),
            languages: shop.languages.clone(),
            region: current.region_in_file.code().to_string(),
            web_sign_url: shop.web_sign_url.clone().unwrap_or_default(),
            retention_on: shop.retention.is_some(),
            retention: {
                let p = shop.retention();
                [
                    p.release_years,
                    p.minor_years_after_majority,
                    p.customer_years,
                    p.audit_years,
                ]
                .map(|n| n.to_string())
            },
        }
    }
}

#[derive(serde::Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /console/settings`.
pub async fn show(staff: Staff, Query(q): Query<SavedQuery>) -> Page {
    let shown = Shown {
        saved: q.saved.is_some(),
        ..Shown::default()
    };
    render(&staff, shown, StatusCode::OK).await
}

/// The template's stored versions, once `staff` is known to hold `manage:settings`.
async fn versions(staff: &Staff, id: String) -> ApiResult<Vec<TemplateVersion>> {
    let actor = staff.actor.clone();
    staff
        .state
        .pool
        .run(move |db| {
            actor.require(Permission::ManageSettings)?;
            Ok(release::template_versions(db.conn(), &id)?)
        })
        .await
}

/// The whole page, with `shown` over the settings in force.
pub(super) async fn render(staff: &Staff, shown: Shown, status: StatusCode) -> Page {
    let current = staff.console().current();
    let versions = match versions(staff, current.template.id.clone()).await {
        Ok(v) => v,
        Err(e) => return staff.failed(e),
    };
    let dir = staff.state.live.dir.clone();
    let text = |name: &str| {
        let dir = dir.is_dir().then_some(dir.as_path());
        settings::text_of(dir, name).unwrap_or_default()
    };
    let template = shown
        .template
        .clone()
        .unwrap_or_else(|| text(settings::TEMPLATE_FILE));
    let questions = shown
        .questions
        .clone()
        .unwrap_or_else(|| text(settings::QUESTIONS_FILE));
    let w = staff.words();
    let title = w.get(Msg::Settings);
    let shop_form = shown
        .shop
        .clone()
        .unwrap_or_else(|| ShopForm::of(&current.settings.shop, &current));
    let body = html! {
        h1 { (title) }
        @if shown.saved {
            p.notice role="status" { (w.get(Msg::SettingsSaved)) }
        }
        (shown.problems.summary(w))
        p { (w.with(Msg::SettingsWhere, &[("dir", dir.display().to_string())])) }
        p.hint { (w.get(Msg::SettingsKiosks)) }
        (shop_section(staff, w, &shop_form, &current, &shown.problems))
        (logo_section(staff, w, &current, &shown.problems))
        (rel::template_section(staff, w, &template, &current, &versions, &shown))
        (rel::questions_section(staff, w, &questions, &shown))
    };
    let status = if shown.problems.is_empty() {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    staff.page(status, &title, body)
}

fn shop_section(
    staff: &Staff,
    w: Words<'_>,
    form: &ShopForm,
    current: &Current,
    problems: &Problems,
) -> Markup {
    let input = |id: &'static str, label: Msg, value: &str, hint: Option<Msg>, max: usize| {
        Input {
            id,
            name: id,
            label: w.get(label).into_owned(),
            kind: "text",
            value,
            maxlength: max,
            hint: hint.map(|h| w.get(h).into_owned()),
            digits: false,
            autocomplete: "off",
            required: true,
        }
        .render(problems)
    };
    let digits = |id: &'static str, label: Msg, value: &str, hint: Msg| {
        Input {
            id,
            name: id,
            label: w.get(label).into_owned(),
            kind: "text",
            value,
            maxlength: 5,
            hint: Some(w.get(hint).into_owned()),
            digits: true,
            autocomplete: "off",
            required: true,
        }
        .render(problems)
    };
    // The shop's languages first, in their order (the first is the default), then the rest.
    let mut order: Vec<Lang> = form.languages.clone();
    order.extend(
        Lang::ALL
            .into_iter()
            .filter(|l| !form.languages.contains(l)),
    );
    let lang_problem = problems.at("languages");
    let running = current.settings.shop.region.code();
    html! {
        section aria-labelledby="shop-heading" {
            h2 #shop-heading { (w.get(Msg::ShopSection)) }
            form.edit method="post" action={ (SETTINGS) "/shop" } novalidate {
                input type="hidden" name="csrf" value=(staff.csrf);
                (input("name", Msg::ShopName, &form.name, None, 120))
                (digits("idle", Msg::IdleTimeout, &form.idle, Msg::IdleTimeoutHint))
                (digits("warning", Msg::IdleWarning, &form.warning, Msg::IdleWarningHint))
                (digits("adult-age", Msg::AdultAge, &form.adult_age, Msg::AdultAgeHint))
                fieldset #languages aria-describedby="languages-hint" {
                    legend { (w.get(Msg::Languages)) }
                    p.hint #languages-hint { (w.get(Msg::LanguagesHint)) }
                    @if let Some(p) = lang_problem {
                        p.error #languages-error { (p) }
                    }
                    @for lang in order {
                        div.check {
                            input type="checkbox" id={ "lang-" (lang.code()) } name="languages"
                                value=(lang.code()) checked[form.languages.contains(&lang)]
                                aria-invalid=[lang_problem.map(|_| "true")];
                            label for={ "lang-" (lang.code()) } lang=(lang.code()) { (lang.native_name()) }
                        }
                    }
                }
                (input("region", Msg::Region, &form.region, Some(Msg::RegionHint), 2))
                @if running != form.region.to_ascii_uppercase() && problems.at("region").is_none() {
                    p.hint { (w.with(Msg::RegionPending, &[("region", running.to_string())])) }
                }
                (Input {
                    id: "web-sign-url", name: "web-sign-url", label: w.get(Msg::WebSignUrl).into_owned(),
                    kind: "url", value: &form.web_sign_url, maxlength: 300,
                    hint: Some(w.get(Msg::WebSignUrlHint).into_owned()), digits: false,
                    autocomplete: "off", required: false,
                }.render(problems))
                fieldset #retention aria-describedby="retention-hint" {
                    legend { (w.get(Msg::RetentionSection)) }
                    p.hint #retention-hint { (w.get(Msg::RetentionHint)) }
                    @if current.settings.shop.retention.is_none() {
                        p.notice { (w.get(Msg::RetentionUnset)) }
                    }
                    @if staff.may(Permission::LegalCustomer) {
                        div.check {
                            input #retention-on type="checkbox" name="retention-on" value="yes"
                                checked[form.retention_on];
                            label for="retention-on" { (w.get(Msg::RetentionOn)) }
                        }
                        @for ((id, label, hint), value) in RETENTION.iter().zip(&form.retention) {
                            (digits(id, *label, value, *hint))
                        }
                    } @else {
                        p.hint { (w.get(Msg::RetentionLegalOnly)) }
                        @if form.retention_on {
                            dl.profile {
                                @for ((_, label, _), value) in RETENTION.iter().zip(&form.retention) {
                                    dt { (w.get(*label)) }
                                    dd { (value) }
                                }
                            }
                        }
                    }
                }
                button type="submit" { (w.get(Msg::SaveShop)) }
            }
        }
    }
}

fn logo_section(staff: &Staff, w: Words<'_>, current: &Current, problems: &Problems) -> Markup {
    let problem = problems.at("logo");
    let described = match problem {
        Some(_) => "logo-hint logo-error",
        None => "logo-hint",
    };
    html! {
        section aria-labelledby="logo-heading" {
            h2 #logo-heading { (w.get(Msg::LogoSection)) }
            @match &current.settings.logo {
                Some(png) => img.logo src={ "data:image/png;base64," (STANDARD.encode(png)) }
                    alt=(w.get(Msg::LogoAlt));
                None => p { (w.get(Msg::LogoNone)) },
            }
            form.edit method="post" action={ (SETTINGS) "/logo" } enctype="multipart/form-data" {
                // The token first: nothing is read past a forged one.
                input type="hidden" name="csrf" value=(staff.csrf);
                div.field {
                    label for="logo" { (w.get(Msg::LogoFile)) }
                    p.hint #logo-hint {
                        (w.with(Msg::LogoHint, &[("kib", (MAX_LOGO_BYTES / 1024).to_string())]))
                    }
                    @if let Some(p) = problem {
                        p.error #logo-error { (p) }
                    }
                    input #logo type="file" name="logo" accept="image/png" required
                        aria-invalid=[problem.map(|_| "true")] aria-describedby=(described);
                }
                button type="submit" { (w.get(Msg::UploadLogo)) }
            }
        }
    }
}

/// `POST /console/settings/shop`.
pub async fn save_shop(posted: Posted) -> Page {
    let w = posted.staff.words();
    let current = posted.staff.console().current();
    let mut problems = Problems::default();
    let form = ShopForm {
        name: posted.get("name").chars().take(200).collect(),
        idle: posted.get("idle").chars().take(20).collect(),
        warning: posted.get("warning").chars().take(20).collect(),
        adult_age: posted.get("adult-age").chars().take(20).collect(),
        languages: posted
            .all("languages")
            .filter_map(|code| Lang::ALL.into_iter().find(|l| l.code() == code))
            .fold(Vec::new(), |mut all, l| {
                if !all.contains(&l) {
                    all.push(l);
                }
                all
            }),
        region: posted.get("region").chars().take(20).collect(),
        web_sign_url: posted.get("web-sign-url").chars().take(400).collect(),
        retention_on: posted.get("retention-on") == "yes",
        retention: RETENTION.map(|(id, _, _)| posted.get(id).chars().take(20).collect()),
    };
    // How long records are kept is legal:customer's to change: without it the policy in
    // force stays, whatever was posted (the page shows it read-only).
    let legal = posted.staff.may(Permission::LegalCustomer);
    let form = if legal {
        form
    } else {
        let kept = ShopForm::of(&current.settings.shop, &current);
        ShopForm {
            retention_on: kept.retention_on,
            retention: kept.retention,
            ..form
        }
    };
    let mut number = |id: &'static str, label: Msg, value: &str| match value.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            problems.add(
                id,
                w.get(label),
                w.with(Msg::NotANumber, &[("value", value.to_string())]),
            );
            0
        }
    };
    let idle = number("idle", Msg::IdleTimeout, &form.idle);
    let warning = number("warning", Msg::IdleWarning, &form.warning);
    let adult_age = number("adult-age", Msg::AdultAge, &form.adult_age);
    let [
        release_years,
        minor_years_after_majority,
        customer_years,
        audit_years,
    ] = std::array::from_fn(|i| {
        let (id, label, _) = RETENTION[i];
        number(id, label, &form.retention[i])
    });
    let region = match form.region.parse() {
        Ok(r) => Some(r),
        Err(e) => {
            problems.add("region", w.get(Msg::Region), e);
            None
        }
    };
    let url = form.web_sign_url.trim();
    if !url.is_empty()
        && (!url.starts_with("https://")
            || url.len() <= "https://".len()
            || url.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        problems.add("web-sign-url", w.get(Msg::WebSignUrl), w.get(Msg::NotHttps));
    }
    if form.languages.is_empty() {
        problems.add("languages", w.get(Msg::Languages), w.get(Msg::NoLanguage));
    }
    let shop = Shop {
        name: form.name.trim().to_string(),
        logo: current.settings.shop.logo.clone(),
        idle_timeout_secs: idle,
        idle_warning_secs: warning,
        languages: form.languages.clone(),
        adult_age,
        web_sign_url: (!url.is_empty()).then(|| url.to_string()),
        region: region.unwrap_or(current.region_in_file),
        retention: match (legal, form.retention_on) {
            (false, _) => current.settings.shop.retention,
            (true, true) => Some(settings::Retention {
                release_years,
                minor_years_after_majority,
                customer_years,
                audit_years,
            }),
            (true, false) => None,
        },
    };
    let policy_before = current.settings.shop.retention;
    let policy_after = shop.retention;
    // The store's own checks, each beside its field (a number that did not parse is
    // named once already).
    for (field, message) in settings::shop_problems(&shop) {
        let (id, label) = match field {
            "name" => ("name", Msg::ShopName),
            "idle_timeout_secs" => ("idle", Msg::IdleTimeout),
            "idle_warning_secs" => ("warning", Msg::IdleWarning),
            "adult_age" => ("adult-age", Msg::AdultAge),
            "retention.release_years" => ("release-years", Msg::ReleaseYears),
            "retention.minor_years_after_majority" => ("minor-years", Msg::MinorYears),
            "retention.customer_years" => ("customer-years", Msg::CustomerYears),
            "retention.audit_years" => ("audit-years", Msg::AuditYears),
            _ => ("languages", Msg::Languages),
        };
        if problems.at(id).is_none() {
            problems.add(id, w.get(label), without_field(&message));
        }
    }
    if !problems.is_empty() {
        return refused(&posted.staff, form, problems).await;
    }
    match save(&posted.staff, Change::Shop(shop)).await {
        Ok(()) => {
            if policy_before != policy_after {
                audit_policy(&posted.staff, policy_before, policy_after).await;
            }
            saved()
        }
        Err(SaveError::Refused(message)) => {
            problems.general(message);
            refused(&posted.staff, form, problems).await
        }
        Err(SaveError::Failed(page)) => *page,
    }
}

/// A change of how long records are kept, old and new figures, in the audit log.
async fn audit_policy(
    staff: &Staff,
    before: Option<settings::Retention>,
    after: Option<settings::Retention>,
) {
    let say = |p: Option<settings::Retention>| match p {
        Some(p) => format!(
            "releases {}y, minors +{}y after majority, customers {}y, audit log {}y",
            p.release_years, p.minor_years_after_majority, p.customer_years, p.audit_years
        ),
        None => "none (nothing deleted)".to_owned(),
    };
    let detail = format!("from {} to {}", say(before), say(after));
    let actor = staff.actor.name.clone();
    let recorded = staff
        .state
        .pool
        .run(move |db| {
            Ok(intake_common::audit::record(
                db.conn(),
                &actor,
                "retention.policy",
                None,
                &detail,
            )?)
        })
        .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e.message(), "the retention policy's change was saved but not audited");
    }
}

async fn refused(staff: &Staff, form: ShopForm, problems: Problems) -> Page {
    let shown = Shown {
        shop: Some(form),
        problems,
        ..Shown::default()
    };
    render(staff, shown, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /console/settings/logo` (multipart): the PNG, after the form's token.
pub async fn save_logo(staff: Staff, multipart: Result<Multipart, MultipartRejection>) -> Page {
    let w = staff.words();
    let mut problems = Problems::default();
    match receive_logo(&staff, multipart).await {
        Ok(png) => match save(&staff, Change::Logo(png)).await {
            Ok(()) => return saved(),
            Err(SaveError::Refused(m)) => problems.add("logo", w.get(Msg::LogoFile), m),
            Err(SaveError::Failed(page)) => return *page,
        },
        Err(Some((status, message))) if status == StatusCode::FORBIDDEN => {
            return staff.failed(super::ApiError::forbidden(message));
        }
        Err(Some((_, message))) => problems.add("logo", w.get(Msg::LogoFile), message),
        Err(None) => problems.add("logo", w.get(Msg::LogoFile), w.get(Msg::LogoMissing)),
    }
    let shown = Shown {
        problems,
        ..Shown::default()
    };
    render(&staff, shown, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The uploaded logo's bytes: refused past the token, the size or the PNG check (`None`:
/// no file was chosen).
async fn receive_logo(
    staff: &Staff,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Vec<u8>, Option<(StatusCode, String)>> {
    let w = staff.words();
    let bad = |m: Msg| Some((StatusCode::BAD_REQUEST, w.get(m).into_owned()));
    let mut multipart = multipart.map_err(|_| bad(Msg::ImportNotAForm))?;
    if !staff.token_first(&mut multipart).await {
        return Err(Some((
            StatusCode::FORBIDDEN,
            w.get(Msg::RefusedForm).into_owned(),
        )));
    }
    let mut field = loop {
        match multipart.next_field().await {
            Ok(Some(f)) if f.name() == Some("logo") => break f,
            Ok(Some(_)) => continue,
            Ok(None) => return Err(None),
            Err(_) => return Err(bad(Msg::ImportNotAForm)),
        }
    };
    let mut bytes = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                bytes.extend_from_slice(&chunk);
                // Read no further than one byte past the largest logo.
                if bytes.len() > MAX_LOGO_BYTES {
                    let why = settings::check_logo(&bytes).err().unwrap_or_default();
                    return Err(Some((StatusCode::PAYLOAD_TOO_LARGE, why)));
                }
            }
            Ok(None) => break,
            Err(_) => return Err(bad(Msg::ImportNotAForm)),
        }
    }
    if bytes.is_empty() {
        return Err(None);
    }
    settings::check_logo(&bytes).map_err(|m| Some((StatusCode::UNPROCESSABLE_ENTITY, m)))?;
    Ok(bytes)
}

/// Why a save did not happen: a value the checks refused (named on the page), or a page
/// saying the store could not.
pub(super) enum SaveError {
    Refused(String),
    Failed(Box<Page>),
}

/// Saves `change` through `intake_common` and puts the new settings in force.
pub(super) async fn save(staff: &Staff, change: Change) -> Result<(), SaveError> {
    let actor = staff.actor.clone();
    let dir = staff.state.live.dir.clone();
    let done = staff
        .state
        .pool
        .run(move |db| Ok(settings::save(db, &actor, &dir, &change)))
        .await;
    match done {
        Ok(Ok(saved)) => {
            let current = Current::new(saved.settings, saved.template, staff.state.region);
            staff.state.live.set(saved.generation, current);
            Ok(())
        }
        Ok(Err(Error::Invalid(message))) => Err(SaveError::Refused(message)),
        Ok(Err(e)) => Err(SaveError::Failed(Box::new(staff.failed(e.into())))),
        Err(e) => Err(SaveError::Failed(Box::new(staff.failed(e)))),
    }
}

/// The page again, saying the save is in force.
pub(super) fn saved() -> Page {
    Page::redirect(&format!("{SETTINGS}?saved=1"))
}
