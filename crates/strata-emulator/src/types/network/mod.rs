//! Microsoft.Network: virtual networks, subnets, network security groups and security rules,
//! public IP addresses, network interfaces, application gateways, private endpoints and
//! private DNS zones.
//!
//! What the types share:
//! - PUT is long-running: 201/200 with a non-terminal `provisioningState` and an
//!   `Azure-AsyncOperation` to poll; DELETE answers 202 with `Location` and
//!   `Azure-AsyncOperation`; PATCH changes tags only, synchronously.
//! - A parent and its children are one unit of work: while a write to a VNet or any of its
//!   subnets runs, another write to any of them answers `AnotherOperationInProgress` (the same
//!   for an NSG and its rules). The lock is held on the top-level resource.
//! - Children are stored as resources of their own and rendered inline in the parent; they
//!   share its etag, which changes on every write to either.

pub(crate) mod app_gateway;
pub(crate) mod cidr;
pub(crate) mod ipam;
pub(crate) mod nic;
pub(crate) mod nsg;
pub(crate) mod private_dns;
pub(crate) mod private_endpoint;
pub(crate) mod public_ip;
pub(crate) mod record_sets;
pub(crate) mod rules;
pub(crate) mod subnet;
pub(crate) mod vnet;

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::common::read_tags;
use super::longrun::{NewOp, schedule};
use super::{Ctx, Target, TypeRules};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Operation, Resource, State};

pub(crate) const NAMESPACE: &str = "Microsoft.Network";

/// The rules of the Microsoft.Network types the emulator models (`t` lowercase).
pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.network/virtualnetworks" => &vnet::VirtualNetworks,
        "microsoft.network/virtualnetworks/subnets" => &subnet::Subnets,
        "microsoft.network/networksecuritygroups" => &nsg::SecurityGroups,
        "microsoft.network/networksecuritygroups/securityrules" => &rules::SecurityRules,
        "microsoft.network/publicipaddresses" => &public_ip::PublicIps,
        "microsoft.network/networkinterfaces" => &nic::NetworkInterfaces,
        "microsoft.network/applicationgateways" => &app_gateway::ApplicationGateways,
        "microsoft.network/privateendpoints" => &private_endpoint::PrivateEndpoints,
        "microsoft.network/privatednszones" => &private_dns::Zones,
        "microsoft.network/privatednszones/virtualnetworklinks" => &private_dns::Links,
        _ if t
            .strip_prefix("microsoft.network/privatednszones/")
            .is_some_and(record_sets::is_record_type) =>
        {
            &record_sets::RecordSets
        }
        _ => return None,
    })
}

/// `AnotherOperationInProgress` if an operation on `lock_key` (a VNet or NSG) is running.
pub(crate) fn check_not_busy(ctx: &Ctx<'_>, lock_key: &str) -> Result<(), ArmError> {
    let Some(op) = ctx.state.lock_holder(lock_key) else {
        return Ok(());
    };
    Err(ArmError::new(
        StatusCode::CONFLICT,
        "AnotherOperationInProgress",
        format!(
            "Another operation on this or dependent resource is in progress. To retrieve status of the \
             operation use uri: {}.",
            protocol::status_url(ctx.base_url, op)
        ),
    )
    .retry_after(protocol::retry_after(op, ctx.now)))
}

/// Schedules an operation on `t` that completes after the latency of its type, holding the
/// lock of its top-level resource meanwhile.
pub(crate) fn begin(ctx: &mut Ctx<'_>, t: &Target, location: &str, action: OpAction) -> Operation {
    let verb = if matches!(action, OpAction::Provision { .. }) {
        "Put"
    } else {
        "Delete"
    };
    let name = format!("{verb}{}Operation", operation_noun(&t.full_type));
    let new = NewOp::on(t, NAMESPACE, location, action)
        .locking(&t.top_key)
        .named(name);
    schedule(ctx, new)
}

/// The answer to a long-running PUT.
pub(crate) fn put_reply(ctx: &Ctx<'_>, created: bool, key: &str, op: &Operation) -> Reply {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = ctx
        .state
        .resource(key)
        .map_or(Value::Null, |r| super::render(ctx.state, r));
    protocol::with_async_operation(Reply::json(status, body), ctx.base_url, op, ctx.now)
}

/// Marks `key` as deleting and schedules its removal: 202 with both polling headers.
pub(crate) fn begin_delete(ctx: &mut Ctx<'_>, t: &Target, location: &str) -> Reply {
    begin_delete_with(ctx, t, location, Vec::new())
}

