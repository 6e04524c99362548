//! What an endpoint's page reads: the endpoint by its exact id, and its deliveries (one
//! per message, newest first, a page at a time), each with how it went so far. Reading
//! by exact id, never by a prefix, so an address that names another endpoint or message
//! than the one it was made for finds nothing.

use crate::db::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::Endpoint;
use crate::error::{Error, Result};
use crate::users::{Actor, Permission};

/// The most deliveries one page holds.
pub const MAX_PAGE: u32 = 500;

/// One message to one endpoint, and how its delivery went so far.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// The message's id (`msg_...`): the `webhook-id` of every attempt.
    pub message: String,
    pub event: String,
    /// The customer the event is about, if it is about one.
    pub customer: Option<Uuid>,
    /// When the message was made.
    pub created_at: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed`.
    pub state: String,
    /// Attempts made so far, as the log has them (a replay's and a recovery's too).
    pub attempts: i64,
    /// When a waiting delivery is next tried.
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// The last attempt's HTTP status, when the receiver answered.
    pub last_status: Option<i64>,
    /// What went wrong with the last attempt, when it failed.
    pub last_error: Option<String>,
    /// The start of the receiver's last answer.
    pub answer: Option<String>,
    pub delivered_at: Option<String>,
}

/// One page of an endpoint's deliveries.
#[derive(Debug, Clone, Serialize)]
pub struct Deliveries {
    pub deliveries: Vec<Delivery>,
    /// The message to give as `before` for the next (older) page, if there is one.
    pub next: Option<String>,
}

/// The endpoint whose id is exactly `id` (needs `manage:webhooks`).
pub fn endpoint(conn: &Connection, actor: &Actor, id: &str) -> Result<Endpoint> {
    actor.require(Permission::ManageWebhooks)?;
    super::select_endpoints(conn, Some(id))?
        .pop()
        .ok_or_else(|| Error::WebhookNotFound(id.to_string()))
}

const SELECT: &str = "SELECT m.id, m.event_type, m.customer_id, m.created_at, d.state,
        (SELECT count(*) FROM webhook_attempts a
         WHERE a.message_seq = d.message_seq AND a.endpoint_id = d.endpoint_id),
        d.next_attempt_ms, d.last_attempt_at, d.last_status, d.last_error, d.delivered_at,
        (SELECT a.answer FROM webhook_attempts a
         WHERE a.message_seq = d.message_seq AND a.endpoint_id = d.endpoint_id
         ORDER BY a.seq DESC LIMIT 1)
    FROM webhook_deliveries d JOIN webhook_messages m ON m.seq = d.message_seq";

fn read(r: &crate::db::Row<'_>) -> crate::db::Result<Delivery> {
    let state: String = r.get(4)?;
    let next_ms: i64 = r.get(6)?;
    // A test event waits with no time set: whoever asked for it sends it at once.
    let next_attempt_at = (state == "pending" && next_ms < i64::MAX)
        .then(|| crate::time::format(super::queue::ms_to_time(next_ms)));
    Ok(Delivery {
        message: r.get(0)?,
        event: r.get(1)?,
        customer: r.get(2)?,
        created_at: r.get(3)?,
        state,
        attempts: r.get(5)?,
        next_attempt_at,
        last_attempt_at: r.get(7)?,
        last_status: r.get(8)?,
        last_error: r.get(9)?,
        delivered_at: r.get(10)?,
        answer: r.get(11)?,
    })
}

/// An endpoint's deliveries, newest first, `limit` at a time (at most [`MAX_PAGE`]),
/// starting after the message `before` (needs `manage:webhooks`).
pub fn deliveries(
    conn: &Connection,
    actor: &Actor,
    endpoint_id: &str,
    before: Option<&str>,
    limit: u32,
) -> Result<Deliveries> {
    let ep = endpoint(conn, actor, endpoint_id)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let before_seq: Option<i64> = match before {
        None => None,
        Some(id) => Some(
            conn.prepare_cached("SELECT seq FROM webhook_messages WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "before: {id:?} is not a message of this endpoint's deliveries"
                    ))
                })?,
        ),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE d.endpoint_id = ?1 AND (d.message_seq < ?2 OR ?2 IS NULL)
         ORDER BY d.message_seq DESC LIMIT ?3"
    ))?;
    let mut deliveries: Vec<Delivery> = stmt
        .query_map(params![ep.id, before_seq, i64::from(limit) + 1], read)?
        .collect::<crate::db::Result<_>>()?;
    let next = if deliveries.len() > limit as usize {
        deliveries.truncate(limit as usize);
        deliveries.last().map(|d| d.message.clone())
    } else {
        None
    };
    Ok(Deliveries { deliveries, next })
}

/// The delivery of the message `message` to the endpoint `endpoint_id`, both named by
/// their exact ids (needs `manage:webhooks`).
pub fn delivery(
    conn: &Connection,
    actor: &Actor,
    endpoint_id: &str,
    message: &str,
) -> Result<Delivery> {
    let ep = endpoint(conn, actor, endpoint_id)?;
    conn.prepare_cached(&format!("{SELECT} WHERE d.endpoint_id = ?1 AND m.id = ?2"))?
        .query_row(params![ep.id, message], read)
        .optional()?
        .ok_or_else(|| Error::WebhookMessageNotFound(format!("{message} to endpoint {}", ep.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;
    use crate::users::Role;
    use crate::webhook::{self, AddressPolicy, events, queue};
    use crate::{Field, Mutation, Op, Profile, mutation, users};

    const T0: i64 = 1_796_032_800_000;

    fn owner() -> Actor {
        Actor {
            name: "olive".into(),
            role: Role::Owner,
        }
    }

    fn create(db: &mut Db, first: &str) -> Uuid {
        let id = Uuid::now_v7();
        let op = Op::CreateCustomer {
            customer: id,
            profile: Profile::default().with(Field::FirstName, first),
        };
        mutation::submit(db, &Mutation::new("olive", op)).unwrap();
        id
    }

    #[test]
    fn deliveries_come_a_page_at_a_time_newest_first_with_their_last_answer() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        let me = owner();
        let loose = AddressPolicy {
            allow_private: true,
        };
        let events = webhook::parse_events("*").unwrap();
        let ep = webhook::add(&mut db, &me, "http://127.0.0.1:9/h", &events, false, loose)
            .unwrap()
            .id;
        let other = webhook::add(&mut db, &me, "http://127.0.0.1:9/o", &events, false, loose)
            .unwrap()
            .id;
        let customers: Vec<Uuid> = ["Ada", "Bo", "Cy"]
            .iter()
            .map(|n| create(&mut db, n))
            .collect();
        while events::produce(&mut db, T0).unwrap().1 {}

        // Nothing tried yet: each is waiting, for its customer, newest first.
        let first = deliveries(db.conn(), &me, &ep, None, 2).unwrap();
        assert_eq!(first.deliveries.len(), 2);
        assert_eq!(first.deliveries[0].customer, Some(customers[2]));
        assert_eq!(first.deliveries[1].customer, Some(customers[1]));
        assert!(
            first
                .deliveries
                .iter()
                .all(|d| d.state == "pending" && d.attempts == 0 && d.event == "customer.created")
        );
        let next = first.next.clone().unwrap();
        assert_eq!(next, first.deliveries[1].message);
        let second = deliveries(db.conn(), &me, &ep, Some(&next), 2).unwrap();
        assert_eq!(second.deliveries.len(), 1);
        assert_eq!(second.deliveries[0].customer, Some(customers[0]));
        assert!(second.next.is_none());

        // An attempt that failed: counted, with its status and the start of the answer.
        let due = queue::due(&db, T0, 10, &Default::default()).unwrap();
        let oldest = due
            .iter()
            .find(|d| d.endpoint_id == ep && d.customer_id == Some(customers[0]))
            .unwrap();
        let outcome = queue::Outcome {
            endpoint_id: ep.clone(),
            message_seq: oldest.message_seq,
            customer_id: oldest.customer_id,
            attempt: 1,
            medical: false,
            at_ms: T0,
            duration_ms: 12,
            status: Some(503),
            error: None,
            retry_after: None,
            answer: Some("down for maintenance".into()),
        };
        queue::record(&mut db, &[outcome], T0 + 20, || 0.5).unwrap();
        let d = delivery(db.conn(), &me, &ep, &oldest.message_id).unwrap();
        assert_eq!(
            (d.state.as_str(), d.attempts, d.last_status),
            ("pending", 1, Some(503))
        );
        assert_eq!(d.answer.as_deref(), Some("down for maintenance"));
        assert_eq!(d.last_error.as_deref(), Some("HTTP 503"));
        assert!(d.next_attempt_at.is_some());
        // The same message to the other endpoint is untouched.
        let o = delivery(db.conn(), &me, &other, &oldest.message_id).unwrap();
        assert_eq!((o.attempts, o.answer), (0, None));

        // Only exact ids name anything; a cursor that is no message is named.
        let prefix = &ep[..ep.len() - 2];
        assert!(matches!(
            endpoint(db.conn(), &me, prefix),
            Err(Error::WebhookNotFound(_))
        ));
        assert!(matches!(
            deliveries(db.conn(), &me, "ep_nope", None, 10),
            Err(Error::WebhookNotFound(_))
        ));
        assert!(matches!(
            delivery(db.conn(), &me, &ep, "msg_nope"),
            Err(Error::WebhookMessageNotFound(_))
        ));
        let err = deliveries(db.conn(), &me, &ep, Some("msg_nope"), 10).unwrap_err();
        assert!(
            matches!(&err, Error::Invalid(m) if m.starts_with("before:")),
            "{err}"
        );

        // Only a role that manages webhooks reads them.
        let artist = Actor {
            name: "ari".into(),
            role: Role::Artist,
        };
        assert!(matches!(
            deliveries(db.conn(), &artist, &ep, None, 10),
            Err(Error::Forbidden { .. })
        ));
        assert!(matches!(
            endpoint(db.conn(), &artist, &ep),
            Err(Error::Forbidden { .. })
        ));
        assert_eq!(endpoint(db.conn(), &me, &ep).unwrap().pending, 3);
    }
}
