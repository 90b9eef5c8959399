//! What Terraform will do to a resource, from the plan's `change.actions`.

/// A resource change's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeAction {
    /// `["create"]`.
    Create,
    /// `["update"]`: changed in place.
    Update,
    /// `["delete"]`.
    Delete,
    /// `["delete", "create"]` or `["create", "delete"]`: destroyed and made again;
    /// `create_before_destroy` when the new one is made first.
    Replace {
        /// Whether the new resource is created before the old is destroyed.
        create_before_destroy: bool,
    },
    /// `["read"]`: a data source read during the apply.
    Read,
    /// `["no-op"]`.
    NoOp,
}

impl ChangeAction {
    /// The action of `actions`, or `None` for a combination Terraform does not produce.
    pub fn from_actions(actions: &[&str]) -> Option<Self> {
        Some(match actions {
            ["create"] => ChangeAction::Create,
            ["update"] => ChangeAction::Update,
            ["delete"] => ChangeAction::Delete,
            ["delete", "create"] => ChangeAction::Replace {
                create_before_destroy: false,
            },
            ["create", "delete"] => ChangeAction::Replace {
                create_before_destroy: true,
            },
            ["read"] => ChangeAction::Read,
            ["no-op"] => ChangeAction::NoOp,
            _ => return None,
        })
    }

    /// `create`, `update`, `delete`, `replace`, `read` or `no-op`: the `action` label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::Replace { .. } => "replace",
            ChangeAction::Read => "read",
            ChangeAction::NoOp => "no-op",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_terraform_writes_has_its_action() {
        assert_eq!(
            ChangeAction::from_actions(&["no-op"]),
            Some(ChangeAction::NoOp)
        );
        assert_eq!(
            ChangeAction::from_actions(&["create", "delete"]),
            Some(ChangeAction::Replace {
                create_before_destroy: true
            })
        );
        assert_eq!(ChangeAction::from_actions(&["delete", "update"]), None);
        assert_eq!(ChangeAction::from_actions(&[]), None);
    }
}
