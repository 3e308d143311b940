//! References in expressions (`var.x`, `local.y`, `module.rg.id`, …), found without
//! evaluating, to order evaluation and to report unknown names all at once.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};

use crate::eval::ROOTS;

/// One reference: `root.name[.attr]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    pub root: &'static str,
    pub name: String,
    /// The attribute after the name, if any (`id` in `module.rg.id`).
    pub attr: Option<String>,
    pub span: Option<Range<usize>>,
}

/// Appends every reference in `e`.
pub(crate) fn collect(e: &Expression, out: &mut Vec<Reference>) {
    Collector {
        bound: Vec::new(),
        out,
    }
    .expr(e);
}

struct Collector<'a> {
    /// Names bound by enclosing `for`s, which shadow roots.
    bound: Vec<String>,
    out: &'a mut Vec<Reference>,
}

impl Collector<'_> {
    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_)
            | Expression::Variable(_) => {}
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(obj) => {
                for (k, v) in obj.iter() {
                    if let ObjectKey::Expression(ke) = k {
                        self.expr(ke);
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => self.template(t),
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|a| self.expr(a)),
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let depth = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(depth);
            }
            Expression::Traversal(t) => {
                if let Expression::Variable(root) = &t.expr
                    && let Some(root) = ROOTS.iter().find(|r| **r == root.as_str())
                    && !self.bound.iter().any(|b| b == root)
                    && let Some(TraversalOperator::GetAttr(name)) = t.operators.first().map(|o| o.value())
                {
                    let attr = match t.operators.get(1).map(|o| o.value()) {
                        Some(TraversalOperator::GetAttr(a)) => Some(a.as_str().to_string()),
                        _ => None,
                    };
                    let end = t
                        .operators
                        .get(if attr.is_some() { 1 } else { 0 })
                        .and_then(Span::span);
                    let span = match (t.expr.span(), end) {
                        (Some(a), Some(b)) => Some(a.start..b.end),
                        (a, _) => a,
                    };
                    self.out.push(Reference {
                        root,
                        name: name.as_str().to_string(),
                        attr,
                        span,
                    });
                } else {
                    self.expr(&t.expr);
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.expr(i);
                    }
                }
            }
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            match el {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        self.expr(&d.if_expr.cond_expr);
                        self.template(&d.if_expr.template);
                        if let Some(e) = &d.else_expr {
                            self.template(&e.template);
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        self.expr(&f.collection_expr);
                        let depth = self.bound.len();
                        if let Some(k) = &f.key_var {
                            self.bound.push(k.as_str().to_string());
                        }
                        self.bound.push(f.value_var.as_str().to_string());
                        self.template(&f.template);
                        self.bound.truncate(depth);
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(src: &str) -> Vec<String> {
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        let mut out = Vec::new();
        collect(&e, &mut out);
        out.into_iter()
            .map(|r| match r.attr {
                Some(a) => format!("{}.{}.{a}", r.root, r.name),
                None => format!("{}.{}", r.root, r.name),
            })
            .collect()
    }

    #[test]
    fn finds_references() {
        assert_eq!(
            refs(r#"merge(var.tags, { env = env.name, id = module.rg.id["x"] })"#),
            vec!["var.tags", "env.name", "module.rg.id"]
        );
        assert_eq!(
            refs(r#""${local.prefix}-%{ for s in var.l }${s}%{ endfor }""#),
            vec!["local.prefix", "var.l"]
        );
        assert_eq!(refs("[for var in local.xs : var.name]"), vec!["local.xs"]);
        assert_eq!(
            refs("resource.ip.properties.ipAddress"),
            vec!["resource.ip.properties"]
        );
        assert_eq!(refs("x[local.i]"), vec!["local.i"]);
    }
}
