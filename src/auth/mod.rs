//! Authentication and authorization: passwords, sessions, CSRF, roles, API tokens.

pub mod csrf;
pub mod extract;
pub mod password;
pub mod rate_limit;
pub mod roles;
pub mod session;
pub mod tokens;

pub use extract::{ApiUser, CurrentUser};
pub use roles::{Permission, Role};
