//! The audit log: who did what, when, to which customer. Nothing updates or deletes it
//! (the schema's triggers refuse both).

use crate::db::{Connection, OptionalExtension, params};
use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

pub fn record(
    conn: &Connection,
    actor: &str,
    action: &str,
    customer: Option<Uuid>,
    detail: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log(at, actor, action, customer_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![crate::time::now(), actor, action, customer, detail])?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub customer_id: Option<Uuid>,
    pub detail: String,
}

/// The newest `limit` entries, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, customer_id, detail FROM audit_log ORDER BY seq DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The newest `limit` entries about `customer`, newest first.
pub fn for_customer(conn: &Connection, customer: Uuid, limit: u32) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor, action, customer_id, detail FROM audit_log
         WHERE customer_id = ?1 ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![customer, limit], entry)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a read of the log is narrowed to; a field left `None` narrows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Who acted (a user's name, a device's `kiosk:NAME`), case ignored.
    pub actor: Option<String>,
    /// The customer an entry is about.
    pub customer: Option<Uuid>,
    /// The action, exactly (`user.add`, `medical.view`).
    pub action: Option<String>,
    /// From the start of this day (UTC).
    pub from: Option<NaiveDate>,
    /// To the end of this day (UTC).
    pub to: Option<NaiveDate>,
}

/// One page of the log, newest first, and where the next one starts (none on the last).
#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub entries: Vec<Entry>,
    /// Give it as `after` for the next page: the `seq` of this page's last entry.
    pub next: Option<i64>,
}

/// The longest actor or action a filter takes: longer matches nothing stored.
const MAX_FILTER_CHARS: usize = 200;

impl Filter {
    /// The conditions on an `audit_log` row, and their values in order. Only the asked-for
    /// ones, so a customer's entries come from its index.
    fn conditions(&self) -> Result<(Vec<&'static str>, Vec<crate::db::Value>)> {
        use crate::db::Value;
        let mut conds = Vec::new();
        let mut values = Vec::new();
        for (field, text) in [("user", &self.actor), ("action", &self.action)] {
            if text.as_ref().is_some_and(|t| {
                t.chars().count() > MAX_FILTER_CHARS || t.chars().any(char::is_control)
            }) {
                return Err(Error::Invalid(format!(
                    "{field}: at most {MAX_FILTER_CHARS} printable characters"
                )));
            }
        }
        if let Some(actor) = &self.actor {
            conds.push("actor = ? COLLATE NOCASE");
            values.push(Value::Text(actor.clone()));
        }
        if let Some(customer) = self.customer {
            conds.push("customer_id = ?");
            values.push(Value::Blob(customer.as_bytes().to_vec()));
        }
        if let Some(action) = &self.action {
            conds.push("action = ?");
            values.push(Value::Text(action.clone()));
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            return Err(Error::Invalid(format!(
                "to: {to} is before from ({from}): nothing is in between"
            )));
        }
        if let Some(from) = self.from {
            conds.push("at >= ?");
            values.push(Value::Text(day_start(from)));
        }
        if let Some(to) = self.to {
            conds.push("at < ?");
            values.push(Value::Text(day_start(
                to.succ_opt().unwrap_or(NaiveDate::MAX),
            )));
        }
        Ok((conds, values))
    }
}

