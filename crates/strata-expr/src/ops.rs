//! Operations on [`Value`]s shared by evaluation and by [`resolve`](crate::resolve): operators,
//! indexing, templates and conditionals.
//!
//! Each operation follows the same two rules. An operand that is not known yet (anything inside
//! it is [`Value::Unknown`]) makes the result a [`Deferred`] computation that carries the
//! operands, so it can be finished after apply. A sensitive operand makes the result sensitive.

use std::collections::BTreeMap;

use strata_core::{Deferred, PathStep, Value};

use crate::similar;

/// A binary operator of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Less => "<",
            BinOp::LessEq => "<=",
            BinOp::Greater => ">",
            BinOp::GreaterEq => ">=",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }

    pub fn from_symbol(s: &str) -> Option<BinOp> {
        const ALL: [BinOp; 13] = [
            BinOp::Eq,
            BinOp::NotEq,
            BinOp::Less,
            BinOp::LessEq,
            BinOp::Greater,
            BinOp::GreaterEq,
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Mod,
            BinOp::And,
            BinOp::Or,
        ];
        ALL.into_iter().find(|op| op.symbol() == s)
    }
}

/// Marks `v` sensitive when `sensitive` is set.
pub fn mark(v: Value, sensitive: bool) -> Value {
    if sensitive { v.sensitive() } else { v }
}

/// `v` with every sensitive mark removed, at any depth (for computation only).
pub fn deep_unmark(v: &Value) -> Value {
    match v {
        Value::Sensitive(inner) => deep_unmark(inner),
        Value::List(l) => Value::List(l.iter().map(deep_unmark).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), deep_unmark(v))).collect()),
        other => other.clone(),
    }
}

/// Splits a top-level sensitive mark off: the value inside and whether it was marked.
pub fn split_mark(v: Value) -> (Value, bool) {
    match v {
        Value::Sensitive(inner) => (split_mark(*inner).0, true),
        other => (other, false),
    }
}

/// A number value from a float: integral values become integers, so `4 / 2` prints `2`.
pub fn number(f: f64) -> Result<Value, String> {
    if !f.is_finite() {
        return Err("the result is not a finite number".into());
    }
    // Integers up to 2^53 are exact in f64; keep them as integers.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return Ok(Value::from(f as i64));
    }
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| "the result is not a finite number".to_string())
}

