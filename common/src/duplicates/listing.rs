//! Listing duplicate groups: one walk down the `customers_duplicates` index, streamed a
//! group at a time and paged by the groups' key, so a list of a million customers never
//! sits in memory and page N costs no more than page 1.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use crate::db::Connection;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::customer::{Customer, Field};
use crate::customers::{PROFILE_COLUMNS, customer_from_row};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// One group: the customer that would be kept and those that would merge into it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub target: Customer,
    pub duplicates: Vec<Customer>,
}

impl Group {
    /// The customers in the group, the target included.
    pub fn customer_count(&self) -> usize {
        self.duplicates.len() + 1
    }
}

/// Where a page of groups ended: the last group handed out, by its place in the walk (the
/// key, folded last name and birthdate, then its target's creation time and rowid). One key
/// makes several groups when some of its customers are marked apart, so the place names
/// the group, not only the key; a group merged away in between moves nothing after it.
/// Callers see it only as an opaque string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    last_name_key: String,
    birthdate: String,
    /// The target's `created_at` as stored, and its rowid.
    created_at: String,
    rowid: i64,
}

/// What a cursor string is written as, before base64: a version, then the fields.
const CURSOR_VERSION: &str = "g1";

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the key may hold a newline: it comes last and takes the rest.
        let plain = format!(
            "{CURSOR_VERSION}\n{}\n{}\n{}\n{}",
            self.birthdate, self.created_at, self.rowid, self.last_name_key
        );
        f.write_str(&URL_SAFE_NO_PAD.encode(plain))
    }
}

impl FromStr for Cursor {
    type Err = Error;

    /// Reads a cursor this listing gave; anything else is refused.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::Invalid(
                "is not a cursor from the duplicates listing (give the `next` of the page before, or leave it out for the first page)"
                    .into(),
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(5, '\n');
        let (Some(CURSOR_VERSION), Some(birthdate), Some(created_at), Some(rowid), Some(key)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad());
        };
        let rowid: i64 = rowid.parse().map_err(|_| bad())?;
        let date_ok = birthdate.len() == 10
            && chrono::NaiveDate::parse_from_str(birthdate, "%Y-%m-%d").is_ok();
        if !date_ok || crate::time::parse(created_at).is_none() || key.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            last_name_key: key.to_string(),
            birthdate: birthdate.to_string(),
            created_at: created_at.to_string(),
            rowid,
        })
    }
}

/// The walk: every customer who shares (last name key, birthdate) with another, in index
/// order, which is by key and, within a key, oldest first (`created_at`, then rowid). The
/// `EXISTS` probe reads the index alone, so a customer with no twin is never read.
static WALK: LazyLock<[String; 2]> = LazyLock::new(|| {
    let sql = |from: &str| {
        format!(
            "SELECT id, created_at, updated_at, {}, last_name_key, rowid
             FROM customers AS c INDEXED BY customers_duplicates
             WHERE last_name_key IS NOT NULL AND birthdate IS NOT NULL {from}
               AND EXISTS (SELECT 1 FROM customers AS t INDEXED BY customers_duplicates
                           WHERE t.last_name_key = c.last_name_key
                             AND t.birthdate = c.birthdate AND t.rowid <> c.rowid)
             ORDER BY last_name_key, birthdate, created_at, rowid",
            *PROFILE_COLUMNS
        )
    };
    [sql(""), sql("AND (last_name_key, birthdate) >= (?1, ?2)")]
});

/// The column of the walk that holds `last_name_key`; the rowid follows.
const KEY_COLUMN: usize = 3 + Field::COUNT;

