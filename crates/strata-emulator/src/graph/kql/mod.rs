//! The KQL subset the graph serves: a hand-written tokenizer and a recursive-descent parser into
//! a [`Query`] (a table and its `|`-separated [`Op`]s).
//!
//! Supported: `where`, `project`, `extend`, `order by` / `sort by`, `limit` / `take`,
//! `summarize count() by …`, `mv-expand`, `count`; in expressions `==`, `!=`, `=~`, `!~`,
//! `<`, `<=`, `>`, `>=`, `in`, `!in`, `in~`, `!in~`, `has`, `contains`, `startswith`,
//! `endswith` (each also negated with `!`), `and`, `or`, `not(…)`, parentheses, paths
//! (`properties.a.b`, `tags['env']`, `x[0]`), string, number and boolean literals, and the
//! functions of [`FUNCTIONS`]. Anything else is a [`KqlError`] naming what and where.

mod ast;
mod expr;
mod lex;

pub(crate) use ast::{Cmp, Expr, Op, Query, Seg, Table};
pub(crate) use lex::KqlError;
use lex::{Tok, Token, lex};

/// The functions expressions may call.
pub(crate) const FUNCTIONS: &[&str] = &[
    "tolower",
    "toupper",
    "tostring",
    "isempty",
    "isnotempty",
    "strlen",
];

/// The operators the emulator serves, for error messages.
pub(crate) const OPERATORS: &str =
    "where, project, extend, order by, sort by, limit, take, summarize count() by, mv-expand, count";

/// KQL tabular operators Azure knows but the emulator does not serve.
const KNOWN_UNSUPPORTED: &[&str] = &[
    "join",
    "union",
    "parse",
    "distinct",
    "top",
    "project-away",
    "project-rename",
    "project-keep",
    "project-reorder",
    "mv-apply",
    "make-series",
    "sample",
    "lookup",
    "render",
    "top-nested",
    "serialize",
    "as",
    "evaluate",
    "search",
    "facet",
    "getschema",
    "invoke",
    "range",
    "print",
    "let",
];

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    len: usize,
    depth: usize,
    /// `and`/`or` seen so far.
    chained: usize,
}

