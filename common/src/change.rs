//! The one front door for a change to customer data. Whoever asks — staff at the command
//! line, the counter display or the HTTP API, or a paired device — the change is checked
//! the same way: who may make it, how long each text may be, and (for a device) what the
//! store accepts from it. Only then is it applied.

use uuid::Uuid;

use crate::customer::{Contact, Field, Profile};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mutation::{self, Mutation, Op};
use crate::normalize::Region;
use crate::release::ReleaseContent;
use crate::sync::{DeviceAuth, DeviceRole};
use crate::users::{Actor, Permission};

/// Who is asking for a change (or anything else the store serves).
#[derive(Debug, Clone)]
pub enum Caller {
    /// A signed-in staff member.
    Staff(Actor),
    /// A paired device, known by its token.
    Device(DeviceAuth),
}

impl Caller {
    /// Whether the caller holds `p`. A lobby kiosk holds nothing here: what it may send goes
    /// through push alone.
    pub fn may(&self, p: Permission) -> bool {
        match self {
            Caller::Device(d) => d.role != DeviceRole::Kiosk && d.may(p),
            Caller::Staff(a) => a.may(p),
        }
    }

    /// The caller as an actor, for permission checks and the audit log.
    pub fn actor(&self) -> Actor {
        match self {
            Caller::Device(d) => d.actor(),
            Caller::Staff(a) => a.clone(),
        }
    }

    /// The name changes are recorded under.
    pub fn name(&self) -> String {
        self.actor().name
    }

    /// Whether the caller may make this change: the rule pushes follow too.
    pub fn permitted(&self, op: &Op) -> Result<()> {
        let (role, medical) = match self {
            Caller::Device(d) => (d.role.role(), d.medical),
            Caller::Staff(a) => (a.role, false),
        };
        op.permitted(role, medical)
            .map_err(|permission| Error::Forbidden {
                user: self.name(),
                permission: permission.name(),
            })
    }
}

/// Makes one change as `by`: checked ([`Caller::permitted`], [`validate`]) and applied in
/// one durable transaction (on a device replica it also joins the outbox). Returns the
/// mutation's id. Bad input changes nothing and names the field.
pub fn submit(db: &mut Db, by: &Caller, op: Op) -> Result<Uuid> {
    let ids = submit_all(db, by, vec![op])?;
    ids.into_iter()
        .next()
        .ok_or_else(|| Error::Invalid("no change was made".into()))
}

/// Makes several changes as `by`, in order, all or none.
///
/// A device's changes pass the same checks as its pushes (the store stamps who and when, a
/// kiosk touches only what it registered); this form is for a store's database.
pub fn submit_all(db: &mut Db, by: &Caller, ops: Vec<Op>) -> Result<Vec<Uuid>> {
    let region = crate::phone_keys::region(db.conn())?;
    for op in &ops {
        by.permitted(op)?;
        validate(op, region)?;
        // On a paired device the change goes to the store through the outbox: one the store
        // would refuse from this device (a medical record on a counter paired without
        // medical details) is refused here, before anything changes, not confirmed and then
        // lost at the next pull.
        if matches!(by, Caller::Staff(_)) {
            crate::sync::queue_or_refuse(db.conn(), op, "this change is made")?;
        }
    }
    let ms: Vec<Mutation> = ops
        .into_iter()
        .map(|op| Mutation::new(by.name(), op))
        .collect();
    match by {
        Caller::Staff(_) => {
            mutation::submit_all(db, &ms)?;
        }
        Caller::Device(device) => crate::sync::apply_as_device(db, device, &ms)?,
    }
    Ok(ms.iter().map(|m| m.id).collect())
}

/// The longest name: a person's, a contact's, a flag's kind, an artist, initials.
pub const NAME_MAX: usize = 100;
/// The longest note.
pub const NOTE_MAX: usize = 4_000;
/// The longest e-mail address (RFC 5321's path limit).
pub const EMAIL_MAX: usize = 254;
/// The longest free text: details, descriptions, a health question.
pub const TEXT_MAX: usize = 2_000;
/// The longest text of a release template as signed: its title, a clause.
pub const RELEASE_TEXT_MAX: usize = 20_000;
/// The most health answers or clauses one release carries.
const RELEASE_ITEMS_MAX: usize = 500;

