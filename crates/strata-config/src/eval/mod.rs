//! The expression evaluator: an [`Expression`] and a [`Scope`] of names in, a [`Value`] out.
//!
//! Names resolve through the [`Scope`] (`var.x`, `local.y`, `env.name`, `module.rg.id`,
//! `resource.hub.id`); `for` expressions and template `for` directives bind their own names on
//! top. Operators, indexing and templates go through [`crate::ops`] and functions through
//! [`crate::funcs`], so values that are not known yet become deferred computations instead of
//! errors.

mod template;
mod traverse;

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ForExpr, FuncCall, ObjectKey};
use strata_core::{Deferred, ResourceAddr, Value};

use crate::funcs::{self, CallError};
use crate::ops::{self, BinOp, mark, split_mark};
use crate::similar;

/// The roots of references.
pub(crate) const ROOTS: [&str; 5] = ["var", "local", "env", "module", "resource"];

/// A problem found while evaluating, at a byte span of the file the expression came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct EvalError {
    pub message: String,
    pub hint: Option<String>,
    pub span: Option<Range<usize>>,
}

impl EvalError {
    pub fn new(message: impl Into<String>, span: Option<Range<usize>>) -> EvalError {
        EvalError {
            message: message.into(),
            hint: None,
            span,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> EvalError {
        self.hint = Some(hint.into());
        self
    }
}

/// What a `resource.<label>` reference knows at plan time.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResourceRef {
    pub addr: ResourceAddr,
    pub id: String,
    pub name: String,
    pub type_name: String,
    pub location: Value,
}

/// Attributes of a generic resource known at plan time.
pub(crate) const KNOWN_RESOURCE_ATTRS: [&str; 4] = ["id", "name", "type", "location"];

/// The names an expression can refer to.
pub(crate) trait Scope {
    /// `root.name` for the roots `var`, `local`, `env` and `module` (a module's value is the
    /// object of its outputs). The error explains why the name is not available.
    fn lookup(&self, root: &str, name: &str) -> Result<Value, EvalError>;
    /// `resource.<label>`.
    fn resource(&self, label: &str) -> Result<ResourceRef, EvalError>;
}

/// A scope without names: defaults, environment files and `-var` values are constants.
pub(crate) struct ConstScope<'a> {
    /// Where the expression is, for the message: "a variable default".
    pub context: &'a str,
}

impl Scope for ConstScope<'_> {
    fn lookup(&self, root: &str, name: &str) -> Result<Value, EvalError> {
        Err(EvalError::new(
            format!(
                "`{root}.{name}` cannot be used in {}: it must be a constant",
                self.context
            ),
            None,
        ))
    }

    fn resource(&self, label: &str) -> Result<ResourceRef, EvalError> {
        Err(EvalError::new(
            format!(
                "`resource.{label}` cannot be used in {}: it must be a constant",
                self.context
            ),
            None,
        ))
    }
}

/// Evaluates an expression that must be a constant (functions allowed, no references).
pub(crate) fn literal(e: &Expression) -> Result<Value, EvalError> {
    Evaluator::new(&ConstScope {
        context: "a constant",
    })
    .eval(e)
}

/// Evaluates expressions against a scope.
pub(crate) struct Evaluator<'s> {
    scope: &'s dyn Scope,
    /// Names bound by `for` expressions and directives, innermost last.
    bound: Vec<(String, Value)>,
}

impl<'s> Evaluator<'s> {
    pub fn new(scope: &'s dyn Scope) -> Evaluator<'s> {
        Evaluator {
            scope,
            bound: Vec::new(),
        }
    }

    fn bound(&self, name: &str) -> Option<&Value> {
        self.bound.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn eval(&mut self, e: &Expression) -> Result<Value, EvalError> {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => number(n.value()).map_err(|m| EvalError::new(m, e.span())),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => items
                .iter()
                .map(|i| self.eval(i))
                .collect::<Result<_, _>>()
                .map(Value::List),
            Expression::Object(obj) => {
                let mut out = BTreeMap::new();
                for (k, v) in obj.iter() {
                    let key = self.object_key(k)?;
                    let value = self.eval(v.expr())?;
                    if out.insert(key.clone(), value).is_some() {
                        return Err(EvalError::new(format!("the key `{key}` is set twice"), k.span()));
                    }
                }
                Ok(Value::Object(out))
            }
            Expression::StringTemplate(t) => self.eval_template(t, e.span()),
            Expression::HeredocTemplate(h) => self.eval_template(&h.template, e.span()),
            Expression::Parenthesis(p) => self.eval(p.inner()),
            Expression::Variable(v) => {
                let name = v.as_str();
                if let Some(val) = self.bound(name) {
                    return Ok(val.clone());
                }
                Err(unknown_root(name, e.span()))
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr)?;
                if cond.is_unknown() {
                    let then = self.eval(&c.true_expr)?;
                    let otherwise = self.eval(&c.false_expr)?;
                    return ops::conditional(cond, then, otherwise).map_err(|m| EvalError::new(m, e.span()));
                }
                let truth =
                    ops::condition(&cond, "condition").map_err(|m| EvalError::new(m, c.cond_expr.span()))?;
                // Only the branch taken is evaluated: `x == null ? "" : x.a` must not fail on x.a.
                let v = self.eval(if truth { &c.true_expr } else { &c.false_expr })?;
                Ok(mark(v, cond.is_sensitive()))
            }
            Expression::FuncCall(call) => self.eval_call(call),
            Expression::Traversal(t) => self.eval_traversal(t),
            Expression::UnaryOp(u) => {
                let v = self.eval(&u.expr)?;
                ops::unary(u.operator.value().as_str(), v).map_err(|m| EvalError::new(m, e.span()))
            }
            Expression::BinaryOp(b) => {
                let op = binop(*b.operator.value());
                let lhs = self.eval(&b.lhs_expr)?;
                // Decided by the left side alone: do not evaluate (and fail on) the right.
                if !lhs.is_unknown()
                    && ((op == BinOp::And && lhs.as_bool() == Some(false))
                        || (op == BinOp::Or && lhs.as_bool() == Some(true)))
                {
                    return Ok(lhs);
                }
                let rhs = self.eval(&b.rhs_expr)?;
                ops::binary(op, lhs, rhs).map_err(|m| EvalError::new(m, e.span()))
            }
            Expression::ForExpr(f) => self.eval_for(f),
        }
    }

