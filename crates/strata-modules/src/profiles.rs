//! Environment profiles: what `dev`, `staging` and `prod` choose where a module block does not.
//!
//! - dev: lowest cost — smallest SKUs, locally redundant storage, one instance, no zones,
//!   short retention.
//! - staging: production's topology and security at a smaller scale — the same redundancy
//!   and WAF, fewer and smaller instances.
//! - prod: highly available — zone-redundant compute over three zones, geo-zone-redundant
//!   storage, at least two instances, purge protection, WAF, a zone-redundant database with
//!   geo-redundant backups, long retention, and `prevent_destroy` on the storage account, the
//!   Key Vault and the PostgreSQL server.
//!
//! Every default here is only a default: an explicit input always wins. [`Profile::defaults`]
//! is the one place the values live; [`rows`] lists them for documentation (the README table
//! is [`markdown_table`]), and [`check_vm_size`] holds the sizes a profile refuses.

use std::fmt;

use strata_core::ModuleContext;

/// An environment profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Profile {
    Dev,
    Staging,
    Prod,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Dev, Profile::Staging, Profile::Prod];

    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "dev" => Some(Profile::Dev),
            "staging" => Some(Profile::Staging),
            "prod" => Some(Profile::Prod),
            _ => None,
        }
    }

    /// The profile a module is expanded under. The configuration only passes known
    /// profiles; anything else is treated as the cheapest.
    pub fn of(ctx: &ModuleContext<'_>) -> Profile {
        Profile::parse(ctx.profile).unwrap_or(Profile::Dev)
    }

    pub fn name(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Staging => "staging",
            Profile::Prod => "prod",
        }
    }

    /// The profile's defaults.
    pub fn defaults(self) -> &'static Defaults {
        match self {
            Profile::Dev => &DEV,
            Profile::Staging => &STAGING,
            Profile::Prod => &PROD,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a profile sets, by module.
#[derive(Clone, Debug, PartialEq)]
pub struct Defaults {
    /// storage `replication`: the account's `sku.name`.
    pub storage_replication: &'static str,
    /// storage `soft_delete_days`: blob and container soft delete.
    pub storage_soft_delete_days: i64,
    /// key_vault `soft_delete_retention_days`.
    pub vault_retention_days: i64,
    /// key_vault `purge_protection` (one-way: once on, Azure keeps it on).
    pub vault_purge_protection: bool,
    /// key_vault `network_default_action`: what the firewall does with traffic no rule allows.
    pub vault_network_default_action: &'static str,
    /// compute `size` for VMs and scale sets.
    pub vm_size: &'static str,
    /// compute: the most vCPUs a VM size may have (dev keeps costs down).
    pub max_vcpus: Option<u32>,
    /// compute: whether burstable B-series sizes are allowed (not under sustained load).
    pub burstable_allowed: bool,
    /// compute `count` / `capacity`, app service workers, application gateway capacity.
    pub instance_count: i64,
    /// compute and edge `zones`: availability zones to spread over.
    pub zones: &'static [&'static str],
    /// compute `os_disk_type`.
    pub os_disk_type: &'static str,
    /// compute (app service) `sku`.
    pub app_service_sku: &'static str,
    /// compute (app service) `zone_redundant`.
    pub app_service_zone_redundant: bool,
    /// edge (front door) `sku`.
    pub front_door_sku: &'static str,
    /// edge `waf`: a Web Application Firewall in prevention mode.
    pub waf: bool,
    /// edge (application gateway) `sku`.
    pub app_gateway_sku: &'static str,
    /// database `sku`.
    pub database_sku: &'static str,
    /// database `storage_gb`.
    pub database_storage_gb: i64,
    /// database `high_availability`: `Disabled` or `ZoneRedundant`.
    pub database_high_availability: &'static str,
    /// database `geo_redundant_backup`.
    pub database_geo_redundant_backup: bool,
    /// database `backup_retention_days`.
    pub database_backup_retention_days: i64,
    /// monitoring `retention_days`.
    pub log_retention_days: i64,
    /// compute (VMs with disaster recovery): days each daily Azure Backup recovery point is
    /// kept.
    pub vm_backup_retention_days: i64,
    /// monitoring `daily_quota_gb` (`None`: no cap).
    pub log_daily_quota_gb: Option<i64>,
    /// `lifecycle { prevent_destroy }` of the stateful resources (storage accounts, Key Vaults,
    /// PostgreSQL servers): a plan that would delete or replace one fails. A module block's
    /// `lifecycle { prevent_destroy = false }` turns it off.
    pub prevent_destroy_stateful: bool,
}

