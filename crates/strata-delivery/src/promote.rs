//! The promotion report: what one environment would change to match what another runs.
//!
//! The caller plans `to` with the configuration revision `from` was last applied from; this
//! module only renders that plan, for a terminal ([`Format::Text`]) or for release notes and
//! approval requests ([`Format::Markdown`]).

use strata_engine::Plan;

use crate::markdown::code;
use crate::render::{
    Flavor, Line, by_layer, changing_outputs, destructive_reason, is_destructive, outputs_lines, print_lines,
    resource_lines, will,
};
use crate::report::plan_details;

/// How to render a promotion report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
}

/// "What `to_env` would change to match what `from_env` runs", from the plan of `to_env`
/// made with `from_env`'s configuration.
pub fn promotion_report(from_env: &str, to_env: &str, plan: &Plan, format: Format) -> String {
    match format {
        Format::Text => text(from_env, to_env, plan),
        Format::Markdown => markdown(from_env, to_env, plan),
    }
}

/// The first twelve characters of the configuration digest: enough to name a revision.
fn revision(plan: &Plan) -> &str {
    let digest = plan.config_digest.as_str();
    digest.get(..12).unwrap_or(digest)
}

fn headline(from_env: &str, to_env: &str, plan: &Plan) -> String {
    if !plan.has_changes() {
        return format!("{to_env} already runs what {from_env} runs: no changes.");
    }
    let s = plan.summary();
    format!(
        "{to_env} would change to match what {from_env} runs: {} to add, {} to change, {} to destroy.",
        s.add, s.change, s.destroy
    )
}

fn text(from_env: &str, to_env: &str, plan: &Plan) -> String {
    let mut out = format!(
        "Promotion of {} from {from_env} to {to_env} (configuration {})\n\n{}\n",
        plan.stack,
        revision(plan),
        headline(from_env, to_env, plan)
    );
    let destructive: Vec<_> = plan.changes.iter().filter(|c| is_destructive(c.action)).collect();
    if !destructive.is_empty() {
        out.push_str("\nDestructive changes:\n");
        for change in destructive {
            out.push_str(&format!(
                "  {} {}: {}\n",
                change.addr,
                will(change.action),
                destructive_reason(plan, change)
            ));
        }
    }
    for (layer, changes) in by_layer(plan) {
        out.push_str(&format!("\n{}:\n", layer.name()));
        let mut lines = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            if i > 0 {
                lines.push(Line::blank());
            }
            lines.extend(resource_lines(change));
        }
        out.push_str(&print_lines(&lines, Flavor::Plain));
    }
    let outputs = changing_outputs(plan);
    if !outputs.is_empty() {
        out.push_str("\noutputs:\n");
        let lines = outputs_lines(&outputs);
        out.push_str(&print_lines(&lines, Flavor::Plain));
    }
    out
}

fn markdown(from_env: &str, to_env: &str, plan: &Plan) -> String {
    let mut out = format!(
        "## Promotion of {}: {} → {}\n\nConfiguration revision {}. {}\n\n",
        code(&plan.stack),
        code(from_env),
        code(to_env),
        code(revision(plan)),
        crate::markdown::text(&headline(from_env, to_env, plan))
    );
    let destructive: Vec<_> = plan.changes.iter().filter(|c| is_destructive(c.action)).collect();
    if !destructive.is_empty() {
        out.push_str("> [!CAUTION]\n> Destructive changes:\n");
        for change in destructive {
            out.push_str(&format!(
                "> - {} {}: {}\n",
                code(&change.addr.to_string()),
                will(change.action),
                crate::markdown::text(&destructive_reason(plan, change))
            ));
        }
        out.push('\n');
    }
    plan_details(plan, &mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
