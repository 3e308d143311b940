//! `POST …/protectedItems/{item}/recoveryPoints/{rp}/restore`: an `IaasVMRestoreRequest`.
//!
//! `recoveryType` `OriginalLocation` (back onto the protected machine), `AlternateLocation`
//! (a new machine in `targetResourceGroupId`) or `RestoreDisks` (disks, staged through
//! `storageAccountId`). `region` (default: the vault's) is either the vault's region or, for a
//! vault with `crossRegionRestore: Enabled` (geo-redundant by construction), its paired region;
//! the staging account must be in the region restored into. The answer is 202 with both
//! polling headers; a backup job records the restore (`operation` `Restore` or
//! `CrossRegionRestore`, `status` `InProgress` then `Completed`). The machine or disks a
//! restore makes are not created.

use serde_json::{Map, Value, json};

use super::super::common::{at, normalize_location, str_of, take_properties};
use super::super::{Ctx, Target};
use super::items::start_job;
use super::{refuse, vault_key};
use crate::protocol::{ArmError, Reply};
use crate::store::key_of;
use strata_azure::behaviour::regions::pair_of as paired;

const RECOVERY_TYPES: &[&str] = &["OriginalLocation", "AlternateLocation", "RestoreDisks"];

pub(super) fn restore(
    ctx: &mut Ctx<'_>,
    t: &Target,
    mut body: Map<String, Value>,
) -> Result<Reply, ArmError> {
    let props = take_properties(&mut body)?;
    let kind = str_of(&props, "objectType").unwrap_or("");
    if !["IaasVMRestoreRequest", "IaasVMRestoreWithRehydrationRequest"]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(kind))
    {
        return Err(refuse(
            "BMSUserErrorInvalidInput",
            format!("objectType '{kind}' is not a virtual machine restore: use IaasVMRestoreRequest."),
        ));
    }
    let recovery = str_of(&props, "recoveryType").unwrap_or("");
    let Some(recovery) = RECOVERY_TYPES.iter().find(|r| r.eq_ignore_ascii_case(recovery)) else {
        return Err(refuse(
            "BMSUserErrorInvalidInput",
            format!(
                "recoveryType '{recovery}' is not valid: use one of {}.",
                RECOVERY_TYPES.join(", ")
            ),
        ));
    };
    let vault_key = vault_key(t);
    let Some(vault) = ctx.state.resource(&vault_key).cloned() else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        ));
    };
    let item_key = t.parent_key.clone().unwrap_or_default();
    let item = ctx
        .state
        .resource(&item_key)
        .and_then(|i| i.properties())
        .cloned()
        .unwrap_or_default();
    let machine = str_of(&item, "sourceResourceId").unwrap_or("").to_string();
    if let Some(source) = str_of(&props, "sourceResourceId")
        && !source.eq_ignore_ascii_case(&machine)
    {
        return Err(refuse(
            "BMSUserErrorInvalidInput",
            format!("sourceResourceId '{source}' is not the machine this item protects ('{machine}')."),
        ));
    }
    let home = normalize_location(vault.location().unwrap_or_default());
    let region = str_of(&props, "region").map_or_else(|| home.clone(), normalize_location);
    let cross = region != home;
    if cross {
        let pair = paired(&home);
        if pair != Some(region.as_str()) {
            return Err(refuse(
                "CrossRegionRestoreNotSupported",
                format!(
                    "A vault in '{home}' restores into its own region or its paired region{}, not '{region}'.",
                    pair.map(|p| format!(" '{p}'")).unwrap_or_default()
                ),
            ));
        }
        let crr = vault
            .properties()
            .and_then(|p| at(p, "/redundancySettings/crossRegionRestore"))
            .and_then(Value::as_str);
        if crr != Some("Enabled") {
            return Err(refuse(
                "CrossRegionRestoreNotEnabled",
                format!(
                    "Vault '{}' does not have cross-region restore: enable redundancySettings.crossRegionRestore \
                     (while nothing is protected) to restore into '{region}'.",
                    vault.name()
                ),
            ));
        }
        if *recovery == "OriginalLocation" {
            return Err(refuse(
                "BMSUserErrorInvalidInput",
                "A restore into the secondary region cannot be OriginalLocation: use AlternateLocation or \
                 RestoreDisks."
                    .into(),
            ));
        }
    }
    if *recovery != "OriginalLocation" {
        let account = str_of(&props, "storageAccountId").unwrap_or("");
        let found = ctx.state.resource(&key_of(account)).filter(|a| {
            a.resource_type
                .eq_ignore_ascii_case("Microsoft.Storage/storageAccounts")
        });
        let Some(found) = found else {
            return Err(refuse(
                "BMSUserErrorStorageAccountNotFound",
                format!(
                    "storageAccountId '{account}' is not an existing storage account (the staging location)."
                ),
            ));
        };
        if found.location().map(normalize_location).as_deref() != Some(region.as_str()) {
            return Err(refuse(
                "BMSUserErrorStorageAccountLocationMismatch",
                format!(
                    "The staging storage account '{}' must be in the region restored into, '{region}'.",
                    found.name()
                ),
            ));
        }
    }
    if *recovery == "AlternateLocation" {
        let group = str_of(&props, "targetResourceGroupId").unwrap_or("");
        if ctx.state.group(&key_of(group)).is_none() {
            return Err(refuse(
                "BMSUserErrorInvalidInput",
                format!("targetResourceGroupId '{group}' is not an existing resource group."),
            ));
        }
    }
    let mut job = Map::new();
    job.insert(
        "entityFriendlyName".into(),
        json!(machine.rsplit('/').next().unwrap_or_default()),
    );
    job.insert(
        "operation".into(),
        json!(if cross { "CrossRegionRestore" } else { "Restore" }),
    );
    job.insert(
        "extendedInfo".into(),
        json!({"propertyBag": {
            "Recovery point": t.name,
            "Restore type": recovery,
            "Target region": region,
        }}),
    );
    Ok(start_job(ctx, t, &vault.id, &home, job))
}
