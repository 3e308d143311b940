//! Running a parsed [`Query`] over rows: each operator in turn, with the columns (and their
//! types, for the `table` result format) followed through the pipeline so that a name no
//! column has is refused before any row is looked at.
//!
//! Comparisons follow KQL: `==`, `in`, `<`… are case-sensitive, `=~`, `in~`, `has`,
//! `contains`, `startswith`, `endswith` are not; a missing property is null and equals nothing.
//! `order by` is stable and puts nulls first ascending, last descending.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::kql::{Cmp, Expr, KqlError, Op, Query, Seg};

pub(crate) type Row = Map<String, Value>;

/// A column's type in the `table` result format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColType {
    String,
    Integer,
    Boolean,
    Object,
}

impl ColType {
    pub fn name(self) -> &'static str {
        match self {
            ColType::String => "string",
            ColType::Integer => "integer",
            ColType::Boolean => "boolean",
            ColType::Object => "object",
        }
    }

    fn of_value(v: &Value) -> ColType {
        match v {
            Value::String(_) => ColType::String,
            Value::Number(_) => ColType::Integer,
            Value::Bool(_) => ColType::Boolean,
            _ => ColType::Object,
        }
    }
}

/// What a query produced: its columns in order and its rows.
#[derive(Debug)]
pub(crate) struct Output {
    pub columns: Vec<(String, ColType)>,
    pub rows: Vec<Row>,
}

/// A column name no column has: an error at the name's first place in the query.
fn unknown(query: &str, name: &str) -> KqlError {
    KqlError {
        code: "ParserFailure",
        message: format!("Failed to resolve scalar expression named '{name}'"),
        token: name.to_string(),
        at: query.find(name).map_or(0, |b| query[..b].chars().count()),
    }
}

/// Checks the columns `e` uses and returns its type.
fn check(e: &Expr, columns: &[(String, ColType)], query: &str) -> Result<ColType, KqlError> {
    Ok(match e {
        Expr::Lit(v) => ColType::of_value(v),
        Expr::Path(root, segs) => match columns.iter().find(|(n, _)| n == root) {
            Some((_, t)) if segs.is_empty() => *t,
            Some(_) => ColType::Object,
            None => return Err(unknown(query, root)),
        },
        Expr::Call(f, args) => {
            for a in args {
                check(a, columns, query)?;
            }
            match f.as_str() {
                "isempty" | "isnotempty" => ColType::Boolean,
                "strlen" => ColType::Integer,
                _ => ColType::String,
            }
        }
        Expr::Not(a) => {
            check(a, columns, query)?;
            ColType::Boolean
        }
        Expr::And(a, b) | Expr::Or(a, b) | Expr::Cmp(_, _, a, b) => {
            check(a, columns, query)?;
            check(b, columns, query)?;
            ColType::Boolean
        }
        Expr::In { expr, list, .. } => {
            check(expr, columns, query)?;
            for i in list {
                check(i, columns, query)?;
            }
            ColType::Boolean
        }
    })
}

/// The text KQL compares a value as: strings as they are, null as empty, the rest as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn equal(a: &Value, b: &Value, ci: bool) -> bool {
    match (a, b) {
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) if ci => x.to_lowercase() == y.to_lowercase(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        _ if ci => text(a).to_lowercase() == text(b).to_lowercase(),
        _ => text(a) == text(b),
    }
}

/// KQL's `has`: `needle` is a whole term of `hay` (terms are runs of letters and digits).
fn has_term(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let bytes: Vec<char> = hay.chars().collect();
    let n: Vec<char> = needle.chars().collect();
    let alnum = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    (0..bytes.len().saturating_sub(n.len() - 1)).any(|i| {
        bytes[i..i + n.len()] == n[..]
            && (i == 0 || !alnum(bytes.get(i - 1)) || !alnum(n.first()))
            && (!alnum(bytes.get(i + n.len())) || !alnum(n.last()))
    })
}

fn order(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => text(a).cmp(&text(b)),
    }
}

