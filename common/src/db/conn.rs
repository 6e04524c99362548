//! The one way `common` runs SQL: a connection, its transactions, statements and rows.
//!
//! Every statement is written once, in SQL both engines read the same way (see
//! ARCHITECTURE.md, "One SQL text"). Values cross this layer in SQLite's value model
//! (`NULL`, integer, real, text, blob), so rusqlite's `ToSql`/`FromSql` conversions serve
//! every engine; the engine behind a connection is private to this module and its
//! siblings. Code that only a device runs, and SQLite's own tuning (pragmas, checkpoints,
//! backups), reaches the SQLite connection through [`Connection::sqlite`].

use std::ops::Deref;

use rusqlite::types::{FromSql, FromSqlError, Value, ValueRef};

use super::error::{DbError, Result};
use super::params::Params;
use super::pg;

/// The key of the PostgreSQL advisory lock every write transaction takes: the one write
/// lock SQLite has, shared by every store process on the database.
const WRITE_LOCK: i64 = 0x494e_5441_4b45; // "INTAKE"

/// How long a writer waits for another before giving up (as SQLite's busy handler does).
const LOCK_WAIT: &str = "10s";

/// A connection to the database, in autocommit mode until a [`Transaction`] begins.
#[derive(Debug)]
pub struct Connection {
    engine: Engine,
    /// Whether a [`Transaction`] is open on it: PostgreSQL only warns at a nested `BEGIN`
    /// and goes on in the outer transaction, so the layer refuses one itself.
    in_transaction: std::cell::Cell<bool>,
}

#[derive(Debug)]
enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<pg::Client>),
}

impl Connection {
    pub(crate) fn from_sqlite(conn: rusqlite::Connection) -> Self {
        Self {
            engine: Engine::Sqlite(conn),
            in_transaction: Default::default(),
        }
    }

    /// Connects to a PostgreSQL server (`postgres://…`, or `host=… dbname=…`).
    pub(crate) fn connect_postgres(url: &str) -> Result<Self> {
        let client = Box::new(pg::Client::connect(url)?);
        client.batch_execute(&format!("SET lock_timeout = '{LOCK_WAIT}'"))?;
        Ok(Self {
            engine: Engine::Postgres(client),
            in_transaction: Default::default(),
        })
    }

    /// Whether the connection is lost for good (the server closed it, or the network did):
    /// a pool drops such a handle rather than handing it out again.
    pub fn is_broken(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(_) => false,
            Engine::Postgres(c) => c.is_closed(),
        }
    }

    fn start(&self, sqlite: &str, postgres: &str) -> Result<Transaction<'_>> {
        if self.in_transaction.get() {
            return Err(DbError::NestedTransaction);
        }
        match &self.engine {
            Engine::Sqlite(c) => c.execute_batch(sqlite)?,
            Engine::Postgres(c) => {
                if let Err(e) = c.batch_execute(postgres) {
                    // The transaction may have begun before what followed failed.
                    let _ = c.batch_execute("ROLLBACK");
                    return Err(e);
                }
            }
        }
        self.in_transaction.set(true);
        Ok(Transaction {
            conn: self,
            open: true,
        })
    }

    /// The SQLite connection underneath, for what only SQLite has (pragmas, checkpoints,
    /// backups, the device's replica). `None` on any other engine.
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match &self.engine {
            Engine::Sqlite(c) => Some(c),
            Engine::Postgres(_) => None,
        }
    }

    /// Whether this connection is to PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.engine, Engine::Postgres(_))
    }

    /// [`Self::sqlite`] for what only an SQLite database does: an error on any other engine.
    pub fn sqlite_only(&self) -> Result<&rusqlite::Connection> {
        self.sqlite().ok_or(DbError::SqliteOnly)
    }

    /// A statement kept prepared on this connection for the next time the same text runs.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(Statement(StatementInner::Cached(c.prepare_cached(sql)?))),
            Engine::Postgres(c) => Ok(Statement(StatementInner::Pg(c, c.prepare(sql)?))),
        }
    }

    /// A statement prepared for this use only.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(Statement(StatementInner::Once(c.prepare(sql)?))),
            // Prepared statements are a connection's to keep on PostgreSQL: the same texts
            // come back.
            Engine::Postgres(c) => Ok(Statement(StatementInner::Pg(c, c.prepare(sql)?))),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    /// The first row of a query, mapped; [`DbError::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare(sql)?.query_row(params, f)
    }

    /// Runs statements separated by `;`, with no parameters and no rows back.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Postgres(c) => c.batch_execute(sql),
        }
    }

    /// A number that moves when another connection commits a change devices and webhooks
    /// follow: SQLite's `data_version` (any commit), PostgreSQL's change sequence.
    pub fn change_marker(&self) -> Result<i64> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c.query_row("PRAGMA data_version", [], |r| r.get(0))?),
            Engine::Postgres(_) => self.query_row(
                "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'change_seq'",
                [],
                |r| r.get(0),
            ),
        }
    }

    /// Begins a write transaction, taking the database's one write lock at once, so it never
    /// fails half-way for want of it and writers follow one another in commit order.
    pub fn begin_write(&self) -> Result<Transaction<'_>> {
        // One statement: the lock is taken in the transaction it guards, or neither begins.
        self.start(
            "BEGIN IMMEDIATE",
            &format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"),
        )
    }

    /// Begins a read transaction: every query in it sees the same snapshot of the database.
    pub fn begin_read(&self) -> Result<Transaction<'_>> {
        self.start("BEGIN DEFERRED", "BEGIN ISOLATION LEVEL REPEATABLE READ")
    }
}

