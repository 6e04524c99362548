//! `intake-agent retention run|policy`.

use anyhow::Result;
use intake_common::retention::pass;
use intake_common::settings::add_years;

use crate::cli::RetentionCommand;
use crate::context::Context;
use crate::outln;
use crate::output::print_json;

pub fn run(ctx: &Context, cmd: RetentionCommand) -> Result<()> {
    let shop = ctx.shop()?;
    match cmd {
        RetentionCommand::Run { dry_run, json } => {
            let mut db = ctx.open()?;
            let actor = ctx.sign_in(&db)?;
            let summary = pass::run(
                &mut db,
                &actor,
                &shop.retention(),
                shop.adult_age,
                chrono::Utc::now(),
                dry_run,
            )?;
            if json {
                return print_json(&summary);
            }
            outln!("{summary}")?;
        }
        RetentionCommand::Policy { json } => {
            let p = shop.retention();
            if json {
                return print_json(&serde_json::json!({
                    "retention": p,
                    "stated": shop.retention.is_some(),
                    "adult_age": shop.adult_age,
                }));
            }
            if shop.retention.is_none() {
                outln!(
                    "shop.toml states no [retention] policy: these are the defaults, and the store runs no retention pass by itself until one is stated (retention run still does)."
                )?;
            }
            let now = chrono::Utc::now();
            outln!(
                "Releases:  {} year(s) after signing (one signed today is kept until {})",
                p.release_years,
                add_years(now, p.release_years).format("%Y-%m-%d")
            )?;
            outln!(
                "Minors:    until {} year(s) after they turn {}, if that is later",
                p.minor_years_after_majority,
                shop.adult_age
            )?;
            outln!(
                "Medical:   with the customer's releases; once none is kept, {} year(s) after it was recorded",
                p.release_years
            )?;
            outln!(
                "Customers: {} year(s) after their last visit, once no release of theirs is kept",
                p.customer_years
            )?;
            outln!("Audit log: {} year(s)", p.audit_years)?;
        }
    }
    Ok(())
}
