//! Changing one's own password and admins resetting others'; both end sessions.

use super::{AccountError, AccountEvent, audit, check_new_password, user_subject};
use crate::auth::{password, tokens};
use crate::db::{DbPool, sessions, users};

/// Characters of a generated password (URL-safe base64: about 6 bits each).
const GENERATED_LEN: usize = 20;

/// A random password for a new admin or a reset, shown once.
pub(super) fn generated_password() -> String {
    tokens::random_token("").chars().take(GENERATED_LEN).collect()
}

/// The user changes their own password. `keep_session` (the session making the change) stays
/// open; every other session of the user ends. Returns how many ended.
pub fn change_password(
    pool: &DbPool,
    user_id: i32,
    current: &str,
    new: &str,
    confirm: &str,
    keep_session: Option<i32>,
) -> Result<usize, AccountError> {
    if new != confirm {
        return Err(AccountError::PasswordMismatch);
    }
    check_new_password(new)?;
    let user = pool.run(|c| users::find(c, user_id).map_err(AccountError::from))?;
    if !password::verify(current, &user.password_hash) {
        return Err(AccountError::WrongCurrentPassword);
    }
    let hash = password::hash(new)?;
    pool.run(|c| {
        c.transaction(|tx| {
            users::set_password_hash(tx, user_id, &hash)?;
            let ended = sessions::delete_for_user(tx, user_id, keep_session)?;
            let detail = format!("{ended} other sessions ended");
            audit(
                tx,
                Some(user_id),
                AccountEvent::PasswordChange,
                &user_subject(user_id),
                &detail,
            )?;
            Ok(ended)
        })
    })
}

/// How an admin resets a password.
#[derive(Debug)]
pub enum NewPassword {
    /// Generate one and show it to the admin, once.
    Generate,
    /// Use the one the admin typed.
    Set(String),
}

/// The outcome of a reset.
#[derive(Debug, serde::Serialize)]
pub struct PasswordReset {
    pub email: String,
    /// The generated password, to hand over; `None` when the admin set one.
    pub generated: Option<String>,
    /// Sessions of the user that were ended.
    pub sessions_ended: usize,
}

/// An admin (`actor`) replaces `target`'s password and ends all of `target`'s sessions.
pub fn reset_password(
    pool: &DbPool,
    actor: i32,
    target: i32,
    new: NewPassword,
) -> Result<PasswordReset, AccountError> {
    let (plain, generated) = match new {
        NewPassword::Generate => {
            let p = generated_password();
            (p.clone(), Some(p))
        }
        NewPassword::Set(p) => (p, None),
    };
    check_new_password(&plain)?;
    let hash = password::hash(&plain)?;
    pool.run(|c| {
        c.transaction(|tx| {
            let user = users::find(tx, target).map_err(|e| match e {
                diesel::result::Error::NotFound => AccountError::NoSuchUser(target),
                other => other.into(),
            })?;
            users::set_password_hash(tx, target, &hash)?;
            let ended = sessions::delete_for_user(tx, target, None)?;
            let how = if generated.is_some() { "generated" } else { "set by the admin" };
            let detail = format!("{how}; {ended} sessions ended");
            audit(tx, Some(actor), AccountEvent::PasswordReset, &user_subject(target), &detail)?;
            Ok(PasswordReset { email: user.email, generated, sessions_ended: ended })
        })
    })
}
