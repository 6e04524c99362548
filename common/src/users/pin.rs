//! PINs: the rules per role, argon2id at a cost chosen for short secrets, and the bounded
//! pool every hash and verification runs on.
//!
//! A PIN has few possible values, so its hash is only as strong as each guess is costly:
//! every staff PIN (and a kiosk's exit code) is hashed with argon2id at 64 MiB, 3 passes.
//! Hashes made earlier with other parameters keep verifying (a PHC string carries its
//! parameters) and are made again at the next successful sign-in.
//!
//! Each hash holds its 64 MiB for the whole computation, so at most one runs per core in the
//! whole process ([`POOL`]); the rest wait their turn instead of exhausting memory.

use std::num::NonZeroUsize;
use std::sync::{Condvar, LazyLock, Mutex, MutexGuard};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::Role;
use crate::error::{Error, Result};

/// Memory per hash, in KiB.
pub const M_COST_KIB: u32 = 64 * 1024;
/// Passes over the memory.
pub const T_COST: u32 = 3;
/// Lanes.
pub const P_COST: u32 = 1;
/// The longest PIN or exit code.
pub const MAX_PIN_DIGITS: usize = 12;
/// The shortest kiosk exit code.
pub const MIN_EXIT_CODE_DIGITS: usize = 6;

/// A stored hash asking for more than this is not verified (it would take the memory of
/// many sign-ins at once).
const MAX_STORED_M_COST_KIB: u32 = 4 * M_COST_KIB;
const MAX_STORED_T_COST: u32 = 4 * T_COST;

/// The salt of the stand-in hash computed when there is nothing to verify against.
const DUMMY_SALT: &[u8; 16] = b"intake-no-user!!";

/// The shortest PIN a role may have: roles that can export customers or see medical
/// details need six digits, front desk four.
pub const fn min_pin_digits(role: Role) -> usize {
    match role {
        Role::FrontDesk => 4,
        _ => 6,
    }
}

/// Checks a new PIN for a user with `role`.
pub fn check_pin(role: Role, pin: &str) -> Result<()> {
    let min = min_pin_digits(role);
    if !(min..=MAX_PIN_DIGITS).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        let why = if min > 4 {
            " (the role can export customers or see medical details)"
        } else {
            ""
        };
        return Err(Error::Invalid(format!(
            "PIN: {role} PINs are {min} to {MAX_PIN_DIGITS} digits{why}"
        )));
    }
    Ok(())
}

/// Checks a new kiosk exit code.
pub fn check_exit_code(code: &str) -> Result<()> {
    if !(MIN_EXIT_CODE_DIGITS..=MAX_PIN_DIGITS).contains(&code.len())
        || !code.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Error::Invalid(format!(
            "exit code: {MIN_EXIT_CODE_DIGITS} to {MAX_PIN_DIGITS} digits"
        )));
    }
    Ok(())
}

/// A kiosk exit code's hash, for the kiosk's `meta` (after [`check_exit_code`]).
pub fn hash_exit_code(code: &str) -> Result<String> {
    check_exit_code(code)?;
    hash(code)
}

fn argon2() -> Result<Argon2<'static>> {
    let params =
        Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| Error::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// A new hash of `secret` with the current parameters, made on the pool.
pub(crate) fn hash(secret: &str) -> Result<String> {
    let argon2 = argon2()?;
    POOL.run(|| {
        argon2
            .hash_password(secret.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Hash(e.to_string()))
    })
}

/// Whether `secret` matches the PHC string `stored`, checked on the pool. A string that
/// does not parse, or asks for an unreasonable cost, costs the same as a miss and fails.
pub(crate) fn verify(secret: &str, stored: &str) -> bool {
    let parsed = PasswordHash::new(stored).ok().filter(|h| {
        Params::try_from(h)
            .is_ok_and(|p| p.m_cost() <= MAX_STORED_M_COST_KIB && p.t_cost() <= MAX_STORED_T_COST)
    });
    match parsed {
        Some(parsed) => POOL.run(|| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        }),
        None => {
            dummy(secret);
            false
        }
    }
}

/// The work of one verification with the current parameters, for a name that has no hash:
/// an unknown user costs the same time as a known one.
pub(crate) fn dummy(secret: &str) {
    let mut out = [0u8; 32];
    if let Ok(argon2) = argon2() {
        POOL.run(|| {
            let _ = argon2.hash_password_into(secret.as_bytes(), DUMMY_SALT, &mut out);
        });
    }
}

