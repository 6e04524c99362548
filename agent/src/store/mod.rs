//! The store role: the shop's HTTPS API over the store database.
//!
//! Every route is listed once in [`api::ROUTES`] with what it needs; one middleware checks
//! the caller against that list before any handler runs, the handlers check again through
//! `intake_common` (which checks every actor), and `/openapi.json` is made from the same
//! list.

pub mod api;
pub mod check;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use intake_common::{Actor, Db};

use crate::tls;

/// Database handles for request handlers. SQLite in WAL mode lets readers work beside the
/// one writer, so handlers each take a handle of their own; writers queue on SQLite's lock.
pub struct Pool {
    dir: PathBuf,
    idle: Mutex<Vec<Db>>,
}

impl Pool {
    pub fn new(dir: &Path) -> Result<Self> {
        let first = Self::open(dir)
            .with_context(|| format!("opening the store database in {}", dir.display()))?;
        intake_common::mutation::set_device_role(&first, false)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            idle: Mutex::new(vec![first]),
        })
    }

    fn take(&self) -> intake_common::Result<Db> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        match idle {
            Some(db) => Ok(db),
            None => Self::open(&self.dir),
        }
    }

    /// A handle whose commits never stop to checkpoint the WAL: [`checkpoint_now_and_then`]
    /// does that beside the requests.
    fn open(dir: &Path) -> intake_common::Result<Db> {
        let db = Db::open_dir(dir)?;
        db.conn()
            .pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(intake_common::Error::from)?;
        Ok(db)
    }

    fn give_back(&self, db: Db) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < 8 {
            idle.push(db);
        }
    }

    /// Runs `f` with a database handle on the blocking thread pool.
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Db) -> Result<T, api::ApiError> + Send + 'static,
    ) -> Result<T, api::ApiError> {
        let pool = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut db = pool.take()?;
            let out = f(&mut db);
            pool.give_back(db);
            out
        })
        .await
        .map_err(|e| api::ApiError::internal(format!("a request handler failed: {e}")))?
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

/// A staff member signed in over the API (`POST /v1/sessions`), for eight hours.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub expires: Instant,
}

pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 3600);

pub struct State {
    pub pool: Arc<Pool>,
    /// Session token hash -> session.
    pub sessions: Mutex<HashMap<String, Session>>,
    pub data_dir: PathBuf,
    /// Per device: the outbox position its last applied batch ended at, so a batch sent
    /// while the one before it is still being applied waits its turn.
    pub pushed: Mutex<HashMap<uuid::Uuid, i64>>,
    pub pushed_moved: tokio::sync::Notify,
}

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub plain: bool,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

/// Runs the store until SIGINT or SIGTERM.
pub fn serve(data_dir: &Path, options: ServeOptions) -> Result<()> {
    if options.plain && !options.listen.ip().is_loopback() {
        bail!(
            "plain HTTP is only for loopback addresses ({} is not one): leave out --plain to serve HTTPS",
            options.listen.ip()
        );
    }
    let state = Arc::new(State {
        pool: Arc::new(Pool::new(data_dir)?),
        sessions: Mutex::new(HashMap::new()),
        data_dir: data_dir.to_path_buf(),
        pushed: Mutex::new(HashMap::new()),
        pushed_moved: tokio::sync::Notify::new(),
    });
    checkpoint_now_and_then(data_dir.to_path_buf());
    crate::webhook::spawn(data_dir, crate::webhook::Options::from_env()?)?;
    let listener = std::net::TcpListener::bind(options.listen)
        .with_context(|| format!("listening on {}", options.listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let app = api::router(Arc::clone(&state));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let handle = axum_server::Handle::new();
        tokio::spawn(shutdown_on_signal(handle.clone()));
        crate::systemd::spawn_watchdog();
        crate::systemd::ready();
        let service = app.into_make_service();
        if options.plain {
            announce(&format!("http://{addr}"), None);
            axum_server::from_tcp(listener)?
                .handle(handle)
                .serve(service)
                .await?;
        } else {
            let identity =
                tls::store_identity(data_dir, options.cert.as_deref(), options.key.as_deref())?;
            let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(
                tls::server_config(&identity)?,
            ));
            announce(&format!("https://{addr}"), Some(&identity.fingerprint));
            axum_server::tls_rustls::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(service)
                .await?;
        }
        anyhow::Ok(())
    })?;
    tracing::info!("store stopped");
    Ok(())
}

/// The first lines on standard output say where the store is (tests and scripts read them).
fn announce(url: &str, fingerprint: Option<&str>) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {url}");
    if let Some(fp) = fingerprint {
        let _ = writeln!(out, "certificate sha256 {fp}");
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
