//! Azure's region pairs, for what only works between paired regions (PostgreSQL geo-backups
//! and geo-restore, a Recovery Services vault's cross-region restore).
//!
//! From the docs page "Azure cross-region replication pairings for all geographies"
//! (learn.microsoft.com/azure/reliability/cross-region-replication-azure). Regions without a
//! pair (Qatar Central, Poland Central, Israel Central, Italy North, …) are absent: nothing
//! geo-redundant is restorable out of them. West US 3, Brazil South and West India pair one
//! way: their secondary does not name them back.

use super::super::common::normalize_location;

/// Primary → secondary, in ARM's normal form of location names.
const PAIRS: &[(&str, &str)] = &[
    ("eastus", "westus"),
    ("westus", "eastus"),
    ("eastus2", "centralus"),
    ("centralus", "eastus2"),
    ("northcentralus", "southcentralus"),
    ("southcentralus", "northcentralus"),
    ("westus2", "westcentralus"),
    ("westcentralus", "westus2"),
    ("westus3", "eastus"),
    ("northeurope", "westeurope"),
    ("westeurope", "northeurope"),
    ("uksouth", "ukwest"),
    ("ukwest", "uksouth"),
    ("canadacentral", "canadaeast"),
    ("canadaeast", "canadacentral"),
    ("japaneast", "japanwest"),
    ("japanwest", "japaneast"),
    ("australiaeast", "australiasoutheast"),
    ("australiasoutheast", "australiaeast"),
    ("eastasia", "southeastasia"),
    ("southeastasia", "eastasia"),
    ("centralindia", "southindia"),
    ("southindia", "centralindia"),
    ("westindia", "southindia"),
    ("germanywestcentral", "germanynorth"),
    ("germanynorth", "germanywestcentral"),
    ("swedencentral", "swedensouth"),
    ("swedensouth", "swedencentral"),
    ("brazilsouth", "southcentralus"),
    ("francecentral", "francesouth"),
    ("francesouth", "francecentral"),
    ("switzerlandnorth", "switzerlandwest"),
    ("switzerlandwest", "switzerlandnorth"),
    ("norwayeast", "norwaywest"),
    ("norwaywest", "norwayeast"),
    ("koreacentral", "koreasouth"),
    ("koreasouth", "koreacentral"),
    ("southafricanorth", "southafricawest"),
    ("southafricawest", "southafricanorth"),
    ("uaenorth", "uaecentral"),
    ("uaecentral", "uaenorth"),
];

/// The region `location` replicates to, if it has a pair.
pub(crate) fn paired(location: &str) -> Option<&'static str> {
    let l = normalize_location(location);
    PAIRS.iter().find(|(p, _)| *p == l).map(|(_, s)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_looked_up_in_normal_form() {
        assert_eq!(paired("West Europe"), Some("northeurope"));
        assert_eq!(paired("westus3"), Some("eastus"));
        assert_eq!(paired("eastus"), Some("westus"));
        assert_eq!(paired("italynorth"), None);
    }
}
