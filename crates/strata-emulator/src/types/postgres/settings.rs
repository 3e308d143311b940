//! The settings of a flexible server, checked as the service checks them: sku and tier,
//! administrator, storage, backup, high availability and private access.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::super::Ctx;
use super::super::Target;
use super::super::common::{str_of, timestamp};
use super::super::network::check_reference;
use super::super::network::subnet::delegated_services;
use super::servers::TYPE;
use crate::protocol::ArmError;
use crate::store::key_of;

/// Storage sizes the service offers, in GiB, with the performance tier and IOPS each gets by
/// default.
const STORAGE: &[(i64, &str, i64)] = &[
    (32, "P4", 120),
    (64, "P6", 240),
    (128, "P10", 500),
    (256, "P15", 1100),
    (512, "P20", 2300),
    (1024, "P30", 5000),
    (2048, "P40", 7500),
    (4096, "P50", 7500),
    (8192, "P60", 16000),
    (16384, "P70", 18000),
    (32767, "P80", 20000),
];

/// Logins the service keeps for itself.
const RESERVED_LOGINS: &[&str] = &[
    "azure_superuser",
    "azure_pg_admin",
    "admin",
    "administrator",
    "root",
    "guest",
    "public",
];

const BACKUP_DAYS_MIN: i64 = 7;
const BACKUP_DAYS_MAX: i64 = 35;

pub(super) fn bad(code: &str, message: String) -> ArmError {
    ArmError::bad_request(code, message)
}

pub(super) fn object(map: &Map<String, Value>, field: &str) -> Map<String, Value> {
    map.get(field)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// One of `allowed` (case-insensitive) in the service's casing, or `default` when absent.
pub(super) fn one_of(
    value: Option<&str>,
    allowed: &[&str],
    default: &str,
    field: &str,
) -> Result<String, ArmError> {
    match value {
        None => Ok(default.to_string()),
        Some(v) => allowed
            .iter()
            .find(|a| a.eq_ignore_ascii_case(v))
            .map(|a| (*a).to_string())
            .ok_or_else(|| {
                bad(
                    "InvalidParameterValue",
                    format!(
                        "Invalid value given for parameter {field}: '{v}'. Specify one of {}.",
                        allowed.join(", ")
                    ),
                )
            }),
    }
}

/// The tier a sku name belongs to: B-series are Burstable, D General Purpose, E Memory Optimized.
fn tier_of(sku: &str) -> Option<&'static str> {
    let family = sku.strip_prefix("Standard_")?.chars().next()?;
    match family.to_ascii_uppercase() {
        'B' => Some("Burstable"),
        'D' => Some("GeneralPurpose"),
        'E' => Some("MemoryOptimized"),
        _ => None,
    }
}

/// The sku name and its tier; a tier given must be the sku's.
pub(super) fn sku(body: &Map<String, Value>) -> Result<(String, &'static str), ArmError> {
    let sku = object(body, "sku");
    let name = str_of(&sku, "name").unwrap_or_default().to_string();
    let Some(expected) = tier_of(&name) else {
        return Err(bad(
            "InvalidSkuName",
            format!("The sku name '{name}' is not valid (e.g. Standard_B1ms, Standard_D2ds_v5)."),
        ));
    };
    let tier = str_of(&sku, "tier").unwrap_or(expected);
    if !tier.eq_ignore_ascii_case(expected) {
        return Err(bad(
            "InvalidSkuTierName",
            format!("The sku '{name}' belongs to tier '{expected}', not '{tier}'."),
        ));
    }
    Ok((name, expected))
}

