//! `$filter` on list endpoints, as ARM documents it for the generic resource lists
//! (`Resources_List`, `Resources_ListByResourceGroup`) and resource groups
//! (`ResourceGroups_List`):
//!
//! - `eq` / `ne` on `location`, `resourceType`, `name` and `resourceGroup`;
//! - `substringof('value', name)` and `substringof('value', resourceGroup)`;
//! - `tagName eq 'tag1' [and tagValue eq 'Value1']` (a value needs its name beside it);
//! - clauses joined by `and` / `or`, grouped with parentheses.
//!
//! Names, types, groups and locations compare case-insensitively, tag values exactly. Anything
//! else (`plan`, `identity`, functions ARM does not list) is refused with
//! `InvalidFilterInQueryString`, naming what is supported.

use serde_json::Value;

use super::reply::ArmError;
use crate::types;

/// A property a clause compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Name,
    ResourceType,
    Location,
    ResourceGroup,
}

impl Field {
    fn parse(word: &str) -> Option<Field> {
        Some(match word.to_ascii_lowercase().as_str() {
            "name" => Field::Name,
            "resourcetype" => Field::ResourceType,
            "location" => Field::Location,
            "resourcegroup" => Field::ResourceGroup,
            _ => return None,
        })
    }

    /// The document's value, lowercased (locations also without spaces).
    fn of(self, doc: &Value) -> String {
        let text = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default();
        match self {
            Field::Name => text("name").to_ascii_lowercase(),
            Field::ResourceType => text("type").to_ascii_lowercase(),
            Field::Location => types::common::normalize_location(text("location")),
            Field::ResourceGroup => group_of(text("id")).to_ascii_lowercase(),
        }
    }

    fn normalize(self, value: &str) -> String {
        match self {
            Field::Location => types::common::normalize_location(value),
            _ => value.to_ascii_lowercase(),
        }
    }
}

/// The resource group named in an id (`…/resourceGroups/{rg}/…`); a group's own id names it.
fn group_of(id: &str) -> &str {
    let mut segments = id.split('/');
    while let Some(s) = segments.next() {
        if s.eq_ignore_ascii_case("resourceGroups") {
            return segments.next().unwrap_or_default();
        }
    }
    ""
}

#[derive(Debug, PartialEq, Eq)]
enum Expr {
    Any(Vec<Expr>),
    All(Vec<Expr>),
    Compare {
        field: Field,
        equal: bool,
        value: String,
    },
    Contains {
        field: Field,
        value: String,
    },
    Tag {
        name: String,
        value: Option<String>,
    },
}

impl Expr {
    fn matches(&self, doc: &Value) -> bool {
        match self {
            Expr::Any(parts) => parts.iter().any(|p| p.matches(doc)),
            Expr::All(parts) => parts.iter().all(|p| p.matches(doc)),
            Expr::Compare { field, equal, value } => (field.of(doc) == field.normalize(value)) == *equal,
            Expr::Contains { field, value } => field.of(doc).contains(&field.normalize(value)),
            Expr::Tag { name, value } => doc.get("tags").and_then(Value::as_object).is_some_and(|tags| {
                tags.iter().any(|(k, v)| {
                    k.eq_ignore_ascii_case(name) && value.as_ref().is_none_or(|want| v.as_str() == Some(want))
                })
            }),
        }
    }

    fn has_tag_value(&self) -> bool {
        match self {
            Expr::Any(parts) | Expr::All(parts) => parts.iter().any(Expr::has_tag_value),
            Expr::Tag { value, .. } => value.is_some(),
            _ => false,
        }
    }
}

/// A parsed `$filter`; the empty filter matches everything.
#[derive(Debug, Default)]
pub(crate) struct Filter(Option<Expr>);

impl Filter {
    pub fn parse(raw: Option<&str>) -> Result<Filter, ArmError> {
        let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Filter::default());
        };
        let unsupported = || {
            ArmError::bad_request(
                "InvalidFilterInQueryString",
                format!(
                    "The $filter '{raw}' is not supported by the strata emulator. Supported: `name`, `resourceType`, \
                     `location`, `resourceGroup` with `eq` or `ne` and a quoted value; `substringof('…', name)` \
                     and `substringof('…', resourceGroup)`; `tagName eq '…' [and tagValue eq '…']`; joined by \
                     `and` / `or`, grouped with parentheses."
                ),
            )
        };
        let tokens = tokenize(raw).ok_or_else(unsupported)?;
        let mut parser = Parser { tokens, at: 0 };
        let expr = parser.any().ok_or_else(unsupported)?;
        if parser.at != parser.tokens.len() {
            return Err(unsupported());
        }
        Ok(Filter(Some(expr)))
    }

    pub fn matches(&self, doc: &Value) -> bool {
        self.0.as_ref().is_none_or(|e| e.matches(doc))
    }

    /// True when the filter names a tag's value: ARM then leaves the tags out of the results.
    pub fn hides_tags(&self) -> bool {
        self.0.as_ref().is_some_and(Expr::has_tag_value)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    Comma,
    Text(String),
    Word(String),
}

