//! Which origin a Front Door endpoint sends a request to: `GET
//! /_emulator/frontdoor/{profile}/{endpoint}/route?path=/x` (add `resourceGroup=` when two
//! groups hold a profile of that name).
//!
//! The decision follows Front Door's: the enabled route of the endpoint whose
//! `patternsToMatch` fits the path most specifically (`/api/*` before `/*`); in its origin
//! group, the enabled origins that are healthy; of those, the best (lowest) `priority`; among
//! equals, the highest `weight` (then the name, so the answer is deterministic — Front Door
//! spreads by weight and latency, which the answer shows as each candidate's `share`).
//!
//! An origin is unhealthy when it was marked down (`POST /_emulator/origins/health`), or when
//! its host is a resource of the estate located in a region that is out: an `azureOrigin`, a
//! site (`{name}.azurewebsites.net`), a storage account (`{name}.{service}.core.windows.net`,
//! in its current primary region, so a failed-over account is healthy again), or a public IP
//! (`dnsSettings.fqdn` or `ipAddress`). A host the estate does not know is healthy.
//!
//! The answer is 200 with `{path, route, originGroup, origin, candidates}`, or 503
//! `NoHealthyOrigin` with the candidates and why each is out when none is healthy (Front Door
//! then answers its clients with an error too); 404 when the profile, endpoint or a matching
//! route is missing.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::super::common::normalize_location;
use crate::protocol::App;
use crate::store::{Resource, State, key_of};

fn answer(status: StatusCode, code: &str, message: String) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

fn props(r: &Resource) -> serde_json::Map<String, Value> {
    r.properties().cloned().unwrap_or_default()
}

fn enabled(r: &Resource) -> bool {
    props(r)
        .get("enabledState")
        .and_then(Value::as_str)
        .is_none_or(|s| !s.eq_ignore_ascii_case("Disabled"))
}

/// How well `pattern` matches `path`: `None` when it does not, else its length (longer is more
/// specific). `/*` and `/api/*` match by prefix, anything else exactly (case-insensitively).
fn specificity(pattern: &str, path: &str) -> Option<usize> {
    let (p, q) = (pattern.to_ascii_lowercase(), path.to_ascii_lowercase());
    match p.strip_suffix('*') {
        Some(prefix) if q.starts_with(prefix) || q == prefix.trim_end_matches('/') => Some(prefix.len()),
        Some(_) => None,
        None => (p == q).then_some(p.len() + 1),
    }
}

/// The region of the resource behind an origin host, and what it is.
fn region_of_host(state: &State, origin: &serde_json::Map<String, Value>) -> Option<(String, String)> {
    if let Some(id) = origin
        .get("azureOrigin")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        && let Some(r) = state.resource(&key_of(id))
    {
        let loc = r
            .properties()
            .and_then(|p| p.get("primaryLocation"))
            .and_then(Value::as_str)
            .or_else(|| r.location())?;
        return Some((normalize_location(loc), r.id.clone()));
    }
    let host = origin.get("hostName")?.as_str()?.to_ascii_lowercase();
    let first = host.split('.').next().unwrap_or_default();
    let found = if host.ends_with(".azurewebsites.net") {
        state.named("Microsoft.Web/sites", first).next()
    } else if host.ends_with(".core.windows.net") {
        state.named("Microsoft.Storage/storageAccounts", first).next()
    } else {
        state.of_type("Microsoft.Network/publicIPAddresses").find(|ip| {
            let p = props(ip);
            let fqdn = p
                .get("dnsSettings")
                .and_then(|d| d.get("fqdn"))
                .and_then(Value::as_str);
            let addr = p.get("ipAddress").and_then(Value::as_str);
            fqdn.is_some_and(|f| f.eq_ignore_ascii_case(&host)) || addr == Some(host.as_str())
        })
    }?;
    let loc = found
        .properties()
        .and_then(|p| p.get("primaryLocation"))
        .and_then(Value::as_str)
        .or_else(|| found.location())?;
    Some((normalize_location(loc), found.id.clone()))
}

/// An origin as a candidate: its settings and health.
fn candidate(state: &State, origin: &Resource) -> Value {
    let p = props(origin);
    let host = p.get("hostName").and_then(Value::as_str).unwrap_or_default();
    let behind = region_of_host(state, &p);
    let (healthy, reason) = match state.outages.origin_mark(host) {
        Some(false) => (false, Some("marked down".to_string())),
        Some(true) => (true, None),
        None => match &behind {
            Some((region, id)) if state.outages.is_out(region) => {
                (false, Some(format!("region {region} is out ({id})")))
            }
            _ => (true, None),
        },
    };
    let mut c = json!({
        "name": origin.name(),
        "hostName": host,
        "priority": p.get("priority").and_then(Value::as_i64).unwrap_or(1),
        "weight": p.get("weight").and_then(Value::as_i64).unwrap_or(1000),
        "enabled": enabled(origin),
        "healthy": healthy,
    });
    if let Some((region, id)) = behind {
        c["region"] = json!(region);
        c["resource"] = json!(id);
    }
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    c
}

