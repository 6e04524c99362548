//! What a device sends and keeps for someone the store no longer holds.

use super::*;

/// Erases `customer` at the owner's request, under the default policy.
fn erase(store: &mut Db, customer: Uuid) {
    let shop = Settings::defaults().shop;
    intake_common::retention::erase(
        store,
        &owner(),
        customer,
        &shop.retention(),
        shop.adult_age,
        chrono::Utc::now(),
    )
    .unwrap();
}

/// A customer `last` made by staff at the store.
fn created(store: &mut Db, last: &str) -> Uuid {
    let (id, create) = new_customer(last);
    change::submit(store, &Caller::Staff(owner()), create).unwrap();
    id
}

/// A change for `customer` the store refuses (a flag kind longer than any may be), made
/// on the counter `desk`, pushed, and kept aside there for staff.
fn refused_at_counter(store: &mut Db, desk: &mut Db, auth: &DeviceAuth, customer: Uuid) {
    let bad = Mutation::new(
        "desk",
        Op::AddFlag {
            customer,
            id: Uuid::now_v7(),
            kind: "x".repeat(500),
            note: Some("a secret of theirs".into()),
        },
    );
    mutation::submit(desk, &bad).ok();
    push(store, desk, auth);
    assert_eq!(sync::status(desk.conn()).unwrap().rejected, 1);
}

#[test]
fn what_a_kiosk_sends_for_someone_erased_meanwhile_stores_nothing_but_a_release_is_kept_restricted()
{
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    // The kiosk registers someone; the store has them.
    let settings = Settings::defaults();
    let template = release::register_template(&mut kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(1);
    let reg = registrations::registration(&settings, 1, &signature);
    let done = release::submit(
        &mut kiosk,
        &reg,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    assert!(
        push(&mut store, &mut kiosk, &auth)
            .iter()
            .all(|r| r.outcome == Outcome::Applied)
    );
    // Offline, the kiosk files a second release and an edit for them; meanwhile the store
    // erases them.
    let mut again = reg.clone();
    again.existing = Some(done.customer);
    let late = release::submit(
        &mut kiosk,
        &again,
        &Signing::new("lobby", &settings, &template),
    )
    .unwrap();
    erase(&mut store, done.customer);
    let results = push(&mut store, &mut kiosk, &auth);
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Applied),
        "accepted, not refused and left on the kiosk: {results:?}"
    );
    let status = sync::status(kiosk.conn()).unwrap();
    assert_eq!((status.pending, status.rejected), (0, 0));
    assert_eq!(
        count(&store, "SELECT count(*) FROM customers"),
        0,
        "nothing comes back"
    );
    let shop = Settings::defaults().shop;
    let kept = intake_common::retention::restricted::list(
        &store,
        &owner(),
        Some(done.customer),
        &shop.retention(),
        shop.adult_age,
    )
    .unwrap();
    let ids: Vec<Uuid> = kept.iter().map(|r| r.id).collect();
    assert!(
        ids.contains(&done.release) && ids.contains(&late.release),
        "{ids:?}"
    );
    // And the kiosk, at its next pull, holds nothing of them.
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 0);
}

