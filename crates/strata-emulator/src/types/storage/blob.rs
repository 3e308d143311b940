//! The blob service of a storage account (always `default`) and its containers.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{at, merge_patch, render_base, take_properties, timestamp};
use super::super::{Ctx, Target, TypeRules};
use super::VERSIONS;
use super::accounts::account_of;
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State, key_of};

pub(crate) const SERVICE_TYPE: &str = "Microsoft.Storage/storageAccounts/blobServices";
pub(crate) const CONTAINER_TYPE: &str = "Microsoft.Storage/storageAccounts/blobServices/containers";

const SERVICE_NAME: &str = "default";

const PUBLIC_ACCESS: &[&str] = &["None", "Blob", "Container"];

/// Retention policies take 1 to 365 days.
const MAX_RETENTION_DAYS: i64 = 365;

/// The blob service every account has from its creation. Returns its key.
pub(crate) fn create_default_service(state: &mut State, account_id: &str, sku: &str) -> String {
    let id = format!("{account_id}/blobServices/{SERVICE_NAME}");
    let mut body = Map::new();
    body.insert(
        "sku".into(),
        json!({ "name": sku, "tier": super::endpoints::tier(sku) }),
    );
    body.insert(
        "properties".into(),
        json!({
            "cors": {"corsRules": []},
            "deleteRetentionPolicy": {"allowPermanentDelete": false, "enabled": false}
        }),
    );
    let order = state.next_order();
    state.put_resource(Resource {
        id: id.clone(),
        resource_type: SERVICE_TYPE.into(),
        body,
        order,
        ..Resource::default()
    });
    key_of(&id)
}

fn invalid(message: String) -> ArmError {
    ArmError::bad_request("InvalidValuesForRequestParameters", message)
}

fn policy_days(props: &Map<String, Value>, policy: &str) -> Result<Option<i64>, ArmError> {
    let Some(p) = props.get(policy).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let enabled = p.get("enabled").and_then(Value::as_bool).unwrap_or(false);
    let days = p.get("days").and_then(Value::as_i64);
    if !enabled {
        return Ok(None);
    }
    match days {
        Some(d) if (1..=MAX_RETENTION_DAYS).contains(&d) => Ok(Some(d)),
        Some(d) => Err(invalid(format!(
            "Values for request parameters are invalid: {policy}.days {d}; it must be between 1 and {MAX_RETENTION_DAYS}."
        ))),
        None => Err(invalid(format!(
            "Values for request parameters are invalid: {policy}.days is required when the policy is enabled."
        ))),
    }
}

/// Checks the blob service properties as the storage provider does.
fn check_service(props: &Map<String, Value>) -> Result<(), ArmError> {
    let deletion = policy_days(props, "deleteRetentionPolicy")?;
    policy_days(props, "containerDeleteRetentionPolicy")?;
    let restore = policy_days(props, "restorePolicy")?;
    if let Some(days) = restore {
        let versioning = props.get("isVersioningEnabled").and_then(Value::as_bool) == Some(true);
        let change_feed = at(props, "/changeFeed/enabled").and_then(Value::as_bool) == Some(true);
        let longer_deletion = deletion.is_some_and(|d| d > days);
        if !versioning || !change_feed || !longer_deletion {
            return Err(invalid(
                "Values for request parameters are invalid: restorePolicy needs versioning, the change feed and a \
                 delete retention longer than the restore days."
                    .into(),
            ));
        }
    }
    Ok(())
}

pub(crate) struct BlobServices;

impl TypeRules for BlobServices {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(SERVICE_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        if !t.name.eq_ignore_ascii_case(SERVICE_NAME) {
            return Err(ArmError::bad_request(
                "InvalidResourceName",
                format!(
                    "The blob service of an account is always named 'default', not '{}'.",
                    t.name
                ),
            ));
        }
        let Some(mut service) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::parent_not_found(&t.path.segments[0].1));
        };
        let mut props = take_properties(&mut body)?;
        check_service(&props)?;
        props.entry("cors").or_insert_with(|| json!({"corsRules": []}));
        props
            .entry("deleteRetentionPolicy")
            .or_insert_with(|| json!({"allowPermanentDelete": false, "enabled": false}));
        service.body.insert("properties".into(), Value::Object(props));
        let rendered = self.render(ctx.state, &service);
        ctx.state.put_resource(service);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn patch(&self, _ctx: &mut Ctx<'_>, _t: &Target, _body: Map<String, Value>) -> Result<Reply, ArmError> {
        Err(ArmError::method_not_allowed("PATCH"))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, _t: &Target) -> Result<Reply, ArmError> {
        // The blob service goes with its account only.
        Err(ArmError::method_not_allowed("DELETE"))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        for (k, v) in &res.body {
            out.insert(k.clone(), v.clone());
        }
        Value::Object(out)
    }
}

pub(crate) struct Containers;

fn read_public_access(props: &Map<String, Value>) -> Result<String, ArmError> {
    match props.get("publicAccess") {
        None | Some(Value::Null) => Ok("None".into()),
        Some(Value::String(s)) => PUBLIC_ACCESS
            .iter()
            .find(|a| a.eq_ignore_ascii_case(s))
            .map(|a| (*a).to_string())
            .ok_or_else(|| {
                invalid(format!(
                    "Values for request parameters are invalid: publicAccess '{s}'."
                ))
            }),
        Some(other) => Err(invalid(format!(
            "Values for request parameters are invalid: publicAccess {other}."
        ))),
    }
}

