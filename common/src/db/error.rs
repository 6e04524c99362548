//! What can go wrong running SQL, whichever engine ran it.

/// A failure from the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(rusqlite::Error),

    #[error("{}", postgres_message(.0))]
    Postgres(#[from] postgres::Error),

    /// A query that must return a row returned none.
    #[error("the query returned no rows")]
    NoRows,

    /// A transaction was begun on a connection that already has one open.
    #[error("a transaction is already open on this connection")]
    NestedTransaction,

    /// Something only SQLite does was asked of another engine.
    #[error("only an SQLite database does this")]
    SqliteOnly,
}

/// A PostgreSQL error with the server's message, its code and the constraint it names. The
/// server's detail is left out: it quotes the row's values (`Key (email)=(…) already
/// exists`), and this message can reach a device or a log.
fn postgres_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut out = format!(
                "{}: {} (SQLSTATE {}",
                db.severity(),
                db.message(),
                db.code().code()
            );
            if let Some(constraint) = db.constraint() {
                out.push_str(", constraint ");
                out.push_str(constraint);
            }
            out.push(')');
            out
        }
        None => e.to_string(),
    }
}

/// The layer's result.
pub type Result<T, E = DbError> = std::result::Result<T, E>;

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => DbError::NoRows,
            e => DbError::Sqlite(e),
        }
    }
}

impl From<rusqlite::types::FromSqlError> for DbError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        DbError::Sqlite(e.into())
    }
}

impl DbError {
    /// Whether trying again later may succeed: the database is busy or locked by another
    /// writer, out of room or memory, or could not be reached. Nothing about the request
    /// itself was wrong.
    pub fn is_transient(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                C::DatabaseBusy
                    | C::DatabaseLocked
                    | C::SystemIoFailure
                    | C::DiskFull
                    | C::CannotOpen
                    | C::OutOfMemory
            ),
            DbError::Postgres(e) => {
                e.is_closed()
                    || e.code().is_some_and(|c| {
                        let code = c.code();
                        // serialization, deadlock, lock wait, connection, resources, shutdown
                        matches!(
                            code,
                            "40001" | "40P01" | "55P03" | "57P01" | "57P02" | "57P03"
                        ) || code.starts_with("08")
                            || code.starts_with("53")
                    })
                    || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
            }
            _ => false,
        }
    }

    /// Whether another writer held the database's lock (SQLite's `SQLITE_BUSY`).
    pub fn is_busy(&self) -> bool {
        matches!(self, DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy)
    }
}

/// `.optional()` on a query for one row: `None` when there is none.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(DbError::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
