//! Whether a Resource Graph row says the same as what state holds of a resource.
//!
//! A row is taken for the resource only when it agrees with state on everything both can
//! say: the envelope (`location`, `tags`, `sku`, `kind`, `identity`, `zones`, `plan`,
//! `extendedLocation`, `managedBy`) and every leaf of `properties`, in both directions. Any
//! difference sends the resource to a GET at its pinned api-version, so a stale or
//! differently rendered row can cost a read but never hide a change.
//!
//! Resource Graph renders a type with the latest stable api-version of its provider. When
//! that is not the pinned one and the catalogue has both schemas:
//! - a leaf state holds that the graph's version does not publish cannot be compared: the
//!   resource is read with a GET ([`Verdict::ApiVersion`]);
//! - a leaf only the graph's version publishes is left out of the comparison.
//!
//! Resource Graph's own additions (`properties.extended`: a VM's instance view) and what
//! changes without a write (`etag`, `systemData`) are never compared.

use serde_json::Value as Json;
use strata_azure::{Catalogue, Schema};

/// The envelope keys compared besides `properties`.
const ENVELOPE: &[&str] = &[
    "location",
    "tags",
    "sku",
    "kind",
    "identity",
    "zones",
    "plan",
    "extendedLocation",
    "managedBy",
];

/// Paths (from the document's root) that Resource Graph adds and ARM does not return.
const GRAPH_ONLY: &[&[&str]] = &[&["properties", "extended"]];

/// What a row says about a resource in state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The row agrees with state: state's document stands for the resource.
    Agrees,
    /// The row differs at this path (dotted): read the resource.
    Disagrees(String),
    /// State holds a value at this path that the graph's api-version does not publish.
    ApiVersion(String),
}

/// The schemas of a type at its pinned api-version and at the graph's, when they differ and
/// the catalogue has both.
pub struct Versions {
    pinned: std::sync::Arc<Schema>,
    graph: std::sync::Arc<Schema>,
}

impl Versions {
    /// `None` when the versions are the same or a schema is unknown: every leaf is compared.
    pub fn of(catalogue: Option<&Catalogue>, resource_type: &str, api_version: &str) -> Option<Versions> {
        let catalogue = catalogue?;
        let graph_version = strata_azure::behaviour::graph::graph_api_version(catalogue, resource_type)?;
        if graph_version.eq_ignore_ascii_case(api_version) {
            return None;
        }
        let pinned = catalogue.schema(resource_type, api_version).ok()??;
        let graph = catalogue.schema(resource_type, graph_version).ok()??;
        Some(Versions { pinned, graph })
    }

    fn in_pinned_only(&self, path: &[&str]) -> bool {
        self.pinned.property(path).is_some() && self.graph.property(path).is_none()
    }

    fn in_graph_only(&self, path: &[&str]) -> bool {
        self.graph.property(path).is_some() && self.pinned.property(path).is_none()
    }
}

/// Compares state's document of a resource with its Resource Graph row.
pub fn verdict(state: &Json, row: &Json, versions: Option<&Versions>) -> Verdict {
    for key in ENVELOPE {
        let s = present(state.get(*key));
        let r = present(row.get(*key));
        let same = match (s, r) {
            (None, None) => true,
            (Some(a), Some(b)) if *key == "location" => same_location(a, b),
            (Some(a), Some(b)) => same(a, b),
            _ => false,
        };
        if !same {
            return Verdict::Disagrees((*key).to_string());
        }
    }
    let mut path = vec!["properties"];
    match walk(
        present(state.get("properties")),
        present(row.get("properties")),
        &mut path,
        versions,
    ) {
        Some(v) => v,
        None => Verdict::Agrees,
    }
}

/// Leaf by leaf, both ways; the first difference that counts.
fn walk<'a>(
    s: Option<&'a Json>,
    r: Option<&'a Json>,
    path: &mut Vec<&'a str>,
    versions: Option<&Versions>,
) -> Option<Verdict> {
    if GRAPH_ONLY.contains(&path.as_slice()) {
        return None;
    }
    match (s, r) {
        (None, None) => None,
        (Some(Json::Object(a)), Some(Json::Object(b))) => {
            for (k, av) in a {
                path.push(k);
                let found = walk(present(Some(av)), present(b.get(k)), path, versions);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            for (k, bv) in b {
                if a.contains_key(k) {
                    continue;
                }
                path.push(k);
                let found = walk(None, present(Some(bv)), path, versions);
                path.pop();
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Some(Json::Array(a)), Some(Json::Array(b))) if a.len() == b.len() => {
            for (av, bv) in a.iter().zip(b) {
                let found = walk(present(Some(av)), present(Some(bv)), path, versions);
                if found.is_some() {
                    return found;
                }
            }
            None
        }
        (Some(a), Some(b)) if same(a, b) => None,
        (Some(_), None) => {
            let schema_path = path.as_slice();
            if versions.is_some_and(|v| v.in_pinned_only(schema_path)) {
                Some(Verdict::ApiVersion(path.join(".")))
            } else {
                Some(Verdict::Disagrees(path.join(".")))
            }
        }
        (None, Some(_)) => {
            let schema_path = path.as_slice();
            if versions.is_some_and(|v| v.in_graph_only(schema_path)) {
                None
            } else {
                Some(Verdict::Disagrees(path.join(".")))
            }
        }
        (Some(_), Some(_)) => Some(Verdict::Disagrees(path.join("."))),
    }
}

/// A value that says something: not null, not an empty string, object or array (Resource
/// Graph renders a missing `kind` as `""` and a missing object as null).
fn present(v: Option<&Json>) -> Option<&Json> {
    match v? {
        Json::Null => None,
        Json::String(s) if s.is_empty() => None,
        Json::Object(m) if m.is_empty() => None,
        Json::Array(a) if a.is_empty() => None,
        other => Some(other),
    }
}

/// Equal as JSON, numbers by value (`1` and `1.0` are the same).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Json::Object(x), Json::Object(y)) => {
            let xs: Vec<_> = x.iter().filter(|(_, v)| present(Some(v)).is_some()).collect();
            let ys: Vec<_> = y.iter().filter(|(_, v)| present(Some(v)).is_some()).collect();
            xs.len() == ys.len()
                && xs
                    .iter()
                    .all(|(k, v)| y.get(k.as_str()).is_some_and(|w| same(v, w)))
        }
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        _ => a == b,
    }
}

