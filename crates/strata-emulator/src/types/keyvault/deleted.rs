//! Soft-deleted vaults: `GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`,
//! `GET …/locations/{loc}/deletedVaults/{n}` and `POST …/purge` (long-running; 202 +
//! `Location`). Purge protection keeps a vault until its retention ends:
//! `MethodNotAllowed` "Operation 'DeletedVaultPurge' is not allowed." [V GH microsoft/AzureTRE#1446].

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::super::common::{normalize_location, timestamp};
use super::super::longrun::{NewOp, schedule};
use super::super::{Ctx, LocationPath};
use super::NAMESPACE;
use super::vaults::TYPE;
use crate::protocol::{self, ArmError, Reply};
use crate::store::{OpAction, Tombstone};

fn render(t: &Tombstone) -> Value {
    let r = &t.resource;
    let location = r.location().unwrap_or_default();
    let sub = strata_core::ArmId::parse(&r.id)
        .map(|i| i.subscription_id().to_string())
        .unwrap_or_default();
    let protected = r
        .properties()
        .and_then(|p| p.get("enablePurgeProtection"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    json!({
        "id": format!("/subscriptions/{sub}/providers/{NAMESPACE}/locations/{location}/deletedVaults/{}", r.name()),
        "name": r.name(),
        "type": "Microsoft.KeyVault/deletedVaults",
        "properties": {
            "vaultId": r.id,
            "location": location,
            "deletionDate": timestamp(t.deleted),
            "scheduledPurgeDate": timestamp(t.purge_at),
            "tags": r.body.get("tags").cloned().unwrap_or_else(|| json!({})),
            "purgeProtectionEnabled": protected,
        }
    })
}

fn in_subscription(t: &Tombstone, sub: &str) -> bool {
    strata_core::ArmId::parse(&t.resource.id).is_ok_and(|i| i.subscription_id().eq_ignore_ascii_case(sub))
}

/// `GET /subscriptions/{s}/providers/Microsoft.KeyVault/deletedVaults`.
pub(crate) fn list(ctx: &mut Ctx<'_>, sub: &str) -> Result<Reply, ArmError> {
    protocol::check_provider(
        ctx.api_version,
        Some(super::VERSIONS),
        "Microsoft.KeyVault/deletedVaults",
        "global",
    )?;
    let value: Vec<Value> = ctx
        .state
        .tombstones_of(TYPE)
        .filter(|t| in_subscription(t, sub))
        .map(render)
        .collect();
    Ok(Reply::json(StatusCode::OK, json!({ "value": value })))
}

/// `GET …/locations/{loc}/deletedVaults/{n}` and `POST …/purge`.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    method: &Method,
    at: &LocationPath<'_>,
    action: Option<&str>,
) -> Result<Reply, ArmError> {
    protocol::check_provider(
        ctx.api_version,
        Some(super::VERSIONS),
        "Microsoft.KeyVault/deletedVaults",
        at.location,
    )?;
    let location = normalize_location(at.location);
    let found = ctx
        .state
        .tombstones_of(TYPE)
        .find(|t| {
            in_subscription(t, at.sub)
                && t.resource.name().eq_ignore_ascii_case(at.name)
                && t.resource
                    .location()
                    .is_some_and(|l| normalize_location(l) == location)
        })
        .cloned();
    let Some(grave) = found else {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource 'Microsoft.KeyVault/deletedVaults/{}' under resource group '<null>' was not found.",
                at.name
            ),
        ));
    };
    match (method.clone(), action) {
        (Method::GET, None) => Ok(Reply::json(StatusCode::OK, render(&grave))),
        (Method::POST, Some(a)) if a.eq_ignore_ascii_case("purge") => purge(ctx, &grave, &location),
        (m, _) => Err(ArmError::method_not_allowed(m.as_str())),
    }
}

fn purge(ctx: &mut Ctx<'_>, grave: &Tombstone, location: &str) -> Result<Reply, ArmError> {
    let protected = grave
        .resource
        .properties()
        .and_then(|p| p.get("enablePurgeProtection"))
        .and_then(Value::as_bool)
        == Some(true);
    if protected {
        return Err(ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "Operation 'DeletedVaultPurge' is not allowed.",
        ));
    }
    // A purge already running answers again.
    if let Some(op) = grave.purging.as_deref().and_then(|id| ctx.state.operation(id)) {
        return Ok(protocol::accepted(ctx.base_url, op, ctx.now, false));
    }
    let key = grave.resource.key();
    let sub = strata_core::ArmId::parse(&grave.resource.id)
        .map(|i| i.subscription_id().to_string())
        .unwrap_or_default();
    let new = NewOp {
        subscription: &sub,
        namespace: NAMESPACE,
        location,
        latency_type: "Microsoft.KeyVault/deletedVaults",
        action: OpAction::Purge {
            tombstone: key.clone(),
        },
        name: "PurgeDeletedVaultOperation".into(),
        lock: None,
        resource: None,
    };
    let op = schedule(ctx, new);
    if let Some(t) = ctx.state.tombstone_mut(&key) {
        t.purging = Some(op.id.clone());
    }
    Ok(protocol::accepted(ctx.base_url, &op, ctx.now, false))
}
