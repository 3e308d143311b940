//! The two CI expression languages, as far as the generated pipelines use them: GitHub's
//! `a && !b`, `x == 'y'`, `always()` with dotted context paths, and Azure Pipelines'
//! `and(succeeded(), eq(variables['X'], 'y'))` with `dependencies.S.outputs['j.s.v']`.
//! Anything else panics, so a pipeline that starts using more fails the test instead of
//! being evaluated wrongly.

/// A value: CI expressions compare strings and combine booleans.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Str(String),
    Bool(bool),
}

impl Val {
    pub fn truthy(&self) -> bool {
        match self {
            Val::Bool(b) => *b,
            Val::Str(s) => !s.is_empty(),
        }
    }

    fn text(&self) -> String {
        match self {
            Val::Bool(b) => b.to_string(),
            Val::Str(s) => s.clone(),
        }
    }
}

/// What an expression can look up: a context path (`steps.plan.outputs.changes`,
/// `variables.Build.Reason`) or a status function (`failure`, `succeeded`).
pub trait Context {
    fn path(&self, path: &str) -> Option<String>;
    fn function(&self, name: &str) -> bool;
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(&'static str),
}

fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            assert!(i < chars.len(), "unterminated string in {text:?}");
            i += 1;
            out.push(Tok::Str(s));
        } else if c.is_ascii_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "_-.".contains(chars[i])) {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let punct = ["&&", "||", "==", "!="]
                .into_iter()
                .find(|p| *p == two)
                .or_else(|| {
                    ["!", "(", ")", ",", "[", "]"]
                        .into_iter()
                        .find(|p| p.starts_with(c))
                });
            let p = punct.unwrap_or_else(|| panic!("unexpected {c:?} in {text:?}"));
            i += p.len();
            out.push(Tok::Punct(p));
        }
    }
    out
}

struct Parser<'a> {
    toks: Vec<Tok>,
    at: usize,
    ctx: &'a dyn Context,
    text: &'a str,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek() == Some(&Tok::Punct(leak(p))) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) {
        assert!(self.eat(p), "expected {p} in {:?}", self.text);
    }

    // GitHub: or > and > equality > unary > primary.
    fn gh_or(&mut self) -> Val {
        let mut v = self.gh_and();
        while self.eat("||") {
            let r = self.gh_and();
            v = Val::Bool(v.truthy() || r.truthy());
        }
        v
    }

    fn gh_and(&mut self) -> Val {
        let mut v = self.gh_eq();
        while self.eat("&&") {
            let r = self.gh_eq();
            v = Val::Bool(v.truthy() && r.truthy());
        }
        v
    }

    fn gh_eq(&mut self) -> Val {
        let v = self.gh_unary();
        if self.eat("==") {
            return Val::Bool(v.text() == self.gh_unary().text());
        }
        if self.eat("!=") {
            return Val::Bool(v.text() != self.gh_unary().text());
        }
        v
    }

    fn gh_unary(&mut self) -> Val {
        if self.eat("!") {
            return Val::Bool(!self.gh_unary().truthy());
        }
        if self.eat("(") {
            let v = self.gh_or();
            self.expect(")");
            return v;
        }
        match self.toks.get(self.at).cloned() {
            Some(Tok::Str(s)) => {
                self.at += 1;
                Val::Str(s)
            }
            Some(Tok::Ident(name)) => {
                self.at += 1;
                if self.eat("(") {
                    self.expect(")");
                    Val::Bool(self.ctx.function(&name))
                } else {
                    Val::Str(self.ctx.path(&name).unwrap_or_default())
                }
            }
            other => panic!("unexpected {other:?} in {:?}", self.text),
        }
    }

    // Azure Pipelines: every operator is a function.
    fn ado(&mut self) -> Val {
        match self.toks.get(self.at).cloned() {
            Some(Tok::Str(s)) => {
                self.at += 1;
                Val::Str(s)
            }
            Some(Tok::Ident(name)) => {
                self.at += 1;
                if self.eat("(") {
                    let mut args = Vec::new();
                    while !self.eat(")") {
                        args.push(self.ado());
                        self.eat(",");
                    }
                    return ado_function(self.ctx, &name, &args, self.text);
                }
                // `variables['Build.Reason']`, `dependencies.plan.outputs['plan.plan.changes']`.
                let mut path = name;
                while self.eat("[") {
                    let Some(Tok::Str(key)) = self.toks.get(self.at).cloned() else {
                        panic!("expected a quoted key in {:?}", self.text)
                    };
                    self.at += 1;
                    self.expect("]");
                    path = format!("{path}.{key}");
                }
                Val::Str(self.ctx.path(&path).unwrap_or_default())
            }
            other => panic!("unexpected {other:?} in {:?}", self.text),
        }
    }
}

