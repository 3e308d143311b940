//! The faults that need the estate at hand: 404 on reads in a read-after-create window,
//! `AnotherOperationInProgress` on Microsoft.Network child writes, and
//! `ReferencedResourceNotProvisioned` on PUTs that reference another resource. All are
//! decided before the request is dispatched, so they never change a resource. Also: which
//! requests create something, for the create counts and the read-after-create windows.
//!
//! An injected `AnotherOperationInProgress` is what Azure's would be: the answer of a resource
//! held by someone else's operation. That operation is real here — it holds the lock of the
//! top-level resource for as long as a write of that type takes, changes nothing, and its
//! status is served at the uri the message names ("… To retrieve status of the operation use
//! uri: {base}/subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/operations/{id}
//! ?api-version={v}."), like the Network RP's. When the resource is already held, the answer
//! names the operation that holds it.

use std::time::Instant;

use axum::http::{Method, StatusCode};
use chrono::Utc;
use serde_json::Value;

use super::reply::ArmError;
use super::route::{ResourcePath, Route};
use crate::config::Latency;
use crate::faults::{Draw, Faults};
use crate::stats::{Fault, Stats};
use crate::store::{OpAction, OpStatus, Operation, Resource, State};

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
    /// How long the operations behind injected conflicts last.
    pub latency: &'a Latency,
}

impl Injection<'_> {
    /// The fault to answer instead of dispatching, if any.
    pub fn before_dispatch(
        &self,
        state: &mut State,
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
                Some((Fault::Conflict, self.held(state, p, base_url, api_version)))
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

impl Injection<'_> {
    /// `AnotherOperationInProgress` for a write under `p`'s top-level resource: someone
    /// else's operation now holds it (or the one already holding it does), and the answer
    /// names that operation.
    fn held(&self, state: &mut State, p: &ResourcePath, base_url: &str, api_version: &str) -> ArmError {
        let top = p.key_at(1);
        let now = Utc::now();
        let holder = match state.lock_holder(&top) {
            Some(op) => op.clone(),
            None => {
                let top_type = p
                    .segments
                    .first()
                    .map_or_else(String::new, |(kind, _)| kind.clone());
                let latency = self.latency.for_type(&format!("{}/{top_type}", p.namespace));
                let location = state
                    .resource(&top)
                    .and_then(|r| r.body.get("location").and_then(Value::as_str))
                    .filter(|l| !l.eq_ignore_ascii_case("global"))
                    .map(str::to_string)
                    .or_else(|| state.group(&p.group_key()).map(|g| g.location.clone()))
                    .unwrap_or_else(|| "westeurope".to_string());
                let op = Operation {
                    id: uuid::Uuid::new_v4().to_string(),
                    subscription: p.subscription.clone(),
                    namespace: "Microsoft.Network".into(),
                    location,
                    api_version: api_version.to_string(),
                    action: OpAction::Hold,
                    name: format!("Put{}Operation", noun(&top_type)),
                    status: OpStatus::InProgress,
                    error: None,
                    error_status: None,
                    start: now,
                    due: now
                        + chrono::Duration::from_std(latency).unwrap_or_else(|_| chrono::Duration::zero()),
                    end: None,
                    lock: Some(top),
                    resource: None,
                };
                state.schedule(op.clone());
                op
            }
        };
        ArmError::new(
            StatusCode::CONFLICT,
            "AnotherOperationInProgress",
            format!(
                "Another operation on this or dependent resource is in progress. To retrieve status of the \
                 operation use uri: {}.",
                super::status_url(base_url, &holder)
            ),
        )
        .retry_after(super::retry_after(&holder, now))
    }
}

/// `virtualNetworks` → `VirtualNetwork`, as the provider names its operations.
fn noun(kind: &str) -> String {
    let singular = kind.trim_end_matches('s');
    let mut chars = singular.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
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
