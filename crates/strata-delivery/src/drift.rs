//! Drift reports: what changed outside strata in an environment ([`DriftReport`], made by
//! strata-engine's `drift`), as terminal text ([`drift_text`]) and as markdown for an issue or
//! a scheduled run's summary ([`drift_markdown`], starting with [`drift_marker`] so a pipeline
//! can find and update its issue).

use strata_engine::drift::{ChangeRecord, DriftKind, DriftReport, DriftedResource};

use crate::markdown::{code, text};
use crate::render::refresh_line;
use crate::render::values::shown_inline;

/// The first line of a drift report: `<!-- strata-drift: STACK/ENV -->`.
pub fn drift_marker(stack: &str, environment: &str) -> String {
    format!("<!-- strata-drift: {stack}/{environment} -->")
}

fn who(c: &ChangeRecord) -> String {
    let mut s = String::new();
    let verb = match c.change_type.as_str() {
        "Delete" => "deleted",
        "Create" => "created",
        _ => "changed",
    };
    s.push_str(verb);
    if !c.changed_by.is_empty() {
        s.push_str(&format!(" by {}", c.changed_by));
    }
    if !c.client_type.is_empty() {
        s.push_str(&format!(" with {}", c.client_type));
    }
    s.push_str(&format!(" at {}", c.at));
    if !c.operation.is_empty() {
        s.push_str(&format!(" ({})", c.operation));
    }
    s
}

fn heading(r: &DriftedResource) -> String {
    match r.kind {
        DriftKind::Deleted => "deleted outside strata".to_string(),
        DriftKind::Changed => {
            let n = r.properties.len();
            format!(
                "{n} {} changed outside strata",
                if n == 1 { "property" } else { "properties" }
            )
        }
    }
}

fn summary(report: &DriftReport) -> String {
    let n = report.resources.len();
    if n == 0 {
        format!(
            "No drift in {}: the {} resources strata manages are as it left them.",
            report.environment, report.checked
        )
    } else {
        format!(
            "Drift in {}: {n} of {} {} changed outside strata.",
            report.environment,
            report.checked,
            if report.checked == 1 {
                "resource"
            } else {
                "resources"
            }
        )
    }
}

/// The report for the terminal.
pub fn drift_text(report: &DriftReport) -> String {
    let mut out = String::new();
    if let Some(line) = report.refresh.as_ref().map(refresh_line) {
        out.push_str(&line);
        out.push_str("\n\n");
    }
    out.push_str(&summary(report));
    out.push('\n');
    for r in &report.resources {
        out.push_str(&format!("\n  {}  {}: {}\n", r.addr, r.id.name(), heading(r)));
        for p in &r.properties {
            out.push_str(&format!(
                "      {}: {} → {}\n",
                p.path,
                shown_inline(&p.recorded),
                shown_inline(&p.live)
            ));
        }
        match &r.change {
            Some(c) => out.push_str(&format!("      {}\n", who(c))),
            None if report.history_error.is_none() => {
                out.push_str("      Azure's change history has no record of who made this change.\n");
            }
            None => {}
        }
    }
    if let Some(e) = &report.history_error {
        out.push_str(&format!(
            "\nWho made these changes is unknown: Resource Graph's change history could not be read ({}).\n",
            e.replace(['\n', '\r'], " ")
        ));
    }
    if report.has_drift() {
        out.push_str(&format!(
            "\n`strata plan -e {}` shows what an apply would change back; change the configuration instead to keep what was changed.\n",
            report.environment
        ));
    }
    out
}

/// The report as markdown (an issue body, a pipeline summary).
pub fn drift_markdown(stack: &str, report: &DriftReport) -> String {
    let mut out = drift_marker(stack, &report.environment);
    out.push('\n');
    out.push_str(&format!("## strata drift in {}\n\n", code(&report.environment)));
    out.push_str(&text(&summary(report)));
    out.push_str("\n\n");
    if let Some(line) = report.refresh.as_ref().map(refresh_line) {
        out.push_str(&format!("<sub>{}</sub>\n\n", text(&line)));
    }
    if report.has_drift() {
        out.push_str("| Resource | What changed | Recorded by strata | In Azure now | Who and when |\n");
        out.push_str("| :-- | :-- | :-- | :-- | :-- |\n");
        for r in &report.resources {
            let credit = r
                .change
                .as_ref()
                .map(who)
                .unwrap_or_else(|| "unknown".to_string());
            let cell = |s: &str| text(s).replace('|', "\\|");
            if r.properties.is_empty() {
                out.push_str(&format!(
                    "| {} | {} | | | {} |\n",
                    code(&r.addr.to_string()),
                    cell(&heading(r)),
                    cell(&credit)
                ));
            }
            for p in &r.properties {
                out.push_str(&format!(
                    "| {} | {} | {} | {} | {} |\n",
                    code(&r.addr.to_string()),
                    code(&p.path),
                    code(&shown_inline(&p.recorded)),
                    code(&shown_inline(&p.live)),
                    cell(&credit)
                ));
            }
        }
        out.push('\n');
        if let Some(e) = &report.history_error {
            out.push_str(&format!(
                "Who made these changes is unknown: Resource Graph's change history could not be read ({}).\n\n",
                text(e)
            ));
        }
    }
    out
}
