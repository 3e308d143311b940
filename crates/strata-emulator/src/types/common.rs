//! Rules every resource type shares: server-set fields, locations, tags, names, etags.

use axum::http::StatusCode;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::Target;
use crate::protocol::ArmError;
use crate::store::Resource;

/// Tags a resource may carry, and their limits ("Use tags to organize your Azure resources").
const MAX_TAGS: usize = 50;
const MAX_TAG_NAME: usize = 512;
const MAX_TAG_VALUE: usize = 256;

/// Drops what the server sets: `id`, `name`, `type` and `etag` come from the URL and the store.
pub(crate) fn strip_server_fields(body: &mut Map<String, Value>) {
    for k in ["id", "name", "type", "etag"] {
        body.remove(k);
    }
}

/// ARM's normal form of a location: `West Europe` → `westeurope`.
pub(crate) fn normalize_location(s: &str) -> String {
    strata_azure::behaviour::regions::normalize(s)
}

/// The body's location, normalized. `LocationRequired` if `required` and absent.
pub(crate) fn read_location(body: &Map<String, Value>, required: bool) -> Result<Option<String>, ArmError> {
    match body.get("location") {
        None | Some(Value::Null) => {
            if required {
                Err(ArmError::location_required())
            } else {
                Ok(None)
            }
        }
        Some(Value::String(s)) if normalize_location(s).is_empty() => Err(ArmError::location_required()),
        Some(Value::String(s)) => Ok(Some(normalize_location(s))),
        Some(_) => Err(ArmError::invalid_json("the 'location' property must be a string")),
    }
}

/// A resource keeps the location it was created in.
pub(crate) fn check_location_unchanged(
    existing: &Resource,
    new: Option<&str>,
    t: &Target,
) -> Result<(), ArmError> {
    match (existing.location(), new) {
        (Some(old), Some(new)) if normalize_location(old) != new => Err(ArmError::new(
            StatusCode::CONFLICT,
            "InvalidResourceLocation",
            format!(
                "The resource '{}' already exists in location '{old}' in resource group '{}'. \
                 A resource with the same name cannot be created in location '{new}'. \
                 Please select a new resource name.",
                t.name, t.group_name
            ),
        )),
        _ => Ok(()),
    }
}

/// The body's tags, checked against ARM's limits. `None` when absent or null.
pub(crate) fn read_tags(body: &Map<String, Value>) -> Result<Option<Map<String, Value>>, ArmError> {
    let tags = match body.get("tags") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => {
            return Err(ArmError::invalid_json(
                "the 'tags' property must be an object of strings",
            ));
        }
    };
    if tags.len() > MAX_TAGS {
        return Err(ArmError::bad_request(
            "InvalidTagCount",
            format!(
                "The number of tags ({}) exceeds the maximum of {MAX_TAGS} tags per resource.",
                tags.len()
            ),
        ));
    }
    let mut bad_names = Vec::new();
    for (name, value) in tags {
        let Value::String(value) = value else {
            return Err(ArmError::invalid_json(&format!(
                "the value of tag '{name}' must be a string"
            )));
        };
        if name
            .chars()
            .any(|c| matches!(c, '<' | '>' | '%' | '&' | '\\' | '?' | '/') || c.is_control())
        {
            bad_names.push(name.as_str());
        }
        if name.chars().count() > MAX_TAG_NAME || name.is_empty() {
            return Err(ArmError::bad_request(
                "InvalidTagNameLength",
                format!("The tag name '{name}' must be between 1 and {MAX_TAG_NAME} characters long."),
            ));
        }
        if value.chars().count() > MAX_TAG_VALUE {
            return Err(ArmError::bad_request(
                "InvalidTagValueLength",
                format!(
                    "The value of tag '{name}' exceeds the maximum length of {MAX_TAG_VALUE} characters."
                ),
            ));
        }
    }
    if !bad_names.is_empty() {
        return Err(ArmError::bad_request(
            "InvalidTagNameCharacters",
            format!(
                "The tag names '{}' have reserved characters '<,>,%,&,\\,?,/' or control characters.",
                bad_names.join(",")
            ),
        ));
    }
    Ok(Some(tags.clone()))
}

