//! PostgreSQL under the layer: statements written once with SQLite's `?N` placeholders run
//! here as `$N`, and values cross in SQLite's value model, converted to and from the types
//! the server declares for each parameter and column.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::Mutex;

use bytes::{BufMut, BytesMut};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use super::error::{DbError, Result};

type BoxError = Box<dyn StdError + Sync + Send>;

/// Prepared statements kept per connection; past this many distinct texts the cache starts
/// over (statements built with `format!` have a bounded but large number of shapes).
const MAX_CACHED: usize = 512;

/// How long connecting may take, unless the connection string says (`connect_timeout`).
const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
/// Quiet time on a connection before TCP keepalives probe the server.
const KEEPALIVE_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// A PostgreSQL connection with its prepared statements.
pub(super) struct Client {
    /// `None` only while being dropped.
    client: Mutex<Option<postgres::Client>>,
    statements: RefCell<HashMap<String, Prepared>>,
    /// Set when a call failed in a way that ends the session (the server closed it, the
    /// network failed, a FATAL error): seen at once, before the client's own task notices.
    lost: Cell<bool>,
}

/// A statement prepared on the server, and which of the values bound to it the server
/// takes. SQLite lets a statement leave some of its numbered values unused (a page without
/// a search binds the search's values all the same); PostgreSQL cannot type a parameter no
/// expression uses, so those are numbered away and not sent.
#[derive(Clone)]
pub(super) struct Prepared {
    stmt: postgres::Statement,
    /// The values sent, by their index among those bound; `None`: all of them.
    sent: Option<std::sync::Arc<[usize]>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pg::Client").finish_non_exhaustive()
    }
}

