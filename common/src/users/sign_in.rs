//! Signing in: by name and PIN (the command line, the store's HTTP sign-in), by PIN alone
//! (the counter's pad, the kiosk's staff exit on a kiosk that is its own store), and the
//! kiosk's exit code.
//!
//! Every way in is throttled through [`crate::throttle`], so guesses are limited across
//! restarts: by user name and by client address for sign-in by name, by device for a PIN pad.
//! An unknown name, a disabled user and a wrong PIN get the same answer after the same
//! work (an argon2 computation with the current parameters), so neither the answer nor its
//! time tells which names exist.

use crate::db::{Connection, OptionalExtension, Transaction, params};
use chrono::{DateTime, Utc};

use super::{Actor, Role, pin};
use crate::audit;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::throttle::{self, Key};

/// Failures a user name is allowed before it locks.
pub const NAME_TRIES: u32 = 5;
/// Failures a client address is allowed (over any names) before it locks.
pub const CLIENT_TRIES: u32 = 10;
/// Failures a PIN pad (a kiosk's staff exit, a counter) is allowed before it locks.
pub const PINPAD_TRIES: u32 = 5;
/// A longer name or PIN is refused before any lookup (still at the cost of a verification).
pub const MAX_INPUT_BYTES: usize = 64;
/// The `meta` key holding a kiosk's exit-code hash.
pub const KIOSK_EXIT_HASH: &str = "kiosk_exit_hash";
/// The client name the command line signs in as.
pub const CLI_CLIENT: &str = "cli";

const AUDIT_NAME_CHARS: usize = 32;
const CLIENT_CHARS: usize = 64;

/// The throttle key of a PIN pad on `device` (as passed to [`sign_in_by_pin`]).
/// The pad a kiosk's staff exit counts against, on the kiosk and on the store alike.
pub fn kiosk_pad(device: &str) -> String {
    format!("kiosk:{device}")
}

pub fn pinpad_key(device: &str) -> String {
    format!("pinpad:{}", printable(device, CLIENT_CHARS))
}

/// A name's key for sign-ins at the command line, counted apart from the network's.
pub(crate) fn cli_name_key(name: &str) -> String {
    format!("cli:{}", name_key(name))
}

pub(crate) fn name_key(name: &str) -> String {
    // Names compare without ASCII case (the column is COLLATE NOCASE).
    format!("name:{}", name.to_ascii_lowercase())
}

/// At most `max` characters of `s`, control characters replaced: what goes into the audit
/// log and throttle keys from outside input.
fn printable(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn write(conn: &Connection) -> Result<Transaction<'_>> {
    Ok(conn.begin_write()?)
}

/// Counts the attempt against `keys`, or refuses while one is locked.
fn reserve(conn: &Connection, keys: &[Key<'_>], now: DateTime<Utc>) -> Result<Option<u64>> {
    let tx = write(conn)?;
    let lock = throttle::reserve(&tx, keys, now)?;
    tx.commit()?;
    Ok(lock)
}

/// The answer to a failed attempt: `Throttled` when this failure locked a key.
fn refused(lock: Option<u64>) -> Error {
    match lock {
        Some(retry_after_secs) => Error::Throttled { retry_after_secs },
        None => Error::BadCredentials,
    }
}

fn parse_role(role: &str) -> Result<Role> {
    role.parse()
        .map_err(|e: String| Error::Invalid(format!("stored role: {e}")))
}

fn paired(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM meta WHERE key = 'sync_store_url')",
        [],
        |r| r.get(0),
    )?)
}

/// Signs in from an unnamed client. Prefer [`sign_in_from`].
pub fn sign_in(db: &Db, name: &str, pin: &str) -> Result<Actor> {
    sign_in_from(db, name, pin, "unknown")
}

/// Checks a user's PIN for a client (an address, or `"cli"`). A wrong PIN, an unknown or
/// disabled user and an over-long input all answer `BadCredentials`; a locked name or
/// client answers `Throttled`, even to the right PIN. Failures are audited.
pub fn sign_in_from(db: &Db, name: &str, pin: &str, client: &str) -> Result<Actor> {
    sign_in_at(db, name, pin, client, Utc::now())
}

