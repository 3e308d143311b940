//! Type expressions (`string`, `list(number)`, `object({a = string, b = optional(bool, true)})`)
//! parsed from HCL into strata-expr's [`Type`]; converting values to them is
//! [`convert`] (strata-expr).

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use strata_core::Value;
pub(crate) use strata_expr::types::{ObjAttr, Type, convert};

/// A type expression that is not a type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct TypeError {
    pub message: String,
    pub span: Option<Range<usize>>,
}

fn type_err(message: impl Into<String>, e: &Expression) -> TypeError {
    TypeError {
        message: message.into(),
        span: e.span(),
    }
}

const TYPE_HINT: &str =
    "types are string, number, bool, any, list(T), set(T), map(T), object({name = T, …}) and tuple([T, …])";

/// Parses a type written as text (as module input specs spell them).
pub(crate) fn parse_type_str(s: &str) -> Result<Type, TypeError> {
    let expr = hcl_edit::parser::parse_expr(s).map_err(|e| TypeError {
        message: format!("`{s}` is not a type: {}", e.message()),
        span: None,
    })?;
    parse_type(&expr)
}

/// Parses a type expression.
pub(crate) fn parse_type(e: &Expression) -> Result<Type, TypeError> {
    parse_inner(e, false).map(|(t, _, _)| t)
}

/// Returns the type, whether it was wrapped in `optional(…)`, and the optional default.
fn parse_inner(e: &Expression, in_object: bool) -> Result<(Type, bool, Option<Value>), TypeError> {
    match e {
        Expression::Parenthesis(p) => parse_inner(p.inner(), in_object),
        Expression::Variable(v) => {
            let t = match v.as_str() {
                "any" => Type::Any,
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "list" => Type::List(Box::new(Type::Any)),
                "set" => Type::Set(Box::new(Type::Any)),
                "map" => Type::Map(Box::new(Type::Any)),
                "object" => Type::Object(None),
                other => return Err(type_err(format!("`{other}` is not a type; {TYPE_HINT}"), e)),
            };
            Ok((t, false, None))
        }
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let one = |what: &str| -> Result<&Expression, TypeError> {
                match args.as_slice() {
                    [a] => Ok(*a),
                    _ => Err(type_err(format!("`{name}(…)` takes exactly one {what}"), e)),
                }
            };
            let t = match name {
                "list" => Type::List(Box::new(parse_type(one("element type")?)?)),
                "set" => Type::Set(Box::new(parse_type(one("element type")?)?)),
                "map" => Type::Map(Box::new(parse_type(one("element type")?)?)),
                "tuple" => {
                    let Expression::Array(items) = one("list of element types")? else {
                        return Err(type_err(
                            "`tuple(…)` takes a list of types, like tuple([string, number])",
                            e,
                        ));
                    };
                    Type::Tuple(items.iter().map(parse_type).collect::<Result<_, _>>()?)
                }
                "object" => {
                    let Expression::Object(obj) = one("object of attribute types")? else {
                        return Err(type_err(
                            "`object(…)` takes an object of types, like object({name = string})",
                            e,
                        ));
                    };
                    let mut attrs = BTreeMap::new();
                    for (k, v) in obj.iter() {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                            ObjectKey::Expression(other) => {
                                return Err(type_err(
                                    "an attribute name must be a name or a quoted string",
                                    other,
                                ));
                            }
                        };
                        let (ty, optional, default) = parse_inner(v.expr(), true)?;
                        attrs.insert(
                            key,
                            ObjAttr {
                                ty,
                                optional,
                                default,
                            },
                        );
                    }
                    Type::Object(Some(attrs))
                }
                "optional" if in_object => {
                    return match args.as_slice() {
                        [t] => Ok((parse_type(t)?, true, None)),
                        [t, d] => {
                            let ty = parse_type(t)?;
                            let raw = crate::eval::literal(d).map_err(|err| TypeError {
                                message: format!(
                                    "the default of optional(…) must be a constant: {}",
                                    err.message
                                ),
                                span: err.span.or_else(|| d.span()),
                            })?;
                            let default = convert(&raw, &ty).map_err(|err| type_err(err.to_string(), d))?;
                            Ok((ty, true, Some(default)))
                        }
                        _ => Err(type_err("`optional(…)` takes a type and an optional default", e)),
                    };
                }
                "optional" => {
                    return Err(type_err(
                        "`optional(…)` is only allowed for attributes of object({…})",
                        e,
                    ));
                }
                other => return Err(type_err(format!("`{other}(…)` is not a type; {TYPE_HINT}"), e)),
            };
            Ok((t, false, None))
        }
        _ => Err(type_err(format!("this is not a type; {TYPE_HINT}"), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Type {
        parse_type_str(s).unwrap()
    }

    #[test]
    fn parses_types() {
        assert_eq!(ty("string"), Type::String);
        assert_eq!(ty("list(number)"), Type::List(Box::new(Type::Number)));
        assert_eq!(ty("map(object)"), Type::Map(Box::new(Type::Object(None))));
        let t = ty("object({a = string, b = optional(number, 3)})");
        assert_eq!(t.to_string(), "object({a = string, b = optional(number)})");
        let Type::Object(Some(attrs)) = &t else {
            panic!("{t:?}")
        };
        assert_eq!(attrs["b"].default, Some(Value::from(3)));
        assert!(attrs["b"].optional && !attrs["a"].optional);
        assert_eq!(ty("tuple([string, bool])").to_string(), "tuple([string, bool])");
        assert!(
            parse_type_str("strin")
                .unwrap_err()
                .message
                .contains("not a type")
        );
        assert!(parse_type_str("optional(string)").is_err());
        assert!(parse_type_str("list(string, number)").is_err());
    }
}
