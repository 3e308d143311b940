//! Microsoft.KeyVault/vaults/secrets on the management plane [V KV secrets.json]: PUT and
//! PATCH (synchronous), GET and list; no DELETE. The value is kept but never returned; each
//! change of value or attributes makes a new version (`secretUriWithVersion`).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::super::common::{merge_patch, read_tags, render_base};
use super::super::{Ctx, Target, TypeRules};
use super::VERSIONS;
use super::vaults::vault_of;
use crate::protocol::{ArmError, Reply};
use crate::store::{Resource, State};

pub(crate) const TYPE: &str = "Microsoft.KeyVault/vaults/secrets";

/// Fields of `properties` the service sets.
const READ_ONLY: &[&str] = &["secretUri", "secretUriWithVersion"];

fn new_version() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// Checks `properties` and splits the value off it.
fn split(
    mut props: Map<String, Value>,
    now_secs: i64,
    created: Option<i64>,
) -> Result<(Map<String, Value>, Option<Value>), ArmError> {
    for k in READ_ONLY {
        props.remove(*k);
    }
    let value = match props.remove("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(Value::String(s)),
        Some(_) => {
            return Err(ArmError::bad_request(
                "BadRequest",
                "The secret value must be a string.",
            ));
        }
    };
    if let Some(ct) = props
        .get("contentType")
        .filter(|v| !v.is_null() && !v.is_string())
    {
        return Err(ArmError::bad_request(
            "BadRequest",
            format!("The content type {ct} must be a string."),
        ));
    }
    let mut attributes = props
        .remove("attributes")
        .and_then(|a| a.as_object().cloned())
        .unwrap_or_default();
    for k in ["created", "updated"] {
        attributes.remove(k);
    }
    attributes.entry("enabled").or_insert_with(|| json!(true));
    for k in ["nbf", "exp"] {
        if let Some(v) = attributes.get(k).filter(|v| !v.is_null() && !v.is_i64()) {
            return Err(ArmError::bad_request(
                "BadRequest",
                format!("The attribute '{k}' must be a time in seconds since 1970; it is {v}."),
            ));
        }
    }
    attributes.insert("created".into(), json!(created.unwrap_or(now_secs)));
    attributes.insert("updated".into(), json!(now_secs));
    props.insert("attributes".into(), Value::Object(attributes));
    Ok((props, value))
}

/// The document without its timestamps, to tell a real change from a repeat.
fn comparable(props: &Map<String, Value>) -> Value {
    let mut p = props.clone();
    if let Some(Value::Object(a)) = p.get_mut("attributes") {
        a.remove("created");
        a.remove("updated");
    }
    Value::Object(p)
}

pub(crate) struct Secrets;

impl Secrets {
    /// Stores the secret, making a new version if the value or the properties changed.
    fn store(
        &self,
        ctx: &mut Ctx<'_>,
        t: &Target,
        tags: Option<Map<String, Value>>,
        props: Map<String, Value>,
        value: Option<Value>,
        existing: Option<Resource>,
    ) -> Reply {
        let location = vault_of(ctx.state, &t.key)
            .and_then(Resource::location)
            .map(str::to_string);
        let mut private = existing.as_ref().map(|e| e.private.clone()).unwrap_or_default();
        let old_props = existing
            .as_ref()
            .and_then(|e| e.properties().cloned())
            .unwrap_or_default();
        let value_changed = value.as_ref().is_some_and(|v| private.get("value") != Some(v));
        let props = if !value_changed && comparable(&old_props) == comparable(&props) {
            old_props
        } else {
            private.insert("version".into(), json!(new_version()));
            props
        };
        if let Some(v) = value {
            private.insert("value".into(), v);
        }
        let mut doc = Map::new();
        if let Some(l) = location {
            doc.insert("location".into(), json!(l));
        }
        if let Some(tags) = tags {
            doc.insert("tags".into(), Value::Object(tags));
        }
        doc.insert("properties".into(), Value::Object(props));
        let (status, order) = match &existing {
            Some(e) => (StatusCode::OK, e.order),
            None => (StatusCode::CREATED, ctx.state.next_order()),
        };
        let resource = Resource {
            id: t.id.clone(),
            resource_type: TYPE.into(),
            body: doc,
            order,
            private,
            ..Resource::default()
        };
        let rendered = self.render(ctx.state, &resource);
        ctx.state.put_resource(resource);
        Reply::json(status, rendered)
    }
}

