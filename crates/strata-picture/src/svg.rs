//! The picture as SVG, laid out here: bands top to bottom across the page; a network as a box
//! of subnet columns, each column holding what is injected into that subnet; other nodes in
//! rows; edges as curves between boxes (dashed for diagnostics, heavy for what the edge
//! serves); the fill of a box says what the plan does to it, with a legend.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::dot::colours;
use crate::escape_xml as esc;
use crate::model::{Change, EdgeKind, Picture, VnetBox};

const WIDTH: f64 = 1280.0;
const MARGIN: f64 = 24.0;
const TITLE: f64 = 40.0;
const BAND_HEAD: f64 = 30.0;
const PAD: f64 = 14.0;
const GAP: f64 = 16.0;
const NODE_W: f64 = 180.0;
const NODE_H: f64 = 48.0;
const BOX_HEAD: f64 = 24.0;

#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Shortens a label to fit a box.
fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

struct Layout<'p> {
    p: &'p Picture,
    out: String,
    boxes: BTreeMap<usize, Rect>,
}

impl Layout<'_> {
    fn node(&mut self, n: usize, x: f64, y: f64) {
        let node = &self.p.nodes[n];
        let (fill, stroke) = colours(node.change);
        let _ = writeln!(
            self.out,
            "<g class=\"node\" data-addr=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"#1f2328\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#57606a\">{}</text></g>",
            esc(&node.addr),
            x + 10.0,
            y + 20.0,
            esc(&fit(&node.label, 22)),
            x + 10.0,
            y + 37.0,
            esc(&fit(&node.kind, 28)),
        );
        self.boxes.insert(
            n,
            Rect {
                x,
                y,
                w: NODE_W,
                h: NODE_H,
            },
        );
    }

    /// Subnet columns, wrapped into rows that fit `room`; returns the network's size.
    fn vnet_size(v: &VnetBox, room: f64) -> (Vec<Vec<usize>>, f64, f64) {
        let col_w = NODE_W + 2.0 * PAD;
        let per_row = (((room - 2.0 * PAD + GAP) / (col_w + GAP)).floor() as usize).max(1);
        let rows: Vec<Vec<usize>> = (0..v.subnets.len())
            .collect::<Vec<_>>()
            .chunks(per_row)
            .map(<[usize]>::to_vec)
            .collect();
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0).max(1) as f64;
        let w = 2.0 * PAD + cols * col_w + (cols - 1.0) * GAP;
        let mut h = BOX_HEAD + PAD;
        for row in &rows {
            let deepest = row
                .iter()
                .map(|&s| v.subnets[s].members.len())
                .max()
                .unwrap_or(0)
                .max(1) as f64;
            h += BOX_HEAD + deepest * (NODE_H + GAP) - GAP + 2.0 * PAD + GAP;
        }
        (rows, w, h.max(BOX_HEAD + 2.0 * PAD))
    }

    fn vnet(&mut self, v: &VnetBox, x: f64, y: f64, room: f64) -> f64 {
        let (rows, w, h) = Layout::vnet_size(v, room);
        let vn = &self.p.nodes[v.node];
        let (_, stroke) = colours(vn.change);
        let _ = writeln!(
            self.out,
            "<g class=\"vnet\" data-addr=\"{}\"><rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"8\" fill=\"#eef6ff\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\" font-weight=\"bold\" fill=\"#0a3069\">{} · virtual network</text></g>",
            esc(&vn.addr),
            x + 10.0,
            y + 17.0,
            esc(&fit(&vn.label, 40))
        );
        self.boxes.insert(v.node, Rect { x, y, w, h: BOX_HEAD });
        let col_w = NODE_W + 2.0 * PAD;
        let mut sy = y + BOX_HEAD + PAD;
        for row in rows {
            let deepest = row
                .iter()
                .map(|&s| v.subnets[s].members.len())
                .max()
                .unwrap_or(0)
                .max(1) as f64;
            let sh = BOX_HEAD + deepest * (NODE_H + GAP) - GAP + 2.0 * PAD;
            for (c, &si) in row.iter().enumerate() {
                let s = &v.subnets[si];
                let sx = x + PAD + c as f64 * (col_w + GAP);
                let sn = &self.p.nodes[s.node];
                let (_, stroke) = colours(sn.change);
                let _ = writeln!(
                    self.out,
                    "<g class=\"subnet\" data-addr=\"{}\"><rect x=\"{sx}\" y=\"{sy}\" width=\"{col_w}\" height=\"{sh}\" rx=\"6\" fill=\"#ffffff\" stroke=\"{stroke}\" stroke-dasharray=\"5 3\"/>\
                     <text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#0a3069\">subnet {}</text></g>",
                    esc(&sn.addr),
                    sx + 8.0,
                    sy + 16.0,
                    esc(&fit(&sn.label, 22))
                );
                self.boxes.insert(
                    s.node,
                    Rect {
                        x: sx,
                        y: sy,
                        w: col_w,
                        h: sh,
                    },
                );
                for (k, m) in s.members.iter().enumerate() {
                    self.node(*m, sx + PAD, sy + BOX_HEAD + PAD + k as f64 * (NODE_H + GAP));
                }
            }
            sy += sh + GAP;
        }
        h
    }

    fn edges(&mut self) {
        for e in &self.p.edges {
            let (Some(a), Some(b)) = (self.boxes.get(&e.from), self.boxes.get(&e.to)) else {
                continue;
            };
            let (x1, y1, x2, y2) = if b.y > a.y + a.h {
                (a.x + a.w / 2.0, a.y + a.h, b.x + b.w / 2.0, b.y)
            } else if a.y > b.y + b.h {
                (a.x + a.w / 2.0, a.y, b.x + b.w / 2.0, b.y + b.h)
            } else if b.x > a.x {
                (a.x + a.w, a.y + a.h / 2.0, b.x, b.y + b.h / 2.0)
            } else {
                (a.x, a.y + a.h / 2.0, b.x + b.w, b.y + b.h / 2.0)
            };
            let my = f64::midpoint(y1, y2);
            let (style, colour) = match e.kind {
                EdgeKind::Diagnostics => ("stroke-dasharray=\"4 4\" stroke-width=\"1\"", "#8250df"),
                EdgeKind::Serves => ("stroke-width=\"2.5\"", "#0969da"),
                EdgeKind::Uses => ("stroke-width=\"1\"", "#6e7781"),
            };
            let _ = writeln!(
                self.out,
                "<path class=\"edge {:?}\" d=\"M{x1},{y1} C{x1},{my} {x2},{my} {x2},{y2}\" fill=\"none\" stroke=\"{colour}\" {style} opacity=\"0.8\" marker-end=\"url(#arrow)\"/>",
                e.kind
            );
        }
    }
}

