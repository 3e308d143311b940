//! Curated behaviour per Azure type: what the published schemas do not say but strata must
//! know to plan and apply safely. Type names are compared case-insensitively, as ARM does.
//!
//! - [`is_settings_singleton`]: children that exist as long as their parent does and have no
//!   DELETE (a storage account's blob service): creating one only sets it, and leaving the
//!   configuration only forgets it.
//! - [`deleted_with_parent`]: children Azure Resource Manager cannot delete on their own (only
//!   the data plane can): they go with their parent.
//! - [`soft_delete_fallback`]: how a type soft-deletes, for states written before strata
//!   recorded it per resource.
//! - [`SERIAL_FAMILIES`] / [`SERIAL_ALSO_CHANGES`]: writes Azure runs one at a time per parent
//!   (`AnotherOperationInProgress` otherwise), and the body properties that make a write
//!   change another family too.

use strata_core::{Purge, Recover, SoftDelete};

const SETTINGS_SINGLETONS: &[&str] = &[
    "microsoft.storage/storageaccounts/blobservices",
    "microsoft.storage/storageaccounts/fileservices",
    "microsoft.storage/storageaccounts/queueservices",
    "microsoft.storage/storageaccounts/tableservices",
];

const DELETED_WITH_PARENT: &[&str] = &[
    "microsoft.keyvault/vaults/secrets",
    "microsoft.keyvault/vaults/keys",
];

/// Parent families whose members must be written one at a time (lower case).
pub const SERIAL_FAMILIES: &[&str] = &[
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/routetables",
    "microsoft.network/privatednszones",
    "microsoft.network/privateendpoints",
    "microsoft.network/loadbalancers",
];

/// JSON pointers of a write's body that name another family it changes, by the writer's type
/// (lower case).
pub const SERIAL_ALSO_CHANGES: &[(&str, &[&str])] = &[
    (
        "microsoft.network/virtualnetworks/subnets",
        &["/properties/networkSecurityGroup/id", "/properties/routeTable/id"],
    ),
    (
        "microsoft.network/virtualnetworks/virtualnetworkpeerings",
        &["/properties/remoteVirtualNetwork/id"],
    ),
];

fn listed(list: &[&str], resource_type: &str) -> bool {
    list.iter().any(|t| t.eq_ignore_ascii_case(resource_type))
}

pub fn is_settings_singleton(resource_type: &str) -> bool {
    listed(SETTINGS_SINGLETONS, resource_type)
}

pub fn deleted_with_parent(resource_type: &str) -> bool {
    listed(DELETED_WITH_PARENT, resource_type)
}

/// Log Analytics workspaces: a re-created name recovers them; `force=true` deletes for good.
static WORKSPACE: SoftDelete = SoftDelete {
    deleted_id: None,
    api_version: String::new(),
    recover: Recover::PutRecovers,
    purge: Purge::ForceDelete,
    purge_protected: false,
};

/// How `resource_type` soft-deletes when nothing more specific is recorded (Key Vaults need
/// their location and name for their deleted id, so they are always recorded per resource).
pub fn soft_delete_fallback(resource_type: &str) -> Option<&'static SoftDelete> {
    resource_type
        .eq_ignore_ascii_case("Microsoft.OperationalInsights/workspaces")
        .then_some(&WORKSPACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_ignore_case() {
        assert!(is_settings_singleton(
            "Microsoft.Storage/storageAccounts/blobServices"
        ));
        assert!(!is_settings_singleton("Microsoft.Storage/storageAccounts"));
        assert!(deleted_with_parent("Microsoft.KeyVault/vaults/secrets"));
        assert!(soft_delete_fallback("microsoft.operationalinsights/WORKSPACES").is_some());
        assert!(soft_delete_fallback("Microsoft.KeyVault/vaults").is_none());
    }
}
