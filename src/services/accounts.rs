//! Accounts: creating users, checking passwords, issuing API tokens.

use crate::auth::{Role, password, tokens};
use crate::db::{DbConn, DbPool, api_tokens, audit_log, users};

/// Errors of account operations.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The e-mail is not plausible.
    #[error("`{0}` is not a valid e-mail address")]
    InvalidEmail(String),
    /// The password is too short.
    #[error("the password must have at least {min} characters", min = password::MIN_PASSWORD_LEN)]
    WeakPassword,
    /// Someone already uses that e-mail.
    #[error("a user with e-mail {0} already exists")]
    EmailTaken(String),
    /// Wrong e-mail or password (deliberately not saying which).
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    /// No such user.
    #[error("no user with e-mail {0}")]
    UnknownUser(String),
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
            AccountError::InvalidEmail(_) | AccountError::WeakPassword => {
                AppError::BadRequest(e.to_string())
            }
            AccountError::EmailTaken(_) => AppError::Conflict(e.to_string()),
            AccountError::InvalidCredentials => AppError::Unauthorized,
            AccountError::UnknownUser(_) => AppError::NotFound(e.to_string()),
            AccountError::Hash(h) => AppError::internal(h),
            AccountError::Db(d) => d.into(),
        }
    }
}

fn normalize_email(email: &str) -> Result<String, AccountError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !email.contains(char::is_whitespace)
        });
    if plausible { Ok(email) } else { Err(AccountError::InvalidEmail(email)) }
}

/// Creates a user with a hashed password.
pub fn create_user(
    conn: &mut DbConn<'_>,
    email: &str,
    role: Role,
    plain_password: &str,
) -> Result<users::User, AccountError> {
    let email = normalize_email(email)?;
    if plain_password.chars().count() < password::MIN_PASSWORD_LEN {
        return Err(AccountError::WeakPassword);
    }
    if users::find_by_email(conn, &email)?.is_some() {
        return Err(AccountError::EmailTaken(email));
    }
    let hash = password::hash(plain_password)?;
    let user = users::insert(
        conn,
        &users::NewUser {
            email: &email,
            password_hash: &hash,
            role: role.as_str(),
            created_at: crate::db::now(),
        },
    )?;
    audit_log::record(conn, None, "user.create", &format!("user:{}", user.id), role.as_str())?;
    Ok(user)
}

/// Checks a login. Unknown e-mails cost the same argon2 work as wrong passwords.
pub fn authenticate(
    pool: &DbPool,
    email: &str,
    plain_password: &str,
) -> Result<users::User, AccountError> {
    let user = pool.run(|c| users::find_by_email(c, email).map_err(AccountError::from))?;
    match user {
        Some(u) if !u.disabled && password::verify(plain_password, &u.password_hash) => {
            pool.run(|c| {
                audit_log::record(c, Some(u.id), "login", &format!("user:{}", u.id), "")
                    .map_err(AccountError::from)
            })?;
            Ok(u)
        }
        Some(_) => Err(AccountError::InvalidCredentials),
        None => {
            let _ = password::verify(plain_password, password::dummy_hash());
            Err(AccountError::InvalidCredentials)
        }
    }
}

/// Issues a bearer token for the user with `email`; returns the token, shown once.
pub fn create_token(
    conn: &mut DbConn<'_>,
    email: &str,
    name: &str,
) -> Result<String, AccountError> {
    let user = users::find_by_email(conn, email)?
        .ok_or_else(|| AccountError::UnknownUser(email.to_string()))?;
    let token = tokens::random_token("lm_");
    api_tokens::insert(
        conn,
        &api_tokens::NewApiToken {
            user_id: user.id,
            name,
            token_hash: &tokens::token_hash(&token),
            created_at: crate::db::now(),
        },
    )?;
    audit_log::record(conn, Some(user.id), "token.create", &format!("user:{}", user.id), name)?;
    Ok(token)
}

/// The demo admin's e-mail.
pub const DEMO_ADMIN_EMAIL: &str = "admin@liftmask.local";

/// Creates the demo admin when the database has no users; returns its new password, once.
pub fn ensure_demo_admin(conn: &mut DbConn<'_>) -> Result<Option<String>, AccountError> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let password = tokens::random_token("").chars().take(16).collect::<String>();
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
}
