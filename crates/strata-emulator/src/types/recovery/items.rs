//! Backup of virtual machines: the `Azure` fabric, discovered containers, protected items,
//! recovery points, restores and the jobs they leave.
//!
//! A machine is protected in two steps, as the REST docs show: `POST
//! backupFabrics/Azure/refreshContainers` discovers the machines of the vault's subscription and
//! region (a container each), then a PUT of
//! `protectionContainers/iaasvmcontainer;iaasvmcontainerv2;{rg};{vm}/protectedItems/vm;iaasvmcontainerv2;{rg};{vm}`
//! with `protectedItemType: Microsoft.Compute/virtualMachines`, the machine's
//! `sourceResourceId` and a `policyId` of the vault protects it (202, then one initial
//! recovery point). A restore (`…/recoveryPoints/{rp}/restore`, an `IaasVMRestoreRequest`)
//! runs in the vault's region, or in its paired region when the vault has cross-region
//! restore; it records a job `vaults/{v}/backupJobs/{id}`.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::super::common::{normalize_location, render_doc, str_of, take_properties, timestamp};
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target, TypeRules};
use super::{NAMESPACE, refuse, vault_key};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource, State, key_of};

pub(crate) const FABRIC_TYPE: &str = "Microsoft.RecoveryServices/vaults/backupFabrics";
pub(crate) const CONTAINER_TYPE: &str =
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers";
pub(crate) const ITEM_TYPE: &str =
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems";
pub(crate) const POINT_TYPE: &str =
    "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints";
pub(crate) const JOB_TYPE: &str = "Microsoft.RecoveryServices/vaults/backupJobs";

const VM_TYPE: &str = "Microsoft.Compute/virtualMachines";
const CONTAINER_PREFIX: &str = "iaasvmcontainer;iaasvmcontainerv2;";
const ITEM_PREFIX: &str = "vm;iaasvmcontainerv2;";

/// The `Azure` fabric every vault has.
pub(crate) fn make_fabric(state: &mut State, vault_id: &str) {
    let order = state.next_order();
    state.put_resource(Resource {
        id: format!("{vault_id}/backupFabrics/Azure"),
        resource_type: FABRIC_TYPE.into(),
        body: json!({"properties": {"friendlyName": "Azure", "fabricType": "Azure"}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        order,
        ..Resource::default()
    });
}

fn items_of<'a>(state: &'a State, vault_key: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
    state
        .descendants(vault_key)
        .filter(|r| r.resource_type.eq_ignore_ascii_case(ITEM_TYPE))
}

/// How many items the vault protects (those being protected included).
pub(crate) fn protected_count(state: &State, vault_key: &str) -> usize {
    items_of(state, vault_key).count()
}

/// How many items of the vault use the policy `policy_id`.
pub(crate) fn using_policy(state: &State, vault_key: &str, policy_id: &str) -> usize {
    items_of(state, vault_key)
        .filter(|r| {
            r.properties()
                .and_then(|p| str_of(p, "policyId"))
                .is_some_and(|p| p.eq_ignore_ascii_case(policy_id))
        })
        .count()
}

fn not_allowed(method: &str, t: &Target) -> ArmError {
    ArmError::method_not_allowed(&format!("{method} ({})", t.full_type))
}

fn location_of(state: &State, key: &str, fallback: &str) -> String {
    state
        .resource(key)
        .and_then(Resource::location)
        .map_or_else(|| fallback.to_string(), normalize_location)
}

/// `vaults/{v}/backupFabrics/{fabric}`: made with the vault; its action discovers machines.
pub(crate) struct Fabrics;

impl TypeRules for Fabrics {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(FABRIC_TYPE)
    }

    fn put(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PUT", t))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PATCH", t))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(not_allowed("DELETE", t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }

    fn action(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        _body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        if !action.eq_ignore_ascii_case("refreshContainers") {
            return Err(ArmError::unsupported_path("POST", &format!("{}/{action}", t.id)));
        }
        let vault = vault_key(t);
        let location = location_of(ctx.state, &vault, &t.group_location);
        let prefix = format!("/subscriptions/{}/", t.path.subscription.to_ascii_lowercase());
        let machines: Vec<(String, String, String)> = ctx
            .state
            .of_type(VM_TYPE)
            .filter(|vm| {
                vm.key().starts_with(&prefix)
                    && vm.location().is_some_and(|l| normalize_location(l) == location)
                    && !ctx.state.is_hidden(&vm.key())
            })
            .filter_map(|vm| {
                let group = vm.id.split('/').nth(4)?.to_string();
                Some((group, vm.name().to_string(), vm.id.clone()))
            })
            .collect();
        for (group, name, vm_id) in machines {
            let id = format!("{}/protectionContainers/{CONTAINER_PREFIX}{group};{name}", t.id);
            if ctx.state.resource(&key_of(&id)).is_some() {
                continue;
            }
            let order = ctx.state.next_order();
            let body = json!({"properties": {
                "friendlyName": name,
                "backupManagementType": "AzureIaasVM",
                "registrationStatus": "Registered",
                "healthStatus": "Healthy",
                "containerType": VM_TYPE,
                "protectableObjectType": VM_TYPE,
                "virtualMachineId": vm_id,
            }});
            ctx.state.put_resource(Resource {
                id,
                resource_type: CONTAINER_TYPE.into(),
                body: body.as_object().cloned().unwrap_or_default(),
                order,
                ..Resource::default()
            });
        }
        let op = schedule(
            ctx,
            NewOp::on(t, NAMESPACE, &location, OpAction::Hold).named("RefreshContainers".into()),
        );
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
    }
}

