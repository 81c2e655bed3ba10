//! The building blocks of accounts (`docs/accounts.md`): password hashing, random tokens,
//! constant-time comparison, the checks of logins and names, and the per-login throttle of
//! failed logins. The HTTP side is in `account_api.rs` (sessions, CSRF, invitations) and
//! `account_pages.rs` (login, invitation and home pages).
//!
//! Passwords are hashed with Argon2id at the parameters the OWASP Password Storage Cheat
//! Sheet recommends as its first configuration: 19 MiB of memory, 2 passes, 1 lane, a 16-byte
//! random salt and a 32-byte output, stored as a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$…`). Verification reads the parameters from the stored
//! string, so they can be raised later without invalidating existing passwords. Hashing takes
//! tens of milliseconds of one core, so the server does it on tokio's blocking pool
//! ([`hash_password_blocking`], [`verify_password_blocking`]), never on the runtime's threads,
//! at most a few at a time.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Argon2id memory cost in KiB (OWASP: 19 MiB).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
/// Argon2id passes (OWASP: 2).
pub const ARGON2_PASSES: u32 = 2;
/// Argon2id lanes (OWASP: 1).
pub const ARGON2_LANES: u32 = 1;
/// Salt length in bytes.
const SALT_BYTES: usize = 16;

/// The shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// The longest password accepted, in bytes: far beyond any real one, small enough that a
/// hostile form cannot make hashing expensive.
pub const PASSWORD_MAX_BYTES: usize = 1024;

/// Logins are 3 to 32 characters.
pub const LOGIN_MIN_CHARS: usize = 3;
/// See [`LOGIN_MIN_CHARS`].
pub const LOGIN_MAX_CHARS: usize = 32;
/// Display names are 1 to 40 characters.
pub const NAME_MAX_CHARS: usize = 40;

/// How long a session lasts: 30 days from login, fixed (not renewed on use), so that a stolen
/// cookie stops working at a known time and no request has to write to the database.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Failed logins allowed per login within [`LOGIN_FAILURE_WINDOW`]; the next attempt is
/// refused until the window ends.
pub const LOGIN_FAILURE_LIMIT: u32 = 5;
/// See [`LOGIN_FAILURE_LIMIT`].
pub const LOGIN_FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Why a password is refused before hashing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer than [`PASSWORD_MIN_CHARS`] characters.
    TooShort,
    /// More than [`PASSWORD_MAX_BYTES`] bytes.
    TooLong,
}

impl PasswordProblem {
    /// The i18n key of the message.
    pub fn key(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "account.problem.password_short",
            PasswordProblem::TooLong => "account.problem.password_long",
        }
    }
}

/// Checks a new password's length (characters, so a Chinese passphrase counts as written).
pub fn check_password(password: &str) -> Result<(), PasswordProblem> {
    if password.len() > PASSWORD_MAX_BYTES {
        Err(PasswordProblem::TooLong)
    } else if password.chars().count() < PASSWORD_MIN_CHARS {
        Err(PasswordProblem::TooShort)
    } else {
        Ok(())
    }
}

