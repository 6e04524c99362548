//! The device role: pairing with the store, and the sync loop that pushes this device's
//! outbox and pulls what its role may hold. The kiosk never waits on any of this: it
//! writes to its own database, and this loop carries the changes when the store is there.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, Result, anyhow, bail};
use intake_common::Db;
use intake_common::sync::{
    self, Credentials, PairRequest, PairResponse, PullRequest, PullResponse, PushResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::tls::{self, Trust};

/// How long one request may take (a push of 500 registrations with signatures is a few MB).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Pairs this device's database with the store at `store` using a one-time `code`.
/// Without `fingerprint`, the certificate the store shows now is the one pinned from here on.
pub fn pair(
    db: &mut Db,
    store: &str,
    code: &str,
    fingerprint: Option<&str>,
) -> Result<(PairResponse, Option<String>)> {
    let store = store.trim().trim_end_matches('/').to_string();
    let https = store.starts_with("https://");
    if !https && !store.starts_with("http://") {
        bail!("--store {store:?}: give the store's address as https://HOST:PORT");
    }
    let pinned = fingerprint.map(tls::parse_fingerprint).transpose()?;
    let seen = Arc::new(Mutex::new(None));
    let trust = match &pinned {
        Some(fp) => Trust::Pinned(fp.clone()),
        None => Trust::FirstUse(Arc::clone(&seen)),
    };
    let client = tls::client(trust, REQUEST_TIMEOUT)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let paired: PairResponse = runtime.block_on(post(
        &client,
        &store,
        "/v1/pair",
        None,
        &PairRequest {
            code: code.trim().to_string(),
        },
        None,
    ))?;
    let fingerprint = if https {
        pinned.or_else(|| seen.lock().unwrap_or_else(|p| p.into_inner()).clone())
    } else {
        None
    };
    sync::configure(db, &store, fingerprint.as_deref(), &paired)?;
    Ok((paired, fingerprint))
}

/// Sends `body` to the store and reads its JSON answer; an error answer becomes an error
/// that says what the store said. The answer's `Date` goes to `clock`.
async fn post<B: Serialize, T: DeserializeOwned>(
    client: &reqwest::Client,
    store: &str,
    path: &str,
    token: Option<&str>,
    body: &B,
    clock: Option<&StoreClock>,
) -> Result<T> {
    let url = format!("{store}{path}");
    let mut req = client.post(&url).json(body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.map_err(|e| {
        anyhow!(
            "cannot reach the store at {store}: {}",
            crate::output::source_chain(&e)
        )
    })?;
    if let Some(clock) = clock {
        clock.saw(resp.headers());
    }
    let status = resp.status();
    if !status.is_success() {
        let text = resp.text().await.unwrap_or_default();
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
            .unwrap_or(text);
        return Err(StoreRefused {
            status: status.as_u16(),
            message,
        }
        .into());
    }
    resp.json()
        .await
        .with_context(|| format!("the store's answer to {path} is not what this agent expects"))
}

/// The store answered, and said no.
#[derive(Debug)]
pub struct StoreRefused {
    pub status: u16,
    pub message: String,
}

impl std::fmt::Display for StoreRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            401 => write!(f, "the store refused this device: {}", self.message),
            403 => write!(f, "the store forbade it: {}", self.message),
            s => write!(f, "the store answered {s}: {}", self.message),
        }
    }
}

impl std::error::Error for StoreRefused {}

/// The store's clock as its last answer gave it (HTTP `Date`), beside this device's own.
#[derive(Debug, Clone)]
pub struct StoreClock {
    seen: Arc<Mutex<Option<(SystemTime, Instant)>>>,
    /// Added to this device's clock: lets tests run a device whose clock is wrong.
    offset: chrono::Duration,
}

impl StoreClock {
    pub fn new(offset: chrono::Duration) -> Self {
        Self {
            seen: Arc::new(Mutex::new(None)),
            offset,
        }
    }

    fn saw(&self, headers: &reqwest::header::HeaderMap) {
        let date = headers
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        if let Some(date) = date {
            self.set(date);
        }
    }

    fn set(&self, store_time: SystemTime) {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some((store_time, Instant::now()));
    }

    fn known(&self) -> bool {
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// How far this device's clock runs ahead of the store's (negative: behind), if an
    /// answer has shown the store's. The `Date` header counts whole seconds.
    pub fn ahead(&self) -> Option<chrono::Duration> {
        let here = chrono::Utc::now() + self.offset;
        Some(here - self.store_now()?)
    }

    /// The store's clock now, as its last answer showed it.
    pub fn store_now(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let (store, at) = (*self.seen.lock().unwrap_or_else(|p| p.into_inner()))?;
        Some(chrono::DateTime::<chrono::Utc>::from(store) + at.elapsed())
    }

    /// An error saying so when this device's clock runs more than
    /// [`sync::CLOCK_TOLERANCE_SECS`] ahead of the store's: what it made would be refused.
    fn check(&self) -> Result<()> {
        match self.ahead() {
            Some(ahead) if ahead > chrono::Duration::seconds(sync::CLOCK_TOLERANCE_SECS) => {
                bail!(sync::clock_ahead_message(ahead))
            }
            _ => Ok(()),
        }
    }
}

/// Whether the last read found nothing more (the position did not move).
fn batch_was_empty(after: Option<i64>, from: i64) -> bool {
    after.unwrap_or(0) == from
}

fn add(round: &mut Round, ack: sync::Acknowledged) {
    round.pushed += ack.removed;
    round.rejected += ack.rejected;
}

/// What one round of sync did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Round {
    pub pushed: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub purged: usize,
    /// More is waiting (the outbox filled while pulling): go again at once.
    pub more: bool,
}