/// `…/protectionContainers/{name}`: registered by discovery.
pub(crate) struct Containers;

impl TypeRules for Containers {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(CONTAINER_TYPE)
    }

    fn put(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(refuse(
            "BMSUserErrorContainerNotRegistrable",
            format!(
                "Container '{}' of a virtual machine is registered by discovery: POST \
                 backupFabrics/Azure/refreshContainers instead.",
                t.name
            ),
        ))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PATCH", t))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(not_allowed("DELETE", t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        Value::Object(render_doc(res))
    }
}

/// The `{rg};{vm}` a container or item name ends with, after its prefix.
fn machine_of<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    (name.len() > prefix.len() && name[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &name[prefix.len()..])
}

/// `…/protectedItems/{name}`: a protected virtual machine.
pub(crate) struct ProtectedItems;

impl TypeRules for ProtectedItems {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(ITEM_TYPE)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let vault = vault_key(t);
        let location = location_of(ctx.state, &vault, &t.group_location);
        let container = t.path.segments.get(2).map(|s| s.1.clone()).unwrap_or_default();
        let machine = machine_of(&container, CONTAINER_PREFIX);
        if machine.is_none() || machine != machine_of(&t.name, ITEM_PREFIX) {
            return Err(refuse(
                "BMSUserErrorInvalidInput",
                format!(
                    "Protected item '{}' does not match container '{container}': a virtual machine is protected as \
                     {ITEM_PREFIX}{{rg}};{{vm}} in container {CONTAINER_PREFIX}{{rg}};{{vm}}.",
                    t.name
                ),
            ));
        }
        let machine = machine.unwrap_or_default().to_string();
        let mut props = take_properties(&mut body)?;
        let kind = str_of(&props, "protectedItemType").unwrap_or("");
        if !kind.eq_ignore_ascii_case(VM_TYPE) {
            return Err(refuse(
                "BMSUserErrorInvalidInput",
                format!("protectedItemType '{kind}' is not valid here: a virtual machine is '{VM_TYPE}'."),
            ));
        }
        let source = str_of(&props, "sourceResourceId").unwrap_or("").to_string();
        let vm = ctx
            .state
            .resource(&key_of(&source))
            .filter(|r| r.resource_type.eq_ignore_ascii_case(VM_TYPE) && !ctx.state.is_hidden(&r.key()));
        let Some(vm) = vm else {
            return Err(refuse(
                "BMSUserErrorInvalidSourceResourceId",
                format!("sourceResourceId '{source}' is not an existing virtual machine."),
            ));
        };
        let vm_machine = format!("{};{}", vm.id.split('/').nth(4).unwrap_or(""), vm.name());
        if !vm_machine.eq_ignore_ascii_case(&machine) {
            return Err(refuse(
                "BMSUserErrorInvalidSourceResourceId",
                format!("sourceResourceId '{source}' is not the machine of container '{container}'."),
            ));
        }
        if vm.location().map(normalize_location).as_deref() != Some(location.as_str()) {
            return Err(refuse(
                "BMSUserErrorVMNotInVaultRegion",
                format!(
                    "Virtual machine '{}' is not in the vault's region '{location}'.",
                    vm.name()
                ),
            ));
        }
        let vm_name = vm.name().to_string();
        let vm_id = vm.id.clone();
        let policy_id = str_of(&props, "policyId").unwrap_or("").to_string();
        let policy = ctx.state.resource(&key_of(&policy_id)).filter(|p| {
            p.resource_type.eq_ignore_ascii_case(super::policies::TYPE)
                && p.key().starts_with(&format!("{vault}/"))
                && !ctx.state.is_hidden(&p.key())
        });
        let Some(policy) = policy else {
            return Err(refuse(
                "BMSUserErrorPolicyNotFound",
                format!("policyId '{policy_id}' is not a backup policy of this vault."),
            ));
        };
        let policy_name = policy.name().to_string();
        let policy_id = policy.id.clone();
        let existing = ctx.state.resource(&t.key).cloned();
        if let Some(old) = existing.as_ref().and_then(Resource::properties)
            && str_of(old, "sourceResourceId").is_some_and(|o| !o.eq_ignore_ascii_case(&vm_id))
        {
            return Err(refuse(
                "BMSUserErrorInvalidInput",
                "The machine of a protected item cannot change.".into(),
            ));
        }
        for (k, v) in [
            ("protectedItemType", json!(VM_TYPE)),
            ("backupManagementType", json!("AzureIaasVM")),
            ("workloadType", json!("VM")),
            (
                "containerName",
                json!(container.get("iaasvmcontainer;".len()..).unwrap_or("")),
            ),
            ("friendlyName", json!(vm_name)),
            ("virtualMachineId", json!(vm_id)),
            ("sourceResourceId", json!(vm_id)),
            ("policyId", json!(policy_id)),
            ("policyName", json!(policy_name)),
            ("protectionStatus", json!("Healthy")),
            ("protectionState", json!("Protected")),
            ("healthStatus", json!("Passed")),
            ("lastBackupStatus", json!("Completed")),
            ("isScheduledForDeferredDelete", json!(false)),
            ("provisioningState", json!("Updating")),
        ] {
            props.insert(k.into(), v);
        }
        let created = existing.is_none();
        if created {
            props.insert("lastBackupTime".into(), json!(timestamp(ctx.now)));
            props.insert("lastRecoveryPoint".into(), json!(timestamp(ctx.now)));
        }
        let order = existing
            .as_ref()
            .map_or_else(|| ctx.state.next_order(), |e| e.order);
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(props));
        ctx.state.put_resource(Resource {
            id: t.id.clone(),
            resource_type: ITEM_TYPE.into(),
            body: doc,
            order,
            ..Resource::default()
        });
        let mut targets = vec![t.key.clone()];
        if created {
            // The initial backup: one recovery point, named like the service's (digits).
            let point_id = format!("{}/recoveryPoints/{}", t.id, ctx.now.timestamp_millis());
            let order = ctx.state.next_order();
            let point = json!({"properties": {
                "objectType": "IaasVMRecoveryPoint",
                "recoveryPointType": "CrashConsistent",
                "recoveryPointTime": timestamp(ctx.now),
                "sourceVMStorageType": "NormalStorage",
                "isSourceVMEncrypted": false,
                "isInstantIlrSessionActive": false,
                "originalStorageAccountOption": false,
                "recoveryPointTierDetails": [{"type": "HardenedRP", "status": "Valid"}],
                "provisioningState": "Updating",
            }});
            targets.push(key_of(&point_id));
            ctx.state.put_resource(Resource {
                id: point_id,
                resource_type: POINT_TYPE.into(),
                body: point.as_object().cloned().unwrap_or_default(),
                order,
                ..Resource::default()
            });
        }
        let action = if created {
            OpAction::Create { targets }
        } else {
            OpAction::Provision { targets }
        };
        let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action).locking(&t.key));
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, true))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PATCH", t))
    }

    /// Stop protection and delete the backup data.
    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        let location = location_of(ctx.state, &vault_key(t), &t.group_location);
        let action = OpAction::Delete {
            target: t.key.clone(),
            settle: Vec::new(),
            also: Vec::new(),
        };
        let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action));
        Ok(protocol::accepted(ctx.base_url, &op, ctx.now, true))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render_without_state(res)
    }
}

