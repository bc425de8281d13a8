//! API bearer tokens: issuing (with an optional expiry and a read-only scope), revoking, and
//! resolving a presented token to its user.

use chrono::{NaiveDateTime, TimeDelta};

use super::{AccountError, AccountEvent, audit, user_subject};
use crate::auth::tokens;
use crate::db::{DbConn, api_tokens, users};

/// Longest token lifetime that may be asked for (ten years); beyond it, ask for none.
pub const MAX_EXPIRY_DAYS: u32 = 3650;
const MAX_NAME_CHARS: usize = 100;
/// `last_used_at` is refreshed at most this often, so API calls are not each a write.
const USE_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// What a new token may do and for how long.
#[derive(Debug, Clone, Copy)]
pub struct TokenSpec<'a> {
    pub name: &'a str,
    /// Days until it expires; `None` never expires.
    pub expires_in_days: Option<u32>,
    /// Only safe (GET/HEAD/OPTIONS) calls.
    pub read_only: bool,
}

/// A freshly issued token: the secret, shown this once, and its stored row.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: String,
    pub row: api_tokens::ApiToken,
}

/// The user a presented token acts for.
#[derive(Debug)]
pub struct TokenUser {
    pub user: users::User,
    pub read_only: bool,
}

fn check_spec(spec: &TokenSpec<'_>) -> Result<String, AccountError> {
    let name = spec.name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AccountError::InvalidToken(format!(
            "a token needs a name of 1 to {MAX_NAME_CHARS} printable characters"
        )));
    }
    if let Some(days) = spec.expires_in_days
        && !(1..=MAX_EXPIRY_DAYS).contains(&days)
    {
        return Err(AccountError::InvalidToken(format!(
            "a token expires after 1 to {MAX_EXPIRY_DAYS} days, or never"
        )));
    }
    Ok(name.to_string())
}

/// Issues a token for `user_id` on behalf of `actor` (the user, or `None` from the CLI).
pub fn issue_token(
    conn: &mut DbConn<'_>,
    actor: Option<i32>,
    user_id: i32,
    spec: &TokenSpec<'_>,
) -> Result<IssuedToken, AccountError> {
    let name = check_spec(spec)?;
    let now = crate::db::now();
    let expires_at = spec.expires_in_days.map(|d| {
        now.checked_add_signed(TimeDelta::days(i64::from(d))).unwrap_or(NaiveDateTime::MAX)
    });
    let token = tokens::random_token("lm_");
    conn.transaction(|tx| {
        let row = api_tokens::insert(
            tx,
            &api_tokens::NewApiToken {
                user_id,
                name: &name,
                token_hash: &tokens::token_hash(&token),
                created_at: now,
                expires_at,
                read_only: spec.read_only,
            },
        )?;
        let scope = if spec.read_only { "read-only" } else { "read-write" };
        let expiry = expires_at.map_or("no expiry".to_string(), |e| format!("expires {e}"));
        let detail = format!("#{} {name}; {scope}; {expiry}", row.id);
        audit(tx, actor, AccountEvent::TokenCreate, &user_subject(user_id), &detail)?;
        Ok(IssuedToken { token, row })
    })
}

/// Issues a token for the user with `email` (the CLI's `token create`).
pub fn issue_token_for_email(
    conn: &mut DbConn<'_>,
    email: &str,
    spec: &TokenSpec<'_>,
) -> Result<IssuedToken, AccountError> {
    let user = users::find_by_email(conn, email)?
        .ok_or_else(|| AccountError::UnknownUser(email.to_string()))?;
    issue_token(conn, None, user.id, spec)
}

/// A read-write token without expiry for the user with `email`; returns the token, shown once.
pub fn create_token(
    conn: &mut DbConn<'_>,
    email: &str,
    name: &str,
) -> Result<String, AccountError> {
    let spec = TokenSpec { name, expires_in_days: None, read_only: false };
    Ok(issue_token_for_email(conn, email, &spec)?.token)
}

/// The user revokes one of their own tokens.
pub fn revoke_token(
    conn: &mut DbConn<'_>,
    user_id: i32,
    token_id: i32,
) -> Result<(), AccountError> {
    conn.transaction(|tx| {
        if api_tokens::delete_owned(tx, token_id, user_id)? == 0 {
            return Err(AccountError::NoSuchToken(token_id));
        }
        let detail = format!("#{token_id}");
        audit(tx, Some(user_id), AccountEvent::TokenRevoke, &user_subject(user_id), &detail)
    })
}

/// The user behind a presented bearer token, unless the token is unknown (or revoked), expired,
/// or its user disabled.
pub fn token_user(
    conn: &mut DbConn<'_>,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<TokenUser>, AccountError> {
    let Some(row) = api_tokens::find_by_hash(conn, &tokens::token_hash(token))? else {
        return Ok(None);
    };
    if row.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    let user = users::find(conn, row.user_id)?;
    if user.disabled {
        return Ok(None);
    }
    let stale = row.last_used_at.is_none_or(|t| now.signed_duration_since(t) > USE_RESOLUTION);
    if stale {
        let since = now.checked_sub_signed(USE_RESOLUTION).unwrap_or(now);
        api_tokens::touch(conn, row.id, now, since)?;
    }
    Ok(Some(TokenUser { user, read_only: row.read_only }))
}
