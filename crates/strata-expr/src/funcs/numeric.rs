//! Number functions.

use strata_core::Value;

use super::{FnResult, invalid, list, num, num_of, num_value};

fn numbers(a: &[Value]) -> Result<Vec<f64>, super::FnError> {
    (0..a.len()).map(|i| num(a, i, "each argument")).collect()
}

pub(super) fn min(a: &[Value]) -> FnResult {
    let ns = numbers(a)?;
    num_value(ns.into_iter().fold(f64::INFINITY, f64::min))
}

pub(super) fn max(a: &[Value]) -> FnResult {
    let ns = numbers(a)?;
    num_value(ns.into_iter().fold(f64::NEG_INFINITY, f64::max))
}

pub(super) fn abs(a: &[Value]) -> FnResult {
    num_value(num(a, 0, "the number")?.abs())
}

pub(super) fn ceil(a: &[Value]) -> FnResult {
    num_value(num(a, 0, "the number")?.ceil())
}

pub(super) fn floor(a: &[Value]) -> FnResult {
    num_value(num(a, 0, "the number")?.floor())
}

pub(super) fn signum(a: &[Value]) -> FnResult {
    let n = num(a, 0, "the number")?;
    num_value(if n == 0.0 { 0.0 } else { n.signum() })
}

pub(super) fn pow(a: &[Value]) -> FnResult {
    num_value(num(a, 0, "the base")?.powf(num(a, 1, "the exponent")?))
}

pub(super) fn sum(a: &[Value]) -> FnResult {
    let items = list(a, 0, "the argument")?;
    if items.is_empty() {
        return invalid("cannot sum an empty list");
    }
    let mut total = 0.0;
    for v in items {
        total += num_of(v, "each element")?;
    }
    num_value(total)
}

/// The most elements `range` produces, as in OpenTofu: a guard against typos like
/// `range(1, 1e9)`.
const RANGE_LIMIT: usize = 1024;

pub(super) fn range(a: &[Value]) -> FnResult {
    let (start, limit, step) = match a.len() {
        1 => (0.0, num(a, 0, "the limit")?, None),
        2 => (num(a, 0, "the start")?, num(a, 1, "the limit")?, None),
        _ => (
            num(a, 0, "the start")?,
            num(a, 1, "the limit")?,
            Some(num(a, 2, "the step")?),
        ),
    };
    let step = step.unwrap_or(if start > limit { -1.0 } else { 1.0 });
    if step == 0.0 {
        return invalid("the step must not be zero");
    }
    let mut out = Vec::new();
    let mut v = start;
    while (step > 0.0 && v < limit) || (step < 0.0 && v > limit) {
        if out.len() == RANGE_LIMIT {
            return invalid(format!(
                "more than {RANGE_LIMIT} values were generated; check the arguments"
            ));
        }
        out.push(num_value(v)?);
        v += step;
    }
    Ok(Value::List(out))
}
