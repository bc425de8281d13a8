//! Accounts: users, logins and server-side sessions, passwords, API tokens, and the audit trail
//! of each of those actions. No HTTP types here; routes call one function per request.

mod admin;
mod authenticate;
mod login;
mod overview;
mod passwords;
mod tokens;

pub use admin::{
    UsersPage, WorkspaceChoice, change_role, list_users, set_disabled, set_disabled_by_email,
};
pub use authenticate::{Authenticated, Credential, Via, authenticate};
pub use login::{LoginAttempt, LoginOk, end_all_sessions, login, logout};
pub use overview::{AccountOverview, SessionView, TokenScope, TokenView, overview};
pub use passwords::{NewPassword, PasswordReset, change_password, reset_password};
pub use tokens::{
    IssuedToken, MAX_EXPIRY_DAYS, TokenSpec, create_token, issue_token, issue_token_for_email,
    revoke_token,
};

use crate::auth::{Role, password};
use crate::db::{DbConn, audit_log, users};

/// Errors of account operations.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The e-mail is not plausible.
    #[error("`{0}` is not a valid e-mail address")]
    InvalidEmail(String),
    /// The password is too short or too long.
    #[error(
        "the password must have {min} to {max} characters",
        min = password::MIN_PASSWORD_LEN,
        max = password::MAX_PASSWORD_LEN
    )]
    WeakPassword,
    /// The new password and its confirmation differ.
    #[error("the new password and its confirmation differ")]
    PasswordMismatch,
    /// The current password given to change it is wrong.
    #[error("the current password is wrong")]
    WrongCurrentPassword,
    /// Someone already uses that e-mail.
    #[error("a user with e-mail {0} already exists")]
    EmailTaken(String),
    /// Wrong e-mail or password, or a disabled account (deliberately not saying which).
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    /// No user with this e-mail.
    #[error("no user with e-mail {0}")]
    UnknownUser(String),
    /// No user with this id.
    #[error("no user #{0}")]
    NoSuchUser(i32),
    /// No token with this id among the caller's.
    #[error("no API token #{0} of yours")]
    NoSuchToken(i32),
    /// A token's name or expiry is out of range.
    #[error("{0}")]
    InvalidToken(String),
    /// No workspace with this id.
    #[error("no workspace #{0}")]
    NoSuchWorkspace(i32),
    /// A new workspace's name is empty, too long, or already taken.
    #[error("{0}")]
    InvalidWorkspace(String),
    /// An admin action on oneself that would lock the admin out.
    #[error("{0}")]
    SelfLockout(String),
    /// Hashing failed.
    #[error(transparent)]
    Hash(#[from] password::HashError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(e.into())
    }
}

impl From<AccountError> for crate::error::AppError {
    fn from(e: AccountError) -> Self {
        use crate::error::AppError;
        match e {
            AccountError::InvalidEmail(_)
            | AccountError::WeakPassword
            | AccountError::PasswordMismatch
            | AccountError::InvalidToken(_)
            | AccountError::InvalidWorkspace(_) => AppError::BadRequest(e.to_string()),
            AccountError::WrongCurrentPassword => AppError::Forbidden(e.to_string()),
            AccountError::EmailTaken(_) | AccountError::SelfLockout(_) => {
                AppError::Conflict(e.to_string())
            }
            AccountError::InvalidCredentials => AppError::Unauthorized,
            AccountError::UnknownUser(_)
            | AccountError::NoSuchUser(_)
            | AccountError::NoSuchToken(_)
            | AccountError::NoSuchWorkspace(_) => AppError::NotFound(e.to_string()),
            AccountError::Hash(h) => AppError::internal(h),
            AccountError::Db(d) => d.into(),
        }
    }
}

/// What the audit log records about accounts; the stored names are spelled only here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEvent {
    Login,
    LoginFailed,
    Logout,
    LogoutEverywhere,
    PasswordChange,
    PasswordReset,
    UserCreate,
    WorkspaceCreate,
    UserRole,
    UserDisable,
    UserEnable,
    TokenCreate,
    TokenRevoke,
}

