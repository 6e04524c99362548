//! Telling systemd how the service is: ready once it serves, and alive (the watchdog) for
//! as long as its runtime keeps turning. Outside systemd every call does nothing.

use std::time::Duration;

use sd_notify::NotifyState;

/// Startup is done.
pub fn ready() {
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready]) {
        tracing::debug!(error = %e, "could not tell systemd we are ready");
    }
}

/// If the unit asks for a watchdog, pings it at half its interval from a task on the
/// current tokio runtime: a wedged runtime stops the pings and systemd restarts us.
pub fn spawn_watchdog() {
    let mut usec = 0u64;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec / 2);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
        }
    });
}