const DEV: Defaults = Defaults {
    storage_replication: "Standard_LRS",
    storage_soft_delete_days: 7,
    vault_retention_days: 7,
    vault_purge_protection: false,
    vault_network_default_action: "Allow",
    vm_size: "Standard_B2s",
    max_vcpus: Some(4),
    burstable_allowed: true,
    instance_count: 1,
    zones: &[],
    os_disk_type: "StandardSSD_LRS",
    app_service_sku: "B1",
    app_service_zone_redundant: false,
    front_door_sku: "Standard_AzureFrontDoor",
    waf: false,
    app_gateway_sku: "Standard_v2",
    database_sku: "Standard_B1ms",
    database_storage_gb: 32,
    database_high_availability: "Disabled",
    database_geo_redundant_backup: false,
    database_backup_retention_days: 7,
    log_retention_days: 30,
    vm_backup_retention_days: 7,
    log_daily_quota_gb: Some(1),
    prevent_destroy_stateful: false,
};

const STAGING: Defaults = Defaults {
    storage_replication: "Standard_GZRS",
    storage_soft_delete_days: 14,
    vault_retention_days: 30,
    vault_purge_protection: true,
    vault_network_default_action: "Deny",
    vm_size: "Standard_D2s_v5",
    max_vcpus: None,
    burstable_allowed: false,
    instance_count: 2,
    zones: &["1", "2"],
    os_disk_type: "Premium_LRS",
    app_service_sku: "P0v3",
    app_service_zone_redundant: true,
    front_door_sku: "Premium_AzureFrontDoor",
    waf: true,
    app_gateway_sku: "WAF_v2",
    database_sku: "Standard_D2ds_v5",
    database_storage_gb: 64,
    database_high_availability: "ZoneRedundant",
    database_geo_redundant_backup: true,
    database_backup_retention_days: 14,
    log_retention_days: 60,
    vm_backup_retention_days: 14,
    log_daily_quota_gb: None,
    prevent_destroy_stateful: false,
};

const PROD: Defaults = Defaults {
    storage_replication: "Standard_RAGZRS",
    storage_soft_delete_days: 30,
    vault_retention_days: 90,
    vault_purge_protection: true,
    vault_network_default_action: "Deny",
    vm_size: "Standard_D4s_v5",
    max_vcpus: None,
    burstable_allowed: false,
    instance_count: 3,
    zones: &["1", "2", "3"],
    os_disk_type: "Premium_LRS",
    app_service_sku: "P1v3",
    app_service_zone_redundant: true,
    front_door_sku: "Premium_AzureFrontDoor",
    waf: true,
    app_gateway_sku: "WAF_v2",
    database_sku: "Standard_D4ds_v5",
    database_storage_gb: 128,
    database_high_availability: "ZoneRedundant",
    database_geo_redundant_backup: true,
    database_backup_retention_days: 35,
    log_retention_days: 90,
    vm_backup_retention_days: 30,
    log_daily_quota_gb: None,
    prevent_destroy_stateful: true,
};

/// One line of the profile table: a module input and its default per profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub module: &'static str,
    pub input: &'static str,
    pub what: &'static str,
    /// dev, staging, prod.
    pub values: [String; 3],
}

