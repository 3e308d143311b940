//! The picture in Graphviz's DOT: bands and networks as clusters, changes as fill colours.

use std::fmt::Write as _;

use crate::model::{Change, EdgeKind, Picture};

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub(crate) fn colours(change: Option<Change>) -> (&'static str, &'static str) {
    match change {
        Some(Change::Create) => ("#d7f5dd", "#2da44e"),
        Some(Change::Update) => ("#fff4cc", "#bf8700"),
        Some(Change::Replace) => ("#ffe1cc", "#d1570f"),
        Some(Change::Delete) => ("#ffd7d5", "#cf222e"),
        Some(Change::Unchanged) | None => ("#ffffff", "#57606a"),
    }
}

pub fn dot(p: &Picture) -> String {
    let mut out = format!(
        "digraph {} {{\n  rankdir=TB;\n  compound=true;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n  label={};\n",
        quote("estate"),
        quote(&p.title)
    );
    let node = |out: &mut String, n: usize, pad: &str| {
        let node = &p.nodes[n];
        let (fill, stroke) = colours(node.change);
        let _ = writeln!(
            out,
            "{pad}n{n} [label={}, fillcolor=\"{fill}\", color=\"{stroke}\"];",
            quote(&format!("{}\n{}", node.label, node.kind))
        );
    };
    for (b, band) in p.bands.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph cluster_b{b} {{\n    label={};\n    style=filled; fillcolor=\"#f6f8fa\";",
            quote(band.title)
        );
        for v in &band.vnets {
            let vn = &p.nodes[v.node];
            let _ = writeln!(
                out,
                "    subgraph cluster_n{} {{\n      label={}; style=\"rounded\";",
                v.node,
                quote(&format!("{} · {}", vn.label, vn.kind))
            );
            for s in &v.subnets {
                let _ = writeln!(
                    out,
                    "      subgraph cluster_n{} {{\n        label={}; style=\"dashed\";",
                    s.node,
                    quote(&format!("subnet {}", p.nodes[s.node].label))
                );
                let _ = writeln!(out, "        n{} [shape=point, style=invis];", s.node);
                for m in &s.members {
                    node(&mut out, *m, "        ");
                }
                out.push_str("      }\n");
            }
            out.push_str("    }\n");
        }
        for n in &band.nodes {
            node(&mut out, *n, "    ");
        }
        out.push_str("  }\n");
    }
    for e in &p.edges {
        let style = match e.kind {
            EdgeKind::Diagnostics => "[style=dashed, label=\"diagnostics\"]",
            EdgeKind::Serves => "[penwidth=2, label=\"serves\"]",
            EdgeKind::Uses => "",
        };
        let _ = writeln!(out, "  n{} -> n{} {style};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}
