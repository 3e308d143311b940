//! Azure Front Door Standard/Premium (Microsoft.Cdn profiles and their children) and Front
//! Door WAF policies (Microsoft.Network/FrontDoorWebApplicationFirewallPolicies).
//!
//! - Profiles are global (`location: global`) with an AFD sku; endpoints, origin groups,
//!   origins, routes and security policies are its children. Every write is long-running:
//!   201/200 with `provisioningState` `Creating`/`Updating` and an `Azure-AsyncOperation`
//!   (`final-state-via: azure-async-operation`); DELETE answers 202 (204 when absent)
//!   [V AFD].
//! - An endpoint's `hostName` is `{name}-{hash}.z01.azurefd.net`; with the default
//!   `TenantReuse` scope the hash depends on the name only, so one name is one host across
//!   the estate: a second endpoint of that name elsewhere conflicts.
//! - An origin needs `hostName` [V AFD]; a route needs an origin group of its profile.
//!   Origins carry `priority` (1–5, default 1) and `weight` (1–1000, default 1000).
//! - `routing` answers which origin serves a path (`GET /_emulator/frontdoor/…/route`), from
//!   the origins' priority, weight and health (regions out, origins marked down).

pub(crate) mod endpoints;
pub(crate) mod origins;
pub(crate) mod profiles;
pub(crate) mod routes;
pub(crate) mod routing;
pub(crate) mod security;

use axum::http::StatusCode;
use serde_json::Value;

use super::generic::Generic;
use super::longrun::{NewOp, schedule};
use super::{Ctx, Target, TypeRules};
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Resource};

pub(crate) const NAMESPACE: &str = "Microsoft.Cdn";

/// Operations of a global service are tracked in `global`.
pub(crate) const LOCATION: &str = "global";

/// Published Microsoft.Cdn versions.
pub(crate) const VERSIONS: &[&str] = &[
    "2025-06-01",
    "2025-04-15",
    "2024-09-01",
    "2024-06-01-preview",
    "2024-05-01-preview",
    "2024-02-01",
    "2023-07-01-preview",
    "2023-05-01",
    "2022-11-01-preview",
    "2022-05-01-preview",
    "2021-06-01",
    "2020-09-01",
];

/// The Front Door skus (the rest of Microsoft.Cdn is classic CDN).
pub(crate) const AFD_SKUS: &[&str] = &["Standard_AzureFrontDoor", "Premium_AzureFrontDoor"];

/// Classic CDN types (endpoints, custom domains, rule sets): stored as they are.
static OTHER: Generic = Generic::with_versions(VERSIONS);

pub(crate) fn rules_for(t: &str) -> Option<&'static dyn TypeRules> {
    Some(match t {
        "microsoft.cdn/profiles" => &profiles::Profiles,
        "microsoft.cdn/profiles/afdendpoints" => &endpoints::Endpoints,
        "microsoft.cdn/profiles/origingroups" => &origins::OriginGroups,
        "microsoft.cdn/profiles/origingroups/origins" => &origins::Origins,
        "microsoft.cdn/profiles/afdendpoints/routes" => &routes::Routes,
        "microsoft.cdn/profiles/securitypolicies" => &security::SecurityPolicies,
        "microsoft.network/frontdoorwebapplicationfirewallpolicies" => &security::WafPolicies,
        _ if t.starts_with("microsoft.cdn/") => &OTHER,
        _ => return None,
    })
}

/// Schedules the provisioning of `t` and answers 201/200 with `Azure-AsyncOperation`.
pub(crate) fn accept_put(
    ctx: &mut Ctx<'_>,
    t: &Target,
    namespace: &str,
    created: bool,
    rendered: Value,
) -> Reply {
    let new = NewOp::on(
        t,
        namespace,
        LOCATION,
        OpAction::Provision {
            targets: vec![t.key.clone()],
        },
    );
    let op = schedule(ctx, new);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    protocol::with_async_operation(Reply::json(status, rendered), ctx.base_url, &op, ctx.now)
}

/// DELETE: 202 with both headers; the resource and its children go when it ends.
pub(crate) fn accept_delete(ctx: &mut Ctx<'_>, t: &Target, namespace: &str) -> Reply {
    if ctx.state.resource(&t.key).is_none() {
        return Reply::empty(StatusCode::NO_CONTENT);
    }
    if let Some(r) = ctx.state.resource_mut(&t.key) {
        r.set_provisioning_state("Deleting");
    }
    let action = OpAction::Delete {
        target: t.key.clone(),
        settle: Vec::new(),
        also: Vec::new(),
    };
    let op = schedule(ctx, NewOp::on(t, namespace, LOCATION, action));
    protocol::accepted(ctx.base_url, &op, ctx.now, true)
}

/// The profile a child belongs to, which must be a Front Door profile.
pub(crate) fn afd_profile<'a>(ctx: &'a Ctx<'_>, t: &Target) -> Result<&'a Resource, ArmError> {
    let Some(profile) = ctx.state.resource(&t.top_key) else {
        return Err(ArmError::parent_not_found(&t.path.segments[0].1));
    };
    let sku = profile
        .body
        .get("sku")
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !AFD_SKUS.iter().any(|s| s.eq_ignore_ascii_case(sku)) {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!(
                "Profile '{}' has sku '{sku}'; {} children need a Standard_AzureFrontDoor or Premium_AzureFrontDoor profile.",
                profile.name(),
                t.full_type
            ),
        ));
    }
    Ok(profile)
}

/// The global location of a Front Door resource: absent or `global`.
pub(crate) fn check_global(body: &serde_json::Map<String, Value>, required: bool) -> Result<(), ArmError> {
    match super::common::read_location(body, required)? {
        None => Ok(()),
        Some(l) if l == LOCATION => Ok(()),
        Some(l) => Err(ArmError::bad_request(
            "LocationNotAvailableForResourceType",
            format!(
                "The provided location '{l}' is not available for this resource type: Front Door resources are 'global'."
            ),
        )),
    }
}

/// `deploymentStatus` follows the provisioning.
pub(crate) fn deployment_status(res: &Resource) -> &'static str {
    match res.provisioning_state() {
        "Succeeded" => "Succeeded",
        "Failed" => "Failed",
        _ => "NotStarted",
    }
}
