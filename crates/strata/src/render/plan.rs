//! Plans rendered like OpenTofu: `+ ~ - -/+` per resource, per-property old → new,
//! "(known after apply)", `<sensitive>`, and the summary line.

use std::fmt::Write as _;

use strata_engine::{Action, Plan, ResourceChange, Shown};

use super::value::{shown, shown_block};
use crate::style;

fn colour_symbol(action: Action, s: &str) -> String {
    match action {
        Action::Create => style::green(s),
        Action::Update => style::yellow(s),
        Action::Replace | Action::Delete => style::red(s),
        Action::NoOp => s.to_string(),
    }
}

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let drifted: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.drifted).collect();
    if !drifted.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style::bold("Note: objects have changed outside of strata")
        );
        let _ = writeln!(out);
        for c in &drifted {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                style::yellow("!"),
                style::bold(&c.addr.to_string()),
                c.reasons.join("; ")
            );
        }
        let _ = writeln!(out);
    }
    let changes: Vec<&ResourceChange> = plan.changes.iter().filter(|c| c.action != Action::NoOp).collect();
    let output_changes: Vec<_> = plan.outputs.iter().filter(|o| o.action != Action::NoOp).collect();
    if changes.is_empty() && output_changes.is_empty() {
        let _ = writeln!(
            out,
            "{} Your infrastructure matches the configuration.",
            style::green(&style::bold("No changes."))
        );
        return out;
    }
    if !changes.is_empty() {
        let _ = writeln!(out, "strata will perform the following actions:");
        let _ = writeln!(out);
        for c in &changes {
            render_change(&mut out, c);
            let _ = writeln!(out);
        }
    }
    let s = plan.summary();
    let _ = writeln!(
        out,
        "{} {} to add, {} to change, {} to destroy.",
        style::bold("Plan:"),
        s.add,
        s.change,
        s.destroy
    );
    if !output_changes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Changes to Outputs:");
        for o in output_changes {
            let sym = colour_symbol(o.action, o.action.symbol());
            match o.action {
                Action::Create => {
                    let _ = writeln!(out, "  {sym} {} = {}", o.name, shown(&o.after));
                }
                Action::Delete => {
                    let _ = writeln!(out, "  {sym} {} = {} -> null", o.name, shown(&o.before));
                }
                _ => {
                    let _ = writeln!(
                        out,
                        "  {sym} {} = {} -> {}",
                        o.name,
                        shown(&o.before),
                        shown(&o.after)
                    );
                }
            }
        }
    }
    out
}

fn render_change(out: &mut String, c: &ResourceChange) {
    let what = match c.action {
        Action::Create => "will be created".to_string(),
        Action::Update => "will be updated in-place".to_string(),
        Action::Replace => "must be replaced".to_string(),
        Action::Delete => "will be destroyed".to_string(),
        Action::NoOp => "is unchanged".to_string(),
    };
    let _ = write!(
        out,
        "  {} {} {}",
        style::dim("#"),
        style::bold(&c.addr.to_string()),
        what
    );
    if !c.reasons.is_empty() {
        let _ = write!(out, " {}", style::dim(&format!("({})", c.reasons.join("; "))));
    }
    let _ = writeln!(out);
    let sym = colour_symbol(c.action, c.action.symbol());
    let _ = writeln!(out, "  {sym} {} {:?} {{", c.resource_type, c.id.name());
    let width = c.changes.iter().map(|p| p.path.len()).max().unwrap_or(0).max(2);
    let _ = writeln!(
        out,
        "        {:width$} = {:?}",
        "id",
        c.id.as_str(),
        width = width
    );
    if c.action == Action::Delete {
        let _ = writeln!(out, "    }}");
        return;
    }
    for p in &c.changes {
        let line = if p.before == Shown::Absent {
            format!(
                "{} {:width$} = {}",
                style::green("+"),
                p.path,
                shown_block(&p.after, 8),
                width = width
            )
        } else {
            format!(
                "{} {:width$} = {} -> {}",
                style::yellow("~"),
                p.path,
                shown(&p.before),
                shown(&p.after),
                width = width
            )
        };
        let force = if p.forces_replacement {
            format!(" {}", style::red("# forces replacement"))
        } else {
            String::new()
        };
        let _ = writeln!(out, "      {line}{force}");
    }
    let _ = writeln!(out, "    }}");
}