pub(crate) fn parse(query: &str) -> Result<Query, KqlError> {
    let toks = lex(query)?;
    let mut p = Parser {
        len: query.chars().count(),
        toks,
        pos: 0,
        depth: 0,
        chained: 0,
    };
    p.query()
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn here(&self) -> usize {
        self.peek().map_or(self.len, |t| t.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Sym(x), .. }) if *x == s)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Token { tok: Tok::Ident(x), .. }) if x == w)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.is_sym(s);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.is_word(w);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn fail(&self, what: &str) -> KqlError {
        match self.peek() {
            Some(t) => KqlError::parse(t.at, &t.text, format!("expected {what}, found '{}'", t.text)),
            None => KqlError::parse(
                self.len,
                "",
                format!("expected {what}, found the end of the query"),
            ),
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), KqlError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.fail(&format!("'{s}'")))
        }
    }

    fn ident(&mut self, what: &str) -> Result<String, KqlError> {
        match self.peek() {
            Some(Token {
                tok: Tok::Ident(w), ..
            }) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.fail(what)),
        }
    }

    fn query(&mut self) -> Result<Query, KqlError> {
        let at = self.here();
        let name = self.ident("a table name (Resources, ResourceContainers or resourcechanges)")?;
        let table = match name.to_ascii_lowercase().as_str() {
            "resources" => Table::Resources,
            "resourcecontainers" => Table::ResourceContainers,
            "resourcechanges" => Table::ResourceChanges,
            _ => {
                return Err(KqlError::unsupported(
                    at,
                    &name,
                    format!(
                        "the table '{name}' is not served by the strata emulator; it serves Resources, \
                         ResourceContainers and resourcechanges"
                    ),
                ));
            }
        };
        let mut ops = Vec::new();
        while self.peek().is_some() {
            self.expect_sym("|")?;
            ops.push(self.op()?);
        }
        Ok(Query { table, ops })
    }

    fn op(&mut self) -> Result<Op, KqlError> {
        let at = self.here();
        let word = self.ident("a query operator")?;
        match word.as_str() {
            "where" => Ok(Op::Where(self.expr()?)),
            "project" => Ok(Op::Project(self.assignments(true)?)),
            "extend" => Ok(Op::Extend(self.assignments(false)?)),
            "order" | "sort" => {
                if !self.eat_word("by") {
                    return Err(self.fail("'by'"));
                }
                let mut keys = Vec::new();
                loop {
                    let e = self.expr()?;
                    // KQL sorts descending unless told otherwise.
                    let desc = if self.eat_word("asc") {
                        false
                    } else {
                        self.eat_word("desc");
                        true
                    };
                    keys.push((e, desc));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                Ok(Op::Order(keys))
            }
            "limit" | "take" => match self.next() {
                Some(Token { tok: Tok::Num(n), .. }) if n.as_u64().is_some() => Ok(Op::Take(
                    usize::try_from(n.as_u64().unwrap_or(0)).unwrap_or(usize::MAX),
                )),
                _ => {
                    self.pos -= 1;
                    Err(self.fail("a whole number of rows"))
                }
            },
            "count" => Ok(Op::Count),
            "summarize" => self.summarize(),
            "mv-expand" => {
                let e_at = self.here();
                let first = self.expr()?;
                let (name, expr) = if self.eat_sym("=") {
                    match first {
                        Expr::Path(n, segs) if segs.is_empty() => (n, self.expr()?),
                        _ => {
                            return Err(KqlError::parse(
                                e_at,
                                "=",
                                "expected a column name before '='".into(),
                            ));
                        }
                    }
                } else {
                    match &first {
                        Expr::Path(..) => (first.default_name(0), first),
                        _ => {
                            return Err(KqlError::parse(
                                e_at,
                                "",
                                "mv-expand needs a column or NAME = path".into(),
                            ));
                        }
                    }
                };
                Ok(Op::MvExpand(name, expr))
            }
            other if KNOWN_UNSUPPORTED.contains(&other) => Err(KqlError::unsupported(
                at,
                other,
                format!("the strata emulator does not serve the operator '{other}'; it serves {OPERATORS}"),
            )),
            other => Err(KqlError::parse(
                at,
                other,
                format!("'{other}' is not a query operator; the strata emulator serves {OPERATORS}"),
            )),
        }
    }

    fn summarize(&mut self) -> Result<Op, KqlError> {
        let at = self.here();
        let mut name = "count_".to_string();
        if let (
            Some(Token {
                tok: Tok::Ident(n), ..
            }),
            Some(Token {
                tok: Tok::Sym("="), ..
            }),
        ) = (self.toks.get(self.pos), self.toks.get(self.pos + 1))
        {
            name = n.clone();
            self.pos += 2;
        }
        let agg_at = self.here();
        let agg = self.ident("an aggregation")?;
        if agg != "count" {
            return Err(KqlError::unsupported(
                agg_at,
                &agg,
                format!(
                    "the strata emulator does not serve the aggregation '{agg}'; summarize serves count() only"
                ),
            ));
        }
        self.expect_sym("(")?;
        self.expect_sym(")")?;
        let by = if self.eat_word("by") {
            self.assignments(true)?
        } else {
            Vec::new()
        };
        if by.iter().any(|(n, _)| *n == name) {
            return Err(KqlError::parse(
                at,
                &name,
                format!("the column '{name}' is named twice"),
            ));
        }
        Ok(Op::Summarize(name, by))
    }

    /// `a, b = expr, c`; unnamed entries get KQL's default names.
    fn assignments(&mut self, allow_unnamed: bool) -> Result<Vec<(String, Expr)>, KqlError> {
        let mut out = Vec::new();
        loop {
            let at = self.here();
            let named = matches!(
                (self.toks.get(self.pos), self.toks.get(self.pos + 1)),
                (
                    Some(Token {
                        tok: Tok::Ident(_),
                        ..
                    }),
                    Some(Token {
                        tok: Tok::Sym("="),
                        ..
                    })
                )
            );
            if named {
                let name = self.ident("a column name")?;
                self.pos += 1;
                out.push((name, self.expr()?));
            } else {
                let e = self.expr()?;
                if !allow_unnamed && !matches!(e, Expr::Path(..)) {
                    return Err(KqlError::parse(at, "", "extend needs NAME = expression".into()));
                }
                out.push((e.default_name(out.len()), e));
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_pipeline() {
        let q = parse(
            "Resources | where type =~ 'Microsoft.Network/virtualNetworks' and tags['env'] == \"dev\" \
             | extend n = tolower(name) | project id, n, properties.addressSpace | order by n asc | take 5",
        )
        .unwrap();
        assert_eq!(q.table, Table::Resources);
        assert_eq!(q.ops.len(), 5);
        let Op::Project(cols) = &q.ops[2] else { panic!() };
        assert_eq!(cols[2].0, "properties_addressSpace");
        assert!(q.limited());
        assert!(matches!(q.ops[3], Op::Order(ref k) if !k[0].1));
    }

    #[test]
    fn parses_negations_and_lists() {
        let q = parse("resourcecontainers | where name !in~ ('A', 'b') and not(name !has 'x') | summarize n = count() by location").unwrap();
        assert_eq!(q.table, Table::ResourceContainers);
        let Op::Where(Expr::And(left, right)) = &q.ops[0] else {
            panic!()
        };
        assert!(matches!(
            **left,
            Expr::In {
                negated: true,
                ci: true,
                ..
            }
        ));
        assert!(matches!(**right, Expr::Not(_)));
        assert!(matches!(&q.ops[1], Op::Summarize(n, by) if n == "n" && by.len() == 1));
        assert!(
            matches!(parse("Resources | mv-expand s = properties.subnets").unwrap().ops[0], Op::MvExpand(ref n, _) if n == "s")
        );
    }

    #[test]
    fn errors_name_the_operator_and_its_position() {
        let q = "Resources\n| where name == 'a'\n| join (Resources) on id";
        let e = parse(q).unwrap_err();
        assert_eq!((e.code, e.token.as_str()), ("InvalidQueryLanguage", "join"));
        assert_eq!(e.line_and_column(q), (3, 2));
        let e = parse("Resources | where name == ").unwrap_err();
        assert_eq!(e.code, "ParserFailure");
        let e = parse("Resources | where strcat(name) == 'a'").unwrap_err();
        assert_eq!(e.token, "strcat");
        assert_eq!(
            parse("securityresources").unwrap_err().code,
            "InvalidQueryLanguage"
        );
        assert_eq!(
            parse("Resources | where name == 'a").unwrap_err().code,
            "ParserFailure"
        );
        assert!(parse("Resources | take x").is_err());
        assert!(parse("Resources | bogus").is_err());
        // Deep nesting and long chains are refused, not a stack overflow.
        let deep = format!(
            "Resources | where {}name == 'a'{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert_eq!(parse(&deep).unwrap_err().code, "ParserFailure");
        let long = format!("Resources | where {}", vec!["name == 'a'"; 100_000].join(" or "));
        assert_eq!(parse(&long).unwrap_err().code, "ParserFailure");
        let fine = format!("Resources | where {}", vec!["name == 'a'"; 500].join(" or "));
        assert!(parse(&fine).is_ok());
    }
}
