//! Collection and conversion functions.

use std::collections::BTreeMap;

use strata_core::Value;

use super::{FnError, FnResult, arg, int, invalid, known, list, object, str_of, string};
use crate::ops::{self, to_plain_string};
use crate::types::{self, Type};

pub(super) fn length(a: &[Value]) -> FnResult {
    let n = match known(a, 0)? {
        Value::String(s) => s.chars().count(),
        Value::List(l) => l.len(),
        Value::Object(o) => o.len(),
        Value::Null => return invalid("the argument is null"),
        other => {
            return invalid(format!(
                "length() needs a string, list or map, not a {}",
                other.type_name()
            ));
        }
    };
    Ok(Value::from(n as i64))
}

pub(super) fn merge(a: &[Value]) -> FnResult {
    let mut out = BTreeMap::new();
    for (i, v) in a.iter().enumerate() {
        match v.unmarked() {
            Value::Null => {}
            Value::Object(o) => out.extend(o.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Unknown(_) => return Err(FnError::Unknown),
            other => {
                return invalid(format!(
                    "argument {} must be a map or object, not a {}",
                    i + 1,
                    other.type_name()
                ));
            }
        }
    }
    Ok(Value::Object(out))
}

pub(super) fn lookup(a: &[Value]) -> FnResult {
    let map = object(a, 0, "the map")?;
    let key = string(a, 1, "the key")?;
    match map.get(key.as_ref()) {
        Some(v) => Ok(v.clone()),
        None => match a.get(2) {
            Some(default) => Ok(default.clone()),
            None => invalid(format!("the map has no key \"{key}\" and no default was given")),
        },
    }
}

pub(super) fn concat(a: &[Value]) -> FnResult {
    let mut out = Vec::new();
    for i in 0..a.len() {
        out.extend(list(a, i, &format!("argument {}", i + 1))?.iter().cloned());
    }
    Ok(Value::List(out))
}

pub(super) fn keys(a: &[Value]) -> FnResult {
    Ok(Value::List(
        object(a, 0, "the argument")?
            .keys()
            .map(|k| Value::String(k.clone()))
            .collect(),
    ))
}

pub(super) fn values(a: &[Value]) -> FnResult {
    Ok(Value::List(
        object(a, 0, "the argument")?.values().cloned().collect(),
    ))
}

pub(super) fn element(a: &[Value]) -> FnResult {
    let l = list(a, 0, "the list")?;
    let i = int(a, 1, "the index")?;
    if l.is_empty() {
        return invalid("cannot use element() with an empty list");
    }
    if i < 0 {
        return invalid("cannot use element() with a negative index");
    }
    Ok(l[(i as usize) % l.len()].clone())
}

pub(super) fn flatten(a: &[Value]) -> FnResult {
    fn walk(items: &[Value], out: &mut Vec<Value>) -> Result<(), FnError> {
        for v in items {
            match v {
                Value::List(inner) => walk(inner, out)?,
                Value::Unknown(_) => return Err(FnError::Unknown),
                Value::Sensitive(inner) if matches!(inner.unmarked(), Value::List(_)) => {
                    let mut nested = Vec::new();
                    walk(inner.as_list().unwrap_or_default(), &mut nested)?;
                    out.extend(nested.into_iter().map(Value::sensitive));
                }
                other => out.push(other.clone()),
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(list(a, 0, "the argument")?, &mut out)?;
    Ok(Value::List(out))
}

pub(super) fn coalesce(a: &[Value]) -> FnResult {
    for v in a {
        match v.unmarked() {
            Value::Unknown(_) => return Err(FnError::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            _ => return Ok(v.clone()),
        }
    }
    invalid("no non-null, non-empty argument was given")
}

pub(super) fn zipmap(a: &[Value]) -> FnResult {
    let keys = list(a, 0, "the list of keys")?;
    let values = list(a, 1, "the list of values")?;
    if keys.len() != values.len() {
        return invalid(format!(
            "there are {} keys but {} values; the lists must have the same length",
            keys.len(),
            values.len()
        ));
    }
    let mut out = BTreeMap::new();
    for (k, v) in keys.iter().zip(values) {
        if k.is_sensitive() {
            return invalid("a sensitive value cannot be used as a map key");
        }
        out.insert(str_of(k, "each key")?.into_owned(), v.clone());
    }
    Ok(Value::Object(out))
}

pub(super) fn slice(a: &[Value]) -> FnResult {
    let l = list(a, 0, "the list")?;
    let start = int(a, 1, "the start index")?;
    let end = int(a, 2, "the end index")?;
    if start < 0 || end < start || end as usize > l.len() {
        return invalid(format!(
            "slice({start}, {end}) is out of range for a list of {} elements; need 0 <= start <= end <= {}",
            l.len(),
            l.len()
        ));
    }
    Ok(Value::List(l[start as usize..end as usize].to_vec()))
}

pub(super) fn reverse(a: &[Value]) -> FnResult {
    Ok(Value::List(
        list(a, 0, "the argument")?.iter().rev().cloned().collect(),
    ))
}

pub(super) fn one(a: &[Value]) -> FnResult {
    let l = list(a, 0, "the argument")?;
    match l {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        _ => invalid(format!(
            "the list has {} elements; one() needs zero or one",
            l.len()
        )),
    }
}

pub(super) fn tolist(a: &[Value]) -> FnResult {
    match known(a, 0)? {
        Value::Null => Ok(Value::Null),
        v @ Value::List(_) => Ok(v.clone()),
        other => invalid(format!("cannot convert a {} to a list", other.type_name())),
    }
}

pub(super) fn tomap(a: &[Value]) -> FnResult {
    match known(a, 0)? {
        Value::Null => Ok(Value::Null),
        Value::Object(o) => {
            // A map has one element type: mixed primitives unify to string, as in HCL.
            let kinds: Vec<&str> = o
                .values()
                .filter(|v| !v.is_null() && !v.is_unknown())
                .map(Value::type_name)
                .collect();
            let mixed = kinds.windows(2).any(|w| w[0] != w[1]);
            if !mixed {
                return Ok(Value::Object(o.clone()));
            }
            types::convert(&Value::Object(o.clone()), &Type::Map(Box::new(Type::String)))
                .map_err(|e| FnError::Invalid(format!("the values of a map must have one type: {e}")))
        }
        other => invalid(format!("cannot convert a {} to a map", other.type_name())),
    }
}

pub(super) fn toset(a: &[Value]) -> FnResult {
    match known(a, 0)? {
        Value::Null => Ok(Value::Null),
        Value::List(l) => Ok(Value::List(types::to_set(l.clone()))),
        other => invalid(format!("cannot convert a {} to a set", other.type_name())),
    }
}

pub(super) fn contains(a: &[Value]) -> FnResult {
    let l = list(a, 0, "the list")?;
    let needle = arg(a, 1)?;
    Ok(Value::Bool(l.iter().any(|v| ops::equal(v, needle))))
}

pub(super) fn index(a: &[Value]) -> FnResult {
    let l = list(a, 0, "the list")?;
    let needle = arg(a, 1)?;
    match l.iter().position(|v| ops::equal(v, needle)) {
        Some(i) => Ok(Value::from(i as i64)),
        None => invalid("the item is not in the list"),
    }
}

pub(super) fn distinct(a: &[Value]) -> FnResult {
    let mut out: Vec<Value> = Vec::new();
    for v in list(a, 0, "the argument")? {
        if !out.iter().any(|o| ops::equal(o, v)) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

pub(super) fn compact(a: &[Value]) -> FnResult {
    let mut out = Vec::new();
    for v in list(a, 0, "the argument")? {
        if v.is_null() {
            continue;
        }
        let s = str_of(v, "each element")?;
        if !s.is_empty() {
            out.push(Value::String(s.into_owned()));
        }
    }
    Ok(Value::List(out))
}

pub(super) fn sort(a: &[Value]) -> FnResult {
    let mut items = Vec::new();
    for v in list(a, 0, "the argument")? {
        if v.is_null() {
            return invalid("sort() cannot sort a list that contains null");
        }
        items.push(str_of(v, "each element")?.into_owned());
    }
    items.sort();
    Ok(Value::List(items.into_iter().map(Value::String).collect()))
}

fn bools(a: &[Value]) -> Result<Vec<bool>, FnError> {
    list(a, 0, "the argument")?
        .iter()
        .map(|v| match v.unmarked() {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(FnError::Invalid(format!(
                "every element must be a bool, not a {}",
                other.type_name()
            ))),
        })
        .collect()
}

pub(super) fn alltrue(a: &[Value]) -> FnResult {
    Ok(Value::Bool(bools(a)?.into_iter().all(|b| b)))
}

pub(super) fn anytrue(a: &[Value]) -> FnResult {
    Ok(Value::Bool(bools(a)?.into_iter().any(|b| b)))
}

pub(super) fn tostring(a: &[Value]) -> FnResult {
    match known(a, 0)? {
        Value::Null => Ok(Value::Null),
        v => to_plain_string(v)
            .map(Value::String)
            .ok_or_else(|| FnError::Invalid(format!("cannot convert a {} to a string", v.type_name()))),
    }
}

pub(super) fn tonumber(a: &[Value]) -> FnResult {
    convert_primitive(a, &Type::Number)
}

pub(super) fn tobool(a: &[Value]) -> FnResult {
    convert_primitive(a, &Type::Bool)
}

fn convert_primitive(a: &[Value], ty: &Type) -> FnResult {
    let v = known(a, 0)?;
    types::convert(v, ty).map_err(|e| FnError::Invalid(e.to_string()))
}
