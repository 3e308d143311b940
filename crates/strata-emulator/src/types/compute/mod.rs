//! Microsoft.Compute: virtual machines and virtual machine scale sets.
//!
//! - PUT answers 201/200 with `provisioningState` `Creating`/`Updating` and an
//!   `Azure-AsyncOperation` at `…/providers/Microsoft.Compute/locations/{loc}/operations/{id}`
//!   whose status is `{startTime, status, name}` [V ASYNC]. DELETE answers 202 with both headers.
//! - Sizes come from a list; an unknown size is `InvalidParameter` on `vmSize` (400).
//! - `osProfile.adminPassword` (and `customData`) are kept but never returned; public SSH keys
//!   are returned, as Azure does.

pub(crate) mod disks;
pub(crate) mod power;
pub(crate) mod profile;
pub(crate) mod sizes;
pub(crate) mod vm;
pub(crate) mod vmss;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::common::{merge_patch, read_tags};
use super::longrun::{NewOp, schedule};
use super::{Ctx, Target, TypeRules};
use crate::protocol::{self, ArmError, Reply};
use crate::store::OpAction;

pub(crate) const NAMESPACE: &str = "Microsoft.Compute";

/// Published versions of the compute resource provider (virtual machines and scale sets).
pub(crate) const VERSIONS: &[&str] = &[
    "2025-04-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-09-01",
    "2023-07-01",
    "2023-03-01",
    "2022-11-01",
    "2022-08-01",
    "2022-03-01",
    "2021-11-01",
    "2021-07-01",
    "2021-04-01",
    "2021-03-01",
    "2020-12-01",
    "2020-06-01",
    "2019-12-01",
    "2019-07-01",
    "2019-03-01",
    "2018-10-01",
    "2018-06-01",
    "2018-04-01",
    "2017-12-01",
    "2017-03-30",
    "2016-04-30-preview",
    "2016-03-30",
    "2015-06-15",
];

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.compute/virtualmachines" => &vm::VirtualMachines,
        "microsoft.compute/virtualmachinescalesets" => &vmss::ScaleSets,
        "microsoft.compute/disks" => &disks::Disks,
        _ => return None,
    })
}

/// `InvalidParameter` about one field, as the compute provider words it.
pub(crate) fn invalid_parameter(target: &str, message: impl Into<String>) -> ArmError {
    ArmError::bad_request("InvalidParameter", message).with_target(target.to_string())
}

/// Schedules the provisioning of `t` (and of `also`, resources made with it) and answers the
/// PUT: 201/200 with `Azure-AsyncOperation`.
pub(crate) fn put_reply(
    ctx: &mut Ctx<'_>,
    t: &Target,
    location: &str,
    created: bool,
    rendered: Value,
    also: Vec<String>,
) -> Reply {
    let mut targets = vec![t.key.clone()];
    targets.extend(also);
    let new = NewOp::on(t, NAMESPACE, location, OpAction::Provision { targets });
    let op = schedule(ctx, new);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    protocol::with_async_operation(Reply::json(status, rendered), ctx.base_url, &op, ctx.now)
}

/// DELETE: 202 with both headers; the resource shows `Deleting` until it is gone.
pub(crate) fn delete(ctx: &mut Ctx<'_>, t: &Target) -> Reply {
    delete_with(ctx, t, Vec::new())
}

/// DELETE of `t` and of `also` (resources that go with it: a machine's disks).
pub(crate) fn delete_with(ctx: &mut Ctx<'_>, t: &Target, also: Vec<String>) -> Reply {
    let Some(res) = ctx.state.resource(&t.key) else {
        return Reply::empty(StatusCode::NO_CONTENT);
    };
    let location = res.location().unwrap_or(&t.group_location).to_string();
    if let Some(r) = ctx.state.resource_mut(&t.key) {
        r.set_provisioning_state("Deleting");
    }
    let action = OpAction::Delete {
        target: t.key.clone(),
        settle: Vec::new(),
        also,
    };
    let op = schedule(ctx, NewOp::on(t, NAMESPACE, &location, action));
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

/// PATCH: tags replace, properties merge (read-only ones ignored); then the rules' checks
/// run again through `rebuild`.
pub(crate) fn patch(
    ctx: &mut Ctx<'_>,
    t: &Target,
    mut body: Map<String, Value>,
    read_only: &[&str],
    rules: &dyn TypeRules,
) -> Result<Reply, ArmError> {
    let tags = read_tags(&body)?;
    let had_tags = body.contains_key("tags");
    let Some(existing) = ctx.state.resource(&t.key).cloned() else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(1),
            &t.group_name,
        ));
    };
    let mut doc = Value::Object(existing.body.clone());
    if let Some(Value::Object(props)) = body.get_mut("properties") {
        for k in read_only {
            props.remove(*k);
        }
    }
    body.remove("tags");
    body.remove("location");
    merge_patch(&mut doc, &Value::Object(body));
    let mut merged = match doc {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if had_tags {
        match tags {
            Some(tags) => merged.insert("tags".into(), Value::Object(tags)),
            None => merged.remove("tags"),
        };
    }
    // The merged document goes through the same checks as a PUT.
    rules.put(ctx, t, merged)
}
