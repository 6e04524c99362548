//! `intake-agent webhook ...`.

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use intake_common::webhook::{self, queue};

use crate::cli::WebhookCommand;
use crate::context::Context;
use crate::outln;
use crate::output::{print_json, print_table};
use crate::webhook::{Options, SystemClock, send};

pub fn run(ctx: &Context, cmd: WebhookCommand) -> Result<()> {
    let mut db = ctx.open()?;
    // Webhooks belong to the store, which sends them: refused on a device, before signing in.
    intake_common::sync::refuse_on_device(db.conn(), webhook::WEBHOOKS_ARE)?;
    let actor = ctx.sign_in(&db)?;
    let now_ms = Utc::now().timestamp_millis();
    match cmd {
        WebhookCommand::Add {
            url,
            events,
            medical,
            json,
        } => {
            let events = webhook::parse_events(&events).context("--events")?;
            let policy = crate::webhook::policy_from_env()?;
            let added = webhook::add(&mut db, &actor, &url, &events, medical, policy)?;
            if json {
                return print_json(&added);
            }
            outln!("Endpoint {} added for {}.", added.id, events.join(", "))?;
            outln!("Signing secret (shown once; keep it with the receiver):")?;
            outln!("  {}", added.secret)?;
        }
        WebhookCommand::List(flag) => {
            let list = webhook::list(db.conn(), &actor)?;
            if flag.json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|e| {
                    vec![
                        e.id.clone(),
                        e.url.clone(),
                        e.events.join(","),
                        if e.medical { "yes" } else { "no" }.into(),
                        match (&e.enabled, &e.disabled_reason) {
                            (true, _) => match &e.failing_since {
                                Some(t) => format!("failing since {t}"),
                                None => "enabled".into(),
                            },
                            (false, Some(why)) => format!("disabled: {why}"),
                            (false, None) => "disabled".into(),
                        },
                        e.pending.to_string(),
                        e.failed.to_string(),
                    ]
                })
                .collect();
            print_table(
                &[
                    "ID", "URL", "EVENTS", "MEDICAL", "STATE", "WAITING", "FAILED",
                ],
                &rows,
            )?;
        }
        WebhookCommand::Disable { endpoint } => {
            let id = webhook::set_enabled(&mut db, &actor, &endpoint, false)?;
            outln!(
                "Disabled {id}. What was waiting for it has failed; after enabling it, `webhook recover` sends that again."
            )?;
        }
        WebhookCommand::Enable { endpoint } => {
            let id = webhook::set_enabled(&mut db, &actor, &endpoint, true)?;
            outln!("Enabled {id}.")?;
        }
        WebhookCommand::RotateSecret { endpoint, json } => {
            let rotated = webhook::rotate_secret(&mut db, &actor, &endpoint, Utc::now())?;
            if json {
                return print_json(&rotated);
            }
            outln!("New signing secret for {}:", rotated.id)?;
            outln!("  {}", rotated.secret)?;
            outln!("The old secret keeps signing beside it for 24 hours.")?;
        }
        WebhookCommand::Test { endpoint } => {
            let options = Options::from_env()?;
            let client = crate::webhook::client(&options)?;
            let due = queue::ping(&mut db, &actor, &endpoint, now_ms)?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let outcome =
                runtime.block_on(async { send(&client, options.policy, &SystemClock, &due).await });
            queue::record(
                &mut db,
                std::slice::from_ref(&outcome),
                Utc::now().timestamp_millis(),
                queue::random_unit,
            )?;
            match (outcome.succeeded(), outcome.status, &outcome.error) {
                (true, Some(status), _) => outln!(
                    "{}: HTTP {status} in {} ms (message {}).",
                    due.url,
                    outcome.duration_ms,
                    due.message_id
                )?,
                (_, Some(status), _) => {
                    bail!(
                        "{}: answered HTTP {status} (message {})",
                        due.url,
                        due.message_id
                    )
                }
                (_, None, error) => bail!(
                    "{}: {} (message {})",
                    due.url,
                    error.as_deref().unwrap_or("failed"),
                    due.message_id
                ),
            }
        }
        WebhookCommand::Replay { message, endpoint } => {
            let n = webhook::replay(&mut db, &actor, &message, endpoint.as_deref(), now_ms)?;
            outln!("Queued {message} again for {n} endpoint(s).")?;
        }
        WebhookCommand::Recover { since, endpoint } => {
            let since = parse_since(&since, Utc::now())?;
            let n = webhook::recover(&mut db, &actor, endpoint.as_deref(), since, now_ms)?;
            outln!("Queued {n} failed deliveries again (failed since {since}).")?;
        }
        WebhookCommand::Log {
            endpoint,
            limit,
            json,
        } => {
            let log = webhook::log(db.conn(), &actor, &endpoint, limit)?;
            if json {
                return print_json(&log);
            }
            let rows: Vec<Vec<String>> = log
                .iter()
                .map(|a| {
                    vec![
                        a.at.clone(),
                        a.message.clone(),
                        a.event.clone(),
                        a.attempt.to_string(),
                        match (a.status, &a.error) {
                            (Some(s), _) => match &a.answer {
                                Some(answer) => format!("HTTP {s}: {answer}"),
                                None => format!("HTTP {s}"),
                            },
                            (None, Some(e)) => e.clone(),
                            (None, None) => String::new(),
                        },
                        format!("{} ms", a.duration_ms),
                    ]
                })
                .collect();
            print_table(
                &["AT", "MESSAGE", "EVENT", "ATTEMPT", "RESULT", "TOOK"],
                &rows,
            )?;
        }
    }
    Ok(())
}

/// `--since`: RFC 3339, a date (midnight UTC), or how long ago (`90m`, `2h`, `3d`).
pub(crate) fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    let (number, unit) = text.split_at(text.trim_end_matches(char::is_alphabetic).len());
    let n: i64 = number.parse().ok().filter(|n| *n >= 0).with_context(|| {
        format!("--since {text:?}: give a time (2026-11-30T09:00:00Z), a date (2026-11-30), or how long ago (2h, 3d)")
    })?;
    let ago = match unit {
        "s" => chrono::Duration::seconds(n),
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        _ => bail!("--since {text:?}: the unit is s, m, h or d"),
    };
    Ok(now - ago)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_times_dates_and_ages() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_since("2026-11-29T08:30:00+01:00", now)
                .unwrap()
                .to_rfc3339(),
            "2026-11-29T07:30:00+00:00"
        );
        assert_eq!(
            parse_since("2026-11-28", now).unwrap().to_rfc3339(),
            "2026-11-28T00:00:00+00:00"
        );
        assert_eq!(
            parse_since("2h", now).unwrap().to_rfc3339(),
            "2026-11-30T10:00:00+00:00"
        );
        assert!(parse_since("yesterday", now).is_err());
        assert!(parse_since("2w", now).is_err());
    }
}
