//! Turning values into what a plan may show: known JSON, "(known after apply)" or
//! `<sensitive>`. Nothing secret survives this module.

use serde_json::Value as Json;
use strata_core::{PathStep, Value, path_to_string};

use crate::model::{PropertyChange, Shown};

/// A desired value as shown: sensitive wins over unknown, which wins over known; `null` (a key
/// the configuration no longer sets, like a removed tag) is absent.
pub fn shown_value(v: &Value) -> Shown {
    if v.is_null() {
        Shown::Absent
    } else if v.is_sensitive() {
        Shown::Sensitive
    } else if v.is_unknown() {
        Shown::Unknown
    } else {
        v.to_json().map_or(Shown::Unknown, Shown::Known)
    }
}

pub fn shown_json(j: Option<&Json>) -> Shown {
    j.map_or(Shown::Absent, |j| Shown::Known(j.clone()))
}

/// Every leaf the configuration sets, as created properties. Objects are walked; lists and
/// scalars are leaves.
pub fn flatten(body: &Value) -> Vec<PropertyChange> {
    let mut out = Vec::new();
    walk(body, &mut Vec::new(), &mut out);
    out
}

fn walk(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<PropertyChange>) {
    match v {
        Value::Null => {}
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                path.push(PathStep::Key(k.clone()));
                walk(x, path, out);
                path.pop();
            }
        }
        other => out.push(PropertyChange {
            path: path_to_string(path),
            before: Shown::Absent,
            after: shown_value(other),
            forces_replacement: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::ResourceAddr;

    #[test]
    fn null_is_absent() {
        assert_eq!(shown_value(&Value::Null), Shown::Absent);
        assert_eq!(shown_json(None), Shown::Absent);
    }

    #[test]
    fn secrets_never_survive() {
        let body = Value::object([
            ("location", Value::from("westeurope")),
            (
                "properties",
                Value::object([("value", Value::from("hunter2").sensitive())]),
            ),
            (
                "ip",
                Value::attr(&ResourceAddr::resource("x"), "properties.ipAddress"),
            ),
        ]);
        let flat = flatten(&body);
        let text = serde_json::to_string(&flat).unwrap();
        assert!(!text.contains("hunter2"));
        assert_eq!(flat.len(), 3);
        assert_eq!(flat[0].after, Shown::Unknown);
        assert_eq!(flat[2].after, Shown::Sensitive);
    }
}
