//! The worker against a real HTTP receiver on loopback, under a clock the test moves: the
//! retry schedule, Retry-After, 410, five days of failure, per-customer order, a rotated
//! secret, and medical details only where allowed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use intake_common::customer::{MedicalCondition, MedicalKind};
use intake_common::webhook::{self, AddressPolicy, Secret, queue, verify};
use intake_common::{Actor, Db, Field, Mutation, Op, Profile, Role, mutation, users};
use intake_tests::cluster::wait_for;
use intake_tests::receiver::{Receiver, Reply};
use uuid::Uuid;

use super::{Clock, Options, Worker};

/// 2026-11-30T10:00:00Z.
const T0: i64 = 1_796_032_800_000;
const WAIT: Duration = Duration::from_secs(10);

struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl ManualClock {
    fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
    fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
    }
}

struct Shop {
    dir: tempfile::TempDir,
    db: Db,
    owner: Actor,
    clock: Arc<ManualClock>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Shop {
    fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        Shop {
            dir,
            db,
            owner: Actor {
                name: "olive".into(),
                role: Role::Owner,
            },
            clock: Arc::new(ManualClock(AtomicI64::new(T0))),
            stop: None,
            worker: None,
        }
    }

    fn endpoint(&mut self, receiver: &Receiver, events: &str, medical: bool) -> webhook::Added {
        let events = webhook::parse_events(events).unwrap();
        let added = webhook::add(
            &mut self.db,
            &self.owner,
            &receiver.url,
            &events,
            medical,
            AddressPolicy {
                allow_private: true,
            },
        )
        .unwrap();
        receiver.trust(&added.secret);
        added
    }

    fn start(&mut self) {
        let db = Db::open_dir(self.dir.path()).unwrap();
        let options = Options {
            policy: AddressPolicy {
                allow_private: true,
            },
            extra_ca: None,
            concurrency: 8,
            proxy: None,
        };
        let clock: Arc<dyn Clock> = self.clock.clone();
        let worker = Worker::new(db, options, clock).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        self.stop = Some(tx);
        self.worker = Some(std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    worker
                        .run(async {
                            let _ = rx.await;
                        })
                        .await
                        .unwrap()
                })
        }));
    }

    fn create(&mut self, first: &str) -> Uuid {
        let id = Uuid::now_v7();
        let profile = Profile::default()
            .with(Field::FirstName, first)
            .with(Field::LastName, "Lee");
        mutation::submit(
            &mut self.db,
            &Mutation::new(
                "olive",
                Op::CreateCustomer {
                    customer: id,
                    profile,
                },
            ),
        )
        .unwrap();
        id
    }

    fn update(&mut self, id: Uuid, field: Field, value: &str) {
        let changes = BTreeMap::from([(field, Some(value.to_string()))]);
        mutation::submit(
            &mut self.db,
            &Mutation::new(
                "olive",
                Op::UpdateCustomer {
                    customer: id,
                    changes,
                },
            ),
        )
        .unwrap();
    }

    /// (state, attempts, next_attempt_ms) of the only delivery of the newest message.
    fn newest_delivery(&self) -> (String, i64, i64) {
        self.db
            .conn()
            .query_row(
                "SELECT state, attempts, next_attempt_ms FROM webhook_deliveries
                 ORDER BY message_seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    }

    fn wait_attempts(&self, n: i64) -> (String, i64, i64) {
        let mut last = None;
        assert!(
            wait_for(WAIT, || {
                let d = self.newest_delivery();
                let done = d.1 >= n;
                last = Some(d);
                done
            }),
            "attempt {n} was not recorded: {last:?}"
        );
        self.newest_delivery()
    }

    fn messages(&self) -> i64 {
        self.db
            .conn()
            .query_row("SELECT count(*) FROM webhook_messages", [], |r| r.get(0))
            .unwrap()
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

#[test]
fn the_retry_schedule_runs_on_the_clock_with_one_webhook_id() {
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(500));
    let mut shop = Shop::new();
    shop.endpoint(&receiver, "customer.created", false);
    shop.start();
    shop.create("Ann");
    let mut times = Vec::new();
    for attempt in 1..=queue::SCHEDULE.len() {
        assert!(
            receiver.wait_for(attempt, WAIT),
            "attempt {attempt} did not arrive"
        );
        times.push(shop.clock.now_ms());
        let (state, attempts, next) = shop.wait_attempts(attempt as i64);
        assert_eq!(attempts, attempt as i64);
        if attempt == queue::SCHEDULE.len() {
            assert_eq!(
                state, "failed",
                "after the last attempt the message has failed"
            );
            break;
        }
        assert_eq!(state, "pending");
        let wait = (next - shop.clock.now_ms()) as f64;
        let planned = queue::SCHEDULE[attempt].as_millis() as f64;
        assert!(
            (planned * 0.9..=planned * 1.1).contains(&wait),
            "the wait before attempt {} was {wait} ms, planned {planned} ms",
            attempt + 1
        );
        // Nothing comes early.
        shop.clock.set(next - 1);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            receiver.count(),
            attempt,
            "attempt {} came early",
            attempt + 1
        );
        shop.clock.set(next);
    }
    let got = receiver.received();
    assert_eq!(got.len(), queue::SCHEDULE.len());
    assert!(
        got.iter()
            .all(|r| r.id == got[0].id && r.id.starts_with("msg_"))
    );
    assert!(got.iter().all(|r| r.valid), "every attempt is signed");
    for (r, t) in got.iter().zip(&times) {
        assert_eq!(
            r.timestamp,
            t / 1000,
            "webhook-timestamp is the attempt's time"
        );
        assert_eq!(r.event(), "customer.created");
    }
    let endpoint = webhook::list(shop.db.conn(), &shop.owner)
        .unwrap()
        .remove(0);
    assert!(endpoint.enabled, "27 hours of failure is not yet five days");
    assert_eq!(endpoint.failed, 1);
    let log = webhook::log(shop.db.conn(), &shop.owner, &endpoint.id, 50).unwrap();
    assert_eq!(log.len(), queue::SCHEDULE.len());
    assert!(log.iter().all(|a| a.status == Some(500)));
}

