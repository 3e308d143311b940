//! The picture as a Mermaid flowchart: bands and networks as subgraphs, changes as classes.
//! GitHub and Azure DevOps render it in markdown (```` ```mermaid ````).

use std::fmt::Write as _;

use crate::model::{Change, EdgeKind, Picture};

/// Mermaid labels are quoted: quotes and angle brackets become entities.
fn label(s: &str) -> String {
    s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;")
}

pub fn mermaid(p: &Picture) -> String {
    let mut out = String::from("flowchart TB\n");
    let node = |out: &mut String, n: usize, pad: &str| {
        let node = &p.nodes[n];
        let _ = writeln!(
            out,
            "{pad}n{n}[\"{}<br/><small>{}</small>\"]",
            label(&node.label),
            label(&node.kind)
        );
    };
    for (b, band) in p.bands.iter().enumerate() {
        let _ = writeln!(out, "  subgraph b{b}[\"{}\"]", band.title);
        for v in &band.vnets {
            let vn = &p.nodes[v.node];
            let _ = writeln!(
                out,
                "    subgraph n{}[\"{} · {}\"]",
                v.node,
                label(&vn.label),
                vn.kind
            );
            for s in &v.subnets {
                let sn = &p.nodes[s.node];
                let _ = writeln!(out, "      subgraph n{}[\"subnet {}\"]", s.node, label(&sn.label));
                if s.members.is_empty() {
                    let _ = writeln!(out, "        n{}_empty[\" \"]:::empty", s.node);
                }
                for m in &s.members {
                    node(&mut out, *m, "        ");
                }
                out.push_str("      end\n");
            }
            out.push_str("    end\n");
        }
        for n in &band.nodes {
            node(&mut out, *n, "    ");
        }
        out.push_str("  end\n");
    }
    for e in &p.edges {
        let arrow = match e.kind {
            EdgeKind::Diagnostics => "-. diagnostics .->",
            EdgeKind::Serves => "== serves ==>",
            EdgeKind::Uses => "-->",
        };
        let _ = writeln!(out, "  n{} {arrow} n{}", e.from, e.to);
    }
    out.push_str("  classDef empty fill:none,stroke:none\n");
    for (change, style) in [
        (Change::Create, "fill:#d7f5dd,stroke:#2da44e"),
        (Change::Update, "fill:#fff4cc,stroke:#bf8700"),
        (Change::Replace, "fill:#ffe1cc,stroke:#d1570f"),
        (Change::Delete, "fill:#ffd7d5,stroke:#cf222e"),
    ] {
        let members: Vec<String> = p
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.change == Some(change))
            .map(|(i, _)| format!("n{i}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  classDef {} {style}", change.name());
            let _ = writeln!(out, "  class {} {}", members.join(","), change.name());
        }
    }
    out
}
