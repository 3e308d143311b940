//! The structural rules of OpenTofu's plan JSON, applied alike to OpenTofu's samples and to
//! what strata writes.

use serde_json::Value as Json;

use super::{TofuAction, TofuChange, TofuModule, TofuPlan, TofuResourceChange};

/// One rule a plan breaks, with where (`resource_changes[2].change.after_unknown.properties`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ShapeError {
    pub at: String,
    pub message: String,
}

/// The action lists OpenTofu writes (`internal/command/jsonplan`).
const ALLOWED_ACTIONS: &[&[TofuAction]] = &[
    &[TofuAction::NoOp],
    &[TofuAction::Create],
    &[TofuAction::Read],
    &[TofuAction::Update],
    &[TofuAction::Delete],
    &[TofuAction::Delete, TofuAction::Create],
    &[TofuAction::Create, TofuAction::Delete],
    &[TofuAction::Forget],
    &[TofuAction::Forget, TofuAction::Create],
];

struct Checker {
    problems: Vec<ShapeError>,
}

impl Checker {
    fn fail(&mut self, at: &str, message: impl Into<String>) {
        self.problems.push(ShapeError {
            at: at.to_string(),
            message: message.into(),
        });
    }

    fn non_empty(&mut self, at: &str, field: &str, value: &str) {
        if value.is_empty() {
            self.fail(&format!("{at}.{field}"), "must not be empty");
        }
    }
}

pub(super) fn validate(plan: &TofuPlan) -> Vec<ShapeError> {
    let mut c = Checker { problems: Vec::new() };
    let major_ok = plan.format_version.split_once('.').is_some_and(|(major, minor)| {
        major == "1" && !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit())
    });
    if !major_ok {
        c.fail(
            "format_version",
            format!("`{}` is not a 1.x plan format", plan.format_version),
        );
    }
    for (i, rc) in plan.resource_changes.iter().enumerate() {
        resource_change(&mut c, &format!("resource_changes[{i}]"), rc);
    }
    for (i, rc) in plan.resource_drift.iter().enumerate() {
        resource_change(&mut c, &format!("resource_drift[{i}]"), rc);
    }
    for (name, change) in &plan.output_changes {
        self::change(&mut c, &format!("output_changes.{name}"), change);
    }
    if let Some(values) = &plan.planned_values {
        module(&mut c, "planned_values.root_module", &values.root_module);
    }
    c.problems
}

fn resource_change(c: &mut Checker, at: &str, rc: &TofuResourceChange) {
    c.non_empty(at, "address", &rc.address);
    c.non_empty(at, "type", &rc.resource_type);
    c.non_empty(at, "name", &rc.name);
    c.non_empty(at, "provider_name", &rc.provider_name);
    if rc.mode != "managed" && rc.mode != "data" {
        c.fail(
            &format!("{at}.mode"),
            format!("`{}` is neither `managed` nor `data`", rc.mode),
        );
    }
    if let Some(module) = &rc.module_address
        && !rc.address.starts_with(&format!("{module}."))
    {
        c.fail(
            &format!("{at}.module_address"),
            format!("`{module}` does not prefix `{}`", rc.address),
        );
    }
    if let Some(index) = &rc.index
        && !(index.is_string() || index.is_u64())
    {
        c.fail(&format!("{at}.index"), "must be a number or a string");
    }
    change(c, &format!("{at}.change"), &rc.change);
}

fn change(c: &mut Checker, at: &str, ch: &TofuChange) {
    if !ALLOWED_ACTIONS.contains(&ch.actions.as_slice()) {
        c.fail(
            &format!("{at}.actions"),
            format!("{:?} is not an OpenTofu action list", ch.actions),
        );
    }
    let creates_only = ch.actions == [TofuAction::Create];
    let deletes_only = ch.actions == [TofuAction::Delete] || ch.actions == [TofuAction::Forget];
    if creates_only && !ch.before.is_null() {
        c.fail(&format!("{at}.before"), "must be null for a create");
    }
    if deletes_only && !ch.after.is_null() {
        c.fail(&format!("{at}.after"), "must be null for a delete");
    }
    mirror(
        c,
        &format!("{at}.after_unknown"),
        &ch.after_unknown,
        &ch.after,
        true,
    );
    mirror(
        c,
        &format!("{at}.before_sensitive"),
        &ch.before_sensitive,
        &ch.before,
        false,
    );
    mirror(
        c,
        &format!("{at}.after_sensitive"),
        &ch.after_sensitive,
        &ch.after,
        false,
    );
    if let Some(paths) = &ch.replace_paths {
        for (i, path) in paths.iter().enumerate() {
            if path.is_empty() || !path.iter().all(|s| s.is_string() || s.is_u64()) {
                c.fail(
                    &format!("{at}.replace_paths[{i}]"),
                    "must be a non-empty list of keys and indexes",
                );
            }
        }
    }
}

