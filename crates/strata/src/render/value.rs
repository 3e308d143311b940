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

/// Like [`json`], but a long list puts one element per line, indented by `indent` spaces.
pub fn json_block(j: &Json, indent: usize) -> String {
    let one = json(j);
    match j {
        Json::Array(a) if one.len() > 100 && !a.is_empty() => {
            let pad = " ".repeat(indent + 4);
            let mut out = String::from("[\n");
            for x in a {
                out.push_str(&format!("{pad}{},\n", json(x)));
            }
            out.push_str(&" ".repeat(indent));
            out.push(']');
            out
        }
        _ => one,
    }
}

/// [`shown`] with long lists broken over lines.
pub fn shown_block(s: &Shown, indent: usize) -> String {
    match s {
        Shown::Known(j) => json_block(j, indent),
        other => shown(other),
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