/// Hands each group of likely duplicates to `each`, in key order, starting after `from`
/// (the first group if `None`), at most `limit` of them; returns where the next page starts,
/// or `None` when no group is left. Pairs marked "not a duplicate" are kept apart: a
/// candidate joins a group only if it is not marked apart from the target or any candidate
/// already in; the ones left form further groups.
///
/// `actor` needs `read:customer`. The walk reads one snapshot; the listing is audited once,
/// after it, with what was handed out (also when `each` or the walk failed part-way).
pub fn for_each_group<E: From<Error>>(
    db: &Db,
    actor: &Actor,
    from: Option<&Cursor>,
    limit: Option<usize>,
    mut each: impl FnMut(Group) -> std::result::Result<(), E>,
) -> std::result::Result<Option<Cursor>, E> {
    actor.require(Permission::ReadCustomer)?;
    let conn = db.conn();
    let (mut groups, mut customers) = (0usize, 0usize);
    let walked = walk(conn, from, limit, |g| {
        groups += 1;
        customers += g.customer_count();
        each(g)
    });
    audit::record(
        conn,
        &actor.name,
        "customer.duplicates",
        None,
        &format!("listed {groups} duplicate groups ({customers} customers)"),
    )?;
    walked
}

/// Every group at once, for callers that need the whole list (a page of its own).
pub fn find(db: &Db, actor: &Actor) -> Result<Vec<Group>> {
    let mut all = Vec::new();
    for_each_group(db, actor, None, None, |g| {
        all.push(g);
        Ok::<_, Error>(())
    })?;
    Ok(all)
}

/// A customer as the walk met it, with its place in the index.
struct Member {
    created_at: String,
    rowid: i64,
    customer: Customer,
}

/// The customers of the key the walk is on, oldest first.
struct Run {
    key: String,
    birthdate: String,
    members: Vec<Member>,
}

fn walk<E: From<Error>>(
    conn: &Connection,
    from: Option<&Cursor>,
    limit: Option<usize>,
    mut each: impl FnMut(Group) -> std::result::Result<(), E>,
) -> std::result::Result<Option<Cursor>, E> {
    // One read transaction: the exclusions and the walk see the same snapshot.
    let tx = conn.begin_read().map_err(Error::from)?;
    let excluded = exclusions(&tx)?;
    let mut stmt = tx
        .prepare(&WALK[usize::from(from.is_some())])
        .map_err(Error::from)?;
    let mut rows = match from {
        None => stmt.query([]),
        Some(c) => stmt.query([&c.last_name_key, &c.birthdate]),
    }
    .map_err(Error::from)?;
    let mut pager = Pager {
        from,
        // A page holds at least one group, or it could not say where the next one starts.
        limit: limit.map_or(usize::MAX, |n| n.max(1)),
        given: 0,
        last: None,
        excluded: &excluded,
    };
    let mut run: Option<Run> = None;
    while let Some(row) = rows.next().map_err(Error::from)? {
        let key = row
            .get_ref(KEY_COLUMN)
            .and_then(|v| Ok(v.as_str()?))
            .map_err(Error::from)?;
        let member = Member {
            created_at: row.get(1).map_err(Error::from)?,
            rowid: row.get(KEY_COLUMN + 1).map_err(Error::from)?,
            customer: customer_from_row(&row).map_err(Error::from)?,
        };
        if let Some(r) = run
            .as_mut()
            .filter(|r| r.key == key && r.birthdate == birthdate(&member.customer))
        {
            r.members.push(member);
            continue;
        }
        let started = Run {
            key: key.to_string(),
            birthdate: birthdate(&member.customer).to_string(),
            members: vec![member],
        };
        if let Some(done) = run.replace(started)
            && let Some(next) = pager.run(done, &mut each)?
        {
            return Ok(Some(next));
        }
    }
    match run {
        Some(done) => pager.run(done, &mut each),
        None => Ok(None),
    }
}

fn birthdate(c: &Customer) -> &str {
    c.profile.get(Field::Birthdate).unwrap_or_default()
}

/// The "not a duplicate" pairs (few: staff mark them one at a time), each as (a, b), a < b.
fn exclusions(conn: &Connection) -> Result<HashSet<(Uuid, Uuid)>> {
    let mut stmt = conn.prepare("SELECT a, b FROM not_duplicates")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<crate::db::Result<_>>()?)
}

/// Cuts the walk's groups into the page asked for.
struct Pager<'a> {
    from: Option<&'a Cursor>,
    limit: usize,
    given: usize,
    /// Where the last group handed out stands.
    last: Option<Cursor>,
    excluded: &'a HashSet<(Uuid, Uuid)>,
}

