//! The staff console's customer list: a page at a time, sorted by name or by when each
//! customer was added, optionally narrowed by a search, over any number of customers.
//!
//! Each page walks an index from where the last one ended (a keyset cursor), so page
//! 20,000 costs what page 1 does; nothing sorts the table. Also each staff member's chosen
//! columns.

use crate::db::{OptionalExtension, ToSql, params};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::customer::{Customer, Field};
use crate::customers::{PROFILE_COLUMNS, customer_from_row_at};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// The most customers one page holds.
pub const MAX_PAGE: u32 = 200;
/// The longest search text read.
pub const MAX_QUERY: usize = 200;

/// What the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Last name, then first name (case and accents ignored).
    #[default]
    Name,
    /// When the customer was added.
    Added,
}

impl Sort {
    pub const ALL: [Sort; 2] = [Sort::Name, Sort::Added];

    pub fn code(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Added => "added",
        }
    }

    pub fn parse(raw: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == raw)
            .ok_or_else(|| Error::Invalid(format!("sort: {raw:?} is not one of name, added")))
    }

    /// The index's keys before the id, as SQL over a `customers` row.
    fn keys(self) -> &'static [&'static str] {
        match self {
            // Virtual columns: the folded last name, the lower-cased first name.
            Sort::Name => &["sort_last", "sort_first"],
            Sort::Added => &["created_at"],
        }
    }
}

/// A page of the list as asked for.
#[derive(Debug, Clone, Default)]
pub struct Ask<'a> {
    /// A name, e-mail or phone number to narrow the list to (empty for everyone).
    pub text: &'a str,
    pub sort: Sort,
    pub descending: bool,
    /// The cursor a previous page gave as `next`.
    pub after: Option<&'a str>,
    pub limit: u32,
    /// Only customers who signed a release at this chain location.
    pub location: Option<&'a str>,
}

/// One page, and the cursor of the page after it (none on the last page).
#[derive(Debug, Clone)]
pub struct Page {
    pub customers: Vec<Customer>,
    pub next: Option<String>,
}

/// Where a page ended: the last row's sort keys and id.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Cursor(String, String, Uuid);

fn encode(c: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).unwrap_or_default())
}