/// Checks every text a change carries against the caps above, and every profile value as
/// [`Field::parse`] does (the caps of [`Field::max_len`], shared with the CSV import), phone
/// numbers as `region`'s.
pub fn validate(op: &Op, region: Region) -> Result<()> {
    match op {
        Op::CreateCustomer { profile, .. } => check_profile(profile, region),
        Op::UpdateCustomer { changes, .. } => {
            for (field, value) in changes {
                if let Some(value) = value {
                    check_field(*field, value, region)?;
                }
            }
            Ok(())
        }
        Op::AddMedicalCondition { condition, .. } => {
            cap("condition name", &condition.name, NAME_MAX)?;
            cap_opt("condition details", condition.details.as_deref(), TEXT_MAX)
        }
        Op::AddFlag { kind, note, .. } => {
            cap("flag kind", kind, NAME_MAX)?;
            cap_opt("flag note", note.as_deref(), TEXT_MAX)
        }
        Op::AddNote { body, .. } => cap("note", body, NOTE_MAX),
        Op::SetContact { contact, .. } => check_contact(contact),
        Op::RecordService {
            description,
            artist,
            ..
        } => {
            cap("service description", description, TEXT_MAX)?;
            cap_opt("artist", artist.as_deref(), NAME_MAX)
        }
        Op::SignRelease { release, .. } => check_release(release),
        Op::EraseCustomer { purge, .. } => count("releases to purge", purge.len(), IDS_MAX),
        Op::Expire {
            releases, medical, ..
        } => {
            count("releases to expire", releases.len(), IDS_MAX)?;
            count("medical records to expire", medical.len(), IDS_MAX)
        }
        Op::DeleteCustomer { .. }
        | Op::MergeCustomers { .. }
        | Op::MarkNotDuplicate { .. }
        | Op::EndService { .. }
        | Op::AcknowledgeSafety { .. } => Ok(()),
    }
}

/// The most ids an erasure or an expiry names.
const IDS_MAX: usize = 10_000;

fn count(what: &str, n: usize, max: usize) -> Result<()> {
    if n > max {
        return Err(Error::Invalid(format!("{n} {what}; at most {max}")));
    }
    Ok(())
}

/// Checks one text: `what` names it in the error.
pub fn cap(what: &str, value: &str, max: usize) -> Result<()> {
    // A NUL ends a string in C and has no place in PostgreSQL text: no text may hold one,
    // on a device or on the store.
    if value.contains('\0') {
        return Err(Error::Invalid(format!(
            "{what} contains a NUL character (U+0000), which no text may hold"
        )));
    }
    let n = value.chars().count();
    if n > max {
        return Err(Error::Invalid(format!(
            "{what} is {n} characters long; at most {max}"
        )));
    }
    Ok(())
}

fn cap_opt(what: &str, value: Option<&str>, max: usize) -> Result<()> {
    value.map_or(Ok(()), |v| cap(what, v, max))
}

fn check_field(field: Field, value: &str, region: Region) -> Result<()> {
    if field == Field::Email {
        cap(field.column(), value, EMAIL_MAX)?;
    }
    field
        .parse(value, region)
        .map(|_| ())
        .map_err(|m| Error::Invalid(format!("{}: {m}", field.column())))
}

fn check_profile(profile: &Profile, region: Region) -> Result<()> {
    for (field, value) in profile.iter() {
        if let Some(value) = value {
            check_field(field, value, region)?;
        }
    }
    Ok(())
}

fn check_contact(c: &Contact) -> Result<()> {
    let kind = c.kind.as_str();
    cap(&format!("{kind} contact name"), &c.name, NAME_MAX)?;
    cap_opt(
        &format!("{kind} contact phone"),
        c.phone.as_deref(),
        NAME_MAX,
    )?;
    cap_opt(
        &format!("{kind} contact relation"),
        c.relation.as_deref(),
        NAME_MAX,
    )
}

