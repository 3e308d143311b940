//! Variables: their values from `-var`, the environment or the default, converted to the
//! declared type, marked sensitive if declared so, then validated.

use std::collections::BTreeMap;

use strata_core::Value;

use super::Cx;
use crate::eval::{self, Evaluator};
use crate::ops;
use crate::similar;
use crate::source::Place;
use crate::types::{self, Type};

/// Where a variable's value came from, for messages.
enum Origin {
    Override,
    Env(Option<Place>),
    Default(Place),
}

impl Cx<'_> {
    pub(super) fn variables(&mut self, overrides: &BTreeMap<String, String>) {
        let stack = self.stack;
        let declared: Vec<&str> = stack.variables.iter().map(|v| v.name.as_str()).collect();
        for name in overrides.keys() {
            if !declared.contains(&name.as_str()) {
                self.diags.push(
                    strata_core::Diagnostic::error(format!(
                        "-var sets `{name}`, but the stack declares no such variable"
                    ))
                    .hint(similar::hint(name, "variables", declared.iter().copied())),
                );
            }
        }
        for name in self.env.variables.keys() {
            if !declared.contains(&name.as_str()) {
                let place = stack.env_variable_place(self.env, name);
                let d = strata_core::Diagnostic::error(format!(
                    "environment `{}` sets variable `{name}`, but the stack declares no such variable",
                    self.env.name
                ))
                .at(place.and_then(|p| self.loc(&p)))
                .hint(similar::hint(name, "variables", declared.iter().copied()));
                self.diags.push(d);
            }
        }

        let mut origins = BTreeMap::new();
        for decl in &stack.variables {
            let ty = match &decl.type_attr {
                None => Type::Any,
                Some(a) => match types::parse_type(&a.expr) {
                    Ok(t) => t,
                    Err(e) => {
                        let d = self.error(
                            format!("invalid type for variable `{}`: {}", decl.name, e.message),
                            &a.place.with_span(e.span),
                        );
                        d.hint = Some("types are string, number, bool, any, list(T), set(T), map(T), object({…}) and tuple([…])".into());
                        self.failed_vars.insert(decl.name.clone());
                        continue;
                    }
                },
            };
            let (raw, origin) = if let Some(text) = overrides.get(&decl.name) {
                match override_value(text, &ty) {
                    Ok(v) => (v, Origin::Override),
                    Err(m) => {
                        self.diags.push(strata_core::Diagnostic::error(format!(
                            "invalid -var value for `{}`: {m}",
                            decl.name
                        )));
                        self.failed_vars.insert(decl.name.clone());
                        continue;
                    }
                }
            } else if let Some(v) = self.env.variables.get(&decl.name) {
                (
                    v.clone(),
                    Origin::Env(stack.env_variable_place(self.env, &decl.name)),
                )
            } else if let Some(default) = &decl.default {
                match eval::literal(&default.expr) {
                    Ok(v) => (v, Origin::Default(default.value_place())),
                    Err(e) => {
                        let place = default
                            .place
                            .with_span(e.span.clone().or_else(|| default.value_place().span));
                        let d = self.error(
                            format!("invalid default for variable `{}`: {}", decl.name, e.message),
                            &place,
                        );
                        d.hint = e.hint;
                        self.failed_vars.insert(decl.name.clone());
                        continue;
                    }
                }
            } else {
                let env_name = &self.env.name;
                let hint = format!(
                    "set it in envs/{env_name}.hcl (variables = {{ {} = … }}), give it a default, or pass -var {}=…",
                    decl.name, decl.name
                );
                let d = self.error(
                    format!("no value for the required variable `{}`", decl.name),
                    &decl.place,
                );
                d.hint = Some(hint);
                d.detail.clone_from(&decl.description);
                self.failed_vars.insert(decl.name.clone());
                continue;
            };
            let raw = if raw.is_null() && !decl.nullable {
                match &decl.default {
                    Some(d) => eval::literal(&d.expr).unwrap_or(Value::Null),
                    None => Value::Null,
                }
            } else {
                raw
            };
            if raw.is_null() && !decl.nullable {
                let place = self.origin_place(&origin, &decl.place);
                self.error(format!("variable `{}` must not be null", decl.name), &place);
                self.failed_vars.insert(decl.name.clone());
                continue;
            }
            let value = match types::convert(&raw, &ty) {
                Ok(v) => v,
                Err(e) => {
                    let place = self.origin_place(&origin, &decl.place);
                    let d = self.error(format!("invalid value for variable `{}`: {e}", decl.name), &place);
                    d.hint = Some(format!("`{}` is a {ty}{}", decl.name, origin_text(&origin)));
                    self.failed_vars.insert(decl.name.clone());
                    continue;
                }
            };
            let value = if decl.sensitive { value.sensitive() } else { value };
            self.scope.vars.insert(decl.name.clone(), value);
            origins.insert(decl.name.clone(), origin);
        }
        self.validate(&origins);
    }

    fn origin_place(&self, origin: &Origin, fallback: &Place) -> Place {
        match origin {
            Origin::Env(Some(p)) | Origin::Default(p) => p.clone(),
            Origin::Override | Origin::Env(None) => fallback.clone(),
        }
    }

    /// Runs every `validation` block of the variables that have a value.
    fn validate(&mut self, origins: &BTreeMap<String, Origin>) {
        let stack = self.stack;
        self.scope.vars_only = true;
        for decl in &stack.variables {
            let Some(origin) = origins.get(&decl.name) else {
                continue;
            };
            for v in &decl.validations {
                let result = Evaluator::new(&self.scope).eval(&v.condition.expr);
                let cond = match result {
                    Ok(c) => c,
                    Err(e) => {
                        self.eval_error(
                            e,
                            &v.condition,
                            &format!("in the validation of variable `{}`", decl.name),
                        );
                        self.failed_vars.insert(decl.name.clone());
                        continue;
                    }
                };
                if cond.is_unknown() {
                    continue;
                }
                match ops::condition(&cond, "validation condition") {
                    Ok(true) => {}
                    Ok(false) => {
                        let message = Evaluator::new(&self.scope)
                            .eval(&v.error_message.expr)
                            .ok()
                            .and_then(|m| {
                                if m.is_sensitive() {
                                    None
                                } else {
                                    ops::to_plain_string(&m)
                                }
                            })
                            .unwrap_or_else(|| "the value does not pass validation".into());
                        let place = self.origin_place(origin, &v.place);
                        let condition_loc = self.loc(&v.condition.place);
                        let d = self.error(format!("invalid value for variable `{}`", decl.name), &place);
                        d.detail = Some(message);
                        if let Some(loc) = condition_loc {
                            d.hint = Some(format!("the condition is at {loc}{}", origin_text(origin)));
                        }
                        self.failed_vars.insert(decl.name.clone());
                    }
                    Err(m) => {
                        let place = v.condition.value_place();
                        self.error(
                            format!("in the validation of variable `{}`: {m}", decl.name),
                            &place,
                        );
                        self.failed_vars.insert(decl.name.clone());
                    }
                }
            }
        }
        self.scope.vars_only = false;
    }
}

fn origin_text(origin: &Origin) -> &'static str {
    match origin {
        Origin::Override => " (the value came from -var)",
        Origin::Env(_) => " (the value came from the environment)",
        Origin::Default(_) => " (the value is the default)",
    }
}

/// A `-var` value: the text itself for primitive types, an HCL expression for collections.
fn override_value(text: &str, ty: &Type) -> Result<Value, String> {
    match ty {
        Type::Any | Type::String | Type::Number | Type::Bool => Ok(Value::String(text.to_string())),
        _ => {
            let expr = hcl_edit::parser::parse_expr(text)
                .map_err(|e| format!("not a valid expression: {}", e.message()))?;
            eval::literal(&expr).map_err(|e| e.message)
        }
    }
}
