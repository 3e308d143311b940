//! The one plan renderer: the terminal, the saved-plan text (`strata show`), the pull-request
//! report and the promotion report all print plans through it.
//!
//! - [`line`]: [`Line`]s (indentation, marker, text with roles) and the [`Flavor`]s that print
//!   them: plain, ANSI colour, or markdown-safe inside a ```` ```diff ```` block.
//! - [`tree`]: a resource's property changes as a tree at the level that changed (array
//!   elements by name, one tag per key, items added to or removed from scalar lists), with the
//!   fields ARM adds on its own left out.
//! - [`values`]: values on one line, or wrapped to [`WIDTH`] columns when they are long.
//! - [`resource`]: one resource change as lines ([`resource_lines`]).
//!
//! [`plan_text`] puts it together for a whole plan: warnings and `-target` first, drift, the
//! resource changes, OpenTofu's summary line, outputs, and what stops the plan from applying.

mod line;
mod resource;
mod tree;
pub(crate) mod values;

use strata_core::Layer;
use strata_engine::{Action, OutputChange, Plan, ResourceChange};

pub use line::{Flavor, Line, Mark, Role, print_lines};
pub use resource::resource_lines;
pub use values::inline;

pub(crate) use resource::{TOP, is_shown};

/// The width plans are wrapped to.
pub const WIDTH: usize = 100;

/// A whole plan as text, as `strata plan` and `strata show PLANFILE` print it.
pub fn plan_text(plan: &Plan, flavor: Flavor) -> String {
    print_lines(&plan_lines(plan), flavor)
}

/// [`plan_text`] as lines.
pub fn plan_lines(plan: &Plan) -> Vec<Line> {
    let mut out = Vec::new();
    preamble(plan, &mut out);
    let drifted: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.drifted).collect();
    if !drifted.is_empty() {
        out.push(Line::flush(
            Role::Strong,
            "Note: objects have changed outside of strata",
        ));
        out.push(Line::blank());
        for c in &drifted {
            let why = if c.reasons.is_empty() {
                "changed outside strata".to_string()
            } else {
                c.reasons.join("; ")
            };
            out.push(
                Line::with_role(TOP, Mark::Drift, Role::Strong, c.addr.to_string())
                    .push(Role::Plain, format!(": {why}")),
            );
        }
        out.push(Line::blank());
    }
    let changes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| is_shown(c)).collect();
    let outputs = changing_outputs(plan);
    if changes.is_empty() && outputs.is_empty() {
        out.push(
            Line::flush(Role::Strong, "No changes.")
                .push(Role::Plain, " Your infrastructure matches the configuration."),
        );
        return out;
    }
    if !changes.is_empty() {
        out.push(Line::flush(
            Role::Plain,
            "strata will perform the following actions:",
        ));
        out.push(Line::blank());
        for c in &changes {
            out.extend(resource_lines(c));
            out.push(Line::blank());
        }
    }
    out.push(Line::flush(Role::Strong, "Plan:").push(Role::Plain, format!(" {}.", summary_line(plan))));
    if !outputs.is_empty() {
        out.push(Line::blank());
        out.push(Line::flush(Role::Plain, "Changes to Outputs:"));
        out.extend(outputs_lines(&outputs));
    }
    let problems = plan.problems().count();
    if problems > 0 {
        out.push(Line::blank());
        let noun = if problems == 1 {
            "problem stops"
        } else {
            "problems stop"
        };
        out.push(Line::flush(Role::Danger, "Error:").push(
            Role::Plain,
            format!(" {problems} {noun} this plan from being applied (marked ! above)."),
        ));
    }
    out
}

/// Warnings first, and a partial (`-target`) plan says so.
fn preamble(plan: &Plan, out: &mut Vec<Line>) {
    if let Some(text) = refresh_text(plan) {
        for part in line::wrap_prose(&text, WIDTH) {
            out.push(Line::flush(Role::Plain, part));
        }
        out.push(Line::blank());
    }
    let mut warn = |title: &str, text: &str| {
        for (i, part) in line::wrap_prose(title, WIDTH - "Warning: ".len())
            .into_iter()
            .enumerate()
        {
            out.push(if i == 0 {
                Line::flush(Role::Warn, "Warning:").push(Role::Strong, format!(" {part}"))
            } else {
                Line::flush(Role::Strong, format!("         {part}"))
            });
        }
        if !text.is_empty() {
            out.push(Line::blank());
            for part in line::wrap_prose(text, WIDTH - 2) {
                out.push(Line::flush(Role::Plain, format!("  {part}")));
            }
        }
        out.push(Line::blank());
    };
    if let Some(text) = targets_text(plan) {
        warn("resource targeting is in effect", &text);
    }
    for w in &plan.warnings {
        warn(&w.replace(['\n', '\r'], " "), "");
    }
}

