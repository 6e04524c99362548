//! `intake-agent serve`, `device ...`, `pair`, `run` and `status`.

use std::time::Duration;

use anyhow::{Result, anyhow};
use intake_common::sync::{self, DeviceRole};

use crate::cli::{DeviceCommand, PairArgs, RunArgs, ServeArgs};
use crate::context::Context;
use crate::output::{print_json, print_table};
use crate::{outln, store, tls};

pub fn serve(ctx: &Context, args: ServeArgs) -> Result<()> {
    std::fs::create_dir_all(&ctx.data_dir)?;
    store::serve(
        &ctx.data_dir,
        store::ServeOptions {
            listen: args.listen,
            plain: args.plain,
            cert: args.cert,
            key: args.key,
            max_connections: args.max_connections,
        },
    )
}

pub fn manage(ctx: &Context, cmd: DeviceCommand) -> Result<()> {
    let mut db = ctx.open()?;
    let actor = ctx.sign_in(&db)?;
    match cmd {
        DeviceCommand::Add {
            name,
            role,
            medical,
            json,
        } => {
            let role: DeviceRole = role.parse().map_err(|e: String| anyhow!("--role: {e}"))?;
            let made = sync::add_device(&mut db, &actor, &name, role, medical)?;
            // The certificate the store serves (made now if the store has not started yet),
            // so whoever pairs the device can check it.
            let identity = tls::store_identity(&ctx.data_dir, None, None)?;
            if json {
                let mut value = serde_json::to_value(&made)?;
                value["fingerprint"] = identity.fingerprint.clone().into();
                return print_json(&value);
            }
            outln!("Device {} ({}) added.", made.name, made.role)?;
            outln!("Pairing code:  {}", made.code)?;
            outln!("Valid until:   {}", made.expires_at)?;
            outln!("Store certificate SHA-256:")?;
            outln!("  {}", identity.fingerprint)?;
            outln!(
                "On the device: intake-agent pair --store https://THIS-HOST:8443 --code {} --fingerprint {}",
                made.code,
                identity.fingerprint.replace(':', "")
            )?;
        }
        DeviceCommand::List(flag) => {
            let list = sync::list_devices(&db, &actor)?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|d| {
                    let state = if d.revoked_at.is_some() {
                        "revoked"
                    } else if d.paired_at.is_some() {
                        "paired"
                    } else {
                        "waiting for pairing"
                    };
                    vec![
                        d.name.clone(),
                        d.role.to_string(),
                        if d.medical { "yes" } else { "no" }.into(),
                        state.into(),
                        d.last_seen_at.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["NAME", "ROLE", "MEDICAL", "STATE", "LAST SEEN"], &rows)?;
        }
        DeviceCommand::Revoke { name } => {
            sync::revoke_device(&mut db, &actor, &name)?;
            outln!("Revoked {name}: the store refuses its next request.")?;
        }
    }
    Ok(())
}

pub fn pair(ctx: &Context, args: PairArgs) -> Result<()> {
    let mut db = ctx.open()?;
    let (paired, fingerprint) = crate::device::pair(
        &mut db,
        &args.store,
        &args.code,
        args.fingerprint.as_deref(),
    )?;
    outln!(
        "Paired as {} ({}) with {}.",
        paired.name,
        paired.role,
        args.store.trim_end_matches('/')
    )?;
    if let Some(fp) = fingerprint {
        outln!("Pinned store certificate SHA-256 {fp}")?;
    }
    outln!("Start syncing with: intake-agent run")?;
    Ok(())
}

pub fn run(ctx: &Context, args: RunArgs) -> Result<()> {
    let standalone = sync::status(ctx.open()?.conn())?.device.is_none();
    if standalone {
        // The embedded default: this database is its own store, so there is nothing to
        // sync, and its webhooks are delivered from here.
        if args.once {
            anyhow::bail!(
                "this appliance has no store to sync with (it is its own store); `intake-agent run` without --once delivers its webhooks"
            );
        }
        tracing::info!("no store configured: this database is its own store; delivering webhooks");
        return crate::webhook::run_here(
            &ctx.data_dir,
            crate::webhook::Options::from_env()?,
            crate::device::shutdown(),
        );
    }
    crate::device::run(
        &ctx.data_dir,
        crate::device::RunOptions {
            once: args.once,
            interval: Duration::from_millis(args.interval_ms.max(50)),
        },
    )
}

pub fn status(ctx: &Context, json: bool) -> Result<()> {
    let db = ctx.open()?;
    let status = sync::status(db.conn())?;
    if json {
        return super::check::status_json(&db, &status);
    }
    match &status.device {
        None => outln!("No store configured: this database is its own store.")?,
        Some(d) => {
            outln!("Device:        {} ({})", d.name, d.role)?;
            outln!("Store:         {}", d.store)?;
        }
    }
    outln!("Pending:       {}", status.pending)?;
    if status.rejected > 0 {
        outln!(
            "Refused:       {} (kept aside; see the log)",
            status.rejected
        )?;
    }
    super::check::print_waiting(&db)?;
    if status.device.is_some() {
        outln!(
            "Last success:  {}",
            status.last_success.as_deref().unwrap_or("never")
        )?;
        outln!(
            "Last error:    {}",
            status.last_error.as_deref().unwrap_or("none")
        )?;
    }
    Ok(())
}