fn decode(raw: &str) -> Result<Cursor> {
    let bad = || Error::Invalid("after: not a position this list gave out".into());
    if raw.len() > 2048 {
        return Err(bad());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// The condition a search puts on a `customers` row: `?1` a LIKE pattern of the folded
/// text, `?2` one of its digits for phone numbers (as stored, E.164). Case, accents and
/// spacing never matter: "ramirez" finds "Lucía Ramírez". The names are read from
/// `search_name`, folded when the customer was written (`normalize::search_name`).
pub(crate) const MATCHES: &str = "(search_name LIKE ?1 ESCAPE '\\'
    OR email_key LIKE ?1 ESCAPE '\\' OR phone_key LIKE ?2)";

/// The two patterns [`MATCHES`] takes for `text`.
pub(crate) fn patterns(text: &str) -> (String, Option<String>) {
    let like = format!("%{}%", escape_like(&crate::normalize::search_key(text)));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    // Too few digits for a phone: NULL, which no LIKE matches.
    let phone = (digits.len() >= 3).then(|| format!("%{digits}%"));
    (like, phone)
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The query for a page: `?1`, `?2` the search's patterns, `?3`–`?5` the cursor, `?6` the
/// most rows, `?7` the location. The keys are read beside each row, so the cursor holds
/// exactly what the index does.
fn query(sort: Sort, descending: bool, searching: bool, after: bool, sqlite: bool) -> String {
    let keys = sort.keys();
    // (SQLite's planner only: PostgreSQL's weighs the match itself, and has no unary `+`
    // on text.)
    let plus = if searching && sqlite { "+" } else { "" };
    let (cmp, dir) = if descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    let mut conditions = Vec::new();
    if searching {
        conditions.push(MATCHES.to_string());
    }
    // (Always there, so the statement always takes seven values; with no location it is
    // true at once. The cast gives PostgreSQL the value's type where it first meets it.)
    conditions.push(
        "(CAST(?7 AS TEXT) IS NULL OR EXISTS(SELECT 1 FROM releases r
                               WHERE r.customer_id = customers.id AND r.location = ?7))"
            .to_string(),
    );
    if after {
        let at = ["?3", "?4"];
        // (For a search, `+` keeps the index out of this too: see the ordering below.)
        let columns: Vec<String> = keys.iter().map(|k| format!("{plus}{k}")).collect();
        conditions.push(format!(
            "({}, {plus}id) {cmp} ({}, ?5)",
            columns.join(", "),
            at[..keys.len()].join(", ")
        ));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    // A search reads every row in the table's order and sorts only what matched (`+key`
    // keeps the index out of the ordering): walking the name index instead would read the
    // whole table in the index's order, a row here and a row there, to find a rare match.
    let order: Vec<String> = keys.iter().map(|k| format!("{plus}{k} {dir}")).collect();
    let k2 = keys.get(1).copied().unwrap_or("''");
    format!(
        "SELECT {}, {k2}, id, created_at, updated_at, {} FROM customers {filter}
         ORDER BY {}, id {dir} LIMIT ?6",
        keys[0],
        *PROFILE_COLUMNS,
        order.join(", ")
    )
}

/// A page of customers for `actor` (who needs `read:customer`).
pub fn page(db: &Db, actor: &Actor, ask: &Ask<'_>) -> Result<Page> {
    actor.require(Permission::ReadCustomer)?;
    let text = ask.text.trim();
    if text.chars().count() > MAX_QUERY {
        return Err(Error::Invalid(format!(
            "q: a search is at most {MAX_QUERY} characters"
        )));
    }
    let limit = ask.limit.clamp(1, MAX_PAGE);
    let after = ask.after.map(decode).transpose()?;
    let (like, phone) = patterns(text);
    let sqlite = db.conn().sqlite().is_some();
    let location = ask.location.map(crate::sync::location_id).transpose()?;
    let sql = query(
        ask.sort,
        ask.descending,
        !text.is_empty(),
        after.is_some(),
        sqlite,
    );
    let (a1, a2, a3) = match &after {
        Some(c) => (c.0.clone(), c.1.clone(), Some(c.2)),
        None => (String::new(), String::new(), None),
    };
    let values: [&dyn ToSql; 7] = [&like, &phone, &a1, &a2, &a3, &(limit + 1), &location];
    let mut stmt = db.conn().prepare_cached(&sql)?;
    let mut rows = stmt.query(values.as_slice())?;
    let mut customers = Vec::new();
    let mut last = None;
    let mut more = false;
    while let Some(row) = rows.next()? {
        if customers.len() == limit as usize {
            more = true;
            break;
        }
        let (key1, key2): (String, String) = (row.get(0)?, row.get(1)?);
        let customer = customer_from_row_at(&row, 2)?;
        last = Some(Cursor(key1, key2, customer.id));
        customers.push(customer);
    }
    Ok(Page {
        customers,
        next: last.filter(|_| more).map(|c| encode(&c)),
    })
}

/// How many customers the store holds.
pub fn total(db: &Db, actor: &Actor) -> Result<i64> {
    actor.require(Permission::ReadCustomer)?;
    crate::customers::count(db.conn())
}

/// The columns the customer list shows by default, after the name.
pub const DEFAULT_COLUMNS: [Field; 5] = [
    Field::PhoneNumber,
    Field::Email,
    Field::Birthdate,
    Field::City,
    Field::Status,
];

/// The columns `user` chose for the customer list, or the default ones.
pub fn columns(db: &Db, user: &str) -> Result<Vec<Field>> {
    let stored: Option<String> = db
        .conn()
        .query_row(
            "SELECT columns FROM console_columns WHERE user_name = ?1",
            [user],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match stored {
        Some(s) => s
            .split(',')
            .filter_map(|c| Field::ALL.iter().copied().find(|f| f.db_column() == c))
            .collect(),
        None => DEFAULT_COLUMNS.to_vec(),
    })
}

/// Keeps `columns` as `actor`'s choice for the customer list.
pub fn set_columns(db: &mut Db, actor: &Actor, columns: &[Field]) -> Result<()> {
    actor.require(Permission::ReadCustomer)?;
    let joined: Vec<&str> = columns.iter().map(|f| f.db_column()).collect();
    db.conn().execute(
        "INSERT INTO console_columns(user_name, columns) VALUES (?1, ?2)
         ON CONFLICT(user_name) DO UPDATE SET columns = excluded.columns",
        params![actor.name, joined.join(",")],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::Profile;
    use crate::users::Role;

    fn owner() -> Actor {
        Actor {
            name: "olive".into(),
            role: Role::Owner,
        }
    }

    #[test]
    fn every_page_seeks_in_an_index_and_a_search_reads_the_table_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open_dir(dir.path()).unwrap();
        for sort in Sort::ALL {
            for descending in [false, true] {
                for searching in [false, true] {
                    for after in [false, true] {
                        let sql = query(sort, descending, searching, after, true);
                        let mut stmt = db
                            .conn()
                            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                            .unwrap();
                        let args: [&dyn ToSql; 7] = [
                            &"%a%",
                            &"%1%",
                            &"a",
                            &"b",
                            &Uuid::nil(),
                            &51,
                            &None::<String>,
                        ];
                        let plan: Vec<String> = stmt
                            .query_map(args.as_slice(), |r| r.get(3))
                            .unwrap()
                            .collect::<crate::db::Result<_>>()
                            .unwrap();
                        let plan = plan.join("\n");
                        let index = match sort {
                            Sort::Name => "customers_by_name",
                            Sort::Added => "customers_by_added",
                        };
                        let case =
                            format!("{sort:?} desc={descending} search={searching} after={after}");
                        if searching {
                            // One pass over the table; only the matches are sorted.
                            assert!(plan.contains("SCAN customers"), "{case}: {plan}");
                            assert!(!plan.contains("customers USING"), "{case}: {plan}");
                            continue;
                        }
                        assert!(!plan.contains("TEMP B-TREE"), "{case}: {plan}");
                        assert!(
                            plan.contains(&format!("USING INDEX {index}")),
                            "{case}: {plan}"
                        );
                        if after {
                            assert!(
                                plan.starts_with("SEARCH"),
                                "{case}: a seek, not a walk from the start: {plan}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn pages_of_any_size_in_either_direction_are_the_whole_list_in_order_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        let names = [
            ("Zoë", "Álvarez"),
            ("ana", "alvarez"),
            ("Bo", ""),
            ("", "Moss"),
            ("Cy", "moss"),
            ("Al", "Moss"),
            ("Al", "Moss"),
            ("Éva", "Nagy"),
            ("Eva", "nagy"),
            ("", ""),
        ];
        for (i, (first, last)) in names.iter().enumerate() {
            let mut p = Profile::default();
            p.set(
                Field::FirstName,
                Some(first.to_string()).filter(|s| !s.is_empty()),
            );
            p.set(
                Field::LastName,
                Some(last.to_string()).filter(|s| !s.is_empty()),
            );
            p.set(Field::Email, Some(format!("c{i}@example.com")));
            crate::counter::act(
                &mut db,
                &owner(),
                crate::Op::CreateCustomer {
                    customer: Uuid::now_v7(),
                    profile: p,
                },
            )
            .unwrap();
        }
        for sort in Sort::ALL {
            let whole = |descending| {
                page(
                    &db,
                    &owner(),
                    &Ask {
                        sort,
                        descending,
                        limit: 100,
                        ..Ask::default()
                    },
                )
                .unwrap()
            };
            let up = whole(false);
            assert_eq!(up.customers.len(), names.len());
            assert!(up.next.is_none());
            let mut down: Vec<Uuid> = whole(true).customers.iter().map(|c| c.id).collect();
            down.reverse();
            let up: Vec<Uuid> = up.customers.iter().map(|c| c.id).collect();
            assert_eq!(up, down, "{sort:?}: descending is ascending backwards");
            for descending in [false, true] {
                for size in 1..=4 {
                    let mut seen = Vec::new();
                    let mut after: Option<String> = None;
                    loop {
                        let p = page(
                            &db,
                            &owner(),
                            &Ask {
                                sort,
                                descending,
                                after: after.as_deref(),
                                limit: size,
                                ..Ask::default()
                            },
                        )
                        .unwrap();
                        assert!(p.customers.len() <= size as usize);
                        seen.extend(p.customers.iter().map(|c| c.id));
                        match p.next {
                            Some(n) => after = Some(n),
                            None => break,
                        }
                    }
                    let mut want = up.clone();
                    if descending {
                        want.reverse();
                    }
                    assert_eq!(seen, want, "{sort:?} desc={descending} size {size}");
                }
            }
        }
        // By name: the last name's case and accents do not matter; no last name sorts first.
        let by_name = page(
            &db,
            &owner(),
            &Ask {
                limit: 100,
                ..Ask::default()
            },
        )
        .unwrap();
        let lasts: Vec<Option<&str>> = by_name
            .customers
            .iter()
            .map(|c| c.profile.get(Field::LastName))
            .collect();
        assert_eq!(&lasts[..2], &[None, None]);
        assert_eq!(
            by_name.customers[2].profile.get(Field::FirstName),
            Some("ana")
        );
        assert_eq!(
            by_name.customers[3].profile.get(Field::FirstName),
            Some("Zoë")
        );
        // A search narrows the walk and pages the same way.
        let found = page(
            &db,
            &owner(),
            &Ask {
                text: "MOSS",
                limit: 2,
                ..Ask::default()
            },
        )
        .unwrap();
        assert_eq!(found.customers.len(), 2);
        let rest = page(
            &db,
            &owner(),
            &Ask {
                text: "MOSS",
                limit: 2,
                after: found.next.as_deref(),
                ..Ask::default()
            },
        )
        .unwrap();
        assert_eq!(rest.customers.len(), 2);
        assert!(rest.next.is_none());
        // What no page gave out is refused, naming the parameter.
        for bad in ["", "%%%", "bm90LWpzb24", &"A".repeat(3000)] {
            let e = page(
                &db,
                &owner(),
                &Ask {
                    after: Some(bad),
                    limit: 5,
                    ..Ask::default()
                },
            )
            .unwrap_err();
            assert!(e.to_string().contains("after"), "{bad:?}: {e}");
        }
        let e = page(
            &db,
            &owner(),
            &Ask {
                text: &"x".repeat(201),
                limit: 5,
                ..Ask::default()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("q:"), "{e}");
        let artist_without_read = Actor {
            name: "k".into(),
            role: Role::Kiosk,
        };
        assert!(
            page(
                &db,
                &artist_without_read,
                &Ask {
                    limit: 5,
                    ..Ask::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn columns_are_each_users_own_and_default_until_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        assert_eq!(columns(&db, "olive").unwrap(), DEFAULT_COLUMNS.to_vec());
        set_columns(&mut db, &owner(), &[Field::Company, Field::Email]).unwrap();
        assert_eq!(
            columns(&db, "olive").unwrap(),
            [Field::Company, Field::Email]
        );
        assert_eq!(columns(&db, "fran").unwrap(), DEFAULT_COLUMNS.to_vec());
        set_columns(&mut db, &owner(), &[]).unwrap();
        assert!(columns(&db, "olive").unwrap().is_empty());
    }
}
