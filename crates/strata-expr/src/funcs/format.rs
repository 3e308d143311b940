//! `format` and `formatlist`: printf-style formatting with the verbs of OpenTofu (which are
//! Go's): `%v %#v %t %b %d %o %x %X %e %E %f %g %G %s %q %%`, flags `+ - # 0 space`, width,
//! precision and explicit argument indexes (`%[2]s`).

use strata_core::Value;

use super::{FnError, FnResult, invalid, string};
use crate::ops;

const MAX_WIDTH: usize = 1_000_000;

#[derive(Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

pub(super) fn format(a: &[Value]) -> FnResult {
    let fmt = string(a, 0, "the format string")?;
    Ok(format_values(&fmt, &a[1..])?.into())
}

pub(super) fn formatlist(a: &[Value]) -> FnResult {
    let fmt = string(a, 0, "the format string")?;
    let args = &a[1..];
    let mut len: Option<usize> = None;
    for (i, v) in args.iter().enumerate() {
        if let Value::List(l) = v {
            match len {
                Some(n) if n != l.len() => {
                    return invalid(format!(
                        "argument {} has length {}, which does not match the {n} of an earlier list",
                        i + 2,
                        l.len()
                    ));
                }
                _ => len = Some(l.len()),
            }
        }
    }
    // Without any list, the result has a single element, as in OpenTofu.
    let n = len.unwrap_or(1);
    let mut out = Vec::with_capacity(n);
    for row in 0..n {
        let row_args: Vec<Value> = args
            .iter()
            .map(|v| match v {
                Value::List(l) => l.get(row).cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format_values(&fmt, &row_args)?));
    }
    Ok(Value::List(out))
}

fn format_values(fmt: &str, args: &[Value]) -> Result<String, FnError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        let start = i - 1;
        let mut spec = Spec::default();
        while let Some(&f) = chars.get(i) {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                _ => break,
            }
            i += 1;
        }
        if chars.get(i) == Some(&'[') {
            let close = chars[i..].iter().position(|&c| c == ']').map(|p| p + i);
            let Some(close) = close else {
                return invalid(format!("unclosed `[` in the verb at offset {start}"));
            };
            let idx: String = chars[i + 1..close].iter().collect();
            match idx.parse::<usize>() {
                Ok(n) if n >= 1 => next_arg = n - 1,
                _ => return invalid(format!("`[{idx}]` at offset {start} is not an argument number")),
            }
            i = close + 1;
        }
        spec.width = digits(&chars, &mut i);
        if chars.get(i) == Some(&'.') {
            i += 1;
            spec.prec = Some(digits(&chars, &mut i).unwrap_or(0));
        }
        // Go refuses widths and precisions above a million; so do we, rather than allocate
        // whatever a typo asks for.
        if spec.width.is_some_and(|w| w > MAX_WIDTH) || spec.prec.is_some_and(|p| p > MAX_WIDTH) {
            return invalid(format!("the width or precision at offset {start} is too large"));
        }
        let Some(&verb) = chars.get(i) else {
            return invalid(format!(
                "the format string ends in the middle of a verb at offset {start}"
            ));
        };
        i += 1;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(value) = args.get(next_arg) else {
            return invalid(format!(
                "not enough arguments for \"%{verb}\" at offset {start}: it needs argument {} but there {} {}",
                next_arg + 1,
                if args.len() == 1 { "is" } else { "are" },
                args.len()
            ));
        };
        next_arg += 1;
        max_used = max_used.max(next_arg);
        let text = format_one(verb, &spec, value).map_err(|m| {
            FnError::Invalid(format!(
                "cannot format argument {next_arg} with \"%{verb}\" (offset {start}): {m}"
            ))
        })?;
        out.push_str(&text);
    }
    if max_used < args.len() {
        return invalid(format!(
            "too many arguments: the format string uses {max_used} of {}",
            args.len()
        ));
    }
    Ok(out)
}

fn digits(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    while chars.get(*i).is_some_and(char::is_ascii_digit) {
        *i += 1;
    }
    chars[start..*i].iter().collect::<String>().parse().ok()
}

fn format_one(verb: char, spec: &Spec, v: &Value) -> Result<String, String> {
    if v.is_null() && verb != 'v' {
        return Err("a null value cannot be formatted".into());
    }
    let body = match verb {
        'v' if spec.sharp => json(v)?,
        'v' => match v {
            Value::List(_) | Value::Object(_) => json(v)?,
            Value::Null => "null".into(),
            other => ops::to_plain_string(other).unwrap_or_default(),
        },
        's' => {
            let s = ops::to_plain_string(v)
                .ok_or_else(|| format!("a string is required, not a {}", v.type_name()))?;
            match spec.prec {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'q' => {
            let s = ops::to_plain_string(v)
                .ok_or_else(|| format!("a string is required, not a {}", v.type_name()))?;
            serde_json::to_string(&s).map_err(|e| e.to_string())?
        }
        't' => match v {
            Value::Bool(b) => b.to_string(),
            Value::String(s) if s == "true" || s == "false" => s.clone(),
            other => return Err(format!("a bool is required, not a {}", other.type_name())),
        },
        'd' | 'b' | 'o' | 'x' | 'X' => return integer(verb, spec, v),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => return float(verb, spec, v),
        other => return Err(format!("unsupported verb %{other}")),
    };
    Ok(pad(body, spec, false))
}

fn json(v: &Value) -> Result<String, String> {
    v.to_json()
        .map(|j| j.to_string())
        .ok_or_else(|| "the value is not known yet".to_string())
}

/// Pads to the width; `numeric` allows zero padding after the sign.
fn pad(s: String, spec: &Spec, numeric: bool) -> String {
    let Some(width) = spec.width else { return s };
    let len = s.chars().count();
    if len >= width {
        return s;
    }
    let fill = width - len;
    if spec.minus {
        return format!("{s}{}", " ".repeat(fill));
    }
    if spec.zero && numeric {
        let (sign, rest) = match s.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), s[1..].to_string()),
            _ => (String::new(), s),
        };
        return format!("{sign}{}{rest}", "0".repeat(fill));
    }
    format!("{}{s}", " ".repeat(fill))
}

