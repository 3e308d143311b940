//! One resource change as lines, OpenTofu's way:
//!
//! ```text
//!   # module.network.nsg["app"] will be updated in-place
//!   ~ Microsoft.Network/networkSecurityGroups "nsg-shop-dev-app"
//!       ~ properties.securityRules["allow-https"]
//!           ~ properties.priority = 200 -> 210
//! ```
//!
//! A move with nothing else to do is one comment line; an import says so; reasons, the
//! soft-delete step and problems come between the title and the properties.

use strata_engine::{Action, ResourceChange, Shown};

use super::WIDTH;
use super::line::{Line, Mark, Role, wrap_prose};
use super::tree::{Node, build, display};
use super::values::{key, layout, quote, shown_inline};

/// Where a resource's header marker sits; its properties go [`STEP`] further.
pub(crate) const TOP: usize = 2;
/// Indentation added per level.
pub(crate) const STEP: usize = 4;
/// Paths longer than this do not widen the `=` column of their siblings.
const ALIGN_MAX: usize = 48;

pub(crate) fn action_mark(action: Action) -> Mark {
    match action {
        Action::NoOp => Mark::None,
        Action::Create => Mark::Create,
        Action::Update => Mark::Update,
        Action::Replace => Mark::Replace,
        Action::Delete => Mark::Delete,
    }
}

/// "will be created", … as OpenTofu words it.
pub(crate) fn title(change: &ResourceChange) -> &'static str {
    match change.action {
        Action::NoOp if change.importing => "will be imported",
        Action::NoOp => "is unchanged",
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be destroyed",
    }
}

/// True when a plan shows this change: it does something, moves, imports or has a problem.
pub(crate) fn is_shown(change: &ResourceChange) -> bool {
    change.action != Action::NoOp
        || change.moved_from.is_some()
        || change.importing
        || change.problem.is_some()
}

/// `# text` at `indent`, wrapped.
pub(crate) fn comment(indent: usize, text: &str, out: &mut Vec<Line>) {
    let room = WIDTH.saturating_sub(indent + 4);
    for (i, part) in wrap_prose(text, room).into_iter().enumerate() {
        let lead = if i == 0 { "" } else { "  " };
        out.push(Line::with_role(
            indent,
            Mark::Comment,
            Role::Comment,
            format!("{lead}{part}"),
        ));
    }
}

/// The lines of one resource change.
pub fn resource_lines(change: &ResourceChange) -> Vec<Line> {
    let mut out = Vec::new();
    let addr = change.addr.to_string();
    let pure_move = change.action == Action::NoOp && !change.importing && change.problem.is_none();
    if let Some(from) = &change.moved_from
        && pure_move
    {
        comment(TOP, &format!("{from} has moved to {addr}"), &mut out);
        return out;
    }
    let head = format!("{addr} {}", title(change));
    if TOP + 2 + head.chars().count() <= WIDTH {
        out.push(
            Line::with_role(TOP, Mark::Comment, Role::Strong, addr.clone())
                .push(Role::Comment, format!(" {}", title(change))),
        );
    } else {
        comment(TOP, &head, &mut out);
    }
    if let Some(from) = &change.moved_from {
        comment(TOP, &format!("(moved from {from})"), &mut out);
    }
    if change.importing && change.action != Action::NoOp {
        comment(TOP, "(imported from Azure first)", &mut out);
    }
    for reason in &change.reasons {
        comment(TOP, &format!("({})", one_line(reason)), &mut out);
    }
    if let Some(step) = change.soft_delete {
        comment(TOP, &format!("note: {}", step.describe()), &mut out);
    }
    out.push(Line::new(
        TOP,
        action_mark(change.action),
        format!("{} {}", change.resource_type, quote(change.id.name())),
    ));
    let inner = TOP + STEP;
    if let Some(problem) = &change.problem {
        prose(
            inner,
            Mark::Problem,
            Role::Danger,
            "error: ",
            &problem.message(),
            &mut out,
        );
        prose(inner, Mark::None, Role::Plain, "hint: ", problem.hint(), &mut out);
    }
    if change.action == Action::Delete || change.importing {
        let id = Shown::Known(serde_json::Value::String(change.id.to_string()));
        value_lines(inner, Mark::None, "id = ", &id, "", false, &mut out);
    }
    nodes(&build(&change.changes), inner, &mut out);
    out
}

