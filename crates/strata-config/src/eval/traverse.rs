//! Traversals: references (`var.x`, `module.rg.id`, `resource.ip.properties.ipAddress`),
//! attribute access, indexing and splats.

use hcl_edit::expr::{Expression, Traversal, TraversalOperator};
use hcl_edit::{Decorated, Span};
use strata_core::{Deferred, PathStep, Value};

use super::{EvalError, Evaluator, KNOWN_RESOURCE_ATTRS, ROOTS};
use crate::ops::{self, mark, split_mark};

type Op = Decorated<TraversalOperator>;

impl Evaluator<'_> {
    pub(super) fn eval_traversal(&mut self, t: &Traversal) -> Result<Value, EvalError> {
        let ops = t.operators.as_slice();
        if let Expression::Variable(root) = &t.expr {
            let name = root.as_str();
            if self.bound(name).is_none() && ROOTS.contains(&name) {
                let (value, used) = self.eval_reference(name, ops, t.expr.span())?;
                return self.apply(value, &ops[used..]);
            }
        }
        let base = self.eval(&t.expr)?;
        self.apply(base, ops)
    }

    /// Evaluates `root.name…`; returns the value and how many operators it consumed.
    fn eval_reference(
        &mut self,
        root: &str,
        ops: &[Op],
        root_span: Option<std::ops::Range<usize>>,
    ) -> Result<(Value, usize), EvalError> {
        let Some(TraversalOperator::GetAttr(name)) = ops.first().map(|o| o.value()) else {
            return Err(EvalError::new(
                format!("`{root}` must be followed by a name, like {root}.example"),
                root_span,
            ));
        };
        let name = name.as_str();
        let span = join(root_span, ops.first().and_then(Span::span));
        if root != "resource" {
            let v = self.scope.lookup(root, name).map_err(|e| with_span(e, span))?;
            return Ok((v, 1));
        }
        let r = self.scope.resource(name).map_err(|e| with_span(e, span))?;
        match ops.get(1).map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(a)) if KNOWN_RESOURCE_ATTRS.contains(&a.as_str()) => {
                let v = match a.as_str() {
                    "id" => Value::String(r.id),
                    "name" => Value::String(r.name),
                    "type" => Value::String(r.type_name),
                    _ => r.location,
                };
                Ok((v, 2))
            }
            None => Ok((
                Value::object([
                    ("id", Value::String(r.id)),
                    ("name", Value::String(r.name)),
                    ("type", Value::String(r.type_name)),
                    ("location", r.location),
                ]),
                1,
            )),
            Some(_) => {
                // Everything else about a resource exists only after it is written: take the
                // longest constant path so the lookup after apply is exact.
                let mut path = Vec::new();
                for op in &ops[1..] {
                    match op.value() {
                        TraversalOperator::GetAttr(a) => path.push(PathStep::Key(a.as_str().to_string())),
                        TraversalOperator::LegacyIndex(i) => {
                            path.push(PathStep::Index(usize::try_from(*i.value()).unwrap_or(usize::MAX)));
                        }
                        TraversalOperator::Index(Expression::String(s)) => {
                            path.push(PathStep::Key(s.value().clone()))
                        }
                        TraversalOperator::Index(Expression::Number(n)) => match n.value().as_u64() {
                            Some(i) => path.push(PathStep::Index(usize::try_from(i).unwrap_or(usize::MAX))),
                            None => break,
                        },
                        _ => break,
                    }
                }
                let used = 1 + path.len();
                Ok((
                    Value::unknown(Deferred::Attr {
                        resource: r.addr,
                        path,
                    }),
                    used,
                ))
            }
        }
    }

    /// Applies traversal operators to a value.
    fn apply(&mut self, mut value: Value, ops: &[Op]) -> Result<Value, EvalError> {
        let mut i = 0;
        while i < ops.len() {
            let op = &ops[i];
            let span = op.span();
            match op.value() {
                TraversalOperator::GetAttr(name) => {
                    value = ops::index(value, Value::String(name.as_str().to_string()), true)
                        .map_err(|m| EvalError::new(m, span))?;
                }
                TraversalOperator::Index(key_expr) => {
                    let key = self.eval(key_expr)?;
                    value = ops::index(value, key, false).map_err(|m| EvalError::new(m, span))?;
                }
                TraversalOperator::LegacyIndex(n) => {
                    let key = Value::Number((*n.value()).into());
                    value = ops::index(value, key, false).map_err(|m| EvalError::new(m, span))?;
                }
                TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_) => {
                    // A full splat applies every later operator to each element; an attribute
                    // splat only the attribute accesses that directly follow it.
                    let full = matches!(op.value(), TraversalOperator::FullSplat(_));
                    let rest = &ops[i + 1..];
                    let covered = if full {
                        rest.len()
                    } else {
                        rest.iter()
                            .take_while(|o| matches!(o.value(), TraversalOperator::GetAttr(_)))
                            .count()
                    };
                    value = self.splat(value, &rest[..covered], span)?;
                    i += 1 + covered;
                    continue;
                }
            }
            i += 1;
        }
        Ok(value)
    }

    fn splat(
        &mut self,
        value: Value,
        ops: &[Op],
        span: Option<std::ops::Range<usize>>,
    ) -> Result<Value, EvalError> {
        if value.is_wholly_unknown() {
            return Err(
                EvalError::new("cannot use a splat on a value known only after apply", span)
                    .hint("index the elements one by one, like x[0].y"),
            );
        }
        let (value, marked) = split_mark(value);
        let items = match value {
            Value::List(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.apply(item, ops)?);
        }
        Ok(mark(Value::List(out), marked))
    }
}

fn join(
    a: Option<std::ops::Range<usize>>,
    b: Option<std::ops::Range<usize>>,
) -> Option<std::ops::Range<usize>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.start.min(b.start)..a.end.max(b.end)),
        (a, b) => a.or(b),
    }
}

fn with_span(mut e: EvalError, span: Option<std::ops::Range<usize>>) -> EvalError {
    if e.span.is_none() {
        e.span = span;
    }
    e
}
