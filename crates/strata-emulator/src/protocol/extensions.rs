//! Extension resources: `{resource id}/providers/{ns}/{type}[/{name}]`. ARM checks the
//! resource group, the api-version and that the extended resource exists, then hands the
//! request to the extension's provider. Diagnostic settings are the extension served.

use axum::http::{Method, StatusCode};

use super::api_version;
use super::reply::{ArmError, Reply};
use super::route::ExtensionPath;
use crate::types::{Ctx, monitor};

pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    method: &Method,
    e: &ExtensionPath,
    body: &[u8],
) -> Result<Reply, ArmError> {
    let full_type = e.full_type();
    if !full_type.eq_ignore_ascii_case(monitor::diagnostics::TYPE) {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("The strata emulator does not serve the extension resource type '{full_type}'."),
        ));
    }
    let p = &e.scope;
    let group = ctx
        .state
        .group(&p.group_key())
        .ok_or_else(|| ArmError::group_not_found(&p.group))?
        .clone();
    api_version::check_provider(
        ctx.api_version,
        Some(monitor::diagnostics::VERSIONS),
        &full_type,
        &group.location,
    )?;
    let depth = (1..=p.segments.len()).find(|d| ctx.state.resource(&p.key_at(*d)).is_none());
    if let Some(depth) = depth {
        return Err(ArmError::resource_not_found(&p.type_and_names(depth), &p.group));
    }
    let Some(scope) = ctx.state.resource(&p.key()).cloned() else {
        return Err(ArmError::resource_not_found(
            &p.type_and_names(p.segments.len()),
            &p.group,
        ));
    };
    if group.deleting.is_some() && *method != Method::GET {
        return Err(ArmError::group_being_deleted(&group.name));
    }
    monitor::diagnostics::handle(ctx, method, &scope, e, body)
}