/// One device's sync with its store.
pub struct Syncer {
    client: reqwest::Client,
    creds: Credentials,
    /// Acknowledgements and pulls write here...
    db: Arc<Mutex<Db>>,
    /// ...while the next batch is read here, so an acknowledgement's commit never holds up
    /// the next push.
    reader: Arc<Mutex<Db>>,
    clock: StoreClock,
}

impl Syncer {
    pub fn new(data_dir: &Path, clock: StoreClock) -> Result<Self> {
        let open = || {
            Db::open_dir(data_dir)
                .with_context(|| format!("opening the device database in {}", data_dir.display()))
        };
        let db = open()?;
        let creds = sync::credentials(db.conn())?.ok_or_else(|| {
            anyhow!(
                "this device is not paired with a store: run `intake-agent pair --store URL --code CODE` (without a store, this database is its own store and needs no sync)"
            )
        })?;
        let trust = match &creds.fingerprint {
            Some(fp) => Trust::Pinned(fp.clone()),
            None if creds.store_url.starts_with("https://") => {
                bail!("no pinned certificate for {}: pair again", creds.store_url)
            }
            None => Trust::Pinned(String::new()), // plain HTTP on loopback: no TLS at all
        };
        Ok(Self {
            client: tls::client(trust, REQUEST_TIMEOUT)?,
            creds,
            db: Arc::new(Mutex::new(db)),
            reader: Arc::new(Mutex::new(open()?)),
            clock,
        })
    }

    async fn on<T: Send + 'static>(
        db: &Arc<Mutex<Db>>,
        f: impl FnOnce(&mut Db) -> intake_common::Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = Arc::clone(db);
        Ok(tokio::task::spawn_blocking(move || {
            let mut db = db.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut db)
        })
        .await??)
    }

    async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Db) -> intake_common::Result<T> + Send + 'static,
    ) -> Result<T> {
        Self::on(&self.db, f).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        post(
            &self.client,
            &self.creds.store_url,
            path,
            Some(&self.creds.token),
            body,
            Some(&self.clock),
        )
        .await
    }

    /// Pushes the whole outbox, then pulls until the device has caught up. Nothing is
    /// pushed while this device's clock runs ahead of the store's: the store would refuse
    /// what it made for good.
    pub async fn round(&self) -> Result<Round> {
        let mut round = Round::default();
        let waiting = self
            .with_db(|db| intake_common::mutation::outbox_len(db))
            .await?;
        if waiting > 0 && !self.clock.known() {
            // Learn the store's time before sending anything. If this answer is lost, the
            // push goes ahead: the store still refuses what is dated ahead of it, and each
            // answer it gives sets the clock before the next batch leaves.
            if let Err(e) = self.pull_once(1).await {
                tracing::debug!(error = %format!("{e:#}"), "could not learn the store's time");
            }
        }
        self.clock.check()?;
        if let Some(store_now) = self.clock.store_now().filter(|_| waiting > 0) {
            // What was made while this device's clock ran ahead (now set right) would be
            // refused: it goes with ids of the store's time instead.
            let reminted = self
                .with_db(move |db| sync::remint_future_ids(db, store_now))
                .await?;
            if reminted > 0 {
                tracing::warn!(
                    reminted,
                    "queued changes made while the clock ran ahead got new ids"
                );
            }
        }
        let pushed = self.push_all(&mut round).await;
        pushed?;
        round.purged = self.with_db(sync::purge_kiosk_replica).await?;
        loop {
            let (pulled, more) = self.pull_once(sync::PULL_BATCH).await?;
            if pulled.deferred {
                round.more = true;
                break;
            }
            round.pulled += pulled.applied;
            if !more && !pulled.restarted {
                break;
            }
        }
        Ok(round)
    }

    /// One pull of at most `limit` changes, applied; whether more wait.
    async fn pull_once(&self, limit: u32) -> Result<(sync::Pulled, bool)> {
        let cursor = self.with_db(|db| sync::cursor(db.conn())).await?;
        let answer: PullResponse = self
            .post(
                "/v1/sync/pull",
                &PullRequest {
                    protocol: sync::PROTOCOL,
                    cursor,
                    limit,
                },
            )
            .await?;
        if let Some(at) = answer.store_time {
            self.clock.set(at.into()); // finer than the Date header's whole seconds
        }
        let more = answer.more;
        let pulled = self
            .with_db(move |db| sync::apply_pull(db, &answer))
            .await?;
        Ok((pulled, more))
    }

    /// Pushes batch after batch. Two batches travel at once: the store applies each only
    /// after the one before it (`after`), so order holds while sending, parsing and
    /// applying overlap. Answers are recorded in order as they come.
    async fn push_all(&self, round: &mut Round) -> Result<()> {
        let mut after: Option<i64> = None;
        let mut inflight: std::collections::VecDeque<
            tokio::task::JoinHandle<Result<PushResponse>>,
        > = std::collections::VecDeque::new();
        let mut acking: Option<tokio::task::JoinHandle<Result<sync::Acknowledged>>> = None;
        let result = async {
            loop {
                let from = after.unwrap_or(0);
                let (batch, last) = Self::on(&self.reader, move |db| {
                    sync::next_batch_raw(db, from, sync::PUSH_BATCH)
                })
                .await?;
                if !batch.is_empty() {
                    self.clock.check()?;
                    let request = sync::RawPushRequest {
                        protocol: sync::PROTOCOL,
                        mutations: batch,
                        after,
                        last,
                    };
                    let (client, store, token, clock) = (
                        self.client.clone(),
                        self.creds.store_url.clone(),
                        self.creds.token.clone(),
                        self.clock.clone(),
                    );
                    inflight.push_back(tokio::spawn(async move {
                        let path = "/v1/sync/push";
                        post(&client, &store, path, Some(&token), &request, Some(&clock)).await
                    }));
                    after = Some(last);
                }
                if inflight.is_empty() {
                    return Ok(());
                }
                // Keep two on the way; when the outbox is drained, collect the rest.
                if inflight.len() < 2 && !batch_was_empty(after, from) {
                    continue;
                }
                let Some(oldest) = inflight.pop_front() else {
                    return Ok(());
                };
                let answer = oldest.await??;
                if answer.results.is_empty() {
                    bail!("the store answered for none of the mutations sent");
                }
                if let Some(previous) = acking.take() {
                    add(round, previous.await??);
                }
                let db = Arc::clone(&self.db);
                acking = Some(tokio::spawn(async move {
                    Self::on(&db, move |db| sync::acknowledge(db, &answer.results)).await
                }));
            }
        }
        .await;
        for later in inflight {
            later.abort();
        }
        // Whatever happened to later batches, the answers already received are recorded.
        if let Some(previous) = acking.take() {
            add(round, previous.await??);
        }
        result
    }

    async fn record(&self, error: Option<String>) {
        let result = self
            .with_db(move |db| sync::record_attempt(db, error.as_deref()))
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not record the sync status");
        }
    }
}

