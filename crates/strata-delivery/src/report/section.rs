//! The details of one plan in markdown: drift note, then one collapsed block per layer with the
//! resource changes as a diff, then the outputs.

use strata_engine::{Plan, ResourceChange};

use crate::markdown::{code, fence};
use crate::render::{by_layer, changing_outputs, group_counts, output_line, resource_lines};

/// The collapsed details of a plan's changes. Empty when nothing changes.
pub(crate) fn plan_details(plan: &Plan, out: &mut String) {
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
                lines.push(String::new());
            }
            resource_lines(change, &mut lines);
        }
        details(
            out,
            &format!("<b>{}</b>: {}", layer.name(), group_counts(&changes)),
            &lines,
        );
    }
    let outputs = changing_outputs(plan);
    if !outputs.is_empty() {
        let lines: Vec<String> = outputs.iter().map(|o| output_line(o)).collect();
        let summary = format!("<b>outputs</b>: {} to change", outputs.len());
        details(out, &summary, &lines);
    }
}

fn details(out: &mut String, summary: &str, lines: &[String]) {
    out.push_str(&format!("<details><summary>{summary}</summary>\n\n"));
    out.push_str(&fence("diff", &lines.join("\n")));
    out.push_str("\n</details>\n\n");
}
