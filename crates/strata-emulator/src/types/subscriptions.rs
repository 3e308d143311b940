//! Subscriptions and resource providers.
//!
//! The emulator has no tenant to enumerate: every well-formed subscription id is accepted, and
//! `GET /subscriptions` lists those that hold resource groups plus a default one (with
//! authentication on, only those the caller may use). Display names say plainly that this is
//! the emulator.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Ctx, MODELLED, rules_for};
use crate::identity::Access;
use crate::protocol::Reply;

/// The subscription `GET /subscriptions` always lists, for clients that pick the first one.
pub const DEFAULT_SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000001";

/// The tenant every emulated subscription belongs to.
pub const EMULATOR_TENANT_ID: &str = "00000000-0000-0000-0000-00000000e1e1";

fn document(sub: &str, tenant: &str) -> Value {
    json!({
        "id": format!("/subscriptions/{sub}"),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": sub,
        "tenantId": tenant,
        "displayName": format!("strata emulator ({sub})"),
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off"
        }
    })
}

pub(crate) fn list(ctx: &Ctx<'_>) -> Reply {
    // A caller restricted to some subscriptions sees exactly those.
    if let Some(Access::Only(allowed)) = ctx.access {
        let mut subs: Vec<String> = Vec::new();
        for s in allowed {
            if !subs.iter().any(|x| x.eq_ignore_ascii_case(s)) {
                subs.push(s.clone());
            }
        }
        return listing(ctx, &subs);
    }
    let mut subs = ctx.state.subscriptions();
    if !subs
        .iter()
        .any(|s| s.eq_ignore_ascii_case(DEFAULT_SUBSCRIPTION_ID))
    {
        subs.insert(0, DEFAULT_SUBSCRIPTION_ID.to_string());
    }
    listing(ctx, &subs)
}

fn listing(ctx: &Ctx<'_>, subs: &[String]) -> Reply {
    let value: Vec<Value> = subs.iter().map(|s| document(s, ctx.tenant)).collect();
    Reply::json(
        StatusCode::OK,
        json!({ "value": value, "count": { "type": "Total", "value": subs.len() } }),
    )
}

pub(crate) fn get(ctx: &Ctx<'_>, sub: &str) -> Reply {
    Reply::json(StatusCode::OK, document(sub, ctx.tenant))
}

/// The providers the emulator models.
const PROVIDERS: &[&str] = &[
    "Microsoft.Cdn",
    "Microsoft.Compute",
    "Microsoft.DBforPostgreSQL",
    "Microsoft.Insights",
    "Microsoft.KeyVault",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
    "Microsoft.Resources",
    "Microsoft.Storage",
    "Microsoft.Web",
];

/// `GET /subscriptions/{s}/providers`.
pub(crate) fn providers(sub: &str) -> Reply {
    let value: Vec<Value> = PROVIDERS.iter().map(|ns| provider_document(sub, ns)).collect();
    Reply::json(StatusCode::OK, json!({ "value": value }))
}

/// `GET /subscriptions/{s}/providers/{ns}` (and `POST …/register`): every provider is registered.
pub(crate) fn provider(sub: &str, namespace: &str) -> Reply {
    Reply::json(StatusCode::OK, provider_document(sub, namespace))
}

fn provider_document(sub: &str, namespace: &str) -> Value {
    let types: Vec<Value> = MODELLED
        .iter()
        .filter_map(|full| {
            let (ns, kind) = full.split_once('/')?;
            if !ns.eq_ignore_ascii_case(namespace) {
                return None;
            }
            let versions = rules_for(full).api_versions().unwrap_or_default();
            Some(json!({ "resourceType": kind, "locations": [], "apiVersions": versions }))
        })
        .collect();
    json!({
        "id": format!("/subscriptions/{sub}/providers/{namespace}"),
        "namespace": namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
        "resourceTypes": types,
    })
}
