//! Values as `strata output` and apply's outputs show them: the plan renderer's one-line form
//! (strings quoted, lists `[a, b]`, objects `{ key = value }`).

use serde_json::Value as Json;

/// One-line rendering of JSON in HCL-like style.
pub fn json(j: &Json) -> String {
    strata_delivery::render::inline(j)
}
