//! Listing duplicates: the walk in pages gives exactly the groups of the one-shot walk, in
//! the same order, never skipping or repeating one, also where a key splits into several
//! groups; each listing is audited once with what it handed out.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::duplicates::{self, Cursor, Group};
use intake_common::{Actor, Db, Error, Field, Profile, Role};
use uuid::Uuid;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn create(db: &mut Db, first: &str, last: &str, born: &str) -> Uuid {
    let id = Uuid::now_v7();
    let mut profile = Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, last);
    if !born.is_empty() {
        profile = profile.with(Field::Birthdate, born);
    }
    crate::add_customer(db, id, profile)
}

/// A group as its ids: the target, then the duplicates.
fn ids(g: &Group) -> Vec<Uuid> {
    std::iter::once(g.target.id)
        .chain(g.duplicates.iter().map(|d| d.id))
        .collect()
}

fn audits(db: &Db) -> Vec<String> {
    let mut stmt = db
        .conn()
        .prepare("SELECT detail FROM audit_log WHERE action = 'customer.duplicates' ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A store with runs of every size, customers without a birthdate, and one key whose
/// customers are marked apart so that it makes two groups.
fn shop() -> (tempfile::TempDir, Db, [Uuid; 4]) {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let names = ["Lee", "Ng", "Kim", "Díaz", "O'Brien"];
    for (i, last) in names.iter().enumerate() {
        for day in 1..=4 {
            // Runs of 1 to 4 customers, and the case and spacing of the name vary.
            for n in 0..((i + day) % 4 + 1) {
                let written = if n % 2 == 1 {
                    format!(" {} ", last.to_uppercase())
                } else {
                    (*last).to_string()
                };
                create(
                    &mut db,
                    &format!("P{n}"),
                    &written,
                    &format!("1980-02-0{day}"),
                );
            }
        }
        create(&mut db, "Nobody", last, "");
        create(&mut db, "Nobody", last, "");
    }
    // Tom's record stands apart from Ula's and Val's: Wes joins Tom, Val joins Ula.
    let t = create(&mut db, "Tom", "Vo", "1970-05-05");
    let u = create(&mut db, "Ula", "Vo", "1970-05-05");
    let v = create(&mut db, "Val", "Vo", "1970-05-05");
    let w = create(&mut db, "Wes", "Vo", "1970-05-05");
    duplicates::mark_not_duplicate(&mut db, &owner(), t, u).unwrap();
    duplicates::mark_not_duplicate(&mut db, &owner(), t, v).unwrap();
    let all = duplicates::find(&db, &owner()).unwrap();
    let vo: Vec<_> = all
        .iter()
        .map(ids)
        .filter(|g| g.contains(&t) || g.contains(&u))
        .collect();
    assert_eq!(vo, vec![vec![t, w], vec![u, v]], "one key, two groups");
    (dir, db, [t, u, v, w])
}

#[test]
fn paging_never_skips_or_repeats_a_group() {
    let (_dir, db, _) = shop();
    let all: Vec<Vec<Uuid>> = duplicates::find(&db, &owner())
        .unwrap()
        .iter()
        .map(ids)
        .collect();
    assert!(all.len() > 10, "{}", all.len());
    for limit in [1, 2, 3, 7, all.len(), all.len() + 5] {
        let before = audits(&db).len();
        let mut paged = Vec::new();
        let mut pages = 0;
        let mut after: Option<Cursor> = None;
        loop {
            let mut page = Vec::new();
            // The cursor travels as a string, as the API hands it out.
            let next =
                duplicates::for_each_group(&db, &owner(), after.as_ref(), Some(limit), |g| {
                    page.push(ids(&g));
                    Ok::<_, Error>(())
                })
                .unwrap();
            pages += 1;
            assert!(!page.is_empty() && page.len() <= limit, "limit {limit}");
            assert_eq!(
                next.is_some(),
                paged.len() + page.len() < all.len(),
                "limit {limit}: a next page is named exactly when a group follows"
            );
            paged.extend(page);
            match next {
                Some(c) => after = Some(c.to_string().parse().unwrap()),
                None => break,
            }
        }
        assert_eq!(paged, all, "limit {limit}");
        assert_eq!(pages, all.len().div_ceil(limit), "limit {limit}");
        assert_eq!(audits(&db).len() - before, pages, "one audit entry a page");
    }
}

#[test]
fn the_listing_is_audited_with_what_it_handed_out() {
    let (_dir, db, _) = shop();
    let all = duplicates::find(&db, &owner()).unwrap();
    let customers: usize = all.iter().map(Group::customer_count).sum();
    assert_eq!(
        audits(&db).last().unwrap(),
        &format!(
            "listed {} duplicate groups ({customers} customers)",
            all.len()
        )
    );
    // A reader that stops after two groups: the audit says two were listed.
    let mut given = 0;
    let err = duplicates::for_each_group(&db, &owner(), None, None, |g| {
        given += 1;
        if given == 2 {
            return Err(Error::Invalid(format!("reader gone at {}", g.target.id)));
        }
        Ok(())
    })
    .unwrap_err();
    assert!(err.to_string().contains("reader gone"), "{err}");
    let first_two: usize = all[..2].iter().map(Group::customer_count).sum();
    assert_eq!(
        audits(&db).last().unwrap(),
        &format!("listed 2 duplicate groups ({first_two} customers)")
    );
}

#[test]
fn a_page_after_a_merge_goes_on_where_the_last_one_ended() {
    let (_dir, mut db, [t, u, v, w]) = shop();
    let all: Vec<Vec<Uuid>> = duplicates::find(&db, &owner())
        .unwrap()
        .iter()
        .map(ids)
        .collect();
    let mut first = Vec::new();
    let next = duplicates::for_each_group(&db, &owner(), None, Some(3), |g| {
        first.push(ids(&g));
        Ok::<_, Error>(())
    })
    .unwrap()
    .unwrap();
    // Staff merge the first page's groups, then ask for the next page.
    for g in &first {
        duplicates::merge(&mut db, &owner(), g[0], &g[1..]).unwrap();
    }
    let mut rest = Vec::new();
    duplicates::for_each_group(&db, &owner(), Some(&next), None, |g| {
        rest.push(ids(&g));
        Ok::<_, Error>(())
    })
    .unwrap();
    assert_eq!(rest, all[3..].to_vec());

    // A page ends after the first of Vo's two groups, which is then merged: the second
    // group of that key is still on the next page.
    let mut after = None;
    loop {
        let mut page = Vec::new();
        after = duplicates::for_each_group(&db, &owner(), after.as_ref(), Some(1), |g| {
            page.push(ids(&g));
            Ok::<_, Error>(())
        })
        .unwrap();
        if page == [vec![t, w]] {
            break;
        }
        assert!(after.is_some(), "Tom's group was never listed");
    }
    duplicates::merge(&mut db, &owner(), t, &[w]).unwrap();
    let mut next = Vec::new();
    duplicates::for_each_group(&db, &owner(), after.as_ref(), Some(1), |g| {
        next.push(ids(&g));
        Ok::<_, Error>(())
    })
    .unwrap();
    assert_eq!(next, [vec![u, v]]);
}