/// [`begin_delete`], removing `also` (resources owned by this one) with it.
pub(crate) fn begin_delete_with(ctx: &mut Ctx<'_>, t: &Target, location: &str, also: Vec<String>) -> Reply {
    if let Some(r) = ctx.state.resource_mut(&t.key) {
        r.set_provisioning_state("Deleting");
    }
    touch_etag(ctx.state, &t.top_key);
    let action = OpAction::Delete {
        target: t.key.clone(),
        settle: mark_parent_updating(ctx.state, t).into_iter().collect(),
        also,
    };
    let op = begin(ctx, t, location, action);
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

/// A child's write keeps its parent busy too: the parent shows `Updating` until it finishes.
/// Returns the parent's key, for the operation to settle.
pub(super) fn mark_parent_updating(state: &mut State, t: &Target) -> Option<String> {
    let parent = t.parent_key.as_deref()?;
    state.resource_mut(parent)?.set_provisioning_state("Updating");
    Some(parent.to_string())
}

/// PATCH on a network type: tags only, synchronous.
pub(crate) fn patch_tags(ctx: &mut Ctx<'_>, t: &Target, body: Map<String, Value>) -> Result<Reply, ArmError> {
    let tags = read_tags(&body)?;
    let Some(r) = ctx.state.resource_mut(&t.key) else {
        return Err(ArmError::resource_not_found(
            &t.path.type_and_names(t.path.segments.len()),
            &t.group_name,
        ));
    };
    if body.contains_key("tags") {
        match tags {
            Some(tags) => r.body.insert("tags".into(), Value::Object(tags)),
            None => r.body.remove("tags"),
        };
    }
    touch_etag(ctx.state, &t.key);
    let rendered = ctx
        .state
        .resource(&t.key)
        .map_or(Value::Null, |r| super::render(ctx.state, r));
    Ok(Reply::json(StatusCode::OK, rendered))
}

/// Gives the top-level resource a new etag (its children share it).
pub(super) fn touch_etag(state: &mut State, top_key: &str) {
    if let Some(r) = state.resource_mut(top_key) {
        r.etag = Some(super::common::new_etag());
    }
}

/// The etag children render with: their top-level resource's.
pub(super) fn parent_etag<'a>(state: &'a State, res: &Resource) -> Option<&'a str> {
    state.resource(&top_key_of(&res.id))?.etag.as_deref()
}

/// The lowercase key of the top-level resource an id belongs to (the id itself if top-level).
pub(crate) fn top_key_of(id: &str) -> String {
    let parts: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let end = parts
        .iter()
        .position(|p| p.eq_ignore_ascii_case("providers"))
        .map_or(parts.len(), |i| (i + 4).min(parts.len()));
    parts[..end].join("/").to_ascii_lowercase()
}

/// Checks a reference from `referrer_id` to another network resource (`networkSecurityGroup`,
/// `routeTable`, `natGateway`): it must exist (`InvalidResourceReference`) and be provisioned
/// (429 `RetryableError` / `ReferencedResourceNotProvisioned`, which clients retry).
pub(crate) fn check_reference(ctx: &Ctx<'_>, referrer_id: &str, value: &Value) -> Result<(), ArmError> {
    let Some(id) = value.get("id").and_then(Value::as_str) else {
        return Err(ArmError::bad_request(
            "InvalidRequestFormat",
            format!("Cannot parse the request. A reference in resource {referrer_id} has no 'id'."),
        ));
    };
    if strata_core::ArmId::parse(id).is_err() {
        return Err(ArmError::bad_request(
            "LinkedInvalidPropertyId",
            format!(
                "Property id '{id}' at path 'properties' is invalid. Expect fully qualified resource Id that \
                 start with '/subscriptions/{{subscriptionId}}' or '/providers/{{resourceProviderNamespace}}/'."
            ),
        ));
    }
    let Some(target) = ctx.state.resource(&id.trim_end_matches('/').to_ascii_lowercase()) else {
        return Err(ArmError::bad_request(
            "InvalidResourceReference",
            format!(
                "Resource {id} referenced by resource {referrer_id} was not found. Please make sure that the \
                 referenced resource exists, and that both resources are in the same region."
            ),
        )
        .with_detail("NotFound", format!("Resource {id} not found.")));
    };
    let state = target.provisioning_state();
    if matches!(state, "Succeeded" | "Failed" | "Canceled") {
        return Ok(());
    }
    let last = ctx.state.lock_holder(&top_key_of(&target.id)).map_or_else(
        || format!("Put{}Operation", operation_noun(&target.resource_type)),
        |op| op.name.clone(),
    );
    Err(ArmError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RetryableError",
        "A retryable error occurred.",
    )
    .with_detail(
        "ReferencedResourceNotProvisioned",
        format!(
            "Cannot proceed with operation because resource {} used by resource {referrer_id} is not \
                     in Succeeded state. Resource is in {state} state and the last operation that updated/is \
                     updating the resource is {last}.",
            target.id
        ),
    )
    .retry_after(1))
}