/// Every default a profile sets, as rows for documentation.
pub fn rows() -> Vec<Row> {
    let row = |module, input, what, f: &dyn Fn(&Defaults) -> String| Row {
        module,
        input,
        what,
        values: Profile::ALL.map(|p| f(p.defaults())),
    };
    let zones = |z: &[&str]| {
        if z.is_empty() {
            "none".to_string()
        } else {
            z.join(", ")
        }
    };
    vec![
        row("storage", "replication", "account redundancy", &|d| {
            d.storage_replication.into()
        }),
        row(
            "storage",
            "soft_delete_days",
            "blob and container soft delete",
            &|d| format!("{} days", d.storage_soft_delete_days),
        ),
        row(
            "key_vault",
            "soft_delete_retention_days",
            "deleted vault retention",
            &|d| format!("{} days", d.vault_retention_days),
        ),
        row("key_vault", "purge_protection", "purge protection", &|d| {
            on_off(d.vault_purge_protection)
        }),
        row(
            "key_vault",
            "network_default_action",
            "vault firewall default",
            &|d| d.vault_network_default_action.into(),
        ),
        row("compute", "size", "VM and scale set size", &|d| d.vm_size.into()),
        row(
            "compute",
            "size",
            "sizes refused",
            &|d| match (d.max_vcpus, d.burstable_allowed) {
                (Some(n), _) => format!("more than {n} vCPUs"),
                (None, false) => "burstable B-series".into(),
                (None, true) => "none".into(),
            },
        ),
        row(
            "compute",
            "count",
            "instances (VMs, scale set, app workers)",
            &|d| d.instance_count.to_string(),
        ),
        row("compute", "zones", "availability zones", &|d| zones(d.zones)),
        row("compute", "os_disk_type", "OS disk", &|d| d.os_disk_type.into()),
        row("compute", "sku", "App Service plan", &|d| {
            d.app_service_sku.into()
        }),
        row(
            "compute",
            "zone_redundant",
            "App Service plan zone redundancy",
            &|d| on_off(d.app_service_zone_redundant),
        ),
        row("edge", "sku", "Front Door tier", &|d| d.front_door_sku.into()),
        row("edge", "waf", "Web Application Firewall", &|d| {
            if d.waf { "prevention".into() } else { "off".into() }
        }),
        row("edge", "sku", "Application Gateway tier", &|d| {
            d.app_gateway_sku.into()
        }),
        row("database", "sku", "PostgreSQL compute", &|d| {
            d.database_sku.into()
        }),
        row("database", "storage_gb", "PostgreSQL storage", &|d| {
            format!("{} GiB", d.database_storage_gb)
        }),
        row("database", "high_availability", "standby", &|d| {
            d.database_high_availability.into()
        }),
        row(
            "database",
            "geo_redundant_backup",
            "geo-redundant backups",
            &|d| on_off(d.database_geo_redundant_backup),
        ),
        row("database", "backup_retention_days", "backup retention", &|d| {
            format!("{} days", d.database_backup_retention_days)
        }),
        row("monitoring", "retention_days", "log retention", &|d| {
            format!("{} days", d.log_retention_days)
        }),
        row("monitoring", "daily_quota_gb", "daily ingestion cap", &|d| {
            d.log_daily_quota_gb
                .map_or_else(|| "none".to_string(), |g| format!("{g} GB"))
        }),
        row(
            "storage, key_vault, database",
            "lifecycle.prevent_destroy",
            "account, vault and server cannot be destroyed",
            &|d| on_off(d.prevent_destroy_stateful),
        ),
    ]
}

fn on_off(b: bool) -> String {
    if b { "on".into() } else { "off".into() }
}

/// The profile table in Markdown, as the README shows it.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| module | input | what | dev | staging | prod |\n|---|---|---|---|---|---|\n");
    for r in rows() {
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            r.module, r.input, r.what, r.values[0], r.values[1], r.values[2]
        ));
    }
    out
}

