//! Admin actions on other users: role, disabling and enabling. Each is audited with its actor.

use super::{AccountError, AccountEvent, audit, user_subject};
use crate::auth::Role;
use crate::db::workspaces::{self, Workspace, WorkspaceId};
use crate::db::{DbConn, sessions, users};

/// The workspace a new user joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceChoice {
    /// The default workspace (the CLI, the demo, and forms that name none).
    Default,
    /// An existing workspace, by id.
    Existing(i32),
    /// A new workspace with this name.
    New(String),
}

/// Longest workspace name.
const MAX_WORKSPACE_NAME: usize = 80;

/// The workspace `choice` names, creating a new one (audited with `actor`) when asked. A new
/// workspace whose slug is taken is refused rather than joined, so that a typo cannot put a user
/// into another client's data.
pub(super) fn resolve_workspace(
    conn: &mut DbConn<'_>,
    actor: Option<i32>,
    choice: &WorkspaceChoice,
) -> Result<WorkspaceId, AccountError> {
    match choice {
        WorkspaceChoice::Default => Ok(workspaces::default(conn)?),
        WorkspaceChoice::Existing(id) => match workspaces::find(conn, *id) {
            Ok(w) => Ok(WorkspaceId(w.id)),
            Err(diesel::result::Error::NotFound) => Err(AccountError::NoSuchWorkspace(*id)),
            Err(e) => Err(e.into()),
        },
        WorkspaceChoice::New(name) => {
            let name = name.trim();
            let slug = slug_of(name);
            if slug.is_empty() || name.chars().count() > MAX_WORKSPACE_NAME {
                return Err(AccountError::InvalidWorkspace(format!(
                    "a workspace name needs 1–{MAX_WORKSPACE_NAME} characters with a letter or digit"
                )));
            }
            let created = workspaces::insert(conn, &slug, name)?.ok_or_else(|| {
                AccountError::InvalidWorkspace(format!(
                    "a workspace like `{name}` exists already; pick it from the list"
                ))
            })?;
            audit(
                conn,
                actor,
                AccountEvent::WorkspaceCreate,
                &format!("workspace:{}", created.id),
                name,
            )?;
            Ok(WorkspaceId(created.id))
        }
    }
}

/// Lower-case letters and digits, runs of anything else as one `-`.
fn slug_of(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

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

/// What the admin users page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UsersPage {
    /// Every user, oldest first.
    pub users: Vec<users::User>,
    /// Every workspace, by name: a user's `workspace_id` names one of them.
    pub workspaces: Vec<Workspace>,
}

/// Every user and workspace, for the admin page.
pub fn list_users(conn: &mut DbConn<'_>) -> Result<UsersPage, AccountError> {
    Ok(UsersPage { users: users::list(conn)?, workspaces: workspaces::list(conn)? })
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(super::slug_of("  Acme Coffee, Inc. "), "acme-coffee-inc");
        assert_eq!(super::slug_of("Brand 2"), "brand-2");
        assert_eq!(super::slug_of("--"), "");
    }
}
