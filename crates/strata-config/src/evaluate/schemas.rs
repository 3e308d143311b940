//! Every resource checked against Azure's published type definitions (the `strata-azure`
//! catalogue) before anything is sent: an api-version Azure does not publish for the type, and
//! body errors ARM would refuse or silently drop (unknown or read-only properties, wrong types,
//! values outside a closed enum, missing required properties), each at the block's file and
//! line with the property path. Types the catalogue does not know (a provider of your own, a
//! type newer than the catalogue) are not checked.

use strata_azure::{Catalogue, Severity};
use strata_core::{DesiredResource, Diagnostic, Diagnostics, Value};

/// The body as JSON, values known only after apply left out (null means "not set" in a PUT).
fn known(v: &Value) -> serde_json::Value {
    match v {
        Value::Null | Value::Unknown(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(l) => serde_json::Value::Array(l.iter().map(known).collect()),
        Value::Object(o) => serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), known(v))).collect()),
        Value::Sensitive(inner) => known(inner),
    }
}

pub(super) fn check(resources: &[DesiredResource]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let Ok(catalogue) = Catalogue::global() else {
        return diags;
    };
    for r in resources {
        let t = r.resource_type();
        if catalogue.resource_type(&t).is_none() {
            continue;
        }
        if !catalogue.has_version(&t, &r.api_version) {
            let nearest = catalogue.nearest_versions(&t, &r.api_version);
            diags.push(
                Diagnostic::error(format!(
                    "{}: Azure publishes no api-version `{}` for `{t}`",
                    r.addr, r.api_version
                ))
                .at(r.loc.clone())
                .hint(if nearest.is_empty() {
                    "check the api-version (`az provider show -n <namespace>` lists them)".to_string()
                } else {
                    format!("the nearest published versions are {}", nearest.join(", "))
                }),
            );
            continue;
        }
        let Ok(Some(schema)) = catalogue.schema(&t, &r.api_version) else {
            continue;
        };
        for v in schema.validate(&known(&r.body)) {
            if v.severity != Severity::Error {
                continue;
            }
            diags.push(
                Diagnostic::error(format!("{} ({t}@{}): {v}", r.addr, r.api_version))
                    .at(r.loc.clone())
                    .hint("fix the property, or pick the api-version that publishes it"),
            );
        }
    }
    diags
}
