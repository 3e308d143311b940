//! Typed reading of module inputs, with errors that name the exact input path.
//!
//! Inputs arrive as [`Value`]s that may be unknown until apply. Every accessor returns an
//! [`Input`]: the value as given (sensitive marks and unknowns included, which is what goes
//! into ARM bodies and outputs) and, when it is known, its typed form for validation. So
//! validation checks what is known and skips the rest, and nothing a module builds loses a
//! sensitive mark. Values that must be known at plan time (names, which are part of ARM ids)
//! are read with the `*_known_*` accessors, which say so when they are not.

use std::collections::BTreeMap;

use strata_core::{InputError, PathStep, Value};

/// A value read from the inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Input<T> {
    /// As given, marks included: what goes into ARM bodies and outputs.
    pub value: Value,
    /// The typed value when it is known at plan time.
    pub known: Option<T>,
}

impl<T> Input<T> {
    fn known(value: Value, known: T) -> Input<T> {
        Input {
            value,
            known: Some(known),
        }
    }

    fn unknown(value: Value) -> Input<T> {
        Input { value, known: None }
    }
}

/// A map of strings whose values may be unknown one by one.
pub type StringMap = BTreeMap<String, Input<String>>;

/// Collects input errors so that a module reports every problem at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<InputError>);

impl Errors {
    /// The value, or `None` after recording its error.
    pub fn take<T>(&mut self, r: Result<T, InputError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: InputError) {
        self.0.push(e);
    }

