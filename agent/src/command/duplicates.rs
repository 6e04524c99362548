//! `intake-agent duplicates`, `merge` and `not-duplicate`.

use crate::outln;
use std::io::Write as _;

use anyhow::Result;
use intake_common::customers::parse_id;
use intake_common::{Field, Op, duplicates, sync};

use crate::cli::{MergeArgs, NotDuplicateArgs};
use crate::context::Context;
use crate::output::print_json;

pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    let groups = duplicates::find(&db, &actor)?;
    if json {
        // One group at a time: a large list never sits in memory twice.
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        out.write_all(b"[")?;
        for (i, g) in groups.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut out, &g.to_json())?;
        }
        out.write_all(b"]\n")?;
        out.flush()?;
        return Ok(());
    }
    if groups.is_empty() {
        outln!("no duplicates found")?;
    }
    for g in &groups {
        let p = &g.target.profile;
        outln!(
            "{} {} (born {}), first created {}",
            g.target.id,
            p.display_name(),
            p.get(Field::Birthdate).unwrap_or_default(),
            intake_common::time::format(g.target.created_at)
        )?;
        for d in &g.duplicates {
            outln!(
                "  duplicate {} {} {} {}",
                d.id,
                d.profile.display_name(),
                d.profile.get(Field::Email).unwrap_or_default(),
                d.profile.get(Field::PhoneNumber).unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

pub fn merge(ctx: &Context, args: MergeArgs) -> Result<()> {
    let mut db = ctx.open()?;
    let target = parse_id(&args.target)?;
    let dups = args
        .duplicates
        .iter()
        .map(|d| parse_id(d))
        .collect::<Result<Vec<_>, _>>()?;
    // On a device that may not merge, refused before anyone is asked for a PIN.
    let op = Op::MergeCustomers {
        target,
        duplicates: dups.clone(),
    };
    sync::queue_or_refuse(db.conn(), &op, duplicates::MERGES_ARE)?;
    let actor = ctx.sign_in(&db)?;
    let report = duplicates::merge(&mut db, &actor, target, &dups)?;
    if args.json {
        return print_json(&report);
    }
    outln!(
        "merged {} customer(s) into {}; filled {}; moved {} record(s)",
        report.merged.len(),
        report.target,
        if report.fields_filled.is_empty() {
            "no fields".to_string()
        } else {
            report.fields_filled.join(", ")
        },
        report.records_moved
    )?;
    Ok(())
}

pub fn not_duplicate(ctx: &Context, args: NotDuplicateArgs) -> Result<()> {
    let mut db = ctx.open()?;
    let (a, b) = (parse_id(&args.a)?, parse_id(&args.b)?);
    sync::queue_or_refuse(
        db.conn(),
        &Op::MarkNotDuplicate { a, b },
        duplicates::MERGES_ARE,
    )?;
    let actor = ctx.sign_in(&db)?;
    duplicates::mark_not_duplicate(&mut db, &actor, a, b)?;
    outln!("marked as not duplicates")?;
    Ok(())
}
