//! The generic ARM layer: routing, api-version, request ids, error envelopes, long-running
//! operation endpoints (`Azure-AsyncOperation` status, `Location` results, Storage's own
//! `…/operations/{id}`), lists, extension resources, and the provider- and location-level
//! paths (`checkNameAvailability`, `deletedVaults`). Per-type behaviour lives in
//! [`crate::types`]; the estate in [`crate::store`].
//!
//! Every request is handled under one lock on the store, after completing the operations that
//! fell due: the estate a client sees is always consistent and depends only on the clock.
//! `scope` tells the front door what a request needs (subscription, RBAC action); `inject`
//! holds the faults that need the estate at hand, and tells creates from updates.

mod api_version;
mod conform;
mod extensions;
mod filter;
mod ids;
mod inject;
mod lists;
mod lro;
mod preconditions;
mod reply;
mod resources;
mod route;
mod scope;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::routing::{get, post};
use chrono::Utc;
use serde_json::{Map, Value};
use tokio::sync::Notify;

pub(crate) use api_version::{NETWORK_VERSIONS, check_provider, check_resources};
pub(crate) use lro::{accepted, retry_after, status_url, with_async_operation};
pub(crate) use preconditions::Preconditions;
pub(crate) use reply::{ArmError, Reply};
pub(crate) use route::{ExtensionPath, ResourcePath};
pub(crate) use scope::describe;

use crate::config::Latency;
use crate::faults::{Draw, Faults};
use crate::identity::{self, Access, Identity};
use crate::stats::{self, Fault, Stats};
use crate::store::State;
use crate::throttle::Throttler;
use crate::types::{self, Ctx};
use crate::{front, metadata, regions};
use route::Route;

/// What every request handler shares.
pub(crate) struct App {
    pub state: Mutex<State>,
    pub latency: Latency,
    pub addr: SocketAddr,
    /// `http`, or `https` with TLS.
    pub scheme: &'static str,
    /// Woken after every change to the estate, so the persister writes it.
    pub changed: Notify,
    /// The identity endpoint and token checks, when authentication is on.
    pub identity: Option<Identity>,
    pub throttle: Option<Throttler>,
    pub faults: Option<Faults>,
    pub stats: Stats,
    /// Refuse api-versions newer than the type catalogue instead of serving them.
    pub strict_api_versions: bool,
    /// Refuse bodies with anything Azure would ignore, instead of dropping it.
    pub strict_bodies: bool,
    /// Resource Graph: its quota and, with a lag, the history of its rows.
    pub graph: crate::graph::Graph,
}

impl App {
    /// The store, even if a previous holder panicked: the estate is plain data and every
    /// mutation leaves it consistent before any point that could fail.
    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The emulator's paths: its own (`/_emulator/*`), the identity endpoints, the cloud metadata,
/// and everything else as ARM.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/_emulator/stats", get(stats::get).delete(stats::reset))
        .route("/_emulator/regions", get(regions::list))
        .route("/_emulator/regions/{region}/outage", post(regions::take_out))
        .route("/_emulator/regions/{region}/restore", post(regions::restore))
        .route("/_emulator/origins/health", post(regions::origin_health))
        .route(
            "/_emulator/frontdoor/{profile}/{endpoint}/route",
            get(types::cdn::routing::decide),
        )
        .route("/_emulator/oidc/token", post(identity::mint))
        .route("/_emulator/oidc/github", get(identity::mint_github))
        .route("/_emulator/oidc/ado", post(identity::mint_ado))
        .route("/metadata/identity/oauth2/token", get(identity::imds))
        .route("/metadata/endpoints", get(metadata::endpoints))
        .route("/{tenant}/oauth2/v2.0/token", post(identity::token))
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(identity::openid_configuration),
        )
        .fallback(front::handle)
        .layer(axum::middleware::from_fn(ids::stamp))
        .with_state(app)
}

/// The query parameters ARM understands.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pub api_version: String,
    pub filter: Option<String>,
    pub top: Option<String>,
    pub skip_token: Option<String>,
    /// Every other parameter (`force`, …), as sent.
    pub params: Vec<(String, String)>,
}

