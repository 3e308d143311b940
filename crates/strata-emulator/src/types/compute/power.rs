//! A virtual machine's power state: the POST actions `powerOff`, `start`, `deallocate` and
//! `restart` (long-running: 202 with `Azure-AsyncOperation`, `Location` and `Retry-After`), and
//! the instance view (`GET …/instanceView`, `$expand=instanceView`) that reports it.
//!
//! The state an action leads to is kept with the machine, with the operation that leads there:
//! while that operation runs, the instance view shows the transition (`PowerState/stopping`).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::str_of;
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, Target};
use super::NAMESPACE;
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, OpStatus, Resource, State};

/// Where the machine's last power action and its operation are kept (in its private fields).
const OPERATION: &str = "powerOperation";
const ACTION: &str = "powerAction";

/// An action: the state it leads to, the state shown while it runs, and the provider's name
/// for its operation.
struct Action {
    name: &'static str,
    target: &'static str,
    transition: &'static str,
}

const ACTIONS: &[Action] = &[
    Action {
        name: "powerOff",
        target: "stopped",
        transition: "stopping",
    },
    Action {
        name: "start",
        target: "running",
        transition: "starting",
    },
    Action {
        name: "deallocate",
        target: "deallocated",
        transition: "deallocating",
    },
    Action {
        name: "restart",
        target: "running",
        transition: "starting",
    },
];

fn display(code: &str) -> &'static str {
    match code {
        "running" => "VM running",
        "stopped" => "VM stopped",
        "stopping" => "VM stopping",
        "starting" => "VM starting",
        "deallocated" => "VM deallocated",
        "deallocating" => "VM deallocating",
        _ => "VM status unknown",
    }
}

/// The power state of a machine now: the transition while an action or the creation runs.
pub(crate) fn power_state(state: &State, vm: &Resource) -> &'static str {
    let running = vm
        .private
        .get(OPERATION)
        .and_then(Value::as_str)
        .and_then(|id| state.operation(id))
        .is_some_and(|op| op.status == OpStatus::InProgress);
    let action = vm.private.get(ACTION).and_then(Value::as_str);
    match ACTIONS.iter().find(|a| Some(a.name) == action) {
        Some(a) if running => a.transition,
        _ if vm.provisioning_state() == "Creating" => "starting",
        Some(a) => a.target,
        None => "running",
    }
}

/// The private fields that carry the power state over an update of the machine.
pub(crate) fn carried(private: &Map<String, Value>) -> Map<String, Value> {
    [OPERATION, ACTION]
        .iter()
        .filter_map(|k| private.get(*k).map(|v| ((*k).to_string(), v.clone())))
        .collect()
}

/// The instance view of a machine.
pub(crate) fn instance_view(state: &State, vm: &Resource) -> Value {
    let props = vm.properties().cloned().unwrap_or_default();
    let provisioning = vm.provisioning_state().to_ascii_lowercase();
    let provisioning_display = match provisioning.as_str() {
        "succeeded" => "Provisioning succeeded".to_string(),
        "failed" => "Provisioning failed".to_string(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        }
    };
    let power = power_state(state, vm);
    let time = str_of(&props, "timeCreated").unwrap_or_default().to_string();
    let mut provisioning_status = json!({
        "code": format!("ProvisioningState/{provisioning}"),
        "level": "Info",
        "displayStatus": provisioning_display,
    });
    if provisioning == "succeeded" && !time.is_empty() {
        provisioning_status["time"] = json!(time);
    }
    let os_disk = props
        .get("storageProfile")
        .and_then(|s| s.get("osDisk"))
        .and_then(|d| d.get("name"))
        .cloned()
        .unwrap_or(Value::Null);
    let windows = props
        .get("storageProfile")
        .and_then(|s| s.get("osDisk"))
        .and_then(|d| d.get("osType"))
        .and_then(Value::as_str)
        .is_some_and(|o| o.eq_ignore_ascii_case("Windows"));
    let computer = props
        .get("osProfile")
        .and_then(|o| o.get("computerName"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut view = json!({
        "computerName": computer,
        "osName": if windows { "Windows Server 2022 Datacenter" } else { "ubuntu" },
        "hyperVGeneration": "V2",
        "disks": [{
            "name": os_disk,
            "statuses": [{
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
            }],
        }],
        "statuses": [
            provisioning_status,
            {
                "code": format!("PowerState/{power}"),
                "level": "Info",
                "displayStatus": display(power),
            },
        ],
    });
    if power == "running" {
        view["vmAgent"] = json!({
            "vmAgentVersion": "2.13.1.1",
            "statuses": [{
                "code": "ProvisioningState/succeeded",
                "level": "Info",
                "displayStatus": "Ready",
                "message": "Guest Agent is running",
            }],
        });
    }
    view
}

/// POST `{vm}/{action}`: schedules the action and answers 202.
pub(crate) fn act(ctx: &mut Ctx<'_>, t: &Target, action: &str) -> Option<Result<Reply, ArmError>> {
    let a = ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(action))?;
    let Some(vm) = ctx.state.resource(&t.key) else {
        return Some(Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        )));
    };
    if vm.provisioning_state() == "Deleting" {
        return Some(Err(ArmError::new(
            StatusCode::CONFLICT,
            "OperationNotAllowed",
            format!(
                "Operation '{}' is not allowed on VM '{}' since the VM is marked for deletion.",
                a.name, t.name
            ),
        )));
    }
    let location = vm.location().unwrap_or(&t.group_location).to_string();
    let mut name = a.name.to_string();
    if let Some(first) = name.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    let new = NewOp {
        subscription: &t.path.subscription,
        namespace: NAMESPACE,
        location: &location,
        latency_type: &t.full_type,
        action: OpAction::Hold,
        name: format!("{name}VirtualMachineOperation"),
        lock: None,
        resource: None,
    };
    let op = schedule(ctx, new);
    if let Some(vm) = ctx.state.resource_mut(&t.key) {
        vm.private.insert(OPERATION.into(), json!(op.id));
        vm.private.insert(ACTION.into(), json!(a.name));
    }
    Some(Ok(protocol::accepted(ctx.base_url, &op, ctx.now, true)))
}