fn leak(p: &str) -> &'static str {
    ["&&", "||", "==", "!=", "!", "(", ")", ",", "[", "]"]
        .into_iter()
        .find(|x| *x == p)
        .unwrap_or_else(|| panic!("not an operator: {p}"))
}

fn ado_function(ctx: &dyn Context, name: &str, args: &[Val], text: &str) -> Val {
    let text_of = |i: usize| args[i].text().to_ascii_lowercase();
    match name {
        "and" => Val::Bool(args.iter().all(Val::truthy)),
        "or" => Val::Bool(args.iter().any(Val::truthy)),
        "not" => Val::Bool(!args[0].truthy()),
        "eq" => Val::Bool(text_of(0) == text_of(1)),
        "ne" => Val::Bool(text_of(0) != text_of(1)),
        "in" => Val::Bool((1..args.len()).any(|i| text_of(0) == text_of(i))),
        "succeeded" | "failed" | "always" | "canceled" if args.is_empty() => Val::Bool(ctx.function(name)),
        _ => panic!("the test does not know the function {name} in {text:?}"),
    }
}

/// Evaluates a GitHub expression (with or without `${{ }}`).
pub fn github(text: &str, ctx: &dyn Context) -> bool {
    let inner = text
        .trim()
        .strip_prefix("${{")
        .and_then(|t| t.strip_suffix("}}"))
        .unwrap_or(text);
    let mut p = Parser {
        toks: tokens(inner),
        at: 0,
        ctx,
        text,
    };
    let v = p.gh_or();
    assert_eq!(p.at, p.toks.len(), "trailing tokens in {text:?}");
    v.truthy()
}

/// Replaces every `${{ path }}` in `text` with the value of the path.
pub fn github_interpolate(text: &str, ctx: &dyn Context) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .unwrap_or_else(|| panic!("unterminated expression in {text:?}"));
        let path = rest[start + 3..start + end].trim();
        assert!(
            path.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
            "the test only interpolates context paths, not {path:?}"
        );
        out.push_str(&ctx.path(path).unwrap_or_default());
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// Evaluates an Azure Pipelines condition.
pub fn azure(text: &str, ctx: &dyn Context) -> bool {
    let mut p = Parser {
        toks: tokens(text),
        at: 0,
        ctx,
        text,
    };
    let v = p.ado();
    assert_eq!(p.at, p.toks.len(), "trailing tokens in {text:?}");
    v.truthy()
}

#[test]
fn the_evaluators_follow_the_languages() {
    struct C;
    impl Context for C {
        fn path(&self, path: &str) -> Option<String> {
            match path {
                "needs.plan-dev.outputs.changes" => Some("true".into()),
                "variables.Build.Reason" => Some("IndividualCI".into()),
                "dependencies.plan_dev.outputs.plan.plan.changes" => Some("false".into()),
                _ => None,
            }
        }
        fn function(&self, name: &str) -> bool {
            matches!(name, "succeeded" | "always" | "success")
        }
    }
    assert!(github("needs.plan-dev.outputs.changes == 'true'", &C));
    assert!(!github("steps.x.outputs.cache-hit == 'true'", &C));
    assert!(github("${{ !failure() && !cancelled() }}", &C));
    assert!(!github("!always()", &C));
    assert!(azure(
        "and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))",
        &C
    ));
    assert!(!azure(
        "and(succeeded(), eq(dependencies.plan_dev.outputs['plan.plan.changes'], 'true'))",
        &C
    ));
    assert!(azure("in('Skipped', 'Succeeded', 'Skipped')", &C));
}