impl Query {
    fn parse(raw: Option<&str>) -> Result<Query, ArmError> {
        let mut q = Query::default();
        let mut version = None;
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match k.as_ref() {
                k if k.eq_ignore_ascii_case("api-version") => version = Some(v.trim().to_string()),
                k if k.eq_ignore_ascii_case("$filter") => q.filter = Some(v.into_owned()),
                k if k.eq_ignore_ascii_case("$top") => q.top = Some(v.into_owned()),
                k if k.eq_ignore_ascii_case("$skiptoken") => q.skip_token = Some(v.into_owned()),
                _ => q.params.push((k.into_owned(), v.into_owned())),
            }
        }
        match version {
            Some(v) if !v.is_empty() => q.api_version = v,
            _ => return Err(ArmError::missing_api_version()),
        }
        Ok(q)
    }
}

/// What the front door decided for a request before it is served.
pub(crate) struct Admitted<'a> {
    /// The request's fault draw, when faults are on.
    pub draw: Option<&'a Draw<'a>>,
    /// What the caller may see, when authentication is on.
    pub access: Option<&'a Access>,
    /// Who sent it, for the change log (`resourcechanges`).
    pub actor: &'a crate::graph::Actor,
}

/// Serves an ARM request under the store's lock, after completing the operations that fell
/// due.
pub(crate) fn serve(
    app: &App,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    admitted: &Admitted<'_>,
) -> Result<Reply, ArmError> {
    let query = Query::parse(uri.query())?;
    let route = route::parse(uri.path(), method == Method::POST)
        .ok_or_else(|| ArmError::unsupported_path(method.as_str(), uri.path()))?;
    let base_url = base_url(headers, app);
    let mut state = app.lock();
    let before = state.generation();
    let now = Utc::now();
    let removed = state.settle(now);
    types::after_group_deletion(&mut state, now, removed);
    let injection = match (&app.faults, admitted.draw) {
        (Some(faults), Some(draw)) => Some(inject::Injection {
            faults,
            draw,
            stats: &app.stats,
            latency: &app.latency,
        }),
        _ => None,
    };
    // A version Azure released after the type catalogue was made: served with the newest
    // schema and a warning, or refused when api-versions are strict.
    let newer_type = route
        .arm_type(method == Method::POST)
        .filter(|t| api_version::released_since_catalogue(t, &query.api_version, now.date_naive()));
    if let Some(t) = &newer_type
        && app.strict_api_versions
    {
        let location = route
            .group_key()
            .and_then(|k| state.group(&k).map(|g| g.location.clone()))
            .unwrap_or_else(|| "global".to_string());
        if state.generation() != before {
            app.changed.notify_one();
        }
        return Err(api_version::unpublished(t, &query.api_version, &location));
    }
    // A resource in a region that is out answers as its provider does in an outage; no fault
    // is drawn for it.
    let fault = match outage_refusal(&state, method, &route, body) {
        Some(e) => Some(e),
        None => injection
            .as_ref()
            .and_then(|i| i.before_dispatch(&mut state, method, &route, body, &base_url, &query.api_version)),
    };
    // The change log keeps what a write may alter, and who sent it.
    if let Some((key, operation)) = written(method, &route) {
        app.graph.before_write(
            &state,
            &key,
            admitted.actor,
            &operation,
            crate::graph::tenant(app),
            now,
        );
    }
    // A PUT to a key that holds nothing yet is a create.
    let creating = inject::create_key(method, &route).filter(|k| state.stored_id(k).is_none());
    let result = match fault {
        Some(e) => Err(e),
        None => {
            let tenant = app
                .identity
                .as_ref()
                .map_or(types::subscriptions::EMULATOR_TENANT_ID, Identity::tenant);
            let mut ctx = Ctx {
                state: &mut state,
                now,
                latency: &app.latency,
                api_version: &query.api_version,
                base_url: &base_url,
                params: &query.params,
                tenant,
                access: admitted.access,
                slowdown: admitted.draw.map_or(1.0, Draw::slowdown),
                slowed: 0,
                strict_bodies: app.strict_bodies,
                preconditions: Preconditions::from_headers(headers),
            };
            let result = dispatch(&mut ctx, method, route, &query, body, uri.path());
            if ctx.slowed > 0 {
                app.stats.fault(Fault::SlowOperation, ctx.slowed);
            }
            result
        }
    };
    if result.is_ok()
        && let Some(key) = creating
        && let Some(id) = state.stored_id(&key)
    {
        app.stats.created(id);
        if let Some(draw) = admitted.draw {
            draw.after_create(&key, std::time::Instant::now());
        }
    }
    app.graph.observe(&mut state, crate::graph::tenant(app), now);
    if state.generation() != before {
        app.changed.notify_one();
    }
    let result = result.map(|reply| lro::ensure_retry_after(reply, method));
    match newer_type {
        Some(t) => result.map(|r| {
            r.header(
                header::WARNING,
                api_version::newer_version_warning(&t, &query.api_version),
            )
        }),
        None => result,
    }
}