fn tokenize(raw: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = raw.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Comma,
                });
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next()? {
                        // `''` is a quote inside the value.
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        '\'' => break,
                        other => text.push(other),
                    }
                }
                out.push(Token::Text(text));
            }
            c if c.is_ascii_alphanumeric() || "_/.-".contains(c) => {
                let mut word = String::new();
                while let Some(&c) = chars
                    .peek()
                    .filter(|c| c.is_ascii_alphanumeric() || "_/.-".contains(**c))
                {
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Recursive descent: `any := all ('or' all)*`, `all := atom ('and' atom)*`,
/// `atom := '(' any ')' | substringof(text, field) | field op text`.
struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// An atom before tag clauses are paired.
enum Atom {
    Expr(Expr),
    TagName(String),
    TagValue(String),
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &Token) -> Option<()> {
        (self.next()? == *token).then_some(())
    }

    fn any(&mut self) -> Option<Expr> {
        let mut parts = vec![self.all()?];
        while self.keyword("or") {
            parts.push(self.all()?);
        }
        Some(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Any(parts)
        })
    }

    fn all(&mut self) -> Option<Expr> {
        let mut atoms = vec![self.atom()?];
        while self.keyword("and") {
            atoms.push(self.atom()?);
        }
        // `tagValue` goes with the `tagName` of its conjunction.
        let tag_name = atoms.iter().find_map(|a| match a {
            Atom::TagName(n) => Some(n.clone()),
            _ => None,
        });
        let tag_value = atoms.iter().find_map(|a| match a {
            Atom::TagValue(v) => Some(v.clone()),
            _ => None,
        });
        let mut parts = Vec::new();
        match (tag_name, tag_value) {
            (Some(name), value) => parts.push(Expr::Tag { name, value }),
            (None, Some(_)) => return None,
            (None, None) => {}
        }
        parts.extend(atoms.into_iter().filter_map(|a| match a {
            Atom::Expr(e) => Some(e),
            Atom::TagName(_) | Atom::TagValue(_) => None,
        }));
        Some(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::All(parts)
        })
    }

    fn atom(&mut self) -> Option<Atom> {
        match self.next()? {
            Token::Open => {
                let inner = self.any()?;
                self.expect(&Token::Close)?;
                Some(Atom::Expr(inner))
            }
            Token::Word(w) if w.eq_ignore_ascii_case("substringof") => {
                self.expect(&Token::Open)?;
                let Token::Text(value) = self.next()? else {
                    return None;
                };
                self.expect(&Token::Comma)?;
                let Token::Word(field) = self.next()? else {
                    return None;
                };
                let field =
                    Field::parse(&field).filter(|f| matches!(f, Field::Name | Field::ResourceGroup))?;
                self.expect(&Token::Close)?;
                Some(Atom::Expr(Expr::Contains { field, value }))
            }
            Token::Word(field) => {
                let equal = if self.keyword("eq") {
                    true
                } else if self.keyword("ne") {
                    false
                } else {
                    return None;
                };
                let Token::Text(value) = self.next()? else {
                    return None;
                };
                if field.eq_ignore_ascii_case("tagName") && equal {
                    return Some(Atom::TagName(value));
                }
                if field.eq_ignore_ascii_case("tagValue") && equal {
                    return Some(Atom::TagValue(value));
                }
                Some(Atom::Expr(Expr::Compare {
                    field: Field::parse(&field)?,
                    equal,
                    value,
                }))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn f(raw: &str) -> Filter {
        Filter::parse(Some(raw)).unwrap()
    }

    #[test]
    fn equality_and_conjunctions() {
        let filter = f("resourceType eq 'Microsoft.Network/virtualNetworks' and name eq 'v''1'");
        assert!(filter.matches(&json!({"type": "microsoft.network/VIRTUALNETWORKS", "name": "V'1"})));
        assert!(!filter.matches(&json!({"type": "Microsoft.Network/virtualNetworks", "name": "v2"})));
        let filter = f("name eq 'a and b'");
        assert!(filter.matches(&json!({"name": "A and B"})));
        let filter = f("location eq 'West Europe'");
        assert!(filter.matches(&json!({"location": "westeurope"})));
        let filter = f("name ne 'x'");
        assert!(filter.matches(&json!({"name": "y"})));
        assert!(!filter.matches(&json!({"name": "X"})));
    }

    #[test]
    fn resource_group_and_substring() {
        let doc = json!({
            "id": "/subscriptions/s/resourceGroups/App-Prod/providers/Microsoft.Web/sites/demo-site",
            "name": "demo-site",
            "type": "Microsoft.Web/sites",
        });
        assert!(f("resourceGroup eq 'app-prod'").matches(&doc));
        assert!(!f("resourceGroup eq 'app'").matches(&doc));
        assert!(f("substringof('DEMO', name)").matches(&doc));
        assert!(
            f("substringof('prod', resourceGroup) and resourceType eq 'Microsoft.Web/sites'").matches(&doc)
        );
        assert!(f("substringof('nope', name) or substringof('site', name)").matches(&doc));
        assert!(
            !f("(substringof('nope', name) or substringof('site', name)) and location eq 'x'").matches(&doc)
        );
    }

    #[test]
    fn tags() {
        let filter = f("tagName eq 'env' and tagValue eq 'dev'");
        assert!(filter.matches(&json!({"tags": {"Env": "dev"}})));
        assert!(!filter.matches(&json!({"tags": {"env": "prod"}})));
        assert!(filter.hides_tags());
        let filter = f("tagName eq 'env'");
        assert!(filter.matches(&json!({"tags": {"env": "prod"}})));
        assert!(!filter.matches(&json!({"tags": {}})));
        assert!(!filter.hides_tags());
        assert!(Filter::parse(None).unwrap().matches(&json!({})));
    }

    #[test]
    fn refuses_what_arm_does_not_document() {
        for bad in [
            "startswith(name,'x')",
            "name eq x",
            "tagValue eq 'x'",
            "size gt 3",
            "substringof('x', location)",
            "name eq 'x' and",
            "(name eq 'x'",
            "name eq 'unterminated",
            "plan eq 'x'",
        ] {
            let e = Filter::parse(Some(bad)).unwrap_err();
            assert_eq!(e.code(), "InvalidFilterInQueryString", "{bad}");
        }
    }
}
