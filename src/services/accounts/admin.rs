//! Admin actions on other users: role, disabling and enabling. Each is audited with its actor.

use super::{AccountError, AccountEvent, audit, user_subject};
use crate::auth::Role;
use crate::db::{DbConn, sessions, users};

fn find(conn: &mut DbConn<'_>, id: i32) -> Result<users::User, AccountError> {
    users::find(conn, id).map_err(|e| match e {
        diesel::result::Error::NotFound => AccountError::NoSuchUser(id),
        other => other.into(),
    })
}

/// `actor` gives `target` a new role. Admins cannot demote themselves (no lockout).
pub fn change_role(
    conn: &mut DbConn<'_>,
    actor: i32,
    target: i32,
    role: Role,
) -> Result<users::User, AccountError> {
    if actor == target && role != Role::Admin {
        return Err(AccountError::SelfLockout("you cannot remove your own admin role".into()));
    }
    conn.transaction(|tx| {
        find(tx, target)?;
        users::set_role(tx, target, role.as_str())?;
        audit(tx, Some(actor), AccountEvent::UserRole, &user_subject(target), role.as_str())?;
        find(tx, target)
    })
}

/// `actor` (an admin, or `None` from the CLI) disables or enables `target`. Disabling ends every
/// session of `target` at once; its API tokens stay stored but are refused while it is disabled.
pub fn set_disabled(
    conn: &mut DbConn<'_>,
    actor: Option<i32>,
    target: i32,
    disabled: bool,
) -> Result<users::User, AccountError> {
    if actor == Some(target) && disabled {
        return Err(AccountError::SelfLockout("you cannot disable your own account".into()));
    }
    conn.transaction(|tx| {
        find(tx, target)?;
        users::set_disabled(tx, target, disabled)?;
        let (event, detail) = if disabled {
            let ended = sessions::delete_for_user(tx, target, None)?;
            (AccountEvent::UserDisable, format!("{ended} sessions ended"))
        } else {
            (AccountEvent::UserEnable, String::new())
        };
        audit(tx, actor, event, &user_subject(target), &detail)?;
        find(tx, target)
    })
}

/// [`set_disabled`] from the CLI, by e-mail.
pub fn set_disabled_by_email(
    conn: &mut DbConn<'_>,
    email: &str,
    disabled: bool,
) -> Result<users::User, AccountError> {
    let user = users::find_by_email(conn, email)?
        .ok_or_else(|| AccountError::UnknownUser(email.to_string()))?;
    set_disabled(conn, None, user.id, disabled)
}

/// Every user, oldest first, for the admin page.
pub fn list_users(conn: &mut DbConn<'_>) -> Result<Vec<users::User>, AccountError> {
    Ok(users::list(conn)?)
}
