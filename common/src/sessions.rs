//! Staff sessions on the store: a bearer token handed out at sign-in, kept only as its
//! SHA-256, with a public id (UUIDv7) to list and revoke it by. A session ends when it
//! expires, when it is revoked, when its user is disabled, when the user's role is no
//! longer the one it began with, or when the user's PIN changed after it began.

use crate::db::{OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::sync::token_hash;
use crate::users::{Actor, Permission, Role};

/// How long a session lasts from sign-in.
pub const LIFETIME: std::time::Duration = std::time::Duration::from_secs(8 * 3600);
/// `last_seen_at` moves at most this often, so reads do not each become a write.
const SEEN_EVERY_SECS: i64 = 60;
/// Ended sessions are forgotten this long after they expired.
const KEEP_ENDED_DAYS: i64 = 30;
/// What every session token starts with (device tokens start otherwise).
pub const TOKEN_PREFIX: &str = "is_";

/// A session just made: the token is shown to its holder once and never stored.
#[derive(Debug, Clone)]
pub struct Started {
    pub id: Uuid,
    pub token: String,
    pub expires_at: String,
}

/// A session as listed (never with its token).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: Uuid,
    pub user: String,
    pub role: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_seen_at: String,
    pub client: String,
    pub revoked_at: Option<String>,
}

/// Who a valid session token belongs to.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: Uuid,
    pub actor: Actor,
}

fn new_token() -> Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Invalid(format!("the system's random source failed: {e}")))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

fn at(offset: chrono::Duration) -> String {
    crate::time::format(chrono::Utc::now() + offset)
}

/// Starts a session for `actor` (just signed in with their PIN) from `client` (an address).
pub fn create(db: &mut Db, actor: &Actor, client: &str) -> Result<Started> {
    if !Role::STAFF.contains(&actor.role) {
        return Err(Error::Invalid(format!(
            "{} is a device role: only staff sign in",
            actor.role
        )));
    }
    let token = new_token()?;
    let id = Uuid::now_v7();
    let now = crate::time::now();
    let lifetime = chrono::Duration::from_std(LIFETIME)
        .map_err(|e| Error::Invalid(format!("session lifetime: {e}")))?;
    let expires_at = at(lifetime);
    let client = truncated(client);
    let tx = db.write()?;
    tx.execute(
        "DELETE FROM sessions WHERE expires_at < ?1",
        [at(-chrono::Duration::days(KEEP_ENDED_DAYS))],
    )?;
    tx.execute(
        "INSERT INTO sessions(token_hash, id, user_name, role, created_at, expires_at,
                              last_seen_at, client)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7)",
        params![
            token_hash(&token),
            id.to_string(),
            actor.name,
            actor.role.name(),
            now,
            expires_at,
            client
        ],
    )?;
    audit::record(
        &tx,
        &actor.name,
        "session.start",
        None,
        &format!("session {id} from {client}"),
    )?;
    tx.commit()?;
    Ok(Started {
        id,
        token,
        expires_at,
    })
}

/// An address as stored: at most 64 characters.
fn truncated(client: &str) -> String {
    client.chars().take(64).collect()
}

/// The user behind a session token, if the session is still good; `None` for an unknown,
/// expired or revoked token, a disabled user, a changed role, or a PIN changed since.
pub fn authenticate(db: &Db, token: &str, client: &str) -> Result<Option<SignedIn>> {
    let conn = db.conn();
    let now = crate::time::now();
    let found: Option<(String, String, String, String, String)> = conn
        .prepare_cached(
            "SELECT s.id, u.name, s.role, s.last_seen_at, s.client
             FROM sessions s JOIN users u ON u.name = s.user_name
             WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2
               AND u.disabled = 0 AND u.role = s.role
               AND (u.pin_changed_at IS NULL OR u.pin_changed_at <= s.created_at)",
        )?
        .query_row(params![token_hash(token), now], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((id, name, role, last_seen, last_client)) = found else {
        return Ok(None);
    };
    let client = truncated(client);
    let stale = crate::time::parse(&last_seen)
        .is_none_or(|t| (chrono::Utc::now() - t).num_seconds() >= SEEN_EVERY_SECS);
    if stale || last_client != client {
        conn.prepare_cached("UPDATE sessions SET last_seen_at = ?1, client = ?2 WHERE id = ?3")?
            .execute(params![now, client, id])?;
    }
    Ok(Some(SignedIn {
        session: parse_id(&id)?,
        actor: Actor {
            name,
            role: role
                .parse()
                .map_err(|e: String| Error::Invalid(format!("stored role: {e}")))?,
        },
    }))
}

fn parse_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|e| Error::Invalid(format!("stored session id {id:?}: {e}")))
}

