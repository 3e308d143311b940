//! Reading block bodies against what each block allows, so that an unknown block or attribute
//! is an error with a hint listing what is allowed.

use std::collections::BTreeMap;

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};
use strata_core::{Diagnostic, Diagnostics, Value};

use crate::eval;
use crate::similar;
use crate::source::{FileId, Place, Sources};

/// An attribute as written: `name = expr`.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub name: String,
    pub expr: Expression,
    /// The whole attribute.
    pub place: Place,
}

impl Attr {
    /// The place of the value expression.
    pub fn value_place(&self) -> Place {
        self.place.with_span(self.expr.span())
    }
}

/// What a block allows inside it.
pub(crate) struct Schema {
    /// Allowed attribute names; `None` allows any (module inputs).
    pub attrs: Option<&'static [&'static str]>,
    pub blocks: &'static [&'static str],
}

/// Collects problems while reading files.
pub(crate) struct Reader<'a> {
    pub sources: &'a Sources,
    pub diags: &'a mut Diagnostics,
}

impl Reader<'_> {
    pub fn error(&mut self, summary: impl Into<String>, place: &Place) -> &mut Diagnostic {
        let d = Diagnostic::error(summary).at(place.loc(self.sources));
        self.diags.push(d);
        let last = self.diags.0.len() - 1;
        &mut self.diags.0[last]
    }

    /// Splits a body into its attributes and blocks, reporting what the schema does not allow.
    /// `what` names the block for messages (`variable "x"`).
    pub fn body<'b>(
        &mut self,
        body: &'b Body,
        file: FileId,
        what: &str,
        schema: &Schema,
    ) -> (BTreeMap<String, Attr>, Vec<&'b Block>) {
        let mut attrs = BTreeMap::new();
        let mut blocks = Vec::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let name = a.key.as_str().to_string();
                    let place = Place::of(file, a);
                    if let Some(allowed) = schema.attrs
                        && !allowed.contains(&name.as_str())
                    {
                        let hint = similar::hint(&name, "attributes allowed here", allowed.iter().copied());
                        let d = self.error(format!("unsupported attribute `{name}` in {what}"), &place);
                        d.hint = Some(hint);
                        continue;
                    }
                    attrs.insert(
                        name.clone(),
                        Attr {
                            name,
                            expr: a.value.clone(),
                            place,
                        },
                    );
                }
                Structure::Block(b) => {
                    let ident = b.ident.as_str();
                    if schema.blocks.contains(&ident) {
                        blocks.push(b);
                        continue;
                    }
                    let hint = if schema.blocks.is_empty() {
                        format!("{what} takes no nested blocks; to set an object, write `{ident} = {{ … }}`")
                    } else {
                        similar::hint(ident, "blocks allowed here", schema.blocks.iter().copied())
                    };
                    let d = self.error(
                        format!("unsupported block `{ident}` in {what}"),
                        &Place::of(file, b),
                    );
                    d.hint = Some(hint);
                }
            }
        }
        (attrs, blocks)
    }

    /// The block's single label, or an error.
    pub fn one_label(&mut self, b: &Block, file: FileId, example: &str) -> Option<(String, Place)> {
        let ident = b.ident.as_str();
        match b.labels.as_slice() {
            [label] => {
                let name = label.as_str().to_string();
                let place = Place::of(file, label);
                if !is_name(&name) {
                    let d = self.error(
                        format!("`{name}` is not a valid name for a {ident} block"),
                        &place,
                    );
                    d.hint = Some(
                        "names start with a letter or `_` and contain only letters, digits, `_` and `-`"
                            .into(),
                    );
                    return None;
                }
                Some((name, place))
            }
            labels => {
                let d = self.error(
                    format!("a {ident} block takes one label, not {}", labels.len()),
                    &Place::of(file, b),
                );
                d.hint = Some(format!("write it like: {example}"));
                None
            }
        }
    }

    /// A block without labels, or an error.
    pub fn no_labels(&mut self, b: &Block, file: FileId) -> bool {
        if b.labels.is_empty() {
            return true;
        }
        let ident = b.ident.as_str();
        let d = self.error(format!("a {ident} block takes no labels"), &Place::of(file, b));
        d.hint = Some(format!("write it like: {ident} {{ … }}"));
        false
    }

    /// A constant attribute, evaluated now.
    pub fn constant(&mut self, attr: &Attr) -> Option<Value> {
        match eval::literal(&attr.expr) {
            Ok(v) => Some(v),
            Err(e) => {
                let place = attr.place.with_span(e.span.clone().or_else(|| attr.expr.span()));
                let d = self.error(format!("invalid `{}`: {}", attr.name, e.message), &place);
                d.hint = e.hint;
                None
            }
        }
    }

    pub fn constant_string(&mut self, attr: &Attr) -> Option<String> {
        let v = self.constant(attr)?;
        match v.unmarked() {
            Value::String(s) => Some(s.clone()),
            other => {
                let msg = format!("`{}` must be a string, not a {}", attr.name, other.type_name());
                self.error(msg, &attr.value_place());
                None
            }
        }
    }

    pub fn constant_bool(&mut self, attr: &Attr) -> Option<bool> {
        let v = self.constant(attr)?;
        match v.unmarked() {
            Value::Bool(b) => Some(*b),
            other => {
                let msg = format!(
                    "`{}` must be true or false, not a {}",
                    attr.name,
                    other.type_name()
                );
                self.error(msg, &attr.value_place());
                None
            }
        }
    }
}

/// Names of blocks: letters, digits, `_` and `-`, not starting with a digit or `-`.
pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("rg"));
        assert!(is_name("app_1-x"));
        assert!(!is_name("1rg"));
        assert!(!is_name("-x"));
        assert!(!is_name("a.b"));
        assert!(!is_name(""));
    }
}
