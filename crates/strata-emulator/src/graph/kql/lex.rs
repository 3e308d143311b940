//! The tokenizer: identifiers (with KQL's hyphenated operator names such as `mv-expand`),
//! quoted strings, numbers and symbols, each with its character position; `//` comments are
//! skipped. [`KqlError`] is what parsing and running a query fail with.

use serde_json::Value;

/// A parse or support failure at a character position of the query.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KqlError {
    /// `ParserFailure` (not KQL) or `InvalidQueryLanguage` (KQL the emulator does not serve).
    pub code: &'static str,
    pub message: String,
    /// The offending token.
    pub token: String,
    /// Character offset in the query.
    pub at: usize,
}

impl KqlError {
    pub(super) fn parse(at: usize, token: &str, message: String) -> KqlError {
        KqlError {
            code: "ParserFailure",
            message,
            token: token.to_string(),
            at,
        }
    }

    pub(super) fn unsupported(at: usize, token: &str, message: String) -> KqlError {
        KqlError {
            code: "InvalidQueryLanguage",
            message,
            token: token.to_string(),
            at,
        }
    }

    /// 1-based line and 0-based position in that line, as ARG reports them.
    pub fn line_and_column(&self, query: &str) -> (usize, usize) {
        let before: Vec<char> = query.chars().take(self.at).collect();
        let line = before.iter().filter(|c| **c == '\n').count() + 1;
        let column = before.iter().rev().take_while(|c| **c != '\n').count();
        (line, column)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Num(Value),
    Sym(&'static str),
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub tok: Tok,
    pub at: usize,
    pub text: String,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "|", "(", ")", "[", "]", ",", ".", "=", "<", ">", "!", "~",
];

pub(super) fn lex(query: &str) -> Result<Vec<Token>, KqlError> {
    let chars: Vec<char> = query.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(KqlError::parse(
                            start,
                            &c.to_string(),
                            "the string is not closed".into(),
                        ));
                    }
                    Some('\\') => {
                        let escaped = chars.get(i + 1).copied().unwrap_or('\\');
                        s.push(match escaped {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                        i += 2;
                    }
                    Some(ch) if *ch == c => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                at: start,
                text: chars[start..i].iter().collect(),
            });
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let num = if let Ok(n) = text.parse::<i64>() {
                Value::from(n)
            } else {
                match text.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                    Some(n) => Value::Number(n),
                    None => return Err(KqlError::parse(start, &text, format!("'{text}' is not a number"))),
                }
            };
            out.push(Token {
                tok: Tok::Num(num),
                at: start,
                text,
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            // Hyphenated operator names: `mv-expand`, `project-away`, …
            let word: String = chars[start..i].iter().collect();
            if matches!(word.as_str(), "mv" | "project" | "make" | "top")
                && chars.get(i) == Some(&'-')
                && chars.get(i + 1).is_some_and(|c| c.is_alphabetic())
            {
                i += 1;
                while i < chars.len() && chars[i].is_alphanumeric() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            out.push(Token {
                tok: Tok::Ident(text.clone()),
                at: start,
                text,
            });
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            Some(s) => {
                i += s.chars().count();
                out.push(Token {
                    tok: Tok::Sym(s),
                    at: start,
                    text: (*s).to_string(),
                });
            }
            None => {
                return Err(KqlError::parse(
                    start,
                    &c.to_string(),
                    format!("unexpected character '{c}'"),
                ));
            }
        }
    }
    Ok(out)
}