fn render_without_state(res: &Resource) -> Value {
    let mut out = render_doc(res);
    if let Some(Value::Object(props)) = out.get_mut("properties") {
        props.remove("provisioningState");
    }
    Value::Object(out)
}

/// `…/recoveryPoints/{id}`: made by backups; `restore` restores from one.
pub(crate) struct RecoveryPoints;

impl TypeRules for RecoveryPoints {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(POINT_TYPE)
    }

    fn put(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PUT", t))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PATCH", t))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(not_allowed("DELETE", t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        render_without_state(res)
    }

    fn action(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        action: &str,
        body: Option<Map<String, Value>>,
    ) -> Result<Reply, ArmError> {
        if !action.eq_ignore_ascii_case("restore") {
            return Err(ArmError::unsupported_path("POST", &format!("{}/{action}", t.id)));
        }
        super::restore::restore(ctx, t, body.unwrap_or_default())
    }
}

/// `vaults/{v}/backupJobs/{id}`: what restores leave; `status` follows the operation.
pub(crate) struct Jobs;

impl TypeRules for Jobs {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(JOB_TYPE)
    }

    fn put(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PUT", t))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(not_allowed("PATCH", t))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        Err(not_allowed("DELETE", t))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let done = res.provisioning_state() == "Succeeded";
        let mut out = render_doc(res);
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.remove("provisioningState");
            props.insert(
                "status".into(),
                json!(if done { "Completed" } else { "InProgress" }),
            );
        }
        Value::Object(out)
    }
}

