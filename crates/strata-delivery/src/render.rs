//! Plan rendering shared by the pull-request report and the promotion report: values as a
//! plan may show them, one resource as diff-style lines, changes grouped by layer, and the
//! destructive changes with their reasons.

use serde_json::Value as Json;
use strata_core::Layer;
use strata_engine::{Action, OutputChange, Plan, PropertyChange, ResourceChange, Shown};

/// Shown for a value that exists only after apply.
pub(crate) const UNKNOWN: &str = "(known after apply)";
/// Shown for a sensitive value, whatever it is.
pub(crate) const SENSITIVE: &str = "<sensitive>";

/// A value as a plan may show it: compact JSON, or a placeholder. Values in a [`Plan`] are
/// already masked; this never sees a secret.
pub(crate) fn shown(value: &Shown) -> String {
    match value {
        Shown::Absent => "null".to_string(),
        Shown::Known(json) => compact(json),
        Shown::Unknown => UNKNOWN.to_string(),
        Shown::Sensitive => SENSITIVE.to_string(),
    }
}

fn compact(json: &Json) -> String {
    // `Display` for JSON values is the compact form and cannot fail.
    json.to_string()
}

/// Replace and delete: the changes a reviewer must not miss.
pub(crate) fn is_destructive(action: Action) -> bool {
    matches!(action, Action::Replace | Action::Delete)
}

/// The diff-block marker: `+` and `-` colour green and red, `!` orange on GitHub.
fn marker(action: Action) -> &'static str {
    match action {
        Action::NoOp => " ",
        Action::Create => "+",
        Action::Update => "!",
        Action::Replace => "-/+",
        Action::Delete => "-",
    }
}

/// "will be created", …
pub(crate) fn will(action: Action) -> &'static str {
    match action {
        Action::NoOp => "is unchanged",
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace => "will be replaced",
        Action::Delete => "will be destroyed",
    }
}

/// Why a destructive change happens, in words, falling back to a generic reason.
pub(crate) fn destructive_reason(plan: &Plan, change: &ResourceChange) -> String {
    if !change.reasons.is_empty() {
        return change.reasons.join("; ");
    }
    match change.action {
        Action::Delete if plan.destroy => "destroy requested".to_string(),
        Action::Delete => "no longer in the configuration".to_string(),
        _ => "it cannot be updated in place".to_string(),
    }
}

/// One resource as diff-style lines: a header, its reasons as comments, then one line per
/// property, paths padded to one column.
pub(crate) fn resource_lines(change: &ResourceChange, out: &mut Vec<String>) {
    out.push(format!(
        "{} {} {} ({})",
        marker(change.action),
        change.addr,
        will(change.action),
        change.resource_type
    ));
    for reason in &change.reasons {
        out.push(format!("#   {}", reason.replace(['\n', '\r'], " ")));
    }
    let width = change
        .changes
        .iter()
        .map(|p| p.path.chars().count())
        .max()
        .unwrap_or(0);
    for property in &change.changes {
        out.push(property_line(change.action, property, width));
    }
}

fn property_line(action: Action, p: &PropertyChange, width: usize) -> String {
    let path = format!("{:width$}", p.path);
    let line = match (action, &p.before, &p.after) {
        (Action::Create, _, after) | (_, Shown::Absent, after) => format!("+     {path} = {}", shown(after)),
        (Action::Delete, before, _) | (_, before, Shown::Absent) => {
            format!("-     {path} = {}", shown(before))
        }
        (_, before, after) => format!("!     {path} : {} -> {}", shown(before), shown(after)),
    };
    if p.forces_replacement {
        format!("{line}   # forces replacement")
    } else {
        line
    }
}

/// One output as a diff-style line.
pub(crate) fn output_line(o: &OutputChange) -> String {
    match (&o.before, &o.after) {
        (Shown::Absent, after) => format!("+ output.{} = {}", o.name, shown(after)),
        (before, Shown::Absent) => format!("- output.{} = {}", o.name, shown(before)),
        (before, after) => format!("! output.{} : {} -> {}", o.name, shown(before), shown(after)),
    }
}

/// The changing resources of a plan grouped by layer, layers in apply order, resources in
/// plan order within each.
pub(crate) fn by_layer(plan: &Plan) -> Vec<(Layer, Vec<&ResourceChange>)> {
    let mut groups: Vec<(Layer, Vec<&ResourceChange>)> = Vec::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        match groups.iter_mut().find(|(layer, _)| *layer == change.layer) {
            Some((_, members)) => members.push(change),
            None => groups.push((change.layer, vec![change])),
        }
    }
    groups.sort_by_key(|(layer, _)| *layer);
    groups
}

/// "1 to add, 1 to replace" for a group of changes.
pub(crate) fn group_counts(changes: &[&ResourceChange]) -> String {
    let count = |action| changes.iter().filter(|c| c.action == action).count();
    let parts: Vec<String> = [
        (Action::Create, "to add"),
        (Action::Update, "to change"),
        (Action::Replace, "to replace"),
        (Action::Delete, "to destroy"),
    ]
    .into_iter()
    .filter_map(|(action, words)| {
        let n = count(action);
        (n > 0).then(|| format!("{n} {words}"))
    })
    .collect();
    parts.join(", ")
}

/// The output changes that do something.
pub(crate) fn changing_outputs(plan: &Plan) -> Vec<&OutputChange> {
    plan.outputs.iter().filter(|o| o.action != Action::NoOp).collect()
}

/// "2 to add, 1 to change, 1 to destroy"
pub(crate) fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    format!(
        "{} to add, {} to change, {} to destroy",
        s.add, s.change, s.destroy
    )
}
