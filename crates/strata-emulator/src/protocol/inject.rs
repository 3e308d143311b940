//! The faults that need the estate at hand: 404 on reads in a read-after-create window,
//! `AnotherOperationInProgress` on Microsoft.Network child writes, and
//! `ReferencedResourceNotProvisioned` on PUTs that reference another resource. All are
//! decided before the request is dispatched, so they never change the estate. Also: which
//! requests create something, for the create counts and the read-after-create windows.

use std::time::Instant;

use axum::http::{Method, StatusCode};
use serde_json::Value;

use super::reply::ArmError;
use super::route::{ResourcePath, Route};
use crate::faults::{Draw, Faults};
use crate::stats::{Fault, Stats};
use crate::store::{Resource, State};

/// The lowercase key a PUT would create: a resource, a group or an extension resource.
pub(super) fn create_key(method: &Method, route: &Route) -> Option<String> {
    if *method != Method::PUT {
        return None;
    }
    match route {
        Route::Resource(p) => Some(p.key()),
        Route::Group { sub, group } => Some(format!(
            "/subscriptions/{}/resourcegroups/{}",
            sub.to_ascii_lowercase(),
            group.to_ascii_lowercase()
        )),
        Route::Extension(e) => e.name.as_ref().map(|name| {
            format!("{}/providers/{}/{}/{name}", e.scope.key(), e.namespace, e.kind).to_ascii_lowercase()
        }),
        _ => None,
    }
}

/// Where the request's fault is decided.
pub(super) struct Injection<'a> {
    pub faults: &'a Faults,
    pub draw: &'a Draw<'a>,
    pub stats: &'a Stats,
}

impl Injection<'_> {
    /// The fault to answer instead of dispatching, if any.
    pub fn before_dispatch(
        &self,
        state: &State,
        method: &Method,
        route: &Route,
        body: &[u8],
        base_url: &str,
        api_version: &str,
    ) -> Option<ArmError> {
        let fault = match route {
            Route::Resource(p) if matches!(*method, Method::GET | Method::HEAD) => self
                .faults
                .is_stale(&p.key(), Instant::now())
                .then(|| ArmError::resource_not_found(&p.type_and_names(p.segments.len()), &p.group))
                .map(|e| (Fault::ReadAfterCreate, e)),
            Route::Group { group, .. } if matches!(*method, Method::GET | Method::HEAD) => {
                let key = create_key(&Method::PUT, route).unwrap_or_default();
                self.faults
                    .is_stale(&key, Instant::now())
                    .then(|| (Fault::ReadAfterCreate, ArmError::group_not_found(group)))
            }
            Route::Resource(p)
                if matches!(*method, Method::PUT | Method::DELETE)
                    && p.segments.len() >= 2
                    && p.namespace.eq_ignore_ascii_case("Microsoft.Network")
                    && state.resource(&p.key_at(p.segments.len() - 1)).is_some()
                    && self.draw.conflict() =>
            {
                let location = state
                    .group(&p.group_key())
                    .map_or_else(|| "westeurope".to_string(), |g| g.location.clone());
                Some((
                    Fault::Conflict,
                    ArmError::new(
                        StatusCode::CONFLICT,
                        "AnotherOperationInProgress",
                        format!(
                            "Another operation on this or dependent resource is in progress. To retrieve status \
                             of the operation use uri: {base_url}/subscriptions/{}/providers/Microsoft.Network/\
                             locations/{location}/operations/{}?api-version={api_version}.",
                            p.subscription,
                            uuid::Uuid::new_v4()
                        ),
                    ),
                ))
            }
            Route::Resource(p) if *method == Method::PUT => {
                not_provisioned(state, p, body, self.draw).map(|e| (Fault::NotProvisioned, e))
            }
            _ => None,
        };
        let (kind, error) = fault?;
        self.stats.fault(kind, 1);
        tracing::debug!(%method, code = error.code(), "injected a fault");
        Some(error)
    }
}

/// 429 `RetryableError` / `ReferencedResourceNotProvisioned` naming the first existing
/// resource the body refers to, when the draw says so.
fn not_provisioned(state: &State, p: &ResourcePath, body: &[u8], draw: &Draw<'_>) -> Option<ArmError> {
    let key = p.key();
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let probe = Resource {
        id: key.clone(),
        body: map,
        ..Resource::default()
    };
    let referenced = probe.references().into_iter().find_map(|k| state.resource(&k))?;
    if !draw.not_provisioned() {
        return None;
    }
    let noun = referenced
        .resource_type
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches('s');
    let mut chars = noun.chars();
    let noun: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default();
    let referrer = state.stored_id(&key).map_or_else(
        || {
            format!(
                "/subscriptions/{}/resourceGroups/{}/providers/{}",
                p.subscription,
                p.group,
                p.type_and_names(p.segments.len())
            )
        },
        str::to_string,
    );
    Some(
        ArmError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RetryableError",
            "A retryable error occurred.",
        )
        .with_detail(
            "ReferencedResourceNotProvisioned",
            format!(
                "Cannot proceed with operation because resource {} used by resource {referrer} is not in \
                 Succeeded state. Resource is in Updating state and the last operation that updated/is \
                 updating the resource is Put{noun}Operation.",
                referenced.id
            ),
        )
        .retry_after(1),
    )
}
