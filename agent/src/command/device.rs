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
    // The settings directory: --settings, else DATA_DIR/settings (where the console saves
    // them), read when it exists.
    let settings_dir = ctx.settings_dir();
    let ctx = &ctx.with_settings(settings_dir.is_dir().then(|| settings_dir.clone()));
    // Opened once first: the stored phone keys follow the shop's region before any
    // request reads them.
    drop(ctx.open()?);
    store::serve(
        &ctx.database(),
        store::ServeOptions {
            listen: args.listen,
            plain: args.plain,
            cert: args.cert,
            key: args.key,
            acme: args
                .acme
                .as_deref()
                .map(|domain| {
                    crate::acme::Options::new(
                        domain,
                        args.acme_directory.as_deref(),
                        args.acme_email.as_deref(),
                        args.acme_ca.as_deref(),
                        args.acme_renew_after,
                    )
                })
                .transpose()?,
            max_connections: args.max_connections,
            settings: intake_common::settings::Settings::load(ctx.settings.as_deref())?,
            settings_dir,
            web_sign: args.web_sign,
        },
    )
}

pub fn manage(ctx: &Context, cmd: DeviceCommand) -> Result<()> {
    let mut db = ctx.open()?;
    // Devices are paired with, listed and revoked on the store; a pairing code made on a
    // device would pair nothing.
    sync::refuse_on_device(db.conn(), "devices are managed")?;
    let actor = ctx.sign_in(&db)?;
    match cmd {
        DeviceCommand::Add {
            name,
            role,
            medical,
            location,
            json,
        } => {
            let role: DeviceRole = role.parse().map_err(|e: String| anyhow!("--role: {e}"))?;
            let made =
                sync::add_device_at(&mut db, &actor, &name, role, medical, location.as_deref())?;
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
            outln!("Store key SHA-256 (the same across certificate renewals):")?;
            outln!("  {}", identity.fingerprint)?;
            outln!(
                "On the device: intake-agent pair --store https://THIS-HOST:8443 --code {} --fingerprint {}",
                made.code,
                identity.fingerprint.replace(':', "")
            )?;
            if made.role == DeviceRole::Kiosk {
                outln!(
                    "Staff leave the kiosk with its own exit code (staff PINs never reach a kiosk): intake-agent device set-exit-code {}",
                    made.name
                )?;
            }
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
                        d.location.clone().unwrap_or_default(),
                        d.last_seen_at.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(
                &["NAME", "ROLE", "MEDICAL", "STATE", "LOCATION", "LAST SEEN"],
                &rows,
            )?;
        }
        DeviceCommand::Move {
            name,
            location,
            nowhere: _,
        } => {
            sync::set_device_location(&mut db, &actor, &name, location.as_deref())?;
            match location {
                Some(l) => outln!("{name} now stands at {l}; it learns so at its next sync.")?,
                None => outln!("{name} now belongs to no location.")?,
            }
        }
        DeviceCommand::Revoke { name } => {
            sync::revoke_device(&mut db, &actor, &name)?;
            outln!("Revoked {name}: the store refuses its next request.")?;
        }
        DeviceCommand::SetExitCode { name } => {
            let code = read_exit_code(&name)?;
            sync::set_exit_code(&mut db, &actor, &name, &code)?;
            outln!("Exit code set for {name}: the kiosk receives it at its next sync.")?;
        }
    }
    Ok(())
}

/// The new exit code: INTAKE_NEW_PIN, or asked twice on a terminal.
fn read_exit_code(name: &str) -> Result<String> {
    use std::io::IsTerminal;
    if let Ok(code) = std::env::var("INTAKE_NEW_PIN") {
        return Ok(code.trim().to_string());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no exit code: set INTAKE_NEW_PIN, or run on a terminal to be asked");
    }
    let code = rpassword::prompt_password(format!("New exit code for {name} (6-12 digits): "))?;
    let again = rpassword::prompt_password("The same code again: ")?;
    if code.trim() != again.trim() {
        anyhow::bail!("the two codes differ: nothing was changed");
    }
    Ok(code.trim().to_string())
}

pub fn pair(ctx: &Context, args: PairArgs) -> Result<()> {
    ctx.database().refuse_postgres("pairing is done")?;
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
            &ctx.database(),
            crate::webhook::Options::from_env()?,
            crate::device::shutdown(),
        );
    }
    ctx.database().refuse_postgres("syncing is done")?;
    crate::device::run(
        &ctx.data_dir,
        crate::device::RunOptions {
            once: args.once,
            interval: Duration::from_millis(args.interval_ms.max(50)),
            clock_offset: if cfg!(debug_assertions) {
                chrono::Duration::seconds(args.clock_offset_secs)
            } else {
                chrono::Duration::zero()
            },
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