#[test]
fn a_counter_forgets_the_changes_the_store_refused_for_someone_who_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut desk, auth) = pair(&mut store, dir.path(), "desk", DeviceRole::Counter);
    let id = created(&mut store, "Gone");
    pull_all(&store, &mut desk, &auth);
    refused_at_counter(&mut store, &mut desk, &auth, id);
    erase(&mut store, id);
    pull_all(&store, &mut desk, &auth);
    assert_eq!(count(&desk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(
        sync::status(desk.conn()).unwrap().rejected,
        0,
        "nothing of them kept aside"
    );
}

/// A refused change names the customer as the counter knew them: merged away since, it
/// belongs to the survivor, and leaves when the survivor is erased.
#[test]
fn a_change_refused_for_someone_merged_away_leaves_when_the_survivor_is_erased() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut desk, auth) = pair(&mut store, dir.path(), "desk", DeviceRole::Counter);
    let merged = created(&mut store, "Merged");
    let survivor = created(&mut store, "Survivor");
    pull_all(&store, &mut desk, &auth);
    refused_at_counter(&mut store, &mut desk, &auth, merged);
    intake_common::duplicates::merge(&mut store, &owner(), survivor, &[merged]).unwrap();
    pull_all(&store, &mut desk, &auth);
    assert_eq!(
        sync::status(desk.conn()).unwrap().rejected,
        1,
        "merged: kept for staff to redo on the survivor"
    );
    erase(&mut store, survivor);
    pull_all(&store, &mut desk, &auth);
    assert_eq!(count(&desk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(
        sync::status(desk.conn()).unwrap().rejected,
        0,
        "the survivor erased: nothing of the one merged into them kept aside"
    );
}

#[test]
fn a_kiosk_forgets_what_was_refused_for_someone_erased_but_not_for_someone_merged_or_unrecognised()
{
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let settings = Settings::defaults();
    let template = release::register_template(&mut kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(1);
    let mut registered = Vec::new();
    for n in [1, 2, 3] {
        let reg = registrations::registration(&settings, n, &signature);
        let signing = Signing::new("lobby", &settings, &template);
        registered.push(
            release::submit(&mut kiosk, &reg, &signing)
                .unwrap()
                .customer,
        );
    }
    let (erased, unrecognisable, merged) = (registered[0], registered[1], registered[2]);
    // For each, a change the store refuses (a field the kiosk never asks for), kept aside
    // on the kiosk for staff.
    let mut refused = Vec::new();
    for customer in [erased, unrecognisable, merged] {
        let op = Op::UpdateCustomer {
            customer,
            changes: [(Field::MembershipNumber, Some("VIP".to_string()))]
                .into_iter()
                .collect(),
        };
        let m = Mutation::new("lobby", op);
        mutation::submit(&mut kiosk, &m).unwrap();
        refused.push(m.id);
    }
    push(&mut store, &mut kiosk, &auth);
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(sync::status(kiosk.conn()).unwrap().rejected, 3);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 3);

    // Staff remove one's phone number: the kiosk can no longer recognise them, and its
    // pull says they are gone, without a reason. The refusal stays for staff.
    change::submit(
        &mut store,
        &Caller::Staff(owner()),
        Op::UpdateCustomer {
            customer: unrecognisable,
            changes: [(Field::PhoneNumber, None)].into_iter().collect(),
        },
    )
    .unwrap();
    // Staff merge another into the first: gone, merged, and what was refused stays for
    // staff to redo on the survivor.
    intake_common::duplicates::merge(&mut store, &owner(), unrecognisable, &[merged]).unwrap();
    // The other is erased: the pull says so, and the kiosk keeps nothing of them.
    erase(&mut store, erased);
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 0);
    let mut kept: Vec<Uuid> = kiosk
        .conn()
        .prepare("SELECT mutation_id FROM outbox_rejected")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    kept.sort();
    let mut expected = vec![refused[1], refused[2]];
    expected.sort();
    assert_eq!(kept, expected, "only the erased customer's refusal leaves");
}

