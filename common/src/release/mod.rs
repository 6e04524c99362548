//! Signed releases: what a customer signs at the kiosk, how it is stored, and the one
//! durable transaction that records a whole registration.
//!
//! A release keeps everything it was signed over — the template and its version, the
//! clauses shown for the signer's age with their initials (and, for an optional one,
//! whether it was accepted), the health answers, the signature image, the time and the
//! device — sealed in the database, with a SHA-256 of that content beside it.

mod clauses;
pub mod pdf;
mod returning;
pub mod signature;
mod stored;

pub use clauses::{Choice, ClauseAnswer, Signer};
pub use returning::{Returning, find_returning};
pub use stored::{Facts, GuardianName, Summary, list, list_with_facts, open};
pub(crate) use stored::{facts, verified_view};

use std::collections::BTreeMap;

use crate::db::{Connection, OptionalExtension, params};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::customer::{Contact, Field, MedicalCondition, Profile};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mutation::{self, Mutation, Op};
use crate::settings::{HealthQuestion, Lang, Template};

/// The profile fields a customer fills in at the kiosk. A returning customer's other
/// fields (notes, membership number, ...) are never touched from the kiosk.
pub const KIOSK_FIELDS: [Field; 16] = [
    Field::FirstName,
    Field::MiddleName,
    Field::LastName,
    Field::Nickname,
    Field::Email,
    Field::PhoneNumber,
    Field::Birthdate,
    Field::Gender,
    Field::Street,
    Field::Street2,
    Field::City,
    Field::State,
    Field::PostalCode,
    Field::Country,
    Field::Occupation,
    Field::OptIn,
];

/// Fields the kiosk will not submit without.
pub const REQUIRED_FIELDS: [Field; 4] = [
    Field::FirstName,
    Field::LastName,
    Field::PhoneNumber,
    Field::Birthdate,
];

/// A template as stored: which one and which version.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: u32,
    pub sha256: String,
}

/// Records `template` if it differs from the newest stored version of its id, and returns
/// the version it is stored as. The body is compared as parsed (comments and spacing in the
/// file do not make a new version).
pub fn register_template(db: &mut Db, template: &Template) -> Result<TemplateRef> {
    let body = serde_json::to_string(template).map_err(|e| Error::Invalid(e.to_string()))?;
    let sha256 = crate::crypto::hex(&Sha256::digest(body.as_bytes()));
    let tx = db.write()?;
    let newest: Option<(u32, String)> = tx
        .query_row(
            "SELECT version, sha256 FROM release_templates WHERE template_id = ?1
             ORDER BY version DESC LIMIT 1",
            [&template.id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let version = match newest {
        Some((version, sha)) if sha == sha256 => version,
        newest => {
            let version = newest.map_or(1, |(v, _)| v + 1);
            tx.execute(
                "INSERT INTO release_templates(template_id, version, sha256, body, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![template.id, version, sha256, body, crate::time::now()],
            )?;
            tracing::info!(template = %template.id, version, "new release template version");
            version
        }
    };
    tx.commit()?;
    Ok(TemplateRef {
        id: template.id.clone(),
        version,
        sha256,
    })
}

/// A stored template version.
pub fn template(conn: &Connection, id: &str, version: u32) -> Result<Template> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM release_templates WHERE template_id = ?1 AND version = ?2",
            params![id, version],
            |r| r.get(0),
        )
        .optional()?;
    let body = body
        .ok_or_else(|| Error::Invalid(format!("no release template {id:?} version {version}")))?;
    serde_json::from_str(&body).map_err(|e| Error::Invalid(format!("template {id:?}: {e}")))
}

/// A stored version of a release template, and how many releases were signed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateVersion {
    pub version: u32,
    pub created_at: String,
    pub releases: u64,
}

/// Every stored version of the template `id`, newest first, each with its releases' count.
pub fn template_versions(conn: &Connection, id: &str) -> Result<Vec<TemplateVersion>> {
    let mut stmt = conn.prepare(
        "SELECT t.version, t.created_at,
                (SELECT COUNT(*) FROM releases r
                 WHERE r.template_id = t.template_id AND r.template_version = t.version)
         FROM release_templates t WHERE t.template_id = ?1 ORDER BY t.version DESC",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(TemplateVersion {
            version: r.get(0)?,
            created_at: r.get(1)?,
            releases: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// One health question as the customer saw and answered it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthAnswer {
    pub question_id: String,
    /// The question in the language it was asked.
    pub question: String,
    /// The staff-facing short name.
    pub name: String,
    pub kind: crate::customer::MedicalKind,
    pub answer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

impl HealthAnswer {
    pub fn new(q: &HealthQuestion, lang: Lang, answer: bool, details: Option<String>) -> Self {
        Self {
            question_id: q.id.clone(),
            question: q.text.get(lang).to_owned(),
            name: q.name.clone(),
            kind: q.kind,
            answer,
            details: details.filter(|d| !d.trim().is_empty()),
        }
    }

    /// The medical record a "yes" puts on the customer's file.
    pub fn condition(&self) -> Option<MedicalCondition> {
        self.answer.then(|| MedicalCondition {
            kind: self.kind,
            name: self.name.clone(),
            details: self.details.clone(),
        })
    }
}

/// The adult who signs for a minor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    pub name: String,
    pub relationship: String,
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, content_encoding = "base64", content_media_type = "image/png"))]
    pub signature_png: Vec<u8>,
}

