//! Azure Backup of the VMs of an environment with disaster recovery.
//!
//! A Recovery Services vault protects only machines in its own region, so each estate's VMs
//! get a vault `rsv-<name>` (`backup_vault`) in their region. The vault is geo-redundant with
//! cross-region restore, so its recovery points can be restored in the paired region when
//! the VMs' region is lost. A VM backup policy (`backup_policy`, `daily-vm`) takes one backup
//! a day at 02:00 UTC and keeps it for the profile's days (7, 14, 30).
//!
//! Each machine is enrolled (`backup_item`): the vault discovers the machines of its region
//! (`POST backupFabrics/Azure/refreshContainers`, sent before the protected item is written),
//! then the protected item
//! `backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}/protectedItems/vm;iaasvmcontainerv2;{rg};{vm}`
//! names the machine and the policy.

use strata_core::{ArmId, DesiredResource, Layer, ReadAction, ResourceAddr, Value};

use super::Common;
use crate::common;
use crate::inputs::Errors;

pub const API_VERSION: &str = strata_azure::api_versions::RECOVERY_SERVICES;
const VAULT_TYPE: &str = "Microsoft.RecoveryServices/vaults";
pub(super) const POLICY_NAME: &str = "daily-vm";
/// When the daily backup runs: Azure reads the time of day (UTC) of this date and time.
const RUN_TIME: &str = "2024-01-01T02:00:00Z";

fn vault_name(c: &Common<'_>) -> String {
    format!("rsv-{}", c.name)
}

/// Checks the name the vault would get, blaming `name`.
pub(super) fn check(c: &Common<'_>, errs: &mut Errors) {
    if let Err(e) = common::check_derived_name(&c.fields, "name", VAULT_TYPE, &vault_name(c)) {
        errs.push(e);
    }
}

/// The vault, its policy and a protected item for each of `machines` (id and address), and
/// the vault's id.
pub(super) fn resources(
    c: &Common<'_>,
    errs: &mut Errors,
    machines: &[(ArmId, ResourceAddr)],
) -> Option<(Vec<DesiredResource>, ArmId)> {
    let group = c.place.group_id(c.ctx.subscription_id);
    let vault_id = common::id_in(errs, &c.fields, "name", &group, VAULT_TYPE, &vault_name(c))?;
    let vault_addr = ResourceAddr::module(c.ctx.label, "backup_vault", None);
    let mut body = c.place.top();
    body.push((
        "sku",
        Value::object([("name", Value::from("RS0")), ("tier", Value::from("Standard"))]),
    ));
    body.push((
        "properties",
        Value::object([
            ("publicNetworkAccess", Value::from("Enabled")),
            (
                "redundancySettings",
                Value::object([
                    ("standardTierStorageRedundancy", Value::from("GeoRedundant")),
                    ("crossRegionRestore", Value::from("Enabled")),
                ]),
            ),
        ]),
    ));
    let mut vault = common::resource(
        vault_addr.clone(),
        vault_id.clone(),
        API_VERSION,
        Value::object(body),
        Layer::Compute,
        &[],
    );
    vault.force_new = strata_azure::replace_on_change(&vault.resource_type());

    let days = c.profile.defaults().vm_backup_retention_days;
    let run_times = || Value::List(vec![Value::from(RUN_TIME)]);
    let mut policy = common::resource(
        ResourceAddr::module(c.ctx.label, "backup_policy", None),
        vault_id.child("backupPolicies", POLICY_NAME),
        API_VERSION,
        Value::object([(
            "properties",
            Value::object([
                ("backupManagementType", Value::from("AzureIaasVM")),
                ("instantRpRetentionRangeInDays", Value::from(2)),
                ("timeZone", Value::from("UTC")),
                (
                    "schedulePolicy",
                    Value::object([
                        ("schedulePolicyType", Value::from("SimpleSchedulePolicy")),
                        ("scheduleRunFrequency", Value::from("Daily")),
                        ("scheduleRunTimes", run_times()),
                    ]),
                ),
                (
                    "retentionPolicy",
                    Value::object([
                        ("retentionPolicyType", Value::from("LongTermRetentionPolicy")),
                        (
                            "dailySchedule",
                            Value::object([
                                ("retentionTimes", run_times()),
                                (
                                    "retentionDuration",
                                    Value::object([
                                        ("count", Value::from(days)),
                                        ("durationType", Value::from("Days")),
                                    ]),
                                ),
                            ]),
                        ),
                    ]),
                ),
            ]),
        )]),
        Layer::Compute,
        &[&vault_addr],
    );
    policy.force_new = strata_azure::replace_on_change(&policy.resource_type());
    let policy_addr = policy.addr.clone();
    let policy_id = policy.id.clone();
    let fabric = vault_id.child("backupFabrics", "Azure");
    let mut out = vec![vault, policy];
    for (vm_id, vm_addr) in machines {
        let Some(rg) = vm_id.resource_group_name() else {
            continue;
        };
        let vm = vm_id.name();
        let container = format!("iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}");
        let item_name = format!("vm;iaasvmcontainerv2;{rg};{vm}");
        let mut item = common::resource(
            ResourceAddr::module(c.ctx.label, "backup_item", vm_addr.key.as_deref()),
            fabric
                .child("protectionContainers", &container)
                .child("protectedItems", &item_name),
            API_VERSION,
            Value::object([(
                "properties",
                Value::object([
                    (
                        "protectedItemType",
                        Value::from("Microsoft.Compute/virtualMachines"),
                    ),
                    ("sourceResourceId", Value::from(vm_id.as_str())),
                    ("policyId", Value::from(policy_id.as_str())),
                ]),
            )]),
            Layer::Compute,
            &[&vault_addr, &policy_addr, vm_addr],
        );
        item.read_actions = vec![ReadAction {
            name: "refreshContainers".into(),
            api_version: API_VERSION.into(),
            on: Some(fabric.as_str().to_string()),
            before_write: true,
        }];
        out.push(item);
    }
    Some((out, vault_id))
}
