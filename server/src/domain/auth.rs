//! Who is calling: user sessions and device tokens, passwords, roles and the
//! checks every route makes.
//!
//! Tokens are random 256-bit strings, shown once and stored only as SHA-256
//! hashes. User session tokens start with `wws_`, device tokens with `wwd_`,
//! so a lookup needs one indexed query. Tokens are read from the
//! `Authorization` header; only live streams (a browser cannot set headers
//! on a websocket) also take `?token=` ([`StreamAuth`]). Passwords are
//! hashed with argon2id on a blocking thread (it is deliberately slow).
//!
//! Sign-in is limited three ways ([`LoginLimiter`]): per client address
//! (`ratelimit::rate_key`: IPv6 per /64; the forwarded address behind a
//! trusted proxy), per user
//! name and address with `governor`, and per account across all addresses
//! with a growing lock-out after repeated wrong passwords.

use std::net::IpAddr;
use std::num::NonZeroU32;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::{AppError, Result};
use crate::events::Actor;
use crate::store::{Exec, q};

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, on every branch.
    Admin,
    /// Configuration, users and reports of one branch.
    Manager,
    /// Serves visitors at a desk of one branch.
    Clerk,
}

impl Role {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Clerk => "clerk",
        }
    }

    /// Parses the stored form.
    ///
    /// # Errors
    /// Anything but admin, manager, clerk.
    pub fn parse(s: &str) -> Result<Role> {
        match s {
            "admin" => Ok(Role::Admin),
            "manager" => Ok(Role::Manager),
            "clerk" => Ok(Role::Clerk),
            other => Err(AppError::invalid(format!(
                "role must be admin, manager or clerk, not {other:?}"
            ))),
        }
    }
}

/// Device kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Issues tickets for its branch.
    Kiosk,
    /// Reads its branch's live state.
    Display,
}

impl DeviceKind {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Kiosk => "kiosk",
            DeviceKind::Display => "display",
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in user.
    User {
        /// User id.
        id: i64,
        /// Role.
        role: Role,
        /// Home branch; `None` for admins.
        branch_id: Option<i64>,
    },
    /// A kiosk or display.
    Device {
        /// Device id.
        id: i64,
        /// Kiosk or display.
        kind: DeviceKind,
        /// The one branch it belongs to.
        branch_id: i64,
    },
}

const FORBIDDEN_BRANCH: &str = "you have no access to this branch";

impl Principal {
    /// The actor recorded on events.
    pub fn actor(&self) -> Actor {
        match self {
            Principal::User { id, .. } => Actor::User(*id),
            Principal::Device { id, .. } => Actor::Device(*id),
        }
    }

    /// The user id, for users.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Principal::User { id, .. } => Some(*id),
            Principal::Device { .. } => None,
        }
    }

    /// Whether this is an admin.
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            Principal::User {
                role: Role::Admin,
                ..
            }
        )
    }

    /// Admins only.
    ///
    /// # Errors
    /// Forbidden for everyone else.
    pub fn require_admin(&self) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("only an admin may do this"))
        }
    }

    fn user_in_branch(&self, branch_id: i64, roles: &[Role]) -> bool {
        match self {
            Principal::User {
                role: Role::Admin, ..
            } => true,
            Principal::User {
                role,
                branch_id: home,
                ..
            } => *home == Some(branch_id) && roles.contains(role),
            Principal::Device { .. } => false,
        }
    }

    /// Admins, and managers of the branch: configuration and reports.
    ///
    /// # Errors
    /// Forbidden otherwise.
    pub fn require_manager(&self, branch_id: i64) -> Result<()> {
        if self.user_in_branch(branch_id, &[Role::Manager]) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "only a manager of this branch may do this",
            ))
        }
    }

    /// Staff of the branch (admin, manager, clerk): desk work.
    ///
    /// # Errors
    /// Forbidden otherwise.
    pub fn require_staff(&self, branch_id: i64) -> Result<()> {
        if self.user_in_branch(branch_id, &[Role::Manager, Role::Clerk]) {
            Ok(())
        } else {
            Err(AppError::Forbidden(FORBIDDEN_BRANCH))
        }
    }

    /// Staff of the branch or one of its kiosks: issuing tickets.
    ///
    /// # Errors
    /// Forbidden otherwise.
    pub fn require_issuer(&self, branch_id: i64) -> Result<()> {
        match self {
            Principal::Device {
                kind: DeviceKind::Kiosk,
                branch_id: home,
                ..
            } if *home == branch_id => Ok(()),
            Principal::Device { .. } => Err(AppError::Forbidden(
                "only a kiosk of this branch may issue tickets",
            )),
            _ => self.require_staff(branch_id),
        }
    }

    /// Anyone belonging to the branch, devices included: reading live state.
    ///
    /// # Errors
    /// Forbidden otherwise.
    pub fn require_reader(&self, branch_id: i64) -> Result<()> {
        match self {
            Principal::Device {
                branch_id: home, ..
            } if *home == branch_id => Ok(()),
            Principal::Device { .. } => Err(AppError::Forbidden(FORBIDDEN_BRANCH)),
            _ => self.require_staff(branch_id),
        }
    }
}

