//! Finishing deferred values once the resource attributes they wait for are known.

use std::collections::BTreeMap;

use strata_core::{Deferred, PathStep, ResourceAddr, Value};

use crate::funcs::{self, CallError};
use crate::ops::{self, BinOp, mark};

/// Resolves the deferred parts of `value` (after apply, or at plan time from refreshed
/// state): `lookup(addr, path)` returns the attribute if it is known now. Whatever cannot be
/// resolved yet stays unknown, so resolution can be partial. Fails only on a real evaluation
/// error, such as a function failing on the now-known value.
pub fn resolve(
    value: &Value,
    lookup: &dyn Fn(&ResourceAddr, &[PathStep]) -> Option<Value>,
) -> Result<Value, String> {
    match value {
        Value::Unknown(d) => deferred(d, lookup),
        Value::Sensitive(v) => Ok(resolve(v, lookup)?.sensitive()),
        Value::List(items) => items
            .iter()
            .map(|v| resolve(v, lookup))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| Ok((k.clone(), resolve(v, lookup)?)))
            .collect::<Result<BTreeMap<_, _>, String>>()
            .map(Value::Object),
        other => Ok(other.clone()),
    }
}

type Lookup<'a> = &'a dyn Fn(&ResourceAddr, &[PathStep]) -> Option<Value>;

fn deferred(d: &Deferred, lookup: Lookup<'_>) -> Result<Value, String> {
    match d {
        Deferred::Attr { resource, path } => Ok(match lookup(resource, path) {
            Some(v) => v,
            None => Value::Unknown(Box::new(d.clone())),
        }),
        Deferred::Call { function, args } if function == "can" => {
            let Some(arg) = args.first() else {
                return Err("can() takes exactly one expression".into());
            };
            Ok(match resolve(arg, lookup) {
                Err(_) => Value::Bool(false),
                Ok(v) if v.is_unknown() => Value::unknown(Deferred::Call {
                    function: function.clone(),
                    args: vec![v],
                }),
                Ok(_) => Value::Bool(true),
            })
        }
        Deferred::Call { function, args } if function == "try" => {
            let mut first_error = None;
            for (i, arg) in args.iter().enumerate() {
                match resolve(arg, lookup) {
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                    Ok(v) if v.is_unknown() => {
                        let mut rest = vec![v];
                        rest.extend(args[i + 1..].iter().cloned());
                        return Ok(Value::unknown(Deferred::Call {
                            function: function.clone(),
                            args: rest,
                        }));
                    }
                    Ok(v) => return Ok(v),
                }
            }
            let why = first_error.map_or_else(String::new, |e| format!(": the first failed with: {e}"));
            Err(format!("no expression given to try() succeeded{why}"))
        }
        Deferred::Call { function, args } => {
            let args = args
                .iter()
                .map(|a| resolve(a, lookup))
                .collect::<Result<Vec<_>, _>>()?;
            funcs::call(function, args).map_err(|e| match e {
                CallError::NoSuchFunction => format!("there is no function named `{function}`"),
                CallError::Arity(m) | CallError::Failed(m) => format!("{function}(): {m}"),
            })
        }
        Deferred::Index { base, key } => ops::index(resolve(base, lookup)?, resolve(key, lookup)?, false),
        Deferred::Template { parts } => {
            let parts = parts
                .iter()
                .map(|p| resolve(p, lookup))
                .collect::<Result<Vec<_>, _>>()?;
            ops::template(parts)
        }
        Deferred::Conditional {
            cond,
            then,
            otherwise,
        } => {
            let cond = resolve(cond, lookup)?;
            if cond.is_unknown() {
                // A branch that fails now may never be taken: keep it as it was.
                let then = resolve(then, lookup).unwrap_or_else(|_| then.clone());
                let otherwise = resolve(otherwise, lookup).unwrap_or_else(|_| otherwise.clone());
                return ops::conditional(cond, then, otherwise);
            }
            let truth = ops::condition(&cond, "condition")?;
            let chosen = resolve(if truth { then } else { otherwise }, lookup)?;
            Ok(mark(chosen, cond.is_sensitive()))
        }
        Deferred::Binary { operator, lhs, rhs } => {
            let op = BinOp::from_symbol(operator).ok_or_else(|| format!("unknown operator `{operator}`"))?;
            ops::binary(op, resolve(lhs, lookup)?, resolve(rhs, lookup)?)
        }
        Deferred::Unary { operator, operand } => ops::unary(operator, resolve(operand, lookup)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> ResourceAddr {
        ResourceAddr::resource("ip")
    }

    fn lookup_ip(a: &ResourceAddr, path: &[PathStep]) -> Option<Value> {
        (a == &addr()
            && path
                == [
                    PathStep::Key("properties".into()),
                    PathStep::Key("ipAddress".into()),
                ])
        .then(|| Value::from("10.0.0.4"))
    }

    #[test]
    fn resolves_attributes_and_computations() {
        let ip = Value::attr(&addr(), "properties.ipAddress");
        let v = Value::unknown(Deferred::Template {
            parts: vec!["http://".into(), ip.clone()],
        });
        assert_eq!(resolve(&v, &lookup_ip).unwrap(), "http://10.0.0.4".into());
        let call = funcs::call("upper", vec![Value::attr(&addr(), "properties.fqdn")]).unwrap();
        // Not known yet: stays deferred.
        assert!(resolve(&call, &lookup_ip).unwrap().is_wholly_unknown());
    }

    #[test]
    fn partial_resolution_keeps_what_is_unknown() {
        let v = Value::object([
            ("ip", Value::attr(&addr(), "properties.ipAddress")),
            ("other", Value::attr(&addr(), "properties.other")),
            ("secret", Value::attr(&addr(), "properties.ipAddress").sensitive()),
        ]);
        let out = resolve(&v, &lookup_ip).unwrap();
        assert_eq!(out.get("ip"), Some(&Value::from("10.0.0.4")));
        assert!(out.get("other").unwrap().is_wholly_unknown());
        assert_eq!(out.get("secret"), Some(&Value::from("10.0.0.4").sensitive()));
    }

    #[test]
    fn errors_on_real_failures() {
        let call = funcs::call(
            "cidrhost",
            vec![Value::attr(&addr(), "properties.ipAddress"), Value::from(1)],
        )
        .unwrap();
        let e = resolve(&call, &lookup_ip).unwrap_err();
        assert!(e.contains("cidrhost()"), "{e}");
    }

    #[test]
    fn can_and_try_after_apply() {
        let bad = funcs::call(
            "cidrhost",
            vec![Value::attr(&addr(), "properties.ipAddress"), Value::from(1)],
        )
        .unwrap();
        let can = Value::unknown(Deferred::Call {
            function: "can".into(),
            args: vec![bad.clone()],
        });
        assert_eq!(resolve(&can, &lookup_ip).unwrap(), false.into());
        let t = Value::unknown(Deferred::Call {
            function: "try".into(),
            args: vec![bad, "fallback".into()],
        });
        assert_eq!(resolve(&t, &lookup_ip).unwrap(), "fallback".into());
    }
}