#[test]
fn retry_after_is_honoured() {
    let receiver = Receiver::start();
    let mut first = true;
    receiver.answer(move |_| {
        if std::mem::take(&mut first) {
            Reply::RetryAfter(503, 120)
        } else {
            Reply::Status(200)
        }
    });
    let mut shop = Shop::new();
    shop.endpoint(&receiver, "*", false);
    shop.start();
    shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    let (state, _, next) = shop.wait_attempts(1);
    assert_eq!(state, "pending");
    assert_eq!(
        next - T0,
        120_000,
        "the receiver's 120 s, not the schedule's 5 s"
    );
    shop.clock.advance(Duration::from_secs(119));
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(receiver.count(), 1);
    shop.clock.advance(Duration::from_secs(1));
    assert!(receiver.wait_for(2, WAIT));
    assert_eq!(shop.wait_attempts(2).0, "delivered");
}

#[test]
fn gone_disables_the_endpoint_and_says_why() {
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(410));
    let mut shop = Shop::new();
    let added = shop.endpoint(&receiver, "*", false);
    shop.start();
    shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    assert!(wait_for(WAIT, || {
        !webhook::list(shop.db.conn(), &shop.owner).unwrap()[0].enabled
    }));
    let endpoint = webhook::list(shop.db.conn(), &shop.owner)
        .unwrap()
        .remove(0);
    assert!(
        endpoint.disabled_reason.as_deref().unwrap().contains("410"),
        "{endpoint:?}"
    );
    shop.create("Bo");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        receiver.count(),
        1,
        "nothing more goes to a disabled endpoint"
    );
    // Enabled again, it gets what comes next.
    receiver.answer(|_| Reply::Status(200));
    webhook::set_enabled(&mut shop.db, &shop.owner, &added.id, true).unwrap();
    shop.create("Cy");
    assert!(receiver.wait_for(2, WAIT));
    assert_eq!(receiver.received()[1].json["data"]["FirstName"], "Cy");
}

#[test]
fn five_days_of_failure_disable_the_endpoint() {
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(502));
    let mut shop = Shop::new();
    shop.endpoint(&receiver, "*", false);
    shop.start();
    shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    shop.wait_attempts(1);
    shop.clock.advance(Duration::from_secs(4 * 86_400));
    shop.create("Bo");
    assert!(
        receiver.wait_for(3, WAIT),
        "Ann's retry and Bo's first attempt"
    );
    assert!(webhook::list(shop.db.conn(), &shop.owner).unwrap()[0].enabled);
    shop.clock.advance(Duration::from_secs(86_400 + 1));
    shop.create("Cy");
    assert!(wait_for(WAIT, || {
        !webhook::list(shop.db.conn(), &shop.owner).unwrap()[0].enabled
    }));
    let endpoint = webhook::list(shop.db.conn(), &shop.owner)
        .unwrap()
        .remove(0);
    let why = endpoint.disabled_reason.unwrap();
    assert!(why.contains("5 days") && why.contains("HTTP 502"), "{why}");
    assert_eq!(endpoint.pending, 0);
}