/// Creates a new random token with the given prefix.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// Hex SHA-256 of a token, the only form stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether new passwords are hashed at the smallest cost (tests only; see
/// `Config::cheap_password_hashing`). Set once at start-up.
static CHEAP_HASHING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Hashes new passwords at argon2's smallest cost from now on, in this
/// process. For test servers only.
pub fn use_cheap_password_hashing() {
    CHEAP_HASHING.store(true, std::sync::atomic::Ordering::Relaxed);
}

fn hasher() -> Argon2<'static> {
    if CHEAP_HASHING.load(std::sync::atomic::Ordering::Relaxed) {
        let params =
            argon2::Params::new(argon2::Params::MIN_M_COST, 1, 1, None).unwrap_or_default();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        Argon2::default()
    }
}

/// Hashes a password with argon2id on a blocking thread.
///
/// # Errors
/// Internal errors from the hasher.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::internal(e.to_string()))?;
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::internal(e.to_string()))?
}

/// Checks a password against a stored argon2 hash on a blocking thread.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Passwords of at least [`MIN_PASSWORD_CHARS`] characters that are among
/// the most common in published breach corpora (shorter ones are refused
/// by length anyway). Compared without case.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0123456789",
    "0987654321",
    "1111111111",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "asdfghjkl1",
    "zxcvbnm123",
    "password12",
    "password123",
    "password1234",
    "password1!",
    "password!1",
    "passw0rd123",
    "p@ssw0rd123",
    "iloveyou12",
    "iloveyou123",
    "princess123",
    "sunshine123",
    "football123",
    "baseball123",
    "welcome123",
    "welcome1234",
    "changeme123",
    "letmein123",
    "administrator",
    "admin12345",
    "admin123456",
    "adminadmin",
    "superman123",
    "michael123",
    "monkey1234",
    "dragon1234",
    "trustno1234",
    "abcdefghij",
    "abc1234567",
    "abcd123456",
    "aa12345678",
    "a123456789",
    "q1w2e3r4t5",
    "q1w2e3r4t5y6",
    "1q2w3e4r5t6y",
    "zaq12wsxcde3",
    "qazwsxedcrfv",
    "passwordpassword",
    "waitwell123",
];