fn sign(neg: bool, spec: &Spec) -> &'static str {
    if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

fn integer(verb: char, spec: &Spec, v: &Value) -> Result<String, String> {
    let f = ops::to_f64(v).ok_or_else(|| format!("a number is required, not a {}", v.type_name()))?;
    if f.fract() != 0.0 {
        return Err(format!("{f} is not a whole number"));
    }
    let n = match v.as_i64() {
        Some(i) => i128::from(i),
        None => f as i128,
    };
    let mag = n.unsigned_abs();
    let (prefix, digits) = match verb {
        'b' => ("0b", format!("{mag:b}")),
        'o' => ("0", format!("{mag:o}")),
        'x' => ("0x", format!("{mag:x}")),
        'X' => ("0X", format!("{mag:X}")),
        _ => ("", mag.to_string()),
    };
    let prefix = if spec.sharp { prefix } else { "" };
    Ok(pad(format!("{}{prefix}{digits}", sign(n < 0, spec)), spec, true))
}

/// Decimal digits (without trailing zeros) and the decimal point position of `f` (> 0),
/// rounded to `prec` significant digits, or the shortest that round-trips.
fn decimal(f: f64, prec: Option<usize>) -> (Vec<u8>, i32) {
    let text = match prec {
        Some(p) => format!("{:.*e}", p.max(1) - 1, f),
        None => format!("{f:e}"),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    (digits, exp + 1)
}

fn fmt_e(digits: &[u8], dp: i32, prec: usize, upper: bool) -> String {
    let mut s = String::new();
    s.push(char::from(b'0' + digits.first().copied().unwrap_or(0)));
    if prec > 0 {
        s.push('.');
        for i in 1..=prec {
            s.push(char::from(b'0' + digits.get(i).copied().unwrap_or(0)));
        }
    }
    let exp = if digits.iter().all(|d| *d == 0) { 0 } else { dp - 1 };
    s.push(if upper { 'E' } else { 'e' });
    s.push(if exp < 0 { '-' } else { '+' });
    s.push_str(&format!("{:02}", exp.unsigned_abs()));
    s
}

fn fmt_f(digits: &[u8], dp: i32, prec: usize) -> String {
    let mut s = String::new();
    if dp <= 0 {
        s.push('0');
    } else {
        for i in 0..dp as usize {
            s.push(char::from(b'0' + digits.get(i).copied().unwrap_or(0)));
        }
    }
    if prec > 0 {
        s.push('.');
        for i in 0..prec as i32 {
            let idx = dp + i;
            let d = if idx < 0 {
                0
            } else {
                digits.get(idx as usize).copied().unwrap_or(0)
            };
            s.push(char::from(b'0' + d));
        }
    }
    s
}

fn float(verb: char, spec: &Spec, v: &Value) -> Result<String, String> {
    let f = ops::to_f64(v).ok_or_else(|| format!("a number is required, not a {}", v.type_name()))?;
    let neg = f.is_sign_negative() && f != 0.0;
    let mag = f.abs();
    let body = match verb {
        'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), mag),
        'e' | 'E' => {
            let p = spec.prec.unwrap_or(6);
            let (digits, dp) = decimal(mag, Some(p + 1));
            fmt_e(&digits, dp, p, verb == 'E')
        }
        _ => {
            // Go's %g: shortest digits, or `prec` significant digits; exponent form when the
            // exponent is below -4 or at least the precision (6 for the shortest form).
            let (digits, dp) = if mag == 0.0 {
                (vec![0], 1)
            } else {
                decimal(mag, spec.prec)
            };
            let nd = digits.len();
            let mut prec = spec.prec.map_or(nd, |p| p.max(1));
            let mut eprec = prec;
            if eprec > nd && nd as i32 >= dp {
                eprec = nd;
            }
            if spec.prec.is_none() {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec as i32 {
                prec = prec.min(nd);
                fmt_e(&digits, dp, prec - 1, verb == 'G')
            } else {
                if prec as i32 > dp {
                    prec = nd;
                }
                fmt_f(&digits, dp, (prec as i32 - dp).max(0) as usize)
            }
        }
    };
    Ok(pad(format!("{}{body}", sign(neg, spec)), spec, true))
}
