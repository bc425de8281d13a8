//! Roles and the permissions each one holds. Every route checks one [`Permission`].

use std::fmt;
use std::str::FromStr;

/// A user's role. Roles are global to start; workspaces can scope them later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including user management.
    Admin,
    /// Creates variants and approves or rejects them.
    CreativeDirector,
    /// Creates variants, imports performance data and runs experiments.
    Growth,
    /// Reads everything, changes nothing.
    Viewer,
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See masters, variants, experiments and reports.
    View,
    /// Upload masters and create variants.
    EditCreative,
    /// Approve or reject variants.
    Review,
    /// Import performance CSVs and map ads to arms.
    ImportData,
    /// Create and edit experiments.
    ManageExperiments,
    /// Manage users and tokens of others.
    Administer,
}

impl Role {
    /// All roles, for forms.
    pub const ALL: [Role; 4] = [Role::Admin, Role::CreativeDirector, Role::Growth, Role::Viewer];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CreativeDirector => "creative_director",
            Role::Growth => "growth",
            Role::Viewer => "viewer",
        }
    }

    /// Whether this role holds `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::CreativeDirector => matches!(permission, View | EditCreative | Review),
            Role::Growth => {
                matches!(permission, View | EditCreative | ImportData | ManageExperiments)
            }
            Role::Viewer => matches!(permission, View),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role name.
#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected admin, creative_director, growth or viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_directors_and_admins_review() {
        let reviewers: Vec<_> =
            Role::ALL.into_iter().filter(|r| r.allows(Permission::Review)).collect();
        assert_eq!(reviewers, vec![Role::Admin, Role::CreativeDirector]);
    }

    #[test]
    fn viewer_only_views() {
        assert!(Role::Viewer.allows(Permission::View));
        assert!(!Role::Viewer.allows(Permission::EditCreative));
        assert!(!Role::Viewer.allows(Permission::ImportData));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().ok(), Some(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
