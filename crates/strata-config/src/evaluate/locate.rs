//! Following a path into an attribute's expression, to point at the nested line an error is
//! about (`subnets.app.address_prefix` → the `address_prefix = …` line).

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use strata_core::PathStep;

use crate::load::schema::Attr;
use crate::source::Place;

/// The place of `path` (relative to the attribute's value) inside `attr`, as deep as the
/// expression spells it out with object and list constructors.
pub(crate) fn locate(attr: &Attr, path: &[PathStep]) -> Place {
    let mut expr = &attr.expr;
    let mut span: Option<Range<usize>> = expr.span();
    for step in path {
        while let Expression::Parenthesis(p) = expr {
            expr = p.inner();
        }
        match (expr, step) {
            (Expression::Object(obj), PathStep::Key(k)) => {
                let Some((key, value)) = obj
                    .iter()
                    .find(|(key, _)| key_name(key).as_deref() == Some(k.as_str()))
                else {
                    break;
                };
                span = key.span().or(span);
                expr = value.expr();
            }
            (Expression::Array(items), PathStep::Index(i)) => {
                let Some(item) = items.get(*i) else { break };
                span = item.span().or(span);
                expr = item;
            }
            _ => break,
        }
    }
    attr.place.with_span(span)
}

fn key_name(k: &ObjectKey) -> Option<String> {
    match k {
        ObjectKey::Ident(id) => Some(id.as_str().to_string()),
        ObjectKey::Expression(Expression::String(s)) => Some(s.value().clone()),
        ObjectKey::Expression(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Place;

    #[test]
    fn follows_object_keys_and_indexes() {
        let text = "subnets = {\n  app = {\n    address_prefix = \"x\"\n  }\n  list = [1, { a = 2 }]\n}\n";
        let body = hcl_edit::parser::parse_body(text).unwrap();
        let a = body.get_attribute("subnets").unwrap();
        let attr = Attr {
            name: "subnets".into(),
            expr: a.value.clone(),
            place: Place::of(0, a),
        };
        let key = |s: &str| PathStep::Key(s.into());
        let p = locate(&attr, &[key("app"), key("address_prefix")]);
        assert_eq!(&text[p.span.unwrap().start..][..14], "address_prefix");
        let p = locate(&attr, &[key("list"), PathStep::Index(1), key("a")]);
        assert_eq!(&text[p.span.unwrap().start..][..1], "a");
        // Past what the expression spells out: the deepest known place.
        let p = locate(&attr, &[key("app"), key("nope")]);
        assert_eq!(&text[p.span.unwrap().start..][..3], "app");
    }
}
