//! Diffs that do not lie: desired configuration against what ARM returns.
//!
//! ARM answers with more than was sent (read-only fields, server defaults), with ids in another
//! letter case, locations normalised (`West Europe` / `westeurope`) and arrays in another order.
//! [`diff`] therefore compares only the paths the configuration sets, with ARM's case rules for
//! ids and locations, arrays of named objects matched by name and arrays of scalars compared as
//! sets. `tags` is compared whole, because a PUT replaces the whole map.

use serde_json::Value as Json;
use strata_core::{PathStep, Value};

/// One property that differs.
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyDiff {
    pub path: Vec<PathStep>,
    /// The live value (`None` when absent).
    pub before: Option<Json>,
    /// The desired value (may be unknown or sensitive).
    pub after: Value,
    /// True when `before` or `after` is secret: render `<sensitive>`.
    pub sensitive: bool,
}

/// Compares `desired` with `live` on the paths `desired` sets.
pub fn diff(desired: &Value, live: &Json) -> Vec<PropertyDiff> {
    let mut out = Vec::new();
    walk(desired, Some(live), &mut Vec::new(), false, &mut out);
    out
}

fn walk(
    desired: &Value,
    live: Option<&Json>,
    path: &mut Vec<PathStep>,
    sensitive: bool,
    out: &mut Vec<PropertyDiff>,
) {
    let push = |out: &mut Vec<PropertyDiff>, path: &[PathStep], sensitive: bool| {
        let sensitive = sensitive || desired.is_sensitive();
        out.push(PropertyDiff {
            path: path.to_vec(),
            before: live.cloned(),
            // A value under a sensitive mark keeps the mark, whatever renders it.
            after: if sensitive {
                desired.clone().sensitive()
            } else {
                desired.clone()
            },
            sensitive,
        });
    };
    match desired {
        Value::Null => {}
        Value::Sensitive(inner) => walk(inner, live, path, true, out),
        Value::Unknown(_) => push(out, path, sensitive),
        Value::Object(map) => match live {
            Some(Json::Object(_)) if is_whole_map(path) => {
                if !equal(desired, live) {
                    push(out, path, sensitive);
                }
            }
            Some(Json::Object(live_map)) => {
                for (key, value) in map {
                    path.push(PathStep::Key(key.clone()));
                    walk(value, find_key(live_map, key), path, sensitive, out);
                    path.pop();
                }
            }
            _ => {
                if !all_null(desired) {
                    push(out, path, sensitive);
                }
            }
        },
        Value::List(items) => {
            let Some(Json::Array(live_items)) = live else {
                if !(items.is_empty() && live.is_none_or(Json::is_null)) {
                    push(out, path, sensitive);
                }
                return;
            };
            if !list_equal(items, live_items) {
                // A list is written whole; report it as one change at its path, or descend into
                // named elements when both sides name the same elements, for a precise diff.
                if let Some(pairs) = match_by_name(items, live_items) {
                    for (i, (d, l)) in pairs.into_iter().enumerate() {
                        path.push(PathStep::Index(i));
                        walk(d, Some(l), path, sensitive, out);
                        path.pop();
                    }
                } else {
                    push(out, path, sensitive);
                }
            }
        }
        scalar => {
            if !scalar_equal(scalar, live, path) {
                push(out, path, sensitive);
            }
        }
    }
}

fn is_whole_map(path: &[PathStep]) -> bool {
    matches!(path.last(), Some(PathStep::Key(k)) if k == "tags")
}

fn all_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.values().all(all_null),
        _ => false,
    }
}

/// ARM keys are case-insensitive on the wire for some providers; prefer an exact match.
fn find_key<'a>(map: &'a serde_json::Map<String, Json>, key: &str) -> Option<&'a Json> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// True when `desired` and `live` agree on everything `desired` sets.
fn equal(desired: &Value, live: Option<&Json>) -> bool {
    let mut out = Vec::new();
    walk_equal(desired, live, &mut out);
    out.is_empty()
}

fn walk_equal(desired: &Value, live: Option<&Json>, out: &mut Vec<PropertyDiff>) {
    match (desired.unmarked(), live) {
        (Value::Object(m), Some(Json::Object(l))) => {
            // whole-map comparison: same key set and equal values
            let live_keys = l.keys().filter(|k| !l[*k].is_null()).count();
            let desired_keys = m.values().filter(|v| !v.is_null()).count();
            if live_keys != desired_keys {
                out.push(PropertyDiff {
                    path: vec![],
                    before: None,
                    after: Value::Null,
                    sensitive: false,
                });
                return;
            }
            for (k, v) in m {
                walk_equal(v, find_key(l, k), out);
            }
        }
        _ => walk(desired, live, &mut Vec::new(), false, out),
    }
}

fn list_equal(desired: &[Value], live: &[Json]) -> bool {
    if desired.len() != live.len() {
        return false;
    }
    if desired
        .iter()
        .all(|d| d.as_object().is_none() && d.as_list().is_none())
    {
        // scalars: compare as multisets, ARM may reorder them
        let mut used = vec![false; live.len()];
        return desired.iter().all(|d| {
            let hit = live
                .iter()
                .enumerate()
                .find(|(i, l)| !used[*i] && scalar_equal(d, Some(l), &[]));
            match hit {
                Some((i, _)) => {
                    used[i] = true;
                    true
                }
                None => false,
            }
        });
    }
    if let Some(pairs) = match_by_name(desired, live) {
        return pairs.into_iter().all(|(d, l)| {
            let mut out = Vec::new();
            walk(d, Some(l), &mut Vec::new(), false, &mut out);
            out.is_empty()
        });
    }
    desired.iter().zip(live).all(|(d, l)| {
        let mut out = Vec::new();
        walk(d, Some(l), &mut Vec::new(), false, &mut out);
        out.is_empty()
    })
}

