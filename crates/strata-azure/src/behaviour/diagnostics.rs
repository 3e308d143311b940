//! Which resource types can send logs and metrics to Azure Monitor through diagnostic
//! settings, and what they send: logs as the `allLogs` category group (every log category
//! the type has, including ones Azure adds later), metrics as the type's metric category.
//! Types without diagnostic settings (subnets, secrets, containers, DNS links, resource
//! groups) are not listed. strata-modules builds the settings from this table.

/// What one resource type can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Support {
    /// The type, as ARM spells it.
    pub resource_type: &'static str,
    /// Whether it has resource logs (sent as the `allLogs` group).
    pub logs: bool,
    /// Its metric category, if it exports metrics.
    pub metrics: Option<&'static str>,
}

const fn s(resource_type: &'static str, logs: bool, metrics: Option<&'static str>) -> Support {
    Support {
        resource_type,
        logs,
        metrics,
    }
}

const ALL: Option<&str> = Some("AllMetrics");

/// The types the built-in modules create that support diagnostic settings. Storage accounts
/// export only transaction metrics at the account; their blob service has the logs.
pub const SUPPORT: &[Support] = &[
    s("Microsoft.Network/virtualNetworks", true, ALL),
    s("Microsoft.Network/networkSecurityGroups", true, None),
    s("Microsoft.Network/publicIPAddresses", true, ALL),
    s("Microsoft.Network/networkInterfaces", false, ALL),
    s("Microsoft.Network/applicationGateways", true, ALL),
    s("Microsoft.Network/privateDnsZones", false, ALL),
    s("Microsoft.Storage/storageAccounts", false, Some("Transaction")),
    s(
        "Microsoft.Storage/storageAccounts/blobServices",
        true,
        Some("Transaction"),
    ),
    s("Microsoft.KeyVault/vaults", true, ALL),
    s("Microsoft.Compute/virtualMachines", false, ALL),
    s("Microsoft.Compute/virtualMachineScaleSets", false, ALL),
    s("Microsoft.Web/serverfarms", false, ALL),
    s("Microsoft.Web/sites", true, ALL),
    s("Microsoft.DBforPostgreSQL/flexibleServers", true, ALL),
    s("Microsoft.Cdn/profiles", true, ALL),
    s("Microsoft.OperationalInsights/workspaces", true, ALL),
    s("Microsoft.Insights/components", true, ALL),
];

/// What `resource_type` supports, if anything.
pub fn support(resource_type: &str) -> Option<Support> {
    SUPPORT
        .iter()
        .find(|s| s.resource_type.eq_ignore_ascii_case(resource_type))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    #[test]
    fn what_each_type_sends() {
        let site = support("microsoft.web/SITES").unwrap();
        assert!(site.logs);
        assert_eq!(site.metrics, Some("AllMetrics"));
        let nsg = support("Microsoft.Network/networkSecurityGroups").unwrap();
        assert!(nsg.logs && nsg.metrics.is_none());
        let account = support("Microsoft.Storage/storageAccounts").unwrap();
        assert!(!account.logs);
        assert_eq!(account.metrics, Some("Transaction"));
        assert!(support("Microsoft.Network/virtualNetworks/subnets").is_none());
        assert!(support("Microsoft.Resources/resourceGroups").is_none());
    }

    #[test]
    fn every_listed_type_is_published() {
        let catalogue = Catalogue::global().unwrap();
        for s in SUPPORT {
            assert!(
                catalogue.resource_type(s.resource_type).is_some(),
                "{}",
                s.resource_type
            );
        }
    }
}