const COLUMNS: &str =
    "id, user_name, role, created_at, expires_at, last_seen_at, client, revoked_at";

fn row(r: &crate::db::Row<'_>) -> crate::db::Result<(String, Session)> {
    let id: String = r.get(0)?;
    Ok((
        id,
        Session {
            id: Uuid::nil(),
            user: r.get(1)?,
            role: r.get(2)?,
            created_at: r.get(3)?,
            expires_at: r.get(4)?,
            last_seen_at: r.get(5)?,
            client: r.get(6)?,
            revoked_at: r.get(7)?,
        },
    ))
}

fn with_id((id, mut s): (String, Session)) -> Result<Session> {
    s.id = parse_id(&id)?;
    Ok(s)
}

/// Sessions that have not ended (by revocation or expiry), oldest first. Needs
/// `manage:users`; audited.
pub fn list(db: &mut Db, by: &Actor) -> Result<Vec<Session>> {
    by.require(Permission::ManageUsers)?;
    let tx = db.write()?;
    let list = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE revoked_at IS NULL AND expires_at > ?1
             ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([crate::time::now()], row)?;
        rows.map(|r| with_id(r?)).collect::<Result<Vec<_>>>()?
    };
    audit::record(
        &tx,
        &by.name,
        "session.list",
        None,
        &format!("{} active sessions", list.len()),
    )?;
    tx.commit()?;
    Ok(list)
}

/// Ends the one session whose id starts with `id_prefix`. `by` needs `manage:users`, unless
/// the session is `own` (the caller's own: signing out). Revoking an ended session changes
/// nothing. Audited.
pub fn revoke(db: &mut Db, by: &Actor, id_prefix: &str, own: Option<Uuid>) -> Result<Session> {
    let prefix = id_prefix.trim().to_ascii_lowercase();
    if prefix.len() < 4 || !prefix.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Error::Invalid(format!(
            "session id {id_prefix:?}: give the id, or at least its first 4 characters, as `session list` shows it"
        )));
    }
    let is_own = own.is_some_and(|o| o.to_string().starts_with(&prefix));
    if !is_own {
        by.require(Permission::ManageUsers)?;
    }
    let tx = db.write()?;
    let found = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLUMNS} FROM sessions WHERE substr(id, 1, ?2) = ?1 LIMIT 2"
        ))?;
        let rows = stmt.query_map(params![prefix, prefix.len() as i64], row)?;
        rows.map(|r| with_id(r?)).collect::<Result<Vec<_>>>()?
    };
    let mut session = match found.as_slice() {
        [one] => one.clone(),
        [] => return Err(Error::SessionNotFound(id_prefix.trim().to_string())),
        _ => {
            return Err(Error::Invalid(format!(
                "session id {id_prefix:?} matches more than one session: give more of it"
            )));
        }
    };
    if is_own && own != Some(session.id) {
        by.require(Permission::ManageUsers)?;
    }
    if session.revoked_at.is_none() {
        let now = crate::time::now();
        tx.execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE id = ?2",
            params![now, session.id.to_string()],
        )?;
        let what = if own == Some(session.id) {
            "signed out"
        } else {
            "revoked"
        };
        audit::record(
            &tx,
            &by.name,
            "session.revoke",
            None,
            &format!("{what} session {} of {}", session.id, session.user),
        )?;
        session.revoked_at = Some(now);
    }
    tx.commit()?;
    Ok(session)
}