/// Pairs elements that carry the same `name`, when every desired element has one and each
/// finds its partner in `live` (same length).
fn match_by_name<'a>(desired: &'a [Value], live: &'a [Json]) -> Option<Vec<(&'a Value, &'a Json)>> {
    if desired.len() != live.len() {
        return None;
    }
    desired
        .iter()
        .map(|d| {
            let name = d.get("name")?.as_str()?;
            let l = live.iter().find(|l| {
                l.get("name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })?;
            Some((d, l))
        })
        .collect()
}

fn scalar_equal(desired: &Value, live: Option<&Json>, path: &[PathStep]) -> bool {
    let Some(live) = live else {
        return desired.is_null();
    };
    match (desired.unmarked(), live) {
        (Value::Null, Json::Null) => true,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Json::String(b)) => strings_equal(a, b, path),
        // ARM sometimes answers numbers as strings and the reverse
        (Value::Number(a), Json::String(b)) => b.parse::<f64>().ok() == a.as_f64(),
        (Value::String(a), Json::Number(b)) => a.parse::<f64>().ok() == b.as_f64(),
        (Value::Bool(a), Json::String(b)) => b.eq_ignore_ascii_case(if *a { "true" } else { "false" }),
        _ => false,
    }
}

/// ARM's comparison rules: ids and names case-insensitive, locations ignoring case and spaces.
fn strings_equal(a: &str, b: &str, path: &[PathStep]) -> bool {
    if a == b {
        return true;
    }
    let key = match path.last() {
        Some(PathStep::Key(k)) => k.as_str(),
        _ => "",
    };
    if key.eq_ignore_ascii_case("location") {
        return normalise_location(a) == normalise_location(b);
    }
    if a.starts_with("/subscriptions/") || key.eq_ignore_ascii_case("id") {
        return a
            .trim_end_matches('/')
            .eq_ignore_ascii_case(b.trim_end_matches('/'));
    }
    false
}

/// `West Europe` → `westeurope`.
pub fn normalise_location(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(j: Json) -> Value {
        Value::from_json(&j)
    }

    #[test]
    fn extra_server_fields_are_ignored() {
        let desired = v(
            json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
        );
        let live = json!({"id": "/x", "location": "West Europe", "etag": "W/\"1\"",
            "properties": {"provisioningState": "Succeeded", "resourceGuid": "g",
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": []}});
        assert!(diff(&desired, &live).is_empty());
    }

    #[test]
    fn ids_compare_case_insensitively() {
        let desired = v(
            json!({"properties": {"networkSecurityGroup": {"id": "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/networkSecurityGroups/n"}}}),
        );
        let live = json!({"properties": {"networkSecurityGroup": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/N"}}});
        assert!(diff(&desired, &live).is_empty());
    }

    #[test]
    fn scalar_arrays_ignore_order_and_named_arrays_match_by_name() {
        let desired = v(json!({"a": ["10.1.0.0/16", "10.0.0.0/16"],
            "rules": [{"name": "b", "priority": 200}, {"name": "a", "priority": 100}]}));
        let live = json!({"a": ["10.0.0.0/16", "10.1.0.0/16"],
            "rules": [{"name": "a", "priority": 100, "etag": "x"}, {"name": "b", "priority": 200}]});
        assert!(diff(&desired, &live).is_empty());
        let live2 = json!({"a": ["10.0.0.0/16", "10.1.0.0/16"],
            "rules": [{"name": "a", "priority": 110}, {"name": "b", "priority": 200}]});
        let d = diff(&desired, &live2);
        assert_eq!(d.len(), 1);
        assert_eq!(strata_core::path_to_string(&d[0].path), "rules[1].priority");
    }

    #[test]
    fn changed_and_missing_values_are_reported() {
        let desired = v(json!({"properties": {"addressPrefix": "10.0.2.0/24", "x": true}}));
        let live = json!({"properties": {"addressPrefix": "10.0.1.0/24"}});
        let d = diff(&desired, &live);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].before, Some(json!("10.0.1.0/24")));
        assert_eq!(d[1].before, None);
    }

    #[test]
    fn tags_compare_whole() {
        let desired = v(json!({"tags": {"env": "dev"}}));
        assert!(diff(&desired, &json!({"tags": {"env": "dev"}})).is_empty());
        assert_eq!(
            diff(&desired, &json!({"tags": {"env": "dev", "owner": "x"}})).len(),
            1
        );
        assert_eq!(diff(&v(json!({"tags": {}})), &json!({})).len(), 0);
    }

    #[test]
    fn sensitive_values_are_flagged() {
        let desired = Value::object([(
            "properties",
            Value::object([("value", Value::from("s3cret").sensitive())]),
        )]);
        let d = diff(&desired, &json!({"properties": {}}));
        assert_eq!(d.len(), 1);
        assert!(d[0].sensitive);
    }

    #[test]
    fn unknown_is_always_a_change() {
        let addr = strata_core::ResourceAddr::resource("x");
        let desired = Value::object([("ip", Value::attr(&addr, "properties.ipAddress"))]);
        assert_eq!(diff(&desired, &json!({"ip": "1.2.3.4"})).len(), 1);
    }
}
