//! The store role: the shop's HTTPS API over the store database.
//!
//! Every route is listed once in [`routes::ROUTES`] with what it needs, the body it may
//! carry and its handler; the router is made from that list, one gate (`auth::gate`)
//! checks every request against it before any handler runs (and refuses what it does not
//! name), the handlers check again through `intake_common` (which checks every actor), and
//! `/openapi.json` is made from the same list. `conn` bounds connections and their
//! timeouts.

mod admin;
mod auth;
mod conn;
pub(crate) mod console;
mod customers;
pub mod error;
mod exit;
mod files;
mod html;
mod links;
pub mod live;
pub mod openapi;
mod retention;
pub mod routes;
mod sync;
pub mod web_sign;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use intake_common::Db;

use crate::database::Database;
use crate::tls;

pub use conn::MAX_CONNECTIONS;

/// The settings directory in the data directory: where the console saves the shop's
/// settings when the store was started without `--settings`, read at the next start.
pub const SETTINGS_DIR: &str = "settings";

/// Database handles for request handlers. SQLite in WAL mode lets readers work beside the
/// one writer, and PostgreSQL serves many connections, so handlers each take a handle of
/// their own; writers queue on the database's one write lock.
pub struct Pool {
    database: Database,
    idle: Mutex<Vec<Db>>,
    /// On PostgreSQL, at most this many handles at once, so a burst of requests queues here
    /// rather than using up the server's connections (which every store process shares).
    limit: Option<Arc<tokio::sync::Semaphore>>,
}

/// Connections one store process holds on PostgreSQL at most.
pub const POSTGRES_CONNECTIONS: usize = 16;
/// Handles kept open between requests.
const IDLE: usize = 8;

impl Pool {
    pub fn new(database: &Database) -> Result<Self> {
        let first = Self::open(database)
            .with_context(|| format!("opening the store database {}", database.describe()))?;
        intake_common::mutation::set_device_role(&first, false)?;
        Ok(Self {
            database: database.clone(),
            idle: Mutex::new(vec![first]),
            limit: database
                .is_postgres()
                .then(|| Arc::new(tokio::sync::Semaphore::new(POSTGRES_CONNECTIONS))),
        })
    }

    /// Whether the store is on PostgreSQL (several processes may serve it).
    pub fn is_postgres(&self) -> bool {
        self.database.is_postgres()
    }

    fn take(&self) -> intake_common::Result<Db> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match idle {
                // A connection the server or the network closed while it waited is dropped,
                // not handed out to fail.
                Some(db) if db.conn().is_broken() => continue,
                Some(db) => return Ok(db),
                None => return Self::open(&self.database),
            }
        }
    }

    /// A handle whose commits never stop to checkpoint the WAL: [`checkpoint_now_and_then`]
    /// does that beside the requests.
    fn open(database: &Database) -> intake_common::Result<Db> {
        let db = database.open()?;
        if let Some(sqlite) = db.conn().sqlite() {
            sqlite
                .pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(intake_common::Error::from)?;
        }
        Ok(db)
    }

    fn give_back(&self, db: Db) {
        if db.conn().is_broken() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < IDLE {
            idle.push(db);
        }
    }

    /// Runs `f` with a database handle on the blocking thread pool.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Db) -> Result<T, error::ApiError> + Send + 'static,
    ) -> Result<T, error::ApiError> {
        // The permit goes with the blocking work: a request whose client went away leaves
        // its work running, and the connection it holds still counts.
        let permit = match &self.limit {
            Some(limit) => Some(Arc::clone(limit).acquire_owned().await.map_err(|_| {
                error::ApiError::internal("the store is shutting down its database handles")
            })?),
            None => None,
        };
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            intake_common::db::may_block(|| {
                let mut db = pool.take()?;
                let out = f(&mut db);
                pool.give_back(db);
                out
            })
        })
        .await
        .map_err(|e| error::ApiError::internal(format!("a request handler failed: {e}")))?
    }
}

/// Checkpoints the store's WAL every second on a connection of its own, so a large push
/// does not pay for it inside its transaction, and the WAL stays small.
fn checkpoint_now_and_then(dir: PathBuf) {
    std::thread::spawn(move || {
        let db = match Db::open_dir(&dir) {
            Ok(db) => db,
            Err(e) => {
                tracing::error!(error = %e, "no connection for WAL checkpoints; SQLite will do them itself");
                return;
            }
        };
        loop {
            std::thread::sleep(Duration::from_secs(1));
            if let Err(e) = db
                .conn()
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            {
                tracing::warn!(error = %e, "WAL checkpoint failed");
            }
        }
    });
}

pub struct State {
    pub pool: Arc<Pool>,
    pub data_dir: PathBuf,
    /// Wakes batches waiting for their predecessor when this process applied one (the
    /// order itself is kept in the database: `sync::pushed_through`).
    pub pushed_moved: tokio::sync::Notify,
    /// Where phone numbers without a country code belong: the region the database's keys
    /// are made in (set when the store starts).
    pub region: intake_common::normalize::Region,
    /// The shop's settings in force, and where their files are.
    pub live: live::Live,
    /// Web Sign, when the store serves it.
    pub web_sign: Option<Arc<web_sign::WebSign>>,
    /// The staff console.
    pub console: console::Console,
}

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub plain: bool,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Get and renew the certificate by ACME.
    pub acme: Option<crate::acme::Options>,
    /// Connections at once ([`conn::MAX_CONNECTIONS`] by default).
    pub max_connections: usize,
    /// The shop's settings: the console's words and name, and Web Sign's.
    pub settings: intake_common::settings::Settings,
    /// Where the settings files are, and where the console saves them.
    pub settings_dir: PathBuf,
    /// Serve Web Sign's pages.
    pub web_sign: bool,
}

