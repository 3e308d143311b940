//! The names visible to a stack's expressions while it is evaluated.

use std::collections::BTreeMap;

use strata_core::Value;

use crate::eval::{EvalError, ResourceRef, Scope};
use crate::load::env::Environment;
use crate::similar;

/// The fields of `env`.
pub(crate) const ENV_FIELDS: [&str; 7] = [
    "name",
    "location",
    "subscription_id",
    "target",
    "tags",
    "profile",
    "role",
];

/// What has been evaluated so far: variables, locals, module outputs, resources.
#[derive(Default)]
pub(crate) struct StackScope {
    pub vars: BTreeMap<String, Value>,
    pub locals: BTreeMap<String, Value>,
    pub env: BTreeMap<String, Value>,
    /// A module's value: the object of its outputs.
    pub modules: BTreeMap<String, Value>,
    pub resources: BTreeMap<String, ResourceRef>,
    /// When set, only `var.*` may be used (validation conditions).
    pub vars_only: bool,
}

impl StackScope {
    pub fn new(env: &Environment) -> StackScope {
        let tags = env
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let env = BTreeMap::from([
            ("name".to_string(), Value::String(env.name.clone())),
            ("location".to_string(), Value::String(env.location.clone())),
            (
                "subscription_id".to_string(),
                Value::String(env.subscription_id.clone()),
            ),
            (
                "target".to_string(),
                Value::String(env.target.as_str().to_string()),
            ),
            ("tags".to_string(), Value::Object(tags)),
            ("profile".to_string(), Value::String(env.profile.clone())),
            // `primary`, or `standby` in the derived environment `<env>-dr`.
            ("role".to_string(), Value::String(env.role().as_str().to_string())),
        ]);
        StackScope {
            env,
            ..StackScope::default()
        }
    }
}

fn missing(what: &str, name: &str, known: impl Iterator<Item = String>) -> EvalError {
    let names: Vec<String> = known.collect();
    EvalError::new(format!("{what} `{name}` is not available"), None).hint(similar::hint(
        name,
        "available",
        names.iter().map(String::as_str),
    ))
}

impl Scope for StackScope {
    fn lookup(&self, root: &str, name: &str) -> Result<Value, EvalError> {
        if self.vars_only && root != "var" {
            return Err(EvalError::new(
                format!("a validation condition can only refer to variables, not `{root}.{name}`"),
                None,
            ));
        }
        let (map, what) = match root {
            "var" => (&self.vars, "variable"),
            "local" => (&self.locals, "local value"),
            "env" => (&self.env, "env field"),
            "module" => (&self.modules, "module"),
            other => return Err(EvalError::new(format!("unknown name `{other}`"), None)),
        };
        map.get(name)
            .cloned()
            .ok_or_else(|| missing(what, name, map.keys().cloned()))
    }

    fn resource(&self, label: &str) -> Result<ResourceRef, EvalError> {
        if self.vars_only {
            return Err(EvalError::new(
                format!("a validation condition can only refer to variables, not `resource.{label}`"),
                None,
            ));
        }
        self.resources
            .get(label)
            .cloned()
            .ok_or_else(|| missing("resource", label, self.resources.keys().cloned()))
    }
}