/// A release the store refused (a returning customer gave a new phone number, so the kiosk
/// could not prove it knows them) is not dropped when they are erased: it goes back in the
/// outbox, and the store keeps it restricted with their other releases.
#[test]
fn a_refused_release_for_someone_erased_is_sent_again_and_kept_restricted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut patio, patio_auth) = pair(&mut store, dir.path(), "patio", DeviceRole::Kiosk);
    let (mut lobby, lobby_auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let settings = Settings::defaults();
    let signature = registrations::signature_png(1);
    let sign = |kiosk: &mut Db, name: &str, reg: &release::Registration| {
        let template = release::register_template(kiosk, &settings.template).unwrap();
        release::submit(kiosk, reg, &Signing::new(name, &settings, &template)).unwrap()
    };
    let reg = registrations::registration(&settings, 2, &signature);
    let first = sign(&mut patio, "patio", &reg);
    push(&mut store, &mut patio, &patio_auth);

    // At the lobby they come back with a new phone number: the store cannot tell the lobby
    // knows them, and refuses what it sends.
    let mut back = reg.clone();
    back.existing = Some(first.customer);
    back.profile = back.profile.with(Field::PhoneNumber, "+15125559999");
    let late = sign(&mut lobby, "lobby", &back);
    push(&mut store, &mut lobby, &lobby_auth);
    let status = sync::status(lobby.conn()).unwrap();
    assert!(status.rejected >= 1, "{status:?}");
    assert_eq!(status.pending, 0);

    erase(&mut store, first.customer);
    pull_all(&store, &mut lobby, &lobby_auth);
    let status = sync::status(lobby.conn()).unwrap();
    assert_eq!(
        (status.pending, status.rejected),
        (1, 0),
        "the release queued again, the rest forgotten"
    );
    let results = push(&mut store, &mut lobby, &lobby_auth);
    assert!(
        results.iter().all(|r| r.outcome == Outcome::Applied),
        "{results:?}"
    );
    let shop = settings.shop;
    let kept = intake_common::retention::restricted::list(
        &store,
        &owner(),
        Some(first.customer),
        &shop.retention(),
        shop.adult_age,
    )
    .unwrap();
    let ids: Vec<Uuid> = kept.iter().map(|r| r.id).collect();
    assert!(
        ids.contains(&first.release) && ids.contains(&late.release),
        "{ids:?}"
    );
    assert_eq!(sync::status(lobby.conn()).unwrap().pending, 0);
}

/// A kiosk hears only that someone was erased, the one thing it acts on: never whether
/// on request or by the retention policy, nor that someone was deleted. A counter hears
/// every reason.
#[test]
fn a_kiosk_hears_only_that_someone_was_erased_and_a_counter_hears_why() {
    use intake_common::webhook::payload::DeletionReason;
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (_kiosk, kiosk_auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let (_desk, desk_auth) = pair(&mut store, dir.path(), "desk", DeviceRole::Counter);
    let [requested, expired, merged, survivor, deleted] =
        ["Requested", "Expired", "Merged", "Survivor", "Deleted"]
            .map(|last| created(&mut store, last));
    erase(&mut store, requested);
    let by_policy = Op::EraseCustomer {
        customer: expired,
        reason: intake_common::retention::Reason::Retention,
        purge: Vec::new(),
        seen: None,
    };
    let by_policy = Mutation::new(intake_common::retention::pass::ACTOR, by_policy);
    mutation::submit(&mut store, &by_policy).unwrap();
    intake_common::duplicates::merge(&mut store, &owner(), survivor, &[merged]).unwrap();
    let delete = Op::DeleteCustomer { customer: deleted };
    change::submit(&mut store, &Caller::Staff(owner()), delete).unwrap();

    let gone = |auth: &DeviceAuth| {
        let answer = sync::pull(&store, auth, 0, 1000).unwrap();
        assert!(!answer.more);
        answer
            .changes
            .into_iter()
            .filter_map(|c| match c {
                sync::Change::Gone {
                    customer,
                    survivor,
                    reason,
                } => Some((customer, (survivor, reason))),
                _ => None,
            })
            .collect::<std::collections::HashMap<_, _>>()
    };
    let kiosk = gone(&kiosk_auth);
    let desk = gone(&desk_auth);
    let erased = Some(DeletionReason::Erased);
    assert_eq!(kiosk[&requested], (None, erased));
    assert_eq!(
        kiosk[&expired],
        (None, erased),
        "not told it was the policy"
    );
    assert_eq!(kiosk[&merged], (Some(survivor), None));
    assert_eq!(kiosk[&deleted], (None, None), "not told it was a deletion");
    assert_eq!(desk[&requested], (None, erased));
    assert_eq!(desk[&expired], (None, Some(DeletionReason::Retention)));
    assert_eq!(
        desk[&merged],
        (Some(survivor), Some(DeletionReason::Merged))
    );
    assert_eq!(desk[&deleted], (None, Some(DeletionReason::Deleted)));
}