pub struct RunOptions {
    pub once: bool,
    /// How often to look for changes when all is quiet.
    pub interval: Duration,
    /// Added to this device's clock (tests of a device whose clock is wrong).
    pub clock_offset: chrono::Duration,
}

/// Syncs until stopped (SIGINT, SIGTERM), or one round with `once`.
pub fn run(data_dir: &Path, options: RunOptions) -> Result<()> {
    let syncer = Syncer::new(data_dir, StoreClock::new(options.clock_offset))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if options.once {
            let result = syncer.round().await;
            syncer.record(result.as_ref().err().map(|e| format!("{e:#}"))).await;
            let round = result?;
            println!(
                "pushed {} (refused {}), pulled {}",
                round.pushed, round.rejected, round.pulled
            );
            return Ok(());
        }
        tracing::info!(store = %syncer.creds.store_url, device = %syncer.creds.device.name, "sync running");
        crate::systemd::spawn_watchdog();
        crate::systemd::ready();
        let mut failures = 0u32;
        let stop = shutdown();
        tokio::pin!(stop);
        loop {
            let wait = match syncer.round().await {
                Ok(round) => {
                    if failures > 0 {
                        tracing::info!("the store is back");
                    }
                    failures = 0;
                    syncer.record(None).await;
                    if round.pushed + round.pulled > 0 {
                        tracing::info!(pushed = round.pushed, refused = round.rejected, pulled = round.pulled, "synced");
                    }
                    if !round.more {
                        // Once a day: does this device hold what the store holds for it?
                        crate::command::check::now_and_then(data_dir).await;
                    }
                    if round.more { Duration::ZERO } else { options.interval }
                }
                Err(e) => {
                    failures += 1;
                    let message = format!("{e:#}");
                    tracing::warn!(error = %message, failures, "sync failed; will retry");
                    syncer.record(Some(message)).await;
                    backoff(failures)
                }
            };
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(wait) => {}
            }
        }
        tracing::info!("sync stopped");
        Ok(())
    })
}

/// Exponential backoff with full jitter: a random wait up to 0.5 s × 2^(n-1), at most 30 s,
/// so devices that lost the store together do not all come back at the same moment.
pub fn backoff(failures: u32) -> Duration {
    let cap_ms = (500u64 << failures.saturating_sub(1).min(6)).min(30_000);
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).expect("the system's random source works");
    Duration::from_millis(250 + u64::from_le_bytes(b) % cap_ms)
}

pub(crate) async fn shutdown() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
