//! Logging in and out: password checks in equal time, server-side session records, and the
//! audit of every attempt.

use std::net::IpAddr;

use chrono::{NaiveDateTime, TimeDelta};

use super::{AccountError, AccountEvent, audit, user_subject};
use crate::auth::{password, tokens};
use crate::db::{DbConn, DbPool, sessions, users};

/// `last_seen_at` is refreshed at most this often, so reading a page is not a write each time.
const SEEN_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// What a browser sends to log in, and where from.
#[derive(Debug)]
pub struct LoginAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client address (after `trusted_proxies`), for the audit log.
    pub address: IpAddr,
    pub user_agent: &'a str,
}

/// A successful login: the user, and the token the session cookie must carry (shown only there).
#[derive(Debug)]
pub struct LoginOk {
    pub user: users::User,
    pub token: String,
}

fn failure_reason(user: Option<&users::User>, password_ok: bool) -> Option<&'static str> {
    match user {
        None => Some("unknown e-mail"),
        Some(_) if !password_ok => Some("wrong password"),
        Some(u) if u.disabled => Some("account disabled"),
        Some(_) => None,
    }
}

/// Checks a login and opens a session lasting `ttl_secs`.
///
/// argon2 runs for every attempt, against a dummy hash when no one has the e-mail, and before
/// the disabled flag is looked at, so unknown e-mails, wrong passwords and disabled accounts all
/// take the same time and give the same answer. Every failure is audited with its real reason.
pub fn login(
    pool: &DbPool,
    attempt: &LoginAttempt<'_>,
    ttl_secs: u64,
) -> Result<LoginOk, AccountError> {
    let email: String = attempt.email.trim().to_lowercase().chars().take(254).collect();
    let user = pool.run(|c| users::find_by_email(c, &email).map_err(AccountError::from))?;
    let hash = user.as_ref().map_or(password::dummy_hash(), |u| u.password_hash.as_str());
    let password_ok = password::verify(attempt.password, hash);
    let from = format!("from {}", attempt.address);
    let reason = failure_reason(user.as_ref(), password_ok);
    match (user, reason) {
        (Some(user), None) => pool.run(|c| {
            let now = crate::db::now();
            let token = tokens::random_token("");
            let user_agent: String = attempt.user_agent.chars().take(200).collect();
            let expires_at = TimeDelta::try_seconds(i64::try_from(ttl_secs).unwrap_or(i64::MAX))
                .and_then(|ttl| now.checked_add_signed(ttl))
                .unwrap_or(NaiveDateTime::MAX);
            c.transaction(|tx| {
                // Logins are rare next to page views: a good moment to drop ended sessions.
                sessions::delete_expired(tx, now)?;
                sessions::insert(
                    tx,
                    &sessions::NewSession {
                        user_id: user.id,
                        token_hash: &tokens::token_hash(&token),
                        created_at: now,
                        last_seen_at: now,
                        expires_at,
                        user_agent: &user_agent,
                    },
                )?;
                audit(tx, Some(user.id), AccountEvent::Login, &user_subject(user.id), &from)
            })?;
            Ok(LoginOk { user, token })
        }),
        (user, reason) => {
            let subject = user.as_ref().map_or(format!("email:{email}"), |u| user_subject(u.id));
            let detail = format!("{} {from}", reason.unwrap_or("refused"));
            pool.run(|c| audit(c, None, AccountEvent::LoginFailed, &subject, &detail))?;
            Err(AccountError::InvalidCredentials)
        }
    }
}

/// The user and session id behind a session cookie's token, if that session is still open and
/// its user enabled. Sessions found expired are deleted on the way.
pub fn session_user(
    conn: &mut DbConn<'_>,
    token: &str,
    now: NaiveDateTime,
) -> Result<Option<(users::User, i32)>, AccountError> {
    let Some(row) = sessions::find_by_hash(conn, &tokens::token_hash(token))? else {
        return Ok(None);
    };
    if row.expires_at <= now {
        sessions::delete(conn, row.id)?;
        return Ok(None);
    }
    let user = users::find(conn, row.user_id)?;
    if user.disabled {
        sessions::delete_for_user(conn, user.id, None)?;
        return Ok(None);
    }
    if now.signed_duration_since(row.last_seen_at) > SEEN_RESOLUTION {
        let since = now.checked_sub_signed(SEEN_RESOLUTION).unwrap_or(now);
        sessions::touch(conn, row.id, now, since)?;
    }
    Ok(Some((user, row.id)))
}

/// Ends the session whose cookie carries `token`.
pub fn logout(conn: &mut DbConn<'_>, user_id: i32, token: &str) -> Result<(), AccountError> {
    conn.transaction(|tx| {
        sessions::delete_by_hash(tx, &tokens::token_hash(token))?;
        audit(tx, Some(user_id), AccountEvent::Logout, &user_subject(user_id), "")
    })
}

/// "Log out everywhere": ends every session of the user, this one included; returns how many.
pub fn end_all_sessions(conn: &mut DbConn<'_>, user_id: i32) -> Result<usize, AccountError> {
    conn.transaction(|tx| {
        let ended = sessions::delete_for_user(tx, user_id, None)?;
        let detail = format!("{ended} sessions");
        audit(tx, Some(user_id), AccountEvent::LogoutEverywhere, &user_subject(user_id), &detail)?;
        Ok(ended)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(disabled: bool) -> users::User {
        users::User {
            id: 1,
            email: "a@b.c".into(),
            password_hash: String::new(),
            role: "viewer".into(),
            disabled,
            created_at: crate::db::now(),
            workspace_id: 1,
        }
    }

    #[test]
    fn a_disabled_account_fails_only_after_the_password_check() {
        assert_eq!(failure_reason(None, true), Some("unknown e-mail"));
        assert_eq!(failure_reason(Some(&user(false)), false), Some("wrong password"));
        assert_eq!(failure_reason(Some(&user(true)), false), Some("wrong password"));
        assert_eq!(failure_reason(Some(&user(true)), true), Some("account disabled"));
        assert_eq!(failure_reason(Some(&user(false)), true), None);
    }
}
