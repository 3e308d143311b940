//! Type constraints (`string`, `list(number)`, `object({a = string, b = optional(bool, true)})`)
//! and the conversion of values to them, with HCL's rules: numbers and bools become strings
//! where a string is wanted, strings that spell a number or bool convert back, objects lose
//! attributes their type does not declare, optional attributes get their default or null.
//! Parsing type expressions is the configuration's business (strata-config).

use std::collections::BTreeMap;
use std::fmt;

use strata_core::{PathStep, Value};

use crate::ops::{self, describe, to_f64, to_plain_string};

/// A type constraint.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
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
pub struct ObjAttr {
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

/// A value that does not fit a type, and where inside the value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at `{}`: ", strata_core::path_to_string(path)) })]
pub struct ConvError {
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
pub fn convert(v: &Value, ty: &Type) -> Result<Value, ConvError> {
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
pub fn to_set(items: Vec<Value>) -> Vec<Value> {
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

    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    fn attr(ty: Type, optional: bool, default: Option<Value>) -> ObjAttr {
        ObjAttr {
            ty,
            optional,
            default,
        }
    }

    #[test]
    fn displays_types() {
        let t = Type::Object(Some(BTreeMap::from([
            ("a".to_string(), attr(Type::String, false, None)),
            ("b".to_string(), attr(Type::Number, true, Some(Value::from(3)))),
        ])));
        assert_eq!(t.to_string(), "object({a = string, b = optional(number)})");
        assert_eq!(
            Type::Tuple(vec![Type::String, Type::Bool]).to_string(),
            "tuple([string, bool])"
        );
        assert_eq!(Type::Map(Box::new(Type::Object(None))).to_string(), "map(object)");
    }

    #[test]
    fn converts_values() {
        assert_eq!(convert(&Value::from(3), &Type::String).unwrap(), "3".into());
        assert_eq!(convert(&"3".into(), &Type::Number).unwrap(), Value::from(3));
        assert_eq!(convert(&"true".into(), &Type::Bool).unwrap(), true.into());
        assert!(convert(&"x".into(), &Type::Number).is_err());
        // object({a = string, b = optional(number, 3), c = optional(bool)})
        let t = Type::Object(Some(BTreeMap::from([
            ("a".to_string(), attr(Type::String, false, None)),
            ("b".to_string(), attr(Type::Number, true, Some(Value::from(3)))),
            ("c".to_string(), attr(Type::Bool, true, None)),
        ])));
        let v = Value::object([("a", Value::from(1)), ("extra", Value::from(true))]);
        assert_eq!(
            convert(&v, &t).unwrap(),
            Value::object([("a", "1".into()), ("b", Value::from(3)), ("c", Value::Null)])
        );
        let e = convert(&Value::object([("b", Value::from(1))]), &t).unwrap_err();
        assert!(e.message.contains("`a` is required"));
        let e = convert(
            &Value::object([("x", Value::List(vec![Value::from("a")]))]),
            &Type::Map(Box::new(list(Type::Number))),
        )
        .unwrap_err();
        assert_eq!(e.path, vec![PathStep::Key("x".into()), PathStep::Index(0)]);
        assert_eq!(
            e.to_string(),
            "at `x[0]`: a number is required, and \"a\" is not one"
        );
        let set = convert(
            &Value::List(vec!["b".into(), "a".into(), "b".into()]),
            &Type::Set(Box::new(Type::String)),
        )
        .unwrap();
        assert_eq!(set, Value::List(vec!["a".into(), "b".into()]));
        let s = convert(&Value::from(1).sensitive(), &Type::String).unwrap();
        assert_eq!(s, Value::from("1").sensitive());
    }
}