/// `GET /_emulator/frontdoor/{profile}/{endpoint}/route?path=/x[&resourceGroup=rg]`.
pub(crate) async fn decide(
    AxumState(app): AxumState<Arc<App>>,
    Path((profile, endpoint)): Path<(String, String)>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let path = query.get("path").cloned().unwrap_or_else(|| "/".to_string());
    if !path.starts_with('/') {
        return answer(
            StatusCode::BAD_REQUEST,
            "InvalidPath",
            format!("The path '{path}' must start with '/'."),
        );
    }
    let group = query.get("resourceGroup").map(|g| g.to_ascii_lowercase());
    let mut state = app.lock();
    let now = chrono::Utc::now();
    let removed = state.settle(now);
    super::super::after_group_deletion(&mut state, now, removed);
    let state = &*state;
    let profiles: Vec<&Resource> = state
        .named(super::profiles::TYPE, &profile)
        .filter(|p| !state.is_hidden(&p.key()))
        .filter(|p| {
            group
                .as_ref()
                .is_none_or(|g| p.key().contains(&format!("/resourcegroups/{g}/")))
        })
        .collect();
    let profile_res = match profiles.as_slice() {
        [one] => *one,
        [] => {
            return answer(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("No Front Door profile named '{profile}'."),
            );
        }
        many => {
            let ids: Vec<&str> = many.iter().map(|p| p.id.as_str()).collect();
            return answer(
                StatusCode::BAD_REQUEST,
                "AmbiguousProfile",
                format!(
                    "Several profiles are named '{profile}' ({}); add ?resourceGroup= to choose.",
                    ids.join(", ")
                ),
            );
        }
    };
    let endpoint_key = format!(
        "{}/afdendpoints/{}",
        profile_res.key(),
        endpoint.to_ascii_lowercase()
    );
    if state.resource(&endpoint_key).is_none() {
        return answer(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("The profile '{profile}' has no endpoint '{endpoint}'."),
        );
    }
    let best_route = state
        .children(&endpoint_key, "routes")
        .into_iter()
        .filter(|r| enabled(r))
        .filter_map(|r| {
            let patterns = props(r)
                .get("patternsToMatch")
                .cloned()
                .unwrap_or_else(|| json!(["/*"]));
            let best = patterns
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .filter_map(|p| specificity(p, &path))
                .max()?;
            Some((best, r))
        })
        .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.name().cmp(a.1.name())));
    let Some((_, route)) = best_route else {
        return answer(
            StatusCode::NOT_FOUND,
            "NoRoute",
            format!("No enabled route of endpoint '{endpoint}' matches the path '{path}'."),
        );
    };
    let group_id = props(route)
        .get("originGroup")
        .and_then(|g| g.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let group_key = key_of(&group_id);
    let group_name = group_id.rsplit('/').next().unwrap_or_default().to_string();
    let mut candidates: Vec<Value> = state
        .children(&group_key, "origins")
        .into_iter()
        .map(|o| candidate(state, o))
        .collect();
    candidates.sort_by(|a, b| {
        let key = |c: &Value| {
            (
                c["priority"].as_i64().unwrap_or(1),
                -c["weight"].as_i64().unwrap_or(0),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    let usable = |c: &Value| c["healthy"] == json!(true) && c["enabled"] == json!(true);
    let best_priority = candidates
        .iter()
        .filter(|c| usable(c))
        .map(|c| c["priority"].as_i64())
        .min();
    let band_weight: i64 = candidates
        .iter()
        .filter(|c| usable(c) && c["priority"].as_i64() == best_priority.flatten())
        .map(|c| c["weight"].as_i64().unwrap_or(0))
        .sum();
    for c in &mut candidates {
        if usable(c) && c["priority"].as_i64() == best_priority.flatten() && band_weight > 0 {
            let share = c["weight"].as_i64().unwrap_or(0) as f64 / band_weight as f64;
            c["share"] = json!(share);
        }
    }
    let chosen = candidates.iter().find(|c| usable(c)).cloned();
    let mut body = json!({
        "path": path,
        "route": route.name(),
        "originGroup": group_name,
        "candidates": candidates,
    });
    match chosen {
        Some(origin) => {
            body["origin"] = origin;
            (StatusCode::OK, Json(body)).into_response()
        }
        None => {
            body["error"] = json!({
                "code": "NoHealthyOrigin",
                "message": format!("No origin of origin group '{group_name}' is healthy and enabled."),
            });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_prefix_and_specificity() {
        assert!(specificity("/*", "/x").is_some());
        assert!(specificity("/api/*", "/x").is_none());
        assert!(specificity("/api/*", "/API/v1") > specificity("/*", "/api/v1"));
        assert!(specificity("/api/*", "/api").is_some());
        assert_eq!(specificity("/health", "/health"), Some(8));
        assert!(specificity("/health", "/healthz").is_none());
    }
}
