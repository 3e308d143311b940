//! Storage account keys: two per account, made when it is created, stable until regenerated,
//! never part of the account's document (only `listKeys` returns them).

use axum::http::StatusCode;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::super::common::timestamp;
use super::super::{Ctx, Target};
use crate::protocol::{ArmError, Reply};

pub(super) const NAMES: [&str; 2] = ["key1", "key2"];

/// A new account key: 64 random bytes in base64, like Azure's.
pub(super) fn new_key() -> String {
    let mut bytes = Vec::with_capacity(64);
    for _ in 0..4 {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The private part of a new account: both keys.
pub(super) fn new_keys() -> Map<String, Value> {
    NAMES
        .iter()
        .map(|n| ((*n).to_string(), json!(new_key())))
        .collect()
}

/// `keyCreationTime` for both keys made at `now`.
pub(super) fn creation_times(now: DateTime<Utc>) -> Value {
    json!({ "key1": timestamp(now), "key2": timestamp(now) })
}

/// The `listKeys` answer.
fn list(ctx: &Ctx<'_>, key: &str) -> Result<Reply, ArmError> {
    let Some(account) = ctx.state.resource(key) else {
        return Err(ArmError::new(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            "The storage account was not found.",
        ));
    };
    let times = account
        .properties()
        .and_then(|p| p.get("keyCreationTime"))
        .cloned()
        .unwrap_or(Value::Null);
    let keys: Vec<Value> = NAMES
        .iter()
        .map(|n| {
            json!({
                "creationTime": times.get(*n).cloned().unwrap_or(Value::Null),
                "keyName": n,
                "value": account.private.get(*n).cloned().unwrap_or(Value::Null),
                "permissions": "FULL",
            })
        })
        .collect();
    Ok(Reply::json(StatusCode::OK, json!({ "keys": keys })))
}

/// `POST …/storageAccounts/{a}/listKeys` and `…/regenerateKey`.
pub(super) fn action(
    ctx: &mut Ctx<'_>,
    t: &Target,
    action: &str,
    body: Option<Map<String, Value>>,
) -> Result<Reply, ArmError> {
    if action.eq_ignore_ascii_case("listKeys") {
        return list(ctx, &t.key);
    }
    if !action.eq_ignore_ascii_case("regenerateKey") {
        return Err(ArmError::unsupported_path("POST", &format!("{}/{action}", t.id)));
    }
    let asked = body
        .as_ref()
        .and_then(|b| b.get("keyName"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let Some(name) = NAMES.iter().find(|n| n.eq_ignore_ascii_case(&asked)) else {
        return Err(ArmError::bad_request(
            "InvalidValuesForRequestParameters",
            format!("Values for request parameters are invalid: keyName '{asked}'; use key1 or key2."),
        ));
    };
    let now = timestamp(ctx.now);
    if let Some(account) = ctx.state.resource_mut(&t.key) {
        account.private.insert((*name).to_string(), json!(new_key()));
        if let Some(Value::Object(times)) = account.properties_mut().get_mut("keyCreationTime") {
            times.insert((*name).to_string(), json!(now));
        }
    }
    list(ctx, &t.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_look_like_azure_keys() {
        let k = new_key();
        assert_eq!(k.len(), 88);
        assert_ne!(k, new_key());
        assert_eq!(new_keys().len(), 2);
    }
}
