//! `intake-agent user add|list|set-pin|disable|enable`.
//!
//! On a device paired with a store every command that changes a user is refused before it
//! signs anyone in or changes anything: users belong to the store.

use anyhow::{Result, anyhow, bail};
use intake_common::{Permission, Role, users};

use crate::cli::UserCommand;
use crate::context::{Context, read_pin};
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: UserCommand) -> Result<()> {
    let mut db = ctx.open()?;
    match cmd {
        UserCommand::Add { name, role } => {
            users::refuse_on_device(db.conn())?;
            let role: Role = role.parse().map_err(|e: String| anyhow!("--role: {e}"))?;
            let actor = ctx.maybe_sign_in(&db)?;
            if actor.is_none() && users::count(db.conn())? > 0 {
                bail!("users exist already: pass --user NAME of a user with manage:users");
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
            actor.require(Permission::ManageUsers)?;
            let list = users::list(db.conn())?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|u| {
                    let lock = match (&u.locked_until, u.failures) {
                        (Some(until), n) => format!("locked until {until} ({n} failures)"),
                        (None, 0) => "-".into(),
                        (None, n) => format!("{n} failures"),
                    };
                    vec![
                        u.name.clone(),
                        u.role.to_string(),
                        if u.disabled { "disabled" } else { "active" }.into(),
                        lock,
                        u.last_sign_in_at.clone().unwrap_or_else(|| "never".into()),
                    ]
                })
                .collect();
            print_table(
                &["NAME", "ROLE", "STATE", "SIGN-IN LOCK", "LAST SIGN-IN"],
                &rows,
            )?;
            Ok(())
        }
        UserCommand::SetPin { name } => {
            users::refuse_on_device(db.conn())?;
            let actor = ctx.sign_in(&db)?;
            let pin = match std::env::var("INTAKE_NEW_PIN") {
                Ok(p) => p,
                Err(_) => {
                    let first = read_new_pin(&name)?;
                    let again = rpassword::prompt_password(format!("New PIN for {name} again: "))?;
                    if first != again {
                        bail!("the two PINs differ: nothing changed");
                    }
                    first
                }
            };
            users::set_pin(&mut db, &actor, &name, &pin)?;
            eprintln!("changed the PIN of {name}");
            Ok(())
        }
        UserCommand::Disable { name } => set_disabled(ctx, &mut db, &name, true),
        UserCommand::Enable { name } => set_disabled(ctx, &mut db, &name, false),
    }
}

fn set_disabled(
    ctx: &Context,
    db: &mut intake_common::Db,
    name: &str,
    disabled: bool,
) -> Result<()> {
    users::refuse_on_device(db.conn())?;
    let actor = ctx.sign_in(db)?;
    let changed = users::set_disabled(db, &actor, name, disabled)?;
    let state = if disabled { "disabled" } else { "enabled" };
    if changed {
        eprintln!("{name} is {state}");
    } else {
        eprintln!("{name} was already {state}");
    }
    Ok(())
}

/// A new PIN when the acting user's PIN is in INTAKE_PIN: INTAKE_NEW_PIN, or asked.
fn read_new_pin(name: &str) -> Result<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        bail!("no new PIN for {name}: set INTAKE_NEW_PIN, or run on a terminal to be asked");
    }
    Ok(rpassword::prompt_password(format!("New PIN for {name}: "))?)
}
