//! Microsoft.Resources/resourceGroups.
//!
//! PUT is synchronous (201 new, 200 existing) and the location can never change. DELETE is
//! asynchronous: 202 with a `Location` to poll; the group shows `Deleting` meanwhile, refuses
//! writes with `ResourceGroupBeingDeleted`, and disappears with all its resources when the
//! operation completes.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Ctx;
use super::common::{normalize_location, read_location, read_tags, strip_server_fields};
use crate::protocol::{self, ArmError, Reply, check_resources};
use crate::store::{Group, OpAction, OpStatus, Operation};

pub(crate) const TYPE: &str = "Microsoft.Resources/resourceGroups";

pub(crate) fn key_of(sub: &str, name: &str) -> String {
    format!(
        "/subscriptions/{}/resourcegroups/{}",
        sub.to_ascii_lowercase(),
        name.to_ascii_lowercase()
    )
}

pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    method: &Method,
    sub: &str,
    name: &str,
    body: &[u8],
) -> Result<Reply, ArmError> {
    check_resources(ctx.api_version)?;
    let key = key_of(sub, name);
    match *method {
        Method::GET => {
            let g = ctx
                .state
                .group(&key)
                .ok_or_else(|| ArmError::group_not_found(name))?;
            Ok(Reply::json(StatusCode::OK, render(g)))
        }
        Method::HEAD => Ok(Reply::empty(if ctx.state.group(&key).is_some() {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_FOUND
        })),
        Method::PUT => put(ctx, sub, name, &key, protocol::parse_body(body)?),
        Method::PATCH => patch(ctx, name, &key, protocol::parse_body(body)?),
        Method::DELETE => delete(ctx, sub, name, &key),
        _ => Err(ArmError::method_not_allowed(method.as_str())),
    }
}

fn check_name(name: &str) -> Result<(), ArmError> {
    strata_azure::naming::rule_for(TYPE).check(name).map_err(|why| {
        ArmError::bad_request(
            "InvalidResourceGroup",
            format!(
                "The provided resource group name '{name}' is invalid: {why}. See \
                 https://aka.ms/resource-group-naming-rules for more information."
            ),
        )
        .with_target(name.to_string())
    })
}

fn put(
    ctx: &mut Ctx<'_>,
    sub: &str,
    name: &str,
    key: &str,
    mut body: Map<String, Value>,
) -> Result<Reply, ArmError> {
    strip_server_fields(&mut body);
    check_name(name)?;
    let location = read_location(&body, true)?.unwrap_or_default();
    let tags = read_tags(&body)?;
    let managed_by = body.get("managedBy").and_then(Value::as_str).map(str::to_string);
    if let Some(existing) = ctx.state.group_mut(key) {
        if existing.deleting.is_some() {
            return Err(ArmError::group_being_deleted(&existing.name));
        }
        if normalize_location(&existing.location) != location {
            return Err(ArmError::new(
                StatusCode::CONFLICT,
                "InvalidResourceGroupLocation",
                format!(
                    "Invalid resource group location '{location}'. The Resource group already exists in \
                     location '{}'.",
                    existing.location
                ),
            ));
        }
        // PUT replaces: tags not sent are gone.
        existing.tags = tags;
        existing.managed_by = managed_by;
        return Ok(Reply::json(StatusCode::OK, render(existing)));
    }
    let group = Group {
        id: format!("/subscriptions/{sub}/resourceGroups/{name}"),
        name: name.to_string(),
        subscription: sub.to_string(),
        location,
        tags,
        managed_by,
        deleting: None,
    };
    let rendered = render(&group);
    ctx.state.insert_group(group);
    Ok(Reply::json(StatusCode::CREATED, rendered))
}

fn patch(ctx: &mut Ctx<'_>, name: &str, key: &str, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
    strip_server_fields(&mut body);
    let tags = read_tags(&body)?;
    let group = ctx
        .state
        .group_mut(key)
        .ok_or_else(|| ArmError::group_not_found(name))?;
    if group.deleting.is_some() {
        return Err(ArmError::group_being_deleted(&group.name));
    }
    if body.contains_key("tags") {
        group.tags = tags;
    }
    if let Some(m) = body.get("managedBy") {
        group.managed_by = m.as_str().map(str::to_string);
    }
    Ok(Reply::json(StatusCode::OK, render(group)))
}

fn delete(ctx: &mut Ctx<'_>, sub: &str, name: &str, key: &str) -> Result<Reply, ArmError> {
    let group = ctx
        .state
        .group(key)
        .ok_or_else(|| ArmError::group_not_found(name))?;
    // A second DELETE while the first runs answers with the same operation.
    if let Some(op) = group.deleting.as_deref().and_then(|id| ctx.state.operation(id)) {
        return Ok(protocol::accepted(ctx.base_url, op, ctx.now, false));
    }
    let location = group.location.clone();
    let due = ctx.now + ctx.latency_of(TYPE);
    let op = Operation {
        id: Uuid::new_v4().to_string(),
        subscription: sub.to_string(),
        namespace: "Microsoft.Resources".into(),
        location,
        api_version: ctx.api_version.to_string(),
        action: OpAction::DeleteGroup {
            group: key.to_string(),
        },
        name: "DeleteResourceGroupOperation".into(),
        status: OpStatus::InProgress,
        error: None,
        error_status: None,
        start: ctx.now,
        due,
        end: None,
        lock: None,
        resource: None,
    };
    let reply = protocol::accepted(ctx.base_url, &op, ctx.now, false);
    if let Some(g) = ctx.state.group_mut(key) {
        g.deleting = Some(op.id.clone());
    }
    ctx.state.schedule(op);
    Ok(reply)
}

/// The document ARM returns for a group.
pub(crate) fn render(g: &Group) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), json!(g.id));
    out.insert("name".into(), json!(g.name));
    out.insert("type".into(), json!(TYPE));
    out.insert("location".into(), json!(g.location));
    if let Some(m) = &g.managed_by {
        out.insert("managedBy".into(), json!(m));
    }
    if let Some(t) = &g.tags {
        out.insert("tags".into(), Value::Object(t.clone()));
    }
    let state = if g.deleting.is_some() {
        "Deleting"
    } else {
        "Succeeded"
    };
    out.insert("properties".into(), json!({ "provisioningState": state }));
    Value::Object(out)
}
