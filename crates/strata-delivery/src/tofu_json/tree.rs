//! Rebuilding nested JSON documents from the flat property paths of a strata plan.
//!
//! A plan lists `properties.addressPrefix = "10.0.1.0/24"`; OpenTofu's JSON wants
//! `{"properties":{"addressPrefix":"10.0.1.0/24"}}` plus a mask of the same shape with `true`
//! where the value is unknown or sensitive. [`Side`] builds the three together.

use serde_json::{Map, Value as Json};
use strata_core::{PathStep, parse_path};
use strata_engine::{PropertyChange, Shown};

/// One side (before or after) of a change: the value and its two masks.
#[derive(Debug)]
pub(crate) struct Side {
    pub value: Json,
    pub unknown: Json,
    pub sensitive: Json,
}

impl Side {
    /// A side for an object that exists: starts as `{}` with empty masks.
    pub fn existing() -> Side {
        Side {
            value: Json::Object(Map::new()),
            unknown: Json::Object(Map::new()),
            sensitive: Json::Object(Map::new()),
        }
    }

    /// Builds a side from the property changes, taking `pick` of each.
    pub fn from_changes(changes: &[PropertyChange], pick: impl Fn(&PropertyChange) -> &Shown) -> Side {
        let mut side = Side::existing();
        for change in changes {
            side.set(&parse_path(&change.path), pick(change));
        }
        side
    }

    /// Sets one leaf. Unknown leaves are left out of objects and `null` in arrays, as OpenTofu
    /// does (`omitUnknowns`); sensitive leaves are `null`, their value never leaves the plan.
    pub fn set(&mut self, path: &[PathStep], shown: &Shown) {
        if path.is_empty() {
            return;
        }
        match shown {
            Shown::Absent => {}
            Shown::Known(json) => insert(&mut self.value, path, Some(json.clone()), Json::Null),
            Shown::Unknown => {
                let in_array = matches!(path.last(), Some(PathStep::Index(_)));
                insert(&mut self.value, path, in_array.then_some(Json::Null), Json::Null);
                insert(&mut self.unknown, path, Some(Json::Bool(true)), Json::Bool(false));
            }
            Shown::Sensitive => {
                insert(&mut self.value, path, Some(Json::Null), Json::Null);
                insert(
                    &mut self.sensitive,
                    path,
                    Some(Json::Bool(true)),
                    Json::Bool(false),
                );
            }
        }
    }

    /// Adds a top-level key unless the configuration already set it.
    pub fn set_default(&mut self, key: &str, value: &str) {
        if let Json::Object(map) = &mut self.value {
            map.entry(key.to_string())
                .or_insert_with(|| Json::String(value.to_string()));
        }
    }
}

/// Walks `path` from `root`, creating objects for keys and arrays for indexes (padding arrays
/// with `pad`), and sets the leaf to `leaf` when given. Along the way a scalar in the way is
/// replaced by a container, except a `true` mask, which already covers everything below it.
fn insert(root: &mut Json, path: &[PathStep], leaf: Option<Json>, pad: Json) {
    let mut cur = root;
    for (i, step) in path.iter().enumerate() {
        if cur == &Json::Bool(true) && pad == Json::Bool(false) {
            return;
        }
        let last = i + 1 == path.len();
        match step {
            PathStep::Key(key) => {
                if !cur.is_object() {
                    *cur = Json::Object(Map::new());
                }
                let Json::Object(map) = cur else { return };
                if last {
                    if let Some(leaf) = leaf {
                        map.insert(key.clone(), leaf);
                    }
                    return;
                }
                cur = map.entry(key.clone()).or_insert(Json::Null);
            }
            PathStep::Index(index) => {
                if !cur.is_array() {
                    *cur = Json::Array(Vec::new());
                }
                let Json::Array(items) = cur else { return };
                if items.len() <= *index {
                    items.resize(index + 1, pad.clone());
                }
                if last {
                    if let Some(leaf) = leaf {
                        items[*index] = leaf;
                    }
                    return;
                }
                cur = &mut items[*index];
            }
        }
    }
}

/// A path as OpenTofu writes it in `replace_paths`: keys as strings, indexes as numbers.
pub(crate) fn path_steps_json(path: &str) -> Vec<Json> {
    parse_path(path)
        .into_iter()
        .map(|step| match step {
            PathStep::Key(key) => Json::String(key),
            PathStep::Index(index) => Json::from(index),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(path: &str, after: Shown) -> PropertyChange {
        PropertyChange {
            path: path.into(),
            before: Shown::Absent,
            after,
            forces_replacement: false,
        }
    }

    #[test]
    fn nests_paths_and_masks() {
        let changes = vec![
            change("location", Shown::Known(json!("westeurope"))),
            change("properties.addressPrefix", Shown::Known(json!("10.0.1.0/24"))),
            change("properties.ipAddress", Shown::Unknown),
            change("properties.secret", Shown::Sensitive),
            change("tags.env", Shown::Known(json!("dev"))),
        ];
        let side = Side::from_changes(&changes, |c| &c.after);
        assert_eq!(
            side.value,
            json!({
                "location": "westeurope",
                "properties": {"addressPrefix": "10.0.1.0/24", "secret": null},
                "tags": {"env": "dev"}
            })
        );
        assert_eq!(side.unknown, json!({"properties": {"ipAddress": true}}));
        assert_eq!(side.sensitive, json!({"properties": {"secret": true}}));
    }

    #[test]
    fn arrays_are_padded() {
        let changes = vec![
            change("properties.rules[1].name", Shown::Known(json!("b"))),
            change("properties.ips[2]", Shown::Unknown),
        ];
        let side = Side::from_changes(&changes, |c| &c.after);
        assert_eq!(
            side.value,
            json!({"properties": {"rules": [null, {"name": "b"}], "ips": [null, null, null]}})
        );
        assert_eq!(side.unknown, json!({"properties": {"ips": [false, false, true]}}));
    }

    #[test]
    fn whole_unknown_object_covers_its_leaves() {
        let changes = vec![
            change("properties", Shown::Unknown),
            change("properties.x", Shown::Unknown),
        ];
        let side = Side::from_changes(&changes, |c| &c.after);
        assert_eq!(side.unknown, json!({"properties": true}));
    }

    #[test]
    fn replace_paths_use_numbers_for_indexes() {
        assert_eq!(
            path_steps_json("properties.subnets[0].name"),
            vec![json!("properties"), json!("subnets"), json!(0), json!("name")]
        );
    }
}