/// The number a (known, unmarked) value converts to: numbers, and strings that spell one.
pub fn to_f64(v: &Value) -> Option<f64> {
    match v.unmarked() {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn to_i64(v: &Value) -> Option<i64> {
    match v.unmarked() {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// The string form of a primitive for templates and string parameters; `None` for null,
/// collections and unknowns.
pub fn to_plain_string(v: &Value) -> Option<String> {
    match v.unmarked() {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The type name used in messages, with `tuple`/`map` spelled as users know them.
pub fn describe(v: &Value) -> &'static str {
    v.type_name()
}

/// Deep equality of known values, ignoring marks; numbers compare by value.
pub fn equal(a: &Value, b: &Value) -> bool {
    match (a.unmarked(), b.unmarked()) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && equal(v1, v2))
        }
        (x, y) => x == y,
    }
}

fn want_bool(v: &Value, side: &str, op: BinOp) -> Result<bool, String> {
    match v.unmarked() {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        other => Err(format!(
            "the {side} operand of `{}` must be a bool, not a {}",
            op.symbol(),
            describe(other)
        )),
    }
}

fn want_number(v: &Value, side: &str, op: BinOp) -> Result<f64, String> {
    to_f64(v).ok_or_else(|| {
        let hint = if op == BinOp::Add && matches!(v.unmarked(), Value::String(_)) {
            "; to join strings use a template like \"${a}${b}\""
        } else {
            ""
        };
        format!(
            "the {side} operand of `{}` must be a number, not {}{hint}",
            op.symbol(),
            match v.unmarked() {
                Value::String(s) => format!("the string \"{s}\""),
                other => format!("a {}", describe(other)),
            }
        )
    })
}

/// `lhs <op> rhs`.
pub fn binary(op: BinOp, lhs: Value, rhs: Value) -> Result<Value, String> {
    // `false && x` and `true || x` are decided without `x`, even when `x` is unknown.
    if matches!(op, BinOp::And | BinOp::Or) && !lhs.is_unknown() {
        let l = want_bool(&lhs, "left", op)?;
        if (op == BinOp::And && !l) || (op == BinOp::Or && l) {
            return Ok(mark(Value::Bool(l), lhs.is_sensitive()));
        }
    }
    if lhs.is_unknown() || rhs.is_unknown() {
        return Ok(Value::unknown(Deferred::Binary {
            operator: op.symbol().to_string(),
            lhs,
            rhs,
        }));
    }
    let sensitive = lhs.is_sensitive() || rhs.is_sensitive();
    let out = match op {
        BinOp::Eq => Value::Bool(equal(&lhs, &rhs)),
        BinOp::NotEq => Value::Bool(!equal(&lhs, &rhs)),
        BinOp::And | BinOp::Or => {
            let l = want_bool(&lhs, "left", op)?;
            let r = want_bool(&rhs, "right", op)?;
            Value::Bool(if op == BinOp::And { l && r } else { l || r })
        }
        BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq => {
            let l = want_number(&lhs, "left", op)?;
            let r = want_number(&rhs, "right", op)?;
            Value::Bool(match op {
                BinOp::Less => l < r,
                BinOp::LessEq => l <= r,
                BinOp::Greater => l > r,
                _ => l >= r,
            })
        }
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => arithmetic(op, &lhs, &rhs)?,
    };
    Ok(mark(out, sensitive))
}

fn arithmetic(op: BinOp, lhs: &Value, rhs: &Value) -> Result<Value, String> {
    let l = want_number(lhs, "left", op)?;
    let r = want_number(rhs, "right", op)?;
    // Exact integer arithmetic where both sides are integers and nothing overflows.
    if let (Some(a), Some(b)) = (to_i64(lhs), to_i64(rhs)) {
        let exact = match op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            BinOp::Mod => a.checked_rem(b),
            BinOp::Div if a.checked_rem(b) == Some(0) => a.checked_div(b),
            _ => None,
        };
        if let Some(n) = exact {
            return Ok(Value::from(n));
        }
    }
    match op {
        BinOp::Add => number(l + r),
        BinOp::Sub => number(l - r),
        BinOp::Mul => number(l * r),
        BinOp::Div if r == 0.0 => Err("division by zero".into()),
        BinOp::Div => number(l / r),
        BinOp::Mod if r == 0.0 => Err("modulo by zero".into()),
        _ => number(l % r),
    }
}

/// `!v` (`operator` = `"!"`) or `-v` (`"-"`).
pub fn unary(operator: &str, v: Value) -> Result<Value, String> {
    if v.is_unknown() {
        return Ok(Value::unknown(Deferred::Unary {
            operator: operator.to_string(),
            operand: v,
        }));
    }
    let sensitive = v.is_sensitive();
    let out = match operator {
        "!" => match v.unmarked() {
            Value::Bool(b) => Value::Bool(!b),
            other => return Err(format!("`!` needs a bool, not a {}", describe(other))),
        },
        "-" => match to_i64(&v).and_then(i64::checked_neg) {
            Some(n) => Value::from(n),
            None => match to_f64(&v) {
                Some(f) => number(-f)?,
                None => return Err(format!("`-` needs a number, not a {}", describe(v.unmarked()))),
            },
        },
        other => return Err(format!("unknown operator `{other}`")),
    };
    Ok(mark(out, sensitive))
}

/// `base[key]`. `attr_syntax` is set for `base.key`, which cannot index lists.
pub fn index(base: Value, key: Value, attr_syntax: bool) -> Result<Value, String> {
    if key.is_unknown() {
        return Ok(Value::unknown(Deferred::Index { base, key }));
    }
    let (base, base_marked) = split_mark(base);
    let (key, key_marked) = split_mark(key);
    let sensitive = base_marked || key_marked;
    if let Value::Unknown(d) = base {
        // An attribute of an attribute is one longer path: lookups after apply stay exact.
        let step = match key.unmarked() {
            Value::String(s) => Some(PathStep::Key(s.clone())),
            Value::Number(n) => n
                .as_u64()
                .and_then(|u| usize::try_from(u).ok())
                .map(PathStep::Index),
            _ => None,
        };
        let out = match (*d, step) {
            (Deferred::Attr { resource, mut path }, Some(step)) => {
                path.push(step);
                Value::unknown(Deferred::Attr { resource, path })
            }
            (d, _) => Value::unknown(Deferred::Index {
                base: Value::Unknown(Box::new(d)),
                key,
            }),
        };
        return Ok(mark(out, sensitive));
    }
    let out = match &base {
        Value::Object(o) => {
            let k = to_plain_string(&key)
                .ok_or_else(|| format!("an object key must be a string, not a {}", describe(&key)))?;
            match o.get(&k) {
                Some(v) => v.clone(),
                None => return Err(missing_key(&k, o)),
            }
        }
        Value::List(l) => {
            if attr_syntax {
                return Err(format!(
                    "a list has no attribute `{}`; use an index like [0], or a splat like [*].{}",
                    to_plain_string(&key).unwrap_or_default(),
                    to_plain_string(&key).unwrap_or_default()
                ));
            }
            let i = to_f64(&key).ok_or_else(|| {
                format!(
                    "a list index must be a number, not a {}",
                    describe(key.unmarked())
                )
            })?;
            if i.fract() != 0.0 || i < 0.0 {
                return Err(format!(
                    "a list index must be a whole number of 0 or more, not {i}"
                ));
            }
            let i = i as usize;
            match l.get(i) {
                Some(v) => v.clone(),
                None => {
                    return Err(format!(
                        "index {i} is out of range for a list of {} element{}",
                        l.len(),
                        if l.len() == 1 { "" } else { "s" }
                    ));
                }
            }
        }
        Value::Null => return Err("cannot index a null value".into()),
        other => return Err(format!("cannot index a {}", describe(other))),
    };
    Ok(mark(out, sensitive))
}

fn missing_key(k: &str, o: &BTreeMap<String, Value>) -> String {
    if o.is_empty() {
        return format!("the object has no attribute `{k}` (it is empty)");
    }
    format!(
        "the object has no attribute `{k}`; {}",
        similar::hint(k, "it has", o.keys().map(String::as_str))
    )
}

/// Concatenates template parts. A lone interpolation keeps its type (`"${var.list}"` is the
/// list), as in HCL; the caller decides that before calling.
pub fn template(parts: Vec<Value>) -> Result<Value, String> {
    if parts.iter().any(Value::is_unknown) {
        return Ok(Value::unknown(Deferred::Template { parts }));
    }
    let mut out = String::new();
    let mut sensitive = false;
    for p in &parts {
        sensitive |= p.is_sensitive();
        match to_plain_string(p) {
            Some(s) => out.push_str(&s),
            None if p.is_null() => return Err("cannot insert a null value into a string template".into()),
            None => {
                return Err(format!(
                    "cannot insert a {} into a string template; use jsonencode() or join() to turn it into a string",
                    describe(p)
                ));
            }
        }
    }
    Ok(mark(Value::String(out), sensitive))
}

/// The truth of a condition: a bool, or the strings `"true"` / `"false"`.
pub fn condition(v: &Value, what: &str) -> Result<bool, String> {
    match v.unmarked() {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        Value::Null => Err(format!("the {what} is null; it must be true or false")),
        other => Err(format!("the {what} must be a bool, not a {}", describe(other))),
    }
}

/// `cond ? then : otherwise` with both branches already evaluated.
pub fn conditional(cond: Value, then: Value, otherwise: Value) -> Result<Value, String> {
    if cond.is_unknown() {
        return Ok(Value::unknown(Deferred::Conditional {
            cond,
            then,
            otherwise,
        }));
    }
    let c = condition(&cond, "condition")?;
    Ok(mark(if c { then } else { otherwise }, cond.is_sensitive()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_core::ResourceAddr;

    fn n(i: i64) -> Value {
        Value::from(i)
    }

    #[test]
    fn arithmetic_is_exact_for_integers() {
        assert_eq!(binary(BinOp::Add, n(2), n(3)).unwrap(), n(5));
        assert_eq!(binary(BinOp::Div, n(6), n(3)).unwrap(), n(2));
        assert_eq!(binary(BinOp::Div, n(7), n(2)).unwrap(), number(3.5).unwrap());
        assert_eq!(binary(BinOp::Mod, n(7), n(3)).unwrap(), n(1));
        // Overflowing integer operations fall back to floats instead of panicking.
        assert!(binary(BinOp::Div, n(i64::MIN), n(-1)).is_ok());
        assert!(binary(BinOp::Mod, n(i64::MIN), n(-1)).is_ok());
        assert!(binary(BinOp::Mul, n(i64::MAX), n(2)).is_ok());
        assert_eq!(binary(BinOp::Add, "2".into(), n(3)).unwrap(), n(5));
        assert!(binary(BinOp::Div, n(1), n(0)).is_err());
        let e = binary(BinOp::Add, "a".into(), "b".into()).unwrap_err();
        assert!(e.contains("template"), "{e}");
        assert_eq!(unary("-", n(4)).unwrap(), n(-4));
        assert_eq!(unary("!", true.into()).unwrap(), false.into());
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(
            binary(BinOp::Eq, n(1), number(1.0).unwrap()).unwrap(),
            true.into()
        );
        assert_eq!(binary(BinOp::Eq, n(1), "1".into()).unwrap(), false.into());
        assert_eq!(binary(BinOp::Less, n(1), n(2)).unwrap(), true.into());
        let addr = ResourceAddr::resource("x");
        let unknown = Value::attr(&addr, "properties.ip");
        assert_eq!(
            binary(BinOp::And, false.into(), unknown.clone()).unwrap(),
            false.into()
        );
        assert!(
            binary(BinOp::And, true.into(), unknown)
                .unwrap()
                .is_wholly_unknown()
        );
    }

    #[test]
    fn sensitivity_propagates() {
        let s = Value::from("x").sensitive();
        let out = template(vec!["a-".into(), s]).unwrap();
        assert_eq!(out, Value::from("a-x").sensitive());
        let out = binary(BinOp::Eq, n(1).sensitive(), n(1)).unwrap();
        assert!(out.is_sensitive());
    }

    #[test]
    fn indexing() {
        let o = Value::object([("a", n(1))]);
        assert_eq!(index(o.clone(), "a".into(), true).unwrap(), n(1));
        assert!(
            index(o, "b".into(), true)
                .unwrap_err()
                .contains("no attribute `b`")
        );
        let l = Value::List(vec![n(1), n(2)]);
        assert_eq!(index(l.clone(), n(1), false).unwrap(), n(2));
        assert_eq!(index(l.clone(), "1".into(), false).unwrap(), n(2));
        assert!(index(l.clone(), n(2), false).is_err());
        assert!(index(l, "x".into(), true).is_err());
        let addr = ResourceAddr::resource("x");
        let v = index(Value::attr(&addr, "properties"), "ip".into(), true).unwrap();
        assert_eq!(v, Value::attr(&addr, "properties.ip"));
    }

    #[test]
    fn templates() {
        assert_eq!(
            template(vec!["a".into(), n(1), true.into()]).unwrap(),
            "a1true".into()
        );
        assert!(template(vec![Value::Null]).is_err());
        assert!(template(vec![Value::List(vec![])]).is_err());
        let addr = ResourceAddr::resource("x");
        assert!(
            template(vec!["a".into(), Value::attr(&addr, "p")])
                .unwrap()
                .is_wholly_unknown()
        );
    }
}
