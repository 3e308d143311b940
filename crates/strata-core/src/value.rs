//! Values of the configuration language, as evaluated at plan time.
//!
//! A [`Value`] is JSON-shaped (ARM bodies are JSON) with two additions:
//! - [`Value::Unknown`] holds a [`Deferred`] computation: a value that only exists after some
//!   resource has been created (an IP address, a key, a host name), or anything computed from
//!   one. The plan shows it as "(known after apply)"; during apply the engine resolves it just
//!   before the dependent resource is written. A deferred value is closed (it carries every
//!   operand), so it can be stored in a saved plan and resolved later.
//! - [`Value::Sensitive`] marks a value that must never be rendered. Sensitivity propagates:
//!   anything computed from a sensitive value is sensitive.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::address::ResourceAddr;

/// A configuration value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Object(BTreeMap<String, Value>),
    /// Known only after apply.
    Unknown(Box<Deferred>),
    /// Never rendered.
    Sensitive(Box<Value>),
}

/// One step of a path into a value or a resource's attributes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Key(k) => write!(f, ".{k}"),
            PathStep::Index(i) => write!(f, "[{i}]"),
        }
    }
}

/// Renders a path as `properties.subnets[0].name`.
pub fn path_to_string(path: &[PathStep]) -> String {
    let mut s = String::new();
    for (i, step) in path.iter().enumerate() {
        match step {
            PathStep::Key(k) if i == 0 => s.push_str(k),
            other => s.push_str(&other.to_string()),
        }
    }
    s
}

/// Parses `properties.subnets[0].name` into steps.
pub fn parse_path(s: &str) -> Vec<PathStep> {
    let mut out = Vec::new();
    for part in s.split('.').filter(|p| !p.is_empty()) {
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            if b > 0 {
                out.push(PathStep::Key(rest[..b].to_string()));
            }
            rest = &rest[b..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let Some(end) = stripped.find(']') else { break };
                match stripped[..end].parse::<usize>() {
                    Ok(i) => out.push(PathStep::Index(i)),
                    Err(_) => out.push(PathStep::Key(stripped[..end].trim_matches('"').to_string())),
                }
                rest = &stripped[end + 1..];
            }
        } else {
            out.push(PathStep::Key(rest.to_string()));
        }
    }
    out
}

/// A computation waiting for values that exist only after apply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Deferred {
    /// An attribute of a resource, read from ARM after it was written (or from a POST action
    /// result, whose attributes live under `"$action:<name>"`, e.g. `$action:listKeys`).
    Attr {
        resource: ResourceAddr,
        path: Vec<PathStep>,
    },
    /// A function call with at least one unknown argument.
    Call { function: String, args: Vec<Value> },
    /// `base[key]` / `base.key` where base or key is unknown.
    Index { base: Value, key: Value },
    /// String template: the parts concatenated.
    Template { parts: Vec<Value> },
    /// `cond ? then : otherwise` with an unknown condition.
    Conditional {
        cond: Value,
        then: Value,
        otherwise: Value,
    },
    /// A binary operator (`+ - * / % == != < <= > >= && ||`).
    Binary {
        operator: String,
        lhs: Value,
        rhs: Value,
    },
    /// A unary operator (`!`, `-`).
    Unary { operator: String, operand: Value },
}

impl Deferred {
    /// Every resource attribute this computation waits for.
    pub fn attrs(&self, out: &mut Vec<(ResourceAddr, Vec<PathStep>)>) {
        match self {
            Deferred::Attr { resource, path } => out.push((resource.clone(), path.clone())),
            Deferred::Call { args, .. } => args.iter().for_each(|a| a.deferred_attrs(out)),
            Deferred::Template { parts } => parts.iter().for_each(|a| a.deferred_attrs(out)),
            Deferred::Index { base, key } => {
                base.deferred_attrs(out);
                key.deferred_attrs(out);
            }
            Deferred::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.deferred_attrs(out);
                then.deferred_attrs(out);
                otherwise.deferred_attrs(out);
            }
            Deferred::Binary { lhs, rhs, .. } => {
                lhs.deferred_attrs(out);
                rhs.deferred_attrs(out);
            }
            Deferred::Unary { operand, .. } => operand.deferred_attrs(out),
        }
    }
}

