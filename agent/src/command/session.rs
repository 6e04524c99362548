//! `intake-agent session list|revoke`: staff sessions on the store.

use anyhow::Result;
use intake_common::sessions;

use crate::cli::SessionCommand;
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: SessionCommand) -> Result<()> {
    let mut db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    match cmd {
        SessionCommand::List(flag) => {
            let list = sessions::list(&mut db, &actor)?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.id.to_string(),
                        s.user.clone(),
                        s.role.clone(),
                        s.created_at.clone(),
                        s.last_seen_at.clone(),
                        s.client.clone(),
                        s.expires_at.clone(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    "USER",
                    "ROLE",
                    "CREATED",
                    "LAST SEEN",
                    "CLIENT",
                    "EXPIRES",
                ],
                &rows,
            )?;
        }
        SessionCommand::Revoke {
            id: Some(id),
            for_user: None,
        } => {
            let ended = sessions::revoke(&mut db, &actor, &id, None)?;
            outln!(
                "Revoked session {} of {}: the store refuses it at its next request.",
                ended.id,
                ended.user
            )?;
        }
        SessionCommand::Revoke {
            for_user: Some(user),
            ..
        } => {
            let n = sessions::revoke_for_user(&mut db, &actor, &user)?;
            outln!("Revoked {n} sessions of {user}.")?;
        }
        SessionCommand::Revoke {
            id: None,
            for_user: None,
        } => anyhow::bail!("name a session ID-PREFIX or --for-user NAME"),
    }
    Ok(())
}