/// A new job of the vault `vault_id`, running until the returned operation ends.
pub(super) fn start_job(
    ctx: &mut Ctx<'_>,
    t: &Target,
    vault_id: &str,
    location: &str,
    mut props: Map<String, Value>,
) -> Reply {
    let id = format!("{vault_id}/backupJobs/{}", Uuid::new_v4());
    props.insert("jobType".into(), json!("AzureIaaSVMJob"));
    props.insert("backupManagementType".into(), json!("AzureIaasVM"));
    props.insert("startTime".into(), json!(timestamp(ctx.now)));
    props.insert("provisioningState".into(), json!("Updating"));
    let order = ctx.state.next_order();
    let key = key_of(&id);
    let mut body = Map::new();
    body.insert("properties".into(), Value::Object(props));
    ctx.state.put_resource(Resource {
        id,
        resource_type: JOB_TYPE.into(),
        body,
        order,
        ..Resource::default()
    });
    let op = schedule(
        ctx,
        NewOp::on(t, NAMESPACE, location, OpAction::Provision { targets: vec![key] }).named("Restore".into()),
    );
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_are_read_from_names() {
        assert_eq!(
            machine_of("IaasVMContainer;iaasvmcontainerv2;rg1;vm1", CONTAINER_PREFIX),
            Some("rg1;vm1")
        );
        assert_eq!(
            machine_of("vm;iaasvmcontainerv2;rg1;vm1", ITEM_PREFIX),
            Some("rg1;vm1")
        );
        assert_eq!(machine_of("vm;", ITEM_PREFIX), None);
    }
}
