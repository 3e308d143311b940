//! The pull-request plan report: one markdown comment for every environment of a stack.
//!
//! Layout, top to bottom: the marker line (so a pipeline finds and updates its previous
//! comment), a summary table with a row per environment, every destructive change of every
//! environment with its reason, then each environment's changes grouped by layer inside
//! collapsed `<details>` blocks. The output depends only on the plans given: no clock, no
//! randomness, so re-running a pipeline on the same commit rewrites the same comment.

mod section;

use strata_engine::{Action, Plan};

use crate::markdown::{code, fence, text};
use crate::render::{destructive_reason, is_destructive, summary_line};

pub(crate) use section::plan_details;

/// One environment's outcome: its plan, or why planning it failed.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvPlan {
    pub environment: String,
    /// The error message when planning this environment failed.
    pub plan: Result<Plan, String>,
    /// The estate as a Mermaid flowchart (strata-picture), shown folded under the plan.
    pub picture: Option<String>,
}

impl EnvPlan {
    /// An environment that planned; its name is the plan's.
    pub fn planned(plan: Plan) -> EnvPlan {
        EnvPlan {
            environment: plan.environment.clone(),
            plan: Ok(plan),
            picture: None,
        }
    }

    /// With the estate's picture (Mermaid), which the pull request renders.
    pub fn with_picture(mut self, mermaid: Option<String>) -> EnvPlan {
        self.picture = mermaid;
        self
    }

    /// An environment whose plan failed with `error`.
    pub fn failed(environment: &str, error: impl Into<String>) -> EnvPlan {
        EnvPlan {
            environment: environment.to_string(),
            plan: Err(error.into()),
            picture: None,
        }
    }
}

/// The first line of every report for `stack`. Pipelines search comments for it.
pub fn report_marker(stack: &str) -> String {
    // `--` would end the HTML comment early; stack names never hold it, but be safe.
    format!("<!-- strata-plan-report: {} -->", stack.replace("--", "-"))
}

/// The report's title line, right after the marker.
pub(crate) fn report_title(stack: &str) -> String {
    format!("## strata plan for {}", code(stack))
}

/// The markdown report for `stack` over `plans` (in promotion order).
pub fn markdown_report(stack: &str, plans: &[EnvPlan]) -> String {
    let mut out = String::new();
    out.push_str(&report_marker(stack));
    out.push('\n');
    out.push_str(&report_title(stack));
    out.push_str("\n\n");
    summary_table(plans, &mut out);
    destructive_block(plans, &mut out);
    for env in plans {
        environment_section(env, &mut out);
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

fn summary_table(plans: &[EnvPlan], out: &mut String) {
    out.push_str("| Environment | Result | To add | To change | To destroy |\n");
    out.push_str("| :-- | :-- | --: | --: | --: |\n");
    for env in plans {
        let name = code(&env.environment);
        match &env.plan {
            Err(_) => out.push_str(&format!("| {name} | :x: plan failed | – | – | – |\n")),
            Ok(plan) => {
                let s = plan.summary();
                let destructive = plan.changes.iter().filter(|c| is_destructive(c.action)).count();
                let problems = plan.problems().count();
                let result = if problems > 0 {
                    format!(
                        ":no_entry: cannot apply ({problems} {})",
                        if problems == 1 { "problem" } else { "problems" }
                    )
                } else if destructive > 0 {
                    format!(":warning: {destructive} destructive")
                } else if plan.has_changes() {
                    ":large_blue_circle: changes".to_string()
                } else {
                    ":white_check_mark: no changes".to_string()
                };
                out.push_str(&format!(
                    "| {name} | {result} | {} | {} | {} |\n",
                    s.add, s.change, s.destroy
                ));
            }
        }
    }
    out.push('\n');
}

/// Every delete and replace, first thing after the table, so no reviewer misses one.
fn destructive_block(plans: &[EnvPlan], out: &mut String) {
    let mut items = Vec::new();
    for env in plans {
        let Ok(plan) = &env.plan else { continue };
        for change in plan.changes.iter().filter(|c| is_destructive(c.action)) {
            items.push(format!(
                "> - {} · {} will be **{}**: {}",
                code(&env.environment),
                code(&change.addr.to_string()),
                if change.action == Action::Replace {
                    "replaced"
                } else {
                    "destroyed"
                },
                text(&destructive_reason(plan, change))
            ));
        }
    }
    if items.is_empty() {
        return;
    }
    let noun = if items.len() == 1 { "change" } else { "changes" };
    out.push_str(&format!(
        "> [!CAUTION]\n> **{} destructive {noun}**: deleted, or deleted and created again.\n",
        items.len()
    ));
    for item in items {
        out.push_str(&item);
        out.push('\n');
    }
    out.push('\n');
}

fn environment_section(env: &EnvPlan, out: &mut String) {
    let name = code(&env.environment);
    match &env.plan {
        Err(error) => {
            out.push_str(&format!("### {name}: plan failed\n\n"));
            out.push_str(&fence("text", error));
            out.push('\n');
        }
        Ok(plan) if !plan.has_changes() && plan.problems().next().is_none() => {
            out.push_str(&format!("### {name}: no changes\n\n"));
            section::notices(plan, out);
            out.push_str("The infrastructure matches the configuration.\n\n");
        }
        Ok(plan) => {
            let kind = if plan.destroy { "destroy plan, " } else { "" };
            out.push_str(&format!("### {name}: {kind}{}\n\n", summary_line(plan)));
            plan_details(plan, out);
        }
    }
    if let Some(picture) = &env.picture {
        out.push_str("<details><summary>The estate</summary>\n\n");
        out.push_str(&fence("mermaid", picture));
        out.push_str("\n</details>\n\n");
    }
}
