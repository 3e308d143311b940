//! Generic `resource` blocks: an ARM type at an api-version, a name under a parent, and the
//! rest of the ARM document.

use std::collections::BTreeMap;

use strata_azure::naming;
use strata_core::{ArmId, DesiredResource, ResourceAddr, Value, id_for};

use super::{Cx, NodeResult};
use crate::eval::ResourceRef;
use crate::load::schema::Attr;
use crate::ops::split_mark;
use crate::types::{self, Type};

const TYPE_HINT: &str = "write type = \"<Namespace>/<type>@<api-version>\", like \"Microsoft.Network/networkWatchers@2024-07-01\"";

/// Splits `Microsoft.Network/networkWatchers@2024-07-01` into type and api-version.
pub(crate) fn parse_type(s: &str) -> Result<(String, String), String> {
    let Some((full_type, api)) = s.split_once('@') else {
        return Err(format!("`{s}` has no api-version"));
    };
    let segs: Vec<&str> = full_type.split('/').collect();
    let valid_seg = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
    };
    if segs.len() < 2 || !segs.iter().all(valid_seg) || !segs[0].contains('.') {
        return Err(format!("`{full_type}` is not an ARM resource type"));
    }
    if !is_api_version(api) {
        return Err(format!(
            "`{api}` is not an api-version (expected a date like 2024-07-01, optionally with -preview)"
        ));
    }
    Ok((full_type.to_string(), api.to_string()))
}

