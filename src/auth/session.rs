//! What the session cookie holds: the login's random token, the CSRF token and flash messages.
//!
//! The cookie is private (encrypted and signed), HttpOnly and SameSite=Lax. It does not say who
//! is logged in: it carries a random token whose sha256 keys a row of the `sessions` table, so
//! deleting that row (logout, "log out everywhere", a password change, disabling the user) ends
//! the login even for a copy of the cookie taken earlier.

use actix_session::Session;

use super::tokens::random_token;

const LOGIN_TOKEN: &str = "sid";
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

/// Starts a login: a fresh cookie session and CSRF token (against session fixation), holding
/// `login_token`, whose hash the `sessions` table already has.
pub fn begin(
    session: &Session,
    login_token: &str,
) -> Result<(), actix_session::SessionInsertError> {
    session.renew();
    session.insert(LOGIN_TOKEN, login_token)?;
    session.insert(CSRF, random_token(""))?;
    Ok(())
}

/// Forgets everything the cookie held.
pub fn end(session: &Session) {
    session.purge();
}

/// The login token, if the cookie carries one (whether it is still valid is the database's say).
pub fn login_token(session: &Session) -> Option<String> {
    session.get::<String>(LOGIN_TOKEN).ok().flatten()
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