/// Everything a release was signed over. Its SHA-256 is the release's fingerprint.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseContent {
    pub release_id: Uuid,
    pub customer_id: Uuid,
    pub template: TemplateRef,
    pub title: String,
    pub language: Lang,
    pub signed_at: DateTime<Utc>,
    pub device: String,
    /// The profile as submitted, keyed by studio column name.
    pub customer: BTreeMap<String, String>,
    pub age_at_signing: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency: Option<Contact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physician: Option<Contact>,
    pub health: Vec<HealthAnswer>,
    pub clauses: Vec<ClauseAnswer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<Guardian>,
    #[serde(with = "b64")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, content_encoding = "base64", content_media_type = "image/png"))]
    pub signature_png: Vec<u8>,
}

impl ReleaseContent {
    /// SHA-256 of the content's canonical JSON, in hex.
    pub fn sha256(&self) -> String {
        let json = serde_json::to_vec(self).expect("release content serialises");
        crate::crypto::hex(&Sha256::digest(&json))
    }

    /// What the PDF's QR code says: the release id and its fingerprint.
    pub fn qr_payload(&self) -> String {
        format!("intake:release:{}:{}", self.release_id, self.sha256())
    }
}

mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// Applies a signed release inside a mutation's transaction.
/// The device name a release signed on the customer's own phone (Web Sign) carries: no
/// paired device may take it, so no device's location is ever stamped on those releases.
pub const WEB_SIGN_DEVICE: &str = "web-sign";

pub(crate) fn apply_signed(
    tx: &crate::db::Transaction<'_>,
    sealer: &crate::crypto::Sealer,
    customer: Uuid,
    release: &ReleaseContent,
    claimed_sha256: Option<&str>,
) -> Result<()> {
    let (sealed, sha) = seal_content(sealer, release, claimed_sha256)?;
    // Where it was signed is the store's record of the device that sent it (a chain's
    // location; none in a single shop, or on the device itself).
    tx.prepare_cached(
        "INSERT INTO releases(id, customer_id, template_id, template_version, signed_at, device,
                              sealed, content_sha256, location)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 (SELECT location FROM devices WHERE name = ?6 AND revoked_at IS NULL))
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        release.release_id,
        customer,
        release.template.id,
        release.template.version,
        crate::time::format(release.signed_at),
        release.device,
        sealed,
        sha
    ])?;
    Ok(())
}

/// The release sealed as stored, and its fingerprint, checked against the one it was
/// signed with when one is claimed. One serialisation serves the fingerprint and the
/// sealed copy (the same canonical JSON `sha256` hashes).
pub(crate) fn seal_content(
    sealer: &crate::crypto::Sealer,
    release: &ReleaseContent,
    claimed_sha256: Option<&str>,
) -> Result<(Vec<u8>, String)> {
    let json = serde_json::to_vec(release).expect("release content serialises");
    let sha = crate::crypto::hex(&Sha256::digest(&json));
    if claimed_sha256.is_some_and(|claimed| claimed != sha) {
        return Err(Error::Invalid(format!(
            "release {}: its content does not match the SHA-256 it was signed with",
            release.release_id
        )));
    }
    Ok((sealer.seal(release.release_id.as_bytes(), &json), sha))
}

/// What a customer submits at the kiosk.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The customer's id when they were recognised as returning.
    pub existing: Option<Uuid>,
    /// Whether the returning customer was shown what is on file (the kiosk's summary),
    /// so a field they left empty clears the stored value. Web Sign never shows stored
    /// data: there an empty field means "not given" and keeps what is stored.
    pub shown_stored: bool,
    pub profile: Profile,
    pub emergency: Option<Contact>,
    pub physician: Option<Contact>,
    pub health: Vec<HealthAnswer>,
    pub language: Lang,
    pub clauses: Vec<ClauseAnswer>,
    pub guardian: Option<Guardian>,
    pub signature_png: Vec<u8>,
}