/// The key a write changes and its operation name (`microsoft.network/virtualnetworks/write`,
/// `…/delete`, `…/failover/action`); `None` for reads.
fn written(method: &Method, route: &Route) -> Option<(String, String)> {
    let verb = match *method {
        Method::PUT | Method::PATCH => "write",
        Method::DELETE => "delete",
        Method::POST => "action",
        _ => return None,
    };
    match route {
        Route::Resource(p) => Some((p.key(), format!("{}/{verb}", p.full_type().to_ascii_lowercase()))),
        Route::Collection(c) if *method == Method::POST => Some((
            c.parent.key(),
            format!(
                "{}/{}/action",
                c.parent.full_type().to_ascii_lowercase(),
                c.kind.to_ascii_lowercase()
            ),
        )),
        Route::Group { sub, group } => Some((
            format!(
                "/subscriptions/{}/resourcegroups/{}",
                sub.to_ascii_lowercase(),
                group.to_ascii_lowercase()
            ),
            format!("microsoft.resources/subscriptions/resourcegroups/{verb}"),
        )),
        _ => None,
    }
}

/// The 503 of a request about a resource whose region is out (see [`crate::regions`]).
fn outage_refusal(state: &State, method: &Method, route: &Route, body: &[u8]) -> Option<ArmError> {
    match route {
        Route::Resource(p) => regions::refusal(state, method, p, None, body),
        // An action (`POST …/{name}/{action}`) or the list of a resource's children.
        Route::Collection(c) if !c.parent.segments.is_empty() => {
            regions::refusal(state, method, &c.parent, Some(&c.kind), body)
        }
        Route::LocationResource {
            namespace, location, ..
        } => regions::location_refusal(state, namespace, location),
        _ => None,
    }
}

/// The scheme and authority clients reached us at, for the absolute URLs of long-running
/// operations.
pub(crate) fn base_url(headers: &HeaderMap, app: &App) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()));
    match host {
        Some(h) => format!("{}://{h}", app.scheme),
        None => format!("{}://{}", app.scheme, app.addr),
    }
}

fn dispatch(
    ctx: &mut Ctx<'_>,
    method: &Method,
    route: Route,
    query: &Query,
    body: &[u8],
    path: &str,
) -> Result<Reply, ArmError> {
    if let Some(sub) = subscription_of(&route)
        && !is_guid(sub)
    {
        return Err(ArmError::invalid_subscription(sub));
    }
    let read_only = |m: &Method| {
        if *m == Method::GET {
            Ok(())
        } else {
            Err(ArmError::method_not_allowed(m.as_str()))
        }
    };
    match route {
        Route::Subscriptions => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            Ok(types::subscriptions::list(ctx))
        }
        Route::Subscription { sub } => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            Ok(types::subscriptions::get(ctx, &sub))
        }
        Route::Providers { sub } => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            Ok(types::subscriptions::providers(&sub))
        }
        Route::Provider { sub, namespace } => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            Ok(types::subscriptions::provider(&sub, &namespace))
        }
        Route::ProviderRegister { sub, namespace } => {
            api_version::check_format(ctx.api_version)?;
            Ok(types::subscriptions::provider(&sub, &namespace))
        }
        Route::Groups { sub } => {
            read_only(method)?;
            check_resources(ctx.api_version)?;
            lists::groups(ctx, &sub, query, path)
        }
        Route::Group { sub, group } => types::resource_groups::handle(ctx, method, &sub, &group, body),
        Route::SubscriptionResources { sub } => {
            read_only(method)?;
            check_resources(ctx.api_version)?;
            lists::resources(ctx, &sub, None, query, path)
        }
        Route::GroupResources { sub, group } => {
            read_only(method)?;
            check_resources(ctx.api_version)?;
            lists::resources(ctx, &sub, Some(&group), query, path)
        }
        Route::GroupOperationResult { sub, op } | Route::OperationResult { sub, op } => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            lro::result(ctx, &sub, &op)
        }
        Route::OperationStatus { sub, op } => {
            read_only(method)?;
            api_version::check_format(ctx.api_version)?;
            lro::status(ctx, &sub, &op)
        }
        Route::SubscriptionCollection { sub, namespace, kind } => {
            read_only(method)?;
            if let Some(reply) = types::virtual_collection(ctx, &sub, None, &namespace, &kind) {
                return reply;
            }
            lists::subscription_collection(ctx, &sub, &namespace, &kind, query, path)
        }
        Route::ProviderAction {
            sub,
            namespace,
            action,
        } => {
            api_version::check_format(ctx.api_version)?;
            types::provider_action(ctx, &sub, &namespace, &action, body)
        }
        Route::LocationResource {
            sub,
            namespace,
            location,
            kind,
            name,
            action,
        } => {
            api_version::check_format(ctx.api_version)?;
            let at = types::LocationPath {
                sub: &sub,
                namespace: &namespace,
                location: &location,
                kind: &kind,
                name: &name,
            };
            types::location_resource(ctx, method, &at, action.as_deref())
        }
        Route::Extension(e) => extensions::handle(ctx, method, &e, body),
        // `POST …/{type}/{name}/{action}` has the shape of a collection path.
        Route::Collection(c) if *method == Method::POST && !c.parent.segments.is_empty() => {
            resources::action(ctx, &c.parent, &c.kind, body)
        }
        Route::Collection(c) => {
            read_only(method)?;
            if c.parent.segments.is_empty()
                && let Some(reply) = types::virtual_collection(
                    ctx,
                    &c.parent.subscription,
                    Some(&c.parent.group),
                    &c.parent.namespace,
                    &c.kind,
                )
            {
                return reply;
            }
            if let Some(reply) = types::view_of(ctx, &c.parent, &c.kind) {
                return reply;
            }
            lists::collection(ctx, &c, query, path)
        }
        Route::Resource(p) => resources::handle(ctx, method, &p, body),
    }
}