/// Checks a new password's strength: 10 to 256 characters, not one of the
/// most common passwords, not a single repeated character.
///
/// # Errors
/// A message saying which rule the password breaks.
pub fn validate_password(password: &str) -> Result<()> {
    let len = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=256).contains(&len) {
        return Err(AppError::invalid(format!(
            "password must be {MIN_PASSWORD_CHARS} to 256 characters long"
        )));
    }
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if COMMON_PASSWORDS.contains(&lower.as_str()) || chars.all(|c| Some(c) == first) {
        return Err(AppError::invalid(
            "this password is one of the most common ones: choose another",
        ));
    }
    Ok(())
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct SessionRow {
    user_id: i64,
    role: String,
    branch_id: Option<i64>,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
struct DeviceRow {
    id: i64,
    kind: String,
    branch_id: i64,
}

/// Resolves a bearer token.
///
/// # Errors
/// Unauthorized for unknown, expired, revoked or deactivated tokens.
pub async fn authenticate<C: Exec>(c: &mut C, token: &str, now: i64) -> Result<Principal> {
    let hash = token_hash(token);
    if token.starts_with("wws_") {
        let row: Option<SessionRow> = c
            .opt(
                q("select u.id as user_id, u.role, u.branch_id from sessions s
                   join users u on u.id = s.user_id
                   left join branches b on b.id = u.branch_id
                   where s.token_hash = $1 and s.expires_at > $2 and s.revoked_at is null
                     and u.active = $3 and (u.branch_id is null or b.active = $3)")
                .bind(hash)
                .bind(now)
                .bind(true),
            )
            .await?;
        let row = row.ok_or(AppError::Unauthorized)?;
        Ok(Principal::User {
            id: row.user_id,
            role: Role::parse(&row.role).map_err(|_| AppError::Unauthorized)?,
            branch_id: row.branch_id,
        })
    } else if token.starts_with("wwd_") {
        let row: Option<DeviceRow> = c
            .opt(
                q("select d.id, d.kind, d.branch_id from devices d join branches b on b.id = d.branch_id
                   where d.token_hash = $1 and d.active = $2 and b.active = $2")
                .bind(hash)
                .bind(true),
            )
            .await?;
        let row = row.ok_or(AppError::Unauthorized)?;
        let kind = match row.kind.as_str() {
            "kiosk" => DeviceKind::Kiosk,
            "display" => DeviceKind::Display,
            _ => return Err(AppError::Unauthorized),
        };
        Ok(Principal::Device {
            id: row.id,
            kind,
            branch_id: row.branch_id,
        })
    } else {
        Err(AppError::Unauthorized)
    }
}

/// Wrong passwords one account may take, from any addresses, before it is
/// locked out for a while.
pub const ACCOUNT_FREE_FAILURES: u32 = 20;
/// The first lock-out; each further wrong password doubles it.
pub const ACCOUNT_FIRST_LOCK_S: u64 = 30;
/// The longest lock-out.
pub const ACCOUNT_MAX_LOCK_S: u64 = 3600;
/// Failures older than this are forgotten.
const ACCOUNT_MEMORY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Wrong-password history of one account.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: std::time::Instant,
    locked_until: Option<std::time::Instant>,
}

/// Limits login attempts: per address, per user name and address, and per
/// account across all addresses.
pub struct LoginLimiter {
    /// Attempts from one address (any user name).
    by_addr: DefaultKeyedRateLimiter<IpAddr>,
    /// Attempts for one user name from one address.
    by_user: DefaultKeyedRateLimiter<(String, IpAddr)>,
    /// Wrong passwords per user name (lowercase), from any address. A
    /// std mutex: held for a map lookup, never across an await.
    failures: std::sync::Mutex<std::collections::HashMap<String, Failures>>,
}

impl LoginLimiter {
    /// `per_user_per_minute` attempts for one user from one address, five
    /// times as many from one address overall.
    pub fn new(per_user_per_minute: u32) -> LoginLimiter {
        let per_user = NonZeroU32::new(per_user_per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        let per_addr = per_user.saturating_mul(NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN));
        LoginLimiter {
            by_addr: RateLimiter::keyed(Quota::per_minute(per_addr)),
            by_user: RateLimiter::keyed(Quota::per_minute(per_user)),
            failures: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Counts one attempt.
    ///
    /// # Errors
    /// TooManyRequests with the seconds to wait.
    pub fn check(&self, username: &str, addr: IpAddr) -> Result<()> {
        let clock = governor::clock::DefaultClock::default();
        let wait = |not_until: governor::NotUntil<governor::clock::QuantaInstant>| {
            use governor::clock::Clock as _;
            not_until.wait_time_from(clock.now()).as_secs().max(1)
        };
        let key = crate::domain::ratelimit::rate_key(addr);
        let name = username.to_lowercase();
        if let Some(until) = self.locked_until(&name) {
            let left = until.saturating_duration_since(std::time::Instant::now());
            return Err(AppError::TooManyRequests(left.as_secs().max(1)));
        }
        self.by_addr
            .check_key(&key)
            .map_err(|n| AppError::TooManyRequests(wait(n)))?;
        self.by_user
            .check_key(&(name, key))
            .map_err(|n| AppError::TooManyRequests(wait(n)))?;
        Ok(())
    }

    fn locked_until(&self, name: &str) -> Option<std::time::Instant> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let until = map.get(name)?.locked_until?;
        (until > std::time::Instant::now()).then_some(until)
    }

    /// Records a wrong password for `username`; past
    /// [`ACCOUNT_FREE_FAILURES`] the account is locked out, for
    /// [`ACCOUNT_FIRST_LOCK_S`] doubling with each further failure.
    pub fn failed(&self, username: &str) {
        let now = std::time::Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(username.to_lowercase()).or_insert(Failures {
            count: 0,
            last: now,
            locked_until: None,
        });
        if now.duration_since(entry.last) > ACCOUNT_MEMORY {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
        if entry.count >= ACCOUNT_FREE_FAILURES {
            let doublings = (entry.count - ACCOUNT_FREE_FAILURES).min(16);
            let lock = ACCOUNT_FIRST_LOCK_S
                .saturating_mul(1 << doublings)
                .min(ACCOUNT_MAX_LOCK_S);
            entry.locked_until = Some(now + std::time::Duration::from_secs(lock));
        }
    }

    /// Forgets an account's wrong passwords after a successful sign-in.
    pub fn succeeded(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&username.to_lowercase());
    }

    /// Drops state for keys that have fully recovered (called periodically).
    pub fn shrink(&self) {
        self.by_addr.retain_recent();
        self.by_user.retain_recent();
        let now = std::time::Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, f| {
            now.duration_since(f.last) <= ACCOUNT_MEMORY || f.locked_until.is_some_and(|u| u > now)
        });
    }
}

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Bearer token for `Authorization: Bearer …`. Shown once.
    pub token: String,
    /// When the token stops working, ms since the epoch.
    pub expires_at: i64,
    /// The signed-in user.
    pub user: crate::domain::users::User,
}

/// What signing in checks a password against.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct Credentials {
    pub(crate) id: i64,
    pub(crate) password_hash: String,
}

