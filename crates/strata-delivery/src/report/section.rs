//! The details of one plan in markdown: what the reviewer must know first (a partial plan,
//! warnings, problems that stop the apply, drift), then one collapsed block per layer with the
//! resource changes as a diff, then the outputs. The diff lines come from the same renderer as
//! the terminal's, in its markdown flavour.

use strata_engine::{Plan, ResourceChange};

use crate::markdown::{code, fence, text};
use crate::render::{
    Flavor, Line, by_layer, changing_outputs, group_counts, outputs_lines, print_lines, resource_lines,
    targets_text,
};

/// The collapsed details of a plan's changes. Empty when nothing changes.
pub(crate) fn plan_details(plan: &Plan, out: &mut String) {
    notices(plan, out);
    let drifted: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.drifted).collect();
    if !drifted.is_empty() {
        let names: Vec<String> = drifted.iter().map(|c| code(&c.addr.to_string())).collect();
        out.push_str(&format!(
            "> [!NOTE]\n> Changed outside strata since the last apply ({}): {}\n\n",
            drifted.len(),
            names.join(", ")
        ));
    }
    for (layer, changes) in by_layer(plan) {
        let mut lines = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            if i > 0 {
                lines.push(Line::blank());
            }
            lines.extend(resource_lines(change));
        }
        details(
            out,
            &format!("<b>{}</b>: {}", layer.name(), group_counts(&changes)),
            &lines,
        );
    }
    let outputs = changing_outputs(plan);
    if !outputs.is_empty() {
        let lines = outputs_lines(&outputs);
        let summary = format!("<b>outputs</b>: {} to change", outputs.len());
        details(out, &summary, &lines);
    }
}

/// A partial plan, warnings and problems, as GitHub alerts.
pub(crate) fn notices(plan: &Plan, out: &mut String) {
    if let Some(refresh) = crate::render::refresh_text(plan) {
        out.push_str(&format!("<sub>{}</sub>\n\n", text(&refresh)));
    }
    if let Some(targets) = targets_text(plan) {
        out.push_str(&format!("> [!WARNING]\n> {}\n\n", text(&targets)));
    }
    if !plan.warnings.is_empty() {
        out.push_str("> [!WARNING]\n");
        for w in &plan.warnings {
            out.push_str(&format!("> - {}\n", text(w)));
        }
        out.push('\n');
    }
    let problems: Vec<_> = plan.problems().collect();
    if !problems.is_empty() {
        let noun = if problems.len() == 1 {
            "problem"
        } else {
            "problems"
        };
        out.push_str(&format!(
            "> [!IMPORTANT]\n> **This plan cannot be applied**: {} {noun}.\n",
            problems.len()
        ));
        for (change, problem) in problems {
            out.push_str(&format!(
                "> - {} {}. Hint: {}\n",
                code(&change.addr.to_string()),
                text(&problem.message()),
                text(problem.hint())
            ));
        }
        out.push('\n');
    }
}

fn details(out: &mut String, summary: &str, lines: &[Line]) {
    out.push_str(&format!("<details><summary>{summary}</summary>\n\n"));
    out.push_str(&fence("diff", &print_lines(lines, Flavor::Markdown)));
    out.push_str("\n</details>\n\n");
}