/// `PublicAccessNotPermitted` when the account forbids public blob access.
fn check_public_access(state: &State, container_id: &str, access: &str) -> Result<(), ArmError> {
    if access == "None" {
        return Ok(());
    }
    let allowed = account_of(state, container_id)
        .and_then(Resource::properties)
        .and_then(|p| p.get("allowBlobPublicAccess"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if allowed {
        return Ok(());
    }
    Err(ArmError::new(
        StatusCode::CONFLICT,
        "PublicAccessNotPermitted",
        "Public access is not permitted on this storage account.",
    ))
}

fn check_metadata(props: &Map<String, Value>) -> Result<(), ArmError> {
    match props.get("metadata") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(()),
        Some(_) => Err(invalid(
            "Values for request parameters are invalid: metadata must be an object of strings.".into(),
        )),
    }
}

/// A container etag in the blob service's format (`"0x8DC…"`).
fn container_etag(now: chrono::DateTime<chrono::Utc>) -> String {
    let ticks = now.timestamp_micros().unsigned_abs().wrapping_mul(10);
    format!("\"0x8D{:X}\"", ticks & 0xFFFF_FFFF_FFFF)
}

impl TypeRules for Containers {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(CONTAINER_TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let mut props = take_properties(&mut body)?;
        let access = read_public_access(&props)?;
        check_public_access(ctx.state, &t.id, &access)?;
        check_metadata(&props)?;
        for k in [
            "deleted",
            "deletedTime",
            "remainingRetentionDays",
            "leaseStatus",
            "leaseState",
            "leaseDuration",
            "lastModifiedTime",
            "hasImmutabilityPolicy",
            "hasLegalHold",
            "version",
        ] {
            props.remove(k);
        }
        let existing = ctx.state.resource(&t.key).cloned();
        let mut stored = Map::new();
        stored.insert("immutableStorageWithVersioning".into(), json!({"enabled": false}));
        stored.insert("deleted".into(), json!(false));
        stored.insert("remainingRetentionDays".into(), json!(0));
        stored.insert("defaultEncryptionScope".into(), json!("$account-encryption-key"));
        stored.insert("denyEncryptionScopeOverride".into(), json!(false));
        stored.insert("leaseStatus".into(), json!("Unlocked"));
        stored.insert("leaseState".into(), json!("Available"));
        stored.insert("lastModifiedTime".into(), json!(timestamp(ctx.now)));
        stored.insert("hasImmutabilityPolicy".into(), json!(false));
        stored.insert("hasLegalHold".into(), json!(false));
        stored.extend(props);
        stored.insert("publicAccess".into(), json!(access));
        let mut doc = Map::new();
        doc.insert("properties".into(), Value::Object(stored));
        let (status, order) = match &existing {
            Some(e) => (StatusCode::OK, e.order),
            None => (StatusCode::CREATED, ctx.state.next_order()),
        };
        let resource = Resource {
            id: t.id.clone(),
            resource_type: CONTAINER_TYPE.into(),
            body: doc,
            etag: Some(container_etag(ctx.now)),
            order,
            ..Resource::default()
        };
        let rendered = self.render(ctx.state, &resource);
        ctx.state.put_resource(resource);
        Ok(Reply::json(status, rendered))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let Some(mut container) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(t.path.segments.len()),
                &t.group_name,
            ));
        };
        let patch = take_properties(&mut body)?;
        let mut props = Value::Object(container.properties().cloned().unwrap_or_default());
        merge_patch(&mut props, &Value::Object(patch));
        let props = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let access = read_public_access(&props)?;
        check_public_access(ctx.state, &t.id, &access)?;
        check_metadata(&props)?;
        container.body.insert("properties".into(), Value::Object(props));
        container.etag = Some(container_etag(ctx.now));
        let rendered = self.render(ctx.state, &container);
        ctx.state.put_resource(container);
        Ok(Reply::json(StatusCode::OK, rendered))
    }

    fn delete(&self, ctx: &mut Ctx<'_>, t: &Target) -> Result<Reply, ArmError> {
        if ctx.state.resource(&t.key).is_none() {
            return Ok(Reply::empty(StatusCode::NO_CONTENT));
        }
        ctx.state.remove_tree(&t.key);
        Ok(Reply::empty(StatusCode::OK))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        for (k, v) in &res.body {
            out.insert(k.clone(), v.clone());
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_policies_are_checked() {
        let ok = json!({"isVersioningEnabled": true, "deleteRetentionPolicy": {"enabled": true, "days": 7}});
        assert!(check_service(ok.as_object().unwrap()).is_ok());
        let bad = json!({"deleteRetentionPolicy": {"enabled": true, "days": 400}});
        assert_eq!(
            check_service(bad.as_object().unwrap()).unwrap_err().code(),
            "InvalidValuesForRequestParameters"
        );
        let restore = json!({"restorePolicy": {"enabled": true, "days": 6},
            "deleteRetentionPolicy": {"enabled": true, "days": 7}});
        assert!(check_service(restore.as_object().unwrap()).is_err());
    }
}
