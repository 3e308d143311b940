//! What a query is once parsed: a [`Table`] and its [`Op`]s, over [`Expr`]essions.

use serde_json::Value;

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
    /// `resourcechanges`: what changed, when, and who changed it.
    ResourceChanges,
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
