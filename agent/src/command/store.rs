//! `intake-agent store migrate`: a shop's SQLite store moves to PostgreSQL. Like `backup`,
//! it needs no signed-in user (whoever can read the data directory holds the data already);
//! `common::db::transfer` writes it to the audit log on both sides.

use anyhow::{Context as _, Result, bail};
use intake_common::Db;
use intake_common::db::{describe_url, transfer};
use serde::Serialize;

use crate::cli::{MigrateArgs, StoreCommand};
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};

pub fn run(_ctx: &Context, cmd: StoreCommand) -> Result<()> {
    match cmd {
        StoreCommand::Migrate(args) => migrate(args),
    }
}

#[derive(Serialize)]
struct Moved {
    from: String,
    to: String,
    tables: Vec<Table>,
}

#[derive(Serialize)]
struct Table {
    table: String,
    rows: u64,
    hash: String,
}

fn migrate(args: MigrateArgs) -> Result<()> {
    let from = &args.from;
    if !from.join(intake_common::db::DB_FILE).is_file() {
        bail!(
            "{} holds no store database ({}): give the shop's data directory with --from",
            from.display(),
            intake_common::db::DB_FILE
        );
    }
    // The store holds this lock while it runs: a store still taking pushes would write
    // what the copy does not see.
    let Some(_lock) = crate::webhook::lock(from)? else {
        bail!(
            "intake-agent is running on {}: stop it first (systemctl stop intake-agent)",
            from.display()
        );
    };
    let place = describe_url(&args.to);
    let source =
        Db::open_dir(from).with_context(|| format!("opening the store in {}", from.display()))?;
    let target = Db::open_postgres_in(&args.to, from)
        .with_context(|| format!("opening the PostgreSQL database {place}"))?;
    let moved = transfer::sqlite_to_postgres(&source, &target, &place)
        .with_context(|| format!("moving the store in {} to {place}", from.display()))?;
    let summary = transfer::summary(&moved, &from.display().to_string(), &place);

    let report = Moved {
        from: from.display().to_string(),
        to: place.clone(),
        tables: moved
            .iter()
            .map(|t| Table {
                table: t.table.clone(),
                rows: t.rows,
                hash: t.short_hash(),
            })
            .collect(),
    };
    if args.json {
        return print_json(&report);
    }
    let rows: Vec<Vec<String>> = report
        .tables
        .iter()
        .map(|t| vec![t.table.clone(), t.rows.to_string(), t.hash.clone()])
        .collect();
    print_table(&["TABLE", "ROWS", "HASH (SQLITE = POSTGRESQL)"], &rows)?;
    outln!("Moved {summary}; every table's rows and hash matched.")?;
    outln!(
        "Start the store with --data-dir {} --database URL (INTAKE_DATABASE_URL). Every store process needs a copy of this directory's {}, {}, {} and certificate ({}, {}); {} is kept as it was at the move, and no command opens it again.",
        from.display(),
        intake_common::db::KEY_FILE,
        crate::store::console::KEY_FILE,
        crate::store::web_sign::KEY_FILE,
        crate::tls::CERT_FILE,
        crate::tls::KEY_FILE,
        intake_common::db::DB_FILE
    )?;
    Ok(())
}
