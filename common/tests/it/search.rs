//! Where a person searches (the counter, the store's `/v1/customers?q=`), case, accents and
//! surrounding spaces never matter.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::normalize::search_key;
use intake_common::{Actor, Db, Field, Profile, Role, counter};
use uuid::Uuid;

fn add(db: &mut Db, first: &str, last: &str, nickname: Option<&str>) -> Uuid {
    let id = Uuid::now_v7();
    let mut profile = Profile::default()
        .with(Field::FirstName, first)
        .with(Field::LastName, last)
        .with(Field::Birthdate, "1990-04-05");
    if let Some(nick) = nickname {
        profile = profile.with(Field::Nickname, nick);
    }
    crate::add_customer(db, id, profile)
}

fn found(db: &Db, query: &str) -> Vec<Uuid> {
    let desk = Actor {
        name: "fred".into(),
        role: Role::FrontDesk,
    };
    counter::search(db, &desk, query, 30)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

#[test]
fn the_search_key_drops_case_accents_and_extra_spaces() {
    assert_eq!(search_key("  Lucía   RAMÍREZ "), "lucia ramirez");
    assert_eq!(search_key("Zoë Nuñez-Ångström"), "zoe nunez-angstrom");
    assert_eq!(search_key("François Çelik"), "francois celik");
    // Decomposed input (e + combining acute) folds the same as precomposed.
    assert_eq!(search_key("Jose\u{301}"), search_key("José"));
}

#[test]
fn ramirez_finds_lucia_ramirez_however_it_is_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = crate::open_db(dir.path());
    let lucia = add(&mut db, "Lucía", "Ramírez", None);
    let zoe = add(&mut db, "Zoë", "Nuñez", Some("Zo"));
    let other = add(&mut db, "Mark", "Ramsey", None);

    for query in [
        "ramirez",
        "RAMIREZ",
        "  Ramírez ",
        "ramí",
        "lucia",
        "LUCÍA RAMIREZ",
        "lucia  ramirez",
    ] {
        assert_eq!(found(&db, query), vec![lucia], "searching {query:?}");
    }
    for query in ["nunez", "zoe", "Zoë Nuñez", "NUÑEZ"] {
        assert_eq!(found(&db, query), vec![zoe], "searching {query:?}");
    }
    assert_eq!(
        found(&db, "ram"),
        vec![lucia, other],
        "a prefix finds both, in the order a person reads (í as i)"
    );
    assert!(found(&db, "ramirezz").is_empty());
    // LIKE's wildcards in a query are text, not patterns.
    assert!(found(&db, "r%z").is_empty());
    assert!(found(&db, "_").is_empty());
}