/// ARM answers `West Europe` or `westeurope`; Resource Graph always the latter.
fn same_location(a: &Json, b: &Json) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => normal_location(x) == normal_location(y),
        _ => a == b,
    }
}

fn normal_location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc() -> Json {
        json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "name": "v",
            "type": "Microsoft.Network/virtualNetworks",
            "location": "West Europe",
            "tags": {"env": "prod"},
            "etag": "W/\"1\"",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "provisioningState": "Succeeded",
                "count": 1
            },
            "$action:listKeys": {"keys": []}
        })
    }

    fn row() -> Json {
        json!({
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v",
            "type": "microsoft.network/virtualnetworks",
            "location": "westeurope",
            "kind": "",
            "managedBy": "",
            "sku": null,
            "tags": {"env": "prod"},
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "provisioningState": "Succeeded",
                "count": 1.0,
                "extended": {"instanceView": {"powerState": "running"}}
            }
        })
    }

    #[test]
    fn a_row_rendered_as_resource_graph_does_agrees() {
        assert_eq!(verdict(&doc(), &row(), None), Verdict::Agrees);
    }

    #[test]
    fn any_difference_either_way_is_found() {
        let mut r = row();
        r["tags"]["owner"] = json!("someone");
        assert_eq!(verdict(&doc(), &r, None), Verdict::Disagrees("tags".into()));
        let mut r = row();
        r["properties"]["addressSpace"]["addressPrefixes"] = json!(["10.1.0.0/16"]);
        assert_eq!(
            verdict(&doc(), &r, None),
            Verdict::Disagrees("properties.addressSpace.addressPrefixes".into())
        );
        let mut r = row();
        r["properties"]["enableDdosProtection"] = json!(true);
        assert_eq!(
            verdict(&doc(), &r, None),
            Verdict::Disagrees("properties.enableDdosProtection".into())
        );
        let mut r = row();
        r["properties"].as_object_mut().unwrap().remove("count");
        assert_eq!(
            verdict(&doc(), &r, None),
            Verdict::Disagrees("properties.count".into())
        );
        let mut r = row();
        r["location"] = json!("northeurope");
        assert_eq!(verdict(&doc(), &r, None), Verdict::Disagrees("location".into()));
    }

    #[test]
    fn api_version_differences_follow_the_catalogue() {
        let cat = Catalogue::global().unwrap();
        let t = "Microsoft.Storage/storageAccounts";
        let latest = cat.latest_stable(t).unwrap().to_string();
        assert!(Versions::of(Some(cat), t, &latest).is_none());
        // An old version against the graph's: a property the old version does not publish is
        // left out; one it publishes and the graph's version does not is read with a GET.
        let old = "2016-01-01";
        let v = Versions::of(Some(cat), t, old).expect("both schemas are embedded");
        assert!(v.in_graph_only(&["properties", "minimumTlsVersion"]));
        assert!(!v.in_pinned_only(&["properties", "accessTier"]));
        let state = json!({"location": "westeurope", "properties": {"accessTier": "Hot"}});
        let row = json!({"location": "westeurope", "properties": {"accessTier": "Hot", "minimumTlsVersion": "TLS1_2"}});
        assert_eq!(verdict(&state, &row, Some(&v)), Verdict::Agrees);
        assert_eq!(
            verdict(&state, &row, None),
            Verdict::Disagrees("properties.minimumTlsVersion".into())
        );
    }

    #[test]
    fn what_the_graphs_version_does_not_publish_is_read() {
        // Web apps' vnetRouteAllEnabled (2023-01-01) became outboundVnetRouting later.
        let cat = Catalogue::global().unwrap();
        let t = "Microsoft.Web/sites";
        let v = Versions::of(Some(cat), t, "2023-01-01").expect("both schemas are embedded");
        let state = json!({"location": "westeurope", "properties": {"vnetRouteAllEnabled": true}});
        let row =
            json!({"location": "westeurope", "properties": {"outboundVnetRouting": {"allTraffic": true}}});
        assert_eq!(
            verdict(&state, &row, Some(&v)),
            Verdict::ApiVersion("properties.vnetRouteAllEnabled".into())
        );
    }
}