impl TypeRules for Secrets {
    fn canonical_type(&self) -> Option<&'static str> {
        Some(TYPE)
    }

    fn api_versions(&self) -> Option<&'static [&'static str]> {
        Some(VERSIONS)
    }

    fn put(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let tags = read_tags(&body)?;
        let Some(Value::Object(props)) = body.remove("properties") else {
            return Err(ArmError::bad_request(
                "BadRequest",
                "The parameter 'properties' is required to create or update a secret.",
            ));
        };
        let existing = ctx.state.resource(&t.key).cloned();
        let created = existing
            .as_ref()
            .and_then(|e| e.properties()?.get("attributes")?.get("created")?.as_i64());
        let (props, value) = split(props, ctx.now.timestamp(), created)?;
        if value.is_none() && existing.is_none() {
            return Err(ArmError::bad_request(
                "BadRequest",
                "The parameter 'properties.value' is required to create a secret.",
            ));
        }
        Ok(self.store(ctx, t, tags, props, value, existing))
    }

    fn patch(&self, ctx: &mut Ctx<'_>, t: &Target, mut body: Map<String, Value>) -> Result<Reply, ArmError> {
        let tags = read_tags(&body)?;
        let Some(existing) = ctx.state.resource(&t.key).cloned() else {
            return Err(ArmError::resource_not_found(
                &t.path.type_and_names(2),
                &t.group_name,
            ));
        };
        let tags = if body.contains_key("tags") {
            tags
        } else {
            existing.body.get("tags").and_then(Value::as_object).cloned()
        };
        let mut props = Value::Object(existing.properties().cloned().unwrap_or_default());
        if let Some(patch) = body.remove("properties") {
            merge_patch(&mut props, &patch);
        }
        let props = match props {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let created = existing
            .properties()
            .and_then(|p| p.get("attributes")?.get("created")?.as_i64());
        let (props, value) = split(props, ctx.now.timestamp(), created)?;
        Ok(self.store(ctx, t, tags, props, value, Some(existing)))
    }

    fn delete(&self, _ctx: &mut Ctx<'_>, _t: &Target) -> Result<Reply, ArmError> {
        // The management plane publishes no DELETE for secrets [V KV secrets.json].
        Err(ArmError::method_not_allowed("DELETE"))
    }

    fn render(&self, _state: &State, res: &Resource) -> Value {
        let mut out = render_base(res, None);
        for (k, v) in &res.body {
            out.insert(k.clone(), v.clone());
        }
        let vault_name = res
            .id
            .split('/')
            .skip_while(|s| !s.eq_ignore_ascii_case("vaults"))
            .nth(1)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let uri = format!("https://{vault_name}.vault.azure.net/secrets/{}", res.name());
        let version = res
            .private
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if let Some(Value::Object(props)) = out.get_mut("properties") {
            props.insert("secretUri".into(), json!(uri));
            props.insert("secretUriWithVersion".into(), json!(format!("{uri}/{version}")));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_split_off() {
        let props = json!({"value": "s3cret", "contentType": "text/plain", "secretUri": "mine"});
        let (props, value) = split(props.as_object().cloned().unwrap(), 100, None).unwrap();
        assert_eq!(value, Some(json!("s3cret")));
        assert!(props.get("value").is_none() && props.get("secretUri").is_none());
        assert_eq!(props["attributes"]["created"], 100);
        assert_eq!(props["attributes"]["enabled"], true);
        let bad = json!({"value": 1});
        assert!(split(bad.as_object().cloned().unwrap(), 100, None).is_err());
    }
}