/// Ends every session of `user`. Needs `manage:users`; audited. Returns how many ended.
pub fn revoke_for_user(db: &mut Db, by: &Actor, user: &str) -> Result<usize> {
    by.require(Permission::ManageUsers)?;
    let tx = db.write()?;
    let name: Option<String> = tx
        .query_row(
            "SELECT name FROM users WHERE name = ?1",
            [user.trim()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(name) = name else {
        return Err(Error::UserNotFound(user.trim().to_string()));
    };
    let now = crate::time::now();
    let n = tx.execute(
        "UPDATE sessions SET revoked_at = ?1
         WHERE user_name = ?2 COLLATE NOCASE AND revoked_at IS NULL AND expires_at > ?1",
        params![now, name],
    )?;
    audit::record(
        &tx,
        &by.name,
        "session.revoke",
        None,
        &format!("revoked {n} sessions of {name}"),
    )?;
    tx.commit()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn setup() -> (tempfile::TempDir, Db, Actor) {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open_dir(dir.path()).unwrap();
        crate::users::add(&mut db, None, "olive", Role::Owner, "246810").unwrap();
        let owner = crate::users::sign_in(&db, "olive", "246810").unwrap();
        crate::users::add(&mut db, Some(&owner), "fay", Role::FrontDesk, "1357").unwrap();
        (dir, db, owner)
    }

    #[test]
    fn only_the_hash_of_a_token_is_stored_and_it_signs_in() {
        let (_dir, mut db, owner) = setup();
        let fay = crate::users::sign_in(&db, "fay", "1357").unwrap();
        let s = create(&mut db, &fay, "10.0.0.7:5000").unwrap();
        let stored: i64 = db
            .conn()
            .query_row(
                "SELECT count(*) FROM sessions WHERE token_hash = ?1 OR id = ?1",
                [&s.token],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, 0);
        let who = authenticate(&db, &s.token, "10.0.0.7:5000")
            .unwrap()
            .unwrap();
        assert_eq!((who.actor.name.as_str(), who.session), ("fay", s.id));
        assert!(authenticate(&db, "is_nope", "x").unwrap().is_none());
        let listed = list(&mut db, &owner).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].client, "10.0.0.7:5000");
        assert!(matches!(list(&mut db, &fay), Err(Error::Forbidden { .. })));
    }

    #[test]
    fn revoked_disabled_and_repinned_sessions_end() {
        let (_dir, mut db, owner) = setup();
        let fay = crate::users::sign_in(&db, "fay", "1357").unwrap();
        let a = create(&mut db, &fay, "a").unwrap();
        let b = create(&mut db, &fay, "b").unwrap();
        // Someone else's session needs manage:users; one's own does not.
        assert!(matches!(
            revoke(&mut db, &fay, &a.id.to_string(), Some(b.id)),
            Err(Error::Forbidden { .. })
        ));
        revoke(&mut db, &fay, &b.id.to_string(), Some(b.id)).unwrap();
        assert!(authenticate(&db, &b.token, "b").unwrap().is_none());
        assert!(authenticate(&db, &a.token, "a").unwrap().is_some());
        assert!(matches!(
            revoke(&mut db, &owner, "zzzz", None),
            Err(Error::Invalid(_))
        ));
        db.conn()
            .execute("UPDATE users SET disabled = 1 WHERE name = 'fay'", [])
            .unwrap();
        assert!(authenticate(&db, &a.token, "a").unwrap().is_none());
        db.conn()
            .execute("UPDATE users SET disabled = 0 WHERE name = 'fay'", [])
            .unwrap();
        assert!(authenticate(&db, &a.token, "a").unwrap().is_some());
        assert_eq!(revoke_for_user(&mut db, &owner, "FAY").unwrap(), 1);
        assert!(authenticate(&db, &a.token, "a").unwrap().is_none());

        let c = create(&mut db, &fay, "c").unwrap();
        assert!(authenticate(&db, &c.token, "c").unwrap().is_some());
        db.conn()
            .execute(
                "UPDATE users SET pin_changed_at = ?1 WHERE name = 'fay'",
                [at(chrono::Duration::seconds(1))],
            )
            .unwrap();
        assert!(authenticate(&db, &c.token, "c").unwrap().is_none());
    }
}
