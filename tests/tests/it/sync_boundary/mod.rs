//! What the store accepts from a paired device, against real SQLite files in one process:
//! ids that would pin last-writer-wins in the future, forged names and times, a kiosk
//! reaching past its own registrations, releases that do not match what was signed, and
//! each kiosk's own recognition key, and what a device holds of someone gone.

#![allow(clippy::unwrap_used)] // a test that cannot unwrap should fail loudly

use intake_common::change::{self, Caller};
use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::release::{self, Signing};
use intake_common::settings::Settings;
use intake_common::sync::{self, DeviceAuth, DeviceRole, Outcome, PushResult};
use intake_common::{Actor, Db, Field, Mutation, Op, Profile, Role, mutation, users};
use intake_tests::registrations;
use uuid::Uuid;

pub(super) fn owner() -> Actor {
    Actor {
        name: "olive".into(),
        role: Role::Owner,
    }
}

pub(super) fn count(db: &Db, sql: &str) -> i64 {
    db.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Pairs a new device `name` of `role` in `dir` with `store`.
pub(super) fn pair(
    store: &mut Db,
    dir: &std::path::Path,
    name: &str,
    role: DeviceRole,
) -> (Db, DeviceAuth) {
    let made = sync::add_device(store, &owner(), name, role, false).unwrap();
    let answer = sync::pair(store, &made.code).unwrap();
    let auth = sync::authenticate(store.conn(), &answer.token)
        .unwrap()
        .unwrap();
    let mut device = Db::open_dir(&dir.join(name)).unwrap();
    sync::configure(
        &mut device,
        "https://store.invalid:8443",
        Some("AA"),
        &answer,
    )
    .unwrap();
    (device, auth)
}

pub(super) fn store(dir: &std::path::Path) -> Db {
    let mut db = Db::open_dir(&dir.join("store")).unwrap();
    users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
    db
}

/// Pushes the device's whole outbox and applies the answers, as `intake-agent run` does.
pub(super) fn push(store: &mut Db, device: &mut Db, auth: &DeviceAuth) -> Vec<PushResult> {
    let (batch, _) = sync::next_batch(device, 0, sync::PUSH_BATCH).unwrap();
    let results = sync::apply_push(store, auth, &batch).unwrap();
    sync::acknowledge(device, &results).unwrap();
    results
}

pub(super) fn pull_all(store: &Db, device: &mut Db, auth: &DeviceAuth) {
    loop {
        let answer = sync::pull(store, auth, sync::cursor(device.conn()).unwrap(), 1000).unwrap();
        let pulled = sync::apply_pull(device, &answer).unwrap();
        if !answer.more && !pulled.restarted {
            break;
        }
    }
}

pub(super) fn rejected(r: &PushResult) -> &str {
    match &r.outcome {
        Outcome::Rejected { reason } => reason,
        other => panic!("{} was not refused: {other:?}", r.id),
    }
}

pub(super) fn city(db: &Db, customer: Uuid) -> Option<String> {
    intake_common::customers::get(db.conn(), customer)
        .unwrap()
        .profile
        .get(Field::City)
        .map(str::to_owned)
}

pub(super) fn new_customer(last: &str) -> (Uuid, Op) {
    let customer = Uuid::now_v7();
    let profile = Profile::default()
        .with(Field::FirstName, "Ann")
        .with(Field::LastName, last)
        .with(Field::PhoneNumber, "+15125550123")
        .with(Field::Birthdate, "1990-04-02");
    (customer, Op::CreateCustomer { customer, profile })
}

pub(super) fn set_city(customer: Uuid, value: &str) -> Op {
    Op::UpdateCustomer {
        customer,
        changes: [(Field::City, Some(value.to_string()))]
            .into_iter()
            .collect(),
    }
}

/// A v7 id dated `secs` from now.
pub(super) fn id_in(secs: i64) -> Uuid {
    let at = chrono::Utc::now() + chrono::Duration::seconds(secs);
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        u64::try_from(at.timestamp()).unwrap(),
        at.timestamp_subsec_nanos(),
    ))
}

/// A registration signed at `kiosk`, as its outbox holds it: (the create, the release).
pub(super) fn signed(kiosk: &mut Db, n: u64) -> (Mutation, Mutation) {
    let settings = Settings::defaults();
    let template = release::register_template(kiosk, &settings.template).unwrap();
    let signature = registrations::signature_png(n);
    let reg = registrations::registration(&settings, n, &signature);
    release::submit(kiosk, &reg, &Signing::new("ignored", &settings, &template)).unwrap();
    let (batch, last) = sync::next_batch(kiosk, 0, 100).unwrap();
    // Out of the outbox: the test sends its own versions.
    kiosk
        .conn()
        .execute("DELETE FROM outbox WHERE seq <= ?1", [last])
        .unwrap();
    let create = batch
        .iter()
        .find(|m| matches!(m.op, Op::CreateCustomer { .. }))
        .unwrap()
        .clone();
    let release = batch
        .iter()
        .find(|m| matches!(m.op, Op::SignRelease { .. }))
        .unwrap()
        .clone();
    (create, release)
}

mod claims;
mod gone;
mod kiosk;
