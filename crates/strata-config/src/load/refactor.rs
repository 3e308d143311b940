//! Reading `moved`, `import` and `lifecycle` blocks: addresses written as bare references
//! (`module.network.subnet["app"]`, like OpenTofu) or as quoted strings, and body paths
//! (`tags`, `properties.sku`). Only their shape is checked here; whether the addresses exist
//! depends on the environment and is checked when evaluating.

use hcl_edit::Span;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Block;
use strata_core::{AddrSelector, PathStep, ResourceAddr};

use super::builder::Builder;
use super::decl::{ImportDecl, LifecycleDecl, MovedDecl};
use super::schema::{Attr, Reader, Schema};
use crate::source::{FileId, Place};

const ADDR_HINT: &str = "write an address like module.storage, module.network.subnet[\"app\"], resource.hub or resource.hub[\"a\"]";

/// The paths `ignore_changes` cannot name: they are not part of the body.
const NOT_IN_BODY: &[&str] = &["id", "name", "type"];

impl Builder {
    pub(super) fn moved_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        if !r.no_labels(b, file) {
            return;
        }
        let place = Place::of(file, b);
        let (mut attrs, _) = r.body(
            &b.body,
            file,
            "a moved block",
            &Schema {
                attrs: Some(&["from", "to"]),
                blocks: &[],
            },
        );
        let (from, to) = (attrs.remove("from"), attrs.remove("to"));
        let (Some(from), Some(to)) = (from, to) else {
            let d = r.error("a moved block needs both `from` and `to`", &place);
            d.hint = Some("write moved { from = module.storage  to = module.store }".into());
            return;
        };
        let (Some(from_sel), Some(to_sel)) = (selector(r, &from), selector(r, &to)) else {
            return;
        };
        if !from_sel.same_kind(&to_sel) {
            let d = r.error(
                format!(
                    "`{from_sel}` is {} but `{to_sel}` is {}: a moved block moves like to like",
                    kind(&from_sel),
                    kind(&to_sel)
                ),
                &to.value_place(),
            );
            d.hint = Some(
                "move a module block to a module block, every instance of a resource to a resource, or one instance to one instance"
                    .into(),
            );
            return;
        }
        if from_sel == to_sel {
            let d = r.error(format!("this moved block moves `{from_sel}` to itself"), &place);
            d.hint = Some("remove it, or name the new address in `to`".into());
            return;
        }
        self.moved.push(MovedDecl {
            place,
            from: from_sel,
            from_place: from.value_place(),
            to: to_sel,
            to_place: to.value_place(),
        });
    }

    pub(super) fn import_block(&mut self, r: &mut Reader<'_>, b: &Block, file: FileId) {
        if !r.no_labels(b, file) {
            return;
        }
        let place = Place::of(file, b);
        let (mut attrs, _) = r.body(
            &b.body,
            file,
            "an import block",
            &Schema {
                attrs: Some(&["to", "id"]),
                blocks: &[],
            },
        );
        let (to, id) = (attrs.remove("to"), attrs.remove("id"));
        let (Some(to), Some(id)) = (to, id) else {
            let d = r.error("an import block needs both `to` and `id`", &place);
            d.hint = Some(
                "write import { to = module.storage.account  id = \"/subscriptions/…/storageAccounts/…\" }"
                    .into(),
            );
            return;
        };
        let Some(sel) = selector(r, &to) else { return };
        let addr = match sel {
            AddrSelector::Instance(a) => a,
            AddrSelector::Resource { module, name } => ResourceAddr {
                module,
                name,
                key: None,
            },
            AddrSelector::Module(m) => {
                let d = r.error(
                    format!("`to` must name one resource, and `module.{m}` is a whole module block"),
                    &to.value_place(),
                );
                d.hint = Some(format!(
                    "name the resource of the module, like module.{m}.account; `strata plan` lists the addresses"
                ));
                return;
            }
        };
        self.imports.push(ImportDecl {
            place,
            to: addr,
            to_place: to.value_place(),
            id,
        });
    }
}

