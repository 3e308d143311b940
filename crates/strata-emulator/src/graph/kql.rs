//! The KQL subset the graph serves: a hand-written tokenizer and a recursive-descent parser into
//! a [`Query`] (a table and its `|`-separated [`Op`]s).
//!
//! Supported: `where`, `project`, `extend`, `order by` / `sort by`, `limit` / `take`,
//! `summarize count() by …`, `mv-expand`, `count`; in expressions `==`, `!=`, `=~`, `!~`,
//! `<`, `<=`, `>`, `>=`, `in`, `!in`, `in~`, `!in~`, `has`, `contains`, `startswith`,
//! `endswith` (each also negated with `!`), `and`, `or`, `not(…)`, parentheses, paths
//! (`properties.a.b`, `tags['env']`, `x[0]`), string, number and boolean literals, and the
//! functions of [`FUNCTIONS`]. Anything else is a [`KqlError`] naming what and where.

use serde_json::Value;

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
    fn parse(at: usize, token: &str, message: String) -> KqlError {
        KqlError {
            code: "ParserFailure",
            message,
            token: token.to_string(),
            at,
        }
    }

    fn unsupported(at: usize, token: &str, message: String) -> KqlError {
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
enum Tok {
    Ident(String),
    Str(String),
    Num(Value),
    Sym(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    at: usize,
    text: String,
}

const SYMBOLS: &[&str] = &[
    "==", "!=", "=~", "!~", "<=", ">=", "|", "(", ")", "[", "]", ",", ".", "=", "<", ">", "!", "~",
];

fn lex(query: &str) -> Result<Vec<Token>, KqlError> {
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

/// A step into a dynamic value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Seg {
    Field(String),
    Index(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    EqCi,
    NeCi,
    Lt,
    Le,
    Gt,
    Ge,
    Has,
    Contains,
    StartsWith,
    EndsWith,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Lit(Value),
    /// A column and the steps into it.
    Path(String, Vec<Seg>),
    Call(String, Vec<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// A comparison; `negated` for the `!has`-style forms.
    Cmp(Cmp, bool, Box<Expr>, Box<Expr>),
    In {
        negated: bool,
        ci: bool,
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
}

impl Expr {
    /// The column name KQL gives an unnamed expression: `properties_a_b` for a path, `tags_env`
    /// for `tags['env']`.
    pub fn default_name(&self, index: usize) -> String {
        match self {
            Expr::Path(root, segs) => {
                let mut name = root.clone();
                for s in segs {
                    name.push('_');
                    match s {
                        Seg::Field(f) => name.push_str(f),
                        Seg::Index(i) => name.push_str(&i.to_string()),
                    }
                }
                name
            }
            _ => format!("Column{}", index + 1),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    Where(Expr),
    Project(Vec<(String, Expr)>),
    Extend(Vec<(String, Expr)>),
    /// Keys with `true` for descending.
    Order(Vec<(Expr, bool)>),
    Take(usize),
    /// `summarize NAME = count() by a, b`: the count column's name and the groups.
    Summarize(String, Vec<(String, Expr)>),
    MvExpand(String, Expr),
    Count,
}

/// The tables the graph serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Resources,
    ResourceContainers,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Query {
    pub table: Table,
    pub ops: Vec<Op>,
}

impl Query {
    /// True when the query caps its rows itself (`limit`/`take`): no `$skipToken` then.
    pub fn limited(&self) -> bool {
        self.ops.iter().any(|o| matches!(o, Op::Take(_)))
    }
}

/// How deep parentheses and calls may nest, and how many `and`/`or` a query may have: what
/// keeps evaluation within the stack whatever the query.
const MAX_NESTING: usize = 32;
const MAX_CHAIN: usize = 1024;

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
        let name = self.ident("a table name (Resources or ResourceContainers)")?;
        let table = match name.to_ascii_lowercase().as_str() {
            "resources" => Table::Resources,
            "resourcecontainers" => Table::ResourceContainers,
            _ => {
                return Err(KqlError::unsupported(
                    at,
                    &name,
                    format!(
                        "the table '{name}' is not served by the strata emulator; it serves Resources and \
                         ResourceContainers"
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

    fn expr(&mut self) -> Result<Expr, KqlError> {
        if self.depth >= MAX_NESTING {
            return Err(self.fail(&format!("at most {MAX_NESTING} nested parentheses or calls")));
        }
        self.depth += 1;
        let e = self.or();
        self.depth -= 1;
        e
    }

    fn too_long(&self) -> KqlError {
        self.fail(&format!("at most {MAX_CHAIN} 'and' / 'or' in a query"))
    }

    fn or(&mut self) -> Result<Expr, KqlError> {
        let mut left = self.and()?;
        while self.eat_word("or") {
            self.chained += 1;
            if self.chained > MAX_CHAIN {
                return Err(self.too_long());
            }
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, KqlError> {
        let mut left = self.comparison()?;
        while self.eat_word("and") {
            self.chained += 1;
            if self.chained > MAX_CHAIN {
                return Err(self.too_long());
            }
            left = Expr::And(Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Expr, KqlError> {
        let left = self.term()?;
        let symbols = [
            ("==", Cmp::Eq),
            ("!=", Cmp::Ne),
            ("=~", Cmp::EqCi),
            ("!~", Cmp::NeCi),
            ("<=", Cmp::Le),
            (">=", Cmp::Ge),
            ("<", Cmp::Lt),
            (">", Cmp::Gt),
        ];
        for (s, op) in symbols {
            if self.eat_sym(s) {
                let right = self.term()?;
                return Ok(Expr::Cmp(op, false, Box::new(left), Box::new(right)));
            }
        }
        let negated = self.is_sym("!");
        let word_at = self.pos + usize::from(negated);
        let word = match self.toks.get(word_at) {
            Some(Token {
                tok: Tok::Ident(w), ..
            }) => w.clone(),
            _ => return Ok(left),
        };
        let op = match word.to_ascii_lowercase().as_str() {
            "has" => Some(Cmp::Has),
            "contains" => Some(Cmp::Contains),
            "startswith" => Some(Cmp::StartsWith),
            "endswith" => Some(Cmp::EndsWith),
            _ => None,
        };
        if let Some(op) = op {
            self.pos = word_at + 1;
            let right = self.term()?;
            return Ok(Expr::Cmp(op, negated, Box::new(left), Box::new(right)));
        }
        if word == "in" {
            self.pos = word_at + 1;
            let ci = self.eat_sym("~");
            self.expect_sym("(")?;
            let mut list = Vec::new();
            if !self.is_sym(")") {
                loop {
                    list.push(self.term()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            }
            self.expect_sym(")")?;
            return Ok(Expr::In {
                negated,
                ci,
                expr: Box::new(left),
                list,
            });
        }
        if negated {
            return Err(self.fail("an operator after '!'"));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, KqlError> {
        let Some(t) = self.next() else {
            return Err(KqlError::parse(
                self.len,
                "",
                "expected an expression, found the end of the query".into(),
            ));
        };
        match t.tok {
            Tok::Str(s) => Ok(Expr::Lit(Value::String(s))),
            Tok::Num(n) => Ok(Expr::Lit(n)),
            Tok::Sym("(") => {
                let e = self.expr()?;
                self.expect_sym(")")?;
                Ok(e)
            }
            Tok::Ident(w) => {
                match w.as_str() {
                    "true" => return Ok(Expr::Lit(Value::Bool(true))),
                    "false" => return Ok(Expr::Lit(Value::Bool(false))),
                    _ => {}
                }
                if self.eat_sym("(") {
                    let mut args = Vec::new();
                    if !self.is_sym(")") {
                        loop {
                            args.push(self.expr()?);
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                    }
                    self.expect_sym(")")?;
                    if w == "not" {
                        return match <[Expr; 1]>::try_from(args) {
                            Ok([e]) => Ok(Expr::Not(Box::new(e))),
                            Err(_) => Err(KqlError::parse(t.at, &w, "not() takes one argument".into())),
                        };
                    }
                    if !FUNCTIONS.contains(&w.as_str()) {
                        return Err(KqlError::unsupported(
                            t.at,
                            &w,
                            format!(
                                "the strata emulator does not serve the function '{w}'; it serves not(), {}",
                                FUNCTIONS
                                    .iter()
                                    .map(|f| format!("{f}()"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        ));
                    }
                    if args.len() != 1 {
                        return Err(KqlError::parse(t.at, &w, format!("{w}() takes one argument")));
                    }
                    return Ok(Expr::Call(w, args));
                }
                let mut segs = Vec::new();
                loop {
                    if self.eat_sym(".") {
                        segs.push(Seg::Field(self.ident("a property name after '.'")?));
                    } else if self.eat_sym("[") {
                        match self.next() {
                            Some(Token { tok: Tok::Str(s), .. }) => segs.push(Seg::Field(s)),
                            Some(Token { tok: Tok::Num(n), .. }) if n.is_i64() => {
                                segs.push(Seg::Index(n.as_i64().unwrap_or(0)))
                            }
                            _ => {
                                self.pos -= 1;
                                return Err(self.fail("a quoted property name or an index"));
                            }
                        }
                        self.expect_sym("]")?;
                    } else {
                        break;
                    }
                }
                Ok(Expr::Path(w, segs))
            }
            _ => Err(KqlError::parse(
                t.at,
                &t.text,
                format!("expected an expression, found '{}'", t.text),
            )),
        }
    }
}

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
