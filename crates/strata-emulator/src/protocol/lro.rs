//! Long-running operations on the wire, both of ARM's patterns.
//!
//! - `Azure-AsyncOperation`: `…/providers/{ns}/locations/{loc}/operations/{id}` always answers
//!   200 with `{status: InProgress|Succeeded|Failed, error?}`.
//! - `Location`: `…/locations/{loc}/operationResults/{id}` (or, for resource groups,
//!   `/subscriptions/{s}/operationresults/{id}`) answers 202 while running, then the
//!   synchronous result: 200 (with the resource for a PUT), or the error.

use axum::http::{HeaderName, StatusCode, header};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::reply::{ArmError, Reply};
use crate::store::{OpAction, OpStatus, Operation, key_of};
use crate::types::{self, Ctx};

const AZURE_ASYNC_OPERATION: HeaderName = HeaderName::from_static("azure-asyncoperation");

/// The path of an operation's status resource. PostgreSQL names it `azureAsyncOperation`;
/// the other providers the emulator models, `operations`.
fn status_path(op: &Operation) -> String {
    let word = if op.namespace.eq_ignore_ascii_case("Microsoft.DBforPostgreSQL") {
        "azureAsyncOperation"
    } else {
        "operations"
    };
    format!(
        "/subscriptions/{}/providers/{}/locations/{}/{word}/{}",
        op.subscription, op.namespace, op.location, op.id
    )
}

/// The `Azure-AsyncOperation` URL of an operation.
pub(crate) fn status_url(base: &str, op: &Operation) -> String {
    format!("{base}{}?api-version={}", status_path(op), op.api_version)
}

/// The `Location` URL of an operation.
pub(crate) fn result_url(base: &str, op: &Operation) -> String {
    if op.namespace.eq_ignore_ascii_case("Microsoft.Resources") {
        format!(
            "{base}/subscriptions/{}/operationresults/{}?api-version={}",
            op.subscription, op.id, op.api_version
        )
    } else if op.namespace.eq_ignore_ascii_case("Microsoft.Storage") {
        // Storage's own shape ("Track asynchronous Azure operations" shows it verbatim).
        format!(
            "{base}/subscriptions/{}/providers/Microsoft.Storage/operations/{}?monitor=true&api-version={}",
            op.subscription, op.id, op.api_version
        )
    } else {
        format!(
            "{base}/subscriptions/{}/providers/{}/locations/{}/operationResults/{}?api-version={}",
            op.subscription, op.namespace, op.location, op.id, op.api_version
        )
    }
}

/// `Retry-After` in whole seconds: always 1. It must be positive, since clients treat 0 (or no
/// header) as "use your own default", which for the Azure SDKs is 30 s per poll; and short, since
/// the emulator's operations are.
pub(crate) fn retry_after(_op: &Operation, _now: DateTime<Utc>) -> u64 {
    1
}

/// 202 Accepted with `Location`, `Retry-After` and, if `with_async`, `Azure-AsyncOperation`.
pub(crate) fn accepted(base: &str, op: &Operation, now: DateTime<Utc>, with_async: bool) -> Reply {
    let mut reply = Reply::empty(StatusCode::ACCEPTED)
        .header(header::LOCATION, result_url(base, op))
        .header(header::RETRY_AFTER, retry_after(op, now).to_string());
    if with_async {
        reply = reply.header(AZURE_ASYNC_OPERATION, status_url(base, op));
    }
    reply
}

/// Adds `Azure-AsyncOperation` and `Retry-After` to the answer of a long-running PUT.
pub(crate) fn with_async_operation(reply: Reply, base: &str, op: &Operation, now: DateTime<Utc>) -> Reply {
    reply
        .header(AZURE_ASYNC_OPERATION, status_url(base, op))
        .header(header::RETRY_AFTER, retry_after(op, now).to_string())
}