fn eval(e: &Expr, row: &Row) -> Value {
    match e {
        Expr::Lit(v) => v.clone(),
        Expr::Path(root, segs) => {
            let mut v = row.get(root).unwrap_or(&Value::Null);
            for s in segs {
                v = match (s, v) {
                    (Seg::Field(f), Value::Object(o)) => o.get(f).unwrap_or(&Value::Null),
                    (Seg::Index(i), Value::Array(items)) => {
                        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
                        let at = if *i < 0 { len + i } else { *i };
                        usize::try_from(at)
                            .ok()
                            .and_then(|at| items.get(at))
                            .unwrap_or(&Value::Null)
                    }
                    _ => &Value::Null,
                };
            }
            v.clone()
        }
        Expr::Call(f, args) => {
            let v = args.first().map_or(Value::Null, |a| eval(a, row));
            let empty = v.is_null() || v.as_str() == Some("");
            match f.as_str() {
                "tolower" => Value::String(text(&v).to_lowercase()),
                "toupper" => Value::String(text(&v).to_uppercase()),
                "isempty" => Value::Bool(empty),
                "isnotempty" => Value::Bool(!empty),
                "strlen" => Value::from(text(&v).chars().count()),
                _ => Value::String(text(&v)),
            }
        }
        Expr::Not(a) => Value::Bool(!truthy(&eval(a, row))),
        Expr::And(a, b) => Value::Bool(truthy(&eval(a, row)) && truthy(&eval(b, row))),
        Expr::Or(a, b) => Value::Bool(truthy(&eval(a, row)) || truthy(&eval(b, row))),
        Expr::Cmp(op, negated, a, b) => {
            let (x, y) = (eval(a, row), eval(b, row));
            let lower = |v: &Value| text(v).to_lowercase();
            let out = match op {
                Cmp::Eq => equal(&x, &y, false),
                Cmp::Ne => !equal(&x, &y, false),
                Cmp::EqCi => equal(&x, &y, true),
                Cmp::NeCi => !equal(&x, &y, true),
                Cmp::Lt => !x.is_null() && !y.is_null() && order(&x, &y) == Ordering::Less,
                Cmp::Le => !x.is_null() && !y.is_null() && order(&x, &y) != Ordering::Greater,
                Cmp::Gt => !x.is_null() && !y.is_null() && order(&x, &y) == Ordering::Greater,
                Cmp::Ge => !x.is_null() && !y.is_null() && order(&x, &y) != Ordering::Less,
                Cmp::Has => !x.is_null() && has_term(&lower(&x), &lower(&y)),
                Cmp::Contains => !x.is_null() && lower(&x).contains(&lower(&y)),
                Cmp::StartsWith => !x.is_null() && lower(&x).starts_with(&lower(&y)),
                Cmp::EndsWith => !x.is_null() && lower(&x).ends_with(&lower(&y)),
            };
            Value::Bool(out != *negated)
        }
        Expr::In {
            negated,
            ci,
            expr,
            list,
        } => {
            let x = eval(expr, row);
            let found = list.iter().any(|i| equal(&x, &eval(i, row), *ci));
            Value::Bool(found != *negated)
        }
    }
}

fn truthy(v: &Value) -> bool {
    v.as_bool() == Some(true)
}

/// Replaces or appends a column.
fn set_column(columns: &mut Vec<(String, ColType)>, name: &str, t: ColType) {
    match columns.iter_mut().find(|(n, _)| n == name) {
        Some(c) => c.1 = t,
        None => columns.push((name.to_string(), t)),
    }
}

fn distinct_names(cols: &[(String, Expr)], query: &str) -> Result<(), KqlError> {
    for (i, (n, _)) in cols.iter().enumerate() {
        if cols[..i].iter().any(|(m, _)| m == n) {
            return Err(KqlError {
                code: "ParserFailure",
                message: format!("the column '{n}' is named twice"),
                token: n.clone(),
                at: query.find(n.as_str()).map_or(0, |b| query[..b].chars().count()),
            });
        }
    }
    Ok(())
}