impl Builder {
    /// Checks the moved and import blocks against each other once every file is read: no
    /// address moved twice or into twice, no chains of moves, one import per address. The
    /// blocks in error are dropped so that evaluation does not report them again.
    pub(super) fn check_refactors(&mut self, r: &mut Reader<'_>) {
        let moved = std::mem::take(&mut self.moved);
        let mut bad = vec![false; moved.len()];
        for (i, m) in moved.iter().enumerate() {
            for (j, other) in moved.iter().enumerate().take(i) {
                let first = other.place.loc(r.sources);
                let (summary, place, hint) = if overlaps(&m.from, &other.from) {
                    (
                        format!("`{}` is already moved by another moved block", m.from),
                        &m.from_place,
                        "an address can move to one place only: keep one of the two blocks",
                    )
                } else if overlaps(&m.to, &other.to) {
                    (
                        format!("`{}` is already the destination of another moved block", m.to),
                        &m.to_place,
                        "two old addresses cannot become one: keep one of the two blocks",
                    )
                } else if overlaps(&m.to, &other.from) || overlaps(&m.from, &other.to) {
                    (
                        format!(
                            "moved blocks chain or loop: `{}` → `{}` and `{}` → `{}`",
                            other.from, other.to, m.from, m.to
                        ),
                        &m.place,
                        "chains of moves are not followed: move straight from the oldest address to the current one, and remove the other block",
                    )
                } else {
                    continue;
                };
                let d = r.error(summary, place);
                if let Some(first) = first {
                    d.detail = Some(format!("the other moved block is at {first}"));
                }
                d.hint = Some(hint.into());
                bad[i] = true;
                bad[j] = true;
            }
        }
        self.moved = moved
            .into_iter()
            .zip(bad)
            .filter_map(|(m, bad)| (!bad).then_some(m))
            .collect();

        let imports = std::mem::take(&mut self.imports);
        let mut kept: Vec<ImportDecl> = Vec::with_capacity(imports.len());
        for imp in imports {
            if let Some(first) = kept.iter().find(|k| k.to == imp.to) {
                let first = first.place.loc(r.sources);
                let d = r.error(format!("`{}` is imported twice", imp.to), &imp.to_place);
                if let Some(first) = first {
                    d.detail = Some(format!("the first import block is at {first}"));
                }
                d.hint = Some("an address holds one resource: keep one of the two import blocks".into());
                continue;
            }
            kept.push(imp);
        }
        self.imports = kept;
    }
}

/// Whether some address is named by both selectors.
fn overlaps(a: &AddrSelector, b: &AddrSelector) -> bool {
    use AddrSelector::{Instance, Module, Resource};
    let module_of = |s: &AddrSelector| match s {
        Module(m) => Some(m.clone()),
        Resource { module, .. } => module.clone(),
        Instance(addr) => addr.module.clone(),
    };
    match (a, b) {
        (Module(m), other) | (other, Module(m)) => module_of(other).as_deref() == Some(m.as_str()),
        (Resource { module, name }, Resource { module: m2, name: n2 }) => module == m2 && name == n2,
        (Resource { module, name }, Instance(addr)) | (Instance(addr), Resource { module, name }) => {
            &addr.module == module && &addr.name == name
        }
        (Instance(x), Instance(y)) => x == y,
    }
}

/// Reads the `lifecycle` blocks of a module or resource block (`what` names it).
pub(super) fn lifecycle(
    r: &mut Reader<'_>,
    blocks: &[&Block],
    file: FileId,
    what: &str,
) -> Option<LifecycleDecl> {
    let mut out: Option<LifecycleDecl> = None;
    for b in blocks {
        if !r.no_labels(b, file) {
            continue;
        }
        let place = Place::of(file, *b);
        if out.is_some() {
            let d = r.error(format!("{what} has more than one lifecycle block"), &place);
            d.hint = Some("merge them into one".into());
            continue;
        }
        let (attrs, _) = r.body(
            &b.body,
            file,
            "a lifecycle block",
            &Schema {
                attrs: Some(&["prevent_destroy", "ignore_changes"]),
                blocks: &[],
            },
        );
        let prevent_destroy = attrs.get("prevent_destroy").and_then(|a| r.constant_bool(a));
        let ignore_changes = attrs
            .get("ignore_changes")
            .map(|a| ignore_changes(r, a))
            .unwrap_or_default();
        out = Some(LifecycleDecl {
            place,
            prevent_destroy,
            ignore_changes,
        });
    }
    out
}

