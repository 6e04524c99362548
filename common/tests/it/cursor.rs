//! The pull cursor never passes over a change. Every change takes its number in the change
//! sequence under the database's one write lock (SQLite's, or on PostgreSQL an advisory lock
//! every store process shares), so numbers become visible in the order they were taken: a
//! transaction that took a number and commits late holds back every later one.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use intake_common::mutation::{self, Mutation, Op};
use intake_common::sync::{self as store, Change, DeviceRole};
use intake_common::sync::{DeviceAuth, add_device};
use intake_common::{Actor, Db, Field, Profile, Role};
use uuid::Uuid;

use crate::open_db;

fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

fn create(db: &mut Db, first: &str) -> Uuid {
    let id = Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, "Lee");
    crate::add_customer(db, id, profile)
}

fn set_city(db: &mut Db, customer: Uuid, city: &str) {
    let changes = BTreeMap::from([(Field::City, Some(city.to_string()))]);
    mutation::submit(
        db,
        &Mutation::new("olive", Op::UpdateCustomer { customer, changes }),
    )
    .unwrap();
}

fn counter(db: &mut Db) -> DeviceAuth {
    let added = add_device(db, &owner(), "counter", DeviceRole::Counter, false).unwrap();
    DeviceAuth {
        id: added.id,
        name: added.name,
        role: added.role,
        medical: false,
    }
}

/// Pulls from `cursor` to the end; the cursor after, and each customer's latest city.
fn pull_all(db: &Db, device: &DeviceAuth, mut cursor: i64) -> (i64, Vec<(i64, Uuid, String)>) {
    let mut seen = Vec::new();
    loop {
        let page = store::pull(db, device, cursor, 50).unwrap();
        for change in &page.changes {
            if let Change::Customer(c) = change {
                let city = c.profile.get(Field::City).unwrap_or_default().to_string();
                seen.push((page.cursor, c.id, city));
            }
        }
        assert!(page.cursor >= cursor, "the cursor went back");
        cursor = page.cursor;
        if !page.more {
            return (cursor, seen);
        }
    }
}

fn city_of(db: &Db, id: Uuid) -> String {
    db.conn()
        .query_row(
            "SELECT coalesce(city, '') FROM customers WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_change_that_commits_late_is_pulled_and_holds_back_those_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let mut db = open_db(&dir);
    let (slow, fast) = (create(&mut db, "Slow"), create(&mut db, "Fast"));
    let device = counter(&mut db);
    let (start, _) = pull_all(&db, &device, 0);

    // The slow writer takes the next number and has not committed.
    let tx = db.write().unwrap();
    let n = intake_common::db::next_change_seq(&tx).unwrap();
    tx.execute(
        "UPDATE customers SET city = 'Late', change_seq = ?1 WHERE id = ?2",
        intake_common::db::params![n, slow],
    )
    .unwrap();

    // A fast writer on another handle (another store process, on PostgreSQL) starts now.
    let other_dir = dir.clone();
    let fast_done = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&fast_done);
    let fast_writer = std::thread::spawn(move || {
        let mut other = open_db(&other_dir);
        set_city(&mut other, fast, "Early");
        done.store(true, Ordering::SeqCst);
    });
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        !fast_done.load(Ordering::SeqCst),
        "a second writer waits for the first"
    );

    // A device pulling now sees neither change, and its cursor stays where it was.
    let reader = open_db(&dir);
    let (cursor, seen) = pull_all(&reader, &device, start);
    assert!(seen.is_empty(), "{seen:?}");
    assert_eq!(
        cursor, start,
        "the cursor passed a number not yet committed"
    );

    tx.commit().unwrap();
    fast_writer.join().unwrap();
    let (end, seen) = pull_all(&reader, &device, cursor);
    let order: Vec<(Uuid, &str)> = seen.iter().map(|(_, id, c)| (*id, c.as_str())).collect();
    assert_eq!(order, vec![(slow, "Late"), (fast, "Early")]);
    assert!(end > n, "{end} {n}");
}

#[test]
fn devices_following_writers_on_two_handles_end_with_every_change() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    let mut db = open_db(&dir);
    let customers: Vec<Uuid> = (0..20).map(|i| create(&mut db, &format!("C{i}"))).collect();
    let device = counter(&mut db);
    let (start, _) = pull_all(&db, &device, 0);
    let stop = Arc::new(AtomicBool::new(false));

    // Two handles, two writers on each: four writers at once, as two store processes.
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (dir, customers) = (dir.clone(), customers.clone());
            std::thread::spawn(move || {
                let mut db = open_db(&dir);
                for i in 0..40 {
                    let c = customers[(i * 7 + w * 3) % customers.len()];
                    set_city(&mut db, c, &format!("w{w}-{i}"));
                }
            })
        })
        .collect();
    // A device pulls all the while, keeping what it was given.
    let follower = {
        let (dir, device, stop) = (dir.clone(), device.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let db = open_db(&dir);
            let mut replica: HashMap<Uuid, String> = HashMap::new();
            let mut cursor = start;
            let mut pulls = 0;
            loop {
                let finished = stop.load(Ordering::SeqCst);
                let (next, seen) = pull_all(&db, &device, cursor);
                for (_, id, city) in seen {
                    replica.insert(id, city);
                }
                cursor = next;
                pulls += 1;
                if finished {
                    return (replica, pulls);
                }
            }
        })
    };
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let (replica, pulls) = follower.join().unwrap();
    assert!(pulls > 1, "the device pulled while the writers wrote");
    for c in &customers {
        let stored = city_of(&db, *c);
        if stored.is_empty() {
            continue; // never written
        }
        assert_eq!(
            replica.get(c).map(String::as_str),
            Some(stored.as_str()),
            "the device missed a change of {c}"
        );
    }
}