impl Client {
    pub(super) fn connect(url: &str) -> Result<Self> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_WAIT);
        }
        // A server gone without a word (a host switched off, a cable pulled) is noticed
        // within minutes, not hours, so a pool drops the connection.
        config.keepalives(true).keepalives_idle(KEEPALIVE_IDLE);
        let client = blocking(|| config.connect(postgres::NoTls))?;
        Ok(Self {
            client: Mutex::new(Some(client)),
            statements: RefCell::new(HashMap::new()),
            lost: Cell::new(false),
        })
    }

    /// The prepared statement for `sql`, prepared once per connection.
    pub(super) fn prepare(&self, sql: &str) -> Result<Prepared> {
        if let Some(prepared) = self.statements.borrow().get(sql) {
            return Ok(prepared.clone());
        }
        let sql_here = without_index_hints(sql);
        let mut used = Vec::new();
        let mut text = placeholders(&sql_here, &mut used, |n| n);
        used.sort_unstable();
        used.dedup();
        let sparse = used.last().is_some_and(|&max| max as usize != used.len());
        let sent = if sparse {
            // Number the used ones 1, 2, … in order, and send only their values.
            let mut ignored = Vec::new();
            text = placeholders(&sql_here, &mut ignored, |n| {
                used.iter()
                    .position(|&u| u == n)
                    .map_or(n, |p| p as u32 + 1)
            });
            Some(used.iter().map(|&n| n as usize - 1).collect())
        } else {
            None
        };
        let stmt = self.call(|c| c.prepare(&text))?;
        let prepared = Prepared { stmt, sent };
        let mut cache = self.statements.borrow_mut();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(sql.to_owned(), prepared.clone());
        Ok(prepared)
    }

    pub(super) fn execute(
        &self,
        prepared: &Prepared,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<usize> {
        let values = values(prepared, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        let n = self.call(|c| c.execute(&prepared.stmt, &refs))?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub(super) fn query(
        &self,
        prepared: &Prepared,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<postgres::Row>> {
        let values = values(prepared, params)?;
        let refs: Vec<&(dyn ToSql + Sync)> = values.iter().map(|v| v as _).collect();
        self.call(|c| c.query(&prepared.stmt, &refs))
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<()> {
        self.call(|c| c.batch_execute(sql))
    }

    pub(super) fn is_closed(&self) -> bool {
        if self.lost.get() {
            return true;
        }
        let client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        client.as_ref().is_none_or(|c| c.is_closed())
    }

    /// Runs one call on the client where blocking is allowed (see [`may_block`]).
    fn call<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
    ) -> Result<T> {
        let mut client = self.client.lock().unwrap_or_else(|p| p.into_inner());
        let client = client.as_mut().ok_or(DbError::SqliteOnly)?;
        blocking(|| f(client)).map_err(|e| {
            if ends_session(&e) {
                self.lost.set(true);
            }
            e.into()
        })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Closing the connection blocks too.
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        blocking(move || drop(client));
    }
}

thread_local! {
    static MAY_BLOCK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with this thread marked as one where blocking calls are fine: a blocking pool's
/// thread, which may still belong to an async runtime.
pub fn may_block<T>(f: impl FnOnce() -> T) -> T {
    let before = MAY_BLOCK.replace(true);
    let out = f();
    MAY_BLOCK.set(before);
    out
}

/// Runs `f`, which blocks (PostgreSQL's client waits on its own small runtime): here, unless
/// this thread drives an async runtime, where blocking would stall it and the client
/// refuses to start; then on a thread of its own.
fn blocking<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if MAY_BLOCK.get() || tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Whether `e` means the session is over: the connection closed or failed, or the server
/// ended it (a FATAL or PANIC error, as when an administrator terminates the backend).
fn ends_session(e: &postgres::Error) -> bool {
    e.is_closed()
        || e.as_db_error()
            .is_some_and(|db| matches!(db.severity(), "FATAL" | "PANIC"))
        || StdError::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// A row's columns in SQLite's value model.
pub(super) fn row_values(row: &postgres::Row) -> Result<Vec<Value>> {
    (0..row.len())
        .map(|i| {
            row.try_get::<_, PgValue>(i)
                .map(|v| v.0)
                .map_err(DbError::from)
        })
        .collect()
}

/// Drops SQLite's `INDEXED BY name` hints (written in capitals, as every statement here
/// writes its keywords): PostgreSQL's planner takes no hints, and picks the same indexes.
pub(super) fn without_index_hints(sql: &str) -> Cow<'_, str> {
    const HINT: &str = "INDEXED BY ";
    if !sql.contains(HINT) {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(at) = rest.find(HINT) {
        out.push_str(&rest[..at]);
        let after = rest[at + HINT.len()..].trim_start();
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        rest = &after[name_len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Rewrites SQLite's `?N` and `?` placeholders as PostgreSQL's `$N`, leaving string
/// literals, quoted names and comments alone. A bare `?` takes the number after the
/// largest one so far, as SQLite numbers it.
#[cfg(test)]
fn dollar_placeholders(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    Cow::Owned(placeholders(sql, &mut Vec::new(), |n| n))
}

/// [`dollar_placeholders`], with each number passed through `renumber`, and the numbers
/// found pushed to `used`.
fn placeholders(sql: &str, used: &mut Vec<u32>, renumber: impl Fn(u32) -> u32) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut largest = 0u32;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' => {
                let end = sql[i + 1..]
                    .find(c as char)
                    .map_or(sql.len(), |e| i + 1 + e + 1);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = sql[i..].find('\n').map_or(sql.len(), |e| i + e);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = sql[i + 2..].find("*/").map_or(sql.len(), |e| i + 2 + e + 2);
                out.push_str(&sql[i..end]);
                i = end;
            }
            b'?' => {
                let digits = bytes[i + 1..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                let n = if digits == 0 {
                    largest + 1
                } else {
                    sql[i + 1..i + 1 + digits].parse().unwrap_or(u32::MAX)
                };
                largest = largest.max(n);
                used.push(n);
                out.push('$');
                out.push_str(&renumber(n).to_string());
                i += 1 + digits;
            }
            _ => {
                // Copy a run of ordinary characters at once (keeps UTF-8 whole).
                let run = bytes[i..]
                    .iter()
                    .take_while(|b| !matches!(b, b'\'' | b'"' | b'-' | b'/' | b'?'))
                    .count()
                    .max(1);
                out.push_str(&sql[i..i + run]);
                i += run;
            }
        }
    }
    out
}

fn values(prepared: &Prepared, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<PgParam>> {
    let chosen: Vec<&dyn rusqlite::ToSql> = match &prepared.sent {
        Some(sent) => sent
            .iter()
            .map(|&i| {
                params.get(i).copied().ok_or(DbError::Sqlite(
                    rusqlite::Error::InvalidParameterCount(params.len(), i + 1),
                ))
            })
            .collect::<Result<_>>()?,
        None => params.to_vec(),
    };
    chosen
        .into_iter()
        .map(|p| {
            Ok(PgParam(match p.to_sql()? {
                ToSqlOutput::Borrowed(v) => match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(i) => Value::Integer(i),
                    ValueRef::Real(f) => Value::Real(f),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                },
                ToSqlOutput::Owned(v) => v,
                _ => {
                    return Err(DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(
                        "a value this layer cannot send to PostgreSQL".into(),
                    )));
                }
            }))
        })
        .collect()
}

/// An integer in `numeric`'s binary form: base-10000 digits, most significant first.
fn put_numeric(i: i64, out: &mut BytesMut) {
    let mut rest = i.unsigned_abs();
    let mut digits = Vec::new();
    while rest > 0 {
        digits.push((rest % 10_000) as i16);
        rest /= 10_000;
    }
    digits.reverse();
    let weight = digits.len() as i16 - 1;
    out.put_i16(digits.len() as i16);
    out.put_i16(weight.max(0));
    out.put_u16(if i < 0 { 0x4000 } else { 0 });
    out.put_i16(0);
    for d in digits {
        out.put_i16(d);
    }
}

/// A value bound to a parameter, written as the type the server declared for it: the
/// conversions SQLite's column affinity would make (an integer into a text column is its
/// digits; a 16-byte blob into a `uuid` is that uuid).
#[derive(Debug)]
struct PgParam(Value);

impl ToSql for PgParam {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match (&self.0, ty) {
            (Value::Null, _) => return Ok(IsNull::Yes),
            (Value::Integer(i), &Type::INT8) => out.put_i64(*i),
            (Value::Integer(i), &Type::INT4) => out.put_i32(i32::try_from(*i)?),
            (Value::Integer(i), &Type::INT2) => out.put_i16(i16::try_from(*i)?),
            (Value::Integer(i), &Type::BOOL) => out.put_u8(u8::from(*i != 0)),
            (Value::Integer(i), &Type::FLOAT8) => out.put_f64(*i as f64),
            (Value::Integer(i), &Type::NUMERIC) => put_numeric(*i, out),
            (Value::Real(f), &Type::FLOAT8) => out.put_f64(*f),
            (Value::Real(f), &Type::FLOAT4) => out.put_f32(*f as f32),
            (Value::Integer(i), t) if is_text(t) => out.put_slice(i.to_string().as_bytes()),
            (Value::Real(f), t) if is_text(t) => out.put_slice(f.to_string().as_bytes()),
            (Value::Text(s), t) if is_text(t) => out.put_slice(s.as_bytes()),
            (Value::Text(s), &Type::JSONB) => {
                out.put_u8(1);
                out.put_slice(s.as_bytes());
            }
            (Value::Text(s), &Type::UUID) => out.put_slice(uuid::Uuid::parse_str(s)?.as_bytes()),
            (Value::Text(s), &Type::INT8) => out.put_i64(s.trim().parse()?),
            (Value::Text(s), &Type::INT4) => out.put_i32(s.trim().parse()?),
            (Value::Blob(b), &Type::BYTEA) => out.put_slice(b),
            (Value::Blob(b), &Type::UUID) if b.len() == 16 => out.put_slice(b),
            (Value::Text(s), &Type::BYTEA) => out.put_slice(s.as_bytes()),
            (v, t) => {
                return Err(format!("cannot bind {} to a {t} parameter", kind(v)).into());
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(t: &Type) -> bool {
    matches!(
        *t,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON
    )
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real number",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    }
}

/// A column read in SQLite's value model: integers and booleans as integers, `uuid` as its
/// 16 bytes (how rusqlite reads a `Uuid`), `bytea` as a blob, text as text.
struct PgValue(Value);

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let int = |n: usize| -> Result<[u8; 8], BoxError> {
            if raw.len() != n {
                return Err(format!("a {ty} of {} bytes", raw.len()).into());
            }
            let mut b = [0u8; 8];
            b[8 - n..].copy_from_slice(raw);
            Ok(b)
        };
        Ok(PgValue(match *ty {
            Type::BOOL => Value::Integer(i64::from(raw.first().copied().unwrap_or(0) != 0)),
            Type::INT2 => Value::Integer(i64::from(i16::from_be_bytes(raw.try_into()?))),
            Type::INT4 => Value::Integer(i64::from(i32::from_be_bytes(raw.try_into()?))),
            Type::INT8 => Value::Integer(i64::from_be_bytes(int(8)?)),
            Type::OID => Value::Integer(i64::from(u32::from_be_bytes(raw.try_into()?))),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_be_bytes(raw.try_into()?))),
            Type::FLOAT8 => Value::Real(f64::from_be_bytes(raw.try_into()?)),
            Type::NUMERIC => numeric(raw)?,
            Type::JSONB => Value::Text(std::str::from_utf8(raw.get(1..).unwrap_or(&[]))?.into()),
            Type::BYTEA | Type::UUID => Value::Blob(raw.to_vec()),
            ref t if is_text(t) => Value::Text(std::str::from_utf8(raw)?.to_owned()),
            ref t => return Err(format!("a column of type {t} this layer does not read").into()),
        }))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(PgValue(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `numeric` (what `sum()` of a `bigint` gives): an integer when it has no fraction,
/// else a real number.
fn numeric(raw: &[u8]) -> Result<Value, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("a short numeric")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign, scale) = (word(0)?, word(1)?, word(2)? as u16, word(3)?);
    if sign == 0xC000 {
        return Err("NaN is not a number this layer reads".into());
    }
    let mut whole: i128 = 0;
    let mut fraction = 0f64;
    for d in 0..ndigits {
        let digit = i128::from(word(4 + d as usize)?);
        let power = i32::from(weight) - i32::from(d);
        if power >= 0 {
            let place = 10_000_i128
                .checked_pow(power as u32)
                .ok_or("numeric too large")?;
            whole = digit
                .checked_mul(place)
                .and_then(|v| whole.checked_add(v))
                .ok_or("numeric too large")?;
        } else {
            fraction += digit as f64 * 10_000f64.powi(power);
        }
    }
    let negative = sign == 0x4000;
    if scale == 0 || fraction == 0.0 {
        let v = i64::try_from(whole)?;
        Ok(Value::Integer(if negative { -v } else { v }))
    } else {
        let v = whole as f64 + fraction;
        Ok(Value::Real(if negative { -v } else { v }))
    }
}

/// A column's value as rusqlite's borrowed view of it.
pub(super) fn value_ref(v: &Value) -> ValueRef<'_> {
    ValueRef::from(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes_and_comments() {
        assert_eq!(
            dollar_placeholders("SELECT a FROM t WHERE b = ?2 AND c = ?1"),
            "SELECT a FROM t WHERE b = $2 AND c = $1"
        );
        assert_eq!(
            dollar_placeholders("SELECT ? , ?, ?5, ?"),
            "SELECT $1 , $2, $5, $6"
        );
        assert_eq!(
            dollar_placeholders("SELECT '?' || \"a?\" -- why?\n, ?1 /* ?? */ , ?2"),
            "SELECT '?' || \"a?\" -- why?\n, $1 /* ?? */ , $2"
        );
        assert_eq!(
            dollar_placeholders("SELECT 'é?', ?1 WHERE x LIKE ?2 ESCAPE '\\'"),
            "SELECT 'é?', $1 WHERE x LIKE $2 ESCAPE '\\'"
        );
        assert!(matches!(dollar_placeholders("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn index_hints_are_dropped() {
        assert_eq!(
            without_index_hints(
                "SELECT 1 FROM t AS c INDEXED BY t_order\n WHERE EXISTS (SELECT 1 FROM t INDEXED BY t_a WHERE x)"
            ),
            "SELECT 1 FROM t AS c \n WHERE EXISTS (SELECT 1 FROM t  WHERE x)"
        );
        assert!(matches!(without_index_hints("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn numerics_read_as_integers_or_reals() {
        // 12345678 = [1234, 5678], weight 1
        let mut raw = vec![];
        for w in [2i16, 1, 0, 0, 1234, 5678] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        assert!(matches!(numeric(&raw).unwrap(), Value::Integer(12_345_678)));
        // -1.5 = [1, 5000], weight 0, scale 1
        let mut raw = vec![];
        for w in [2i16, 0, 0x4000, 1, 1, 5000] {
            raw.extend_from_slice(&w.to_be_bytes());
        }
        assert!(matches!(numeric(&raw).unwrap(), Value::Real(v) if v == -1.5));
        // Integers written as numerics read back.
        for i in [
            0,
            1,
            -1,
            9_999,
            10_000,
            -123_456_789,
            i64::MAX,
            i64::MIN + 1,
        ] {
            let mut out = BytesMut::new();
            put_numeric(i, &mut out);
            assert!(
                matches!(numeric(&out).unwrap(), Value::Integer(v) if v == i),
                "{i}"
            );
        }
        // 0
        let raw: Vec<u8> = [0i16, 0, 0, 0]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(matches!(numeric(&raw).unwrap(), Value::Integer(0)));
    }
}