/// `ignore_changes = [tags, properties.sku, "properties.networkAcls"]`.
fn ignore_changes(r: &mut Reader<'_>, attr: &Attr) -> Vec<Vec<PathStep>> {
    let items: Vec<&Expression> = match &attr.expr {
        Expression::Array(items) => items.iter().collect(),
        Expression::Variable(v) if v.as_str() == "all" => {
            let d = r.error("`ignore_changes = all` is not supported", &attr.value_place());
            d.hint = Some(
                "list the paths of the body to ignore, like ignore_changes = [tags, properties.sku]".into(),
            );
            return Vec::new();
        }
        other => {
            let d = r.error(
                "`ignore_changes` must be a list of paths",
                &attr.place.with_span(other.span()),
            );
            d.hint = Some("write ignore_changes = [tags, properties.sku]".into());
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for item in items {
        let place = attr.place.with_span(item.span());
        let path = match item {
            Expression::String(s) => Some(strata_core::parse_path(s.value())),
            e => reference_path(e),
        };
        let Some(path) = path.filter(|p| !p.is_empty()) else {
            let d = r.error("this is not a path of the resource's body", &place);
            d.hint =
                Some("paths are relative to the ARM body, like tags, sku or properties.networkAcls".into());
            continue;
        };
        match path.first() {
            Some(PathStep::Key(k)) if NOT_IN_BODY.contains(&k.as_str()) => {
                let d = r.error(
                    format!("`{k}` cannot be ignored: it is not part of the body"),
                    &place,
                );
                d.hint = Some(
                    "the id, name and type decide which resource this is; a change to them is a new resource"
                        .into(),
                );
            }
            Some(PathStep::Key(_)) => {
                if !out.contains(&path) {
                    out.push(path);
                }
            }
            _ => {
                let d = r.error("a path starts with a name, not an index", &place);
                d.hint = Some("paths are relative to the ARM body, like tags or properties.sku".into());
            }
        }
    }
    out
}

/// The text of an address written as a reference or a string: `module.a.b["k"]`.
fn address_text(e: &Expression) -> Option<String> {
    match e {
        Expression::String(s) => Some(s.value().trim().to_string()),
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut s = root.as_str().to_string();
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(a) => {
                        s.push('.');
                        s.push_str(a.as_str());
                    }
                    TraversalOperator::Index(Expression::String(k)) => {
                        s.push_str(&format!("[\"{}\"]", k.value()));
                    }
                    TraversalOperator::Index(Expression::Number(n)) => {
                        s.push_str(&format!("[\"{}\"]", n.value()));
                    }
                    TraversalOperator::LegacyIndex(i) => s.push_str(&format!("[\"{}\"]", i.value())),
                    _ => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// A body path written as a reference: `tags`, `properties.sku`, `properties.rules[0]`.
fn reference_path(e: &Expression) -> Option<Vec<PathStep>> {
    match e {
        Expression::Variable(v) => Some(vec![PathStep::Key(v.as_str().to_string())]),
        Expression::Traversal(t) => {
            let mut path = reference_path(&t.expr)?;
            for op in &t.operators {
                path.push(match op.value() {
                    TraversalOperator::GetAttr(a) => PathStep::Key(a.as_str().to_string()),
                    TraversalOperator::Index(Expression::String(k)) => PathStep::Key(k.value().clone()),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        PathStep::Index(usize::try_from(n.value().as_u64()?).ok()?)
                    }
                    TraversalOperator::LegacyIndex(i) => PathStep::Index(usize::try_from(*i.value()).ok()?),
                    _ => return None,
                });
            }
            Some(path)
        }
        _ => None,
    }
}

/// Reads an address attribute (`from`, `to`) as a selector, or reports why it is not one.
fn selector(r: &mut Reader<'_>, attr: &Attr) -> Option<AddrSelector> {
    let text = address_text(&attr.expr);
    match text.as_deref().and_then(AddrSelector::parse) {
        Some(sel) => Some(sel),
        None => {
            let shown = text.map_or_else(|| "this".to_string(), |t| format!("`{t}`"));
            let d = r.error(
                format!("`{}`: {shown} is not a resource address", attr.name),
                &attr.value_place(),
            );
            d.hint = Some(ADDR_HINT.into());
            None
        }
    }
}

fn kind(s: &AddrSelector) -> &'static str {
    match s {
        AddrSelector::Module(_) => "a module block",
        AddrSelector::Resource { .. } => "every instance of a resource",
        AddrSelector::Instance(_) => "one instance",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(s: &str) -> Expression {
        hcl_edit::parser::parse_expr(s).unwrap()
    }

    #[test]
    fn addresses_from_references_and_strings() {
        assert_eq!(
            address_text(&expr("module.storage")).as_deref(),
            Some("module.storage")
        );
        assert_eq!(
            address_text(&expr("module.network.subnet[\"app\"]")).as_deref(),
            Some("module.network.subnet[\"app\"]")
        );
        assert_eq!(
            address_text(&expr("resource.x[0]")).as_deref(),
            Some("resource.x[\"0\"]")
        );
        assert_eq!(
            address_text(&expr("\"resource.a\"")).as_deref(),
            Some("resource.a")
        );
        assert_eq!(address_text(&expr("module.a[*].b")), None);
        assert_eq!(address_text(&expr("1 + 2")), None);
    }

    #[test]
    fn overlapping_selectors() {
        let p = |s: &str| AddrSelector::parse(s).unwrap();
        assert!(overlaps(&p("module.a"), &p("module.a.x[\"k\"]")));
        assert!(overlaps(&p("module.a.x"), &p("module.a")));
        assert!(!overlaps(&p("module.a"), &p("module.b")));
        assert!(overlaps(&p("resource.x"), &p("resource.x[\"k\"]")));
        assert!(!overlaps(&p("resource.x[\"j\"]"), &p("resource.x[\"k\"]")));
        assert!(!overlaps(&p("module.a.x"), &p("resource.x")));
    }

    #[test]
    fn body_paths() {
        assert_eq!(
            reference_path(&expr("properties.sku.name")),
            Some(vec![
                PathStep::Key("properties".into()),
                PathStep::Key("sku".into()),
                PathStep::Key("name".into())
            ])
        );
        assert_eq!(
            reference_path(&expr("properties.rules[1]")),
            Some(vec![
                PathStep::Key("properties".into()),
                PathStep::Key("rules".into()),
                PathStep::Index(1)
            ])
        );
        assert_eq!(
            reference_path(&expr("tags[\"cost-center\"]")).map(|p| p.len()),
            Some(2)
        );
        assert_eq!(reference_path(&expr("f(x)")), None);
    }
}
