//! Validation of a request body (the JSON sent to ARM in a PUT) against a [`Schema`].
//!
//! Top-level `id`, `name`, `type` and `apiVersion` travel in the URL in ARM REST: they are
//! never required in the body and never reported as read-only there. A property whose value is
//! `null` counts as not set (as in an ARM PUT): it is not type-checked nor reported read-only,
//! and a required one is missing.

use std::fmt;

use serde_json::Value;

use crate::model::{Node, NodeId, Property, Schema};

/// How bad a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// ARM would most likely accept it (a case-only enum mismatch, a value outside an open
    /// enum, a property name differing only in case).
    Warning,
    /// ARM or the resource provider would refuse it, or it has no effect.
    Error,
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViolationKind {
    /// A property the schema does not have; `suggestion` is the nearest known name.
    UnknownProperty {
        name: String,
        suggestion: Option<String>,
    },
    /// A known property spelt with a different case.
    PropertyCase { name: String, expected: String },
    /// A property Azure sets itself.
    ReadOnly { name: String },
    /// A required property is absent.
    MissingRequired { name: String },
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// Not one of the published values (`open`: the enum is extensible, so only a warning).
    NotInEnum {
        value: String,
        allowed: Vec<String>,
        open: bool,
    },
    /// The value matches a published one except for case.
    EnumCase { value: String, expected: String },
    /// Length (string, array) or value (integer) outside the published bounds.
    OutOfRange {
        what: &'static str,
        actual: i64,
        min: Option<i64>,
        max: Option<i64>,
    },
    /// The discriminator's value selects no published variant.
    UnknownVariant {
        discriminator: String,
        value: String,
        allowed: Vec<String>,
    },
}

/// One finding, at a JSON path such as `properties.subnets[0].properties.addressPrefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub severity: Severity,
    pub kind: ViolationKind,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() {
            "the body".to_string()
        } else {
            format!("`{}`", self.path)
        };
        match &self.kind {
            ViolationKind::UnknownProperty { name, suggestion } => {
                write!(f, "{at}: unknown property `{name}`")?;
                if let Some(s) = suggestion {
                    write!(f, " (did you mean `{s}`?)")?;
                }
                Ok(())
            }
            ViolationKind::PropertyCase { name, expected } => {
                write!(f, "{at}: property `{name}` is spelt `{expected}` by Azure")
            }
            ViolationKind::ReadOnly { name } => {
                write!(f, "{at}: `{name}` is read-only (set by Azure)")
            }
            ViolationKind::MissingRequired { name } => {
                write!(f, "{at}: required property `{name}` is missing")
            }
            ViolationKind::WrongType { expected, found } => {
                write!(f, "{at}: expected {expected}, found {found}")
            }
            ViolationKind::NotInEnum { value, allowed, open } => {
                const SHOWN: usize = 12;
                let listed = allowed
                    .iter()
                    .take(SHOWN)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                write!(f, "{at}: `{value}` is not one of {listed}")?;
                if allowed.len() > SHOWN {
                    write!(f, " and {} more", allowed.len() - SHOWN)?;
                }
                if *open {
                    write!(f, " (Azure may accept values published later)")?;
                }
                Ok(())
            }
            ViolationKind::EnumCase { value, expected } => {
                write!(f, "{at}: `{value}` differs in case from `{expected}`")
            }
            ViolationKind::OutOfRange {
                what,
                actual,
                min,
                max,
            } => {
                write!(f, "{at}: {what} {actual} is outside ")?;
                match (min, max) {
                    (Some(a), Some(b)) => write!(f, "{a}..={b}"),
                    (Some(a), None) => write!(f, ">= {a}"),
                    (None, Some(b)) => write!(f, "<= {b}"),
                    (None, None) => write!(f, "its bounds"),
                }
            }
            ViolationKind::UnknownVariant {
                discriminator,
                value,
                allowed,
            } => write!(
                f,
                "{at}: `{discriminator}` = `{value}` is not one of {}",
                allowed.join(", ")
            ),
        }
    }
}

