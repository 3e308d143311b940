//! What Azure fixes when a resource is created, per type: a change to one of these paths
//! cannot be sent as an update, so the engine replaces the resource. The built-in modules set
//! their resources' `force_new` from [`replace_on_change`]; generic `resource` blocks keep the
//! default (`location` only).

use strata_core::{PathStep, parse_path};

/// Every type not listed: only the location is fixed.
const DEFAULT: &[&str] = &["location"];

/// Replace-on-change paths (dotted, into the ARM body) by type; an empty list: everything is
/// updated in place (children without a location, extension resources).
pub const REPLACE_ON_CHANGE: &[(&str, &[&str])] = &[
    ("Microsoft.Network/virtualNetworks/subnets", &[]),
    (
        "Microsoft.Network/publicIPAddresses",
        &["location", "zones", "sku"],
    ),
    ("Microsoft.Network/applicationGateways", &["location", "zones"]),
    ("Microsoft.Network/privateDnsZones", &["location"]),
    (
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        &["location", "properties.virtualNetwork"],
    ),
    (
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
        &["location", "sku.name"],
    ),
    // The account kind is chosen at creation.
    ("Microsoft.Storage/storageAccounts", &["location", "kind"]),
    ("Microsoft.Storage/storageAccounts/blobServices", &[]),
    ("Microsoft.Storage/storageAccounts/blobServices/containers", &[]),
    // The tenant cannot move; a new one means a new vault.
    ("Microsoft.KeyVault/vaults", &["location", "properties.tenantId"]),
    ("Microsoft.KeyVault/vaults/secrets", &[]),
    // Fixed when the server is created.
    (
        "Microsoft.DBforPostgreSQL/flexibleServers",
        &[
            "location",
            "properties.administratorLogin",
            "properties.backup.geoRedundantBackup",
            "properties.network.delegatedSubnetResourceId",
            "properties.network.privateDnsZoneArmResourceId",
        ],
    ),
    // Charset and collation are chosen at creation.
    (
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        &["properties"],
    ),
    ("Microsoft.DBforPostgreSQL/flexibleServers/administrators", &[]),
    // What Azure fixes at creation: a change means a new machine.
    (
        "Microsoft.Compute/virtualMachines",
        &[
            "location",
            "zones",
            "properties.storageProfile.imageReference",
            "properties.osProfile.computerName",
            "properties.osProfile.adminUsername",
            "properties.osProfile.linuxConfiguration.ssh",
        ],
    ),
    (
        "Microsoft.Compute/virtualMachineScaleSets",
        &[
            "location",
            "zones",
            "properties.orchestrationMode",
            "properties.virtualMachineProfile.osProfile.computerNamePrefix",
            "properties.virtualMachineProfile.osProfile.adminUsername",
        ],
    ),
    // The operating system and zone redundancy are chosen when the plan is created.
    (
        "Microsoft.Web/serverfarms",
        &[
            "location",
            "kind",
            "properties.reserved",
            "properties.zoneRedundant",
        ],
    ),
    ("Microsoft.Cdn/profiles", &["location", "sku.name"]),
    ("Microsoft.Cdn/profiles/originGroups", &[]),
    ("Microsoft.Cdn/profiles/originGroups/origins", &[]),
    ("Microsoft.Cdn/profiles/afdEndpoints/routes", &[]),
    ("Microsoft.Cdn/profiles/securityPolicies", &[]),
    // The application type is chosen at creation.
    (
        "Microsoft.Insights/components",
        &["location", "properties.Application_Type"],
    ),
    // An extension resource has no location; everything else is updated in place.
    ("Microsoft.Insights/diagnosticSettings", &[]),
];

/// The dotted replace-on-change paths of `resource_type` (case-insensitive).
pub fn replace_on_change_paths(resource_type: &str) -> &'static [&'static str] {
    REPLACE_ON_CHANGE
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))
        .map_or(DEFAULT, |(_, paths)| paths)
}

/// The replace-on-change paths of `resource_type`, as `force_new` takes them.
pub fn replace_on_change(resource_type: &str) -> Vec<Vec<PathStep>> {
    replace_on_change_paths(resource_type)
        .iter()
        .map(|p| parse_path(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    #[test]
    fn paths_by_type() {
        assert_eq!(
            replace_on_change("microsoft.storage/STORAGEACCOUNTS"),
            vec![
                vec![PathStep::Key("location".into())],
                vec![PathStep::Key("kind".into())]
            ]
        );
        assert!(replace_on_change("Microsoft.KeyVault/vaults/secrets").is_empty());
        assert_eq!(
            replace_on_change("Microsoft.Network/virtualNetworks"),
            vec![vec![PathStep::Key("location".into())]]
        );
        assert_eq!(
            replace_on_change("Microsoft.Cdn/profiles")[1],
            vec![PathStep::Key("sku".into()), PathStep::Key("name".into())]
        );
    }

    #[test]
    fn every_listed_type_is_published() {
        let catalogue = Catalogue::global().unwrap();
        for (t, _) in REPLACE_ON_CHANGE {
            assert!(catalogue.resource_type(t).is_some(), "{t}");
        }
    }
}
