//! The account page's view: one's open sessions and API tokens.

use chrono::NaiveDateTime;

use super::AccountError;
use crate::db::{DbConn, api_tokens, sessions};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    ReadOnly,
    ReadWrite,
}

/// An open session, as listed.
#[derive(Debug, serde::Serialize)]
pub struct SessionView {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub user_agent: String,
    /// The session showing the page.
    pub current: bool,
}

/// A token, as listed (never its secret).
#[derive(Debug, serde::Serialize)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub expired: bool,
    pub scope: TokenScope,
}

/// Everything the account page lists.
#[derive(Debug, serde::Serialize)]
pub struct AccountOverview {
    pub sessions: Vec<SessionView>,
    pub tokens: Vec<TokenView>,
}

/// The open sessions and the tokens of `user_id`; `current_session` is marked.
pub fn overview(
    conn: &mut DbConn<'_>,
    user_id: i32,
    current_session: Option<i32>,
) -> Result<AccountOverview, AccountError> {
    let now = crate::db::now();
    let sessions = sessions::live_for_user(conn, user_id, now)?
        .into_iter()
        .map(|s| SessionView {
            current: Some(s.id) == current_session,
            id: s.id,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
        })
        .collect();
    let tokens = api_tokens::for_user(conn, user_id)?
        .into_iter()
        .map(|t| TokenView {
            expired: t.expires_at.is_some_and(|e| e <= now),
            scope: if t.read_only { TokenScope::ReadOnly } else { TokenScope::ReadWrite },
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
        })
        .collect();
    Ok(AccountOverview { sessions, tokens })
}
