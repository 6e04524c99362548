//! `intake-agent backup` and `restore`. They need no signed-in user: whoever can read the
//! data directory holds the data already; both are written to the audit log.

use anyhow::{Result, bail};
use intake_common::backup::{self, Manifest, RestoreOptions};

use crate::cli::{BackupArgs, RestoreArgs};
use crate::context::Context;
use crate::outln;
use crate::output::print_json;

/// A store on PostgreSQL is backed up with the server's own tools.
fn refuse_postgres(ctx: &Context, what: &str) -> Result<()> {
    if ctx.database().is_postgres() {
        bail!(
            "this store's database is on PostgreSQL, which {what} with its own tools (pg_dump and pg_restore, or a replica; see the README's \"Backups on PostgreSQL\"); keep {} with it, or the medical details cannot be opened",
            ctx.data_dir.join(intake_common::db::KEY_FILE).display()
        );
    }
    Ok(())
}

pub fn backup(ctx: &Context, args: BackupArgs) -> Result<()> {
    refuse_postgres(ctx, "is backed up")?;
    let manifest = backup::backup(&ctx.data_dir, &args.out)?;
    if args.json {
        return print_json(&manifest);
    }
    outln!("Backed up to {}:", args.out.display())?;
    describe(&manifest)?;
    outln!(
        "Sealed with the key whose fingerprint is {}; a restore needs that key (secret.key), which is not in the backup.",
        manifest.key_fingerprint
    )?;
    Ok(())
}

pub fn restore(ctx: &Context, args: RestoreArgs) -> Result<()> {
    if args.inspect {
        let manifest = backup::read_manifest(&args.file)?;
        if args.json {
            return print_json(&manifest);
        }
        return describe(&manifest);
    }
    refuse_postgres(ctx, "is restored")?;
    // The agent holds this lock while it runs; a restore under a running store or sync
    // loop would be overwritten by it.
    // (A directory not made yet has no agent on it.)
    let _lock = if ctx.data_dir.exists() {
        let Some(lock) = crate::webhook::lock(&ctx.data_dir)? else {
            bail!(
                "intake-agent is running on {}: stop it and the kiosk first (systemctl stop intake-agent intake-kiosk)",
                ctx.data_dir.display()
            );
        };
        Some(lock)
    } else {
        None
    };
    let restored = backup::restore(
        &args.file,
        &ctx.data_dir,
        &RestoreOptions {
            key: args.key,
            replace: args.replace,
        },
    )?;
    if args.json {
        return print_json(&restored);
    }
    outln!("Restored into {}:", ctx.data_dir.display())?;
    describe(&restored.manifest)?;
    if let Some(aside) = &restored.set_aside {
        outln!(
            "The database that was there is kept as {}.",
            aside.display()
        )?;
    }
    if restored.erasures_reapplied > 0 {
        outln!(
            "{} customer(s) erased after the backup was taken were erased again.",
            restored.erasures_reapplied
        )?;
    }
    Ok(())
}

fn describe(m: &Manifest) -> Result<()> {
    outln!("  made:       {} by {}", m.created_at, m.made_by)?;
    outln!(
        "  holds:      {} customers, {} signed releases ({} bytes, schema {})",
        m.customers,
        m.releases,
        m.database_bytes,
        m.schema_version
    )?;
    outln!("  key:        {}", m.key_fingerprint)?;
    Ok(())
}