const URL_CARRIED: [&str; 4] = ["id", "name", "type", "apiVersion"];
/// Guard against pathological recursion in a damaged artefact.
const MAX_DEPTH: usize = 64;

impl Schema {
    /// Checks a request body; an empty result means it conforms.
    pub fn validate(&self, body: &Value) -> Vec<Violation> {
        let mut v = Validator {
            schema: self,
            out: Vec::new(),
        };
        v.value(self.body, body, &mut String::new(), 0, true);
        v.out
    }

    /// What ARM does with a body before the provider sees it: properties the schema does not
    /// publish and read-only ones are dropped (ARM ignores them silently). Returns the
    /// violations found, so a caller can refuse instead.
    pub fn prune(&self, body: &mut Value) -> Vec<Violation> {
        self.prune_where(body, |_| true)
    }

    /// [`Schema::prune`] limited to the violations whose path `keep` accepts (for example
    /// only below what was copied from a live resource).
    pub fn prune_where(&self, body: &mut Value, keep: impl Fn(&str) -> bool) -> Vec<Violation> {
        let found = self.validate(body);
        for v in &found {
            if matches!(
                v.kind,
                ViolationKind::UnknownProperty { .. } | ViolationKind::ReadOnly { .. }
            ) && keep(&v.path)
            {
                remove_at(body, &v.path);
            }
        }
        found
    }
}

/// Removes the property at a violation's path (`a.b[2].c`); keys holding dots or brackets
/// cannot be addressed this way and are left alone.
fn remove_at(body: &mut Value, path: &str) {
    let mut steps: Vec<Result<usize, &str>> = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        if !key.is_empty() {
            steps.push(Err(key));
        }
        if !rest.is_empty() {
            for idx in rest.split('[') {
                match idx.trim_end_matches(']').parse::<usize>() {
                    Ok(i) => steps.push(Ok(i)),
                    Err(_) => return,
                }
            }
        }
    }
    let Some((last, walk)) = steps.split_last() else {
        return;
    };
    let mut at = body;
    for step in walk {
        let next = match (step, at) {
            (Ok(i), Value::Array(items)) => items.get_mut(*i),
            (Err(k), Value::Object(map)) => map.get_mut(*k),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => return,
        }
    }
    if let (Err(k), Value::Object(map)) = (last, at) {
        map.remove(*k);
    }
}

