//! Putting documents into an estate on disk before an emulator serves it: what a rehearsal
//! seeded from a real state starts with.
//!
//! The documents are stored as they are (no validation, no provisioning, no latency): they
//! describe resources that exist. Resource groups become groups; a group that a resource
//! needs but the documents do not hold is made in the resource's location. Children listed
//! inline in a parent's document (a VNet's `subnets`, an NSG's `securityRules`) are stored as
//! resources of their own, as the emulator keeps them, unless the documents hold the child
//! itself (its own document is the newer). Storage accounts get fresh keys.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::EmulatorError;
use crate::store::{DataDir, Group, Resource, State, key_of};

/// One resource as ARM returned it.
#[derive(Clone, Debug)]
pub struct SeedDocument {
    /// The full resource id.
    pub id: String,
    /// The full type, e.g. `Microsoft.Network/virtualNetworks`.
    pub resource_type: String,
    /// The document (`location`, `tags`, `sku`, `properties`, …); `id`, `name`, `type` and
    /// `etag` are set by the emulator.
    pub document: Value,
}

const GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";

/// Adds `documents` to the estate kept in `data_dir` (created if needed), replacing what it
/// holds at the same ids, and returns how many groups and resources were stored. Fails if an
/// emulator is serving that directory.
pub fn seed_estate(data_dir: &Path, documents: &[SeedDocument]) -> Result<usize, EmulatorError> {
    let dir = DataDir::open(data_dir)?;
    let mut state = dir.load()?.map(State::from_snapshot).unwrap_or_default();
    let mut stored = 0;
    let own: std::collections::BTreeSet<String> = documents
        .iter()
        .map(|d| key_of(d.id.trim_end_matches('/')))
        .collect();
    // Groups first, so that a group's own document wins over one made for its resources.
    for doc in documents
        .iter()
        .filter(|d| d.resource_type.eq_ignore_ascii_case(GROUP_TYPE))
    {
        if let Some(group) = group_of(&doc.id, &doc.document) {
            state.insert_group(group);
            stored += 1;
        }
    }
    for doc in documents
        .iter()
        .filter(|d| !d.resource_type.eq_ignore_ascii_case(GROUP_TYPE))
    {
        let Some(mut body) = doc.document.as_object().cloned() else {
            continue;
        };
        if let Some(group_id) = group_id_of(&doc.id)
            && state.group(&key_of(&group_id)).is_none()
            && let Some(group) = group_of(&group_id, &Value::Object(body.clone()))
        {
            state.insert_group(group);
            stored += 1;
        }
        body.retain(|k, _| !k.starts_with('$'));
        let etag = body.get("etag").and_then(Value::as_str).map(str::to_string);
        for k in ["id", "name", "type", "etag"] {
            body.remove(k);
        }
        for child in inline_children(&doc.id, &mut body) {
            // A child's own document is newer than its parent's copy of it.
            if own.contains(&child.key()) {
                continue;
            }
            let order = state.next_order();
            state.put_resource(Resource { order, ..child });
            stored += 1;
        }
        let private = if doc
            .resource_type
            .eq_ignore_ascii_case(crate::types::storage::accounts::TYPE)
        {
            crate::types::storage::new_account_private()
        } else {
            Map::new()
        };
        let order = state.next_order();
        state.put_resource(Resource {
            id: doc.id.trim_end_matches('/').to_string(),
            resource_type: doc.resource_type.clone(),
            body,
            etag,
            order,
            private,
        });
        stored += 1;
    }
    let bytes = serde_json::to_vec(&state.snapshot()).map_err(|e| EmulatorError::DataDir {
        path: data_dir.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    dir.save(&bytes).map_err(|source| EmulatorError::DataDir {
        path: data_dir.to_path_buf(),
        source,
    })?;
    Ok(stored)
}

/// `/subscriptions/{s}/resourceGroups/{g}` of a resource id, if it is in a group.
fn group_id_of(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        [s, sub, g, name, _, ..]
            if s.eq_ignore_ascii_case("subscriptions") && g.eq_ignore_ascii_case("resourceGroups") =>
        {
            Some(format!("/subscriptions/{sub}/resourceGroups/{name}"))
        }
        _ => None,
    }
}

fn group_of(id: &str, doc: &Value) -> Option<Group> {
    let parts: Vec<&str> = id
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let [s, sub, g, name] = parts.as_slice() else {
        return None;
    };
    if !s.eq_ignore_ascii_case("subscriptions") || !g.eq_ignore_ascii_case("resourceGroups") {
        return None;
    }
    Some(Group {
        id: format!("/subscriptions/{sub}/resourceGroups/{name}"),
        name: (*name).to_string(),
        subscription: (*sub).to_string(),
        location: doc
            .get("location")
            .and_then(Value::as_str)
            .unwrap_or("westeurope")
            .to_string(),
        tags: doc.get("tags").and_then(Value::as_object).cloned(),
        managed_by: doc.get("managedBy").and_then(Value::as_str).map(str::to_string),
        deleting: None,
    })
}

/// Takes the inline children out of `body.properties`: list items whose `id` is directly below
/// `parent` and whose `type` the emulator stores apart.
fn inline_children(parent: &str, body: &mut Map<String, Value>) -> Vec<Resource> {
    let prefix = format!("{}/", key_of(parent.trim_end_matches('/')));
    let Some(Value::Object(props)) = body.get_mut("properties") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut emptied = Vec::new();
    for (name, list) in props.iter_mut() {
        let Value::Array(items) = list else { continue };
        let is_child = |item: &Value| {
            let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
            let below = key_of(id)
                .strip_prefix(&prefix)
                .map(|rest| rest.split('/').count() == 2);
            // Only types the emulator keeps as resources of their own (subnets, security
            // rules); others (a subnet's delegations) stay inline in the parent.
            let kept_apart = item
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| crate::types::MODELLED.iter().any(|m| m.eq_ignore_ascii_case(t)));
            below == Some(true) && kept_apart
        };
        if items.is_empty() || !items.iter().all(is_child) {
            continue;
        }
        emptied.push(name.clone());
        for item in items.drain(..) {
            let Value::Object(mut doc) = item else { continue };
            let id = doc
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let resource_type = doc
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let etag = doc.get("etag").and_then(Value::as_str).map(str::to_string);
            for k in ["id", "name", "type", "etag"] {
                doc.remove(k);
            }
            out.push(Resource {
                id,
                resource_type,
                body: doc,
                etag,
                ..Resource::default()
            });
        }
    }
    for name in emptied {
        props.remove(&name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RG: &str = "/subscriptions/s1/resourceGroups/rg-a";

    #[test]
    fn documents_become_groups_resources_and_inline_children() {
        let tmp = tempfile::tempdir().unwrap();
        let vnet = format!("{RG}/providers/Microsoft.Network/virtualNetworks/v");
        let docs = vec![
            SeedDocument {
                id: vnet.clone(),
                resource_type: "Microsoft.Network/virtualNetworks".into(),
                document: json!({
                    "id": vnet, "name": "v", "location": "northeurope", "etag": "W/\"1\"",
                    "$action:x": {"secret": 1},
                    "properties": {
                        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                        "subnets": [{
                            "id": format!("{vnet}/subnets/app"), "name": "app",
                            "type": "Microsoft.Network/virtualNetworks/subnets",
                            "properties": {"addressPrefix": "10.0.1.0/24"}
                        }]
                    }
                }),
            },
            SeedDocument {
                id: format!("{vnet}/subnets/app"),
                resource_type: "Microsoft.Network/virtualNetworks/subnets".into(),
                document: json!({"properties": {"addressPrefix": "10.0.1.0/24", "delegations": [{
                    "name": "d", "id": format!("{vnet}/subnets/app/delegations/d"),
                    "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
                    "properties": {"serviceName": "Microsoft.Web/serverFarms"}
                }]}}),
            },
            SeedDocument {
                id: format!("{RG}/providers/Microsoft.Storage/storageAccounts/st"),
                resource_type: "Microsoft.Storage/storageAccounts".into(),
                document: json!({"location": "northeurope", "properties": {}}),
            },
        ];
        assert_eq!(seed_estate(tmp.path(), &docs).unwrap(), 4);
        let dir = DataDir::open(tmp.path()).unwrap();
        let state = State::from_snapshot(dir.load().unwrap().unwrap());
        let group = state
            .group(&key_of(RG))
            .expect("the group made for the resources");
        assert_eq!(group.location, "northeurope");
        let stored = state.resource(&key_of(&vnet)).unwrap();
        assert!(stored.body.get("$action:x").is_none() && stored.body.get("id").is_none());
        assert_eq!(stored.etag.as_deref(), Some("W/\"1\""));
        assert!(stored.properties().unwrap().get("subnets").is_none());
        let subnets = state.children(&key_of(&vnet), "subnets");
        assert_eq!(subnets.len(), 1);
        assert_eq!(subnets[0].properties().unwrap()["addressPrefix"], "10.0.1.0/24");
        assert_eq!(
            subnets[0].properties().unwrap()["delegations"][0]["name"],
            "d",
            "the subnet's own document wins over the VNet's inline copy"
        );
        let account = state
            .resource(&key_of(&format!(
                "{RG}/providers/Microsoft.Storage/storageAccounts/st"
            )))
            .unwrap();
        assert_eq!(account.private.len(), 2, "an account answers listKeys");
    }

    #[test]
    fn a_served_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let _held = DataDir::open(tmp.path()).unwrap();
        assert!(matches!(
            seed_estate(tmp.path(), &[]),
            Err(EmulatorError::DataDirLocked { .. })
        ));
    }
}
