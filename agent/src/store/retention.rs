//! The daily retention pass while the store runs: looked for every hour, run when it has
//! not run in the last 23 hours (by whichever store process of a chain claims it first),
//! under the policy in force.

use std::sync::Arc;
use std::time::Duration;

use intake_common::retention::pass;
use intake_common::{Actor, Role};

/// How often the store looks whether the daily pass is due.
const LOOK_EVERY: Duration = Duration::from_secs(60 * 60);
/// How long after the start the first look waits, so a start is not slowed by it. (A store
/// restarting in a loop runs it once a day all the same: the run is claimed in the database.)
const FIRST_LOOK: Duration = Duration::from_secs(10);

pub async fn daily(state: Arc<super::State>) {
    tokio::time::sleep(FIRST_LOOK).await;
    let mut said = false;
    loop {
        let shop = state.live.get().settings.shop.clone();
        let Some(policy) = shop.retention else {
            // A shop.toml from before there was a policy: nothing is deleted that the shop
            // never chose to delete.
            if !said {
                tracing::warn!(
                    "shop.toml states no [retention] policy: no retention pass runs until one is stated (the console's Settings, or shop.toml)"
                );
                said = true;
            }
            tokio::time::sleep(LOOK_EVERY).await;
            continue;
        };
        let ran = state
            .pool
            .run(move |db| {
                let now = chrono::Utc::now();
                if !pass::claim_daily(db, now)? {
                    return Ok(None);
                }
                let actor = Actor {
                    name: pass::ACTOR.into(),
                    role: Role::Owner,
                };
                match pass::run(db, &actor, &policy, shop.adult_age, now, false) {
                    Ok(summary) => Ok(Some(summary)),
                    Err(e) => {
                        // Tried again at the next look, not a day later.
                        let _ = pass::unclaim_daily(db, now);
                        Err(e.into())
                    }
                }
            })
            .await;
        match ran {
            Ok(Some(summary)) => tracing::info!(%summary, "retention pass"),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e.message(), "the retention pass failed; it runs again within the hour")
            }
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}
