//! ARM's front door: what happens to a request before and after a resource provider sees
//! it, in ARM's order.
//!
//! 1. Authentication (with `--auth`): a bearer token this emulator issued, valid, for ARM;
//!    then, for requests in a subscription, the token's tenant and the principal's access
//!    (401 / 403).
//! 2. Throttling (with `--throttle`): the principal's and the subscription's token buckets
//!    (429 with `Retry-After`); every answer after this point carries the remaining counts.
//! 3. Faults decided up front (with `--faults`): transient 500/503 here, the others in
//!    [`protocol::serve`] where the estate is at hand.
//! 4. The request is served.
//! 5. A dropped answer: the connection is cut after the request was served.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::conn::CutSwitch;
use crate::identity::{self, Access, Action, Origin};
use crate::protocol::{self, Admitted, App, ArmError};
use crate::stats::Fault;
use crate::throttle::{Class, Scope};

/// The largest request body read; ARM refuses anything near this size anyway.
const MAX_BODY: usize = 8 * 1024 * 1024;

pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let cut = parts
        .extensions
        .get::<ConnectInfo<CutSwitch>>()
        .map(|c| c.0.clone());
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ArmError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than {MAX_BODY} bytes or could not be read."),
        )
        .into_response();
    };
    let class = Class::of(&method);
    app.stats.request(class);
    let target = protocol::describe(&method, uri.path());
    let base_url = protocol::base_url(&headers, &app);
    let origin = Origin {
        base_url: &base_url,
        addr: app.addr,
    };

    let mut principal = None;
    if let Some(id) = &app.identity {
        let checked = identity::authenticate(id, &headers, &origin).and_then(|p| {
            if let Some(sub) = &target.subscription {
                let action = Action {
                    subscription: sub,
                    action: &target.action,
                    scope: &target.scope,
                };
                identity::authorize(id, &p, &action, &origin)?;
            }
            Ok(p)
        });
        match checked {
            Ok(p) => principal = Some(p),
            Err(denied) => {
                app.stats.denied(denied.is_forbidden());
                tracing::debug!(%method, %uri, forbidden = denied.is_forbidden(), "refused a request");
                return denied.into_response();
            }
        }
    }
    let home = app.identity.as_ref().map(|i| i.tenant().to_string());
    // A principal of another tenant sees no subscription at the tenant level.
    let access = principal.as_ref().map(|p| match &home {
        Some(t) if p.tenant.eq_ignore_ascii_case(t) => p.access.clone(),
        _ => Access::Only(Vec::new()),
    });

    // Resource Graph is global and has its own quota instead of ARM's buckets.
    if crate::graph::is_graph_path(uri.path()) {
        let caller = principal.as_ref().map_or("anonymous", |p| p.object_id.as_str());
        return crate::graph::handle(&app, &method, &uri, &body, access.as_ref(), caller);
    }
    let decision = app.throttle.as_ref().map(|t| {
        let actor = principal.as_ref().map_or("anonymous", |p| p.object_id.as_str());
        let tenant = home.as_deref().unwrap_or(crate::EMULATOR_TENANT_ID);
        let scope = match &target.subscription {
            Some(s) => Scope::Subscription(s),
            None => Scope::Tenant(tenant),
        };
        t.admit(scope, actor, class, target.network_write, Instant::now())
    });
    let rate_headers = decision
        .as_ref()
        .map(|d| d.headers.as_slice())
        .unwrap_or_default();
    if let Some(d) = &decision
        && let Some(e) = &d.throttled
    {
        app.stats.throttled(class, d.by_network);
        tracing::debug!(%method, %uri, retry_after = e.retry_after, "throttled");
        return with_headers(e.clone().into_response(), rate_headers);
    }

    let draw = app.faults.as_ref().map(|f| f.draw(&method, uri.path()));
    let response = match draw
        .as_ref()
        .and_then(|d| d.transient(target.subscription.as_deref()))
    {
        Some(e) => {
            app.stats.fault(Fault::Transient, 1);
            tracing::debug!(%method, %uri, code = e.code(), "injected a transient failure");
            e.into_response()
        }
        None => {
            let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
            let actor = crate::graph::Actor::from_request(
                header("user-agent"),
                principal.as_ref().map(|p| p.client_id.as_str()),
                header("x-ms-correlation-request-id"),
            );
            let admitted = Admitted {
                draw: draw.as_ref(),
                access: access.as_ref(),
                actor: &actor,
            };
            match protocol::serve(&app, &method, &uri, &headers, &body, &admitted) {
                Ok(reply) => {
                    tracing::debug!(%method, %uri, status = reply.status.as_u16(), "served");
                    reply.into_response()
                }
                Err(e) => {
                    tracing::debug!(%method, %uri, status = e.status.as_u16(), code = e.code(), "answered with an error");
                    e.into_response()
                }
            }
        }
    };
    if let (Some(d), Some(cut)) = (&draw, &cut)
        && d.dropped()
    {
        app.stats.fault(Fault::Dropped, 1);
        tracing::debug!(%method, %uri, "dropping the answer (the request was served)");
        cut.cut();
    }
    with_headers(response, rate_headers)
}

fn with_headers(mut response: Response, headers: &[(String, String)]) -> Response {
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            response.headers_mut().insert(n, v);
        }
    }
    response
}
