//! String functions.

use strata_core::Value;

use super::{FnResult, invalid, list, num, str_of, string};

pub(super) fn lower(a: &[Value]) -> FnResult {
    Ok(string(a, 0, "the string")?.to_lowercase().into())
}

pub(super) fn upper(a: &[Value]) -> FnResult {
    Ok(string(a, 0, "the string")?.to_uppercase().into())
}

/// Go's `strings.Title`: the first letter of every word upper-cased.
pub(super) fn title(a: &[Value]) -> FnResult {
    fn is_separator(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphanumeric() {
            return false;
        }
        c.is_whitespace()
    }
    let s = string(a, 0, "the string")?;
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if is_separator(prev) {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        prev = c;
    }
    Ok(out.into())
}

pub(super) fn trimspace(a: &[Value]) -> FnResult {
    Ok(string(a, 0, "the string")?.trim().into())
}

pub(super) fn trim(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    let cutset = string(a, 1, "the set of characters to trim")?;
    Ok(s.trim_matches(|c| cutset.contains(c)).into())
}

pub(super) fn trimprefix(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    let p = string(a, 1, "the prefix")?;
    Ok(s.strip_prefix(p.as_ref()).unwrap_or(&s).into())
}

pub(super) fn trimsuffix(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    let p = string(a, 1, "the suffix")?;
    Ok(s.strip_suffix(p.as_ref()).unwrap_or(&s).into())
}

pub(super) fn chomp(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    Ok(s.trim_end_matches(['\n', '\r']).into())
}

pub(super) fn strrev(a: &[Value]) -> FnResult {
    Ok(string(a, 0, "the string")?
        .chars()
        .rev()
        .collect::<String>()
        .into())
}

pub(super) fn replace(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    let from = string(a, 1, "the substring to replace")?;
    let to = string(a, 2, "the replacement")?;
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return invalid(format!(
            "`{from}` looks like a regular expression, which strata does not support; pass a plain substring"
        ));
    }
    Ok(s.replace(from.as_ref(), &to).into())
}

pub(super) fn split(a: &[Value]) -> FnResult {
    let sep = string(a, 0, "the separator")?;
    let s = string(a, 1, "the string")?;
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_ref()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

pub(super) fn join(a: &[Value]) -> FnResult {
    let sep = string(a, 0, "the separator")?;
    let mut items = Vec::new();
    for i in 1..a.len() {
        for (j, v) in list(a, i, "each list to join")?.iter().enumerate() {
            if v.is_null() {
                return invalid(format!("element {j} of the list is null; join() needs strings"));
            }
            items.push(str_of(v, "each element")?.into_owned());
        }
    }
    Ok(items.join(&sep).into())
}

/// `substr(s, offset, length)`: by characters; a negative offset counts from the end, a
/// negative length takes the rest.
pub(super) fn substr(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the string")?;
    let offset = num(a, 1, "the offset")?;
    let length = num(a, 2, "the length")?;
    if offset.fract() != 0.0 || length.fract() != 0.0 {
        return invalid("the offset and the length must be whole numbers");
    }
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let mut off = offset as i64;
    if off < 0 {
        off = (len + off).max(0);
    }
    if off >= len {
        return Ok("".into());
    }
    let rest = &chars[off as usize..];
    let take = if length < 0.0 {
        rest.len()
    } else {
        (length as usize).min(rest.len())
    };
    Ok(rest[..take].iter().collect::<String>().into())
}

pub(super) fn startswith(a: &[Value]) -> FnResult {
    Ok(Value::Bool(
        string(a, 0, "the string")?.starts_with(string(a, 1, "the prefix")?.as_ref()),
    ))
}

pub(super) fn endswith(a: &[Value]) -> FnResult {
    Ok(Value::Bool(
        string(a, 0, "the string")?.ends_with(string(a, 1, "the suffix")?.as_ref()),
    ))
}
