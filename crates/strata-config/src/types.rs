//! Type constraints (`string`, `list(number)`, `object({a = string, b = optional(bool, true)})`)
//! and the conversion of values to them, with HCL's rules: numbers and bools become strings
//! where a string is wanted, strings that spell a number or bool convert back, objects lose
//! attributes their type does not declare, optional attributes get their default or null.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use strata_core::{PathStep, Value};

use crate::ops::{self, describe, to_f64, to_plain_string};

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Type {
    Any,
    String,
    Number,
    Bool,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    /// `None` for a bare `object`: any object.
    Object(Option<BTreeMap<String, ObjAttr>>),
    Tuple(Vec<Type>),
}

/// One attribute of an object type.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ObjAttr {
    pub ty: Type,
    pub optional: bool,
    pub default: Option<Value>,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::String => f.write_str("string"),
            Type::Number => f.write_str("number"),
            Type::Bool => f.write_str("bool"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Set(t) => write!(f, "set({t})"),
            Type::Map(t) => write!(f, "map({t})"),
            Type::Object(None) => f.write_str("object"),
            Type::Object(Some(attrs)) => {
                f.write_str("object({")?;
                for (i, (k, a)) in attrs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if a.optional {
                        write!(f, "{k} = optional({})", a.ty)?;
                    } else {
                        write!(f, "{k} = {}", a.ty)?;
                    }
                }
                f.write_str("})")
            }
            Type::Tuple(ts) => {
                f.write_str("tuple([")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}

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

/// A value that does not fit a type, and where inside the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at `{}`: ", strata_core::path_to_string(path)) })]
pub(crate) struct ConvError {
    pub path: Vec<PathStep>,
    pub message: String,
}

fn conv_err(message: impl Into<String>) -> ConvError {
    ConvError {
        path: Vec::new(),
        message: message.into(),
    }
}

fn at(step: PathStep, mut e: ConvError) -> ConvError {
    e.path.insert(0, step);
    e
}

/// Converts `v` to `ty`. Unknown values pass (they are checked after apply); null fits any
/// type; marks are kept.
pub(crate) fn convert(v: &Value, ty: &Type) -> Result<Value, ConvError> {
    match v {
        Value::Sensitive(inner) => return convert(inner, ty).map(Value::sensitive),
        Value::Unknown(_) | Value::Null => return Ok(v.clone()),
        _ => {}
    }
    match ty {
        Type::Any => Ok(v.clone()),
        Type::String => to_plain_string(v)
            .map(Value::String)
            .ok_or_else(|| conv_err(format!("a string is required, not a {}", describe(v)))),
        Type::Number => match v {
            Value::Number(_) => Ok(v.clone()),
            Value::String(s) => match to_f64(v) {
                Some(f) => ops::number(f).map_err(conv_err),
                None => Err(conv_err(format!("a number is required, and \"{s}\" is not one"))),
            },
            _ => Err(conv_err(format!("a number is required, not a {}", describe(v)))),
        },
        Type::Bool => match v {
            Value::Bool(_) => Ok(v.clone()),
            Value::String(s) if s == "true" => Ok(Value::Bool(true)),
            Value::String(s) if s == "false" => Ok(Value::Bool(false)),
            Value::String(s) => Err(conv_err(format!("a bool is required, and \"{s}\" is not one"))),
            _ => Err(conv_err(format!("a bool is required, not a {}", describe(v)))),
        },
        Type::List(elem) | Type::Set(elem) => {
            let Value::List(items) = v else {
                return Err(conv_err(format!("a list is required, not a {}", describe(v))));
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(convert(item, elem).map_err(|e| at(PathStep::Index(i), e))?);
            }
            if matches!(ty, Type::Set(_)) {
                out = to_set(out);
            }
            Ok(Value::List(out))
        }
        Type::Map(elem) => {
            let Value::Object(items) = v else {
                return Err(conv_err(format!("a map is required, not a {}", describe(v))));
            };
            let mut out = BTreeMap::new();
            for (k, item) in items {
                out.insert(
                    k.clone(),
                    convert(item, elem).map_err(|e| at(PathStep::Key(k.clone()), e))?,
                );
            }
            Ok(Value::Object(out))
        }
        Type::Object(attrs) => {
            let Value::Object(items) = v else {
                return Err(conv_err(format!("an object is required, not a {}", describe(v))));
            };
            let Some(attrs) = attrs else {
                return Ok(v.clone());
            };
            let mut out = BTreeMap::new();
            for (k, attr) in attrs {
                match items.get(k) {
                    Some(item) if !(item.is_null() && attr.default.is_some()) => {
                        out.insert(
                            k.clone(),
                            convert(item, &attr.ty).map_err(|e| at(PathStep::Key(k.clone()), e))?,
                        );
                    }
                    _ if attr.optional => {
                        out.insert(k.clone(), attr.default.clone().unwrap_or(Value::Null));
                    }
                    _ => return Err(conv_err(format!("the attribute `{k}` is required"))),
                }
            }
            Ok(Value::Object(out))
        }
        Type::Tuple(elems) => {
            let Value::List(items) = v else {
                return Err(conv_err(format!("a tuple is required, not a {}", describe(v))));
            };
            if items.len() != elems.len() {
                return Err(conv_err(format!(
                    "a tuple of {} elements is required, not {}",
                    elems.len(),
                    items.len()
                )));
            }
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (item, t))| convert(item, t).map_err(|e| at(PathStep::Index(i), e)))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::List)
        }
    }
}

/// Removes duplicates; sets of strings or numbers come out sorted, as in HCL.
pub(crate) fn to_set(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if item.is_unknown() || !out.iter().any(|o| !o.is_unknown() && ops::equal(o, &item)) {
            out.push(item);
        }
    }
    if out.iter().all(|v| matches!(v.unmarked(), Value::String(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    } else if out.iter().all(|v| matches!(v.unmarked(), Value::Number(_))) {
        out.sort_by(|a, b| {
            to_f64(a)
                .partial_cmp(&to_f64(b))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
    out
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

    #[test]
    fn converts_values() {
        assert_eq!(convert(&Value::from(3), &Type::String).unwrap(), "3".into());
        assert_eq!(convert(&"3".into(), &Type::Number).unwrap(), Value::from(3));
        assert_eq!(convert(&"true".into(), &Type::Bool).unwrap(), true.into());
        assert!(convert(&"x".into(), &Type::Number).is_err());
        let t = ty("object({a = string, b = optional(number, 3), c = optional(bool)})");
        let v = Value::object([("a", Value::from(1)), ("extra", Value::from(true))]);
        assert_eq!(
            convert(&v, &t).unwrap(),
            Value::object([("a", "1".into()), ("b", Value::from(3)), ("c", Value::Null)])
        );
        let e = convert(&Value::object([("b", Value::from(1))]), &t).unwrap_err();
        assert!(e.message.contains("`a` is required"));
        let e = convert(
            &Value::object([("x", Value::List(vec![Value::from("a")]))]),
            &ty("map(list(number))"),
        )
        .unwrap_err();
        assert_eq!(e.path, vec![PathStep::Key("x".into()), PathStep::Index(0)]);
        assert_eq!(
            e.to_string(),
            "at `x[0]`: a number is required, and \"a\" is not one"
        );
        let set = convert(
            &Value::List(vec!["b".into(), "a".into(), "b".into()]),
            &ty("set(string)"),
        )
        .unwrap();
        assert_eq!(set, Value::List(vec!["a".into(), "b".into()]));
        let s = convert(&Value::from(1).sensitive(), &Type::String).unwrap();
        assert_eq!(s, Value::from("1").sensitive());
    }
}
