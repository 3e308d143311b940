//! Names unique across every subscription: storage accounts, Key Vaults (soft-deleted ones
//! included), web apps, PostgreSQL servers. They are DNS labels (`{name}.blob.core.windows.net`,
//! `{name}.vault.azure.net`, …), so one tenant's name is taken for everyone.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::{Ctx, keyvault, postgres, storage, web};
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

/// Another resource of `resource_type` named `name` (anywhere, being created or not), other
/// than the one at `key`.
pub(crate) fn taken_by<'a>(
    state: &'a State,
    resource_type: &str,
    name: &str,
    key: &str,
) -> Option<&'a Resource> {
    state.named(resource_type, name).find(|r| key_of(&r.id) != key)
}

/// Why a name is not available, in a provider's words.
pub(crate) enum Unavailable {
    /// The name breaks the type's naming rule.
    Invalid(String),
    /// The name is used (or held by a soft-deleted resource).
    Taken(String),
}

/// `POST /subscriptions/{s}/providers/{ns}/checkNameAvailability`, for the providers with
/// global names. `None` for the others.
pub(crate) fn check_name_availability(
    ctx: &Ctx<'_>,
    namespace: &str,
    body: &Map<String, Value>,
) -> Option<Result<Reply, ArmError>> {
    let ns = namespace.to_ascii_lowercase();
    let (resource_type, invalid_reason): (&str, &str) = match ns.as_str() {
        "microsoft.storage" => (storage::accounts::TYPE, "AccountNameInvalid"),
        "microsoft.keyvault" => (keyvault::vaults::TYPE, "AccountNameInvalid"),
        "microsoft.web" => (web::sites::TYPE, "Invalid"),
        "microsoft.dbforpostgresql" => (postgres::servers::TYPE, "Invalid"),
        _ => return None,
    };
    Some(answer(ctx.state, resource_type, invalid_reason, body))
}

fn answer(
    state: &State,
    resource_type: &str,
    invalid_reason: &str,
    body: &Map<String, Value>,
) -> Result<Reply, ArmError> {
    let Some(name) = body.get("name").and_then(Value::as_str) else {
        return Err(ArmError::bad_request(
            "InvalidRequestContent",
            "The request content was invalid and cannot be deserialized: 'Required property 'name' not found in JSON.'.",
        ));
    };
    // The type is checked loosely: Web says `Site`, the others their full type.
    if let Some(kind) = body.get("type").and_then(Value::as_str) {
        let short = resource_type.rsplit('/').next().unwrap_or_default();
        let ok = kind.eq_ignore_ascii_case(resource_type)
            || kind.eq_ignore_ascii_case("Site") && short.eq_ignore_ascii_case("sites");
        if !ok {
            return Err(ArmError::bad_request(
                "InvalidParameter",
                format!(
                    "The type '{kind}' is not supported by this name availability check; use '{resource_type}'."
                ),
            ));
        }
    }
    let verdict = match resource_type {
        t if t == storage::accounts::TYPE => storage::accounts::availability(state, name),
        t if t == keyvault::vaults::TYPE => keyvault::vaults::availability(state, name),
        t if t == web::sites::TYPE => web::sites::availability(state, name),
        _ => postgres::servers::availability(state, name),
    };
    let body = match verdict {
        None => json!({ "nameAvailable": true }),
        Some(Unavailable::Invalid(message)) => {
            json!({ "nameAvailable": false, "reason": invalid_reason, "message": message })
        }
        Some(Unavailable::Taken(message)) => {
            json!({ "nameAvailable": false, "reason": "AlreadyExists", "message": message })
        }
    };
    Ok(Reply::json(StatusCode::OK, body))
}
