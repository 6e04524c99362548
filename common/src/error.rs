//! The error type every `common` operation returns.

use std::path::PathBuf;

/// What went wrong, in words a studio admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Db(#[from] crate::db::DbError),

    /// The database server could not be reached (or refused the connection).
    #[error("cannot reach the PostgreSQL database {place}: {source}")]
    Unreachable {
        place: String,
        #[source]
        source: crate::db::DbError,
    },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("encryption key {path}: {problem}")]
    Key { path: PathBuf, problem: String },

    #[error(
        "could not decrypt a medical record: the key does not match the database, or the data is damaged"
    )]
    Decrypt,

    #[error(
        "the database at {path} is from a newer Intake (schema {found}, this build knows {known})"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("{0}")]
    Invalid(String),

    #[error("no customer with id {0}")]
    CustomerNotFound(String),

    /// The customer was erased (on request, or by the retention pass).
    #[error("customer {id} was erased on {at}")]
    CustomerErased { id: String, at: String },

    #[error("no user named {0}")]
    UserNotFound(String),

    #[error("a user named {0} already exists")]
    UserExists(String),

    #[error("no session with an id starting {0}: see `intake-agent session list`")]
    SessionNotFound(String),

    #[error("no Web Sign link with an id starting {0}: see `intake-agent web-sign links`")]
    LinkNotFound(String),

    #[error("no webhook endpoint {0}")]
    WebhookNotFound(String),

    #[error("no webhook message {0}")]
    WebhookMessageNotFound(String),

    /// Said the same way for a link that is unknown, used, revoked or expired.
    #[error("this Web Sign link cannot be used: it is unknown, used, revoked or expired")]
    LinkUnusable,

    #[error("unknown user or wrong PIN")]
    BadCredentials,

    #[error("too many wrong PINs: try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },

    #[error(
        "that pairing code is unknown, used or expired: make a new one with `intake-agent device add`"
    )]
    BadPairingCode,

    #[error("{user} lacks the permission {permission}")]
    Forbidden {
        user: String,
        permission: &'static str,
    },

    #[error("{0}")]
    Csv(#[from] crate::csvio::FileError),

    #[error("export failed: {0}")]
    Export(String),

    #[error("export failed while writing")]
    ExportWrite(#[source] std::io::Error),

    #[error("password hashing failed: {0}")]
    Hash(String),

    #[error(
        "this {device} is paired with the store at {store}: {what} on the store, so run this there"
    )]
    StoreOnly {
        what: String,
        store: String,
        device: &'static str,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<rusqlite::types::FromSqlError> for Error {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        Error::Db(e.into())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Db(e.into())
    }
}