/// The credentials of an active user of an open branch (or an admin), by
/// user name.
///
/// # Errors
/// Database errors.
pub(crate) async fn credentials<C: Exec>(c: &mut C, username: &str) -> Result<Option<Credentials>> {
    Ok(c.opt(
        q(
            "select u.id, u.password_hash from users u left join branches b on b.id = u.branch_id
           where u.username = $1 and u.active = $2 and (u.branch_id is null or b.active = $2)",
        )
        .bind(username)
        .bind(true),
    )
    .await?)
}

/// Starts a session: its token's hash, valid until `expires_at`.
///
/// # Errors
/// Database errors.
pub(crate) async fn open_session<C: Exec>(
    c: &mut C,
    token_hash: String,
    user_id: i64,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    c.run(
        q("insert into sessions (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(user_id)
            .bind(now)
            .bind(expires_at),
    )
    .await?;
    Ok(())
}

/// Ends the session with this token hash.
///
/// # Errors
/// Database errors.
pub(crate) async fn close_session<C: Exec>(c: &mut C, token_hash: String, now: i64) -> Result<()> {
    c.run(
        q("update sessions set revoked_at = $2 where token_hash = $1 and revoked_at is null")
            .bind(token_hash)
            .bind(now),
    )
    .await?;
    Ok(())
}
