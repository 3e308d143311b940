//! Diagnostics with the offending source line and a caret.

use strata_core::{Diagnostic, Diagnostics, Severity};

use crate::style;

pub fn print(diags: &Diagnostics) {
    eprint!("{}", render(diags));
}

pub fn render(diags: &Diagnostics) -> String {
    let mut out = String::new();
    for d in &diags.0 {
        out.push_str(&render_one(d));
        out.push('\n');
    }
    out
}

fn render_one(d: &Diagnostic) -> String {
    let label = match d.severity {
        Severity::Error => style::error_label(),
        Severity::Warning => style::yellow("warning:"),
    };
    let mut s = format!("{label} {}\n", style::bold(&d.summary));
    if let Some(loc) = &d.loc {
        s.push_str(&format!("  {} {loc}\n", style::dim("-->")));
        if let Some(line) = std::fs::read_to_string(&loc.file).ok().and_then(|text| {
            text.lines()
                .nth(loc.line.saturating_sub(1) as usize)
                .map(str::to_string)
        }) {
            let num = loc.line.to_string();
            let pad = " ".repeat(num.len());
            s.push_str(&format!("  {pad} {}\n", style::dim("|")));
            s.push_str(&format!("  {} {} {line}\n", style::dim(&num), style::dim("|")));
            let caret_pad: String = line
                .chars()
                .take(loc.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            s.push_str(&format!(
                "  {pad} {} {caret_pad}{}\n",
                style::dim("|"),
                style::red("^")
            ));
        }
    }
    if let Some(detail) = &d.detail {
        for l in detail.lines() {
            s.push_str(&format!("  {l}\n"));
        }
    }
    if let Some(h) = &d.hint {
        s.push_str(&format!("  {} {h}\n", style::hint_label()));
    }
    s
}