/// Runs `q` over `rows`, whose columns are `columns`. `text` is the query, for positions.
pub(crate) fn run(
    q: &Query,
    mut rows: Vec<Row>,
    mut columns: Vec<(String, ColType)>,
    text: &str,
) -> Result<Output, KqlError> {
    for op in &q.ops {
        match op {
            Op::Where(e) => {
                check(e, &columns, text)?;
                rows.retain(|r| truthy(&eval(e, r)));
            }
            Op::Project(cols) => {
                distinct_names(cols, text)?;
                let mut next = Vec::new();
                for (n, e) in cols {
                    next.push((n.clone(), check(e, &columns, text)?));
                }
                rows = rows
                    .iter()
                    .map(|r| cols.iter().map(|(n, e)| (n.clone(), eval(e, r))).collect())
                    .collect();
                columns = next;
            }
            Op::Extend(cols) => {
                distinct_names(cols, text)?;
                let mut types = Vec::new();
                for (_, e) in cols {
                    types.push(check(e, &columns, text)?);
                }
                for r in &mut rows {
                    let values: Vec<Value> = cols.iter().map(|(_, e)| eval(e, r)).collect();
                    for ((n, _), v) in cols.iter().zip(values) {
                        r.insert(n.clone(), v);
                    }
                }
                for ((n, _), t) in cols.iter().zip(types) {
                    set_column(&mut columns, n, t);
                }
            }
            Op::Order(keys) => {
                for (e, _) in keys {
                    check(e, &columns, text)?;
                }
                let mut keyed: Vec<(Vec<Value>, Row)> = rows
                    .into_iter()
                    .map(|r| (keys.iter().map(|(e, _)| eval(e, &r)).collect(), r))
                    .collect();
                keyed.sort_by(|(a, _), (b, _)| {
                    for (i, (_, desc)) in keys.iter().enumerate() {
                        let o = order(&a[i], &b[i]);
                        let o = if *desc { o.reverse() } else { o };
                        if o != Ordering::Equal {
                            return o;
                        }
                    }
                    Ordering::Equal
                });
                rows = keyed.into_iter().map(|(_, r)| r).collect();
            }
            Op::Take(n) => rows.truncate(*n),
            Op::Count => {
                let mut r = Row::new();
                r.insert("Count".into(), Value::from(rows.len()));
                rows = vec![r];
                columns = vec![("Count".into(), ColType::Integer)];
            }
            Op::Summarize(name, by) => {
                distinct_names(by, text)?;
                let mut next = Vec::new();
                for (n, e) in by {
                    next.push((n.clone(), check(e, &columns, text)?));
                }
                next.push((name.clone(), ColType::Integer));
                let mut groups: Vec<(Vec<Value>, usize)> = Vec::new();
                let mut index: HashMap<String, usize> = HashMap::new();
                for r in &rows {
                    let key: Vec<Value> = by.iter().map(|(_, e)| eval(e, r)).collect();
                    let k = Value::Array(key.clone()).to_string();
                    match index.get(&k) {
                        Some(i) => groups[*i].1 += 1,
                        None => {
                            index.insert(k, groups.len());
                            groups.push((key, 1));
                        }
                    }
                }
                if by.is_empty() && groups.is_empty() {
                    groups.push((Vec::new(), 0));
                }
                rows = groups
                    .into_iter()
                    .map(|(key, n)| {
                        let mut r: Row = by.iter().map(|(c, _)| c.clone()).zip(key).collect();
                        r.insert(name.clone(), Value::from(n));
                        r
                    })
                    .collect();
                columns = next;
            }
            Op::MvExpand(name, e) => {
                check(e, &columns, text)?;
                let mut out = Vec::new();
                for r in rows {
                    match eval(e, &r) {
                        Value::Null => {}
                        Value::Array(items) => {
                            for item in items {
                                let mut copy = r.clone();
                                copy.insert(name.clone(), item);
                                out.push(copy);
                            }
                        }
                        scalar => {
                            let mut copy = r;
                            copy.insert(name.clone(), scalar);
                            out.push(copy);
                        }
                    }
                }
                rows = out;
                set_column(&mut columns, name, ColType::Object);
            }
        }
    }
    // Every row holds every column, in the columns' order.
    let rows = rows
        .into_iter()
        .map(|mut r| {
            columns
                .iter()
                .map(|(n, _)| (n.clone(), r.remove(n).unwrap_or(Value::Null)))
                .collect()
        })
        .collect();
    Ok(Output { columns, rows })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::kql::parse;
    use super::*;

    fn rows() -> (Vec<Row>, Vec<(String, ColType)>) {
        let rows = [
            json!({"name": "Alpha", "n": 3, "tags": {"env": "dev"}, "properties": {"subnets": [{"name": "a"}, {"name": "b"}]}}),
            json!({"name": "beta-web", "n": 1, "tags": {"env": "prod"}, "properties": {"subnets": []}}),
            json!({"name": "gamma", "n": 2, "tags": null, "properties": {}}),
        ];
        let rows = rows.iter().map(|r| r.as_object().cloned().unwrap()).collect();
        let cols = [
            ("name", ColType::String),
            ("n", ColType::Integer),
            ("tags", ColType::Object),
            ("properties", ColType::Object),
        ];
        (rows, cols.iter().map(|(n, t)| ((*n).to_string(), *t)).collect())
    }

    fn names(q: &str) -> Vec<Value> {
        let (r, c) = rows();
        let out = run(&parse(q).unwrap(), r, c, q).unwrap();
        out.rows
            .iter()
            .map(|r| r.values().next().cloned().unwrap())
            .collect()
    }

    #[test]
    fn filters() {
        assert_eq!(
            names("Resources | where name == 'alpha' | project name"),
            Vec::<Value>::new()
        );
        assert_eq!(
            names("Resources | where name =~ 'alpha' | project name"),
            [json!("Alpha")]
        );
        assert_eq!(
            names("Resources | where name has 'web' | project name"),
            [json!("beta-web")]
        );
        assert_eq!(
            names("Resources | where name has 'we' | project name"),
            Vec::<Value>::new()
        );
        assert_eq!(
            names("Resources | where name contains 'ET' | project name"),
            [json!("beta-web")]
        );
        assert_eq!(
            names("Resources | where tags.env in ('dev', 'prod') and n >= 2 | project name"),
            [json!("Alpha")]
        );
        assert_eq!(
            names("Resources | where not(tags['env'] !in~ ('DEV')) | project name"),
            [json!("Alpha")]
        );
        assert_eq!(
            names("Resources | where isempty(tags.env) or name startswith 'BE' | project name").len(),
            2
        );
    }

    #[test]
    fn shapes() {
        assert_eq!(
            names("Resources | order by n asc | project name")[0],
            json!("beta-web")
        );
        assert_eq!(
            names("Resources | sort by name | take 1 | project name"),
            [json!("gamma")]
        );
        assert_eq!(names("Resources | count"), [json!(3)]);
        assert_eq!(names("Resources | where n > 5 | summarize count()"), [json!(0)]);
        assert_eq!(
            names("Resources | mv-expand s = properties.subnets | project s.name"),
            [json!("a"), json!("b")]
        );
        let q = "Resources | extend e = tolower(tags.env) | summarize c = count() by e | order by c desc";
        let (r, c) = rows();
        let out = run(&parse(q).unwrap(), r, c, q).unwrap();
        assert_eq!(
            out.columns.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            ["e", "c"]
        );
        assert_eq!(out.rows.len(), 3);
        let q = "Resources | project nope";
        let (r, c) = rows();
        let e = run(&parse(q).unwrap(), r, c, q).unwrap_err();
        assert_eq!((e.token.as_str(), e.at), ("nope", 20));
    }
}