/// Hashing failed: no randomness for the salt, or the hasher refused (neither happens with
/// the fixed parameters on a working system).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hasher() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(32))
        .map_err(|e| HashError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The Argon2id PHC string of `password` with a fresh random salt. Blocking: tens of
/// milliseconds of CPU; async code calls [`hash_password_blocking`].
pub fn hash_password(password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt).map_err(|e| HashError(e.to_string()))?;
    let hash = hasher()?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| HashError(e.to_string()))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored` (any Argon2 variant and parameters the
/// string names). A malformed string matches nothing. Blocking, like [`hash_password`].
pub fn verify_password(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
}

/// A hash of a random password, verified against when a login does not exist, so that an
/// unknown login takes as long to refuse as a wrong password.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).ok()?;
    hash_password(&URL_SAFE_NO_PAD.encode(random)).ok()
});

/// How many hashes run at once: each takes 19 MiB and a core for tens of milliseconds, so a
/// burst of logins queues here instead of filling the blocking pool (up to 512 threads, 10 GB
/// of hashing memory) and the machine's memory.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    tokio::sync::Semaphore::new(cores.clamp(2, 8))
});

/// Runs `work` on tokio's blocking pool once a hashing slot is free.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _slot = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// [`hash_password`] on tokio's blocking pool.
pub async fn hash_password_blocking(password: String) -> Result<String, HashError> {
    hashing(move || hash_password(&password))
        .await
        .unwrap_or_else(|| Err(HashError("the hashing task failed".into())))
}

/// [`verify_password`] on tokio's blocking pool. With `stored` `None` (no such login) a dummy
/// hash is verified instead and the answer is `false`, in about the same time.
pub async fn verify_password_blocking(password: String, stored: Option<String>) -> bool {
    hashing(move || match stored {
        Some(stored) => verify_password(&password, &stored),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                let _ = verify_password(&password, dummy);
            }
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A new random token: 32 bytes (256 bits) from the operating system, URL-safe base64
/// without padding (43 characters), safe in cookies, form fields and URL paths as it is.
/// Session, CSRF and invitation tokens are made here.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only, not on where
/// they differ, so that a CSRF token cannot be guessed byte by byte from response times.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// Checks a chosen login: after trimming, 3 to 32 characters, each a letter or digit of any
/// script (a phone number, a pinyin or Chinese name) or one of `. _ - @ +`. Answers the
/// trimmed login or the i18n key of the problem.
pub fn check_login(login: &str) -> Result<&str, &'static str> {
    let login = login.trim();
    let count = login.chars().count();
    let allowed = |c: char| c.is_alphanumeric() || "._-@+".contains(c);
    if (LOGIN_MIN_CHARS..=LOGIN_MAX_CHARS).contains(&count) && login.chars().all(allowed) {
        Ok(login)
    } else {
        Err("account.problem.login_format")
    }
}

/// Checks a display name: after trimming, 1 to 40 characters without control characters.
pub fn check_display_name(name: &str) -> Result<&str, &'static str> {
    let name = name.trim();
    let count = name.chars().count();
    if (1..=NAME_MAX_CHARS).contains(&count) && !name.chars().any(char::is_control) {
        Ok(name)
    } else {
        Err("account.problem.name_format")
    }
}

/// Failed logins counted per login (its `store::login_key` form), in memory: at most
/// [`LOGIN_FAILURE_LIMIT`] failures within [`LOGIN_FAILURE_WINDOW`] of the first one; then
/// every attempt is refused, right password or not, until the window ends. Logins that do
/// not exist are counted the same way, so the throttle says nothing about which exist.
///
/// It complements the per-address rate limit (`limit.rs`): that one stops one address from
/// trying many logins, this one stops many addresses from trying one login. The table is
/// bounded ([`LoginThrottle::MAX_TRACKED`] logins); when it is full of live entries it is
/// emptied, which a flood of distinct logins could use to reset the counts, but not faster
/// than the per-address limit lets it send them.
#[derive(Debug)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
    limit: u32,
    window: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle::new(LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_WINDOW)
    }
}

impl LoginThrottle {
    /// The most logins tracked at once.
    pub const MAX_TRACKED: usize = 100_000;

    /// A throttle allowing `limit` failures per `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        LoginThrottle {
            failures: Mutex::new(HashMap::new()),
            limit,
            window,
        }
    }

    /// How long `key` must wait before trying again, or `None` when it may try now.
    pub fn blocked(&self, key: &str, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        let &(count, since) = failures.get(key)?;
        let ends = since + self.window;
        (count >= self.limit && now < ends).then(|| ends - now)
    }

    /// Counts a failed attempt of `key`.
    pub fn record_failure(&self, key: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        if failures.len() >= Self::MAX_TRACKED && !failures.contains_key(key) {
            failures.retain(|_, (_, since)| now.duration_since(*since) < self.window);
            if failures.len() >= Self::MAX_TRACKED {
                failures.clear();
            }
        }
        let entry = failures.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 = entry.0.saturating_add(1);
    }

    /// Forgets the failures of `key` (after a successful login).
    pub fn clear(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_to_argon2id_phc_strings_and_verify() {
        let hash = hash_password("凌云白毫 2026").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("凌云白毫 2026", &hash));
        assert!(!verify_password("凌云白毫 2025", &hash));
        assert!(!verify_password("", &hash));
        // Fresh salt each time: the same password never hashes to the same string.
        let again = hash_password("凌云白毫 2026").expect("hash");
        assert_ne!(hash, again);
        assert!(verify_password("凌云白毫 2026", &again));
        // Anything but a PHC string matches nothing.
        assert!(!verify_password("凌云白毫 2026", "凌云白毫 2026"));
        assert!(!verify_password(
            "x",
            "$argon2id$v=19$m=19456,t=2,p=1$broken"
        ));
    }

    #[test]
    fn a_changed_hash_does_not_verify() {
        let hash = hash_password("password-1").expect("hash");
        let (head, tail) = hash.rsplit_once('$').expect("PHC string");
        let mut output = tail.to_owned().into_bytes();
        output[0] = if output[0] == b'A' { b'B' } else { b'A' };
        let changed = format!("{head}${}", String::from_utf8(output).expect("ascii"));
        assert!(!verify_password("password-1", &changed));
    }

    #[tokio::test]
    async fn hashing_runs_off_the_runtime_and_unknown_logins_are_refused() {
        let hash = hash_password_blocking("correct horse".into())
            .await
            .expect("hash");
        assert!(verify_password_blocking("correct horse".into(), Some(hash.clone())).await);
        assert!(!verify_password_blocking("wrong horse".into(), Some(hash)).await);
        assert!(!verify_password_blocking("correct horse".into(), None).await);
    }

    #[test]
    fn password_lengths_are_checked_in_characters() {
        assert_eq!(check_password("1234567"), Err(PasswordProblem::TooShort));
        assert_eq!(check_password("12345678"), Ok(()));
        // Eight Chinese characters are a long enough password, though 24 bytes.
        assert_eq!(check_password("凌云白毫红茶好喝"), Ok(()));
        assert_eq!(
            check_password("凌云白毫红茶好"),
            Err(PasswordProblem::TooShort)
        );
        assert_eq!(
            check_password(&"x".repeat(PASSWORD_MAX_BYTES + 1)),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn tokens_are_random_url_safe_and_256_bits() {
        let tokens: Vec<String> = (0..100).map(|_| random_token().expect("token")).collect();
        for token in &tokens {
            assert_eq!(token.len(), 43, "{token}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{token}"
            );
            assert_eq!(URL_SAFE_NO_PAD.decode(token).expect("base64").len(), 32);
        }
        let distinct: std::collections::BTreeSet<_> = tokens.iter().collect();
        assert_eq!(distinct.len(), tokens.len());
    }

    #[test]
    fn constant_time_comparison_compares() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"bbc"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"abc", b""));
        let token = random_token().expect("token");
        let mut other = token.clone().into_bytes();
        let last = other.len() - 1;
        other[last] ^= 1;
        assert!(constant_time_eq(token.as_bytes(), token.clone().as_bytes()));
        assert!(!constant_time_eq(token.as_bytes(), &other));
    }

    #[test]
    fn logins_and_names_are_checked() {
        assert_eq!(check_login(" 13800138000 "), Ok("13800138000"));
        assert_eq!(check_login("韦大姐"), Ok("韦大姐"));
        assert_eq!(check_login("lin.wei_2026@coop"), Ok("lin.wei_2026@coop"));
        assert_eq!(
            check_login("１３８００１３８０００"),
            Ok("１３８００１３８０００")
        );
        for bad in ["ab", "", "lin wei", "lin/wei", "<script>", &"x".repeat(33)] {
            assert_eq!(
                check_login(bad),
                Err("account.problem.login_format"),
                "{bad:?}"
            );
        }
        assert_eq!(check_display_name(" 韦 大姐 "), Ok("韦 大姐"));
        assert!(check_display_name("  ").is_err());
        assert!(check_display_name("a\u{7}b").is_err());
        assert!(check_display_name(&"名".repeat(41)).is_err());
    }

    #[test]
    fn the_throttle_blocks_after_the_limit_until_the_window_ends() {
        let throttle = LoginThrottle::new(5, Duration::from_secs(900));
        let start = Instant::now();
        for i in 0..5 {
            assert_eq!(throttle.blocked("lin", start), None, "attempt {i}");
            throttle.record_failure("lin", start + Duration::from_secs(i));
        }
        let wait = throttle
            .blocked("lin", start + Duration::from_secs(10))
            .expect("blocked after five failures");
        assert_eq!(wait, Duration::from_secs(890));
        // Other logins are not affected.
        assert_eq!(throttle.blocked("wei", start), None);
        // The window ends 15 minutes after the first failure.
        assert_eq!(
            throttle.blocked("lin", start + Duration::from_secs(900)),
            None
        );
        // A new failure after the window starts counting again.
        throttle.record_failure("lin", start + Duration::from_secs(901));
        assert_eq!(
            throttle.blocked("lin", start + Duration::from_secs(902)),
            None
        );
        // A successful login forgets the failures.
        for _ in 0..5 {
            throttle.record_failure("wei", start);
        }
        assert!(throttle.blocked("wei", start).is_some());
        throttle.clear("wei");
        assert_eq!(throttle.blocked("wei", start), None);
    }
}