/// The name rule of the type (`strata_azure::naming`), answered like ARM does.
pub(crate) fn check_name(t: &Target) -> Result<(), ArmError> {
    let rule = strata_azure::naming::rule_for(&t.full_type);
    let Err(why) = rule.check(&t.name) else {
        return Ok(());
    };
    let lower = t.full_type.to_ascii_lowercase();
    // Providers with their own code for a bad name.
    if lower == "microsoft.storage/storageaccounts" {
        return Err(ArmError::bad_request(
            "AccountNameInvalid",
            format!(
                "{} is not a valid storage account name. Storage account name must be between 3 and 24 \
                 characters in length and use numbers and lower-case letters only.",
                t.name
            ),
        )
        .with_target(t.name.clone()));
    }
    if lower == "microsoft.keyvault/vaults" {
        return Err(ArmError::bad_request(
            "VaultNameNotValid",
            format!(
                "The name '{}' is invalid. A vault's name must be between 3-24 alphanumeric characters. The \
                 name must begin with a letter, end with a letter or digit, and not contain consecutive \
                 hyphens. Follow this link for more information: https://go.microsoft.com/fwlink/?linkid=2147742",
                t.name
            ),
        ));
    }
    if lower == "microsoft.dbforpostgresql/flexibleservers" {
        // The service names the parameter, not the rule.
        return Err(ArmError::bad_request(
            "InvalidParameterValue",
            format!(
                "Invalid value given for parameter serverName ('{}'). Specify a valid parameter value: {why}.",
                t.name
            ),
        ));
    }
    if lower == "microsoft.operationalinsights/workspaces" {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!(
                "Workspace name '{}' is not valid: it must start and end with a letter or digit and contain only \
                 letters, digits and hyphens ({why}).",
                t.name
            ),
        ));
    }
    let message = if lower.starts_with("microsoft.network/") {
        // The network provider's own wording.
        format!(
            "Resource name {} is invalid. The name can be up to {} characters long. It must begin with \
             a word character, and it must end with a word character or with '_'. The name may contain \
             word characters or '.', '-', '_'. ({why})",
            t.name, rule.max
        )
    } else {
        format!("Resource name '{}' is invalid: {why}.", t.name)
    };
    Err(ArmError::bad_request("InvalidResourceName", message).with_target(t.name.clone()))
}

/// The document of a tracked resource as stored: `location`, `tags`, the other top-level
/// fields of the body (`sku`, `kind`, `zones`, `identity`, …), then `properties`.
pub(crate) fn assemble(
    body: Map<String, Value>,
    location: Option<&str>,
    tags: Option<Map<String, Value>>,
    properties: Map<String, Value>,
) -> Map<String, Value> {
    let mut doc = Map::new();
    if let Some(l) = location {
        doc.insert("location".into(), Value::String(l.to_string()));
    }
    if let Some(tags) = tags {
        doc.insert("tags".into(), Value::Object(tags));
    }
    for (k, v) in body {
        if k != "location" && k != "tags" && k != "properties" {
            doc.insert(k, v);
        }
    }
    doc.insert("properties".into(), Value::Object(properties));
    doc
}

/// `{id, name, type, etag?}` and the stored document.
pub(crate) fn render_doc(res: &Resource) -> Map<String, Value> {
    let mut out = render_base(res, None);
    for (k, v) in &res.body {
        out.insert(k.clone(), v.clone());
    }
    out
}

/// A JSON pointer (`/a/b/0`) into an object.
pub(crate) fn at<'a>(map: &'a Map<String, Value>, pointer: &str) -> Option<&'a Value> {
    let rest = pointer.strip_prefix('/')?;
    match rest.split_once('/') {
        None => map.get(rest),
        Some((first, tail)) => map.get(first)?.pointer(&format!("/{tail}")),
    }
}

/// A string field of an object.
pub(crate) fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

/// An ARM timestamp (`2025-01-01T10:00:00.1234567Z` in Azure; microseconds here).
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A new GUID, as providers hand them out.
pub(crate) fn new_guid() -> String {
    Uuid::new_v4().to_string()
}