fn subscription_of(route: &Route) -> Option<&str> {
    match route {
        Route::Subscriptions => None,
        Route::Subscription { sub }
        | Route::Groups { sub }
        | Route::Group { sub, .. }
        | Route::SubscriptionResources { sub }
        | Route::GroupResources { sub, .. }
        | Route::GroupOperationResult { sub, .. }
        | Route::Providers { sub }
        | Route::Provider { sub, .. }
        | Route::ProviderRegister { sub, .. }
        | Route::OperationStatus { sub, .. }
        | Route::OperationResult { sub, .. }
        | Route::SubscriptionCollection { sub, .. }
        | Route::ProviderAction { sub, .. }
        | Route::LocationResource { sub, .. } => Some(sub),
        Route::Resource(p) => Some(&p.subscription),
        Route::Collection(c) => Some(&c.parent.subscription),
        Route::Extension(e) => Some(&e.scope.subscription),
    }
}

/// Subscription ids are GUIDs: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits.
pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The request body as a JSON object, or ARM's `InvalidRequestContent`.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, ArmError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ArmError::invalid_json(
            "the request body is empty; a JSON object is required",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ArmError::invalid_json(&format!(
            "expected a JSON object, found {}",
            match other {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            }
        ))),
        Err(e) => Err(ArmError::invalid_json(&e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        assert!(is_guid("00000000-0000-0000-0000-000000000001"));
        assert!(is_guid("ABCDEF01-2345-6789-abcd-ef0123456789"));
        assert!(!is_guid("sub"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000g"));
        assert!(!is_guid("00000000000000000000000000000000"));
    }

    #[test]
    fn queries() {
        assert_eq!(
            Query::parse(None).unwrap_err().code(),
            "MissingApiVersionParameter"
        );
        assert_eq!(
            Query::parse(Some("api-version=")).unwrap_err().code(),
            "MissingApiVersionParameter"
        );
        let q = Query::parse(Some(
            "API-VERSION=2024-07-01&%24filter=resourceType%20eq%20%27x%27",
        ))
        .unwrap();
        assert_eq!(q.api_version, "2024-07-01");
        assert_eq!(q.filter.as_deref(), Some("resourceType eq 'x'"));
    }

    #[test]
    fn bodies() {
        assert!(parse_body(b"{}").is_ok());
        for bad in [&b""[..], b"  ", b"[1]", b"{", b"null"] {
            assert_eq!(parse_body(bad).unwrap_err().code(), "InvalidRequestContent");
        }
    }
}
