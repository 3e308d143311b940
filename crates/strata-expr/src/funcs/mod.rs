//! The built-in functions of the language (`cidrsubnet`, `merge`, `format`, …), with
//! OpenTofu's semantics.
//!
//! Every function is a row of [`FUNCS`]: its name, how many arguments it takes, and how it
//! treats marks and unknowns ([`Mode`]). [`call`] checks arity, applies the mode and runs it.
//! Most functions see their arguments fully unmarked and fully known: the dispatcher defers
//! the call when anything is unknown and marks the result when anything was sensitive.
//! Structural functions (`merge`, `lookup`, `concat`, …) see nested marks and unknowns and
//! pass them through, so `lookup(var.secrets, "db")` is sensitive only if that entry is; they
//! answer [`FnError::Unknown`] when they need a value that is not known yet.

mod collections;
mod encoding;
mod format;
mod net;
mod numeric;
mod strings;

pub use encoding::hex;

use std::borrow::Cow;
use std::collections::BTreeMap;

use strata_core::{Deferred, Value};

use crate::ops::{self, deep_unmark, mark, split_mark};

/// How a function failed, as the evaluator reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    NoSuchFunction,
    Arity(String),
    Failed(String),
}

/// How a function implementation fails.
#[derive(Debug, Clone, PartialEq)]
pub enum FnError {
    /// A value the function needs is not known yet: the call is deferred.
    Unknown,
    Invalid(String),
}

type FnResult = Result<Value, FnError>;

fn invalid<T>(msg: impl Into<String>) -> Result<T, FnError> {
    Err(FnError::Invalid(msg.into()))
}

/// How a function treats sensitive marks and unknown values.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Arguments fully unmarked and fully known; the result is sensitive if any argument was.
    Plain,
    /// Arguments keep nested marks and unknowns; only a top-level mark is lifted (and put
    /// back on the result).
    Structural,
    /// The function handles marks and unknowns itself.
    Raw,
}

struct Func {
    name: &'static str,
    min: usize,
    /// `None`: any number.
    max: Option<usize>,
    mode: Mode,
    imp: fn(&[Value]) -> FnResult,
}

const fn f(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    mode: Mode,
    imp: fn(&[Value]) -> FnResult,
) -> Func {
    Func {
        name,
        min,
        max,
        mode,
        imp,
    }
}

use Mode::{Plain, Raw, Structural};

