//! Webhook delivery: the worker that turns changes into messages and sends what is due.
//!
//! One worker per database, on a thread of its own (a lock file in the data directory
//! makes sure): it reads the change sequence into messages, sends due deliveries with at
//! most `concurrency` requests in flight, and records each outcome, which schedules the
//! retry. Everything it knows is in the database, so a restart or a crash loses nothing;
//! a message whose answer was lost is sent again with the same `webhook-id`.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use intake_common::Db;

use crate::database::Database;
use intake_common::webhook::{AddressPolicy, events, queue};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::task::JoinSet;

/// The lock file that keeps to one worker per data directory.
pub const LOCK_FILE: &str = "webhooks.lock";

/// A request that takes longer fails (and is retried).
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// How often an idle worker looks for new changes.
const POLL: Duration = Duration::from_millis(25);

/// Outcomes wait at most this long, or until there are this many, to be written together.
const RECORD_EVERY: Duration = Duration::from_millis(20);
const RECORD_BATCH: usize = 256;

/// The most of a receiver's answer that is read; the rest is never read (the connection is
/// closed instead). Nothing of the answer is needed beyond its status and headers.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How often finished messages past [`queue::KEEP`] are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Where time comes from: the wall clock, or a test's.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// How deliveries are made.
#[derive(Debug, Clone)]
pub struct Options {
    pub policy: AddressPolicy,
    /// Extra certificate authorities (PEM) to trust besides the system's.
    pub extra_ca: Option<PathBuf>,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// The proxy to send through (INTAKE_WEBHOOK_PROXY). The usual HTTP(S)_PROXY and
    /// ALL_PROXY variables are ignored: a proxy the shop did not choose for webhooks would
    /// see every payload, and would reach addresses the policy refuses.
    pub proxy: Option<String>,
}

impl Options {
    /// From the environment: INTAKE_WEBHOOK_ALLOW_PRIVATE, INTAKE_WEBHOOK_CA,
    /// INTAKE_WEBHOOK_CONCURRENCY, INTAKE_WEBHOOK_PROXY.
    pub fn from_env() -> Result<Self> {
        let concurrency = match std::env::var("INTAKE_WEBHOOK_CONCURRENCY") {
            Ok(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1024).contains(n))
                .with_context(|| {
                    format!("INTAKE_WEBHOOK_CONCURRENCY={v:?}: give a number from 1 to 1024")
                })?,
            Err(_) => 64,
        };
        Ok(Self {
            policy: policy_from_env()?,
            extra_ca: std::env::var_os("INTAKE_WEBHOOK_CA").map(PathBuf::from),
            concurrency,
            proxy: std::env::var("INTAKE_WEBHOOK_PROXY")
                .ok()
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty()),
        })
    }
}

/// INTAKE_WEBHOOK_ALLOW_PRIVATE=1 lets webhooks go to private and loopback addresses.
pub fn policy_from_env() -> Result<AddressPolicy> {
    let allow_private = match std::env::var("INTAKE_WEBHOOK_ALLOW_PRIVATE").as_deref() {
        Ok("1" | "true" | "yes") => true,
        Ok("0" | "false" | "no" | "") | Err(_) => false,
        Ok(other) => bail!("INTAKE_WEBHOOK_ALLOW_PRIVATE={other:?}: give 1 or 0"),
    };
    Ok(AddressPolicy { allow_private })
}