/// [`sign_in_from`] at a given time.
pub fn sign_in_at(
    db: &Db,
    name: &str,
    pin: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Actor> {
    let conn = db.conn();
    let oversized = name.len() > MAX_INPUT_BYTES || pin.len() > MAX_INPUT_BYTES;
    let name = name.trim();
    let client_key = format!("client:{}", printable(client, CLIENT_CHARS));
    // A name that finds a user counts against the user's name as stored: the database
    // decides which spellings are the same user (PostgreSQL's collation folds more than
    // ASCII case), so no other spelling of it gets tries of its own.
    let counted = if oversized {
        None
    } else {
        conn.prepare_cached("SELECT name FROM users WHERE name = ?1")?
            .query_row([name], |r| r.get::<_, String>(0))
            .optional()?
    };
    let counted = counted.as_deref().unwrap_or(name);
    let name_key = if oversized {
        String::new()
    } else if client == CLI_CLIENT {
        // At the store's own command line (whoever runs it can read the database anyway)
        // a name is counted apart from the network's: someone guessing over the network
        // cannot lock the owner out of `session revoke` or `user set-pin` mid-incident.
        cli_name_key(counted)
    } else {
        name_key(counted)
    };
    let mut keys = vec![Key {
        key: &client_key,
        allowed: CLIENT_TRIES,
    }];
    if !oversized {
        keys.push(Key {
            key: &name_key,
            allowed: NAME_TRIES,
        });
    }
    let lock = reserve(conn, &keys, now)?;

    let user: Option<(String, String, String)> = if oversized {
        None
    } else {
        conn.prepare_cached(
            "SELECT name, role, pin_hash FROM users WHERE name = ?1 AND disabled = 0",
        )?
        .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
    };
    let verified = match &user {
        Some((_, _, hash)) => {
            let ok = pin::verify(pin, hash);
            if !ok && !pin::is_current(hash) {
                // A hash made at an older, cheaper cost fails faster than an unknown name's
                // dummy: pay the current cost too, so the time does not tell the name exists.
                pin::dummy(pin);
            }
            ok
        }
        None => {
            pin::dummy(if oversized { "" } else { pin });
            false
        }
    };

    match user {
        Some((name, role, hash)) if verified => {
            let role = parse_role(&role)?;
            let rehash = if pin::is_current(&hash) || paired(conn)? {
                None
            } else {
                Some(pin::hash(pin)?)
            };
            let tx = write(conn)?;
            throttle::clear(&tx, &name_key)?;
            throttle::release(
                &tx,
                Key {
                    key: &client_key,
                    allowed: CLIENT_TRIES,
                },
            )?;
            // Only if the PIN is still the one just checked: a `set-pin` that committed
            // meanwhile wins, and this sign-in with the old PIN fails.
            let still = tx.execute(
                "UPDATE users SET last_sign_in_at = ?2, pin_hash = coalesce(?3, pin_hash)
                 WHERE name = ?1 AND pin_hash = ?4 AND disabled = 0",
                params![name, crate::time::format(now), rehash, hash],
            )?;
            if still == 0 {
                return Err(Error::BadCredentials);
            }
            tx.commit()?;
            Ok(Actor { name, role })
        }
        _ => {
            let detail = format!(
                "wrong PIN or unknown user, from {}{}",
                printable(client, CLIENT_CHARS),
                if oversized { " (over-long input)" } else { "" }
            );
            audit::record(
                conn,
                &printable(name, AUDIT_NAME_CHARS),
                "auth.failed",
                None,
                &detail,
            )?;
            Err(refused(lock))
        }
    }
}

/// Finds the active staff member whose PIN this is, for a pad that asks only for a PIN
/// (the counter; the kiosk's staff exit on a kiosk that is its own store). Every user's
/// hash is tried, so the time does not tell whose PIN was close. The pad on `device` is
/// throttled; a miss is audited.
pub fn sign_in_by_pin(db: &Db, pin: &str, device: &str) -> Result<Actor> {
    sign_in_by_pin_at(db, pin, device, Utc::now())
}

/// [`sign_in_by_pin`] at a given time.
pub fn sign_in_by_pin_at(db: &Db, pin: &str, device: &str, now: DateTime<Utc>) -> Result<Actor> {
    pin_only(db, pin, &[device], &Role::STAFF, now)
}

/// The pad every kiosk's online staff exit also counts against on the store: several stolen
/// kiosk tokens get no more guesses together than one.
pub const KIOSK_EXITS_PAD: &str = "kiosk-exits";

/// A staff PIN typed on a paired kiosk's exit pad, checked by the store. Throttled per kiosk
/// and across every kiosk together, and open only to the roles whose PINs are at least six
/// digits: the front desk leaves with the kiosk's exit code. A kiosk's token is all a thief
/// needs to call this, so it must not be a faster way to find a staff PIN than the sign-in.
pub fn kiosk_exit_on_store(db: &Db, pin: &str, kiosk: &str, now: DateTime<Utc>) -> Result<Actor> {
    let roles: Vec<Role> = Role::STAFF
        .into_iter()
        .filter(|r| pin::min_pin_digits(*r) >= 6)
        .collect();
    pin_only(db, pin, &[&kiosk_pad(kiosk), KIOSK_EXITS_PAD], &roles, now)
}

/// PIN-only sign-in for active staff in `roles`, throttled on every pad in `pads` (the first
/// names the device in the audit log).
fn pin_only(
    db: &Db,
    pin: &str,
    pads: &[&str],
    roles: &[Role],
    now: DateTime<Utc>,
) -> Result<Actor> {
    let conn = db.conn();
    let device = pads.first().copied().unwrap_or("unknown");
    let keys: Vec<String> = pads.iter().map(|p| pinpad_key(p)).collect();
    let pad_keys: Vec<Key<'_>> = keys
        .iter()
        .map(|key| Key {
            key,
            allowed: PINPAD_TRIES,
        })
        .collect();
    let lock = reserve(conn, &pad_keys, now)?;
    let oversized = pin.len() > MAX_INPUT_BYTES;
    let users: Vec<(String, String, String)> = conn
        .prepare_cached("SELECT name, role, pin_hash FROM users WHERE disabled = 0 ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<crate::db::Result<Vec<(String, String, String)>>>()?
        .into_iter()
        .filter(|(_, role, _)| role.parse::<Role>().is_ok_and(|r| roles.contains(&r)))
        .collect();
    let found = if oversized || users.is_empty() {
        pin::dummy("");
        None
    } else {
        // Each verification takes its turn on the pool; with several cores they overlap.
        let matches: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = users
                .iter()
                .map(|(_, _, hash)| s.spawn(move || pin::verify(pin, hash)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(false))
                .collect()
        });
        users
            .into_iter()
            .zip(matches)
            .find_map(|(user, ok)| ok.then_some(user))
    };
    match found {
        Some((name, role, _)) => {
            let role = parse_role(&role)?;
            let tx = write(conn)?;
            for key in &keys {
                throttle::clear(&tx, key)?;
            }
            tx.execute(
                "UPDATE users SET last_sign_in_at = ?2 WHERE name = ?1",
                params![name, crate::time::format(now)],
            )?;
            tx.commit()?;
            Ok(Actor { name, role })
        }
        None => {
            audit::record(
                conn,
                &printable(device, CLIENT_CHARS),
                "auth.failed",
                None,
                "wrong staff PIN",
            )?;
            Err(refused(lock))
        }
    }
}

/// The kiosk's staff exit. A kiosk paired with a store holds no staff PIN hashes: it checks
/// the exit code whose hash the store gave it (`meta.kiosk_exit_hash`) and answers the actor
/// `kiosk-exit:<device>`. A kiosk that is its own store (no exit code) checks staff PINs,
/// as [`sign_in_by_pin`]. Either way the pad is throttled under `pinpad:kiosk:<device>`.
pub fn check_kiosk_exit(db: &Db, code: &str, device: &str) -> Result<Actor> {
    check_kiosk_exit_at(db, code, device, Utc::now())
}

/// [`check_kiosk_exit`] at a given time.
pub fn check_kiosk_exit_at(db: &Db, code: &str, device: &str, now: DateTime<Utc>) -> Result<Actor> {
    let conn = db.conn();
    let pad_device = kiosk_pad(device);
    let exit_hash: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1 AND value <> ''",
            [KIOSK_EXIT_HASH],
            |r| r.get(0),
        )
        .optional()?;
    let Some(exit_hash) = exit_hash else {
        if paired(conn)? {
            tracing::warn!(
                "this kiosk has no exit code yet: set one on the store with `intake-agent device set-exit-code`"
            );
        }
        return sign_in_by_pin_at(db, code, &pad_device, now);
    };
    let key = pinpad_key(&pad_device);
    let pad = Key {
        key: &key,
        allowed: PINPAD_TRIES,
    };
    let lock = reserve(conn, &[pad], now)?;
    let ok = if code.len() > MAX_INPUT_BYTES {
        pin::dummy("");
        false
    } else {
        pin::verify(code, &exit_hash)
    };
    if ok {
        throttle::clear(conn, &key)?;
        Ok(Actor {
            name: format!("kiosk-exit:{}", printable(device, CLIENT_CHARS)),
            role: Role::Kiosk,
        })
    } else {
        audit::record(
            conn,
            &printable(&pad_device, CLIENT_CHARS),
            "auth.failed",
            None,
            "wrong kiosk exit code",
        )?;
        Err(refused(lock))
    }
}

/// Where a PIN pad's lock stands at `now`: locked until then, if it is.
pub fn pinpad_locked_until(
    conn: &Connection,
    device: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    Ok(throttle::state(conn, &pinpad_key(device), now)?.and_then(|s| s.locked_until))
}