/// Whether `stored` was made with the current parameters (else it is made again at the
/// next successful sign-in).
pub(crate) fn is_current(stored: &str) -> bool {
    PasswordHash::new(stored).ok().is_some_and(|h| {
        h.algorithm.as_str() == "argon2id"
            && Params::try_from(&h).is_ok_and(|p| {
                p.m_cost() == M_COST_KIB && p.t_cost() == T_COST && p.p_cost() == P_COST
            })
    })
}

/// A counting semaphore: at most `permits` closures run at once; the rest wait.
#[derive(Debug)]
pub struct Gate {
    permits: usize,
    state: Mutex<GateState>,
    freed: Condvar,
}

#[derive(Debug, Default)]
struct GateState {
    in_flight: usize,
    peak: usize,
}

/// Gives a permit back when dropped, also when the closure panics.
struct Permit<'a>(&'a Gate);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.0.freed.notify_one();
    }
}

impl Gate {
    pub fn new(permits: usize) -> Self {
        Self {
            permits: permits.max(1),
            state: Mutex::new(GateState::default()),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, GateState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` once a permit is free.
    pub fn run<T>(&self, f: impl FnOnce() -> T) -> T {
        let mut state = self.lock();
        while state.in_flight >= self.permits {
            state = self.freed.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.in_flight += 1;
        state.peak = state.peak.max(state.in_flight);
        drop(state);
        let _permit = Permit(self);
        f()
    }

    /// How many may run at once.
    pub fn permits(&self) -> usize {
        self.permits
    }

    /// The most that ever ran at once.
    pub fn peak(&self) -> usize {
        self.lock().peak
    }
}

/// The process-wide pool every PIN hash and verification runs on: one per core.
pub static POOL: LazyLock<Gate> =
    LazyLock::new(|| Gate::new(std::thread::available_parallelism().map_or(1, NonZeroUsize::get)));

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    use super::*;

    #[test]
    fn the_pin_rules_follow_the_role() {
        for role in [Role::Owner, Role::Manager, Role::Artist] {
            let err = check_pin(role, "1234").unwrap_err().to_string();
            assert!(err.starts_with("PIN: "), "{err}");
            assert!(err.contains("6 to 12 digits"), "{err}");
            check_pin(role, "123456").unwrap();
        }
        check_pin(Role::FrontDesk, "1234").unwrap();
        assert!(check_pin(Role::FrontDesk, "123").is_err());
        assert!(check_pin(Role::FrontDesk, "12a4").is_err());
        assert!(check_pin(Role::Owner, "1234567890123").is_err());
        assert!(check_exit_code("12345").is_err());
        check_exit_code("123456").unwrap();
    }

    #[test]
    fn hashes_are_argon2id_at_the_chosen_cost_and_old_ones_still_verify() {
        let new = hash("135790").unwrap();
        assert!(new.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{new}");
        assert!(is_current(&new));
        assert!(verify("135790", &new));
        assert!(!verify("135791", &new));
        let old = Argon2::default()
            .hash_password(b"135790")
            .unwrap()
            .to_string();
        assert!(!is_current(&old));
        assert!(verify("135790", &old));
        assert!(!verify("135790", "not a hash"));
        // A stored hash asking for 1 GiB is refused, not computed.
        let greedy = old.replace("m=19456", "m=1048576");
        assert!(!verify("135790", &greedy));
    }

    /// Eight threads hashing at once: never more in flight than the gate's permits.
    #[test]
    fn the_pool_bounds_the_hashes_in_flight() {
        let gate = Gate::new(2);
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let argon2 = argon2().unwrap();
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let (gate, inside, most, argon2) = (&gate, &inside, &most, &argon2);
                s.spawn(move || {
                    gate.run(|| {
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let mut out = [0u8; 32];
                        argon2
                            .hash_password_into(&[i; 6], DUMMY_SALT, &mut out)
                            .unwrap();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    });
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(gate.peak(), 2);

        // The process-wide pool, used by eight verifications at once.
        let stored = hash("246810").unwrap();
        let start = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| assert!(verify("246810", &stored)));
            }
        });
        let took = start.elapsed();
        assert!(
            POOL.peak() <= POOL.permits(),
            "{} > {}",
            POOL.peak(),
            POOL.permits()
        );
        eprintln!("8 verifications on {} permit(s): {took:?}", POOL.permits());
    }
}