fn check_release(r: &ReleaseContent) -> Result<()> {
    cap("release template id", &r.template.id, NAME_MAX)?;
    cap("release title", &r.title, RELEASE_TEXT_MAX)?;
    cap("release device", &r.device, NAME_MAX)?;
    for (column, value) in &r.customer {
        let max = Field::from_column(column).map_or(TEXT_MAX, Field::max_len);
        cap(&format!("release customer {column}"), value, max)?;
    }
    for c in [&r.emergency, &r.physician].into_iter().flatten() {
        check_contact(c)?;
    }
    if r.health.len() > RELEASE_ITEMS_MAX || r.clauses.len() > RELEASE_ITEMS_MAX {
        return Err(Error::Invalid(format!(
            "a release carries at most {RELEASE_ITEMS_MAX} health answers and clauses"
        )));
    }
    for a in &r.health {
        cap("health question id", &a.question_id, NAME_MAX)?;
        cap("health question", &a.question, TEXT_MAX)?;
        cap("health condition name", &a.name, NAME_MAX)?;
        cap_opt("health details", a.details.as_deref(), TEXT_MAX)?;
    }
    for c in &r.clauses {
        cap("clause id", &c.id, NAME_MAX)?;
        cap(&format!("clause {}", c.id), &c.text, RELEASE_TEXT_MAX)?;
        cap_opt("initials", c.initials.as_deref(), NAME_MAX)?;
    }
    if let Some(g) = &r.guardian {
        cap("guardian name", &g.name, NAME_MAX)?;
        cap("guardian relationship", &g.relationship, NAME_MAX)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::users::Role;

    fn staff(role: Role) -> Caller {
        Caller::Staff(Actor {
            name: "sam".into(),
            role,
        })
    }

    #[test]
    fn every_text_has_a_cap_that_names_it() {
        let customer = Uuid::now_v7();
        let long = |n: usize| "x".repeat(n);
        let cases = [
            (
                Op::AddNote {
                    customer,
                    id: Uuid::now_v7(),
                    body: long(NOTE_MAX + 1),
                },
                "note",
            ),
            (
                Op::CreateCustomer {
                    customer,
                    profile: Profile::default().with(Field::LastName, &long(101)),
                },
                "LastName",
            ),
            (
                Op::UpdateCustomer {
                    customer,
                    changes: [(Field::City, Some(long(101)))].into_iter().collect(),
                },
                "City",
            ),
            (
                Op::AddFlag {
                    customer,
                    id: Uuid::now_v7(),
                    kind: "no-show".into(),
                    note: Some(long(TEXT_MAX + 1)),
                },
                "flag note",
            ),
        ];
        for (op, named) in cases {
            let err = validate(&op, Region::us()).expect_err(named).to_string();
            assert!(err.contains(named), "{err}");
        }
        // No text holds a NUL, on a device or on the store.
        let nul = Op::AddNote {
            customer,
            id: Uuid::now_v7(),
            body: "before\0after".into(),
        };
        let err = validate(&nul, Region::us()).unwrap_err().to_string();
        assert!(err.contains("note contains a NUL character"), "{err}");
        assert!(
            validate(
                &Op::AddNote {
                    customer,
                    id: Uuid::now_v7(),
                    body: long(NOTE_MAX),
                },
                Region::us()
            )
            .is_ok()
        );
    }

    #[test]
    fn a_change_too_long_or_not_permitted_leaves_the_database_as_it_was() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut db = Db::open_dir(dir.path()).expect("a database");
        let customer = Uuid::now_v7();
        let create = Op::CreateCustomer {
            customer,
            profile: Profile::default().with(Field::LastName, "Moss"),
        };
        submit(&mut db, &staff(Role::FrontDesk), create).expect("front desk adds customers");
        let note = |body: String| Op::AddNote {
            customer,
            id: Uuid::now_v7(),
            body,
        };
        let ops = vec![note("fine".into()), note("y".repeat(NOTE_MAX + 1))];
        assert!(submit_all(&mut db, &staff(Role::Owner), ops).is_err());
        let merge = Op::MergeCustomers {
            target: customer,
            duplicates: vec![],
        };
        assert!(matches!(
            submit(&mut db, &staff(Role::FrontDesk), merge),
            Err(Error::Forbidden { .. })
        ));
        let notes: i64 = db
            .conn()
            .query_row("SELECT count(*) FROM notes", [], |r| r.get(0))
            .expect("a count");
        assert_eq!(notes, 0, "nothing of a refused batch is stored");
    }
}
