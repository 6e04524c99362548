//! `intake-agent web-sign link|links|revoke`: Web Sign links for one visit, on the store.

use anyhow::{Result, bail};
use intake_common::settings::Settings;
use intake_common::{customers, sync, visit_links};

use crate::cli::WebSignCommand;
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: WebSignCommand) -> Result<()> {
    let mut db = ctx.open()?;
    // A link is looked up by the store that serves Web Sign: one made on a device would
    // open nothing.
    sync::refuse_on_device(db.conn(), "Web Sign links are made")?;
    let actor = ctx.sign_in(&db)?;
    match cmd {
        WebSignCommand::Link {
            customer,
            name,
            hours,
            address,
            json,
        } => {
            let address = match address {
                Some(a) => a,
                None => sign_address(ctx)?,
            };
            let customer = customer.as_deref().map(customers::parse_id).transpose()?;
            let made = visit_links::make(&mut db, &actor, customer, name.as_deref(), hours)?;
            let url = visit_links::url(&address, &made.token);
            if json {
                let mut value = serde_json::to_value(&made.link)?;
                value["url"] = url.into();
                return print_json(&value);
            }
            outln!("{url}")?;
            outln!(
                "Link {} expires {} (used once; the address is shown only now).",
                made.link.id,
                made.link.expires_at
            )?;
        }
        WebSignCommand::Links(flag) => {
            let list = visit_links::list(&mut db, &actor)?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|l| {
                    vec![
                        l.id.to_string(),
                        l.state.clone(),
                        l.customer_id.map(|c| c.to_string()).unwrap_or_default(),
                        l.name.clone().unwrap_or_default(),
                        l.made_by.clone(),
                        l.made_at.clone(),
                        l.expires_at.clone(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID", "STATE", "CUSTOMER", "NAME", "MADE BY", "MADE", "EXPIRES",
                ],
                &rows,
            )?;
        }
        WebSignCommand::Revoke { id } => {
            let link = visit_links::revoke(&mut db, &actor, &id)?;
            match link.state.as_str() {
                "revoked" => outln!("Revoked link {}: it opens nothing now.", link.id)?,
                state => outln!("Link {} was {state} already: nothing changed.", link.id)?,
            }
        }
    }
    Ok(())
}

/// The shop's Web Sign address from its settings (`web_sign_url` in shop.toml).
fn sign_address(ctx: &Context) -> Result<String> {
    let shop = Settings::load_shop(ctx.settings.as_deref())?;
    match shop.web_sign_url {
        Some(url) if ctx.settings.is_some() => Ok(url),
        _ => bail!(
            "where do customers reach Web Sign? Pass --address https://STORE/sign, or --settings DIR with web_sign_url in its shop.toml"
        ),
    }
}