/// An open transaction. Dropped without [`Transaction::commit`], it rolls back.
#[derive(Debug)]
pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
}

impl Transaction<'_> {
    /// Commits. On failure the transaction is rolled back when it is dropped.
    pub fn commit(mut self) -> Result<()> {
        match &self.conn.engine {
            Engine::Sqlite(c) => c.execute_batch("COMMIT")?,
            // PostgreSQL answers `COMMIT` in a transaction a failed statement aborted by
            // rolling back, without an error: a statement first makes it fail loudly.
            Engine::Postgres(c) => c.batch_execute("SELECT 1; COMMIT")?,
        }
        self.close();
        Ok(())
    }

    /// Rolls back everything the transaction did.
    pub fn rollback(mut self) -> Result<()> {
        self.close();
        self.conn.execute_batch("ROLLBACK")
    }

    fn close(&mut self) {
        self.open = false;
        self.conn.in_transaction.set(false);
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            self.close();
            // An error here means the engine already rolled back (SQLite does on some
            // failures): there is nothing left to undo.
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A prepared statement.
pub struct Statement<'c>(StatementInner<'c>);

enum StatementInner<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Once(rusqlite::Statement<'c>),
    Pg(&'c pg::Client, pg::Prepared),
}

impl Statement<'_> {
    /// Runs the statement; the number of rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        match &mut self.0 {
            StatementInner::Cached(s) => params.with(|p| Ok(s.execute(p)?)),
            StatementInner::Once(s) => params.with(|p| Ok(s.execute(p)?)),
            StatementInner::Pg(c, s) => params.with(|p| c.execute(s, p)),
        }
    }

    /// The rows of a query, one at a time.
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_>> {
        let inner = match &mut self.0 {
            StatementInner::Cached(s) => params.with(|p| s.query(p).map(RowsInner::Sqlite))?,
            StatementInner::Once(s) => params.with(|p| s.query(p).map(RowsInner::Sqlite))?,
            StatementInner::Pg(c, s) => RowsInner::Pg {
                rows: params.with(|p| c.query(s, p))?.into_iter(),
                current: Vec::new(),
            },
        };
        Ok(Rows { inner })
    }

    /// The first row of a query, mapped; [`DbError::NoRows`] when there is none.
    pub fn query_row<T, P, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(DbError::NoRows),
        }
    }

    /// Each row of a query, mapped.
    pub fn query_map<T, P, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows {
            rows: self.query(params)?,
            map: f,
        })
    }

    /// Whether a query returns any row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        Ok(self.query(params)?.next()?.is_some())
    }
}

/// The rows of a running query.
pub struct Rows<'s> {
    inner: RowsInner<'s>,
}

enum RowsInner<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Pg {
        rows: std::vec::IntoIter<postgres::Row>,
        current: Vec<Value>,
    },
}

impl Rows<'_> {
    /// The next row, or `None` after the last.
    #[allow(clippy::should_implement_trait)] // a row borrows the cursor: not an `Iterator`
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match &mut self.inner {
            RowsInner::Sqlite(rows) => Ok(rows.next()?.map(|r| Row(RowInner::Sqlite(r)))),
            RowsInner::Pg { rows, current } => match rows.next() {
                Some(row) => {
                    *current = pg::row_values(&row)?;
                    Ok(Some(Row(RowInner::Values(current))))
                }
                None => Ok(None),
            },
        }
    }
}

/// The rows of a query, each turned into a value by a function.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    map: F,
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        match self.rows.next() {
            Ok(Some(row)) => Some((self.map)(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// A column that does not convert, said as rusqlite says it.
fn converting(idx: usize, value: &Value, e: FromSqlError) -> DbError {
    let ty = pg::value_ref(value).data_type();
    DbError::Sqlite(match e {
        FromSqlError::InvalidType => rusqlite::Error::InvalidColumnType(idx, idx.to_string(), ty),
        FromSqlError::OutOfRange(i) => rusqlite::Error::IntegralValueOutOfRange(idx, i),
        e => rusqlite::Error::FromSqlConversionFailure(idx, ty, Box::new(e)),
    })
}

/// How a row's column is named: by its place, from 0.
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One row of a query's result.
pub struct Row<'r>(RowInner<'r>);

enum RowInner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Values(&'r [Value]),
}

impl Row<'_> {
    /// Column `idx` (from 0), converted to `T` as rusqlite converts SQLite's values.
    pub fn get<I: ColumnIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        let idx = idx.index();
        match &self.0 {
            RowInner::Sqlite(r) => Ok(r.get(idx)?),
            RowInner::Values(values) => {
                let value = values
                    .get(idx)
                    .ok_or(rusqlite::Error::InvalidColumnIndex(idx))?;
                T::column_result(pg::value_ref(value)).map_err(|e| converting(idx, value, e))
            }
        }
    }

    /// Column `idx` (from 0) as it is stored, without copying text or bytes.
    pub fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        match &self.0 {
            RowInner::Sqlite(r) => Ok(r.get_ref(idx)?),
            RowInner::Values(values) => Ok(pg::value_ref(
                values
                    .get(idx)
                    .ok_or(rusqlite::Error::InvalidColumnIndex(idx))?,
            )),
        }
    }
}

impl<F> std::fmt::Debug for MappedRows<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MappedRows").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Statement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statement").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rows").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Row<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row").finish_non_exhaustive()
    }
}