const FUNCS: &[Func] = &[
    // strings
    f("format", 1, None, Plain, format::format),
    f("formatlist", 1, None, Plain, format::formatlist),
    f("lower", 1, Some(1), Plain, strings::lower),
    f("upper", 1, Some(1), Plain, strings::upper),
    f("title", 1, Some(1), Plain, strings::title),
    f("trimspace", 1, Some(1), Plain, strings::trimspace),
    f("trim", 2, Some(2), Plain, strings::trim),
    f("trimprefix", 2, Some(2), Plain, strings::trimprefix),
    f("trimsuffix", 2, Some(2), Plain, strings::trimsuffix),
    f("chomp", 1, Some(1), Plain, strings::chomp),
    f("strrev", 1, Some(1), Plain, strings::strrev),
    f("replace", 3, Some(3), Plain, strings::replace),
    f("split", 2, Some(2), Plain, strings::split),
    f("join", 2, None, Plain, strings::join),
    f("substr", 3, Some(3), Plain, strings::substr),
    f("startswith", 2, Some(2), Plain, strings::startswith),
    f("endswith", 2, Some(2), Plain, strings::endswith),
    f("length", 1, Some(1), Structural, collections::length),
    // collections
    f("merge", 0, None, Structural, collections::merge),
    f("lookup", 2, Some(3), Structural, collections::lookup),
    f("concat", 0, None, Structural, collections::concat),
    f("keys", 1, Some(1), Structural, collections::keys),
    f("values", 1, Some(1), Structural, collections::values),
    f("element", 2, Some(2), Structural, collections::element),
    f("flatten", 1, Some(1), Structural, collections::flatten),
    f("coalesce", 1, None, Structural, collections::coalesce),
    f("zipmap", 2, Some(2), Structural, collections::zipmap),
    f("slice", 3, Some(3), Structural, collections::slice),
    f("reverse", 1, Some(1), Structural, collections::reverse),
    f("one", 1, Some(1), Structural, collections::one),
    f("tolist", 1, Some(1), Structural, collections::tolist),
    f("tomap", 1, Some(1), Structural, collections::tomap),
    f("toset", 1, Some(1), Plain, collections::toset),
    f("contains", 2, Some(2), Plain, collections::contains),
    f("index", 2, Some(2), Plain, collections::index),
    f("distinct", 1, Some(1), Plain, collections::distinct),
    f("compact", 1, Some(1), Plain, collections::compact),
    f("sort", 1, Some(1), Plain, collections::sort),
    f("alltrue", 1, Some(1), Plain, collections::alltrue),
    f("anytrue", 1, Some(1), Plain, collections::anytrue),
    f("tostring", 1, Some(1), Plain, collections::tostring),
    f("tonumber", 1, Some(1), Plain, collections::tonumber),
    f("tobool", 1, Some(1), Plain, collections::tobool),
    // numbers
    f("min", 1, None, Plain, numeric::min),
    f("max", 1, None, Plain, numeric::max),
    f("abs", 1, Some(1), Plain, numeric::abs),
    f("ceil", 1, Some(1), Plain, numeric::ceil),
    f("floor", 1, Some(1), Plain, numeric::floor),
    f("signum", 1, Some(1), Plain, numeric::signum),
    f("pow", 2, Some(2), Plain, numeric::pow),
    f("sum", 1, Some(1), Plain, numeric::sum),
    f("range", 1, Some(3), Plain, numeric::range),
    // networks
    f("cidrsubnet", 3, Some(3), Plain, net::cidrsubnet),
    f("cidrsubnets", 1, None, Plain, net::cidrsubnets),
    f("cidrhost", 2, Some(2), Plain, net::cidrhost),
    f("cidrnetmask", 1, Some(1), Plain, net::cidrnetmask),
    // encodings
    f("jsonencode", 1, Some(1), Plain, encoding::jsonencode),
    f("jsondecode", 1, Some(1), Plain, encoding::jsondecode),
    f("base64encode", 1, Some(1), Plain, encoding::base64encode),
    f("base64decode", 1, Some(1), Plain, encoding::base64decode),
    f("sha256", 1, Some(1), Plain, encoding::sha256),
    // marks and errors; `can` and `try` are evaluated specially and land here only when they
    // are resolved after apply (see `resolve`).
    f("sensitive", 1, Some(1), Raw, sensitive),
    f("nonsensitive", 1, Some(1), Raw, nonsensitive),
    f("can", 1, Some(1), Raw, can),
    f("try", 1, None, Raw, try_first),
];

/// The names of every function, for hints.
pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    FUNCS.iter().map(|f| f.name)
}

/// Calls function `name`.
pub fn call(name: &str, args: Vec<Value>) -> Result<Value, CallError> {
    let func = FUNCS
        .iter()
        .find(|f| f.name == name)
        .ok_or(CallError::NoSuchFunction)?;
    check_arity(func, args.len())?;
    match func.mode {
        Raw => (func.imp)(&args).or_else(|e| finish(name, args.clone(), e)),
        Plain => {
            if args.iter().any(Value::is_unknown) {
                return Ok(defer(name, args));
            }
            let sensitive = args.iter().any(Value::is_sensitive);
            let plain: Vec<Value> = args.iter().map(deep_unmark).collect();
            match (func.imp)(&plain) {
                Ok(v) => Ok(mark(v, sensitive)),
                Err(e) => finish(name, args, e),
            }
        }
        Structural => {
            let mut sensitive = false;
            let lifted: Vec<Value> = args
                .iter()
                .map(|a| {
                    let (v, m) = split_mark(a.clone());
                    sensitive |= m;
                    v
                })
                .collect();
            match (func.imp)(&lifted) {
                Ok(v) => Ok(mark(v, sensitive)),
                Err(e) => finish(name, args, e),
            }
        }
    }
}

fn finish(name: &str, args: Vec<Value>, e: FnError) -> Result<Value, CallError> {
    match e {
        FnError::Unknown => Ok(defer(name, args)),
        FnError::Invalid(m) => Err(CallError::Failed(m)),
    }
}

fn defer(name: &str, args: Vec<Value>) -> Value {
    Value::unknown(Deferred::Call {
        function: name.to_string(),
        args,
    })
}

