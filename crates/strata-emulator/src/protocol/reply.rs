//! What handlers answer: a JSON reply, or an ARM error envelope.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::store::ErrorBody;

/// A successful answer: status, optional JSON body, extra headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: StatusCode,
    pub body: Option<Value>,
    pub headers: Vec<(HeaderName, String)>,
}

impl Reply {
    pub fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    #[must_use]
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = match self.body {
            Some(body) => (self.status, json_body(&body)).into_response(),
            None => self.status.into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        response
    }
}

fn json_body(body: &Value) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
}

/// An ARM error: status code, `{"error": {code, message, target?, details?}}`, and for
/// retryable errors a `Retry-After`.
#[derive(Debug, Clone)]
pub(crate) struct ArmError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ArmError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ArmError {
        ArmError {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                target: None,
                details: Vec::new(),
            },
            retry_after: None,
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> ArmError {
        ArmError::new(StatusCode::BAD_REQUEST, code, message)
    }

    #[must_use]
    pub fn with_target(mut self, target: impl Into<String>) -> ArmError {
        self.body.target = Some(target.into());
        self
    }

    #[must_use]
    pub fn with_detail(mut self, code: &str, message: impl Into<String>) -> ArmError {
        self.body.details.push(ErrorBody {
            code: code.into(),
            message: message.into(),
            target: None,
            details: Vec::new(),
        });
        self
    }

    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> ArmError {
        self.retry_after = Some(seconds);
        self
    }

    pub fn code(&self) -> &str {
        &self.body.code
    }

    // ---- the generic ARM errors ----

    pub fn missing_api_version() -> ArmError {
        ArmError::bad_request(
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    }

    pub fn invalid_json(reason: &str) -> ArmError {
        ArmError::bad_request(
            "InvalidRequestContent",
            format!("The request content was invalid and cannot be deserialized: '{reason}'."),
        )
    }

    pub fn invalid_subscription(sub: &str) -> ArmError {
        ArmError::bad_request(
            "InvalidSubscriptionId",
            format!("The provided subscription identifier '{sub}' is malformed or invalid."),
        )
    }

    pub fn group_not_found(rg: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceGroupNotFound",
            format!("Resource group '{rg}' could not be found."),
        )
    }

    pub fn group_being_deleted(rg: &str) -> ArmError {
        ArmError::new(
            StatusCode::CONFLICT,
            "ResourceGroupBeingDeleted",
            format!(
                "The resource group '{rg}' is in deprovisioning state and cannot perform this operation."
            ),
        )
    }

    /// `type_and_names` is `Microsoft.Network/virtualNetworks/vnet[/subnets/a]`.
    pub fn resource_not_found(type_and_names: &str, rg: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            format!(
                "The Resource '{type_and_names}' under resource group '{rg}' was not found. \
                 For more details please go to https://aka.ms/ARMResourceNotFoundFix"
            ),
        )
    }

    pub fn parent_not_found(parent_name: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "ParentResourceNotFound",
            format!(
                "Can not perform requested operation on nested resource. Parent resource '{parent_name}' not found."
            ),
        )
    }

    pub fn location_required() -> ArmError {
        ArmError::bad_request(
            "LocationRequired",
            "The location property is required for this definition.",
        )
    }

    pub fn method_not_allowed(method: &str) -> ArmError {
        ArmError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "HttpMethodNotAllowed",
            format!("The HTTP method '{method}' is not supported on this path."),
        )
    }

    /// A path the emulator does not serve. Says so plainly: the emulator never pretends to be
    /// Azure.
    pub fn unsupported_path(method: &str, path: &str) -> ArmError {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("The strata emulator does not serve '{method} {path}'."),
        )
    }
}

impl IntoResponse for ArmError {
    fn into_response(self) -> Response {
        let mut reply = Reply::json(self.status, json!({ "error": self.body }));
        if let Some(s) = self.retry_after {
            reply = reply.header(header::RETRY_AFTER, s.to_string());
        }
        reply.into_response()
    }
}
