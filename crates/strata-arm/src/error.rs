//! [`ArmError`]: every failure of the client, with what ARM said about it.
//!
//! ARM reports errors as `{"error": {"code", "message", "target", "details": [...]}}`; some
//! providers answer the bare `{"code", "message"}` shape, and App Service capitalises the keys
//! (`Code`, `Message`). All three are read. Anything else (an HTML page from a proxy, an empty
//! 502) becomes a message with the status and the start of the body.

use std::error::Error as StdError;
use std::fmt;

use serde_json::Value;

use crate::retry::{Retryable, classify_status, is_operation_conflict};

/// What went wrong, broadly. Match on it to decide what to do; the details are on [`ArmError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArmErrorKind {
    /// ARM answered with an error status (other than 401/403).
    Http { status: u16 },
    /// The connection failed or broke before an answer arrived.
    Transport,
    /// A request, or a long-running operation as a whole, took too long.
    Timeout,
    /// A long-running operation ended `Failed` or `Canceled`.
    OperationFailed,
    /// ARM answered something this client cannot understand or must not follow.
    InvalidResponse,
    /// A write (PUT, PATCH, DELETE or an action) was sent, but whether Azure applied it could
    /// not be learned before the client gave up: its answer was lost and what followed
    /// (sending it again, waiting out the operation that held the resource) did not settle
    /// it before the deadline, or its long-running operation was accepted and then could not
    /// be watched to its end. The resource must be read back before anything else is decided
    /// about it; [`ArmError::status`] and [`ArmError::code`] describe the last failure seen.
    OutcomeUnknown,
    /// No token could be obtained, or ARM refused it (401/403).
    Auth,
    /// The call itself was malformed (an id that is not a path, a bad endpoint).
    InvalidRequest,
}

/// One entry of an ARM error's `details` array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: Option<String>,
    pub message: String,
    pub target: Option<String>,
}

/// A failed ARM call. Cheap to move (one box); never contains tokens.
///
/// Display: `<Code>: <message> (status 409, request id …)`.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ArmError(Box<Inner>);

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
struct Inner {
    kind: ArmErrorKind,
    status: Option<u16>,
    code: Option<String>,
    message: String,
    target: Option<String>,
    details: Vec<ErrorDetail>,
    request_id: Option<String>,
    correlation_id: Option<String>,
    retries: u32,
    retryable: bool,
    /// A write whose request may have reached ARM (its answer was lost, or was a 5xx that
    /// does not say whether anything happened), or whose operation was accepted.
    maybe_applied: bool,
    /// The connection could not be made: the request was never sent.
    unsent: bool,
    #[source]
    source: Option<BoxError>,
}

impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ArmErrorKind::OutcomeUnknown {
            f.write_str("outcome unknown (the write may or may not have been applied): ")?;
        }
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        for d in &self.details {
            match &d.code {
                Some(code) => write!(f, " [{code}: {}]", d.message)?,
                None => write!(f, " [{}]", d.message)?,
            }
        }
        let mut extra = Vec::new();
        if let Some(status) = self.status {
            extra.push(format!("status {status}"));
        }
        if let Some(id) = &self.request_id {
            extra.push(format!("request id {id}"));
        }
        if self.retries > 0 {
            extra.push(format!("after {} retries", self.retries));
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

impl ArmError {
    fn new(kind: ArmErrorKind, message: impl Into<String>) -> ArmError {
        ArmError(Box::new(Inner {
            kind,
            status: None,
            code: None,
            message: message.into(),
            target: None,
            details: Vec::new(),
            request_id: None,
            correlation_id: None,
            retries: 0,
            retryable: false,
            maybe_applied: false,
            unsent: false,
            source: None,
        }))
    }

    /// A credential could not produce a token. For [`crate::TokenCredential`] implementations;
    /// the message must not contain the secret it failed with.
    pub fn auth(message: impl Into<String>) -> ArmError {
        ArmError::new(ArmErrorKind::Auth, message)
    }

    /// Like [`ArmError::auth`], keeping the underlying error as the source.
    pub fn auth_with_source(
        message: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> ArmError {
        let mut e = ArmError::auth(message);
        e.0.source = Some(Box::new(source));
        e
    }

    /// The error answer of an HTTP request.
    pub(crate) fn from_response(status: u16, request_id: Option<String>, body: &[u8]) -> ArmError {
        let kind = match status {
            401 | 403 => ArmErrorKind::Auth,
            _ => ArmErrorKind::Http { status },
        };
        let mut e = match parse_error_body(body) {
            Some(parsed) => {
                let mut e = ArmError::new(kind, parsed.message);
                e.0.code = parsed.code;
                e.0.target = parsed.target;
                e.0.details = parsed.details;
                e
            }
            None => ArmError::new(kind, describe_unparsed(status, body)),
        };
        e.0.status = Some(status);
        e.0.request_id = request_id;
        e.0.retryable = classify_status(status, e.code()) != Retryable::No;
        e
    }

    /// A long-running operation that ended `Failed` or `Canceled`; `document` is the operation
    /// status resource or the resource itself, whose `error` says why.
    pub(crate) fn operation_failed(state: &str, document: &Value, request_id: Option<String>) -> ArmError {
        let error = document
            .get("error")
            .or_else(|| document.get("properties").and_then(|p| p.get("error")))
            .and_then(parse_error_object);
        let mut e = match error {
            Some(parsed) => {
                let mut e = ArmError::new(ArmErrorKind::OperationFailed, parsed.message);
                e.0.code = parsed.code;
                e.0.target = parsed.target;
                e.0.details = parsed.details;
                e
            }
            None => ArmError::new(
                ArmErrorKind::OperationFailed,
                format!("the operation ended {state} without an error description"),
            ),
        };
        e.0.request_id = request_id;
        e.0.retryable = e.code().is_some_and(is_operation_conflict);
        e
    }

    /// The connection failed; `source` keeps reqwest's error (without its URL).
    pub(crate) fn transport(source: reqwest::Error) -> ArmError {
        let source = source.without_url();
        let kind = if source.is_timeout() {
            ArmErrorKind::Timeout
        } else {
            ArmErrorKind::Transport
        };
        let mut e = ArmError::new(kind, error_chain(&source));
        e.0.retryable = true;
        e.0.unsent = source.is_connect();
        e.0.source = Some(Box::new(source));
        e
    }

    /// A long-running operation outlived the poll policy's timeout. Not retryable: the operation
    /// may still be running and must be looked at, not started again.
    pub(crate) fn timeout(message: impl Into<String>) -> ArmError {
        ArmError::new(ArmErrorKind::Timeout, message)
    }

    pub(crate) fn invalid_response(message: impl Into<String>) -> ArmError {
        ArmError::new(ArmErrorKind::InvalidResponse, message)
    }

    pub fn invalid_request(message: impl Into<String>) -> ArmError {
        ArmError::new(ArmErrorKind::InvalidRequest, message)
    }

    /// Marks a write whose request may have been applied (see [`ArmError::maybe_applied`]).
    pub(crate) fn with_maybe_applied(mut self, maybe: bool) -> ArmError {
        self.0.maybe_applied |= maybe;
        self
    }

    /// The final error of a write that may have been applied: [`ArmErrorKind::OutcomeUnknown`],
    /// keeping what was last seen (status, code, message, request id). Not retryable: the
    /// resource must be read first.
    pub(crate) fn into_outcome_unknown(mut self) -> ArmError {
        self.0.kind = ArmErrorKind::OutcomeUnknown;
        self.0.maybe_applied = true;
        self.0.retryable = false;
        self
    }

    /// True when the connection failed before the request was sent.
    pub(crate) fn is_unsent(&self) -> bool {
        self.0.unsent
    }

    pub(crate) fn with_retries(mut self, retries: u32) -> ArmError {
        self.0.retries = self.0.retries.saturating_add(retries);
        self
    }

    pub(crate) fn with_correlation_id(mut self, id: Option<String>) -> ArmError {
        if self.0.correlation_id.is_none() {
            self.0.correlation_id = id;
        }
        self
    }

    pub(crate) fn with_request_id(mut self, id: Option<String>) -> ArmError {
        if self.0.request_id.is_none() {
            self.0.request_id = id;
        }
        self
    }

    pub fn kind(&self) -> &ArmErrorKind {
        &self.0.kind
    }

    /// The HTTP status of the failing response, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The ARM error code, e.g. `NetcfgSubnetRangesOverlap`.
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// ARM's message, or a description of the failure.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The `target` ARM named (often the offending property).
    pub fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }

    /// The nested `details` of the ARM error, often holding the real reason.
    pub fn details(&self) -> &[ErrorDetail] {
        &self.0.details
    }

    /// `x-ms-request-id` of the failing response.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// `x-ms-correlation-request-id` of the failing call, to quote to Azure support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.0.correlation_id.as_deref()
    }

    /// Retries made before giving up.
    pub fn retries(&self) -> u32 {
        self.0.retries
    }

    /// True when the same call may succeed later unchanged (throttling, 5xx, connection
    /// failures, `AnotherOperationInProgress`); false for validation errors and the like.
    pub fn is_retryable(&self) -> bool {
        self.0.retryable
    }

    /// True when the call was a write whose outcome is unknown: see
    /// [`ArmErrorKind::OutcomeUnknown`]. The engine records such a resource as "unknown" and
    /// reads it back before deciding anything about it, rather than as failed or absent.
    pub fn outcome_unknown(&self) -> bool {
        self.0.kind == ArmErrorKind::OutcomeUnknown
    }

    /// True when this write may have been applied although the call failed (its answer was
    /// lost, or its operation was accepted); always true for an [`ArmErrorKind::OutcomeUnknown`].
    pub fn maybe_applied(&self) -> bool {
        self.0.maybe_applied
    }

    /// True for a 404 that means "this resource (or its group or parent) does not exist", as
    /// opposed to a 404 about the subscription, the resource type or the api-version.
    pub(crate) fn is_absent(&self) -> bool {
        // These 404s describe the request, not the resource: answering "absent" would make the
        // engine try to create something in a place that does not exist.
        const NOT_ABSENCE: [&str; 6] = [
            "SubscriptionNotFound",
            "InvalidResourceType",
            "InvalidResourceNamespace",
            "NoRegisteredProviderFound",
            "InvalidApiVersionParameter",
            "MissingSubscriptionRegistration",
        ];
        self.status() == Some(404)
            && !self
                .code()
                .is_some_and(|code| NOT_ABSENCE.iter().any(|c| c.eq_ignore_ascii_case(code)))
    }
}