#[test]
fn a_customers_events_arrive_in_order_while_others_flow() {
    let receiver = Receiver::start();
    let mut shop = Shop::new();
    shop.endpoint(&receiver, "*", false);
    // Ann's first message fails once; everything else succeeds.
    let mut failed = false;
    receiver.answer(move |r| {
        if r.json["data"]["FirstName"] == "Ann" && !failed {
            failed = true;
            Reply::Status(500)
        } else {
            Reply::Status(200)
        }
    });
    shop.start();
    let ann = shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    shop.wait_attempts(1);
    shop.update(ann, Field::Email, "ann@example.com");
    assert!(wait_for(WAIT, || shop.messages() == 2));
    shop.update(ann, Field::City, "Leeds");
    assert!(wait_for(WAIT, || shop.messages() == 3));
    let bo = shop.create("Bo");
    assert!(receiver.wait_for(2, WAIT), "Bo is not held up by Ann");
    std::thread::sleep(Duration::from_millis(200));
    let got = receiver.received();
    assert_eq!(
        got.len(),
        2,
        "Ann's updates wait for her first message: {got:?}"
    );
    assert_eq!(got[1].data_id(), bo.to_string());
    shop.clock.advance(Duration::from_secs(6));
    assert!(receiver.wait_for(5, WAIT));
    let ann_seen: Vec<(String, String)> = receiver
        .received()
        .iter()
        .filter(|r| r.data_id() == ann.to_string())
        .map(|r| (r.event().to_string(), r.id.clone()))
        .collect();
    assert_eq!(ann_seen.len(), 4);
    assert_eq!(ann_seen[0], ann_seen[1], "the retry of the same message");
    assert_eq!(ann_seen[1].0, "customer.created");
    assert_eq!(ann_seen[2].0, "customer.updated");
    assert_eq!(ann_seen[3].0, "customer.updated");
    let cities: Vec<serde_json::Value> = receiver
        .received()
        .iter()
        .filter(|r| r.data_id() == ann.to_string())
        .map(|r| r.json["data"]["City"].clone())
        .collect();
    assert_eq!(cities.last().unwrap(), "Leeds");
    assert!(
        ann_seen[2].1 < ann_seen[3].1,
        "message ids follow their order"
    );
}

#[test]
fn a_rotated_secret_signs_beside_the_new_one_for_a_day() {
    let receiver = Receiver::start();
    let mut shop = Shop::new();
    let added = shop.endpoint(&receiver, "*", false);
    let old = Secret::parse(&added.secret).unwrap();
    shop.start();
    shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    let rotated = webhook::rotate_secret(
        &mut shop.db,
        &shop.owner,
        &added.id,
        queue::ms_to_time(shop.clock.now_ms()),
    )
    .unwrap();
    let new = Secret::parse(&rotated.secret).unwrap();
    assert_ne!(old, new);
    shop.create("Bo");
    assert!(receiver.wait_for(2, WAIT));
    let r = &receiver.received()[1];
    assert_eq!(r.signature.split(' ').count(), 2);
    assert!(verify(&old, &r.id, r.timestamp, &r.body, &r.signature));
    assert!(verify(&new, &r.id, r.timestamp, &r.body, &r.signature));
    shop.clock.advance(Duration::from_secs(25 * 3600));
    shop.create("Cy");
    assert!(receiver.wait_for(3, WAIT));
    let r = &receiver.received()[2];
    assert_eq!(r.signature.split(' ').count(), 1);
    assert!(!verify(&old, &r.id, r.timestamp, &r.body, &r.signature));
    assert!(verify(&new, &r.id, r.timestamp, &r.body, &r.signature));
}

#[test]
fn medical_details_go_only_to_endpoints_allowed_them() {
    let plain = Receiver::start();
    let medical = Receiver::start();
    let mut shop = Shop::new();
    shop.endpoint(&plain, "customer.created,customer.updated", false);
    shop.endpoint(&medical, "customer.created,customer.updated", true);
    let ann = shop.create("Ann");
    mutation::submit(
        &mut shop.db,
        &Mutation::new(
            "olive",
            Op::AddMedicalCondition {
                customer: ann,
                id: Uuid::now_v7(),
                condition: MedicalCondition {
                    kind: MedicalKind::Allergy,
                    name: "Latex".into(),
                    details: Some("hives".into()),
                },
            },
        ),
    )
    .unwrap();
    shop.start();
    assert!(plain.wait_for(1, WAIT) && medical.wait_for(1, WAIT));
    let p = &plain.received()[0];
    assert!(
        !p.body.contains("Latex") && !p.body.contains("medical"),
        "{}",
        p.body
    );
    let m = &medical.received()[0];
    assert_eq!(m.json["data"]["medical_conditions"][0]["name"], "Latex");
    assert!(m.valid && p.valid);
    assert_eq!(p.id, m.id, "one message, two endpoints");
    let doc = crate::store::openapi::document();
    for r in [p, m] {
        let schema = intake_tests::openapi::webhook_schema(&doc, r.event());
        intake_tests::openapi::assert_matches(&doc, schema, &r.json, r.event());
    }
    assert!(wait_for(WAIT, || {
        intake_common::audit::recent(shop.db.conn(), 20)
            .unwrap()
            .iter()
            .any(|e| e.action == "webhook.medical" && e.customer_id == Some(ann))
    }));
}