/// Resolves names and drops the addresses the policy refuses, so a name that moves to a
/// private address after the endpoint was added is still refused.
struct PolicyResolver(AddressPolicy);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| policy.refuses(a.ip()).is_none())
                .collect();
            if allowed.is_empty() {
                let why = addrs
                    .first()
                    .and_then(|a| policy.refuses(a.ip()))
                    .unwrap_or_else(|| format!("{host} has no address"));
                return Err(why.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The HTTP client deliveries use: the system's trusted roots (plus `extra_ca`), 15 s
/// timeout, no redirects (a 3xx is a failure, as the spec says), names resolved through
/// the address policy, no proxy but the one `options` names.
pub fn client(options: &Options) -> Result<reqwest::Client> {
    let provider = crate::tls::provider();
    let extra: Vec<CertificateDer<'static>> = match &options.extra_ca {
        Some(path) => CertificateDer::pem_file_iter(path)
            .and_then(|it| it.collect::<Result<Vec<_>, _>>())
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
        None => Vec::new(),
    };
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, Arc::clone(&provider))
            .context("no trusted certificate authorities: install ca-certificates, or name a CA file in INTAKE_WEBHOOK_CA")?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let builder = match &options.proxy {
        Some(proxy) => reqwest::Client::builder().proxy(
            reqwest::Proxy::all(proxy)
                .with_context(|| format!("INTAKE_WEBHOOK_PROXY={proxy:?} is not a proxy URL"))?,
        ),
        None => reqwest::Client::builder().no_proxy(),
    };
    Ok(builder
        .tls_backend_preconfigured(config)
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(PolicyResolver(options.policy)))
        .pool_max_idle_per_host(options.concurrency)
        .user_agent(concat!("Intake-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// Sends one delivery and says how it went. Never fails: every problem is an outcome.
pub async fn send(
    client: &reqwest::Client,
    policy: AddressPolicy,
    clock: &dyn Clock,
    due: &queue::Due,
) -> queue::Outcome {
    let at_ms = clock.now_ms();
    let started = Instant::now();
    let mut outcome = queue::Outcome {
        endpoint_id: due.endpoint_id.clone(),
        message_seq: due.message_seq,
        customer_id: due.customer_id,
        attempt: due.attempt,
        medical: due.medical,
        at_ms,
        duration_ms: 0,
        status: None,
        error: None,
        retry_after: None,
        answer: None,
    };
    // Names go through the resolver; an address written into the URL is checked here.
    if let Some(host) = reqwest::Url::parse(&due.url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
        && let Ok(ip) = host.parse::<IpAddr>()
        && let Some(why) = policy.refuses(ip)
    {
        outcome.error = Some(format!("refused: {why}"));
        return outcome;
    }
    let mut request = client
        .post(&due.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json");
    for (name, value) in due.headers(at_ms.div_euclid(1000)) {
        request = request.header(name, value);
    }
    match request.body(due.body.clone()).send().await {
        Ok(response) => {
            outcome.status = Some(response.status().as_u16());
            outcome.retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            // Read (and drop) a short answer so the connection can be used again; stop
            // reading a long one (the connection is closed instead).
            let (_, start) = read_capped(response, MAX_ANSWER_BYTES).await;
            outcome.answer = queue::excerpt(&start);
        }
        Err(e) => outcome.error = Some(describe(&e)),
    }
    outcome.duration_ms = started.elapsed().as_millis() as i64;
    outcome
}

/// Reads at most about `cap` bytes of `response`'s body, a chunk at a time: how many it
/// read, and the first bytes (enough for the delivery log's excerpt). Dropping the rest
/// closes the connection.
pub async fn read_capped(mut response: reqwest::Response, cap: usize) -> (usize, Vec<u8>) {
    let keep = queue::ANSWER_EXCERPT * 4; // characters of up to four bytes
    let mut read = 0usize;
    let mut start = Vec::new();
    while read < cap {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                read += chunk.len();
                let room = keep.saturating_sub(start.len());
                start.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    (read, start)
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = if e.is_timeout() {
        format!("no answer within {} s", TIMEOUT.as_secs())
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The worker's state between rounds.
pub struct Worker {
    /// Lent to a blocking thread for each call ([`Worker::on_db`]).
    db: Option<Db>,
    client: reqwest::Client,
    options: Options,
    clock: Arc<dyn Clock>,
}

impl Worker {
    pub fn new(db: Db, options: Options, clock: Arc<dyn Clock>) -> Result<Self> {
        // Its own commits need not wait for the disk: a delivery recorded as sent and
        // lost in a power cut is sent again, and a message lost with it is made again
        // from the change sequence, whose cursor is lost with it.
        if let Some(sqlite) = db.conn().sqlite() {
            sqlite.pragma_update(None, "synchronous", "NORMAL")?;
        }
        Ok(Self {
            client: client(&options)?,
            db: Some(db),
            options,
            clock,
        })
    }

    /// Whether this worker may deliver: on PostgreSQL, it takes the database's webhook lock
    /// (held by its connection while it lives, released when it ends, however it ends), so
    /// one store process delivers at a time and another takes over when it dies. On SQLite
    /// the data directory's lock file does this before the worker starts.
    async fn claim(&mut self) -> Result<bool> {
        self.on_db(|db| {
            if !db.conn().is_postgres() {
                return Ok(true);
            }
            Ok(db
                .conn()
                .query_row("SELECT pg_try_advisory_lock(?1)", [WEBHOOK_LOCK], |r| {
                    r.get(0)
                })?)
        })
        .await
    }

    /// Runs `f` on the worker's database on a blocking thread: a database call never stalls
    /// the deliveries in flight, and PostgreSQL's client, which blocks, never runs inside
    /// this loop.
    async fn on_db<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Db) -> intake_common::Result<T> + Send + 'static,
    ) -> Result<T> {
        let mut db = self
            .db
            .take()
            .context("the webhook worker lost its database handle")?;
        let (db, out) = tokio::task::spawn_blocking(move || {
            let out = intake_common::db::may_block(|| f(&mut db));
            (db, out)
        })
        .await
        .context("a webhook database call failed")?;
        self.db = Some(db);
        Ok(out?)
    }

    /// Runs until `stop` resolves.
    pub async fn run(mut self, stop: impl std::future::Future<Output = ()>) -> Result<()> {
        tokio::pin!(stop);
        let mut in_flight: JoinSet<queue::Outcome> = JoinSet::new();
        let mut busy: HashSet<(String, i64)> = HashSet::new();
        let mut outcomes: Vec<queue::Outcome> = Vec::new();
        let mut seen_version: Option<i64> = None;
        let mut unrecorded_since: Option<Instant> = None;
        let mut backlog = false;
        let mut pruned_at: Option<Instant> = None;
        loop {
            // Once an hour (and at start), forget finished messages past their keeping time,
            // a few at a time.
            if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(Instant::now());
                let before = self.clock.now_ms() - queue::KEEP.num_milliseconds();
                let gone = self.on_db(move |db| queue::prune(db, before, 500)).await?;
                if gone > 0 {
                    tracing::info!(gone, "old webhook messages pruned");
                    if gone == 500 {
                        // More to go: next round.
                        pruned_at = None;
                    }
                }
            }
            // New changes? The marker moves when another connection commits one.
            let (version, waiting) = self
                .on_db(move |db| {
                    let version = db.conn().change_marker()?;
                    let waiting = seen_version != Some(version) && events::waiting(db.conn())?;
                    Ok((version, waiting))
                })
                .await?;
            seen_version = Some(version);
            backlog = backlog || waiting;
            // One pass per round, so a large import's messages are made between deliveries
            // rather than in one long run of transactions.
            if backlog {
                let now = self.clock.now_ms();
                let (made, more) = self.on_db(move |db| events::produce(db, now)).await?;
                if made > 0 {
                    tracing::debug!(made, "webhook messages made");
                }
                backlog = more;
            }
            let now = self.clock.now_ms();
            let room = self.options.concurrency.saturating_sub(in_flight.len());
            if room > 0 {
                let taken = busy.clone();
                let due = self
                    .on_db(move |db| queue::due(db, now, room, &taken))
                    .await?;
                for due in due {
                    busy.insert((due.endpoint_id.clone(), due.message_seq));
                    let client = self.client.clone();
                    let clock = Arc::clone(&self.clock);
                    let policy = self.options.policy;
                    in_flight.spawn(async move { send(&client, policy, &*clock, &due).await });
                }
            }
            // Everything due that may go now is in flight (what is left waits for an
            // earlier message to the same customer), so sleep until a send finishes, the
            // next retry falls due, or it is time to look for new changes.
            let mut wait = match self.on_db(|db| queue::next_due_ms(db.conn())).await? {
                Some(next) if next > now => Duration::from_millis((next - now) as u64).min(POLL),
                _ => POLL,
            };
            if let Some(since) = unrecorded_since {
                wait = wait.min(RECORD_EVERY.saturating_sub(since.elapsed()));
            }
            if backlog {
                wait = Duration::ZERO;
            }
            tokio::select! {
                Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                    outcomes.extend(done.ok());
                    while let Some(done) = in_flight.try_join_next() {
                        outcomes.extend(done.ok());
                    }
                    unrecorded_since.get_or_insert_with(Instant::now);
                }
                _ = tokio::time::sleep(wait) => {}
                _ = &mut stop => break,
            }
            // Outcomes are written a batch at a time: fewer, larger transactions leave the
            // write lock free for kiosks and imports most of the time.
            let record_now = in_flight.is_empty()
                || outcomes.len() >= RECORD_BATCH
                || unrecorded_since.is_some_and(|t| t.elapsed() >= RECORD_EVERY);
            if !outcomes.is_empty() && record_now {
                unrecorded_since = None;
                let now = self.clock.now_ms();
                let batch = std::mem::take(&mut outcomes);
                let (disabled, batch) = self
                    .on_db(move |db| {
                        queue::record(db, &batch, now, queue::random_unit).map(|d| (d, batch))
                    })
                    .await?;
                for o in batch {
                    if !o.succeeded() {
                        tracing::info!(endpoint = %o.endpoint_id, attempt = o.attempt,
                            status = ?o.status, error = ?o.error, "webhook delivery failed");
                    }
                    busy.remove(&(o.endpoint_id, o.message_seq));
                }
                for d in disabled {
                    tracing::warn!(endpoint = %d.endpoint_id, reason = %d.reason, "webhook endpoint disabled");
                }
            }
        }
        Ok(())
    }
}

/// Holds the data directory's webhook lock; dropping it lets another worker start.
pub struct Lock(#[allow(dead_code)] std::fs::File);

/// Takes the lock, or `None` if another process delivers this directory's webhooks.
pub fn lock(data_dir: &Path) -> Result<Option<Lock>> {
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Lock(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// Starts the worker on a thread of its own, if this process gets the lock. Runs until
/// the process ends.
pub fn spawn(database: &Database, options: Options) -> Result<()> {
    // On PostgreSQL the worker takes the database's lock itself (`Worker::claim`): store
    // processes on other machines share the database, not the directory.
    let lock = if database.is_postgres() {
        None
    } else {
        let Some(lock) = lock(&database.data_dir)? else {
            tracing::info!("another process delivers this store's webhooks");
            return Ok(());
        };
        Some(lock)
    };
    // The store serves devices even if webhooks cannot go out yet (no trusted roots on
    // the machine, say): the worker says why, messages wait in the database, and it tries
    // again.
    let database = database.clone();
    std::thread::Builder::new()
        .name("webhooks".into())
        .spawn(move || {
            let _lock = lock;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a single-thread runtime starts");
            runtime.block_on(keep_running(
                None,
                &database,
                options,
                std::future::pending(),
            ));
        })?;
    Ok(())
}

/// Runs the worker in this thread until `stop` resolves (the embedded default's
/// `intake-agent run`, where this database is its own store).
pub fn run_here(
    database: &Database,
    options: Options,
    stop: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let data_dir = database.data_dir.as_path();
    // On PostgreSQL the worker takes the database's lock itself (`Worker::claim`), and
    // stands by while another process delivers.
    let _lock = if database.is_postgres() {
        None
    } else {
        // A process that is just stopping (a restart) may still hold it for a moment.
        let mut held = lock(data_dir)?;
        for _ in 0..50 {
            if held.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            held = lock(data_dir)?;
        }
        let Some(lock) = held else {
            bail!(
                "another process already delivers the webhooks of {}",
                data_dir.display()
            );
        };
        Some(lock)
    };
    let first = Worker::new(open(database)?, options.clone(), Arc::new(SystemClock))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        crate::systemd::spawn_watchdog();
        crate::systemd::ready();
        keep_running(Some(first), database, options, stop).await;
    });
    Ok(())
}

fn open(database: &Database) -> Result<Db> {
    database.open_for("the database")
}

/// The key of the PostgreSQL advisory lock the delivering worker holds.
const WEBHOOK_LOCK: i64 = 0x494e_5441_4b48; // "INTAKH"

/// How often a worker standing by looks whether the one delivering is gone.
const STANDBY: Duration = Duration::from_secs(5);

/// Runs the worker; if it fails (the disk, the database), says so and starts again.
async fn keep_running(
    first: Option<Worker>,
    database: &Database,
    options: Options,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut worker = first;
    loop {
        let current = match worker.take() {
            Some(w) => w,
            None => match open(database)
                .and_then(|db| Worker::new(db, options.clone(), Arc::new(SystemClock)))
            {
                Ok(w) => w,
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "webhook delivery cannot start; messages wait in the database; trying again in a minute");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(60)) => continue,
                        _ = &mut stop => return,
                    }
                }
            },
        };
        let mut current = current;
        match current.claim().await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("another store process delivers the webhooks; standing by");
                tokio::select! {
                    _ = tokio::time::sleep(STANDBY) => continue,
                    _ = &mut stop => return,
                }
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "webhook delivery cannot take its lock; trying again");
                tokio::select! {
                    _ = tokio::time::sleep(STANDBY) => continue,
                    _ = &mut stop => return,
                }
            }
        }
        tokio::select! {
            result = current.run(std::future::pending()) => {
                if let Err(e) = result {
                    tracing::error!(error = %format!("{e:#}"), "webhook delivery failed; starting again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            _ = &mut stop => return,
        }
    }
}

#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "webhook_client_tests.rs"]
mod client_tests;