fn operation_noun(resource_type: &str) -> &'static str {
    match resource_type.to_ascii_lowercase().as_str() {
        "microsoft.network/networksecuritygroups" => "NetworkSecurityGroup",
        "microsoft.network/networksecuritygroups/securityrules" => "SecurityRule",
        "microsoft.network/virtualnetworks" => "VirtualNetwork",
        "microsoft.network/virtualnetworks/subnets" => "Subnet",
        "microsoft.network/publicipaddresses" => "PublicIpAddress",
        "microsoft.network/networkinterfaces" => "NetworkInterface",
        "microsoft.network/applicationgateways" => "ApplicationGateway",
        "microsoft.network/privateendpoints" => "PrivateEndpoint",
        "microsoft.network/privatednszones" => "PrivateDnsZone",
        "microsoft.network/privatednszones/virtualnetworklinks" => "VirtualNetworkLink",
        _ => "Resource",
    }
}

/// `DuplicateResourceName` when an inline list names one child twice.
pub(crate) fn check_unique<'a>(
    parent_id: &str,
    names: impl Iterator<Item = &'a str>,
) -> Result<(), ArmError> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if !seen.insert(n.to_ascii_lowercase()) {
            return Err(ArmError::bad_request(
                "DuplicateResourceName",
                format!("Resource {parent_id} has two child resources with the same name ({n})."),
            ));
        }
    }
    Ok(())
}

/// The name of an inline child (`properties.subnets[i].name`).
pub(crate) fn inline_name<'a>(
    item: &'a Map<String, Value>,
    parent_id: &str,
    list: &str,
) -> Result<&'a str, ArmError> {
    match item.get("name").and_then(Value::as_str) {
        Some(n) if !n.is_empty() => Ok(n),
        _ => Err(ArmError::bad_request(
            "InvalidRequestFormat",
            format!(
                "Cannot parse the request. An element of properties.{list} of resource {parent_id} has no name."
            ),
        )),
    }
}

/// The elements of an inline list (`properties.subnets`): absent or null is an empty list.
pub(crate) fn inline_list(
    props: &mut Map<String, Value>,
    list: &str,
    parent_id: &str,
) -> Result<Vec<Map<String, Value>>, ArmError> {
    match props.remove(list) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|i| match i {
                Value::Object(m) => Ok(m),
                _ => Err(ArmError::bad_request(
                    "InvalidRequestFormat",
                    format!("Cannot parse the request. properties.{list} of resource {parent_id} must hold objects."),
                )),
            })
            .collect(),
        Some(_) => Err(ArmError::bad_request(
            "InvalidRequestFormat",
            format!("Cannot parse the request. properties.{list} of resource {parent_id} must be an array."),
        )),
    }
}

/// Stores a VNet or NSG document after a valid PUT: the read-only `resourceGuid` kept (or made),
/// `provisioningState: Updating` until its operation ends, a new etag, the list order kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn put_parent_document(
    ctx: &mut Ctx<'_>,
    t: &Target,
    resource_type: &str,
    existing: Option<&Resource>,
    location: &str,
    tags: Option<serde_json::Map<String, serde_json::Value>>,
    body: serde_json::Map<String, serde_json::Value>,
    props: serde_json::Map<String, serde_json::Value>,
) {
    use serde_json::{Map, Value, json};
    let guid = existing
        .and_then(|e| e.properties())
        .and_then(|p| p.get("resourceGuid").cloned())
        .unwrap_or_else(|| json!(uuid::Uuid::new_v4().to_string()));
    let mut stored_props = Map::new();
    stored_props.insert("provisioningState".into(), json!("Updating"));
    stored_props.insert("resourceGuid".into(), guid);
    stored_props.extend(props);
    let mut doc = Map::new();
    doc.insert("location".into(), json!(location));
    if let Some(tags) = tags {
        doc.insert("tags".into(), Value::Object(tags));
    }
    for (k, v) in body {
        if k != "location" && k != "tags" {
            doc.insert(k, v);
        }
    }
    doc.insert("properties".into(), Value::Object(stored_props));
    let order = match existing {
        Some(e) => e.order,
        None => ctx.state.next_order(),
    };
    ctx.state.put_resource(Resource {
        id: t.id.clone(),
        resource_type: resource_type.into(),
        body: doc,
        etag: Some(super::common::new_etag()),
        order,
        ..Resource::default()
    });
}