impl Registration {
    /// Whether the registration's value of `field` goes to a returning customer's file:
    /// a value always, an empty field only after the customer saw what it would clear.
    fn clears(&self, field: Field) -> bool {
        self.shown_stored || self.profile.get(field).is_some()
    }
}

/// What a submit recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub customer: Uuid,
    pub release: Uuid,
    pub sha256: String,
}

/// The kiosk's device context for a submit.
#[derive(Debug, Clone)]
pub struct Signing<'a> {
    pub device: &'a str,
    pub template: &'a Template,
    pub template_ref: &'a TemplateRef,
    pub questions: &'a [HealthQuestion],
    pub adult_age: u32,
    /// Where phone numbers written without a country code belong.
    pub region: crate::normalize::Region,
    pub now: DateTime<Utc>,
}

impl<'a> Signing<'a> {
    /// Signing now on `device` under the shop's settings and the stored template version.
    pub fn new(
        device: &'a str,
        settings: &'a crate::settings::Settings,
        template_ref: &'a TemplateRef,
    ) -> Self {
        Self {
            device,
            template: &settings.template,
            template_ref,
            questions: &settings.questions,
            adult_age: settings.shop.adult_age,
            region: settings.shop.region,
            now: Utc::now(),
        }
    }
}

/// Age in whole years on `today`.
pub fn age_on(birthdate: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birthdate.year();
    if (today.month(), today.day()) < (birthdate.month(), birthdate.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// Checks a registration the way the kiosk's screens do, so nothing incomplete is stored
/// even if a screen let it through.
pub fn validate(reg: &Registration, ctx: &Signing<'_>) -> Result<u32> {
    let fail = |m: String| Err(Error::Invalid(m));
    for field in REQUIRED_FIELDS {
        if reg.profile.get(field).is_none() {
            return fail(format!("{} is required", field.column()));
        }
    }
    for (field, value) in reg.profile.iter() {
        if let Some(value) = value {
            field
                .parse(value, ctx.region)
                .map_err(|m| Error::Invalid(format!("{}: {m}", field.column())))?;
        }
    }
    let birthdate = reg
        .profile
        .birthdate()
        .ok_or_else(|| Error::Invalid("Birthdate is not a date".into()))?;
    let age = age_on(birthdate, ctx.now.date_naive());
    if birthdate > ctx.now.date_naive() {
        return fail("Birthdate is in the future".into());
    }
    let want: Vec<&str> = ctx.questions.iter().map(|q| q.id.as_str()).collect();
    let got: Vec<&str> = reg.health.iter().map(|a| a.question_id.as_str()).collect();
    if want != got {
        return fail("every health question needs an answer".into());
    }
    for (q, a) in ctx.questions.iter().zip(&reg.health) {
        if a.answer && q.details == crate::settings::Details::Required && a.details.is_none() {
            return fail(format!("health question {:?}: a yes needs details", q.id));
        }
    }
    let minor = age < ctx.adult_age;
    clauses::check(&reg.clauses, ctx.template, reg.language, minor)?;
    if reg.signature_png.is_empty() {
        return fail("the release is not signed".into());
    }
    if minor {
        match &reg.guardian {
            Some(g)
                if !g.name.trim().is_empty()
                    && !g.relationship.trim().is_empty()
                    && !g.signature_png.is_empty() => {}
            _ => {
                return fail(format!(
                    "a customer under {} needs a guardian's name, relationship and signature",
                    ctx.adult_age
                ));
            }
        }
    }
    Ok(age)
}

/// What a validated registration signs for `customer` on `device`, under a new release id.
fn signed_content(
    reg: &Registration,
    ctx: &Signing<'_>,
    customer: Uuid,
    device: &str,
    age: u32,
) -> ReleaseContent {
    ReleaseContent {
        release_id: Uuid::now_v7(),
        customer_id: customer,
        template: ctx.template_ref.clone(),
        title: ctx.template.title.get(reg.language).to_owned(),
        language: reg.language,
        signed_at: ctx.now,
        device: device.to_owned(),
        customer: reg
            .profile
            .iter()
            .filter_map(|(f, v)| v.map(|v| (f.column().to_owned(), v.to_owned())))
            .collect(),
        age_at_signing: age,
        emergency: reg.emergency.clone(),
        physician: reg.physician.clone(),
        health: reg.health.clone(),
        clauses: reg.clauses.clone(),
        guardian: reg.guardian.clone(),
        signature_png: reg.signature_png.clone(),
    }
}

/// Signs a registration without storing it: the release a kiosk on `device` would file
/// for `customer`, after the same checks as [`submit`]. For tests and tools that speak to
/// a store directly.
pub fn sign(
    reg: &Registration,
    ctx: &Signing<'_>,
    customer: Uuid,
    device: &str,
) -> Result<ReleaseContent> {
    let age = validate(reg, ctx)?;
    Ok(signed_content(reg, ctx, customer, device, age))
}

/// Records a whole registration — the customer (new, or changes to a returning one), the
/// contacts, the health answers and the signed release — as mutations in one durable
/// transaction. When this returns, the release is on disk.
///
/// The mutations queue in the order the store checks them in: the customer (a new one, or
/// the local row of a recognised one), then the release — which, for a returning customer,
/// carries the phone and birthdate that prove the kiosk knows them —, then the changes,
/// contacts and health answers that belong to it. On a paired device the release names
/// the device as the store knows it.
pub fn submit(db: &mut Db, reg: &Registration, ctx: &Signing<'_>) -> Result<Submitted> {
    submit_with(db, reg, ctx, |_, _| Ok(()))
}

/// [`submit`], with `also` run in the same transaction once the registration is in (given
/// what was submitted): an error from it stores nothing.
pub fn submit_with(
    db: &mut Db,
    reg: &Registration,
    ctx: &Signing<'_>,
    also: impl FnOnce(&crate::db::Transaction<'_>, &Submitted) -> Result<()>,
) -> Result<Submitted> {
    let age = validate(reg, ctx)?;
    let paired = crate::sync::credentials(db.conn())?.map(|c| c.device.name);
    let device = paired.as_deref().unwrap_or(ctx.device);
    let actor = format!("kiosk:{device}");
    let mut ops = Vec::new();
    let mut after_release = Vec::new();

    let (customer, known_conditions) = match reg.existing {
        // Recognised from a kiosk's recognition entry: the store has the customer and this
        // device does not. The create makes the local row (the store already has one, so
        // there it changes nothing); every field the customer confirmed goes as an update,
        // which wins over older edits field by field.
        Some(id) if !crate::sync::holds_customer(db.conn(), id)? => {
            ops.push(Op::CreateCustomer {
                customer: id,
                profile: reg.profile.clone(),
            });
            after_release.push(Op::UpdateCustomer {
                customer: id,
                changes: KIOSK_FIELDS
                    .into_iter()
                    .filter(|f| reg.clears(*f))
                    .map(|f| (f, reg.profile.get(f).map(str::to_owned)))
                    .collect(),
            });
            (id, Vec::new())
        }
        Some(id) => {
            let id = crate::db::resolve_customer(db.conn(), id)?;
            let stored = crate::customers::get(db.conn(), id)?;
            let changes: BTreeMap<Field, Option<String>> = KIOSK_FIELDS
                .into_iter()
                .filter(|f| stored.profile.get(*f) != reg.profile.get(*f) && reg.clears(*f))
                .map(|f| (f, reg.profile.get(f).map(str::to_owned)))
                .collect();
            if !changes.is_empty() {
                after_release.push(Op::UpdateCustomer {
                    customer: id,
                    changes,
                });
            }
            (id, crate::customers::medical_conditions(db, id)?)
        }
        None => {
            let id = Uuid::now_v7();
            ops.push(Op::CreateCustomer {
                customer: id,
                profile: reg.profile.clone(),
            });
            (id, Vec::new())
        }
    };
    for contact in [&reg.emergency, &reg.physician].into_iter().flatten() {
        after_release.push(Op::SetContact {
            customer,
            contact: contact.clone(),
        });
    }
    for condition in reg.health.iter().filter_map(HealthAnswer::condition) {
        // A returning customer answers again; the same answer is not filed twice.
        if !known_conditions.contains(&condition) {
            after_release.push(Op::AddMedicalCondition {
                customer,
                id: Uuid::now_v7(),
                condition,
            });
        }
    }
    let content = signed_content(reg, ctx, customer, device, age);
    let (release, sha256) = (content.release_id, content.sha256());
    ops.push(Op::SignRelease {
        customer,
        release: Box::new(content),
        sha256: Some(sha256.clone()),
    });
    ops.append(&mut after_release);
    for op in &ops {
        crate::change::validate(op, ctx.region)?;
    }
    let mutations: Vec<Mutation> = ops
        .into_iter()
        .map(|op| Mutation {
            id: Uuid::now_v7(),
            at: ctx.now,
            actor: actor.clone(),
            op,
        })
        .collect();
    let submitted = Submitted {
        customer,
        release,
        sha256,
    };
    mutation::submit_all_with(db, &mutations, |tx| also(tx, &submitted))?;
    Ok(submitted)
}
