//! `intake-agent user add|list`.

use anyhow::{Result, anyhow};
use intake_common::{Permission, Role, users};

use crate::cli::UserCommand;
use crate::context::{Context, read_pin};
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: UserCommand) -> Result<()> {
    let mut db = ctx.open()?;
    match cmd {
        UserCommand::Add { name, role } => {
            let role: Role = role.parse().map_err(|e: String| anyhow!(e))?;
            let actor = ctx.maybe_sign_in(&db)?;
            if actor.is_none() && users::count(db.conn())? > 0 {
                anyhow::bail!("users exist already: pass --user NAME of a user with manage:users");
            }
            let pin = match std::env::var("INTAKE_NEW_PIN") {
                Ok(p) => p,
                Err(_) if actor.is_none() => read_pin(&format!("New PIN for {name}: "))?,
                Err(_) => read_new_pin(&name)?,
            };
            let user = users::add(&mut db, actor.as_ref(), &name, role, &pin)?;
            eprintln!("added {} ({})", user.name, user.role);
            Ok(())
        }
        UserCommand::List(flag) => {
            let actor = ctx.sign_in(&db)?;
            actor.require(Permission::ReadCustomer)?;
            let list = users::list(db.conn())?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|u| vec![u.name.clone(), u.role.to_string(), u.created_at.clone()])
                .collect();
            print_table(&["NAME", "ROLE", "CREATED"], &rows)?;
            Ok(())
        }
    }
}

/// The new user's PIN when the acting user's PIN is in INTAKE_PIN: INTAKE_NEW_PIN, or asked.
fn read_new_pin(name: &str) -> Result<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "no PIN for the new user: set INTAKE_NEW_PIN, or run on a terminal to be asked"
        );
    }
    Ok(rpassword::prompt_password(format!("New PIN for {name}: "))?)
}