impl Pager<'_> {
    /// Hands out the groups of one run; `Some(cursor)` once the page is full and another
    /// group is known to follow.
    fn run<E>(
        &mut self,
        run: Run,
        each: &mut impl FnMut(Group) -> std::result::Result<(), E>,
    ) -> std::result::Result<Option<Cursor>, E> {
        // On the cursor's own key, the groups up to its target were on the page before.
        let given_before = self
            .from
            .filter(|c| c.last_name_key == run.key && c.birthdate == run.birthdate);
        for (target, group) in split(run.members, self.excluded) {
            if given_before
                .is_some_and(|c| (&target.created_at, target.rowid) <= (&c.created_at, c.rowid))
            {
                continue;
            }
            if self.given == self.limit {
                return Ok(self.last.take());
            }
            each(group)?;
            self.given += 1;
            self.last = Some(Cursor {
                last_name_key: run.key.clone(),
                birthdate: run.birthdate.clone(),
                created_at: target.created_at,
                rowid: target.rowid,
            });
        }
        Ok(None)
    }
}

/// Where a group's target stands in the walk.
struct Place {
    created_at: String,
    rowid: i64,
}

/// The groups of one run (customers sharing a key, oldest first): the oldest is the target;
/// a candidate joins only if it is not marked apart from the target or from any candidate
/// already in (merging the group must not join two people kept apart); the ones left form
/// further groups the same way, so each group's target stands after the one before.
fn split(mut rest: Vec<Member>, excluded: &HashSet<(Uuid, Uuid)>) -> Vec<(Place, Group)> {
    let is_excluded = |a: Uuid, b: Uuid| {
        let pair = if a < b { (a, b) } else { (b, a) };
        excluded.contains(&pair)
    };
    let mut groups = Vec::new();
    while rest.len() > 1 {
        let target = rest.remove(0);
        let mut dups: Vec<Customer> = Vec::new();
        let mut left = Vec::new();
        for m in rest {
            let c = &m.customer;
            if is_excluded(target.customer.id, c.id) || dups.iter().any(|d| is_excluded(d.id, c.id))
            {
                left.push(m);
            } else {
                dups.push(m.customer);
            }
        }
        if !dups.is_empty() {
            let place = Place {
                created_at: target.created_at,
                rowid: target.rowid,
            };
            groups.push((
                place,
                Group {
                    target: target.customer,
                    duplicates: dups,
                },
            ));
        }
        rest = left;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_as_itself_and_garbage_is_refused() {
        let c = Cursor {
            last_name_key: "o'brien\nsmith".into(),
            birthdate: "1990-01-02".into(),
            created_at: "2026-01-02T03:04:05.678Z".into(),
            rowid: 42,
        };
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        let t = "2026-01-02T03:04:05.678Z";
        for bad in [
            String::new(),
            "not a cursor".into(),
            "%%%".into(),
            URL_SAFE_NO_PAD.encode(format!("g1\n1990-13-02\n{t}\n1\nlee")),
            URL_SAFE_NO_PAD.encode("g1\n1990-01-02\nyesterday\n1\nlee"),
            URL_SAFE_NO_PAD.encode(format!("g1\n1990-01-02\n{t}\none\nlee")),
            URL_SAFE_NO_PAD.encode(format!("g1\n1990-01-02\n{t}\n1\n")),
            URL_SAFE_NO_PAD.encode(format!("g2\n1990-01-02\n{t}\n1\nlee")),
            URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ] {
            assert!(bad.parse::<Cursor>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_walk_reads_the_index_in_order_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        for (sql, ranged) in WALK.iter().zip([false, true]) {
            let mut stmt = db
                .conn()
                .sqlite()
                .unwrap()
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let args = ["lee", "1990-01-02"];
            let args = &args[..stmt.parameter_count()];
            let plan: Vec<String> = stmt
                .query_map(rusqlite::params_from_iter(args), |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(!plan.contains("TEMP B-TREE"), "{plan}");
            if ranged {
                // Page N starts with a seek to its key, not a walk from the first one.
                assert!(
                    plan.contains(
                        "SEARCH c USING INDEX customers_duplicates ((last_name_key,birthdate)>"
                    ),
                    "{plan}"
                );
            } else {
                assert!(
                    plan.contains("c USING INDEX customers_duplicates"),
                    "{plan}"
                );
            }
        }
    }
}
