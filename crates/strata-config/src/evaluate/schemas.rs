//! Every resource checked against Azure's published type definitions (the `strata-azure`
//! catalogue) before anything is sent: an api-version Azure does not publish for the type, and
//! body errors ARM would refuse or silently drop (unknown or read-only properties, wrong types,
//! values outside a closed enum, missing required properties), each at the block's file and
//! line with the property path. Types the catalogue does not know (a provider of your own, a
//! type newer than the catalogue) are not checked.
//!
//! References to attributes known only after apply (`resource.id.properties.principalId`, in
//! bodies and outputs) are checked against what the resource's document can hold: a name the
//! type never returns (with the path most likely meant) or a write-only property would leave
//! the value unknown for ever and the plan never converging.

use std::collections::HashMap;

use strata_azure::{Catalogue, Returned, Severity, ViolationKind};
use strata_core::{DesiredResource, Diagnostic, Diagnostics, PathStep, ResourceAddr, SourceLoc, Value};

use super::EvaluatedOutput;

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
            // A value outside an extensible enum (a VM size or region newer than the
            // definitions) is accepted by Azure and worth no warning.
            if matches!(v.kind, ViolationKind::NotInEnum { open: true, .. }) {
                continue;
            }
            let message = format!("{} ({t}@{}): {v}", r.addr, r.api_version);
            let d = if v.severity == Severity::Error {
                Diagnostic::error(message).hint("fix the property, or pick the api-version that publishes it")
            } else {
                // ARM accepts it (a case-only difference, a value published later): say so.
                Diagnostic::warning(message)
                    .hint("Azure accepts this; spell it as Azure publishes it to keep plans exact")
            };
            diags.push(d.at(r.loc.clone()));
        }
    }
    diags
}

/// Every reference to an attribute of a resource, in resource bodies and outputs, that the
/// resource's published type never returns.
pub(super) fn check_references(resources: &[DesiredResource], outputs: &[EvaluatedOutput]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let Ok(catalogue) = Catalogue::global() else {
        return diags;
    };
    let by_addr: HashMap<&ResourceAddr, &DesiredResource> = resources.iter().map(|r| (&r.addr, r)).collect();
    let mut check = |value: &Value, loc: Option<&SourceLoc>, whose: &str| {
        let mut refs = Vec::new();
        value.deferred_attrs(&mut refs);
        refs.sort_by(|a, b| {
            (a.0.to_string(), format!("{:?}", a.1)).cmp(&(b.0.to_string(), format!("{:?}", b.1)))
        });
        refs.dedup();
        for (addr, path) in refs {
            let Some(target) = by_addr.get(&addr) else {
                continue;
            };
            let keys: Vec<&str> = path
                .iter()
                .filter_map(|s| match s {
                    PathStep::Key(k) => Some(k.as_str()),
                    PathStep::Index(_) => None,
                })
                .collect();
            // Results of POST actions (`$action:listKeys`) are not part of the document.
            if keys.first().is_none_or(|k| k.starts_with('$')) {
                continue;
            }
            let t = target.resource_type();
            let Ok(Some(schema)) = catalogue.schema(&t, &target.api_version) else {
                continue;
            };
            let shown = keys.join(".");
            let problem = match schema.returned(&keys) {
                Returned::Yes | Returned::Unknowable => continue,
                Returned::Missing { at, suggestion } => {
                    let d = Diagnostic::error(format!(
                        "{whose} refers to `{addr}.{shown}`, but Azure never returns `{at}` for {t}@{}",
                        target.api_version
                    ));
                    match suggestion {
                        Some(s) => d.hint(format!("did you mean `{addr}.{s}`?")),
                        None => d.hint(
                            "refer to an attribute the resource's document holds (`strata show` lists them after apply)",
                        ),
                    }
                }
                Returned::WriteOnly { at } => Diagnostic::error(format!(
                    "{whose} refers to `{addr}.{shown}`, but `{at}` is write-only: Azure accepts it and never returns it"
                ))
                .hint("keep the value in a variable or secret of your own and refer to that"),
            };
            diags.push(problem.at(loc.cloned()));
        }
    };
    for r in resources {
        check(&r.body, r.loc.as_ref(), &r.addr.to_string());
    }
    for o in outputs {
        check(&o.value, Some(&o.loc), &format!("output `{}`", o.name));
    }
    diags
}
