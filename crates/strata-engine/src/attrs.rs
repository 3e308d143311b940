//! Known resource attributes, and the lookup `resolve` uses to fill "known after apply" values.

use std::collections::HashMap;

use serde_json::Value as Json;
use strata_core::{PathStep, ResourceAddr, Value};

/// Attribute documents by resource: what ARM returned, plus `$action:<name>` results.
#[derive(Clone, Debug, Default)]
pub struct Attributes {
    docs: HashMap<ResourceAddr, Json>,
}

/// Prefix of the attribute keys that hold POST action results (always sensitive).
pub const ACTION_PREFIX: &str = "$action:";

impl Attributes {
    pub fn insert(&mut self, addr: ResourceAddr, doc: Json) {
        self.docs.insert(addr, doc);
    }

    pub fn remove(&mut self, addr: &ResourceAddr) {
        self.docs.remove(addr);
    }

    pub fn get(&self, addr: &ResourceAddr) -> Option<&Json> {
        self.docs.get(addr)
    }

    /// The value at `path` of `addr`'s attributes, if known. Action results and anything under
    /// them are marked sensitive.
    pub fn lookup(&self, addr: &ResourceAddr, path: &[PathStep]) -> Option<Value> {
        let mut cur = self.docs.get(addr)?;
        for step in path {
            cur = match (cur, step) {
                (Json::Object(m), PathStep::Key(k)) => m.get(k).or_else(|| {
                    m.iter()
                        .find(|(mk, _)| mk.eq_ignore_ascii_case(k))
                        .map(|(_, v)| v)
                })?,
                (Json::Array(a), PathStep::Index(i)) => a.get(*i)?,
                _ => return None,
            };
        }
        let v = Value::from_json(cur);
        let secret = matches!(path.first(), Some(PathStep::Key(k)) if k.starts_with(ACTION_PREFIX));
        Some(if secret { v.sensitive() } else { v })
    }
}

/// Copies the `$action:*` keys of `from` into `into` (a refreshed document lacks them).
pub fn carry_actions(into: &mut Json, from: &Json) {
    let (Json::Object(into), Json::Object(from)) = (into, from) else {
        return;
    };
    for (k, v) in from {
        if k.starts_with(ACTION_PREFIX) {
            into.insert(k.clone(), v.clone());
        }
    }
}
