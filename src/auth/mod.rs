//! Authentication and authorization: passwords, sessions, CSRF, roles, API tokens, login
//! throttling, client addresses and the post-login redirect.

pub mod client_ip;
pub mod csrf;
pub mod extract;
pub mod next_path;
pub mod password;
pub mod rate_limit;
pub mod roles;
pub mod session;
pub mod tokens;

/// The workspace a request is scoped to, carried by [`CurrentUser`].
pub use crate::db::workspaces::WorkspaceId;
pub use extract::{ApiUser, CurrentUser};
pub use roles::{Permission, Role};
