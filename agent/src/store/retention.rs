//! The daily retention pass while the store runs: looked for every hour, run when it has
//! not run in the last 23 hours (by whichever store process of a chain claims it first),
//! under the policy in force.

use std::sync::Arc;
use std::time::Duration;

use intake_common::retention::pass;

/// How often the store looks whether the daily pass is due.
const LOOK_EVERY: Duration = Duration::from_secs(60 * 60);
/// How long after the start the first look waits, so a start is not slowed by it. (A store
/// restarting in a loop runs it once a day all the same: the run is claimed in the database.)
const FIRST_LOOK: Duration = Duration::from_secs(10);

pub async fn daily(state: Arc<super::State>) {
    tokio::time::sleep(FIRST_LOOK).await;
    let mut said = false;
    loop {
        let (retention, adult_age) = {
            let current = state.live.get();
            (
                current.settings.shop.retention,
                current.settings.shop.adult_age,
            )
        };
        let Some(policy) = retention else {
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
            .run(move |db| Ok(pass::run_daily(db, &policy, adult_age, chrono::Utc::now())?))
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
