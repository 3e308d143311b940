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

/// The namespaces Azure publishes types for, from the type catalogue (Microsoft's published
/// type definitions), sorted case-insensitively; the emulator's own modelled providers if the
/// catalogue cannot be read.
fn namespaces() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let published = strata_azure::Catalogue::global()
        .map(|c| {
            c.resource_types()
                .filter_map(|e| e.name.split_once('/').map(|(ns, _)| ns.to_string()))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let modelled = MODELLED
        .iter()
        .filter_map(|t| t.split_once('/').map(|(ns, _)| ns.to_string()));
    for ns in published.into_iter().chain(modelled) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&ns)) {
            out.push(ns);
        }
    }
    out.sort_by_key(|n| n.to_ascii_lowercase());
    out
}

/// `GET /subscriptions/{s}/providers`: every namespace the catalogue publishes.
pub(crate) fn providers(sub: &str) -> Reply {
    let value: Vec<Value> = namespaces().iter().map(|ns| provider_document(sub, ns)).collect();
    Reply::json(StatusCode::OK, json!({ "value": value }))
}

/// `GET /subscriptions/{s}/providers/{ns}` (and `POST …/register`): every provider is registered.
pub(crate) fn provider(sub: &str, namespace: &str) -> Reply {
    let namespace = namespaces()
        .into_iter()
        .find(|n| n.eq_ignore_ascii_case(namespace))
        .unwrap_or_else(|| namespace.to_string());
    Reply::json(StatusCode::OK, provider_document(sub, &namespace))
}

/// A provider's document: each resource type the catalogue publishes in the namespace with
/// its api-versions, newest first as ARM lists them, plus any the emulator accepts beyond them.
fn provider_document(sub: &str, namespace: &str) -> Value {
    let mut types: Vec<(String, Vec<String>)> = Vec::new();
    if let Ok(c) = strata_azure::Catalogue::global() {
        for e in c.resource_types() {
            let Some((ns, kind)) = e.name.split_once('/') else {
                continue;
            };
            if ns.eq_ignore_ascii_case(namespace) {
                types.push((kind.to_string(), e.versions.iter().rev().cloned().collect()));
            }
        }
    }
    for full in MODELLED {
        let Some((ns, kind)) = full.split_once('/') else {
            continue;
        };
        if !ns.eq_ignore_ascii_case(namespace) {
            continue;
        }
        let listed = rules_for(full).api_versions().unwrap_or_default();
        match types.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(kind)) {
            Some((_, versions)) => {
                for v in listed {
                    if !versions.iter().any(|x| x.eq_ignore_ascii_case(v)) {
                        versions.push((*v).to_string());
                    }
                }
                versions.sort_by(|a, b| strata_azure::version::compare(b, a));
            }
            None => types.push((
                kind.to_string(),
                listed.iter().map(|v| (*v).to_string()).collect(),
            )),
        }
    }
    let types: Vec<Value> = types
        .into_iter()
        .map(|(kind, versions)| {
            json!({
                "resourceType": kind,
                "locations": [],
                "apiVersions": versions,
                "defaultApiVersion": versions.iter().find(|v| strata_azure::version::is_stable(v)),
            })
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