#[test]
fn adding_an_endpoint_needs_the_permission_and_a_public_address() {
    let receiver = Receiver::start();
    let mut shop = Shop::new();
    let events = webhook::parse_events("*").unwrap();
    let policy = AddressPolicy {
        allow_private: true,
    };
    let artist = Actor {
        name: "art".into(),
        role: Role::Artist,
    };
    let err = webhook::add(&mut shop.db, &artist, &receiver.url, &events, false, policy)
        .unwrap_err()
        .to_string();
    assert!(err.contains("manage:webhooks"), "{err}");
    let err = webhook::add(
        &mut shop.db,
        &shop.owner,
        &receiver.url,
        &events,
        false,
        AddressPolicy::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("private"), "{err}");
    assert!(
        webhook::list(shop.db.conn(), &shop.owner)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_slow_endpoint_does_not_hold_up_another() {
    let slow = Receiver::start();
    slow.answer(|_| Reply::Slow(Duration::from_secs(3)));
    let quick = Receiver::start();
    let mut shop = Shop::new();
    shop.endpoint(&slow, "*", false);
    shop.endpoint(&quick, "*", false);
    shop.start();
    for name in ["Ann", "Bo", "Cy"] {
        shop.create(name);
    }
    assert!(
        quick.wait_for(3, Duration::from_secs(2)),
        "the quick endpoint has everything while the slow one is still answering"
    );
    assert!(slow.count() < 3 || slow.received().len() == 3);
    assert!(slow.wait_for(3, WAIT));
}

#[test]
fn finished_messages_are_pruned_after_thirty_days_and_waiting_ones_never() {
    let receiver = Receiver::start();
    let mut shop = Shop::new();
    let added = shop.endpoint(&receiver, "*", false);
    shop.start();
    shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    assert_eq!(shop.wait_attempts(1).0, "delivered");
    receiver.answer(|_| Reply::Status(500));
    shop.create("Bo");
    assert!(receiver.wait_for(2, WAIT));
    shop.wait_attempts(1);
    let later = T0 + queue::KEEP.num_milliseconds() + 1;
    assert_eq!(
        queue::prune(&mut shop.db, T0, 100).unwrap(),
        0,
        "nothing is old yet"
    );
    assert_eq!(
        queue::prune(&mut shop.db, later, 100).unwrap(),
        1,
        "Ann's delivered message goes; Bo's, still being retried, stays"
    );
    assert_eq!(shop.messages(), 1);
    let log = webhook::log(shop.db.conn(), &shop.owner, &added.id, 50).unwrap();
    assert!(
        log.iter().all(|a| a.attempt >= 1 && a.status == Some(500)),
        "{log:?}"
    );
}

#[test]
fn recover_resends_what_waited_behind_a_failing_message_too() {
    let receiver = Receiver::start();
    receiver.answer(|_| Reply::Status(500));
    let mut shop = Shop::new();
    let added = shop.endpoint(&receiver, "*", false);
    shop.start();
    let ann = shop.create("Ann");
    assert!(receiver.wait_for(1, WAIT));
    shop.wait_attempts(1);
    shop.update(ann, Field::City, "Leeds");
    assert!(wait_for(WAIT, || shop.messages() == 2));
    shop.update(ann, Field::City, "York");
    assert!(wait_for(WAIT, || shop.messages() == 3));
    // The two updates wait behind the failing create, due no earlier than its retry.
    let waiting: Vec<i64> = shop
        .db
        .conn()
        .prepare("SELECT next_attempt_ms FROM webhook_deliveries ORDER BY message_seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        waiting[1] >= waiting[0] && waiting[2] >= waiting[0],
        "{waiting:?}"
    );
    webhook::set_enabled(&mut shop.db, &shop.owner, &added.id, false).unwrap();
    webhook::set_enabled(&mut shop.db, &shop.owner, &added.id, true).unwrap();
    receiver.answer(|_| Reply::Status(200));
    let since = queue::ms_to_time(T0 - 3_600_000);
    let queued =
        webhook::recover(&mut shop.db, &shop.owner, None, since, shop.clock.now_ms()).unwrap();
    assert_eq!(queued, 3, "the one tried and the two never tried");
    assert!(receiver.wait_for(4, WAIT));
    let cities: Vec<serde_json::Value> = receiver.received()[1..]
        .iter()
        .map(|r| r.json["data"]["City"].clone())
        .collect();
    assert_eq!(cities[2], "York", "in order: {cities:?}");
}
