//! `intake-agent web-sign link|links|revoke`: Web Sign links for one visit, on the store;
//! `web-sign check`: would a phone open the shop's Web Sign address; `web-sign poster`: the
//! address as a printable QR code.

use anyhow::{Context as _, Result, bail};
use intake_common::phone_trust::{self, Roots, Verdict};
use intake_common::poster::{self, Paper, Poster};
use intake_common::settings::{Settings, Shop};
use intake_common::{customers, sync, visit_links};

use crate::cli::WebSignCommand;
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: WebSignCommand) -> Result<()> {
    match cmd {
        // The address and its poster are the shop's public face: no database, no sign-in.
        WebSignCommand::Check {
            address,
            phone_roots,
        } => check(ctx, address, phone_roots)?,
        WebSignCommand::Poster {
            address,
            out,
            paper,
        } => write_poster(ctx, address, &out, paper)?,
        WebSignCommand::Link {
            customer,
            name,
            hours,
            address,
            json,
        } => {
            let (mut db, actor) = on_store(ctx)?;
            let address = or_sign_address(ctx, address, || load_shop(ctx))?;
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
            let (mut db, actor) = on_store(ctx)?;
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
            let (mut db, actor) = on_store(ctx)?;
            let link = visit_links::revoke(&mut db, &actor, &id)?;
            match link.state.as_str() {
                "revoked" => outln!("Revoked link {}: it opens nothing now.", link.id)?,
                state => outln!("Link {} was {state} already: nothing changed.", link.id)?,
            }
        }
    }
    Ok(())
}

/// The store's database and the staff member signed in, for the links.
fn on_store(ctx: &Context) -> Result<(intake_common::Db, intake_common::users::Actor)> {
    let db = ctx.open()?;
    // A link is looked up by the store that serves Web Sign: one made on a device would
    // open nothing.
    sync::refuse_on_device(db.conn(), "Web Sign links are made")?;
    let actor = ctx.sign_in(&db)?;
    Ok((db, actor))
}

fn check(ctx: &Context, address: Option<String>, roots: Option<std::path::PathBuf>) -> Result<()> {
    let address = or_sign_address(ctx, address, || load_shop(ctx))?;
    let roots = match roots {
        Some(path) => Roots::with_extra(&path)?,
        None => Roots::default(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    match runtime.block_on(phone_trust::check(&address, &roots)) {
        Verdict::Trusted => {
            outln!("Phones can open {address}: its certificate is one they trust.")?;
            outln!("The kiosk shows its Web Sign QR code.")?;
            Ok(())
        }
        Verdict::Refused(why) => {
            bail!(
                "a phone would not open {address}: {why}. The kiosk hides its Web Sign QR code until it would"
            )
        }
    }
}

fn write_poster(
    ctx: &Context,
    address: Option<String>,
    out: &std::path::Path,
    paper: Option<Paper>,
) -> Result<()> {
    let settings = Settings::load(ctx.settings.as_deref())?;
    let address = or_sign_address(ctx, address, || Ok(settings.shop.clone()))?;
    let poster = Poster {
        address: &address,
        shop_name: &settings.shop.name,
        logo_png: settings.logo.as_deref(),
        languages: &settings.shop.languages,
        paper: paper.unwrap_or_else(|| Paper::of_region(settings.shop.region.code())),
    };
    let pdf = poster::render(&poster, &settings.tr)?;
    std::fs::write(out, pdf).with_context(|| format!("writing {}", out.display()))?;
    outln!(
        "Wrote the Web Sign poster for {address} to {}.",
        out.display()
    )?;
    Ok(())
}

/// `address`, or else the shop's Web Sign address (`web_sign_url` in the shop.toml of
/// --settings; `shop` is that file, read by the caller once).
fn or_sign_address(
    ctx: &Context,
    address: Option<String>,
    shop: impl FnOnce() -> intake_common::Result<Shop>,
) -> Result<String> {
    if let Some(a) = address {
        return Ok(a);
    }
    match shop()?.web_sign_url {
        Some(url) if ctx.settings.is_some() => Ok(url),
        _ => bail!(
            "where do customers reach Web Sign? Pass --address https://STORE/sign, or --settings DIR with web_sign_url in its shop.toml"
        ),
    }
}

/// The shop.toml of --settings.
fn load_shop(ctx: &Context) -> intake_common::Result<Shop> {
    Settings::load_shop(ctx.settings.as_deref())
}
