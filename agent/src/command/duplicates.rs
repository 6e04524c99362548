//! `intake-agent duplicates`, `merge` and `not-duplicate`.

use crate::outln;
use std::io::Write;

use anyhow::Result;
use intake_common::customers::parse_id;
use intake_common::duplicates::Group;
use intake_common::{Field, Op, duplicates, sync};

use crate::cli::{MergeArgs, NotDuplicateArgs};
use crate::context::Context;
use crate::output::print_json;

/// Prints the groups as the walk finds them: a list of any size is never held whole.
pub fn list(ctx: &Context, json: bool) -> Result<()> {
    let db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut given = 0usize;
    duplicates::for_each_group(&db, &actor, None, None, |g| {
        if json {
            out.write_all(if given == 0 { b"[" } else { b"," })?;
            serde_json::to_writer(&mut out, &g)?;
        } else {
            write_group(&mut out, &g)?;
        }
        given += 1;
        Ok::<_, anyhow::Error>(())
    })?;
    match (json, given) {
        (true, 0) => out.write_all(b"[]\n")?,
        (true, _) => out.write_all(b"]\n")?,
        (false, 0) => writeln!(out, "no duplicates found")?,
        (false, _) => {}
    }
    out.flush()?;
    Ok(())
}

fn write_group(out: &mut impl Write, g: &Group) -> std::io::Result<()> {
    let p = &g.target.profile;
    writeln!(
        out,
        "{} {} (born {}), first created {}",
        g.target.id,
        p.display_name(),
        p.get(Field::Birthdate).unwrap_or_default(),
        intake_common::time::format(g.target.created_at)
    )?;
    for d in &g.duplicates {
        writeln!(
            out,
            "  duplicate {} {} {} {}",
            d.id,
            d.profile.display_name(),
            d.profile.get(Field::Email).unwrap_or_default(),
            d.profile.get(Field::PhoneNumber).unwrap_or_default()
        )?;
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
