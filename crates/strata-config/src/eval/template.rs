//! String templates and heredocs: literals, `${…}` interpolations, `%{ if }` and `%{ for }`
//! directives, and the `~` markers that strip whitespace next to them.

use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::template::{Directive, Element, Template};
use strata_core::Value;

use super::{EvalError, Evaluator, iterable};
use crate::ops;

/// Whether an element strips whitespace from the literal before it.
fn strips_before(el: &Element) -> bool {
    match el {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_start(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.if_expr.strip.strip_start(),
            Directive::For(d) => d.for_expr.strip.strip_start(),
        },
    }
}

/// Whether an element strips whitespace from the literal after it.
fn strips_after(el: &Element) -> bool {
    match el {
        Element::Literal(_) => false,
        Element::Interpolation(i) => i.strip.strip_end(),
        Element::Directive(d) => match d.as_ref() {
            Directive::If(d) => d.endif_expr.strip.strip_end(),
            Directive::For(d) => d.endfor_expr.strip.strip_end(),
        },
    }
}

impl Evaluator<'_> {
    pub(super) fn eval_template(
        &mut self,
        t: &Template,
        span: Option<Range<usize>>,
    ) -> Result<Value, EvalError> {
        // A template that is one interpolation is that value, of whatever type.
        if let (1, Some(Element::Interpolation(i))) = (t.len(), t.get(0)) {
            return self.eval(&i.expr);
        }
        let mut parts = Vec::new();
        self.template_parts(t, false, false, &mut parts)?;
        ops::template(parts).map_err(|m| EvalError::new(m, span))
    }

    /// Appends the parts of `t`. `strip_first` / `strip_last` say whether the enclosing
    /// directive strips the whitespace at the start / end of this sub-template.
    fn template_parts(
        &mut self,
        t: &Template,
        strip_first: bool,
        strip_last: bool,
        parts: &mut Vec<Value>,
    ) -> Result<(), EvalError> {
        let elements: Vec<&Element> = t.iter().collect();
        for (i, el) in elements.iter().enumerate() {
            match el {
                Element::Literal(lit) => {
                    let mut text: &str = lit.value();
                    let before = if i == 0 {
                        strip_first
                    } else {
                        strips_after(elements[i - 1])
                    };
                    let after = match elements.get(i + 1) {
                        Some(next) => strips_before(next),
                        None => strip_last,
                    };
                    if before {
                        text = text.trim_start();
                    }
                    if after {
                        text = text.trim_end();
                    }
                    parts.push(Value::String(text.to_string()));
                }
                Element::Interpolation(interp) => parts.push(self.eval(&interp.expr)?),
                Element::Directive(d) => match d.as_ref() {
                    Directive::If(d) => {
                        let cond = self.eval(&d.if_expr.cond_expr)?;
                        let then_strip_last = d
                            .else_expr
                            .as_ref()
                            .map_or(d.endif_expr.strip.strip_start(), |e| e.strip.strip_start());
                        let then_first = d.if_expr.strip.strip_end();
                        let else_first = d.else_expr.as_ref().is_some_and(|e| e.strip.strip_end());
                        let else_last = d.endif_expr.strip.strip_start();
                        if cond.is_unknown() {
                            let mut then_parts = Vec::new();
                            self.template_parts(
                                &d.if_expr.template,
                                then_first,
                                then_strip_last,
                                &mut then_parts,
                            )?;
                            let mut else_parts = Vec::new();
                            if let Some(e) = &d.else_expr {
                                self.template_parts(&e.template, else_first, else_last, &mut else_parts)?;
                            }
                            let then = ops::template(then_parts).map_err(|m| EvalError::new(m, d.span()))?;
                            let otherwise =
                                ops::template(else_parts).map_err(|m| EvalError::new(m, d.span()))?;
                            parts.push(
                                ops::conditional(cond, then, otherwise)
                                    .map_err(|m| EvalError::new(m, d.span()))?,
                            );
                            continue;
                        }
                        let truth = ops::condition(&cond, "`%{ if }` condition")
                            .map_err(|m| EvalError::new(m, d.if_expr.cond_expr.span()))?;
                        if cond.is_sensitive() {
                            // Which branch was taken reveals the condition.
                            parts.push(Value::String(String::new()).sensitive());
                        }
                        if truth {
                            self.template_parts(&d.if_expr.template, then_first, then_strip_last, parts)?;
                        } else if let Some(e) = &d.else_expr {
                            self.template_parts(&e.template, else_first, else_last, parts)?;
                        }
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        let coll = self.eval(&f.collection_expr)?;
                        let (items, marked) = iterable(coll, f.collection_expr.span())?;
                        if marked {
                            parts.push(Value::String(String::new()).sensitive());
                        }
                        let depth = self.bound.len();
                        let key_var = f.key_var.as_ref().map(|k| k.as_str().to_string());
                        let value_var = f.value_var.as_str().to_string();
                        let mut result = Ok(());
                        for (k, v) in items {
                            self.bound.truncate(depth);
                            if let Some(kv) = &key_var {
                                self.bound.push((kv.clone(), k));
                            }
                            self.bound.push((value_var.clone(), v));
                            result = self.template_parts(
                                &f.template,
                                f.strip.strip_end(),
                                d.endfor_expr.strip.strip_start(),
                                parts,
                            );
                            if result.is_err() {
                                break;
                            }
                        }
                        self.bound.truncate(depth);
                        result?;
                    }
                },
            }
        }
        Ok(())
    }
}
