//! Curated behaviour per Azure type: what the published schemas do not say but strata must
//! know to plan, apply and check names safely. Type names are compared case-insensitively, as
//! ARM does. The engine, the configuration, the modules and the emulator read these facts, so
//! none of them keeps a per-type table of its own.
//!
//! - [`naming`]: Azure's naming rules per type ([`naming::rule_for`]), reserved VM admin names.
//! - [`layer_for`] (`layers.rs`): the layer a generic resource or an import of a type goes in.
//! - [`soft_delete`]: the types Azure soft-deletes and how strata recovers or purges them
//!   ([`soft_delete::for_resource`]; [`soft_delete_fallback`] for states written before strata
//!   recorded it per resource).
//! - [`diagnostics`]: which types send logs and metrics through diagnostic settings.
//! - [`replace_on_change`] (`replace.rs`): paths Azure fixes at creation, per type.
//! - [`api_versions`]: the api-version each built-in module writes, per type.
//! - [`recovery`]: what protects each stateful type against the loss of its region, judged
//!   from the live document (for `strata dr status`).
//! - [`regions`]: Azure regions, their documented pairs, where Key Vault is not replicated,
//!   and the recovery figures Azure documents per mechanism (for disaster recovery).
//! - [`graph`]: how Azure Resource Graph sees a resource (a row, part of its parent's row, or
//!   not queryable) and the api-version it renders a type with (for the bulk refresh).
//! - [`is_settings_singleton`]: children that exist as long as their parent does and have no
//!   DELETE (a storage account's blob service): creating one only sets it, and leaving the
//!   configuration only forgets it.
//! - [`deleted_with_parent`]: children Azure Resource Manager cannot delete on their own (only
//!   the data plane can): they go with their parent.
//! - [`SERIAL_FAMILIES`] / [`SERIAL_ALSO_CHANGES`]: writes Azure runs one at a time per parent
//!   (`AnotherOperationInProgress` otherwise), and the body properties that make a write
//!   change another family too.

pub mod api_versions;
pub mod diagnostics;
pub mod drill;
pub mod failover;
pub mod graph;
mod layers;
pub mod naming;
pub mod recovery;
pub mod regions;
mod replace;
pub mod soft_delete;

pub use layers::layer_for;
pub use replace::{REPLACE_ON_CHANGE, replace_on_change, replace_on_change_paths};
pub use soft_delete::soft_delete_fallback;

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
    }
}