/// How the plan read what exists, in words: which way, and what a bulk refresh read with a
/// GET and why. `None` when nothing was read.
pub fn refresh_text(plan: &Plan) -> Option<String> {
    plan.refresh.as_ref().map(refresh_line)
}

/// A refresh summary in words (see [`refresh_text`]).
pub fn refresh_line(r: &strata_engine::RefreshSummary) -> String {
    use strata_engine::RefreshMethod;
    let n = r.resources;
    let noun = if n == 1 { "resource" } else { "resources" };
    match r.method {
        RefreshMethod::Full => match &r.why {
            Some(why) => format!("Refreshed {n} {noun} with a GET each ({why})."),
            None => format!("Refreshed {n} {noun} with a GET each."),
        },
        RefreshMethod::Bulk => {
            let gets: usize = r.fallbacks.values().sum();
            let queries = if r.queries == 1 { "query" } else { "queries" };
            let mut s = format!(
                "Refreshed {n} {noun} in bulk: {} from Azure Resource Graph ({} {queries}), {gets} with a GET",
                r.from_graph, r.queries
            );
            if gets > 0 {
                let why: Vec<String> = r
                    .fallbacks
                    .iter()
                    .map(|(f, k)| format!("{k} {}", f.describe()))
                    .collect();
                s.push_str(&format!(" ({})", why.join(", ")));
            }
            s.push('.');
            if let Some(e) = &r.graph_error {
                s.push_str(&format!(
                    " Resource Graph answered: {}",
                    e.replace(['\n', '\r'], " ")
                ));
            }
            s
        }
    }
}

/// What a `-target` plan covers, in words; `None` for a whole plan.
pub(crate) fn targets_text(plan: &Plan) -> Option<String> {
    if plan.targets.is_empty() {
        return None;
    }
    let them = if plan.targets.len() == 1 {
        "it depends"
    } else {
        "they depend"
    };
    Some(format!(
        "This plan is partial: it covers only {} and what {them} on, so it may not show every change the configuration needs.",
        plan.targets.join(", ")
    ))
}

/// Output changes as lines at [`TOP`], their `=` aligned.
pub fn outputs_lines(outputs: &[&OutputChange]) -> Vec<Line> {
    let width = outputs
        .iter()
        .map(|o| values::key(&o.name).chars().count())
        .filter(|w| *w <= 48)
        .max()
        .unwrap_or(0);
    outputs
        .iter()
        .flat_map(|o| resource::output_lines(&o.name, width, o.action, &o.before, &o.after, TOP))
        .collect()
}

/// Replace and delete: the changes a reviewer must not miss.
pub(crate) fn is_destructive(action: Action) -> bool {
    matches!(action, Action::Replace | Action::Delete)
}

/// "will be created", … for prose.
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

/// The shown resource changes of a plan grouped by layer, layers in apply order, resources in
/// plan order within each.
pub(crate) fn by_layer(plan: &Plan) -> Vec<(Layer, Vec<&ResourceChange>)> {
    let mut groups: Vec<(Layer, Vec<&ResourceChange>)> = Vec::new();
    for change in plan.changes.iter().filter(|c| is_shown(c)) {
        match groups.iter_mut().find(|(layer, _)| *layer == change.layer) {
            Some((_, members)) => members.push(change),
            None => groups.push((change.layer, vec![change])),
        }
    }
    groups.sort_by_key(|(layer, _)| *layer);
    groups
}

/// "1 to import, 1 to add, 1 to replace" for a group of changes.
pub(crate) fn group_counts(changes: &[&ResourceChange]) -> String {
    let count = |action| changes.iter().filter(|c| c.action == action).count();
    let imports = changes.iter().filter(|c| c.importing).count();
    let moves = changes.iter().filter(|c| c.moved_from.is_some()).count();
    let parts: Vec<String> = [
        (imports, "to import"),
        (count(Action::Create), "to add"),
        (count(Action::Update), "to change"),
        (count(Action::Replace), "to replace"),
        (count(Action::Delete), "to destroy"),
        (moves, "to move"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, words)| format!("{n} {words}"))
    .collect();
    parts.join(", ")
}

/// The output changes that do something.
pub(crate) fn changing_outputs(plan: &Plan) -> Vec<&OutputChange> {
    plan.outputs.iter().filter(|o| o.action != Action::NoOp).collect()
}

/// OpenTofu's counts: "1 to import, 2 to add, 0 to change, 1 to destroy", imports only when
/// there are any, and moves after.
pub fn summary_line(plan: &Plan) -> String {
    let s = plan.summary();
    let mut out = String::new();
    if s.import > 0 {
        out.push_str(&format!("{} to import, ", s.import));
    }
    out.push_str(&format!(
        "{} to add, {} to change, {} to destroy",
        s.add, s.change, s.destroy
    ));
    if s.moved > 0 {
        out.push_str(&format!(", {} to move", s.moved));
    }
    out
}