/// True when a write's answer starts a long-running operation the client will poll: a 202, or
/// a 200/201 whose resource is still in a non-terminal `provisioningState`.
fn starts_polling(reply: &Reply) -> bool {
    if reply.status == StatusCode::ACCEPTED {
        return true;
    }
    if reply.status != StatusCode::OK && reply.status != StatusCode::CREATED {
        return false;
    }
    let Some(body) = &reply.body else { return false };
    let state = body
        .pointer("/properties/provisioningState")
        .or_else(|| body.get("provisioningState"))
        .and_then(Value::as_str);
    state.is_some_and(|s| {
        !["Succeeded", "Failed", "Canceled"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(s))
    })
}

/// Gives every answer that starts a long-running operation a positive `Retry-After` when its
/// type's rules did not set one, and the reads of a resource still provisioning (clients that
/// poll the resource itself): without it, clients wait their own default between polls (30 s
/// for the Azure SDKs).
pub(crate) fn ensure_retry_after(reply: Reply, method: &axum::http::Method) -> Reply {
    let polled = [
        axum::http::Method::GET,
        axum::http::Method::PUT,
        axum::http::Method::PATCH,
        axum::http::Method::DELETE,
        axum::http::Method::POST,
    ]
    .contains(method);
    if !polled || reply.headers.iter().any(|(n, _)| *n == header::RETRY_AFTER) || !starts_polling(&reply) {
        return reply;
    }
    reply.header(header::RETRY_AFTER, "1")
}

fn find<'a>(ctx: &'a Ctx<'_>, sub: &str, id: &str) -> Result<&'a Operation, ArmError> {
    ctx.state
        .operation(id)
        .filter(|op| op.subscription.eq_ignore_ascii_case(sub))
        .ok_or_else(|| {
            ArmError::new(
                StatusCode::NOT_FOUND,
                "OperationNotFound",
                format!("The operation '{id}' could not be found."),
            )
        })
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// `GET …/operations/{id}`: the status resource.
pub(crate) fn status(ctx: &Ctx<'_>, sub: &str, id: &str) -> Result<Reply, ArmError> {
    let op = find(ctx, sub, id)?;
    let mut body = Map::new();
    body.insert("id".into(), json!(status_path(op)));
    body.insert("name".into(), json!(op.id));
    body.insert("status".into(), json!(op.status.as_str()));
    body.insert("startTime".into(), json!(time(op.start)));
    if let Some(end) = op.end {
        body.insert("endTime".into(), json!(time(end)));
    }
    if let Some(e) = &op.error {
        body.insert("error".into(), json!(e));
    }
    let mut reply = Reply::json(StatusCode::OK, Value::Object(body));
    if op.status == OpStatus::InProgress {
        reply = reply.header(header::RETRY_AFTER, retry_after(op, ctx.now).to_string());
    }
    Ok(reply)
}

/// `GET …/operationResults/{id}`: 202 while running, then the synchronous result.
pub(crate) fn result(ctx: &Ctx<'_>, sub: &str, id: &str) -> Result<Reply, ArmError> {
    let op = find(ctx, sub, id)?;
    match op.status {
        OpStatus::InProgress => Ok(accepted(ctx.base_url, op, ctx.now, false)),
        OpStatus::Failed => {
            let status = op
                .error_status
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::BAD_REQUEST);
            let body = op.error.clone().unwrap_or_else(|| crate::store::ErrorBody {
                code: "OperationFailed".into(),
                message: "The operation failed.".into(),
                target: None,
                details: Vec::new(),
            });
            Err(ArmError {
                status,
                body,
                retry_after: None,
            })
        }
        OpStatus::Succeeded => match &op.action {
            OpAction::Provision { .. } | OpAction::Create { .. } => {
                let resource = op
                    .resource
                    .as_deref()
                    .and_then(|k| ctx.state.resource(&key_of(k)));
                Ok(match resource {
                    Some(r) => Reply::json(StatusCode::OK, types::render(ctx.state, r)),
                    None => Reply::empty(StatusCode::OK),
                })
            }
            OpAction::Delete { .. }
            | OpAction::DeleteGroup { .. }
            | OpAction::Purge { .. }
            | OpAction::Hold
            | OpAction::Patch { .. } => Ok(Reply::empty(StatusCode::OK)),
        },
    }
}