    fn object_key(&mut self, k: &ObjectKey) -> Result<String, EvalError> {
        match k {
            ObjectKey::Ident(id) => Ok(id.as_str().to_string()),
            ObjectKey::Expression(e) => {
                let v = self.eval(e)?;
                key_string(&v).map_err(|m| EvalError::new(m, e.span()))
            }
        }
    }

    fn eval_call(&mut self, call: &FuncCall) -> Result<Value, EvalError> {
        let name = call.name.name.as_str();
        let span = call.span();
        if call.name.is_namespaced() {
            let ns: Vec<&str> = call.name.namespace.iter().map(|n| n.as_str()).collect();
            return Err(EvalError::new(
                format!(
                    "there is no function `{}::{name}`: namespaced functions are not supported",
                    ns.join("::")
                ),
                span,
            ));
        }
        match name {
            "can" => return self.eval_can(call),
            "try" => return self.eval_try(call),
            _ => {}
        }
        let mut args = Vec::with_capacity(call.args.len());
        for a in call.args.iter() {
            args.push(self.eval(a)?);
        }
        if call.args.expand_final() {
            let last = args.pop().unwrap_or(Value::Null);
            match split_mark(last) {
                (Value::List(items), false) => args.extend(items),
                (Value::List(items), true) => args.extend(items.into_iter().map(Value::sensitive)),
                (other, _) => {
                    return Err(EvalError::new(
                        format!(
                            "`...` expands a list into arguments, but this is a {}",
                            other.type_name()
                        ),
                        call.args.iter().last().and_then(Span::span),
                    ));
                }
            }
        }
        funcs::call(name, args).map_err(|e| call_error(name, e, span))
    }

    fn eval_can(&mut self, call: &FuncCall) -> Result<Value, EvalError> {
        let [arg] = call.args.iter().collect::<Vec<_>>()[..] else {
            return Err(EvalError::new("can() takes exactly one expression", call.span()));
        };
        let depth = self.bound.len();
        let out = match self.eval(arg) {
            Ok(v) if v.is_unknown() => Value::unknown(Deferred::Call {
                function: "can".into(),
                args: vec![v],
            }),
            Ok(_) => Value::Bool(true),
            Err(_) => Value::Bool(false),
        };
        self.bound.truncate(depth);
        Ok(out)
    }

