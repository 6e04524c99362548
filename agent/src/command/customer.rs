//! `intake-agent customer ...`.

use crate::outln;
use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};
use intake_common::change::{self, Caller};
use intake_common::customer::{Contact, ContactKind, MedicalCondition, MedicalKind};
use intake_common::customers::{self, MedicalView};
use intake_common::mutation::Op;
use intake_common::normalize::Region;
use intake_common::{Field, Permission, Profile};
use uuid::Uuid;

use crate::cli::CustomerCommand;
use crate::context::Context;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: CustomerCommand) -> Result<()> {
    let mut db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    let by = Caller::Staff(actor.clone());
    let region = intake_common::phone_keys::region(db.conn())?;
    match cmd {
        CustomerCommand::List(flag) => {
            if flag.json {
                // Streamed as a JSON array so a large list never sits in memory whole.
                let mut first = true;
                outln!("[")?;
                customers::list(&db, &actor, |c| -> Result<()> {
                    let sep = if first { "" } else { "," };
                    first = false;
                    outln!("{sep}{}", serde_json::Value::Object(c.to_json()))?;
                    Ok(())
                })?;
                outln!("]")?;
                return Ok(());
            }
            let mut rows = Vec::new();
            customers::list(&db, &actor, |c| -> Result<()> {
                let p = &c.profile;
                rows.push(vec![
                    c.id.to_string(),
                    p.display_name(),
                    p.get(Field::Email).unwrap_or_default().to_string(),
                    p.get(Field::PhoneNumber).unwrap_or_default().to_string(),
                    p.get(Field::Birthdate).unwrap_or_default().to_string(),
                ]);
                Ok(())
            })?;
            print_table(&["ID", "NAME", "EMAIL", "PHONE", "BIRTHDATE"], &rows)?;
        }
        CustomerCommand::Show { id, json } => {
            let detail = customers::detail(&db, &actor, customers::parse_id(&id)?)?;
            if json {
                return print_json(&detail.to_json());
            }
            for (field, value) in detail.customer.profile.iter() {
                if let Some(v) = value {
                    outln!("{:<17} {v}", field.column())?;
                }
            }
            outln!("{:<17} {}", "Id", detail.customer.id)?;
            match &detail.medical {
                MedicalView::Details(list) => {
                    outln!("Medical conditions: {}", list.len())?;
                    for record in list {
                        let c = &record.condition;
                        outln!(
                            "  {}: {}{} recorded {}",
                            c.kind,
                            c.name,
                            c.details
                                .as_deref()
                                .map(|d| format!(" ({d})"))
                                .unwrap_or_default(),
                            record.recorded_at
                        )?;
                    }
                }
                MedicalView::Count { count } => {
                    outln!("Medical conditions: {count} (details need medical:customer)")?;
                }
            }
            for f in &detail.flags {
                outln!(
                    "Flag: {}{}",
                    f.kind,
                    f.note
                        .as_deref()
                        .map(|n| format!(" — {n}"))
                        .unwrap_or_default()
                )?;
            }
            for c in [&detail.emergency_contact, &detail.physician_contact]
                .into_iter()
                .flatten()
            {
                outln!(
                    "{} contact: {} {} {}",
                    c.kind.as_str(),
                    c.name,
                    c.phone.as_deref().unwrap_or_default(),
                    c.relation.as_deref().unwrap_or_default()
                )?;
            }
            for n in &detail.notes {
                outln!("Note ({} at {}): {}", n.author, n.created_at, n.body)?;
            }
        }
        CustomerCommand::Add { set, json } => {
            actor.require(Permission::WriteCustomer)?;
            let mut profile = Profile::default();
            for (field, value) in parse_sets(&set, region)? {
                profile.set(field, value);
            }
            if !profile.is_identifiable() {
                bail!("a customer needs at least one of FirstName, LastName, Email, PhoneNumber");
            }
            let id = Uuid::now_v7();
            change::submit(
                &mut db,
                &by,
                Op::CreateCustomer {
                    customer: id,
                    profile,
                },
            )?;
            if json {
                print_json(&serde_json::json!({ "id": id }))?;
            } else {
                outln!("{id}")?;
            }
        }
        CustomerCommand::Update { id, set } => {
            actor.require(Permission::WriteCustomer)?;
            let customer = customers::get(db.conn(), customers::parse_id(&id)?)?.id;
            let changes: BTreeMap<Field, Option<String>> =
                parse_sets(&set, region)?.into_iter().collect();
            change::submit(&mut db, &by, Op::UpdateCustomer { customer, changes })?;
        }
        CustomerCommand::Note { id, text } => {
            actor.require(Permission::WriteCustomer)?;
            let body = text.trim().to_string();
            if body.is_empty() {
                bail!("the note is empty");
            }
            let customer = customers::parse_id(&id)?;
            change::submit(
                &mut db,
                &by,
                Op::AddNote {
                    customer,
                    id: Uuid::now_v7(),
                    body,
                },
            )?;
        }
        CustomerCommand::Flag { id, kind, note } => {
            actor.require(Permission::WriteCustomer)?;
            let kind = kind.trim().to_string();
            if kind.is_empty() {
                bail!("name the kind of flag, e.g. no-show");
            }
            let customer = customers::parse_id(&id)?;
            change::submit(
                &mut db,
                &by,
                Op::AddFlag {
                    customer,
                    id: Uuid::now_v7(),
                    kind,
                    note,
                },
            )?;
        }
        CustomerCommand::Erase { id, json } => {
            let shop = ctx.shop()?;
            let erased = intake_common::retention::erase(
                &mut db,
                &actor,
                customers::parse_id(&id)?,
                &shop.retention(),
                shop.adult_age,
                chrono::Utc::now(),
            )?;
            if json {
                return print_json(&erased);
            }
            if !erased.applied {
                outln!(
                    "customer {} was erased on {} already",
                    erased.customer,
                    erased.erased_at
                )?;
            } else {
                outln!(
                    "erased customer {}: {} release(s) kept restricted until their date, {} past it deleted",
                    erased.customer,
                    erased.kept,
                    erased.purged
                )?;
            }
        }
        CustomerCommand::Medical {
            id,
            kind,
            name,
            details,
        } => {
            actor.require(Permission::MedicalCustomer)?;
            let kind: MedicalKind = kind.parse().map_err(|e: String| anyhow!("--kind: {e}"))?;
            let customer = customers::parse_id(&id)?;
            let condition = MedicalCondition {
                kind,
                name,
                details,
            };
            change::submit(
                &mut db,
                &by,
                Op::AddMedicalCondition {
                    customer,
                    id: Uuid::now_v7(),
                    condition,
                },
            )?;
        }
        CustomerCommand::Contact {
            id,
            kind,
            name,
            phone,
            relation,
        } => {
            actor.require(Permission::WriteCustomer)?;
            let kind = match kind.trim().to_ascii_lowercase().as_str() {
                "emergency" => ContactKind::Emergency,
                "physician" => ContactKind::Physician,
                other => {
                    bail!("--kind: unknown contact kind {other:?}: use emergency or physician")
                }
            };
            let phone = phone
                .map(|p| {
                    intake_common::normalize::phone(&p, region).map_err(|e| anyhow!("--phone: {e}"))
                })
                .transpose()?;
            let customer = customers::parse_id(&id)?;
            change::submit(
                &mut db,
                &by,
                Op::SetContact {
                    customer,
                    contact: Contact {
                        kind,
                        name,
                        phone,
                        relation,
                    },
                },
            )?;
        }
    }
    Ok(())
}

/// `Field=Value` pairs, each value validated; an empty value clears the field.
fn parse_sets(sets: &[String], region: Region) -> Result<Vec<(Field, Option<String>)>> {
    sets.iter()
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| anyhow!("--set {pair:?}: write it as Field=Value"))?;
            crate::fields::parse(name, value, region).map_err(|e| anyhow!("--set {pair:?}: {e}"))
        })
        .collect()
}
