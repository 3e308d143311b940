//! Values as `strata output` and apply's outputs show them: the plan renderer's one-line form
//! (strings quoted, lists `[a, b]`, objects `{ key = value }`).

use serde_json::Value as Json;

/// One-line rendering of JSON in HCL-like style.
pub fn json(j: &Json) -> String {
    strata_delivery::render::inline(j)
}

/// `name = value` as apply's Outputs section and `strata output` print it: a sensitive value
/// is the marker `<sensitive>` (unquoted), unless `show_sensitive`.
pub fn output_line(name: &str, o: &strata_state::OutputState, show_sensitive: bool) -> String {
    let v = if o.sensitive && !show_sensitive {
        "<sensitive>".to_string()
    } else {
        json(&o.value)
    };
    format!("{name} = {v}")
}
