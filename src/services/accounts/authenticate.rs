//! The one question every request asks: whose credential is this? A session cookie and an API token
//! are two keys to the same `users` row; both end with a disabled user, and both are looked up by
//! the sha256 of a random secret, never by the secret itself.

use chrono::NaiveDateTime;

use super::AccountError;
use crate::db::{DbConn, users};

/// What a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The login token inside the session cookie.
    Session(String),
    /// An `Authorization: Bearer` API token.
    Token(String),
}

/// How the user got in, which decides what else the request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A browser login: the server-side session's id (logout and "log out everywhere" use it).
    Session(i32),
    /// An API token; a read-only one may not change anything.
    Token { read_only: bool },
}

/// A credential that checked out.
#[derive(Debug)]
pub struct Authenticated {
    pub user: users::User,
    pub via: Via,
}

/// The user behind `credential` at `now`, or `None` when it is unknown, expired, revoked or its
/// user is disabled. Either way the caller answers the same, so a probe learns nothing more.
pub fn authenticate(
    conn: &mut DbConn<'_>,
    credential: &Credential,
    now: NaiveDateTime,
) -> Result<Option<Authenticated>, AccountError> {
    Ok(match credential {
        Credential::Session(token) => super::login::session_user(conn, token, now)?
            .map(|(user, session_id)| Authenticated { user, via: Via::Session(session_id) }),
        Credential::Token(token) => super::tokens::token_user(conn, token, now)?.map(|found| {
            Authenticated { user: found.user, via: Via::Token { read_only: found.read_only } }
        }),
    })
}