impl AccountEvent {
    /// The `audit_log.action` value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountEvent::Login => "login",
            AccountEvent::LoginFailed => "login.failed",
            AccountEvent::Logout => "logout",
            AccountEvent::LogoutEverywhere => "session.revoke_all",
            AccountEvent::PasswordChange => "user.password_change",
            AccountEvent::PasswordReset => "user.password_reset",
            AccountEvent::UserCreate => "user.create",
            AccountEvent::WorkspaceCreate => "workspace.create",
            AccountEvent::UserRole => "user.role",
            AccountEvent::UserDisable => "user.disable",
            AccountEvent::UserEnable => "user.enable",
            AccountEvent::TokenCreate => "token.create",
            AccountEvent::TokenRevoke => "token.revoke",
        }
    }
}

/// Appends an account event; `actor` is who did it (`None`: the CLI or an anonymous visitor).
fn audit(
    conn: &mut DbConn<'_>,
    actor: Option<i32>,
    event: AccountEvent,
    subject: &str,
    detail: &str,
) -> Result<(), AccountError> {
    Ok(audit_log::record(conn, actor, event.as_str(), subject, detail)?)
}

fn user_subject(id: i32) -> String {
    format!("user:{id}")
}

fn normalize_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace)
        });
    if plausible { Ok(email) } else { Err(AccountError::InvalidEmail(email)) }
}

fn check_new_password(plain: &str) -> Result<(), AccountError> {
    let n = plain.chars().count();
    if (password::MIN_PASSWORD_LEN..=password::MAX_PASSWORD_LEN).contains(&n) {
        Ok(())
    } else {
        Err(AccountError::WeakPassword)
    }
}

/// Creates a user with a hashed password in the default workspace, from the CLI or a test (no
/// acting user).
pub fn create_user(
    conn: &mut DbConn<'_>,
    email: &str,
    role: Role,
    plain_password: &str,
) -> Result<users::User, AccountError> {
    create_user_as(conn, None, email, role, plain_password, &WorkspaceChoice::Default)
}

/// Creates a user in `workspace` on behalf of `actor` (the admin who asked), recorded in the
/// audit log.
pub fn create_user_as(
    conn: &mut DbConn<'_>,
    actor: Option<i32>,
    email: &str,
    role: Role,
    plain_password: &str,
    workspace: &WorkspaceChoice,
) -> Result<users::User, AccountError> {
    let email = normalize_email(email)?;
    check_new_password(plain_password)?;
    if users::find_by_email(conn, &email)?.is_some() {
        return Err(AccountError::EmailTaken(email));
    }
    let hash = password::hash(plain_password)?;
    conn.transaction(|tx| {
        let ws = admin::resolve_workspace(tx, actor, workspace)?;
        let user = users::insert(
            tx,
            &users::NewUser {
                email: &email,
                password_hash: &hash,
                role: role.as_str(),
                created_at: crate::db::now(),
                workspace_id: ws.0,
            },
        )?;
        audit(tx, actor, AccountEvent::UserCreate, &user_subject(user.id), role.as_str())?;
        Ok(user)
    })
}

/// The demo admin's e-mail.
pub const DEMO_ADMIN_EMAIL: &str = "admin@liftmask.local";

/// Creates the demo admin when the database has no users; returns its new password, once.
pub fn ensure_demo_admin(conn: &mut DbConn<'_>) -> Result<Option<String>, AccountError> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let password = passwords::generated_password();
    create_user(conn, DEMO_ADMIN_EMAIL, Role::Admin, &password)?;
    Ok(Some(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(normalize_email(" Ann@Example.COM ").unwrap(), "ann@example.com");
        assert!(normalize_email("no-at-sign").is_err());
        assert!(normalize_email("a b@c.d").is_err());
        assert!(normalize_email("@c.d").is_err());
    }

    #[test]
    fn new_passwords_have_bounded_length() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough pass").is_ok());
        assert!(check_new_password(&"x".repeat(password::MAX_PASSWORD_LEN + 1)).is_err());
    }
}
