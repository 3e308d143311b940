//! Requests on one resource below a resource group: what ARM checks before handing the request
//! to the resource provider, then the type's rules.

use axum::http::{Method, StatusCode};

use super::conform::{Write, conform};
use super::reply::{ArmError, Reply};
use super::route::ResourcePath;
use super::{api_version, parse_body};
use crate::types::{self, Ctx, Target, common};

pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    method: &Method,
    p: &ResourcePath,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let full_type = p.full_type();
    let rules = types::rules_for(&full_type);
    // Bodies are read first: malformed JSON is rejected before anything is looked up.
    let body = match *method {
        Method::PUT | Method::PATCH => Some(parse_body(body)?),
        _ => None,
    };
    let group = ctx
        .state
        .group(&p.group_key())
        .ok_or_else(|| ArmError::group_not_found(&p.group))?
        .clone();
    api_version::check_provider(ctx.api_version, rules.api_versions(), &full_type, &group.location)?;
    let target = Target::resolve(ctx.state, p, &group, rules);
    let exists = rules.exists(ctx.state, &target);
    let depth = p.segments.len();
    if matches!(*method, Method::PUT | Method::PATCH | Method::DELETE) && ctx.preconditions.any() {
        let current = ctx
            .state
            .resource(&target.key)
            .map(|r| rules.render(ctx.state, r));
        let etag = current
            .as_ref()
            .map(|doc| doc.get("etag").and_then(serde_json::Value::as_str));
        ctx.preconditions.check(etag)?;
    }
    match (method.clone(), body) {
        (Method::GET, _) if exists => rules.get(ctx, &target),
        (Method::GET, _) => Err(not_found(ctx, p)),
        (Method::HEAD, _) => Ok(Reply::empty(if exists {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_FOUND
        })),
        (Method::PUT, Some(body)) => {
            if group.deleting.is_some() {
                return Err(ArmError::group_being_deleted(&group.name));
            }
            common::check_name(&target)?;
            if let Some(parent) = &target.parent_key
                && ctx.state.resource(parent).is_none()
            {
                return Err(ArmError::parent_not_found(&p.segments[depth - 2].1));
            }
            let body = conform(
                &target.full_type,
                ctx.api_version,
                body,
                Write::Put,
                ctx.strict_bodies,
            )?;
            let body = admit(ctx, &target, body)?;
            rules.put(ctx, &target, body)
        }
        (Method::PATCH, Some(body)) => {
            if group.deleting.is_some() {
                return Err(ArmError::group_being_deleted(&group.name));
            }
            if !exists {
                return Err(not_found(ctx, p));
            }
            let body = conform(
                &target.full_type,
                ctx.api_version,
                body,
                Write::Patch,
                ctx.strict_bodies,
            )?;
            let body = admit(ctx, &target, body)?;
            rules.patch(ctx, &target, body)
        }
        (Method::DELETE, _) => rules.delete(ctx, &target),
        (m, _) => Err(ArmError::method_not_allowed(m.as_str())),
    }
}

/// `ResourceNotFound` for the first missing resource on the path: a child of a missing parent
/// is reported as its parent missing.
fn not_found(ctx: &Ctx<'_>, p: &ResourcePath) -> ArmError {
    let depth = (1..=p.segments.len())
        .find(|d| ctx.state.resource(&p.key_at(*d)).is_none())
        .unwrap_or(p.segments.len());
    ArmError::resource_not_found(&p.type_and_names(depth), &p.group)
}

/// `POST …/{type}/{name}/{action}`: an action on an existing resource.
pub(crate) fn action(
    ctx: &mut Ctx<'_>,
    p: &ResourcePath,
    action: &str,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let full_type = p.full_type();
    let rules = types::rules_for(&full_type);
    // Actions may have no body; one that is sent must be JSON.
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(parse_body(body)?)
    };
    let group = ctx
        .state
        .group(&p.group_key())
        .ok_or_else(|| ArmError::group_not_found(&p.group))?
        .clone();
    api_version::check_provider(ctx.api_version, rules.api_versions(), &full_type, &group.location)?;
    let target = Target::resolve(ctx.state, p, &group, rules);
    if !rules.exists(ctx.state, &target) {
        return Err(not_found(ctx, p));
    }
    rules.action(ctx, &target, action, body)
}

/// What ARM checks for every type before its provider sees a write: the server's own fields
/// (`id`, `name`, `type`, `etag` come from the URL and the store) are dropped, tags are within
/// ARM's limits, and a location is in normal form (`West Europe` → `westeurope`) and, for an
/// existing resource, the one it was created in.
fn admit(
    ctx: &Ctx<'_>,
    target: &Target,
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>, ArmError> {
    common::strip_server_fields(&mut body);
    common::read_tags(&body)?;
    if let Some(location) = common::read_location(&body, false)? {
        if let Some(existing) = ctx.state.resource(&target.key) {
            common::check_location_unchanged(existing, Some(&location), target)?;
        }
        body.insert("location".into(), serde_json::Value::String(location));
    }
    Ok(body)
}