pub fn svg(p: &Picture) -> String {
    let mut l = Layout {
        p,
        out: String::new(),
        boxes: BTreeMap::new(),
    };
    let room = WIDTH - 2.0 * MARGIN - 2.0 * PAD;
    let per_row = (((room + GAP) / (NODE_W + GAP)).floor() as usize).max(1);
    let mut y = MARGIN + TITLE;
    for band in &p.bands {
        let top = y;
        let mut cy = y + BAND_HEAD;
        let mut body = std::mem::take(&mut l.out);
        for v in &band.vnets {
            let h = l.vnet(v, MARGIN + PAD, cy, room);
            cy += h + GAP;
        }
        for (i, row) in band.nodes.chunks(per_row).enumerate() {
            let ry = cy + i as f64 * (NODE_H + GAP);
            for (c, n) in row.iter().enumerate() {
                l.node(*n, MARGIN + PAD + c as f64 * (NODE_W + GAP), ry);
            }
        }
        let rows = band.nodes.len().div_ceil(per_row) as f64;
        if rows > 0.0 {
            cy += rows * (NODE_H + GAP);
        }
        let h = cy - top + PAD - GAP;
        let inner = std::mem::take(&mut l.out);
        let _ = writeln!(
            body,
            "<g class=\"band\" data-layer=\"{}\"><rect x=\"{MARGIN}\" y=\"{top}\" width=\"{}\" height=\"{h}\" rx=\"10\" fill=\"#f6f8fa\" stroke=\"#d0d7de\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\" fill=\"#57606a\">{}</text></g>",
            band.title,
            WIDTH - 2.0 * MARGIN,
            MARGIN + PAD,
            top + 20.0,
            esc(band.title)
        );
        body.push_str(&inner);
        l.out = body;
        y = top + h + GAP;
    }
    l.edges();
    if p.has_changes() {
        let mut x = MARGIN;
        for c in [
            Change::Create,
            Change::Update,
            Change::Replace,
            Change::Delete,
            Change::Unchanged,
        ] {
            let (fill, stroke) = colours(Some(c));
            let _ = writeln!(
                l.out,
                "<g class=\"legend\"><rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"14\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#1f2328\">{}</text></g>",
                x + 24.0,
                y + 12.0,
                c.name()
            );
            x += 120.0;
        }
        y += 24.0;
    }
    let height = y + MARGIN;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#6e7781\"/></marker></defs>\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n\
         <text x=\"{MARGIN}\" y=\"{}\" font-size=\"18\" font-weight=\"bold\" fill=\"#1f2328\">{}</text>\n{}</svg>\n",
        MARGIN + 22.0,
        esc(&p.title),
        l.out
    )
}
