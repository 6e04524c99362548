//! `intake-agent location add|list`: a chain's locations, on the store.

use anyhow::Result;
use intake_common::sync;

use crate::cli::LocationCommand;
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: LocationCommand) -> Result<()> {
    let mut db = ctx.open()?;
    sync::refuse_on_device(db.conn(), "locations are managed")?;
    let actor = ctx.sign_in(&db)?;
    match cmd {
        LocationCommand::Add { id, name } => {
            let added = sync::add_location(&mut db, &actor, &id, &name)?;
            outln!(
                "Location {} ({}) added: place devices there with `device add --location {}` or `device move`.",
                added.id,
                added.name,
                added.id
            )?;
        }
        LocationCommand::List(flag) => {
            let list = sync::list_locations(db.conn(), &actor)?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|l| {
                    vec![
                        l.location.id.clone(),
                        l.location.name.clone(),
                        l.devices.to_string(),
                        l.created_at.clone(),
                    ]
                })
                .collect();
            print_table(&["ID", "NAME", "DEVICES", "ADDED"], &rows)?;
        }
    }
    Ok(())
}
