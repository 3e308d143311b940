//! Values as a plan shows them: one line when they fit, otherwise broken over lines that each
//! fit the width. Strings break between characters (preferably after a space, `/`, `,` or an
//! escaped newline) and never inside an escape; lists and objects put one element per line.

use serde_json::Value as Json;
use strata_engine::Shown;

/// Shown for a value that exists only after apply.
pub(crate) const UNKNOWN: &str = "(known after apply)";
/// Shown for a sensitive value, whatever it is.
pub(crate) const SENSITIVE: &str = "<sensitive>";

/// The least room a wrapped value is given, however deep it is nested.
const MIN_ROOM: usize = 24;
/// How far the lines inside a list or object, or a string's continuation, are indented.
const STEP: &str = "    ";

/// A value as a plan may show it, on one line. Values in a plan are already masked; this
/// never sees a secret.
pub(crate) fn shown_inline(value: &Shown) -> String {
    match value {
        Shown::Absent => "null".to_string(),
        Shown::Known(json) => inline(json),
        Shown::Unknown => UNKNOWN.to_string(),
        Shown::Sensitive => SENSITIVE.to_string(),
    }
}

/// JSON in an HCL-like style on one line: strings quoted (JSON escapes), lists `[a, b]`,
/// objects `{ key = value }`.
pub fn inline(json: &Json) -> String {
    match json {
        Json::Null => "null".into(),
        Json::String(s) => quote(s),
        Json::Array(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Json::Object(map) if map.is_empty() => "{}".into(),
        Json::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", key(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub(crate) fn key(k: &str) -> String {
    if is_identifier(k) { k.to_string() } else { quote(k) }
}

pub(crate) fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

/// A string with JSON's escapes, quoted. Control characters and newlines become escapes, so a
/// value can never break a line on its own.
pub(crate) fn quote(s: &str) -> String {
    // Serialising a string cannot fail.
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// `value` laid out in lines: the first has `first` columns (it follows a prefix), the others
/// `room` columns and are indented relative to where the prefix starts.
pub(crate) fn layout(value: &Shown, first: usize, room: usize) -> Vec<String> {
    match value {
        Shown::Known(json) => layout_json(json, first.max(MIN_ROOM / 2), room.max(MIN_ROOM)),
        other => vec![shown_inline(other)],
    }
}

fn layout_json(json: &Json, first: usize, room: usize) -> Vec<String> {
    let one = inline(json);
    if one.chars().count() <= first {
        return vec![one];
    }
    match json {
        Json::String(s) => string_lines(&quote(s), first, room.saturating_sub(STEP.len()).max(MIN_ROOM)),
        Json::Array(items) if !items.is_empty() => {
            let mut out = vec!["[".to_string()];
            let inner = room.saturating_sub(STEP.len()).max(MIN_ROOM);
            for item in items {
                let mut lines = layout_json(item, inner.saturating_sub(1), inner);
                if let Some(last) = lines.last_mut() {
                    last.push(',');
                }
                out.extend(lines.into_iter().map(|l| format!("{STEP}{l}")));
            }
            out.push("]".to_string());
            out
        }
        Json::Object(map) if !map.is_empty() => {
            let mut out = vec!["{".to_string()];
            let inner = room.saturating_sub(STEP.len()).max(MIN_ROOM);
            let width = map
                .keys()
                .map(|k| key(k).chars().count())
                .filter(|w| *w <= 32)
                .max()
                .unwrap_or(0);
            for (k, v) in map {
                let k = format!("{:width$}", key(k));
                let lead = format!("{k} = ");
                let lines = layout_json(v, inner.saturating_sub(lead.chars().count()), inner);
                let mut lines = lines.into_iter();
                if let Some(first_line) = lines.next() {
                    out.push(format!("{STEP}{lead}{first_line}"));
                }
                out.extend(lines.map(|l| format!("{STEP}{l}")));
            }
            out.push("}".to_string());
            out
        }
        _ => vec![one],
    }
}

/// One unit of a quoted string: an escape (`\n`, `\"`, `\u00e9`) or one character.
fn atoms(quoted: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = quoted;
    while let Some(c) = rest.chars().next() {
        let len = if c == '\\' {
            match rest[1..].chars().next() {
                Some('u') => 6.min(rest.len()),
                Some(n) => 1 + n.len_utf8(),
                None => 1,
            }
        } else {
            c.len_utf8()
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// How good a place to end a line the end of `atom` is: an escaped newline best, then a
/// space, then a separator; `0` is no good place.
fn soft(atom: &str) -> u8 {
    match atom {
        "\\n" => 4,
        " " => 3,
        "/" | "," | ";" | "&" | "?" | "|" => 2,
        "-" | "." | ":" | "=" => 1,
        _ => 0,
    }
}

/// A quoted string in chunks: the first fits `first` columns, the others `room` columns and
/// are indented by [`STEP`].
fn string_lines(quoted: &str, first: usize, room: usize) -> Vec<String> {
    let atoms = atoms(quoted);
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < atoms.len() {
        let limit = if out.is_empty() { first } else { room };
        let mut width = 0;
        let mut end = i;
        // The last good place of each quality: (quality, end).
        let mut soft_ends: Vec<(u8, usize)> = Vec::new();
        while end < atoms.len() {
            let w = atoms[end].chars().count();
            if width + w > limit && end > i {
                break;
            }
            width += w;
            let quality = soft(atoms[end]);
            if quality > 0 {
                soft_ends.retain(|(q, _)| *q != quality);
                soft_ends.push((quality, end + 1));
            }
            end += 1;
        }
        // Break at the best place that keeps the line at least half full.
        if end < atoms.len() {
            let half = |e: usize| (e - i) * 2 >= end - i;
            if let Some((_, e)) = soft_ends.iter().filter(|(_, e)| half(*e)).max_by_key(|(q, _)| *q) {
                end = *e;
            }
        }
        let chunk: String = atoms[i..end].concat();
        if out.is_empty() {
            out.push(chunk);
        } else {
            out.push(format!("{STEP}{chunk}"));
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_values_stay_on_one_line() {
        assert_eq!(
            inline(&json!({"a": [1, "x"], "b c": null})),
            "{ a = [1, \"x\"], \"b c\" = null }"
        );
        assert_eq!(layout(&Shown::Known(json!("x")), 10, 10), ["\"x\""]);
        assert_eq!(layout(&Shown::Sensitive, 1, 1), [SENSITIVE]);
    }

    #[test]
    fn long_strings_break_and_never_inside_an_escape() {
        let s = format!("{}\"{}", "a".repeat(30), "b".repeat(60));
        let lines = layout(&Shown::Known(json!(s)), 31, 40);
        assert!(lines.len() > 2, "{lines:?}");
        // The escaped quote stays whole.
        assert!(lines.iter().any(|l| l.contains("\\\"")), "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        let joined: String = lines.iter().map(|l| l.trim_start()).collect();
        assert_eq!(joined, quote(&s));
    }

    #[test]
    fn long_lists_put_one_element_per_line() {
        let list: Vec<String> = (0..12).map(|i| format!("10.{i}.0.0/16")).collect();
        let lines = layout(&Shown::Known(json!(list)), 40, 80);
        assert_eq!(lines.first().map(String::as_str), Some("["));
        assert_eq!(lines.last().map(String::as_str), Some("]"));
        assert_eq!(lines[1], "    \"10.0.0.0/16\",");
    }

    #[test]
    fn a_three_thousand_character_value_is_many_short_lines() {
        let s = "x".repeat(3000);
        let lines = layout(&Shown::Known(json!(s)), 60, 90);
        assert!(lines.len() > 30);
        assert!(lines.iter().all(|l| l.chars().count() <= 90));
    }
}
