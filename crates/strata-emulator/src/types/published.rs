//! What Azure itself fills in on a resource of a catalogued type the emulator has no rules
//! for, per the type's published definition: the read-only identity fields (`principalId`,
//! `clientId`, `tenantId` under `properties`, and under `identity` for system-assigned
//! identities) and an `etag` where the type publishes one. Values are made once, at create,
//! and kept across updates, as Azure keeps them.

use serde_json::{Map, Value};
use strata_azure::{Catalogue, Node, Schema};
use uuid::Uuid;

use super::common::new_etag;

/// Read-only string properties Azure fills with a fresh GUID.
const GUID_FIELDS: &[&str] = &["principalId", "clientId", "objectId"];

/// Fills in what the type publishes as set by Azure. `previous` is the stored document of an
/// existing resource, whose values are kept. Returns whether the type publishes an etag.
pub(crate) fn fill(
    resource_type: &str,
    api_version: &str,
    tenant: &str,
    doc: &mut Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> bool {
    let Ok(Ok(Some(schema))) = Catalogue::global().map(|c| c.schema_for(resource_type, api_version)) else {
        return false;
    };
    let kept = |path: &[&str]| -> Option<Value> {
        let mut at = previous?.get(path[0])?;
        for k in &path[1..] {
            at = at.get(*k)?;
        }
        Some(at.clone())
    };
    if let Some(props) = doc.get_mut("properties").and_then(Value::as_object_mut) {
        for name in read_only_strings(&schema, "properties") {
            let value = if GUID_FIELDS.contains(&name.as_str()) {
                kept(&["properties", &name]).unwrap_or_else(|| Value::String(Uuid::new_v4().to_string()))
            } else if name == "tenantId" {
                Value::String(tenant.to_string())
            } else {
                continue;
            };
            props.insert(name, value);
        }
    }
    let system_assigned = doc
        .get("identity")
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.to_ascii_lowercase().contains("systemassigned"));
    if let Some(identity) = doc.get_mut("identity").and_then(Value::as_object_mut) {
        let published = read_only_strings(&schema, "identity");
        if system_assigned && published.iter().any(|p| p == "principalId") {
            let principal = kept(&["identity", "principalId"])
                .unwrap_or_else(|| Value::String(Uuid::new_v4().to_string()));
            identity.insert("principalId".into(), principal);
        }
        if system_assigned && published.iter().any(|p| p == "tenantId") {
            identity.insert("tenantId".into(), Value::String(tenant.to_string()));
        }
    }
    schema.property(&["etag"]).is_some_and(|p| p.flags.read_only())
}

/// A fresh etag for a type that publishes one.
pub(crate) fn etag() -> String {
    new_etag()
}

/// The read-only string properties of the object at top-level property `at`.
fn read_only_strings(schema: &Schema, at: &str) -> Vec<String> {
    let Some(p) = schema.property(&[at]) else {
        return Vec::new();
    };
    match schema.node(p.ty) {
        Some(Node::Object { properties, .. }) => properties
            .iter()
            .filter(|q| q.flags.read_only() && matches!(schema.node(q.ty), Some(Node::String { .. })))
            .map(|q| q.name.clone())
            .collect(),
        _ => Vec::new(),
    }
}
