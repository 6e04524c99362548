//! `intake-agent audit`.

use anyhow::Result;
use intake_common::{Permission, audit};

use crate::cli::AuditArgs;
use crate::context::Context;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, args: AuditArgs) -> Result<()> {
    let db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    actor.require(Permission::ManageUsers)?;
    let entries = audit::recent(db.conn(), args.limit)?;
    if args.json {
        return print_json(&entries);
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.at.clone(),
                e.actor.clone(),
                e.action.clone(),
                e.customer_id.map(|c| c.to_string()).unwrap_or_default(),
                e.detail.clone(),
            ]
        })
        .collect();
    print_table(&["WHEN", "WHO", "ACTION", "CUSTOMER", "DETAIL"], &rows)?;
    Ok(())
}