fn password_ok(p: &str) -> bool {
    let classes = [
        p.chars().any(|c| c.is_ascii_uppercase()),
        p.chars().any(|c| c.is_ascii_lowercase()),
        p.chars().any(|c| c.is_ascii_digit()),
        p.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    (8..=128).contains(&p.chars().count()) && classes >= 3
}

/// The administrator: its password leaves the document for `private`; a new server with
/// password authentication needs a login that is not reserved and a password; the login never
/// changes.
pub(super) fn administrator(
    props: &mut Map<String, Value>,
    private: &mut Map<String, Value>,
    old: Option<&Map<String, Value>>,
) -> Result<(), ArmError> {
    if let Some(p) = props
        .remove("administratorLoginPassword")
        .filter(|v| !v.is_null())
    {
        if !p.as_str().is_some_and(password_ok) {
            return Err(bad(
                "PasswordNotComplex",
                "The password does not meet policy requirements: it must be 8-128 characters long and contain \
                 characters from three of: uppercase letters, lowercase letters, digits and non-alphanumeric \
                 characters."
                    .into(),
            ));
        }
        private.insert("administratorLoginPassword".into(), p);
    }
    if let Some(old) = old {
        if let (Some(a), Some(b)) = (old.get("administratorLogin"), props.get("administratorLogin"))
            && a != b
        {
            return Err(bad(
                "PropertyChangeNotAllowed",
                "The administrator login cannot be changed.".into(),
            ));
        }
        return Ok(());
    }
    let auth = object(props, "authConfig");
    let password_auth = str_of(&auth, "passwordAuth").is_none_or(|v| v.eq_ignore_ascii_case("Enabled"));
    if !password_auth {
        return Ok(());
    }
    let Some(login) = str_of(props, "administratorLogin") else {
        return Err(bad(
            "AdministratorLoginRequired",
            "The parameter 'administratorLogin' is required when password authentication is enabled.".into(),
        ));
    };
    let lower = login.to_ascii_lowercase();
    if RESERVED_LOGINS.contains(&lower.as_str()) || lower.starts_with("pg_") {
        return Err(bad(
            "InvalidAdministratorLogin",
            format!("The administrator login '{login}' is reserved; choose another name."),
        ));
    }
    if !private.contains_key("administratorLoginPassword") {
        return Err(bad(
            "AdministratorLoginPasswordRequired",
            "The parameter 'administratorLoginPassword' is required when password authentication is enabled."
                .into(),
        ));
    }
    Ok(())
}

/// Storage: a size the service offers, with its default tier and IOPS.
pub(super) fn storage(props: &Map<String, Value>) -> Result<Map<String, Value>, ArmError> {
    let mut storage = object(props, "storage");
    let size = storage.get("storageSizeGB").and_then(Value::as_i64).unwrap_or(32);
    let Some((_, perf, iops)) = STORAGE.iter().find(|(s, ..)| *s == size) else {
        let sizes: Vec<String> = STORAGE.iter().map(|s| s.0.to_string()).collect();
        return Err(bad(
            "InvalidStorageSize",
            format!(
                "The storage size {size} GiB is not supported; use one of {}.",
                sizes.join(", ")
            ),
        ));
    };
    storage.insert("storageSizeGB".into(), json!(size));
    storage.entry("autoGrow").or_insert_with(|| json!("Disabled"));
    storage.entry("tier").or_insert_with(|| json!(perf));
    storage.entry("iops").or_insert_with(|| json!(iops));
    storage.entry("type").or_insert_with(|| json!("Premium_LRS"));
    Ok(storage)
}

/// Backups: retention 7-35 days; geo-redundancy chosen at creation only.
pub(super) fn backup(
    props: &Map<String, Value>,
    old: Option<&Map<String, Value>>,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, ArmError> {
    let mut backup = object(props, "backup");
    let retention = backup
        .get("backupRetentionDays")
        .and_then(Value::as_i64)
        .unwrap_or(BACKUP_DAYS_MIN);
    if !(BACKUP_DAYS_MIN..=BACKUP_DAYS_MAX).contains(&retention) {
        return Err(bad(
            "InvalidBackupRetentionDays",
            format!(
                "The backup retention of {retention} days is not valid: it must be between {BACKUP_DAYS_MIN} and \
                 {BACKUP_DAYS_MAX} days."
            ),
        ));
    }
    let geo = one_of(
        str_of(&backup, "geoRedundantBackup"),
        &["Enabled", "Disabled"],
        "Disabled",
        "backup.geoRedundantBackup",
    )?;
    let old_backup = old.and_then(|p| p.get("backup"));
    if let Some(old_geo) = old_backup
        .and_then(|b| b.get("geoRedundantBackup"))
        .and_then(Value::as_str)
        && !old_geo.eq_ignore_ascii_case(&geo)
    {
        return Err(bad(
            "GeoRedundantBackupCannotBeChanged",
            "Geo-redundant backup can only be chosen when the server is created.".into(),
        ));
    }
    backup.insert("backupRetentionDays".into(), json!(retention));
    backup.insert("geoRedundantBackup".into(), json!(geo));
    backup.insert(
        "earliestRestoreDate".into(),
        old_backup
            .and_then(|b| b.get("earliestRestoreDate"))
            .cloned()
            .unwrap_or_else(|| json!(timestamp(now))),
    );
    Ok(backup)
}

/// High availability (none on Burstable; a zone-redundant standby in another zone) and the
/// primary's zone.
pub(super) fn high_availability(
    props: &Map<String, Value>,
    tier: &str,
    sku: &str,
) -> Result<(Map<String, Value>, String), ArmError> {
    let mut ha = object(props, "highAvailability");
    let mode = one_of(
        str_of(&ha, "mode"),
        &["Disabled", "ZoneRedundant", "SameZone"],
        "Disabled",
        "highAvailability.mode",
    )?;
    if mode != "Disabled" && tier == "Burstable" {
        return Err(bad(
            "HighAvailabilityNotSupportedForBurstable",
            format!("High availability is not supported for the Burstable tier (sku '{sku}')."),
        ));
    }
    let zone = str_of(props, "availabilityZone")
        .filter(|z| !z.is_empty())
        .unwrap_or("1")
        .to_string();
    let standby = if mode == "ZoneRedundant" {
        let other = if zone == "2" { "1" } else { "2" };
        let standby = str_of(&ha, "standbyAvailabilityZone")
            .filter(|z| !z.is_empty())
            .unwrap_or(other);
        if standby == zone {
            return Err(bad(
                "InvalidStandbyAvailabilityZone",
                "A zone-redundant server needs its standby in another availability zone than the primary."
                    .into(),
            ));
        }
        standby.to_string()
    } else {
        String::new()
    };
    ha.insert("standbyAvailabilityZone".into(), json!(standby));
    ha.insert("mode".into(), json!(mode));
    Ok((ha, zone))
}

/// Private access: a subnet delegated to flexible servers and an existing private DNS zone
/// named `….postgres.database.azure.com`; public access is then off.
pub(super) fn check_network(
    ctx: &Ctx<'_>,
    t: &Target,
    network: &mut Map<String, Value>,
) -> Result<(), ArmError> {
    let subnet = str_of(network, "delegatedSubnetResourceId").map(str::to_string);
    let zone = str_of(network, "privateDnsZoneArmResourceId").map(str::to_string);
    let Some(subnet_id) = subnet else {
        network
            .entry("publicNetworkAccess")
            .or_insert_with(|| json!("Enabled"));
        return Ok(());
    };
    check_reference(ctx, &t.id, &json!({ "id": subnet_id }))?;
    if let Some(s) = ctx.state.resource(&key_of(&subnet_id))
        && !delegated_services(s).iter().any(|d| d.eq_ignore_ascii_case(TYPE))
    {
        // [U] wording.
        return Err(bad(
            "SubnetNotDelegated",
            format!(
                "The subnet '{subnet_id}' is not delegated to '{TYPE}'. Delegate the subnet to {TYPE} to create a \
                 server with private access in it."
            ),
        ));
    }
    let Some(zone_id) = zone else {
        return Err(bad(
            "PrivateDnsZoneRequired",
            "The parameter 'network.privateDnsZoneArmResourceId' is required for a server with private access \
             (network.delegatedSubnetResourceId)."
                .into(),
        ));
    };
    let Some(found) = ctx.state.resource(&key_of(&zone_id)) else {
        return Err(bad(
            "PrivateDnsZoneNotFound",
            format!("The private DNS zone '{zone_id}' was not found. Create it before the server."),
        ));
    };
    if !found
        .name()
        .to_ascii_lowercase()
        .ends_with("postgres.database.azure.com")
    {
        return Err(bad(
            "InvalidPrivateDnsZoneName",
            format!(
                "The private DNS zone '{}' must end with 'postgres.database.azure.com'.",
                found.name()
            ),
        ));
    }
    network.insert("publicNetworkAccess".into(), json!("Disabled"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_follow_sku_families() {
        assert_eq!(tier_of("Standard_B1ms"), Some("Burstable"));
        assert_eq!(tier_of("Standard_D2ds_v5"), Some("GeneralPurpose"));
        assert_eq!(tier_of("Standard_E4ds_v5"), Some("MemoryOptimized"));
        assert_eq!(tier_of("B1ms"), None);
        assert!(password_ok("Str0ng!Passw0rd"));
        assert!(!password_ok("short1A"));
    }

    #[test]
    fn high_availability_rules() {
        let props = json!({"highAvailability": {"mode": "ZoneRedundant"}, "availabilityZone": "2"});
        let (ha, zone) =
            high_availability(props.as_object().unwrap(), "GeneralPurpose", "Standard_D2ds_v5").unwrap();
        assert_eq!(
            (zone.as_str(), &ha["standbyAvailabilityZone"]),
            ("2", &json!("1"))
        );
        assert!(high_availability(props.as_object().unwrap(), "Burstable", "Standard_B1ms").is_err());
        let same = json!({"highAvailability": {"mode": "ZoneRedundant", "standbyAvailabilityZone": "1"}});
        assert!(high_availability(same.as_object().unwrap(), "GeneralPurpose", "x").is_err());
    }
}