/// The fields of an ARM error object.
struct Parsed {
    code: Option<String>,
    message: String,
    target: Option<String>,
    details: Vec<ErrorDetail>,
}

fn parse_error_body(body: &[u8]) -> Option<Parsed> {
    let value: Value = serde_json::from_slice(body).ok()?;
    match field(&value, "error") {
        Some(inner @ Value::Object(_)) => parse_error_object(inner),
        _ => parse_error_object(&value),
    }
}

fn parse_error_object(obj: &Value) -> Option<Parsed> {
    let code = field(obj, "code").and_then(Value::as_str).map(str::to_string);
    let message = field(obj, "message").and_then(Value::as_str).map(str::to_string);
    if code.is_none() && message.is_none() {
        return None;
    }
    let details = field(obj, "details")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(parse_error_object)
                .map(|p| ErrorDetail {
                    code: p.code,
                    message: p.message,
                    target: p.target,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Parsed {
        code,
        message: message.unwrap_or_default(),
        target: field(obj, "target").and_then(Value::as_str).map(str::to_string),
        details,
    })
}

/// A field by name, ignoring ASCII case (`code` and `Code` both occur in the wild).
fn field<'v>(obj: &'v Value, name: &str) -> Option<&'v Value> {
    let map = obj.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Describes an error answer whose body is not an ARM error.
fn describe_unparsed(status: u16, body: &[u8]) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        format!("HTTP {status} {reason} with an empty body")
    } else {
        format!("HTTP {status} {reason}: {}", truncate(text, 300))
    }
}

