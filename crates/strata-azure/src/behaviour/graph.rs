//! How Azure Resource Graph sees a resource: whether it is a row of its own and in which
//! table, and at which api-version Resource Graph renders it. A bulk refresh reads only what
//! is a row; everything else is read with a GET.
//!
//! Facts (Learn, governance/resource-graph; see the reference notes): top-level resources are
//! rows of `Resources`; resource groups and subscriptions are rows of `ResourceContainers`;
//! child resources are not rows (a subnet is seen only in its virtual network's
//! `properties.subnets`, a Key Vault secret not at all) except the child types in
//! [`CHILD_ROWS`]; extension resources (`{id}/providers/Microsoft.Insights/diagnosticSettings/…`)
//! are not queryable. Resource Graph renders each type with the latest non-preview api-version
//! of its provider, so a row can differ from what a pinned api-version returns.

use strata_core::ArmId;

use crate::catalogue::Catalogue;

/// Child types that are rows of their own in `Resources` (lower case).
pub const CHILD_ROWS: &[&str] = &[
    "microsoft.network/privatednszones/virtualnetworklinks",
    "microsoft.cdn/profiles/afdendpoints",
    "microsoft.compute/virtualmachines/extensions",
    "microsoft.web/sites/slots",
    "microsoft.sql/servers/databases",
    "microsoft.automation/automationaccounts/runbooks",
];

/// Where a resource is in Resource Graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coverage {
    /// A row of `Resources`.
    Resources,
    /// A row of `ResourceContainers` (resource groups, subscriptions).
    Containers,
    /// A child resource: not a row (at most a part of its parent's row).
    Child,
    /// An extension resource (under another resource's `/providers/`): not queryable.
    Extension,
}

/// Where the resource at `id` is in Resource Graph.
pub fn coverage(id: &ArmId) -> Coverage {
    if id.is_resource_group() || id.is_subscription() {
        return Coverage::Containers;
    }
    let providers = id
        .as_str()
        .split('/')
        .filter(|s| s.eq_ignore_ascii_case("providers"))
        .count();
    if providers > 1 {
        return Coverage::Extension;
    }
    match id.segments().len() {
        0 | 1 => Coverage::Resources,
        2 if is_child_row(&id.resource_type()) => Coverage::Resources,
        _ => Coverage::Child,
    }
}

/// Whether a child type is a row of its own.
pub fn is_child_row(resource_type: &str) -> bool {
    let t = resource_type.to_ascii_lowercase();
    CHILD_ROWS.contains(&t.as_str())
}

/// The api-version Resource Graph renders `resource_type` with: the latest stable one the
/// catalogue knows (`None` for a type it does not know).
pub fn graph_api_version<'c>(catalogue: &'c Catalogue, resource_type: &str) -> Option<&'c str> {
    catalogue.latest_stable(resource_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ArmId {
        ArmId::parse(s).unwrap()
    }

    #[test]
    fn rows_children_and_extensions() {
        let rg = "/subscriptions/s/resourceGroups/rg";
        assert_eq!(coverage(&id(rg)), Coverage::Containers);
        assert_eq!(coverage(&id("/subscriptions/s")), Coverage::Containers);
        let vnet = format!("{rg}/providers/Microsoft.Network/virtualNetworks/v");
        assert_eq!(coverage(&id(&vnet)), Coverage::Resources);
        assert_eq!(coverage(&id(&format!("{vnet}/subnets/a"))), Coverage::Child);
        let kv = format!("{rg}/providers/Microsoft.KeyVault/vaults/kv");
        assert_eq!(coverage(&id(&format!("{kv}/secrets/x"))), Coverage::Child);
        let diag = format!("{kv}/providers/Microsoft.Insights/diagnosticSettings/d");
        assert_eq!(coverage(&id(&diag)), Coverage::Extension);
        let db = format!("{rg}/providers/Microsoft.Sql/servers/s/databases/d");
        assert_eq!(coverage(&id(&db)), Coverage::Resources);
    }
}
