//! `intake-agent import FILE`.

use crate::outln;
use std::io::IsTerminal;

use anyhow::{Result, anyhow};
use indicatif::{ProgressBar, ProgressStyle};
use intake_common::csvio::{self, ImportOptions, ImportReport};

use crate::cli::ImportArgs;
use crate::context::Context;
use crate::output::print_json;

pub fn run(ctx: &Context, args: ImportArgs) -> Result<()> {
    let format = args
        .format
        .as_deref()
        .or(args.from.as_deref())
        .map(str::parse)
        .transpose()
        .map_err(|e: String| anyhow!(e))?;
    let date_format = args
        .date_format
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| anyhow!("--date-format: {e}"))?;
    let map = args
        .map
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| anyhow!("--map {pair:?}: write it as 'Their Column=FirstName'"))
        })
        .collect::<Result<Vec<_>>>()?;
    let region = args
        .region
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| anyhow!("--region: {e}"))?;
    let mut db = ctx.open()?;
    // Refused on a device that may not import before anyone is asked for a PIN: a kiosk
    // holds no staff to sign in with.
    csvio::import::on_device(&db, &args.file)?;
    let actor = ctx.sign_in(&db)?;
    let progress = progress_bar(&args);
    let bar = progress.clone();
    let options = ImportOptions {
        format,
        map,
        chosen: None,
        date_format,
        region,
        extra_to_notes: args.extra_to_notes,
        dry_run: args.dry_run,
        bulk: None,
        progress: bar.map(|bar| {
            Box::new(move |pos: u64| {
                if pos == u64::MAX {
                    bar.finish_and_clear();
                } else {
                    bar.set_position(pos);
                }
            }) as csvio::import::Progress
        }),
    };
    let report = csvio::import(&mut db, &actor, &args.file, options);
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let report = report?;
    if args.json {
        print_json(&report)
    } else {
        Ok(print_summary(&report)?)
    }
}

fn progress_bar(args: &ImportArgs) -> Option<ProgressBar> {
    if args.json || !std::io::stderr().is_terminal() {
        return None;
    }
    let len = std::fs::metadata(&args.file).map(|m| m.len()).ok()?;
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({eta})",
        )
        .ok()?
        .progress_chars("=> "),
    );
    Some(bar)
}

fn print_summary(r: &ImportReport) -> std::io::Result<()> {
    let verb = if r.dry_run { "would be " } else { "" };
    let layout = match &r.app {
        Some(app) if r.recognised => format!("{}: {app}, recognised by its header", r.format),
        Some(app) => format!("{}: {app}", r.format),
        None => format!("{} layout", r.format),
    };
    outln!(
        "{} created, {} updated, {} unchanged, {} failed ({verb}{layout})",
        r.created,
        r.updated,
        r.unchanged,
        r.failed,
    )?;
    if r.header_line > 1 {
        outln!(
            "header on line {}: the lines above it are the app's report, not customers",
            r.header_line
        )?;
    }
    if r.skipped > 0 {
        let rows = if r.skipped == 1 { "row" } else { "rows" };
        outln!(
            "{} {rows} without a name, e-mail or phone passed over",
            r.skipped
        )?;
    }
    if r.dry_run {
        outln!("dry run: nothing was written. Each column goes to:")?;
        for c in &r.columns {
            outln!("  {}", c.line())?;
        }
    } else {
        for col in &r.ignored_columns {
            outln!("ignored column: {col}")?;
        }
    }
    for e in &r.errors {
        if e.column.is_empty() {
            outln!("line {}: {}", e.line, e.message)?;
        } else {
            outln!("line {}, {}: {}", e.line, e.column, e.message)?;
        }
    }
    if (r.errors.len() as u64) < r.failed {
        outln!(
            "... and {} more failed rows",
            r.failed - r.errors.len() as u64
        )?;
    }
    Ok(())
}
