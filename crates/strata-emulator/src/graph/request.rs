//! Reading a query request (api-version, body, options, skip tokens) and the error a refused
//! query answers with.

use axum::http::Uri;
use base64::Engine;
use serde_json::{Map, Value, json};

use super::{PAGE, VERSIONS, kql};
use crate::protocol::ArmError;

pub(super) fn api_version(uri: &Uri) -> Result<(), ArmError> {
    let version = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(ArmError::missing_api_version)?;
    if VERSIONS.contains(&version.as_str()) {
        return Ok(());
    }
    Err(ArmError::bad_request(
        "NoRegisteredProviderFound",
        format!(
            "No registered resource provider found for location 'global' and API version '{version}' for type \
             'resources'. The supported api-versions are '{}'.",
            VERSIONS.join(", ")
        ),
    ))
}

/// What the request asks for.
pub(super) struct Request {
    pub query: String,
    pub subscriptions: Option<Vec<String>>,
    pub top: usize,
    pub skip: usize,
    pub table_format: bool,
    pub facets: Vec<String>,
}

fn bad(message: String) -> ArmError {
    ArmError::bad_request("BadRequest", message.clone()).with_detail("InvalidRequestContent", message)
}

pub(super) fn read_request(body: &[u8]) -> Result<Request, ArmError> {
    let body = crate::protocol::parse_body(body)?;
    let query = match body.get("query") {
        Some(Value::String(q)) if !q.trim().is_empty() => q.clone(),
        _ => {
            return Err(bad(
                "The request has no 'query': a KQL query string is required.".into()
            ));
        }
    };
    if body.get("managementGroups").is_some_and(|m| !m.is_null()) {
        return Err(bad(
            "The strata emulator has no management groups: query by 'subscriptions' or at the tenant scope."
                .into(),
        ));
    }
    let subscriptions = match body.get("subscriptions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut subs = Vec::new();
            for s in items {
                match s.as_str() {
                    Some(s) if crate::protocol::is_guid(s) => subs.push(s.to_string()),
                    _ => return Err(ArmError::invalid_subscription(&s.to_string())),
                }
            }
            Some(subs)
        }
        Some(_) => return Err(bad("'subscriptions' must be a list of subscription ids.".into())),
    };
    let empty = Map::new();
    let options = match body.get("options") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => return Err(bad("'options' must be an object.".into())),
    };
    let int = |name: &str, min: u64, max: u64| -> Result<Option<u64>, ArmError> {
        match options.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_u64() {
                Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(bad(format!(
                    "'options.{name}' must be a whole number from {min} to {max}, not {v}."
                ))),
            },
        }
    };
    let top = int("$top", 1, PAGE as u64)?.map_or(PAGE, |n| usize::try_from(n).unwrap_or(PAGE));
    let mut skip = int("$skip", 0, u64::from(u32::MAX))?.map_or(0, |n| usize::try_from(n).unwrap_or(0));
    if let Some(token) = options.get("$skipToken").filter(|t| !t.is_null()) {
        skip = token
            .as_str()
            .and_then(|t| read_token(t, &query))
            .ok_or_else(|| bad("The '$skipToken' is not one this query returned.".into()))?;
    }
    let table_format = match options.get("resultFormat").and_then(Value::as_str) {
        None => false,
        Some(f) if f.eq_ignore_ascii_case("objectArray") => false,
        Some(f) if f.eq_ignore_ascii_case("table") => true,
        Some(f) => {
            return Err(bad(format!(
                "'resultFormat' must be 'objectArray' or 'table', not '{f}'."
            )));
        }
    };
    let facets = match body.get("facets") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|f| f["expression"].as_str().unwrap_or_default().to_string())
            .collect(),
        _ => Vec::new(),
    };
    Ok(Request {
        query,
        subscriptions,
        top,
        skip,
        table_format,
        facets,
    })
}

/// A query fingerprint, so that a token is refused for another query.
fn fingerprint(query: &str) -> u64 {
    query.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

pub(super) fn make_token(skip: usize, query: &str) -> String {
    let raw = json!({ "skip": skip, "query": format!("{:016x}", fingerprint(query)) }).to_string();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

fn read_token(token: &str, query: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD.decode(token).ok()?;
    let v: Value = serde_json::from_slice(&raw).ok()?;
    (v["query"].as_str()? == format!("{:016x}", fingerprint(query)))
        .then(|| v["skip"].as_u64().and_then(|n| usize::try_from(n).ok()))
        .flatten()
}

pub(super) fn invalid_query(e: &kql::KqlError, query: &str) -> ArmError {
    let (line, column) = e.line_and_column(query);
    let mut err = ArmError::bad_request(
        "BadRequest",
        "Please provide below info when asking for support: the query was refused by the strata emulator.",
    )
    .with_detail(
        "InvalidQuery",
        "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error \
         before retrying.",
    );
    err.body.details.push(crate::store::ErrorBody {
        code: e.code.to_string(),
        message: format!(
            "{} (line {line}, position {column}, token '{}')",
            e.message, e.token
        ),
        target: None,
        details: Vec::new(),
    });
    err
}
