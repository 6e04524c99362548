//! A release's clauses as the signer answered them, and the check that they are exactly
//! the template's clauses for that signer.
//!
//! Which clauses a signer sees depends on their age: a minor never sees an adult-only
//! clause and sees the guardian's, which the guardian confirms. An optional clause may be
//! declined; a required one may not.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::settings::{Audience, Clause, Confirm, Lang, Template};

/// An optional clause's answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    Accepted,
    Declined,
}

/// Who confirmed a clause: the customer, or the guardian signing for a minor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Signer {
    #[default]
    Customer,
    Guardian,
}

impl Signer {
    pub fn is_customer(&self) -> bool {
        *self == Signer::Customer
    }

    /// Who confirms a clause for `audience`.
    pub fn of(audience: Audience) -> Self {
        match audience {
            Audience::Guardian => Signer::Guardian,
            _ => Signer::Customer,
        }
    }
}

/// One clause as shown, with how it was confirmed.
///
/// `choice` and `by` are left out of the signed content when they say what every release
/// said before they existed (a required clause, confirmed by the customer), so a release
/// signed earlier reads the same and its SHA-256 still verifies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseAnswer {
    pub id: String,
    pub text: String,
    pub confirm: Confirm,
    /// The initials written against it; `None` for a ticked or a declined clause.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initials: Option<String>,
    /// An optional clause's answer. Absent for a required clause, which is always accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<Choice>,
    /// Who confirmed it. Absent: the customer.
    #[serde(default, skip_serializing_if = "Signer::is_customer")]
    pub by: Signer,
}

impl ClauseAnswer {
    /// `clause` as shown in `lang`, agreed to: with `initials` when it takes initials, and
    /// recorded as accepted when it is optional.
    pub fn agreed(clause: &Clause, lang: Lang, initials: &str) -> Self {
        Self {
            initials: (clause.confirm == Confirm::Initials).then(|| initials.to_owned()),
            choice: clause.optional.then_some(Choice::Accepted),
            ..Self::shown(clause, lang)
        }
    }

    /// An optional `clause` as shown in `lang`, declined: no initials.
    pub fn declined(clause: &Clause, lang: Lang) -> Self {
        Self {
            choice: Some(Choice::Declined),
            ..Self::shown(clause, lang)
        }
    }

    fn shown(clause: &Clause, lang: Lang) -> Self {
        Self {
            id: clause.id.clone(),
            text: clause.text.get(lang).to_owned(),
            confirm: clause.confirm,
            initials: None,
            choice: None,
            by: Signer::of(clause.audience),
        }
    }

    /// Whether the signer agreed to it (every required clause was).
    pub fn accepted(&self) -> bool {
        self.choice != Some(Choice::Declined)
    }
}

/// Checks that `answers` are the clauses of `template` a signer of this age sees, in
/// order, each as shown in `lang` and confirmed as the template asks. The error names the
/// clause.
pub(crate) fn check(
    answers: &[ClauseAnswer],
    template: &Template,
    lang: Lang,
    minor: bool,
) -> Result<()> {
    let fail = |id: &str, m: String| Err(Error::Invalid(format!("clause {id:?}: {m}")));
    let signer = if minor { "a minor" } else { "an adult" };
    let shown: Vec<&Clause> = template.clauses_for(minor).collect();
    for a in answers {
        let Some(clause) = template.clauses.iter().find(|c| c.id == a.id) else {
            return fail(
                &a.id,
                format!("not a clause of the release template {:?}", template.id),
            );
        };
        if !clause.audience.shown_to(minor) {
            return fail(
                &a.id,
                format!(
                    "it is for {} only and is not shown to {signer}",
                    match clause.audience {
                        Audience::Adult => "adults",
                        Audience::Minor => "minors",
                        _ => "guardians",
                    }
                ),
            );
        }
    }
    for (i, clause) in shown.iter().enumerate() {
        let Some(a) = answers.get(i).filter(|a| a.id == clause.id) else {
            return if answers.iter().any(|a| a.id == clause.id) {
                fail(&clause.id, "answered out of the template's order".into())
            } else {
                fail(&clause.id, format!("{signer} must answer it"))
            };
        };
        if a.text != clause.text.get(lang) || a.confirm != clause.confirm {
            return fail(
                &clause.id,
                "its text or how it is confirmed is not the template's".into(),
            );
        }
        if a.by != Signer::of(clause.audience) {
            return fail(
                &clause.id,
                match clause.audience {
                    Audience::Guardian => "the guardian confirms it".into(),
                    _ => "the customer confirms it".into(),
                },
            );
        }
        match (clause.optional, a.choice) {
            (false, None) | (true, Some(Choice::Accepted)) => {
                if clause.confirm == Confirm::Initials
                    && a.initials.as_deref().is_none_or(|i| i.trim().is_empty())
                {
                    return fail(&clause.id, "it needs initials".into());
                }
            }
            (true, Some(Choice::Declined)) => {
                if a.initials.is_some() {
                    return fail(&clause.id, "declined, it carries no initials".into());
                }
            }
            (true, None) => return fail(&clause.id, "accept or decline it".into()),
            (false, Some(_)) => {
                return fail(&clause.id, "it is required: it cannot be declined".into());
            }
        }
    }
    if answers.len() > shown.len() {
        // Every answer is a shown clause, so one of them is answered twice.
        let twice = answers
            .iter()
            .enumerate()
            .find(|(i, a)| answers[..*i].iter().any(|b| b.id == a.id))
            .map_or("", |(_, a)| a.id.as_str());
        return fail(twice, "answered twice".into());
    }
    Ok(())
}