fn check_arity(func: &Func, n: usize) -> Result<(), CallError> {
    let plural = |k: usize| if k == 1 { "argument" } else { "arguments" };
    let msg = match func.max {
        Some(max) if max == func.min && n != max => format!("takes {max} {}, not {n}", plural(max)),
        Some(max) if n < func.min || n > max => {
            format!("takes {} to {max} arguments, not {n}", func.min)
        }
        None if n < func.min => format!("takes at least {} {}, not {n}", func.min, plural(func.min)),
        _ => return Ok(()),
    };
    Err(CallError::Arity(msg))
}

fn sensitive(args: &[Value]) -> FnResult {
    Ok(arg(args, 0)?.clone().sensitive())
}

fn nonsensitive(args: &[Value]) -> FnResult {
    let v = arg(args, 0)?;
    if !v.is_sensitive() {
        return invalid("the value is not sensitive, so nonsensitive() is not needed");
    }
    Ok(deep_unmark(v))
}

fn can(args: &[Value]) -> FnResult {
    if arg(args, 0)?.is_unknown() {
        return Err(FnError::Unknown);
    }
    Ok(Value::Bool(true))
}

fn try_first(args: &[Value]) -> FnResult {
    let first = arg(args, 0)?;
    if first.is_unknown() {
        return Err(FnError::Unknown);
    }
    Ok(first.clone())
}

// ---- argument helpers ----

/// Argument `i` (arity was checked, but never index blindly).
fn arg(args: &[Value], i: usize) -> Result<&Value, FnError> {
    args.get(i)
        .ok_or_else(|| FnError::Invalid(format!("argument {} is missing", i + 1)))
}

/// Argument `i`, known at the top level.
fn known(args: &[Value], i: usize) -> Result<&Value, FnError> {
    let v = arg(args, i)?;
    if v.is_wholly_unknown() {
        return Err(FnError::Unknown);
    }
    Ok(v.unmarked())
}

/// Argument `i` as a string; numbers and bools convert, as in HCL.
fn string<'a>(args: &'a [Value], i: usize, what: &str) -> Result<Cow<'a, str>, FnError> {
    str_of(known(args, i)?, what)
}

fn str_of<'a>(v: &'a Value, what: &str) -> Result<Cow<'a, str>, FnError> {
    match v.unmarked() {
        Value::String(s) => Ok(Cow::Borrowed(s.as_str())),
        Value::Unknown(_) => Err(FnError::Unknown),
        Value::Null => invalid(format!("{what} is null; a string is required")),
        other => ops::to_plain_string(other)
            .map(Cow::Owned)
            .ok_or_else(|| FnError::Invalid(format!("{what} must be a string, not a {}", other.type_name()))),
    }
}

/// Argument `i` as a number; strings that spell a number convert.
fn num(args: &[Value], i: usize, what: &str) -> Result<f64, FnError> {
    num_of(known(args, i)?, what)
}

fn num_of(v: &Value, what: &str) -> Result<f64, FnError> {
    if v.is_wholly_unknown() {
        return Err(FnError::Unknown);
    }
    ops::to_f64(v).ok_or_else(|| match v.unmarked() {
        Value::Null => FnError::Invalid(format!("{what} is null; a number is required")),
        Value::String(s) => FnError::Invalid(format!("{what} must be a number, and \"{s}\" is not one")),
        other => FnError::Invalid(format!("{what} must be a number, not a {}", other.type_name())),
    })
}

/// Argument `i` as a whole number.
fn int(args: &[Value], i: usize, what: &str) -> Result<i64, FnError> {
    let f = num(args, i, what)?;
    if f.fract() != 0.0 || f.abs() > 9.0e15 {
        return invalid(format!("{what} must be a whole number, not {f}"));
    }
    Ok(f as i64)
}

/// Argument `i` as a list.
fn list<'a>(args: &'a [Value], i: usize, what: &str) -> Result<&'a [Value], FnError> {
    match known(args, i)? {
        Value::List(l) => Ok(l),
        Value::Null => invalid(format!("{what} is null; a list is required")),
        other => invalid(format!("{what} must be a list, not a {}", other.type_name())),
    }
}

/// Argument `i` as an object or map.
fn object<'a>(args: &'a [Value], i: usize, what: &str) -> Result<&'a BTreeMap<String, Value>, FnError> {
    match known(args, i)? {
        Value::Object(o) => Ok(o),
        Value::Null => invalid(format!("{what} is null; a map or object is required")),
        other => invalid(format!(
            "{what} must be a map or object, not a {}",
            other.type_name()
        )),
    }
}

fn num_value(f: f64) -> FnResult {
    ops::number(f).map_err(FnError::Invalid)
}