    pub fn extend(&mut self, errors: impl IntoIterator<Item = InputError>) {
        self.0.extend(errors);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` if nothing was recorded.
    pub fn finish(self) -> Result<(), Vec<InputError>> {
        if self.0.is_empty() { Ok(()) } else { Err(self.0) }
    }
}

/// An error at `path`.
pub fn error_at(path: Vec<PathStep>, message: impl Into<String>) -> InputError {
    InputError {
        path,
        message: message.into(),
        hint: None,
    }
}

/// A path made of `base` and then `more`.
pub fn join(base: &[PathStep], more: &[PathStep]) -> Vec<PathStep> {
    base.iter().chain(more).cloned().collect()
}

pub fn key(k: &str) -> PathStep {
    PathStep::Key(k.to_string())
}

/// The object that holds the inputs, or one nested object (one subnet, one rule), read with
/// errors naming the full path.
#[derive(Clone, Debug)]
pub struct Fields<'a> {
    map: &'a BTreeMap<String, Value>,
    path: Vec<PathStep>,
}

const PLAN_TIME_HINT: &str = "use a literal, a variable, or another module's output that is known at plan time \
     (names and ids are), not a value known only after apply";

impl<'a> Fields<'a> {
    /// The module's inputs.
    pub fn root(inputs: &'a BTreeMap<String, Value>) -> Fields<'a> {
        Fields {
            map: inputs,
            path: Vec::new(),
        }
    }

    /// The path of this object.
    pub fn path(&self) -> &[PathStep] {
        &self.path
    }

    /// The path of one of its fields.
    pub fn path_to(&self, field: &str) -> Vec<PathStep> {
        join(&self.path, &[key(field)])
    }

    /// An error about one of its fields.
    pub fn error(&self, field: &str, message: impl Into<String>) -> InputError {
        error_at(self.path_to(field), message)
    }

    /// The field, unless it is absent or null.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str, ty: &str) -> InputError {
        self.error(name, format!("`{name}` is required"))
            .hint(format!("set `{name}` to a {ty}"))
    }

    pub fn req_string(&self, name: &str) -> Result<Input<String>, InputError> {
        self.opt_string(name)?.ok_or_else(|| self.missing(name, "string"))
    }

    pub fn opt_string(&self, name: &str) -> Result<Option<Input<String>>, InputError> {
        self.get(name)
            .map(|v| string_at(v, &self.path_to(name)))
            .transpose()
    }

    /// A string that must be known at plan time; `why` completes "it must be known at plan
    /// time because …".
    pub fn req_known_string(&self, name: &str, why: &str) -> Result<String, InputError> {
        let input = self.req_string(name)?;
        input.known.ok_or_else(|| {
            self.error(name, format!("`{name}` must be known at plan time because {why}"))
                .hint(PLAN_TIME_HINT)
        })
    }

    /// A string with a default, for optional inputs such as `location`.
    pub fn string_or(&self, name: &str, default: &str) -> Result<Input<String>, InputError> {
        Ok(self
            .opt_string(name)?
            .unwrap_or_else(|| Input::known(Value::from(default), default.to_string())))
    }

    pub fn req_int(&self, name: &str) -> Result<Input<i64>, InputError> {
        let Some(v) = self.get(name) else {
            return Err(self.missing(name, "whole number"));
        };
        int_at(v, &self.path_to(name))
    }

    /// A whole number, if set.
    pub fn opt_int(&self, name: &str) -> Result<Option<Input<i64>>, InputError> {
        self.get(name).map(|v| int_at(v, &self.path_to(name))).transpose()
    }

    /// A whole number with a default (a profile's, usually).
    pub fn int_or(&self, name: &str, default: i64) -> Result<Input<i64>, InputError> {
        Ok(self
            .opt_int(name)?
            .unwrap_or_else(|| Input::known(Value::from(default), default)))
    }

    /// A boolean, if set; `"true"` and `"false"` are accepted as the language converts them.
    pub fn opt_bool(&self, name: &str) -> Result<Option<Input<bool>>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if v.is_wholly_unknown() {
            return Ok(Some(Input::unknown(v.clone())));
        }
        let b = match v.unmarked() {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        };
        match b {
            Some(b) => Ok(Some(Input::known(remark(v, Value::Bool(b)), b))),
            None => Err(type_error(v, &self.path_to(name), "a bool")),
        }
    }

    /// A boolean with a default.
    pub fn bool_or(&self, name: &str, default: bool) -> Result<Input<bool>, InputError> {
        Ok(self
            .opt_bool(name)?
            .unwrap_or_else(|| Input::known(Value::from(default), default)))
    }

    /// A boolean that must be known at plan time (it decides what is created).
    pub fn known_bool_or(&self, name: &str, default: bool, why: &str) -> Result<bool, InputError> {
        let input = self.bool_or(name, default)?;
        input.known.ok_or_else(|| self.not_known(name, why))
    }

    /// A whole number that must be known at plan time (a count decides what is created).
    pub fn known_int_or(&self, name: &str, default: i64, why: &str) -> Result<i64, InputError> {
        let input = self.int_or(name, default)?;
        input.known.ok_or_else(|| self.not_known(name, why))
    }

    /// An optional string that must be known at plan time when set.
    pub fn opt_known_string(&self, name: &str, why: &str) -> Result<Option<String>, InputError> {
        match self.opt_string(name)? {
            None => Ok(None),
            Some(Input { known: Some(s), .. }) => Ok(Some(s)),
            Some(_) => Err(self.not_known(name, why)),
        }
    }

    /// A string with a default that must be known at plan time (a choice among variants).
    pub fn known_string_or(&self, name: &str, default: &str, why: &str) -> Result<String, InputError> {
        Ok(self
            .opt_known_string(name, why)?
            .unwrap_or_else(|| default.to_string()))
    }

    /// A list of strings that must be known at plan time, element by element.
    pub fn opt_known_list_string(&self, name: &str, why: &str) -> Result<Option<Vec<String>>, InputError> {
        let Some(list) = self.opt_list_string(name)? else {
            return Ok(None);
        };
        let Some(items) = list.known else {
            return Err(self.not_known(name, why));
        };
        items
            .into_iter()
            .map(|i| i.known.ok_or_else(|| self.not_known(name, why)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The field as an object of fields, if set (an object that must be known as a whole;
    /// its own fields may be unknown).
    pub fn opt_object(&self, name: &str, why: &str) -> Result<Option<Fields<'a>>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if v.is_wholly_unknown() {
            return Err(self.not_known(name, why));
        }
        match v.as_object() {
            Some(o) => Ok(Some(Fields {
                map: o,
                path: self.path_to(name),
            })),
            None => Err(type_error(v, &self.path_to(name), "an object")),
        }
    }

    pub fn req_list_string(&self, name: &str) -> Result<Input<Vec<Input<String>>>, InputError> {
        self.opt_list_string(name)?
            .ok_or_else(|| self.missing(name, "list of strings"))
    }

    /// A list of strings; elements may be unknown one by one.
    pub fn opt_list_string(&self, name: &str) -> Result<Option<Input<Vec<Input<String>>>>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if v.is_wholly_unknown() {
            return Ok(Some(Input::unknown(v.clone())));
        }
        let path = self.path_to(name);
        let Some(items) = v.as_list() else {
            return Err(type_error(v, &path, "a list of strings"));
        };
        let items = items
            .iter()
            .enumerate()
            .map(|(i, item)| string_at(item, &join(&path, &[PathStep::Index(i)])))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Input::known(v.clone(), items)))
    }

    /// A map of strings; values may be unknown one by one (keys are always known).
    pub fn opt_map_string(&self, name: &str) -> Result<Option<Input<StringMap>>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        if v.is_wholly_unknown() {
            return Ok(Some(Input::unknown(v.clone())));
        }
        let path = self.path_to(name);
        let Some(map) = v.as_object() else {
            return Err(type_error(v, &path, "a map of strings"));
        };
        let items = map
            .iter()
            .map(|(k, item)| Ok((k.clone(), string_at(item, &join(&path, &[key(k)]))?)))
            .collect::<Result<BTreeMap<_, _>, InputError>>()?;
        Ok(Some(Input::known(v.clone(), items)))
    }

    /// A map of objects that must be known at plan time (its keys name resources); the
    /// objects' fields may still be unknown.
    pub fn opt_known_map_object(
        &self,
        name: &str,
        why: &str,
    ) -> Result<Vec<(String, Fields<'a>)>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(Vec::new());
        };
        let path = self.path_to(name);
        if v.is_wholly_unknown() {
            return Err(self.not_known(name, why));
        }
        let Some(map) = v.as_object() else {
            return Err(type_error(v, &path, "a map of objects"));
        };
        map.iter()
            .map(|(k, item)| {
                let item_path = join(&path, &[key(k)]);
                match item.as_object() {
                    Some(o) => Ok((
                        k.clone(),
                        Fields {
                            map: o,
                            path: item_path,
                        },
                    )),
                    None if item.is_wholly_unknown() => Err(error_at(
                        item_path,
                        format!(
                            "`{}` must be known at plan time because {why}",
                            path_string(&path, k)
                        ),
                    )
                    .hint(PLAN_TIME_HINT)),
                    None => Err(type_error(item, &item_path, "an object")),
                }
            })
            .collect()
    }

    /// A list of objects that must be known at plan time as a list (its length decides what
    /// is created); the objects' fields may still be unknown.
    pub fn opt_known_list_object(&self, name: &str, why: &str) -> Result<Vec<Fields<'a>>, InputError> {
        let Some(v) = self.get(name) else {
            return Ok(Vec::new());
        };
        let path = self.path_to(name);
        if v.is_wholly_unknown() {
            return Err(self.not_known(name, why));
        }
        let Some(items) = v.as_list() else {
            return Err(type_error(v, &path, "a list of objects"));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let item_path = join(&path, &[PathStep::Index(i)]);
                match item.as_object() {
                    Some(o) => Ok(Fields {
                        map: o,
                        path: item_path,
                    }),
                    None if item.is_wholly_unknown() => Err(error_at(
                        item_path,
                        format!("each of `{name}` must be known at plan time because {why}"),
                    )
                    .hint(PLAN_TIME_HINT)),
                    None => Err(type_error(item, &item_path, "an object")),
                }
            })
            .collect()
    }

    fn not_known(&self, name: &str, why: &str) -> InputError {
        self.error(name, format!("`{name}` must be known at plan time because {why}"))
            .hint(PLAN_TIME_HINT)
    }

    /// Errors for fields that are not in `allowed` (a typo would otherwise be ignored).
    pub fn unknown_fields(&self, allowed: &[&str]) -> Vec<InputError> {
        self.map
            .keys()
            .filter(|k| !allowed.contains(&k.as_str()))
            .map(|k| {
                self.error(k, format!("`{k}` is not a field here"))
                    .hint(format!("the fields are: {}", allowed.join(", ")))
            })
            .collect()
    }
}

fn path_string(path: &[PathStep], last: &str) -> String {
    let first = match path.first() {
        Some(PathStep::Key(k)) => k.as_str(),
        _ => "",
    };
    format!("{first}[\"{last}\"]")
}

fn type_error(v: &Value, path: &[PathStep], expected: &str) -> InputError {
    error_at(
        path.to_vec(),
        format!("must be {expected}, not {}", article(v.type_name())),
    )
}

fn article(type_name: &str) -> String {
    match type_name {
        "null" => "null".into(),
        "object" => "an object".into(),
        t => format!("a {t}"),
    }
}

/// Keeps `original`'s sensitive mark on a rewritten value.
fn remark(original: &Value, v: Value) -> Value {
    if matches!(original, Value::Sensitive(_)) {
        v.sensitive()
    } else {
        v
    }
}

/// A string, accepting numbers and booleans as the language converts them (`22` → `"22"`).
fn string_at(v: &Value, path: &[PathStep]) -> Result<Input<String>, InputError> {
    if v.is_wholly_unknown() {
        return Ok(Input::unknown(v.clone()));
    }
    let s = match v.unmarked() {
        Value::String(s) => return Ok(Input::known(v.clone(), s.clone())),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(type_error(v, path, "a string")),
    };
    Ok(Input::known(remark(v, Value::String(s.clone())), s))
}

/// A whole number, accepting strings of digits as the language converts them.
fn int_at(v: &Value, path: &[PathStep]) -> Result<Input<i64>, InputError> {
    if v.is_wholly_unknown() {
        return Ok(Input::unknown(v.clone()));
    }
    let n = match v.unmarked() {
        Value::Number(_) => v.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => return Err(type_error(v, path, "a whole number")),
    };
    match n {
        Some(n) => Ok(Input::known(remark(v, Value::from(n)), n)),
        None => Err(error_at(path.to_vec(), "must be a whole number")),
    }
}

/// `name` (required) from the inputs.
pub fn req_string(inputs: &BTreeMap<String, Value>, name: &str) -> Result<Input<String>, InputError> {
    Fields::root(inputs).req_string(name)
}

/// `name` (optional) from the inputs.
pub fn opt_string(inputs: &BTreeMap<String, Value>, name: &str) -> Result<Option<Input<String>>, InputError> {
    Fields::root(inputs).opt_string(name)
}

/// `name` (optional map of strings) from the inputs.
pub fn opt_map_string(
    inputs: &BTreeMap<String, Value>,
    name: &str,
) -> Result<Option<Input<StringMap>>, InputError> {
    Fields::root(inputs).opt_map_string(name)
}

/// A location as ARM spells it in answers (`West Europe` → `westeurope`), so the diff does
/// not see a change where there is none.
pub fn location(fields: &Fields<'_>, name: &str, default: &str) -> Result<Input<String>, InputError> {
    let input = fields.string_or(name, default)?;
    let Some(given) = input.known else {
        return Ok(input);
    };
    let normal: String = given
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    if normal.is_empty() || !normal.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(fields
            .error(name, format!("`{given}` is not an Azure location"))
            .hint("use a region name such as `westeurope` or `eastus2`"));
    }
    Ok(Input::known(
        remark(&input.value, Value::from(normal.clone())),
        normal,
    ))
}

/// Azure's tag limits: 50 tags, names up to 512 characters without `< > % & \ ? /`, values
/// up to 256 characters.
pub fn tags(fields: &Fields<'_>, name: &str) -> Result<Option<Input<StringMap>>, InputError> {
    let Some(tags) = fields.opt_map_string(name)? else {
        return Ok(None);
    };
    if let Some(map) = &tags.known {
        if map.len() > 50 {
            return Err(fields
                .error(
                    name,
                    format!("{} tags are set; Azure allows at most 50", map.len()),
                )
                .hint("merge related tags or move them to a tag value"));
        }
        for (k, v) in map {
            let path = join(&fields.path_to(name), &[key(k)]);
            if k.is_empty() || k.chars().count() > 512 || k.contains(['<', '>', '%', '&', '\\', '?', '/']) {
                return Err(error_at(path, format!("`{k}` is not a valid tag name"))
                    .hint("tag names are 1-512 characters without < > % & \\ ? /"));
            }
            if v.known.as_ref().is_some_and(|s| s.chars().count() > 256) {
                return Err(error_at(path, "the tag value is longer than 256 characters"));
            }
        }
    }
    Ok(Some(tags))
}

#[cfg(test)]
mod tests;
