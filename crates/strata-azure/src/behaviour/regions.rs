//! Azure regions and what disaster recovery can rely on in each: the region pairs Microsoft
//! documents ("Azure cross-region replication", Learn `reliability/cross-region-replication-azure`),
//! the regions without a pair (no geo-redundant storage or PostgreSQL geo-backup there), the
//! regions whose Key Vault contents are not replicated across regions, and the recovery figures
//! Azure documents per mechanism, each with its source.
//!
//! Region names are ARM's (`westeurope`); comparisons ignore case and spaces, as ARM does.

/// Every public Azure region strata knows, by ARM name.
pub const REGIONS: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "chilecentral",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "koreacentral",
    "koreasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
];

/// Documented pairs, both ways unless listed in [`ONE_WAY_PAIRS`].
const PAIRS: &[(&str, &str)] = &[
    ("eastus", "westus"),
    ("eastus2", "centralus"),
    ("northcentralus", "southcentralus"),
    ("westus2", "westcentralus"),
    ("northeurope", "westeurope"),
    ("uksouth", "ukwest"),
    ("canadacentral", "canadaeast"),
    ("japaneast", "japanwest"),
    ("australiaeast", "australiasoutheast"),
    ("australiacentral", "australiacentral2"),
    ("eastasia", "southeastasia"),
    ("centralindia", "southindia"),
    ("germanywestcentral", "germanynorth"),
    ("swedencentral", "swedensouth"),
    ("francecentral", "francesouth"),
    ("koreacentral", "koreasouth"),
    ("switzerlandnorth", "switzerlandwest"),
    ("norwayeast", "norwaywest"),
    ("uaenorth", "uaecentral"),
    ("southafricanorth", "southafricawest"),
    ("brazilsoutheast", "brazilsouth"),
];

/// Pairs that hold one way only: the first region's pair is the second, not the reverse.
const ONE_WAY_PAIRS: &[(&str, &str)] = &[
    ("westus3", "eastus"),
    ("brazilsouth", "southcentralus"),
    ("westindia", "southindia"),
];

/// Regions where Microsoft replicates Key Vault contents only within the region (no copy in
/// a paired region), per the Key Vault availability documentation.
pub const KEY_VAULT_NOT_GEO_REPLICATED: &[&str] = &["brazilsouth", "westus3"];

/// ARM's normal form of a region name: `West Europe` → `westeurope`.
pub fn normalize(region: &str) -> String {
    region
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Whether `region` is a known Azure region (any case or spacing).
pub fn is_known(region: &str) -> bool {
    let r = normalize(region);
    REGIONS.contains(&r.as_str())
}

/// The documented pair of `region`, if it has one.
pub fn pair_of(region: &str) -> Option<&'static str> {
    let r = normalize(region);
    ONE_WAY_PAIRS
        .iter()
        .find(|(a, _)| *a == r)
        .map(|(_, b)| *b)
        .or_else(|| {
            PAIRS.iter().find_map(|(a, b)| {
                if *a == r {
                    Some(*b)
                } else if *b == r {
                    Some(*a)
                } else {
                    None
                }
            })
        })
}

/// Whether geo-redundant copies (GRS storage, PostgreSQL geo-backup) of `primary` land in
/// `secondary`: only in the documented pair.
pub fn geo_copies_land_in(primary: &str, secondary: &str) -> bool {
    pair_of(primary).is_some_and(|p| p == normalize(secondary))
}

/// Whether a storage account sku keeps a copy in the paired region (GRS, RA-GRS, GZRS,
/// RA-GZRS), and whether that copy can be read (the RA- skus).
pub fn storage_geo_replication(sku: &str) -> (bool, bool) {
    let upper = sku.to_ascii_uppercase();
    let geo = ["_GRS", "_RAGRS", "_GZRS", "_RAGZRS"]
        .iter()
        .any(|s| upper.ends_with(s));
    (geo, geo && upper.contains("_RA"))
}

/// A recovery figure Azure documents for one mechanism, with where it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figure {
    pub mechanism: &'static str,
    /// The data that may be lost, in seconds (the recovery point objective it can meet).
    pub rpo_seconds: u64,
    /// How long recovery typically takes, in seconds.
    pub rto_seconds: u64,
    pub source: &'static str,
}

/// PostgreSQL geo-restore: geo copies lag by up to an hour; restore takes minutes to hours.
pub const POSTGRES_GEO_RESTORE: Figure = Figure {
    mechanism: "PostgreSQL geo-restore from geo-redundant backup",
    rpo_seconds: 3600,
    rto_seconds: 3600,
    source: "Learn: Azure Database for PostgreSQL flexible server, business continuity (concepts-business-continuity)",
};

/// PostgreSQL cross-region read replica, promoted: replication lag up to five minutes.
pub const POSTGRES_REPLICA_PROMOTE: Figure = Figure {
    mechanism: "PostgreSQL cross-region read replica, promoted",
    rpo_seconds: 300,
    rto_seconds: 600,
    source: "Learn: Azure Database for PostgreSQL flexible server, geo-disaster recovery (concepts-geo-disaster-recovery)",
};

/// Storage customer-managed failover: RPO typically under 15 minutes (no SLA); about an hour.
pub const STORAGE_FAILOVER: Figure = Figure {
    mechanism: "Storage account customer-managed failover",
    rpo_seconds: 900,
    rto_seconds: 3600,
    source: "Learn: Azure Storage disaster recovery planning and failover (storage-disaster-recovery-guidance)",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_both_ways_and_one_way() {
        assert_eq!(pair_of("westeurope"), Some("northeurope"));
        assert_eq!(pair_of("North Europe"), Some("westeurope"));
        assert_eq!(pair_of("westus3"), Some("eastus"));
        assert_eq!(pair_of("eastus"), Some("westus"));
        assert_eq!(pair_of("polandcentral"), None);
        assert!(geo_copies_land_in("westeurope", "northeurope"));
        assert_eq!(storage_geo_replication("Standard_RAGZRS"), (true, true));
        assert_eq!(storage_geo_replication("standard_grs"), (true, false));
        assert_eq!(storage_geo_replication("Standard_ZRS"), (false, false));
        assert_eq!(storage_geo_replication("Premium_LRS"), (false, false));
        assert!(!geo_copies_land_in("westeurope", "swedencentral"));
    }

    #[test]
    fn every_paired_region_is_known() {
        for (a, b) in PAIRS.iter().chain(ONE_WAY_PAIRS) {
            assert!(is_known(a) && is_known(b), "{a} {b}");
        }
        for r in KEY_VAULT_NOT_GEO_REPLICATED {
            assert!(is_known(r), "{r}");
        }
        assert!(is_known("West Europe"));
        assert!(!is_known("westeurop"));
    }
}
