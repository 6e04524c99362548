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
    let (id, create) = new_customer("Gone");
    change::submit(&mut store, &Caller::Staff(owner()), create).unwrap();
    pull_all(&store, &mut desk, &auth);
    // A change the store refuses (a field no value may have), kept aside on the counter.
    let bad = Mutation::new(
        "desk",
        Op::AddFlag {
            customer: id,
            id: Uuid::now_v7(),
            kind: "x".repeat(500),
            note: Some("Gone's secret".into()),
        },
    );
    mutation::submit(&mut desk, &bad).ok();
    push(&mut store, &mut desk, &auth);
    assert_eq!(sync::status(desk.conn()).unwrap().rejected, 1);
    erase(&mut store, id);
    pull_all(&store, &mut desk, &auth);
    assert_eq!(count(&desk, "SELECT count(*) FROM customers"), 0);
    assert_eq!(
        sync::status(desk.conn()).unwrap().rejected,
        0,
        "nothing of them kept aside"
    );
}

#[test]
fn a_kiosk_forgets_what_was_refused_for_someone_erased_but_not_for_someone_it_cannot_recognise() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store(dir.path());
    let (mut kiosk, auth) = pair(&mut store, dir.path(), "lobby", DeviceRole::Kiosk);
    let settings = Settings::defaults();
    let template = release::register_template(&mut kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(1);
    let mut registered = Vec::new();
    for n in [1, 2] {
        let reg = registrations::registration(&settings, n, &signature);
        let signing = Signing::new("lobby", &settings, &template);
        registered.push(
            release::submit(&mut kiosk, &reg, &signing)
                .unwrap()
                .customer,
        );
    }
    let (erased, unrecognisable) = (registered[0], registered[1]);
    // For each, a change the store refuses (a field the kiosk never asks for), kept aside
    // on the kiosk for staff.
    let mut refused = Vec::new();
    for customer in [erased, unrecognisable] {
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
    assert_eq!(sync::status(kiosk.conn()).unwrap().rejected, 2);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 2);

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
    // The other is erased: the pull says so, and the kiosk keeps nothing of them.
    erase(&mut store, erased);
    pull_all(&store, &mut kiosk, &auth);
    assert_eq!(count(&kiosk, "SELECT count(*) FROM recognition"), 0);
    assert_eq!(
        sync::status(kiosk.conn()).unwrap().rejected,
        1,
        "only the erased customer's refusal leaves"
    );
    let kept: Uuid = kiosk
        .conn()
        .query_row("SELECT mutation_id FROM outbox_rejected", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, refused[1]);
}