fn is_api_version(s: &str) -> bool {
    let (date, suffix) = match s.get(10..) {
        Some(rest) => (&s[..10], rest),
        None => return false,
    };
    let b = date.as_bytes();
    let date_ok = b.iter().enumerate().all(|(i, c)| {
        if i == 4 || i == 7 {
            *c == b'-'
        } else {
            c.is_ascii_digit()
        }
    });
    let suffix_ok = suffix.is_empty()
        || suffix
            .strip_prefix('-')
            .is_some_and(|x| !x.is_empty() && x.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'));
    date_ok && suffix_ok
}

impl Cx<'_> {
    /// A string attribute whose value must be known at plan time.
    fn known_string(&mut self, attr: &Attr, context: &str) -> Option<String> {
        let v = self.eval_attr(attr, context)?;
        if v.is_unknown() {
            let d = self.error(
                format!("{context}: `{}` must be known at plan time", attr.name),
                &attr.value_place(),
            );
            d.hint = Some(
                "build it from variables, locals, env and ids, not from values known only after apply".into(),
            );
            return None;
        }
        match v.unmarked() {
            Value::String(s) => Some(s.clone()),
            other => {
                let msg = format!(
                    "{context}: `{}` must be a string, not a {}",
                    attr.name,
                    other.type_name()
                );
                self.error(msg, &attr.value_place());
                None
            }
        }
    }

    /// Evaluates resource block `j` (node `i`).
    pub(super) fn run_resource(&mut self, i: usize, j: usize) -> bool {
        let stack = self.stack;
        let decl = &stack.resources[j];
        let context = format!("in resource \"{}\"", decl.label);

        let type_text = self.known_string(&decl.type_attr, &context);
        let name = self.known_string(&decl.name, &context);
        let parent = self.known_string(&decl.parent, &context);
        let location = match &decl.location {
            Some(a) => self.eval_attr(a, &context).map(Some),
            None => Some(None),
        };
        let tags = match &decl.tags {
            Some(a) => self.eval_attr(a, &context).and_then(|v| {
                match types::convert(&v, &Type::Map(Box::new(Type::String))) {
                    Ok(v) => Some(Some(v)),
                    Err(e) => {
                        self.error(
                            format!("{context}: invalid `tags`: {e}"),
                            &super::locate::locate(a, &e.path),
                        );
                        None
                    }
                }
            }),
            None => Some(None),
        };
        let body = match &decl.body {
            Some(a) => self
                .eval_attr(a, &context)
                .and_then(|v| self.body_object(v, a, &context)),
            None => Some(BTreeMap::new()),
        };
        let (Some(type_text), Some(name), Some(parent), Some(location), Some(tags), Some(mut body)) =
            (type_text, name, parent, location, tags, body)
        else {
            return false;
        };

        let (full_type, api_version) = match parse_type(&type_text) {
            Ok(t) => t,
            Err(m) => {
                let d = self.error(format!("{context}: {m}"), &decl.type_attr.value_place());
                d.hint = Some(TYPE_HINT.into());
                return false;
            }
        };
        if let Err(m) = naming::rule_for(&full_type).check(&name) {
            let d = self.error(format!("{context}: invalid name: {m}"), &decl.name.value_place());
            d.detail = Some(format!("Azure's naming rules for {full_type}"));
            d.hint = Some(naming::rule_for(&full_type).hint(&name));
            return false;
        }
        let parent_id = match ArmId::parse(&parent) {
            Ok(id) => id,
            Err(e) => {
                let d = self.error(
                    format!("{context}: invalid `parent`: {e}"),
                    &decl.parent.value_place(),
                );
                d.hint =
                    Some("use an id, like module.rg.id, or a subscription id for resource groups".into());
                return false;
            }
        };
        let id = match id_for(&parent_id, &full_type, &name) {
            Ok(id) => id,
            Err(m) => {
                self.error(format!("{context}: {m}"), &decl.parent.value_place());
                return false;
            }
        };

        for (key, value) in [("location", &location), ("tags", &tags)] {
            if let Some(v) = value {
                if body.contains_key(key) {
                    let place = decl
                        .body
                        .as_ref()
                        .map_or_else(|| decl.place.clone(), |b| b.value_place());
                    let d = self.error(
                        format!("{context}: `{key}` is set both as an attribute and in `body`"),
                        &place,
                    );
                    d.hint = Some(format!("set `{key}` in one place only"));
                    return false;
                }
                body.insert(key.to_string(), v.clone());
            }
        }

        let addr = ResourceAddr::resource(&decl.label);
        let mut resource = DesiredResource::new(
            addr.clone(),
            id.clone(),
            &api_version,
            Value::Object(body),
            strata_azure::layer_for(&id.resource_type()),
        );
        resource.loc = self.loc(&decl.place);
        self.apply_lifecycle(&mut resource, decl.lifecycle.as_ref(), None);
        resource.soft_delete = self.registry.soft_delete(&resource);
        resource.depends_on = self.dependencies(i, None);
        resource
            .depends_on
            .retain(|d| *d != strata_core::Dependency::Resource(addr.clone()));
        self.scope.resources.insert(
            decl.label.clone(),
            ResourceRef {
                addr,
                id: id.to_string(),
                name,
                type_name: full_type,
                location: location.unwrap_or(Value::Null),
            },
        );
        self.results.insert(i, NodeResult::Resource(Box::new(resource)));
        true
    }

    /// The `body` as an object, with a sensitive mark on the whole body pushed onto its fields
    /// so `location` and `tags` can join it.
    fn body_object(&mut self, v: Value, attr: &Attr, context: &str) -> Option<BTreeMap<String, Value>> {
        let (v, marked) = split_mark(v);
        match v {
            Value::Object(o) => {
                if let Some(k) = ["id", "name", "type"].into_iter().find(|k| o.contains_key(*k)) {
                    let d = self.error(
                        format!("{context}: `body` must not set `{k}`"),
                        &attr.value_place(),
                    );
                    d.hint = Some(
                        "the id, name and type come from the `name`, `parent` and `type` attributes".into(),
                    );
                    return None;
                }
                Some(
                    o.into_iter()
                        .map(|(k, v)| (k, if marked { v.sensitive() } else { v }))
                        .collect(),
                )
            }
            Value::Unknown(_) => {
                let d = self.error(
                    format!("{context}: `body` must be an object known at plan time"),
                    &attr.value_place(),
                );
                d.hint = Some(
                    "write body = { properties = { … } }; values inside may be known only after apply".into(),
                );
                None
            }
            other => {
                let msg = format!("{context}: `body` must be an object, not a {}", other.type_name());
                self.error(msg, &attr.value_place());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_strings() {
        assert_eq!(
            parse_type("Microsoft.Network/networkWatchers@2024-07-01").unwrap(),
            ("Microsoft.Network/networkWatchers".into(), "2024-07-01".into())
        );
        assert!(parse_type("Microsoft.Insights/components@2020-02-02-preview").is_ok());
        assert!(parse_type("Microsoft.Network/networkWatchers").is_err());
        assert!(parse_type("Microsoft.Network@2024-07-01").is_err());
        assert!(parse_type("networkWatchers/x@2024-07-01").is_err());
        assert!(parse_type("Microsoft.Network/networkWatchers@latest").is_err());
        assert!(parse_type("Microsoft.Network//x@2024-07-01").is_err());
    }
}
