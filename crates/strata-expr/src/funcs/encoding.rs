//! JSON, base64 and hashing functions.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use strata_core::Value;

use super::{FnResult, arg, invalid, string};

/// `jsonencode`: compact JSON, escaping `<`, `>`, `&`, U+2028 and U+2029 as OpenTofu does, so
/// the output is safe to embed in HTML and JavaScript.
pub(super) fn jsonencode(a: &[Value]) -> FnResult {
    let Some(json) = arg(a, 0)?.to_json() else {
        return Err(super::FnError::Unknown);
    };
    let text = serde_json::to_string(&json).map_err(|e| super::FnError::Invalid(e.to_string()))?;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out.into())
}

pub(super) fn jsondecode(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the JSON text")?;
    match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(j) => Ok(Value::from_json(&j)),
        Err(e) => invalid(format!("the text is not valid JSON: {e}")),
    }
}

pub(super) fn base64encode(a: &[Value]) -> FnResult {
    Ok(STANDARD.encode(string(a, 0, "the string")?.as_bytes()).into())
}

pub(super) fn base64decode(a: &[Value]) -> FnResult {
    let s = string(a, 0, "the base64 text")?;
    let bytes = match STANDARD.decode(s.as_bytes()) {
        Ok(b) => b,
        Err(e) => return invalid(format!("the text is not valid base64: {e}")),
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text.into()),
        Err(_) => invalid("the decoded bytes are not valid UTF-8 text"),
    }
}

pub(super) fn sha256(a: &[Value]) -> FnResult {
    Ok(hex(&Sha256::digest(string(a, 0, "the string")?.as_bytes())).into())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}