/// The first instant of `day` as the log writes times (RFC 3339, UTC, milliseconds), so
/// text order is time order.
fn day_start(day: NaiveDate) -> String {
    crate::time::format(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// A page of at most `limit` entries matching `filter`, newest first, after the entry
/// `after` (the `next` of the page before). Needs `manage:users`, as the whole log does.
/// A cursor that is not an entry this same filter shows is refused: it was not given out.
pub fn page(
    conn: &Connection,
    by: &Actor,
    filter: &Filter,
    after: Option<i64>,
    limit: u32,
) -> Result<Page> {
    use crate::db::Value;
    by.require(Permission::ManageUsers)?;
    let (mut conds, mut values) = filter.conditions()?;
    if let Some(after) = after {
        let mut check = conds.clone();
        check.push("seq = ?");
        let mut check_values = values.clone();
        check_values.push(Value::Integer(after));
        let known = conn
            .prepare(&format!(
                "SELECT 1 FROM audit_log WHERE {}",
                check.join(" AND ")
            ))?
            .query_row(crate::db::params_from_iter(check_values), |_| Ok(()))
            .optional()?
            .is_some();
        if !known {
            return Err(Error::Invalid(format!(
                "after: {after} is not a position this list gave out"
            )));
        }
        conds.push("seq < ?");
        values.push(Value::Integer(after));
    }
    let limit = limit.clamp(1, 1000);
    values.push(Value::Integer(i64::from(limit) + 1));
    let sql = format!(
        "SELECT seq, at, actor, action, customer_id, detail FROM audit_log {} {}
         ORDER BY seq DESC LIMIT ?",
        if conds.is_empty() { "" } else { "WHERE" },
        conds.join(" AND ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut entries = stmt
        .query_map(crate::db::params_from_iter(values), entry)?
        .collect::<Result<Vec<_>, _>>()?;
    let next = if entries.len() > limit as usize {
        entries.truncate(limit as usize);
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Page { entries, next })
}

/// Every action the log holds, in order: what a filter by action can choose from. Needs
/// `manage:users`.
pub fn actions(conn: &Connection, by: &Actor) -> Result<Vec<String>> {
    by.require(Permission::ManageUsers)?;
    let mut stmt = conn.prepare("SELECT DISTINCT action FROM audit_log ORDER BY action")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn entry(r: &crate::db::Row<'_>) -> crate::db::Result<Entry> {
    Ok(Entry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        customer_id: r.get(4)?,
        detail: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::db::Db;
    use crate::users::Role;

    fn owner() -> Actor {
        Actor {
            name: "olive".into(),
            role: Role::Owner,
        }
    }

    /// A log of 23 entries over three days, by two people, about two customers.
    fn log() -> (tempfile::TempDir, Db, Uuid, Uuid) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let conn = db.conn();
        for i in 0..23 {
            let day = 1 + i % 3;
            let (actor, action, customer) = match i % 4 {
                0 => ("olive", "customer.create", Some(a)),
                1 => ("Ari", "medical.view", Some(b)),
                2 => ("olive", "user.add", None),
                _ => ("ari", "customer.update", Some(a)),
            };
            conn.execute(
                "INSERT INTO audit_log(at, actor, action, customer_id, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    format!("2026-03-0{day}T12:00:{i:02}.000Z"),
                    actor,
                    action,
                    customer,
                    format!("entry {i}")
                ],
            )
            .unwrap();
        }
        (dir, db, a, b)
    }

    fn all(db: &Db, filter: &Filter, limit: u32) -> (Vec<Entry>, usize) {
        let mut out = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let page = page(db.conn(), &owner(), filter, after, limit).unwrap();
            pages += 1;
            assert!(page.entries.len() <= limit as usize);
            out.extend(page.entries);
            match page.next {
                Some(n) => after = Some(n),
                None => return (out, pages),
            }
        }
    }

    fn everything(db: &Db) -> Vec<Entry> {
        recent(db.conn(), 1000).unwrap()
    }

    #[test]
    fn pages_hold_every_matching_entry_once_newest_first() {
        let (_dir, db, a, b) = log();
        let (entries, pages) = all(&db, &Filter::default(), 5);
        assert_eq!(entries.len(), 23);
        assert_eq!(pages, 5);
        assert!(entries.windows(2).all(|w| w[0].seq > w[1].seq));
        let filters = [
            Filter {
                actor: Some("ARI".into()),
                ..Filter::default()
            },
            Filter {
                customer: Some(a),
                ..Filter::default()
            },
            Filter {
                action: Some("medical.view".into()),
                customer: Some(b),
                ..Filter::default()
            },
            Filter {
                from: NaiveDate::from_ymd_opt(2026, 3, 2),
                to: NaiveDate::from_ymd_opt(2026, 3, 2),
                ..Filter::default()
            },
            Filter {
                from: NaiveDate::from_ymd_opt(2026, 3, 2),
                actor: Some("olive".into()),
                ..Filter::default()
            },
            Filter {
                to: NaiveDate::from_ymd_opt(2026, 3, 1),
                ..Filter::default()
            },
        ];
        for f in filters {
            let wanted: Vec<i64> = everything(&db)
                .into_iter()
                .filter(|e| {
                    f.actor
                        .as_ref()
                        .is_none_or(|x| e.actor.eq_ignore_ascii_case(x))
                        && f.customer.is_none_or(|c| e.customer_id == Some(c))
                        && f.action.as_ref().is_none_or(|x| &e.action == x)
                        && f.from
                            .is_none_or(|d| e.at.as_str() >= day_start(d).as_str())
                        && f.to.is_none_or(|d| {
                            e.at.as_str() < day_start(d.succ_opt().unwrap()).as_str()
                        })
                })
                .map(|e| e.seq)
                .collect();
            assert!(!wanted.is_empty() && wanted.len() < 23, "{f:?}");
            let (got, _) = all(&db, &f, 2);
            assert_eq!(
                got.iter().map(|e| e.seq).collect::<Vec<_>>(),
                wanted,
                "{f:?}"
            );
        }
        let none = page(
            db.conn(),
            &owner(),
            &Filter {
                action: Some("nothing.like.this".into()),
                ..Filter::default()
            },
            None,
            10,
        )
        .unwrap();
        assert!(none.entries.is_empty() && none.next.is_none());
    }

    #[test]
    fn a_cursor_not_given_out_is_refused_and_the_log_is_manage_users_only() {
        let (_dir, db, a, _) = log();
        let f = Filter {
            customer: Some(a),
            ..Filter::default()
        };
        let first = page(db.conn(), &owner(), &f, None, 3).unwrap();
        let next = first.next.unwrap();
        page(db.conn(), &owner(), &f, Some(next), 3).unwrap();
        // An entry about another customer, one that does not exist, one before all.
        let other = everything(&db)
            .into_iter()
            .find(|e| e.customer_id != Some(a))
            .unwrap()
            .seq;
        for forged in [other, 0, -1, 10_000, i64::MAX] {
            let e = page(db.conn(), &owner(), &f, Some(forged), 3).unwrap_err();
            assert!(e.to_string().starts_with("after: "), "{forged}: {e}");
        }
        let backwards = Filter {
            from: NaiveDate::from_ymd_opt(2026, 3, 3),
            to: NaiveDate::from_ymd_opt(2026, 3, 1),
            ..Filter::default()
        };
        let e = page(db.conn(), &owner(), &backwards, None, 3).unwrap_err();
        assert!(e.to_string().starts_with("to: "), "{e}");
        let long = Filter {
            actor: Some("x".repeat(500)),
            ..Filter::default()
        };
        let e = page(db.conn(), &owner(), &long, None, 3).unwrap_err();
        assert!(e.to_string().starts_with("user: "), "{e}");
        let ari = Actor {
            name: "ari".into(),
            role: Role::Artist,
        };
        assert!(matches!(
            page(db.conn(), &ari, &Filter::default(), None, 3),
            Err(Error::Forbidden { .. })
        ));
        assert!(matches!(
            actions(db.conn(), &ari),
            Err(Error::Forbidden { .. })
        ));
        assert_eq!(
            actions(db.conn(), &owner()).unwrap(),
            [
                "customer.create",
                "customer.update",
                "medical.view",
                "user.add"
            ]
        );
    }
}
