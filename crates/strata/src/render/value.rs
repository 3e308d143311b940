//! Values as the plan and `output` show them.

use serde_json::Value as Json;
use strata_engine::Shown;

/// One-line rendering of JSON in HCL-like style: strings quoted, lists and objects inline.
pub fn json(j: &Json) -> String {
    match j {
        Json::Null => "null".into(),
        Json::String(s) => format!("{s:?}"),
        Json::Array(a) => format!("[{}]", a.iter().map(json).collect::<Vec<_>>().join(", ")),
        Json::Object(o) => {
            format!(
                "{{ {} }}",
                o.iter()
                    .map(|(k, v)| format!("{k} = {}", json(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        other => other.to_string(),
    }
}

pub fn shown(s: &Shown) -> String {
    match s {
        Shown::Absent => "null".into(),
        Shown::Known(j) => json(j),
        Shown::Unknown => "(known after apply)".into(),
        Shown::Sensitive => "<sensitive>".into(),
    }
}