/// `label` and prose at `indent` with `mark` on the first line, wrapped, continuation lines
/// aligned after the label.
fn prose(indent: usize, mark: Mark, role: Role, label: &str, text: &str, out: &mut Vec<Line>) {
    let pad = " ".repeat(label.chars().count());
    let room = WIDTH.saturating_sub(indent + 2 + pad.len());
    for (i, part) in wrap_prose(&one_line(text), room).into_iter().enumerate() {
        let line = if i == 0 {
            Line::with_role(indent, mark, role, format!("{label}{part}"))
        } else {
            Line::with_role(indent, mark, role, format!("{pad}{part}")).cont()
        };
        out.push(line);
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// Lines for sibling nodes at `indent`, `=` aligned across their leaves.
pub(crate) fn nodes(list: &[Node], indent: usize, out: &mut Vec<Line>) {
    let width = list
        .iter()
        .filter_map(|n| match n {
            Node::Leaf { path, .. } => Some(display(path).chars().count()),
            _ => None,
        })
        .filter(|w| *w <= ALIGN_MAX)
        .max()
        .unwrap_or(0);
    for node in list {
        node_lines(node, indent, width, out);
    }
}

fn force_suffix(force: bool) -> &'static str {
    if force { "   # forces replacement" } else { "" }
}

fn node_lines(node: &Node, indent: usize, width: usize, out: &mut Vec<Line>) {
    let mark = node.mark();
    match node {
        Node::Item { value, .. } => {
            value_lines(indent, mark, "", &Shown::Known(value.clone()), "", false, out);
        }
        Node::Group {
            path,
            children,
            force,
            ..
        } => {
            out.push(header(indent, mark, &display(path), *force));
            nodes(children, indent + STEP, out);
        }
        Node::Leaf {
            path,
            before,
            after,
            force,
        } => {
            let path = format!("{:width$}", display(path));
            let lead = format!("{path} = ");
            match mark {
                Mark::Create => value_lines(indent, mark, &lead, after, "", *force, out),
                Mark::Delete => value_lines(indent, mark, &lead, before, " -> null", *force, out),
                _ => {
                    let one = format!("{lead}{} -> {}", shown_inline(before), shown_inline(after));
                    let end = force_suffix(*force).chars().count();
                    if indent + 2 + one.chars().count() + end <= WIDTH {
                        out.push(header(indent, mark, &one, *force));
                    } else {
                        // Too long for one line: the old and the new value each on their own.
                        out.push(header(indent, mark, path.trim_end(), *force));
                        value_lines(indent + STEP, Mark::Delete, "", before, "", false, out);
                        value_lines(indent + STEP, Mark::Create, "", after, "", false, out);
                    }
                }
            }
        }
    }
}

fn header(indent: usize, mark: Mark, text: &str, force: bool) -> Line {
    let line = Line::new(indent, mark, text);
    if force {
        line.push(Role::Danger, force_suffix(true))
    } else {
        line
    }
}

/// `lead` then `value`, wrapped to the width, then `tail` and, when `force`, the
/// `# forces replacement` note on the last line. Continuation lines keep the indentation of
/// the text.
pub(crate) fn value_lines(
    indent: usize,
    mark: Mark,
    lead: &str,
    value: &Shown,
    tail: &str,
    force: bool,
    out: &mut Vec<Line>,
) {
    let room = WIDTH.saturating_sub(indent + 2);
    let end = tail.chars().count() + force_suffix(force).chars().count();
    let first = room.saturating_sub(lead.chars().count() + end);
    let lines = layout(value, first, room.saturating_sub(end));
    let count = lines.len();
    for (i, text) in lines.into_iter().enumerate() {
        let mut line = if i == 0 {
            Line::new(indent, mark, format!("{lead}{text}"))
        } else {
            Line::new(indent, mark, text).cont()
        };
        if i + 1 == count {
            if !tail.is_empty() {
                line = line.push(Role::Plain, tail);
            }
            if force {
                line = line.push(Role::Danger, force_suffix(true));
            }
        }
        out.push(line);
    }
}

/// An output's change as lines at `indent`, its name padded to `width`.
pub(crate) fn output_lines(
    name: &str,
    width: usize,
    action: Action,
    before: &Shown,
    after: &Shown,
    indent: usize,
) -> Vec<Line> {
    let name = &format!("{:width$}", key(name));
    let mut out = Vec::new();
    let mark = action_mark(action);
    match (before, after) {
        (Shown::Absent, after) => value_lines(
            indent,
            Mark::Create,
            &format!("{name} = "),
            after,
            "",
            false,
            &mut out,
        ),
        (before, Shown::Absent) => value_lines(
            indent,
            Mark::Delete,
            &format!("{name} = "),
            before,
            " -> null",
            false,
            &mut out,
        ),
        (before, after) => {
            let one = format!("{name} = {} -> {}", shown_inline(before), shown_inline(after));
            if indent + 2 + one.chars().count() <= WIDTH {
                out.push(Line::new(indent, mark, one));
            } else {
                out.push(Line::new(indent, mark, name.trim_end()));
                value_lines(indent + STEP, Mark::Delete, "", before, "", false, &mut out);
                value_lines(indent + STEP, Mark::Create, "", after, "", false, &mut out);
            }
        }
    }
    out
}