impl Deferred {
    /// This computation with every attribute's resource address mapped by `f`.
    pub fn map_addrs(&self, f: &dyn Fn(&ResourceAddr) -> ResourceAddr) -> Deferred {
        let m = |v: &Value| v.map_addrs(f);
        match self {
            Deferred::Attr { resource, path } => Deferred::Attr {
                resource: f(resource),
                path: path.clone(),
            },
            Deferred::Call { function, args } => Deferred::Call {
                function: function.clone(),
                args: args.iter().map(m).collect(),
            },
            Deferred::Template { parts } => Deferred::Template {
                parts: parts.iter().map(m).collect(),
            },
            Deferred::Index { base, key } => Deferred::Index {
                base: m(base),
                key: m(key),
            },
            Deferred::Conditional {
                cond,
                then,
                otherwise,
            } => Deferred::Conditional {
                cond: m(cond),
                then: m(then),
                otherwise: m(otherwise),
            },
            Deferred::Binary { operator, lhs, rhs } => Deferred::Binary {
                operator: operator.clone(),
                lhs: m(lhs),
                rhs: m(rhs),
            },
            Deferred::Unary { operator, operand } => Deferred::Unary {
                operator: operator.clone(),
                operand: m(operand),
            },
        }
    }
}

impl Value {
    /// This value with the resource address of every deferred attribute mapped by `f`
    /// (`ResourceAddr::peer`, for a value handed to the other estate).
    pub fn map_addrs(&self, f: &dyn Fn(&ResourceAddr) -> ResourceAddr) -> Value {
        match self {
            Value::Unknown(d) => Value::Unknown(Box::new(d.map_addrs(f))),
            Value::Sensitive(v) => Value::Sensitive(Box::new(v.map_addrs(f))),
            Value::List(items) => Value::List(items.iter().map(|v| v.map_addrs(f)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), v.map_addrs(f))).collect()),
            other => other.clone(),
        }
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn unknown(d: Deferred) -> Value {
        Value::Unknown(Box::new(d))
    }

    /// An attribute of `resource` known after apply.
    pub fn attr(resource: &ResourceAddr, path: &str) -> Value {
        Value::unknown(Deferred::Attr {
            resource: resource.clone(),
            path: parse_path(path),
        })
    }

    pub fn sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            v => Value::Sensitive(Box::new(v)),
        }
    }

    /// Builds an object from pairs.
    pub fn object<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A short type name for messages: `string`, `number`, `bool`, `list`, `object`, `null`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Object(_) => "object",
            Value::Unknown(_) => "unknown",
            Value::Sensitive(v) => v.type_name(),
        }
    }

    /// The value without a sensitive mark (the mark is lost: use for computation only).
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(v) => v.unmarked(),
            v => v,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.unmarked() {
            Value::Number(n) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.unmarked() {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unmarked() {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self.unmarked() {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// `self[key]` for objects.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|o| o.get(key))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unmarked(), Value::Null)
    }

    /// True if this value or anything inside it is unknown.
    pub fn is_unknown(&self) -> bool {
        match self {
            Value::Unknown(_) => true,
            Value::Sensitive(v) => v.is_unknown(),
            Value::List(l) => l.iter().any(Value::is_unknown),
            Value::Object(o) => o.values().any(Value::is_unknown),
            _ => false,
        }
    }

    /// True if this value is wholly unknown (not just something inside it).
    pub fn is_wholly_unknown(&self) -> bool {
        matches!(self.unmarked(), Value::Unknown(_))
    }

    /// True if this value or anything inside it is sensitive.
    pub fn is_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(l) => l.iter().any(Value::is_sensitive),
            Value::Object(o) => o.values().any(Value::is_sensitive),
            Value::Unknown(d) => {
                let mut found = false;
                d.visit_values(&mut |v| found |= v.is_sensitive());
                found
            }
            _ => false,
        }
    }

    /// Collects every deferred resource attribute this value waits for.
    pub fn deferred_attrs(&self, out: &mut Vec<(ResourceAddr, Vec<PathStep>)>) {
        match self {
            Value::Unknown(d) => d.attrs(out),
            Value::Sensitive(v) => v.deferred_attrs(out),
            Value::List(l) => l.iter().for_each(|v| v.deferred_attrs(out)),
            Value::Object(o) => o.values().for_each(|v| v.deferred_attrs(out)),
            _ => {}
        }
    }

    /// Paths (from this value's root) of every sensitive leaf or subtree.
    pub fn sensitive_paths(&self) -> Vec<Vec<PathStep>> {
        let mut out = Vec::new();
        fn walk(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
            match v {
                Value::Sensitive(_) => out.push(path.clone()),
                Value::List(l) => {
                    for (i, x) in l.iter().enumerate() {
                        path.push(PathStep::Index(i));
                        walk(x, path, out);
                        path.pop();
                    }
                }
                Value::Object(o) => {
                    for (k, x) in o {
                        path.push(PathStep::Key(k.clone()));
                        walk(x, path, out);
                        path.pop();
                    }
                }
                Value::Unknown(_) if v.is_sensitive() => out.push(path.clone()),
                _ => {}
            }
        }
        walk(self, &mut Vec::new(), &mut out);
        out
    }

    /// The JSON form of a fully known value (sensitive marks are dropped, so handle the result
    /// as secret if [`Value::is_sensitive`]). `None` if anything inside is unknown.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(Value::to_json).collect::<Option<_>>()?),
            Value::Object(o) => serde_json::Value::Object(
                o.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown(_) => return None,
            Value::Sensitive(v) => v.to_json()?,
        })
    }

    /// A value from JSON (no marks).
    pub fn from_json(j: &serde_json::Value) -> Value {
        match j {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            serde_json::Value::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect())
            }
        }
    }

    /// Walks to `path`, if every step exists.
    pub fn at(&self, path: &[PathStep]) -> Option<&Value> {
        let mut cur = self;
        for step in path {
            cur = match (cur.unmarked(), step) {
                (Value::Object(o), PathStep::Key(k)) => o.get(k)?,
                (Value::List(l), PathStep::Index(i)) => l.get(*i)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

impl Deferred {
    fn visit_values(&self, f: &mut dyn FnMut(&Value)) {
        match self {
            Deferred::Attr { .. } => {}
            Deferred::Call { args, .. } => args.iter().for_each(f),
            Deferred::Template { parts } => parts.iter().for_each(f),
            Deferred::Index { base, key } => {
                f(base);
                f(key);
            }
            Deferred::Conditional {
                cond,
                then,
                otherwise,
            } => {
                f(cond);
                f(then);
                f(otherwise);
            }
            Deferred::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            Deferred::Unary { operand, .. } => f(operand),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}

impl From<Vec<Value>> for Value {
    fn from(l: Vec<Value>) -> Self {
        Value::List(l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        let p = parse_path("properties.subnets[0].name");
        assert_eq!(p.len(), 4);
        assert_eq!(path_to_string(&p), "properties.subnets[0].name");
        let p = parse_path("$action:listKeys.keys[0].value");
        assert_eq!(p[0], PathStep::Key("$action:listKeys".into()));
    }

    #[test]
    fn sensitivity_and_unknowns() {
        let addr = ResourceAddr::module("storage", "account", None);
        let v = Value::object([
            ("a", Value::from("x")),
            ("key", Value::from("secret").sensitive()),
            ("ip", Value::attr(&addr, "properties.ipAddress")),
        ]);
        assert!(v.is_sensitive());
        assert!(v.is_unknown());
        assert!(v.to_json().is_none());
        assert_eq!(v.sensitive_paths(), vec![vec![PathStep::Key("key".into())]]);
        let mut attrs = Vec::new();
        v.deferred_attrs(&mut attrs);
        assert_eq!(attrs.len(), 1);
        let j = serde_json::to_string(&v).unwrap();
        let back: Value = serde_json::from_str(&j).unwrap();
        assert_eq!(back, v);
    }
}