struct Validator<'a> {
    schema: &'a Schema,
    out: Vec<Violation>,
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Validator<'_> {
    fn push(&mut self, path: &str, severity: Severity, kind: ViolationKind) {
        self.out.push(Violation {
            path: path.to_string(),
            severity,
            kind,
        });
    }

    fn value(&mut self, id: NodeId, v: &Value, path: &mut String, depth: usize, top: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(node) = self.schema.node(id) else {
            return;
        };
        match node {
            Node::Any => {}
            Node::Boolean => {
                if !v.is_boolean() {
                    self.wrong(path, "a boolean", v);
                }
            }
            Node::Integer { min, max } => match v.as_i64() {
                Some(n) => {
                    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                        self.push(
                            path,
                            Severity::Error,
                            ViolationKind::OutOfRange {
                                what: "value",
                                actual: n,
                                min: *min,
                                max: *max,
                            },
                        );
                    }
                }
                None => self.wrong(path, "an integer", v),
            },
            Node::String {
                min_length,
                max_length,
                ..
            } => match v.as_str() {
                Some(s) => self.length(path, "length", s.chars().count(), *min_length, *max_length),
                None => self.wrong(path, "a string", v),
            },
            Node::Literal { .. } | Node::Union { .. } => self.union(id, v, path, depth),
            Node::Array {
                item,
                min_length,
                max_length,
            } => match v.as_array() {
                Some(items) => {
                    self.length(path, "item count", items.len(), *min_length, *max_length);
                    for (i, it) in items.iter().enumerate() {
                        let len = path.len();
                        path.push_str(&format!("[{i}]"));
                        self.value(*item, it, path, depth + 1, false);
                        path.truncate(len);
                    }
                }
                None => self.wrong(path, "an array", v),
            },
            Node::Object {
                properties,
                additional,
                ..
            } => match v.as_object() {
                Some(map) => self.object(&[properties], *additional, map, path, depth, top),
                None => self.wrong(path, "an object", v),
            },
            Node::Discriminated {
                discriminator,
                base,
                elements,
            } => match v.as_object() {
                Some(map) => self.discriminated(discriminator, base, elements, map, path, depth, top),
                None => self.wrong(path, "an object", v),
            },
        }
    }

    fn wrong(&mut self, path: &str, expected: &'static str, v: &Value) {
        self.push(
            path,
            Severity::Error,
            ViolationKind::WrongType {
                expected,
                found: json_kind(v),
            },
        );
    }

    fn length(&mut self, path: &str, what: &'static str, n: usize, min: Option<u64>, max: Option<u64>) {
        let n64 = n as u64;
        if min.is_some_and(|m| n64 < m) || max.is_some_and(|m| n64 > m) {
            let conv = |x: Option<u64>| x.map(|x| i64::try_from(x).unwrap_or(i64::MAX));
            self.push(
                path,
                Severity::Error,
                ViolationKind::OutOfRange {
                    what,
                    actual: i64::try_from(n).unwrap_or(i64::MAX),
                    min: conv(min),
                    max: conv(max),
                },
            );
        }
    }

    fn union(&mut self, id: NodeId, v: &Value, path: &mut String, depth: usize) {
        if let Some((values, open)) = self.schema.enum_values(id) {
            let Some(s) = v.as_str() else {
                return self.wrong(path, "a string", v);
            };
            if values.contains(&s) {
                return;
            }
            if let Some(exact) = values.iter().find(|x| x.eq_ignore_ascii_case(s)) {
                return self.push(
                    path,
                    Severity::Warning,
                    ViolationKind::EnumCase {
                        value: s.to_string(),
                        expected: (*exact).to_string(),
                    },
                );
            }
            return self.push(
                path,
                if open { Severity::Warning } else { Severity::Error },
                ViolationKind::NotInEnum {
                    value: s.to_string(),
                    allowed: values.iter().map(|x| (*x).to_string()).collect(),
                    open,
                },
            );
        }
        // A union of structured types: accept the first element with no errors, otherwise
        // report the element that comes closest.
        let Some(Node::Union { elements }) = self.schema.node(id) else {
            return;
        };
        let mut best: Option<Vec<Violation>> = None;
        for e in elements {
            let mut sub = Validator {
                schema: self.schema,
                out: Vec::new(),
            };
            sub.value(*e, v, path, depth + 1, false);
            let errors = sub.out.iter().filter(|x| x.severity == Severity::Error).count();
            if errors == 0 {
                self.out.extend(sub.out);
                return;
            }
            let best_errors = best.as_ref().map_or(usize::MAX, |b| {
                b.iter().filter(|x| x.severity == Severity::Error).count()
            });
            if errors < best_errors {
                best = Some(sub.out);
            }
        }
        self.out.extend(best.unwrap_or_default());
    }

    #[allow(clippy::too_many_arguments)]
    fn discriminated(
        &mut self,
        discriminator: &str,
        base: &[Property],
        elements: &[(String, NodeId)],
        map: &serde_json::Map<String, Value>,
        path: &mut String,
        depth: usize,
        top: bool,
    ) {
        let allowed = || elements.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        let Some(value) = map.get(discriminator) else {
            self.push(
                path,
                Severity::Error,
                ViolationKind::MissingRequired {
                    name: discriminator.to_string(),
                },
            );
            return self.object(&[base], None, map, path, depth, top);
        };
        let Some(s) = value.as_str() else {
            let len = path.len();
            push_key(path, discriminator);
            self.wrong(path, "a string", value);
            path.truncate(len);
            return;
        };
        let chosen = elements
            .iter()
            .find(|(k, _)| k == s)
            .or_else(|| elements.iter().find(|(k, _)| k.eq_ignore_ascii_case(s)));
        let Some((name, element)) = chosen else {
            self.push(
                path,
                Severity::Error,
                ViolationKind::UnknownVariant {
                    discriminator: discriminator.to_string(),
                    value: s.to_string(),
                    allowed: allowed(),
                },
            );
            return self.object(&[base], None, map, path, depth, top);
        };
        if name != s {
            let len = path.len();
            push_key(path, discriminator);
            self.push(
                path,
                Severity::Warning,
                ViolationKind::EnumCase {
                    value: s.to_string(),
                    expected: name.clone(),
                },
            );
            path.truncate(len);
        }
        match self.schema.node(*element) {
            Some(Node::Object {
                properties,
                additional,
                ..
            }) => {
                // The discriminator is checked above; the element usually declares it as a literal.
                let props: Vec<Property> = properties
                    .iter()
                    .filter(|p| p.name != discriminator)
                    .cloned()
                    .collect();
                let mut rest = map.clone();
                rest.remove(discriminator);
                let base: Vec<Property> = base.iter().filter(|p| p.name != discriminator).cloned().collect();
                self.object(&[&base, &props], *additional, &rest, path, depth, top);
            }
            _ => self.object(&[base], None, map, path, depth, top),
        }
    }

    fn object(
        &mut self,
        groups: &[&[Property]],
        additional: Option<NodeId>,
        map: &serde_json::Map<String, Value>,
        path: &mut String,
        depth: usize,
        top: bool,
    ) {
        let all = || groups.iter().flat_map(|g| g.iter());
        // An object published with no properties at all is free-form.
        let free_form = additional.is_none() && all().next().is_none();
        for (key, val) in map {
            let len = path.len();
            push_key(path, key);
            let exact = all().find(|p| p.name == *key);
            let prop = exact.or_else(|| all().find(|p| p.name.eq_ignore_ascii_case(key)));
            match prop {
                Some(_) if val.is_null() => {}
                Some(p) => {
                    if exact.is_none() {
                        self.push(
                            path,
                            Severity::Warning,
                            ViolationKind::PropertyCase {
                                name: key.clone(),
                                expected: p.name.clone(),
                            },
                        );
                    }
                    let url_carried = top && URL_CARRIED.contains(&p.name.as_str());
                    if p.flags.read_only() && !url_carried {
                        self.push(
                            path,
                            Severity::Error,
                            ViolationKind::ReadOnly { name: p.name.clone() },
                        );
                    } else if !url_carried {
                        self.value(p.ty, val, path, depth + 1, false);
                    }
                }
                None => match additional {
                    Some(ap) => self.value(ap, val, path, depth + 1, false),
                    None if free_form => {}
                    None => {
                        let suggestion = suggest(
                            key,
                            all().filter(|p| !p.flags.read_only()).map(|p| p.name.as_str()),
                        );
                        self.push(
                            path,
                            Severity::Error,
                            ViolationKind::UnknownProperty {
                                name: key.clone(),
                                suggestion,
                            },
                        );
                    }
                },
            }
            path.truncate(len);
        }
        for p in all() {
            if !p.flags.required() || p.flags.read_only() {
                continue;
            }
            if top && URL_CARRIED.contains(&p.name.as_str()) {
                continue;
            }
            if !map
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(&p.name) && !v.is_null())
            {
                self.push(
                    path,
                    Severity::Error,
                    ViolationKind::MissingRequired { name: p.name.clone() },
                );
            }
        }
    }
}

fn push_key(path: &mut String, key: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

/// The candidate nearest to `name` (case-insensitive edit distance), if near enough.
pub fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            let ins = cur[j] + 1;
            let del = prev[j + 1] + 1;
            cur.push(sub.min(ins).min(del));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_name() {
        let c = ["addressSpace", "subnets", "dhcpOptions"];
        assert_eq!(
            suggest("adressSpace", c.iter().copied()).as_deref(),
            Some("addressSpace")
        );
        assert_eq!(suggest("zzzzzzzz", c.iter().copied()), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