    fn eval_try(&mut self, call: &FuncCall) -> Result<Value, EvalError> {
        if call.args.is_empty() {
            return Err(EvalError::new("try() needs at least one expression", call.span()));
        }
        let mut first_error = None;
        let mut pending: Vec<Value> = Vec::new();
        let depth = self.bound.len();
        for arg in call.args.iter() {
            let result = self.eval(arg);
            self.bound.truncate(depth);
            match result {
                Ok(v) if v.is_unknown() || !pending.is_empty() => pending.push(v),
                Ok(v) => return Ok(v),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if !pending.is_empty() {
            // Which candidate wins is decided after apply; the ones that already failed are gone.
            return Ok(Value::unknown(Deferred::Call {
                function: "try".into(),
                args: pending,
            }));
        }
        let why = first_error.map_or_else(String::new, |e| format!(": the first failed with: {}", e.message));
        Err(EvalError::new(
            format!("no expression given to try() succeeded{why}"),
            call.span(),
        ))
    }

    fn eval_for(&mut self, f: &ForExpr) -> Result<Value, EvalError> {
        let coll_expr = &f.intro.collection_expr;
        let coll = self.eval(coll_expr)?;
        let (items, marked) = iterable(coll, coll_expr.span())?;
        let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let value_var = f.intro.value_var.as_str().to_string();
        let depth = self.bound.len();
        let result = (|| {
            let mut list = Vec::new();
            let mut object: BTreeMap<String, Value> = BTreeMap::new();
            for (k, v) in items {
                self.bound.truncate(depth);
                if let Some(kv) = &key_var {
                    self.bound.push((kv.clone(), k));
                }
                self.bound.push((value_var.clone(), v));
                if let Some(cond) = &f.cond {
                    let c = self.eval(&cond.expr)?;
                    if c.is_unknown() {
                        return Err(EvalError::new(
                            "the `if` of this for expression depends on a value known only after apply",
                            cond.expr.span(),
                        )
                        .hint("filter on values known at plan time, such as names and ids"));
                    }
                    if !ops::condition(&c, "`if` condition")
                        .map_err(|m| EvalError::new(m, cond.expr.span()))?
                    {
                        continue;
                    }
                }
                let value = self.eval(&f.value_expr)?;
                match &f.key_expr {
                    None => list.push(value),
                    Some(ke) => {
                        let kv = self.eval(ke)?;
                        let key = key_string(&kv).map_err(|m| EvalError::new(m, ke.span()))?;
                        if f.grouping {
                            let slot = object.entry(key).or_insert_with(|| Value::List(Vec::new()));
                            if let Value::List(group) = slot {
                                group.push(value);
                            }
                        } else if object.insert(key.clone(), value).is_some() {
                            return Err(EvalError::new(
                                format!("the key `{key}` is produced twice by this for expression"),
                                ke.span(),
                            )
                            .hint("add `...` after the value expression to group values by key"));
                        }
                    }
                }
            }
            Ok(if f.key_expr.is_some() {
                Value::Object(object)
            } else {
                Value::List(list)
            })
        })();
        self.bound.truncate(depth);
        Ok(mark(result?, marked))
    }
}

/// The elements of a collection to iterate: (index or key, value).
pub(crate) fn iterable(
    coll: Value,
    span: Option<Range<usize>>,
) -> Result<(Vec<(Value, Value)>, bool), EvalError> {
    if coll.is_wholly_unknown() {
        return Err(
            EvalError::new("cannot iterate over a value known only after apply", span)
                .hint("iterate over values known at plan time (variables, locals, names and ids)"),
        );
    }
    let (coll, marked) = split_mark(coll);
    let items = match coll {
        Value::List(l) => l
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i as i64), v))
            .collect(),
        Value::Object(o) => o.into_iter().map(|(k, v)| (Value::String(k), v)).collect(),
        Value::Null => return Err(EvalError::new("cannot iterate over a null value", span)),
        other => {
            return Err(EvalError::new(
                format!(
                    "cannot iterate over a {}; a list or an object is required",
                    other.type_name()
                ),
                span,
            ));
        }
    };
    Ok((items, marked))
}

/// An object key from a value: strings, and numbers or bools as their text.
fn key_string(v: &Value) -> Result<String, String> {
    if v.is_unknown() {
        return Err("an object key must be known at plan time".into());
    }
    match v.unmarked() {
        Value::Null => Err("an object key cannot be null".into()),
        other => ops::to_plain_string(other)
            .ok_or_else(|| format!("an object key must be a string, not a {}", other.type_name())),
    }
}

fn number(n: &hcl_edit::Number) -> Result<Value, String> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::from(i));
    }
    if let Some(u) = n.as_u64() {
        return Ok(Value::Number(u.into()));
    }
    ops::number(n.as_f64().unwrap_or(f64::NAN))
}

fn unknown_root(name: &str, span: Option<Range<usize>>) -> EvalError {
    if ROOTS.contains(&name) {
        return EvalError::new(
            format!("`{name}` must be followed by a name, like {name}.example"),
            span,
        );
    }
    EvalError::new(format!("unknown name `{name}`"), span)
        .hint("references start with var., local., env., module. or resource.; strings need quotes")
}

fn call_error(name: &str, e: CallError, span: Option<Range<usize>>) -> EvalError {
    match e {
        CallError::NoSuchFunction => {
            let hint = similar::hint(name, "functions", funcs::names());
            EvalError::new(format!("there is no function named `{name}`"), span).hint(hint)
        }
        CallError::Arity(m) | CallError::Failed(m) => EvalError::new(format!("{name}(): {m}"), span),
    }
}

/// The operator an HCL binary expression spells.
fn binop(op: hcl_edit::expr::BinaryOperator) -> BinOp {
    use hcl_edit::expr::BinaryOperator as H;
    match op {
        H::Eq => BinOp::Eq,
        H::NotEq => BinOp::NotEq,
        H::LessEq => BinOp::LessEq,
        H::GreaterEq => BinOp::GreaterEq,
        H::Less => BinOp::Less,
        H::Greater => BinOp::Greater,
        H::Plus => BinOp::Add,
        H::Minus => BinOp::Sub,
        H::Mul => BinOp::Mul,
        H::Div => BinOp::Div,
        H::Mod => BinOp::Mod,
        H::And => BinOp::And,
        H::Or => BinOp::Or,
    }
}

#[cfg(test)]
mod funcs_tests;
#[cfg(test)]
pub(crate) mod tests;