/// A mask (`after_unknown`, `*_sensitive`) must be a bool, or a container shaped like the
/// value: an object's keys are keys of the value (or absent from it, which is `null`), an
/// array is no longer than the value's. An unknown leaf has no value yet: it must be null.
fn mirror(c: &mut Checker, at: &str, mask: &Json, value: &Json, is_unknown_mask: bool) {
    match mask {
        Json::Bool(true) if is_unknown_mask && !value.is_null() => {
            c.fail(at, "marks a known value as unknown");
        }
        Json::Bool(_) => {}
        Json::Object(entries) => match value {
            Json::Object(values) => {
                for (key, sub) in entries {
                    let v = values.get(key).unwrap_or(&Json::Null);
                    mirror(c, &format!("{at}.{key}"), sub, v, is_unknown_mask);
                }
            }
            Json::Null if entries.is_empty() => {}
            _ => c.fail(at, format!("is an object but the value is {}", kind(value))),
        },
        Json::Array(items) => match value {
            Json::Array(values) if items.len() <= values.len() => {
                for (i, (sub, v)) in items.iter().zip(values).enumerate() {
                    mirror(c, &format!("{at}[{i}]"), sub, v, is_unknown_mask);
                }
            }
            Json::Null if items.is_empty() => {}
            _ => c.fail(
                at,
                format!("is an array of {} but the value is {}", items.len(), kind(value)),
            ),
        },
        other => c.fail(
            at,
            format!("must be a bool, an object or an array, not {}", kind(other)),
        ),
    }
}

fn kind(value: &Json) -> String {
    match value {
        Json::Null => "null".into(),
        Json::Bool(_) => "a bool".into(),
        Json::Number(_) => "a number".into(),
        Json::String(_) => "a string".into(),
        Json::Array(a) => format!("an array of {}", a.len()),
        Json::Object(_) => "an object".into(),
    }
}

fn module(c: &mut Checker, at: &str, m: &TofuModule) {
    for (i, r) in m.resources.iter().enumerate() {
        let at = format!("{at}.resources[{i}]");
        c.non_empty(&at, "address", &r.address);
        c.non_empty(&at, "type", &r.resource_type);
        c.non_empty(&at, "name", &r.name);
        c.non_empty(&at, "provider_name", &r.provider_name);
        mirror(
            c,
            &format!("{at}.sensitive_values"),
            &r.sensitive_values,
            &r.values,
            false,
        );
    }
    for (i, child) in m.child_modules.iter().enumerate() {
        let at = format!("{at}.child_modules[{i}]");
        if child.address.as_deref().is_none_or(str::is_empty) {
            c.fail(&format!("{at}.address"), "a child module needs its address");
        }
        module(c, &at, child);
    }
}

/// Paths whose sensitive mark is `true` but whose value is not `null`.
pub(super) fn unmasked_sensitive_paths(plan: &TofuPlan) -> Vec<String> {
    let mut out = Vec::new();
    let changes = plan.resource_changes.iter().chain(&plan.resource_drift);
    for rc in changes {
        let at = &rc.address;
        leaks(
            &mut out,
            &format!("{at}.before"),
            &rc.change.before_sensitive,
            &rc.change.before,
        );
        leaks(
            &mut out,
            &format!("{at}.after"),
            &rc.change.after_sensitive,
            &rc.change.after,
        );
    }
    for (name, ch) in &plan.output_changes {
        leaks(
            &mut out,
            &format!("output.{name}.before"),
            &ch.before_sensitive,
            &ch.before,
        );
        leaks(
            &mut out,
            &format!("output.{name}.after"),
            &ch.after_sensitive,
            &ch.after,
        );
    }
    if let Some(values) = &plan.planned_values {
        for (name, output) in &values.outputs {
            if output.sensitive && output.value.as_ref().is_some_and(|v| !v.is_null()) {
                out.push(format!("planned_values.outputs.{name}"));
            }
        }
        let mut modules = vec![&values.root_module];
        while let Some(m) = modules.pop() {
            for r in &m.resources {
                leaks(
                    &mut out,
                    &format!("planned_values.{}", r.address),
                    &r.sensitive_values,
                    &r.values,
                );
            }
            modules.extend(&m.child_modules);
        }
    }
    out
}

fn leaks(out: &mut Vec<String>, at: &str, mask: &Json, value: &Json) {
    match (mask, value) {
        (Json::Bool(true), v) if !v.is_null() => out.push(at.to_string()),
        (Json::Object(entries), Json::Object(values)) => {
            for (key, sub) in entries {
                if let Some(v) = values.get(key) {
                    leaks(out, &format!("{at}.{key}"), sub, v);
                }
            }
        }
        (Json::Array(items), Json::Array(values)) => {
            for (i, (sub, v)) in items.iter().zip(values).enumerate() {
                leaks(out, &format!("{at}[{i}]"), sub, v);
            }
        }
        _ => {}
    }
}