/// Runs the store until SIGINT or SIGTERM.
pub fn serve(database: &Database, options: ServeOptions) -> Result<()> {
    let data_dir = database.data_dir.as_path();
    if database.is_postgres() && options.acme.is_some() {
        bail!(
            "--acme keeps its certificate and challenges in this process: it is not offered with a PostgreSQL database yet; pass --cert and --key"
        );
    }
    if options.plain && !options.listen.ip().is_loopback() {
        bail!(
            "plain HTTP is only for loopback addresses ({} is not one): leave out --plain to serve HTTPS",
            options.listen.ip()
        );
    }
    // The certificate is read (or made) before anything is served: the console shows its
    // key's fingerprint to whoever pairs a device.
    let identity = if options.plain {
        None
    } else {
        Some(tls::store_identity(
            data_dir,
            options.cert.as_deref(),
            options.key.as_deref(),
        )?)
    };
    // The release template is registered (as a kiosk does when it starts): Web Sign signs
    // under its version, and the console shows it.
    let mut db = database.open_for("the store database")?;
    let region = intake_common::phone_keys::region(db.conn())?;
    // The console's saves the settings directory does not hold yet (made by another store
    // process, or while this one was stopped) first.
    let (settings, template) =
        match intake_common::settings::follow(&mut db, &options.settings_dir)? {
            Some((_, settings, template)) => (settings, template),
            None => {
                let template =
                    intake_common::release::register_template(&mut db, &options.settings.template)?;
                (options.settings, template)
            }
        };
    drop(db);
    let live = live::Live::new(
        live::Current::new(settings, template, region),
        intake_common::settings::applied(&options.settings_dir),
        options.settings_dir,
    );
    let state = Arc::new(State {
        pool: Arc::new(Pool::new(database)?),
        data_dir: data_dir.to_path_buf(),
        pushed_moved: tokio::sync::Notify::new(),
        region,
        web_sign: if options.web_sign {
            Some(Arc::new(web_sign::WebSign::new(data_dir, live.clone())?))
        } else {
            None
        },
        console: console::Console::new(data_dir, live.clone())?
            .with_fingerprint(identity.as_ref().map(|i| i.fingerprint.clone())),
        live,
    });
    files::clear_uploads(data_dir);
    if !database.is_postgres() {
        checkpoint_now_and_then(data_dir.to_path_buf());
    }
    crate::webhook::spawn(database, crate::webhook::Options::from_env()?)?;
    let listener = std::net::TcpListener::bind(options.listen)
        .with_context(|| format!("listening on {}", options.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let app = routes::router(Arc::clone(&state))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        tokio::spawn(shutdown_on_signal(handle.clone()));
        tokio::spawn(live::follow_saves(Arc::clone(&state)));
        tokio::spawn(console::tidy_uploads(Arc::clone(&state)));
        tokio::spawn(retention::daily(Arc::clone(&state)));
        crate::systemd::spawn_watchdog();
        crate::systemd::ready();
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let max = options.max_connections;
        let Some(identity) = identity else {
            announce(&format!("http://{addr}"), None);
            let mut server = axum_server::from_tcp(listener)?
                .acceptor(conn::Limited::new(
                    axum_server::accept::DefaultAcceptor::new(),
                    max,
                ))
                .http1_only()
                .handle(handle);
            http_settings(server.http_builder());
            server.serve(service).await?;
            return anyhow::Ok(());
        };
        let config = match options.acme {
            Some(acme) => {
                let acme = Arc::new(crate::acme::Acme::new(data_dir, acme, &identity)?);
                let config =
                    tls::server_config_resolved(acme.certs(), &[crate::acme::ACME_TLS_ALPN])?;
                tokio::spawn(acme.keep_renewed());
                config
            }
            None => tls::server_config(&identity)?,
        };
        let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
        announce(&format!("https://{addr}"), Some(&identity.fingerprint));
        // The slot is taken before the handshake, so a connection that never finishes
        // one holds it for the handshake timeout at most.
        let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
            .handshake_timeout(conn::HANDSHAKE_TIMEOUT)
            .acceptor(conn::Limited::new(
                axum_server::accept::DefaultAcceptor::new(),
                max,
            ));
        let mut server = axum_server::from_tcp(listener)?
            .acceptor(acceptor)
            .http1_only()
            .handle(handle);
        http_settings(server.http_builder());
        server.serve(service).await?;
        anyhow::Ok(())
    })?;
    tracing::info!("store stopped");
    Ok(())
}

/// HTTP/1.1 only (the certificate's ALPN offers nothing else), with the header-read timeout
/// that also closes idle kept-alive connections, and a bounded read buffer.
fn http_settings(
    builder: &mut hyper_util::server::conn::auto::Builder<hyper_util::rt::TokioExecutor>,
) {
    builder
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(conn::HEADER_TIMEOUT)
        .max_buf_size(64 << 10);
}

/// The first lines on standard output say where the store is (tests and scripts read them).
fn announce(url: &str, fingerprint: Option<&str>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {url}");
    if let Some(fp) = fingerprint {
        let _ = writeln!(out, "store key sha256 {fp}");
    }
    let _ = out.flush();
    tracing::info!(%url, "store listening");
}

async fn shutdown_on_signal(handle: axum_server::Handle<SocketAddr>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    handle.graceful_shutdown(Some(Duration::from_secs(5)));
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    handle.graceful_shutdown(Some(Duration::from_secs(5)));
}
