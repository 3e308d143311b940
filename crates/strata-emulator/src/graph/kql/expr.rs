//! Expressions: `or` over `and` over comparisons over terms (literals, paths, calls,
//! parentheses), with limits on nesting and on `and`/`or` chains so that evaluating any query
//! stays within the stack.

use serde_json::Value;

use super::ast::{Cmp, Expr, Seg};
use super::lex::{KqlError, Tok, Token};
use super::{FUNCTIONS, Parser};

/// How deep parentheses and calls may nest, and how many `and`/`or` a query may have: what
/// keeps evaluation within the stack whatever the query.
const MAX_NESTING: usize = 32;
const MAX_CHAIN: usize = 1024;

impl Parser {
    pub(super) fn expr(&mut self) -> Result<Expr, KqlError> {
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
