//! `intake-agent release list|restricted|pdf`.

use anyhow::{Context as _, Result};
use intake_common::crypto::write_private_atomically;
use intake_common::customers::parse_id;
use intake_common::release::{self, pdf};
use intake_common::settings::Settings;

use crate::cli::ReleaseCommand;
use crate::context::Context;
use crate::output::{print_json, print_table};

pub fn run(ctx: &Context, cmd: ReleaseCommand) -> Result<()> {
    let db = ctx.open()?;
    if matches!(
        cmd,
        ReleaseCommand::Pdf { .. } | ReleaseCommand::Restricted { .. }
    ) {
        // A device holds a release's record only; what was signed stays on the store.
        intake_common::sync::refuse_on_device(db.conn(), "signed releases are opened")?;
    }
    let actor = ctx.sign_in(&db)?;
    match cmd {
        ReleaseCommand::List {
            customer,
            limit,
            json,
        } => {
            let customer = customer.as_deref().map(parse_id).transpose()?;
            let releases = release::list(&db, &actor, customer, limit)?;
            if json {
                return print_json(&releases);
            }
            let rows: Vec<Vec<String>> = releases
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.signed_at.clone(),
                        r.customer_name.clone(),
                        format!("{} v{}", r.template_id, r.template_version),
                        r.device.clone(),
                    ]
                })
                .collect();
            print_table(&["ID", "SIGNED", "CUSTOMER", "TEMPLATE", "DEVICE"], &rows)?;
        }
        ReleaseCommand::Restricted { customer, json } => {
            let customer = customer.as_deref().map(parse_id).transpose()?;
            let shop = ctx.shop()?;
            let kept = intake_common::retention::restricted::list(
                &db,
                &actor,
                customer,
                &shop.retention(),
                shop.adult_age,
            )?;
            if json {
                return print_json(&kept);
            }
            let rows: Vec<Vec<String>> = kept
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.signed_at.clone(),
                        r.customer_id.to_string(),
                        format!("{} v{}", r.template_id, r.template_version),
                        r.restricted_at.clone(),
                        r.kept_until.format("%Y-%m-%d").to_string(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID",
                    "SIGNED",
                    "ERASED CUSTOMER",
                    "TEMPLATE",
                    "RESTRICTED",
                    "KEPT UNTIL",
                ],
                &rows,
            )?;
        }
        ReleaseCommand::Pdf { id, out } => {
            let id = parse_id(&id)?;
            let settings = Settings::load(ctx.settings.as_deref())?;
            let content = release::open(&db, &actor, id)?;
            let bytes = pdf::render(
                &content,
                &settings.shop.name,
                settings.logo.as_deref(),
                &settings.tr,
            )?;
            write_private_atomically(&out, |file| {
                use std::io::Write;
                file.write_all(&bytes)
                    .map_err(|e| intake_common::Error::Io {
                        path: out.clone(),
                        source: e,
                    })?;
                Ok(bytes.len() as u64)
            })
            .with_context(|| format!("writing {}", out.display()))?;
            tracing::info!(release = %id, file = %out.display(), "release PDF written");
            eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
        }
    }
    Ok(())
}