/// At most `max` characters of `text`, whitespace runs collapsed, with `…` when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// `error: cause: cause`, the whole chain, because reqwest's own message ("error sending
/// request") hides the useful part.
fn error_chain(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut next = e.source();
    while let Some(cause) = next {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        next = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn envelope() {
        let body = json!({"error": {
            "code": "NetcfgSubnetRangesOverlap",
            "message": "Subnet 'b' overlaps with that of an existing subnet.",
            "target": "properties.addressPrefix",
            "details": [{"code": "Inner", "message": "why"}]
        }});
        let e = ArmError::from_response(400, Some("req-1".into()), body.to_string().as_bytes());
        assert_eq!(e.kind(), &ArmErrorKind::Http { status: 400 });
        assert_eq!(e.code(), Some("NetcfgSubnetRangesOverlap"));
        assert_eq!(e.target(), Some("properties.addressPrefix"));
        assert_eq!(e.details()[0].code.as_deref(), Some("Inner"));
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "NetcfgSubnetRangesOverlap: Subnet 'b' overlaps with that of an existing subnet. \
             [Inner: why] (status 400, request id req-1)"
        );
    }

    #[test]
    fn bare_and_capitalised_shapes() {
        let e = ArmError::from_response(
            409,
            None,
            br#"{"code":"AnotherOperationInProgress","message":"busy"}"#,
        );
        assert_eq!(e.code(), Some("AnotherOperationInProgress"));
        assert!(e.is_retryable());
        let e = ArmError::from_response(404, None, br#"{"Code":"NotFound","Message":"gone"}"#);
        assert_eq!((e.code(), e.message()), (Some("NotFound"), "gone"));
        assert!(e.is_absent());
    }

    #[test]
    fn unparsed_bodies() {
        let e = ArmError::from_response(502, None, b"");
        assert_eq!(e.message(), "HTTP 502 Bad Gateway with an empty body");
        assert!(e.is_retryable());
        let html = format!("<html>\n  <body>{}</body></html>", "x".repeat(1000));
        let e = ArmError::from_response(500, Some("r".into()), html.as_bytes());
        assert!(
            e.message()
                .starts_with("HTTP 500 Internal Server Error: <html> <body>xxx")
        );
        assert!(e.message().ends_with('…'));
        assert!(e.message().chars().count() < 400);
        let e = ArmError::from_response(400, None, br#"{"unexpected": true}"#);
        assert!(e.message().starts_with("HTTP 400 Bad Request: {"));
        assert_eq!(e.code(), None);
    }

    #[test]
    fn auth_statuses() {
        let e = ArmError::from_response(
            401,
            None,
            br#"{"error":{"code":"ExpiredAuthenticationToken","message":"m"}}"#,
        );
        assert_eq!(e.kind(), &ArmErrorKind::Auth);
        assert_eq!(e.status(), Some(401));
        assert!(!e.is_retryable());
    }

    #[test]
    fn absence() {
        let not_found = |code: &str| {
            let body = json!({"error": {"code": code, "message": "m"}}).to_string();
            ArmError::from_response(404, None, body.as_bytes()).is_absent()
        };
        for code in [
            "ResourceNotFound",
            "ResourceGroupNotFound",
            "NotFound",
            "ParentResourceNotFound",
        ] {
            assert!(not_found(code), "{code}");
        }
        assert!(!not_found("SubscriptionNotFound"));
        assert!(!not_found("InvalidResourceType"));
        assert!(ArmError::from_response(404, None, b"").is_absent());
        assert!(!ArmError::from_response(400, None, b"").is_absent());
    }

    #[test]
    fn operation_failures() {
        let status =
            json!({"status": "Failed", "error": {"code": "AnotherOperationInProgress", "message": "m"}});
        let e = ArmError::operation_failed("Failed", &status, None);
        assert_eq!(e.kind(), &ArmErrorKind::OperationFailed);
        assert!(e.is_retryable());
        let resource = json!({"properties": {"provisioningState": "Failed"}});
        let e = ArmError::operation_failed("Failed", &resource, Some("r".into()));
        assert_eq!(
            e.message(),
            "the operation ended Failed without an error description"
        );
        assert!(!e.is_retryable());
        assert_eq!(
            e.to_string(),
            "the operation ended Failed without an error description (request id r)"
        );
    }

    #[test]
    fn display_counts_retries() {
        let e = ArmError::from_response(503, None, br#"{"code":"ServerBusy","message":"m"}"#).with_retries(3);
        assert_eq!(e.to_string(), "ServerBusy: m (status 503, after 3 retries)");
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("a  b\n c", 10), "a b c");
    }
}
