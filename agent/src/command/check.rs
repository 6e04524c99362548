//! `intake-agent check`: does this device hold what the store holds for it? Also run by
//! the sync loop once a day, and the kinds of waiting and refused changes `status` shows.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use intake_common::Db;
use intake_common::sync::check::{self, CheckAnswer, CheckReport, CheckRequest};
use intake_common::sync::{self, paired};

use crate::cli::CheckArgs;
use crate::context::Context;
use crate::outln;
use crate::output::print_json;
use crate::tls::{self, Trust};

/// When the sync loop last looked whether a check is due.
static LOOKED: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// How often the sync loop checks.
pub const EVERY: chrono::TimeDelta = chrono::TimeDelta::hours(24);

pub fn run(ctx: &Context, args: CheckArgs) -> Result<()> {
    ctx.database()
        .refuse_postgres("the check against the store is made")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(async {
        if !args.no_sync {
            // Push what waits and pull what is new first: the comparison is then exact.
            let syncer = crate::device::Syncer::new(
                &ctx.data_dir,
                crate::device::StoreClock::new(chrono::Duration::zero()),
            )?;
            syncer.round().await?;
        }
        check_now(&ctx.data_dir).await
    })?;
    if args.json {
        print_json(&report)?;
    } else {
        outln!("Role:          {}", report.role)?;
        outln!("Store holds:   {} for this device", report.store_held)?;
        outln!("Device holds:  {}", report.device_held)?;
        outln!("Pending:       {}", report.pending)?;
        outln!("Result:        {}", report.verdict)?;
    }
    if !report.agree && report.pending == 0 {
        bail!("this device differs from its store: {}", report.verdict);
    }
    Ok(())
}

/// Asks the store for its summary and compares this device's replica with it.
pub async fn check_now(data_dir: &Path) -> Result<CheckReport> {
    let db = open_at(data_dir)?;
    let creds = sync::credentials(db.conn())?.ok_or_else(|| {
        anyhow!("this database is not paired with a store: it is its own store, and there is nothing to compare it with")
    })?;
    let cursor = sync::cursor(db.conn())?;
    drop(db);
    let trust = match &creds.fingerprint {
        Some(fp) => Trust::Pinned(fp.clone()),
        None if creds.store_url.starts_with("https://") => {
            bail!("no pinned certificate for {}: pair again", creds.store_url)
        }
        None => Trust::Pinned(String::new()),
    };
    let client = tls::client(trust, Duration::from_secs(120))?;
    let response = client
        .post(format!("{}/v1/sync/check", creds.store_url))
        .bearer_auth(&creds.token)
        .json(&CheckRequest {
            protocol: sync::PROTOCOL,
            cursor,
        })
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "cannot reach the store at {}: {}",
                creds.store_url,
                crate::output::source_chain(&e)
            )
        })?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        bail!("the store answered {status} to the check: {text}");
    }
    let answer: CheckAnswer = response
        .json()
        .await
        .context("the store's answer to the check is not what this agent expects")?;
    let data_dir = data_dir.to_path_buf();
    tokio::task::spawn_blocking(move || -> Result<CheckReport> {
        let db = open_at(&data_dir)?;
        Ok(check::compare(&db, &answer)?)
    })
    .await?
}

fn open_at(dir: &Path) -> Result<Db> {
    Db::open_dir(dir).with_context(|| format!("opening the device database in {}", dir.display()))
}

/// For the sync loop: checks if the last check is a day old (or there was none), and says
/// what it found in the log. Never fails the loop.
pub async fn now_and_then(data_dir: &Path) {
    // The loop calls this after every quiet round: look at the database once an hour.
    {
        let mut looked = LOOKED.lock().unwrap_or_else(|p| p.into_inner());
        if looked.is_some_and(|t| t.elapsed() < Duration::from_secs(3600)) {
            return;
        }
        *looked = Some(std::time::Instant::now());
    }
    let due = match open_at(data_dir).and_then(|db| Ok(check::last_check(db.conn())?)) {
        Ok(last) => last
            .and_then(|r| DateTime::parse_from_rfc3339(&r.checked_at).ok())
            .is_none_or(|at| Utc::now() - at.with_timezone(&Utc) >= EVERY),
        Err(_) => false,
    };
    if !due {
        return;
    }
    match check_now(data_dir).await {
        Ok(r) if r.agree => {
            tracing::info!(held = r.device_held, "consistency check: {}", r.verdict)
        }
        Ok(r) => tracing::warn!(
            store = r.store_held,
            device = r.device_held,
            pending = r.pending,
            "consistency check: {}",
            r.verdict
        ),
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "consistency check failed; will try again")
        }
    }
}

/// `status --json`: the sync status with the kinds of waiting and refused changes and the
/// last consistency check.
pub fn status_json(db: &Db, status: &sync::Status) -> Result<()> {
    let conn = db.conn();
    let mut value = serde_json::to_value(status)?;
    value["waiting"] = serde_json::to_value(paired::waiting(conn)?)?;
    value["last_check"] = serde_json::to_value(check::last_check(conn)?)?;
    print_json(&value)
}

/// `status`: the kinds of waiting and refused changes, and the last consistency check.
pub fn print_waiting(db: &Db) -> Result<()> {
    let conn = db.conn();
    let waiting = paired::waiting(conn)?;
    for k in &waiting.pending {
        outln!("  waiting:     {} {}", k.count, k.kind)?;
    }
    for r in &waiting.refused {
        outln!(
            "  refused:     {} {} (last {}): {}",
            r.count,
            r.kind,
            r.last_refused_at,
            r.reason
        )?;
    }
    if let Some(c) = check::last_check(conn)? {
        outln!("Last check:    {} — {}", c.checked_at, c.verdict)?;
    }
    Ok(())
}