/// `InvalidRequestContent` for a required field the body lacks.
pub(crate) fn missing(field: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidRequestContent",
        format!(
            "The request content was invalid and cannot be deserialized: 'Required property '{field}' not found in JSON.'."
        ),
    )
}

/// The previous value of a read-only field, or a fresh one: read-only values never change once
/// the provider set them.
pub(crate) fn keep_or(existing: Option<&Resource>, field: &str, fresh: impl FnOnce() -> Value) -> Value {
    existing
        .and_then(Resource::properties)
        .and_then(|p| p.get(field))
        .cloned()
        .unwrap_or_else(fresh)
}

/// A fresh weak etag, as the network provider writes them.
pub(crate) fn new_etag() -> String {
    format!("W/\"{}\"", Uuid::new_v4())
}

/// The `properties` object of a body, taken out of it (empty if absent).
pub(crate) fn take_properties(body: &mut Map<String, Value>) -> Result<Map<String, Value>, ArmError> {
    match body.remove("properties") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ArmError::invalid_json(
            "the 'properties' property must be an object",
        )),
    }
}

/// `{id, name, type, etag?}` followed by the stored body: the order ARM answers in.
pub(crate) fn render_base(res: &Resource, etag: Option<&str>) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("id".into(), Value::String(res.id.clone()));
    out.insert("name".into(), Value::String(res.name().to_string()));
    out.insert("type".into(), Value::String(res.resource_type.clone()));
    if let Some(e) = etag.or(res.etag.as_deref()) {
        out.insert("etag".into(), Value::String(e.to_string()));
    }
    out
}

/// RFC 7396 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(map) = target {
        for (k, v) in patch {
            if v.is_null() {
                map.remove(k);
            } else {
                merge_patch(map.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Stores `doc` as the resource `t` names, of type `resource_type`: an existing resource keeps
/// its place among its siblings, and `finish` sets what else the type keeps (an etag, private
/// values). Returns the document a GET would answer, rendered by `rules`.
pub(crate) fn store(
    ctx: &mut super::Ctx<'_>,
    rules: &dyn super::TypeRules,
    t: &Target,
    resource_type: &str,
    doc: Map<String, Value>,
    existing: Option<&Resource>,
    finish: impl FnOnce(&mut Resource),
) -> Value {
    let order = existing.map_or_else(|| ctx.state.next_order(), |e| e.order);
    let mut resource = Resource {
        id: t.id.clone(),
        resource_type: resource_type.to_string(),
        body: doc,
        order,
        ..Resource::default()
    };
    finish(&mut resource);
    let rendered = rules.render(ctx.state, &resource);
    ctx.state.put_resource(resource);
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locations_are_normalized() {
        assert_eq!(normalize_location("West Europe"), "westeurope");
        let body = json!({"location": " "});
        assert_eq!(
            read_location(body.as_object().unwrap(), true).unwrap_err().code(),
            "LocationRequired"
        );
        assert_eq!(read_location(&Map::new(), false).unwrap(), None);
    }

    #[test]
    fn tags_are_checked() {
        let ok = json!({"tags": {"env": "dev"}});
        assert!(read_tags(ok.as_object().unwrap()).unwrap().is_some());
        let bad = json!({"tags": {"a/b": "x"}});
        assert_eq!(
            read_tags(bad.as_object().unwrap()).unwrap_err().code(),
            "InvalidTagNameCharacters"
        );
        let bad = json!({"tags": {"a": 1}});
        assert_eq!(
            read_tags(bad.as_object().unwrap()).unwrap_err().code(),
            "InvalidRequestContent"
        );
        let many: Map<String, Value> = (0..51).map(|i| (format!("t{i}"), json!("v"))).collect();
        let bad = json!({ "tags": many });
        assert_eq!(
            read_tags(bad.as_object().unwrap()).unwrap_err().code(),
            "InvalidTagCount"
        );
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge_patch(&mut doc, &json!({"a": {"b": null, "e": 3}, "d": [2]}));
        assert_eq!(doc, json!({"a": {"c": 2, "e": 3}, "d": [2]}));
    }
}
