//! Diffs that do not lie: desired configuration against what ARM returns.
//!
//! ARM answers with more than was sent (read-only fields, server defaults), with ids in another
//! letter case, locations normalised (`West Europe` / `westeurope`) and arrays in another order.
//! [`diff`] therefore compares only the paths the configuration sets, with ARM's case rules for
//! ids and locations, arrays of named objects matched by name and arrays of scalars compared as
//! sets. `tags` is compared whole, because a PUT replaces the whole map, but reported key by key
//! (a tag the configuration no longer sets is a change whose `after` is null).
//!
//! Each difference is reported at the level that changed: a leaf, one tag, or one element of an
//! array of named objects (`properties.securityRules[1]`, its `before` pruned to the paths the
//! configuration sets), so a renderer can name the element and show only its changed fields.
//! An element holding anything sensitive or unknown is reported leaf by leaf instead, so the
//! masks stay on the leaves they belong to.

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
        Value::Object(map) if is_whole_map(path) => match live {
            Some(Json::Object(live_map)) => whole_map(map, live_map, path, sensitive, out),
            None | Some(Json::Null) => whole_map(map, &serde_json::Map::new(), path, sensitive, out),
            Some(_) => push(out, path, sensitive),
        },
        Value::Object(map) => match live {
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
            if list_equal(items, live_items) {
                return;
            }
            // A list is written whole; report it as one change at its path, or, when both sides
            // name the same elements, one change per element that differs.
            let Some(pairs) = match_by_name(items, live_items) else {
                let desired_sensitive = sensitive || desired.is_sensitive();
                out.push(PropertyDiff {
                    path: path.clone(),
                    before: live.map(|l| prune(l, desired, path)),
                    after: if desired_sensitive {
                        desired.clone().sensitive()
                    } else {
                        desired.clone()
                    },
                    sensitive: desired_sensitive,
                });
                return;
            };
            for (i, (d, l)) in pairs.into_iter().enumerate() {
                path.push(PathStep::Index(i));
                if sensitive || d.is_sensitive() || d.is_unknown() {
                    // Masks belong on leaves: never report a whole element around a secret.
                    walk(d, Some(l), path, sensitive, out);
                } else {
                    let mut inner = Vec::new();
                    walk(d, Some(l), &mut path.clone(), false, &mut inner);
                    if !inner.is_empty() {
                        out.push(PropertyDiff {
                            path: path.clone(),
                            before: Some(prune(l, d, path)),
                            after: d.clone(),
                            sensitive: false,
                        });
                    }
                }
                path.pop();
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

/// A whole map (`tags`): one change per key set to another value, and one per key the
/// configuration no longer sets (its `after` is null). Keys compare case-insensitively, values
/// exactly.
fn whole_map(
    desired: &std::collections::BTreeMap<String, Value>,
    live: &serde_json::Map<String, Json>,
    path: &mut Vec<PathStep>,
    sensitive: bool,
    out: &mut Vec<PropertyDiff>,
) {
    for (key, value) in desired.iter().filter(|(_, v)| !v.is_null()) {
        let before = find_key(live, key).filter(|j| !j.is_null());
        let same = match value.unmarked() {
            Value::Unknown(_) => false,
            Value::Object(_) | Value::List(_) => {
                let mut inner = Vec::new();
                walk(value, before, &mut Vec::new(), false, &mut inner);
                inner.is_empty() && before.is_some()
            }
            scalar => scalar_equal(scalar, before, &[]),
        };
        if same {
            continue;
        }
        let sensitive = sensitive || value.is_sensitive();
        path.push(PathStep::Key(key.clone()));
        out.push(PropertyDiff {
            path: path.clone(),
            before: before.cloned(),
            after: if sensitive {
                value.clone().sensitive()
            } else {
                value.clone()
            },
            sensitive,
        });
        path.pop();
    }
    for (key, value) in live.iter().filter(|(_, v)| !v.is_null()) {
        let kept = desired
            .iter()
            .any(|(k, v)| !v.is_null() && k.eq_ignore_ascii_case(key));
        if !kept {
            path.push(PathStep::Key(key.clone()));
            out.push(PropertyDiff {
                path: path.clone(),
                before: Some(value.clone()),
                after: Value::Null,
                sensitive,
            });
            path.pop();
        }
    }
}

/// `live` cut down to the paths `desired` sets (whole maps stay whole), so a reported element
/// carries no server-side fields, and with the desired value wherever ARM's rules call the two
/// equal (an id in another letter case, `West Europe` for `westeurope`), so whatever renders it
/// sees only what [`diff`] counts as different. Elements of arrays pair by name, else by
/// position; a live element with no partner stays whole.
fn prune(live: &Json, desired: &Value, path: &[PathStep]) -> Json {
    let mut path = path.to_vec();
    match (desired.unmarked(), live) {
        (Value::Object(d), Json::Object(l)) => Json::Object(
            l.iter()
                .filter_map(|(k, v)| {
                    let partner = d
                        .get(k)
                        .or_else(|| {
                            d.iter()
                                .find(|(dk, _)| dk.eq_ignore_ascii_case(k))
                                .map(|(_, x)| x)
                        })
                        .filter(|x| !x.is_null())?;
                    path.push(PathStep::Key(k.clone()));
                    let kept = if k == "tags" {
                        v.clone()
                    } else {
                        prune(v, partner, &path)
                    };
                    path.pop();
                    Some((k.clone(), kept))
                })
                .collect(),
        ),
        (Value::List(d), Json::Array(l)) => Json::Array(
            l.iter()
                .enumerate()
                .map(|(i, x)| {
                    let name = x.get("name").and_then(Json::as_str);
                    let partner = match name {
                        Some(n) => d.iter().find(|e| {
                            e.get("name")
                                .and_then(Value::as_str)
                                .is_some_and(|m| m.eq_ignore_ascii_case(n))
                        }),
                        None => d.get(i),
                    };
                    path.push(PathStep::Index(i));
                    let kept = partner.map_or_else(|| x.clone(), |p| prune(x, p, &path));
                    path.pop();
                    kept
                })
                .collect(),
        ),
        (Value::Object(_) | Value::List(_), _) => live.clone(),
        (scalar, _) if scalar_equal(scalar, Some(live), &path) => {
            desired.to_json().unwrap_or_else(|| live.clone())
        }
        _ => live.clone(),
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
        // Reported at the element, `desired`'s index, with only the paths the element sets.
        assert_eq!(strata_core::path_to_string(&d[0].path), "rules[1]");
        assert_eq!(d[0].before, Some(json!({"name": "a", "priority": 110})));
        assert_eq!(d[0].after.to_json(), Some(json!({"name": "a", "priority": 100})));
    }

    #[test]
    fn a_changed_rule_is_one_element_without_server_fields() {
        let desired = v(json!({"properties": {"securityRules": [
            {"name": "allow-https", "properties": {"priority": 210, "access": "Allow"}},
            {"name": "deny-all", "properties": {"priority": 4096, "access": "Deny"}}]}}));
        let live = json!({"properties": {"provisioningState": "Succeeded", "securityRules": [
            {"name": "deny-all", "id": "/x/deny", "etag": "e1",
             "properties": {"priority": 4096, "access": "Deny", "provisioningState": "Succeeded"}},
            {"name": "allow-https", "id": "/x/allow", "etag": "e2", "type": "t",
             "properties": {"priority": 200, "access": "Allow", "provisioningState": "Succeeded"}}]}});
        let d = diff(&desired, &live);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            strata_core::path_to_string(&d[0].path),
            "properties.securityRules[0]"
        );
        assert_eq!(
            d[0].before,
            Some(json!({"name": "allow-https", "properties": {"priority": 200, "access": "Allow"}}))
        );
    }

    #[test]
    fn an_element_keeps_only_real_differences() {
        let desired = v(
            json!({"rules": [{"name": "a", "priority": 110, "location": "westeurope",
            "target": {"id": "/subscriptions/S/resourceGroups/RG/x"}}]}),
        );
        let live = json!({"rules": [{"name": "a", "priority": 100, "location": "West Europe",
            "target": {"id": "/subscriptions/s/resourcegroups/rg/x"}}]});
        let d = diff(&desired, &live);
        assert_eq!(d.len(), 1);
        // Only the priority differs between before and after.
        let before = d[0].before.clone().unwrap();
        let after = d[0].after.to_json().unwrap();
        assert_eq!(before["location"], after["location"]);
        assert_eq!(before["target"], after["target"]);
        assert_eq!(before["name"], after["name"]);
        assert_ne!(before["priority"], after["priority"]);
    }

    #[test]
    fn an_element_holding_a_secret_is_reported_leaf_by_leaf() {
        let desired = Value::object([(
            "settings",
            Value::List(vec![Value::object([
                ("name", Value::from("DB")),
                ("value", Value::from("s3cret").sensitive()),
            ])]),
        )]);
        let live = json!({"settings": [{"name": "DB", "value": "old"}]});
        let d = diff(&desired, &live);
        assert_eq!(d.len(), 1);
        assert_eq!(strata_core::path_to_string(&d[0].path), "settings[0].value");
        assert!(d[0].sensitive);
    }

    #[test]
    fn a_list_whose_names_differ_is_one_change_with_a_pruned_before() {
        let desired = v(json!({"rules": [{"name": "a", "p": 1}, {"name": "b", "p": 2}]}));
        let live = json!({"rules": [{"name": "a", "p": 1, "etag": "x"}]});
        let d = diff(&desired, &live);
        assert_eq!(d.len(), 1);
        assert_eq!(strata_core::path_to_string(&d[0].path), "rules");
        assert_eq!(d[0].before, Some(json!([{"name": "a", "p": 1}])));
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
    fn tags_compare_whole_and_report_each_key() {
        let desired = v(json!({"tags": {"env": "dev"}}));
        assert!(diff(&desired, &json!({"tags": {"env": "dev"}})).is_empty());
        assert!(diff(&desired, &json!({"tags": {"ENV": "dev"}})).is_empty());
        // A tag the configuration no longer sets is removed by the PUT: a change.
        let d = diff(&desired, &json!({"tags": {"env": "dev", "owner": "x"}}));
        assert_eq!(d.len(), 1);
        assert_eq!(strata_core::path_to_string(&d[0].path), "tags.owner");
        assert_eq!(d[0].before, Some(json!("x")));
        assert!(d[0].after.is_null());
        // One tag added is one change, at its key.
        let desired = v(json!({"tags": {"env": "dev", "tier": "gold"}}));
        let d = diff(&desired, &json!({"tags": {"env": "dev"}}));
        assert_eq!(d.len(), 1);
        assert_eq!(strata_core::path_to_string(&d[0].path), "tags.tier");
        assert_eq!(d[0].before, None);
        // No tags live yet: each key is an addition.
        assert_eq!(diff(&desired, &json!({})).len(), 2);
        assert_eq!(diff(&v(json!({"tags": {}})), &json!({})).len(), 0);
        // A tag's value compares exactly, whatever its key.
        let d = diff(
            &v(json!({"tags": {"location": "West Europe"}})),
            &json!({"tags": {"location": "westeurope"}}),
        );
        assert_eq!(d.len(), 1);
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
