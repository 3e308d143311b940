//! Creating the state storage itself, through ARM, idempotently.
//!
//! `strata init --bootstrap` makes the resource group, a storage account hardened for state
//! (geo-zone-redundant where the region has zones, HTTPS only, TLS 1.2, no public blob access,
//! no shared-key access when Entra ID is used, blob versioning, soft delete for blobs and
//! containers) and the container. Each piece is read first and written only when missing or
//! different, so running it twice changes nothing.

use serde_json::{Value, json};
use strata_arm::{ArmClient, ArmError};
use strata_core::ArmId;

const RG_API: &str = "2024-11-01";
const STORAGE_API: &str = "2025-01-01";

/// Regions with availability zones, where GZRS / RA-GZRS exist. Elsewhere RA-GRS is used.
const ZONE_REGIONS: &[&str] = &[
    "australiaeast",
    "brazilsouth",
    "canadacentral",
    "centralindia",
    "centralus",
    "eastasia",
    "eastus",
    "eastus2",
    "francecentral",
    "germanywestcentral",
    "italynorth",
    "japaneast",
    "koreacentral",
    "northeurope",
    "norwayeast",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southcentralus",
    "southeastasia",
    "spaincentral",
    "swedencentral",
    "switzerlandnorth",
    "uaenorth",
    "uksouth",
    "westeurope",
    "westus2",
    "westus3",
    "mexicocentral",
    "israelcentral",
    "newzealandnorth",
];

/// Days deleted blobs and containers are kept.
pub const SOFT_DELETE_DAYS: u32 = 30;

/// What to create.
#[derive(Clone, Debug)]
pub struct BootstrapSpec {
    pub subscription_id: String,
    pub resource_group: String,
    pub location: String,
    pub storage_account_name: String,
    pub container_name: String,
    /// Entra ID only: shared-key (account key and SAS) access is turned off.
    pub entra_only: bool,
    pub tags: serde_json::Map<String, Value>,
}

/// What bootstrap did, per resource: created, updated or already right.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BootstrapReport {
    pub steps: Vec<(String, Step)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Created,
    Updated,
    Unchanged,
}

impl BootstrapReport {
    pub fn changed(&self) -> bool {
        self.steps.iter().any(|(_, s)| *s != Step::Unchanged)
    }
}

/// The replication for state in `location`: RA-GZRS where zones exist, RA-GRS elsewhere.
pub fn state_sku(location: &str) -> &'static str {
    let l: String = location
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if ZONE_REGIONS.contains(&l.as_str()) {
        "Standard_RAGZRS"
    } else {
        "Standard_RAGRS"
    }
}

/// Creates or corrects the state storage. Errors are ARM's, with their codes.
pub async fn bootstrap(arm: &ArmClient, spec: &BootstrapSpec) -> Result<BootstrapReport, ArmError> {
    let mut report = BootstrapReport::default();
    let rg = ArmId::resource_group(&spec.subscription_id, &spec.resource_group);
    let rg_body = json!({ "location": spec.location, "tags": spec.tags });
    report.steps.push((
        rg.to_string(),
        ensure(arm, rg.as_str(), RG_API, &rg_body, &[]).await?,
    ));

    let account = ArmId::provider_resource(
        &rg,
        "Microsoft.Storage/storageAccounts",
        &spec.storage_account_name,
    );
    let account_body = json!({
        "location": spec.location,
        "kind": "StorageV2",
        "sku": { "name": state_sku(&spec.location) },
        "tags": spec.tags,
        "properties": {
            "supportsHttpsTrafficOnly": true,
            "minimumTlsVersion": "TLS1_2",
            "allowBlobPublicAccess": false,
            "allowSharedKeyAccess": !spec.entra_only,
            "defaultToOAuthAuthentication": spec.entra_only,
        }
    });
    let checked = [
        "sku.name",
        "properties.supportsHttpsTrafficOnly",
        "properties.minimumTlsVersion",
        "properties.allowBlobPublicAccess",
        "properties.allowSharedKeyAccess",
    ];
    report.steps.push((
        account.to_string(),
        ensure(arm, account.as_str(), STORAGE_API, &account_body, &checked).await?,
    ));

    let blob_service = account.child("blobServices", "default");
    let service_body = json!({
        "properties": {
            "isVersioningEnabled": true,
            "deleteRetentionPolicy": { "enabled": true, "days": SOFT_DELETE_DAYS },
            "containerDeleteRetentionPolicy": { "enabled": true, "days": SOFT_DELETE_DAYS },
        }
    });
    let service_checked = [
        "properties.isVersioningEnabled",
        "properties.deleteRetentionPolicy.enabled",
        "properties.containerDeleteRetentionPolicy.enabled",
    ];
    report.steps.push((
        blob_service.to_string(),
        ensure(
            arm,
            blob_service.as_str(),
            STORAGE_API,
            &service_body,
            &service_checked,
        )
        .await?,
    ));

    let container = blob_service.child("containers", &spec.container_name);
    let container_body = json!({ "properties": { "publicAccess": "None" } });
    report.steps.push((
        container.to_string(),
        ensure(arm, container.as_str(), STORAGE_API, &container_body, &[]).await?,
    ));
    Ok(report)
}

/// GET, then PUT only when missing or when one of `checked` differs.
async fn ensure(
    arm: &ArmClient,
    id: &str,
    api: &str,
    body: &Value,
    checked: &[&str],
) -> Result<Step, ArmError> {
    match arm.get(id, api).await? {
        None => {
            arm.put(id, api, body).await?;
            Ok(Step::Created)
        }
        Some(live) => {
            let differs = checked.iter().any(|path| {
                let pointer = format!("/{}", path.replace('.', "/"));
                let want = body.pointer(&pointer);
                let have = live.pointer(&pointer);
                match (want, have) {
                    (Some(Value::String(w)), Some(Value::String(h))) => !w.eq_ignore_ascii_case(h),
                    (Some(w), h) => Some(w) != h,
                    (None, _) => false,
                }
            });
            if differs {
                arm.put(id, api, body).await?;
                Ok(Step::Updated)
            } else {
                Ok(Step::Unchanged)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_regions_get_geo_zone_redundancy() {
        assert_eq!(state_sku("West Europe"), "Standard_RAGZRS");
        assert_eq!(state_sku("westcentralus"), "Standard_RAGRS");
    }
}