/// The vCPUs of a size named like `Standard_D4s_v5` (the number after the family letters),
/// when the name follows that scheme.
pub fn vcpus(size: &str) -> Option<u32> {
    let rest = size.strip_prefix("Standard_")?;
    let digits: String = rest
        .chars()
        .skip_while(char::is_ascii_alphabetic)
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether `size` is a burstable B-series size.
pub fn is_burstable(size: &str) -> bool {
    size.strip_prefix("Standard_")
        .is_some_and(|rest| rest.starts_with(['B', 'b']))
}

/// `Ok(())` if `profile` allows the VM size, else (what is wrong, what to do).
pub fn check_vm_size(profile: Profile, size: &str) -> Result<(), (String, String)> {
    let d = profile.defaults();
    if !size.starts_with("Standard_") || vcpus(size).is_none() {
        return Err((
            format!("`{size}` is not a VM size"),
            format!(
                "VM sizes are named like `Standard_D2s_v5`; the {profile} profile's default is `{}`",
                d.vm_size
            ),
        ));
    }
    if let (Some(max), Some(n)) = (d.max_vcpus, vcpus(size))
        && n > max
    {
        return Err((
            format!("the {profile} profile does not allow `{size}` ({n} vCPUs; at most {max})"),
            format!(
                "use a size with at most {max} vCPUs, such as `{}`, or run this environment with a larger profile",
                d.vm_size
            ),
        ));
    }
    if !d.burstable_allowed && is_burstable(size) {
        return Err((
            format!("the {profile} profile does not allow the burstable size `{size}`"),
            format!(
                "burstable B-series sizes run out of CPU credits under sustained load; use a general-purpose size such as `{}`",
                d.vm_size
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prod_is_redundant_and_dev_is_cheap() {
        let (dev, prod) = (Profile::Dev.defaults(), Profile::Prod.defaults());
        assert_eq!(dev.storage_replication, "Standard_LRS");
        assert!(prod.storage_replication.contains("GZRS"));
        assert!(dev.zones.is_empty() && prod.zones.len() == 3);
        assert!(dev.instance_count == 1 && prod.instance_count >= 2);
        assert!(!dev.vault_purge_protection && prod.vault_purge_protection);
        assert!(!dev.waf && prod.waf);
        assert_eq!(prod.database_high_availability, "ZoneRedundant");
        assert!(prod.database_geo_redundant_backup);
        assert!(prod.log_retention_days > dev.log_retention_days);
        // staging has prod's topology and security, at a smaller scale
        let staging = Profile::Staging.defaults();
        assert_eq!(staging.waf, prod.waf);
        assert_eq!(
            staging.database_high_availability,
            prod.database_high_availability
        );
        assert!(staging.instance_count < prod.instance_count);
    }

    #[test]
    fn sizes_profiles_refuse() {
        assert_eq!(vcpus("Standard_D16s_v5"), Some(16));
        assert_eq!(vcpus("Standard_DS2_v2"), Some(2));
        assert_eq!(vcpus("Standard_B1ls"), Some(1));
        assert_eq!(vcpus("D2s"), None);
        assert!(check_vm_size(Profile::Dev, "Standard_B2s").is_ok());
        let (msg, hint) = check_vm_size(Profile::Dev, "Standard_D16s_v5").unwrap_err();
        assert!(msg.contains("16 vCPUs"), "{msg}");
        assert!(hint.contains("Standard_B2s"), "{hint}");
        assert!(check_vm_size(Profile::Prod, "Standard_D16s_v5").is_ok());
        let (msg, _) = check_vm_size(Profile::Prod, "Standard_B2s").unwrap_err();
        assert!(msg.contains("burstable"), "{msg}");
        assert!(check_vm_size(Profile::Prod, "big").is_err());
    }

    #[test]
    fn the_table_lists_every_profile() {
        let t = markdown_table();
        assert!(t.starts_with("| module | input | what | dev | staging | prod |"));
        assert!(t.contains("| `storage` | `replication` | account redundancy | Standard_LRS | Standard_GZRS | Standard_RAGZRS |"), "{t}");
        assert_eq!(t.lines().count(), rows().len() + 2);
        assert_eq!(Profile::parse("prod"), Some(Profile::Prod));
        assert_eq!(Profile::parse("qa"), None);
        let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
        assert_eq!(names, strata_core::module::PROFILES);
    }
}
