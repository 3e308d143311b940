//! The api-version each built-in module writes, in one place: the modules read their versions
//! from these constants, and [`WRITES`] lists every type they write with the version it is
//! written at (tested against the catalogue, so a version Azure does not publish fails here).
//! Moving a module to a newer api-version is a change to this file.

/// Resource groups (the `resource_group` module).
pub const RESOURCES: &str = "2024-11-01";
/// Microsoft.Network: VNets, subnets and NSGs (`networking`), NICs and public IPs (`compute`),
/// Application Gateways and their public IPs (`edge`).
pub const NETWORK: &str = "2024-07-01";
/// Private DNS zones and their VNet links (`database`).
pub const PRIVATE_DNS: &str = "2024-06-01";
/// Storage accounts, blob services and containers (`storage`).
pub const STORAGE: &str = "2025-01-01";
/// Key Vaults and their secrets (`key_vault`).
pub const KEY_VAULT: &str = "2024-11-01";
/// PostgreSQL flexible servers, databases and Entra administrators (`database`).
pub const POSTGRESQL: &str = "2024-08-01";
/// Virtual machines and scale sets (`compute`).
pub const COMPUTE: &str = "2024-11-01";
/// App Service plans and web apps (`compute`).
pub const WEB: &str = "2024-11-01";
/// Front Door profiles and their endpoints, origins, routes and security policies (`edge`).
pub const CDN: &str = "2024-09-01";
/// Front Door WAF policies (`edge`).
pub const FRONT_DOOR_WAF: &str = "2024-02-01";
/// Log Analytics workspaces (`monitoring`).
pub const LOG_ANALYTICS: &str = "2023-09-01";
/// Application Insights components (`monitoring`).
pub const APPLICATION_INSIGHTS: &str = "2020-02-02";
/// Recovery Services vaults and their VM backup policies (`compute`, VMs with disaster
/// recovery).
pub const RECOVERY_SERVICES: &str = "2024-04-01";
/// Diagnostic settings, on every resource a monitoring module collects.
pub const DIAGNOSTIC_SETTINGS: &str = "2021-05-01-preview";

/// One type a built-in module writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    /// The module's `source`.
    pub module: &'static str,
    pub resource_type: &'static str,
    pub api_version: &'static str,
}

const fn w(module: &'static str, resource_type: &'static str, api_version: &'static str) -> Write {
    Write {
        module,
        resource_type,
        api_version,
    }
}

/// Every type the built-in modules write, with its api-version.
pub const WRITES: &[Write] = &[
    w("resource_group", "Microsoft.Resources/resourceGroups", RESOURCES),
    w("networking", "Microsoft.Network/virtualNetworks", NETWORK),
    w("networking", "Microsoft.Network/virtualNetworks/subnets", NETWORK),
    w("networking", "Microsoft.Network/networkSecurityGroups", NETWORK),
    w("storage", "Microsoft.Storage/storageAccounts", STORAGE),
    w(
        "storage",
        "Microsoft.Storage/storageAccounts/blobServices",
        STORAGE,
    ),
    w(
        "storage",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        STORAGE,
    ),
    w("key_vault", "Microsoft.KeyVault/vaults", KEY_VAULT),
    w("key_vault", "Microsoft.KeyVault/vaults/secrets", KEY_VAULT),
    w(
        "database",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        POSTGRESQL,
    ),
    w(
        "database",
        "Microsoft.DBforPostgreSQL/flexibleServers/databases",
        POSTGRESQL,
    ),
    w(
        "database",
        "Microsoft.DBforPostgreSQL/flexibleServers/administrators",
        POSTGRESQL,
    ),
    w("database", "Microsoft.Network/privateDnsZones", PRIVATE_DNS),
    w(
        "database",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        PRIVATE_DNS,
    ),
    w("compute", "Microsoft.Compute/virtualMachines", COMPUTE),
    w("compute", "Microsoft.Compute/virtualMachineScaleSets", COMPUTE),
    w("compute", "Microsoft.Network/networkInterfaces", NETWORK),
    w("compute", "Microsoft.Network/publicIPAddresses", NETWORK),
    w("compute", "Microsoft.RecoveryServices/vaults", RECOVERY_SERVICES),
    w(
        "compute",
        "Microsoft.RecoveryServices/vaults/backupPolicies",
        RECOVERY_SERVICES,
    ),
    w(
        "compute",
        "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
        RECOVERY_SERVICES,
    ),
    w("compute", "Microsoft.Web/serverfarms", WEB),
    w("compute", "Microsoft.Web/sites", WEB),
    w("edge", "Microsoft.Cdn/profiles", CDN),
    w("edge", "Microsoft.Cdn/profiles/afdEndpoints", CDN),
    w("edge", "Microsoft.Cdn/profiles/afdEndpoints/routes", CDN),
    w("edge", "Microsoft.Cdn/profiles/originGroups", CDN),
    w("edge", "Microsoft.Cdn/profiles/originGroups/origins", CDN),
    w("edge", "Microsoft.Cdn/profiles/securityPolicies", CDN),
    w(
        "edge",
        "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
        FRONT_DOOR_WAF,
    ),
    w("edge", "Microsoft.Network/applicationGateways", NETWORK),
    w("edge", "Microsoft.Network/publicIPAddresses", NETWORK),
    w(
        "monitoring",
        "Microsoft.OperationalInsights/workspaces",
        LOG_ANALYTICS,
    ),
    w(
        "monitoring",
        "Microsoft.Insights/components",
        APPLICATION_INSIGHTS,
    ),
    w(
        "monitoring",
        "Microsoft.Insights/diagnosticSettings",
        DIAGNOSTIC_SETTINGS,
    ),
];

/// The api-version `module` writes `resource_type` at (case-insensitive), if it writes it.
pub fn written(module: &str, resource_type: &str) -> Option<&'static str> {
    WRITES
        .iter()
        .find(|w| w.module == module && w.resource_type.eq_ignore_ascii_case(resource_type))
        .map(|w| w.api_version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    #[test]
    fn every_version_written_is_published_for_its_type() {
        let catalogue = Catalogue::global().unwrap();
        for w in WRITES {
            assert!(
                catalogue.has_version(w.resource_type, w.api_version),
                "{} does not publish {} (it has {:?})",
                w.resource_type,
                w.api_version,
                catalogue.api_versions(w.resource_type)
            );
        }
    }

    #[test]
    fn looks_up_by_module_and_type() {
        assert_eq!(
            written("storage", "microsoft.storage/STORAGEACCOUNTS"),
            Some(STORAGE)
        );
        assert_eq!(
            written("edge", "Microsoft.Network/publicIPAddresses"),
            Some(NETWORK)
        );
        assert_eq!(written("storage", "Microsoft.Network/virtualNetworks"), None);
    }
}
