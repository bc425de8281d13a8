//! What a login session holds, on top of actix-session's encrypted cookie.
//!
//! The cookie is private (encrypted and signed), HttpOnly and SameSite=Lax. Its Max-Age expires it
//! in the browser, and `issued_at` expires it on the server too, so a copied cookie stops working.

use actix_session::Session;

use super::tokens::random_token;

const USER_ID: &str = "uid";
const ISSUED_AT: &str = "iat";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// A one-shot message shown on the next page.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Flash {
    /// `success`, `info` or `error`.
    pub level: String,
    /// The text (escaped when rendered).
    pub message: String,
}

/// Starts a login: a fresh session id and CSRF token, against session fixation.
pub fn begin(session: &Session, user_id: i32) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.insert(USER_ID, user_id)?;
    session.insert(ISSUED_AT, chrono::Utc::now().timestamp())?;
    session.insert(CSRF, random_token(""))?;
    Ok(())
}

/// Ends a login.
pub fn end(session: &Session) {
    session.purge();
}

/// The logged-in user id, if the session has one that has not outlived `ttl_secs`.
pub fn user_id(session: &Session, ttl_secs: u64) -> Option<i32> {
    let uid = session.get::<i32>(USER_ID).ok().flatten()?;
    let issued = session.get::<i64>(ISSUED_AT).ok().flatten()?;
    let age = chrono::Utc::now().timestamp().saturating_sub(issued);
    if age < 0 || age as u64 >= ttl_secs {
        session.purge();
        return None;
    }
    Some(uid)
}

/// The session's CSRF token, created on first use (the login form needs one before any login).
pub fn csrf_token(session: &Session) -> String {
    if let Ok(Some(token)) = session.get::<String>(CSRF) {
        return token;
    }
    let token = random_token("");
    // If the insert fails the form simply fails its CSRF check later; nothing is exposed.
    let _ = session.insert(CSRF, &token);
    token
}

/// The stored CSRF token without creating one.
pub fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF).ok().flatten()
}

/// Queues a message for the next page.
pub fn flash(session: &Session, level: &str, message: impl Into<String>) {
    let mut all = session.get::<Vec<Flash>>(FLASH).ok().flatten().unwrap_or_default();
    all.push(Flash { level: level.to_string(), message: message.into() });
    let _ = session.insert(FLASH, all);
}

/// Takes the queued messages.
pub fn take_flashes(session: &Session) -> Vec<Flash> {
    session.remove_as::<Vec<Flash>>(FLASH).and_then(Result::ok).unwrap_or_default()
}
