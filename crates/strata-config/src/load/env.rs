//! Environments: `envs/<name>.hcl`, resolved with inheritance into an [`Environment`].

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey};
use strata_core::module::PROFILES;
use strata_core::{Diagnostic, Diagnostics, OnCreate, OnDestroy, SoftDeleteChoice, Value};

use super::Stack;
use super::decl::EnvDecl;
use super::schema::Reader;
use crate::similar;
use crate::source::Place;

/// The subscription id of the emulator when an environment sets none.
pub const EMULATOR_SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Where an environment's resources go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// The local emulator.
    Emulator,
    /// Azure Resource Manager.
    Azure,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Emulator => "emulator",
            Target::Azure => "azure",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One environment, with inheritance resolved.
#[derive(Clone, Debug)]
pub struct Environment {
    pub name: String,
    pub target: Target,
    /// Required for Azure; the emulator defaults to [`EMULATOR_SUBSCRIPTION_ID`].
    pub subscription_id: String,
    pub location: String,
    /// Values for the stack's variables (checked against their types when evaluating).
    pub variables: BTreeMap<String, Value>,
    pub tags: BTreeMap<String, String>,
    /// The environment's own file.
    pub file: PathBuf,
    /// The environments this one inherits from, nearest first (`["prod"]` for staging that
    /// inherits prod); empty without `inherits`.
    pub inherits_chain: Vec<String>,
    /// Where this environment keeps its state.
    pub backend: super::backend::Backend,
    /// The profile built-in modules take their defaults from: one of
    /// [`strata_core::module::PROFILES`]. Set with `profile = "prod"`, inherited like the
    /// rest; by default the environment's own name when that is a profile, else `dev`.
    pub profile: String,
    /// `soft_delete { on_create = "recover"  on_destroy = "purge" }`, inherited like the rest;
    /// by default [`strata_core::SoftDeleteChoice::for_profile`].
    pub soft_delete: strata_core::SoftDeleteChoice,
    /// `disaster_recovery { … }`, inherited per attribute like the rest (`strategy = "none"`
    /// switches off an inherited one); `None` without one.
    pub disaster_recovery: Option<strata_core::DisasterRecovery>,
    /// `disaster_recovery { variables = { … } }`: what the standby estate sets differently
    /// (its own `vnet_cidr`), merged over `variables` in the derived environment `<env>-dr`.
    pub standby_variables: BTreeMap<String, Value>,
    /// For the derived environment `<env>-dr`, the environment whose standby it is.
    pub standby_of: Option<StandbyOf>,
    /// Which estate serves traffic now (after `strata dr failover`, the standby). The
    /// configuration leaves it at the primary; the caller sets it from the recorded failover.
    pub serving: strata_core::EstateRole,
    /// For a cold standby, the moment its data is restored to (RFC 3339): the caller sets it
    /// from the failover that builds the standby.
    pub restore_point: Option<String>,
    /// Whether the environment has been failed over at least once (the caller sets it from
    /// the standby's state).
    pub failed_over: bool,
}

/// What a derived standby environment knows of its primary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandbyOf {
    /// The primary environment's name (`prod` for `prod-dr`) and region.
    pub primary: String,
    pub primary_location: String,
}

/// The suffix of a standby environment's name: `prod-dr` is the standby estate of `prod`.
pub const STANDBY_SUFFIX: &str = "-dr";

impl Environment {
    /// Which estate this environment is.
    pub fn role(&self) -> strata_core::EstateRole {
        if self.standby_of.is_some() {
            strata_core::EstateRole::Standby
        } else {
            strata_core::EstateRole::Primary
        }
    }

    /// The name of the environment that owns the estate: the primary's name for a standby.
    /// Both estates of an environment share one rehearsal and one emulator estate.
    pub fn estate_owner(&self) -> &str {
        self.standby_of.as_ref().map_or(&self.name, |s| &s.primary)
    }

    /// The name of this environment's standby, when its disaster recovery keeps one running
    /// (`warm`) or rebuilds one at failover (`cold`).
    pub fn standby_name(&self) -> Option<String> {
        (self.standby_of.is_none() && self.disaster_recovery.is_some())
            .then(|| format!("{}{STANDBY_SUFFIX}", self.name))
    }

    /// Whether the standby runs all the time (a warm strategy), so plans and applies of the
    /// primary include it.
    pub fn has_running_standby(&self) -> bool {
        self.standby_of.is_none()
            && self
                .disaster_recovery
                .as_ref()
                .is_some_and(|d| d.strategy == strata_core::DrStrategy::Warm)
    }
}

impl Stack {
    /// Resolves environment `name` and its inheritance. An unknown name is a diagnostic
    /// listing the environments that exist.
    pub fn environment(&self, name: &str) -> Result<Environment, Diagnostics> {
        let mut diags = Diagnostics::default();
        if !self.envs.contains_key(name)
            && let Some(primary) = name.strip_suffix(STANDBY_SUFFIX)
            && self.envs.contains_key(primary)
        {
            return self.standby(primary);
        }
        let Some(leaf) = self.envs.get(name) else {
            let hint = if self.envs.is_empty() {
                format!(
                    "this stack has no environments yet; create {}/envs/{name}.hcl",
                    self.dir.display()
                )
            } else {
                similar::hint(name, "environments", self.envs.keys().map(String::as_str))
            };
            diags.push(Diagnostic::error(format!("there is no environment `{name}`")).hint(hint));
            return Err(diags);
        };
        let mut r = Reader {
            sources: &self.sources,
            diags: &mut diags,
        };
        let Some(chain) = self.env_chain(&mut r, leaf) else {
            return Err(diags);
        };

        let mut target = None;
        let mut subscription_id = None;
        let mut location = None;
        let mut variables = BTreeMap::new();
        let mut tags = BTreeMap::new();
        let mut backend = self.backend.clone();
        let mut profile = None;
        let (mut on_create, mut on_destroy) = (None, None);
        // From the root ancestor down: each environment overrides what it sets.
        for decl in chain.iter().rev() {
            if let Some(attrs) = &decl.soft_delete {
                if let Some(a) = attrs.get("on_create") {
                    on_create = choice(&mut r, a, ON_CREATE).or(on_create);
                }
                if let Some(a) = attrs.get("on_destroy") {
                    on_destroy = choice(&mut r, a, ON_DESTROY).or(on_destroy);
                }
            }
            if let Some(a) = decl.attrs.get("profile")
                && let Some(p) = r.constant_string(a)
            {
                if PROFILES.contains(&p.as_str()) {
                    profile = Some(p);
                } else {
                    let hint = similar::hint(&p, "profiles", PROFILES.iter().copied());
                    let d = r.error(format!("`{p}` is not a profile"), &a.value_place());
                    d.hint = Some(hint);
                }
            }
            if let Some(a) = decl.attrs.get("backend") {
                backend = super::backend::merge_env_attr(&mut r, backend, a);
            }
            if let Some(a) = decl.attrs.get("target")
                && let Some(t) = r.constant_string(a)
            {
                match t.as_str() {
                    "emulator" => target = Some(Target::Emulator),
                    "azure" => target = Some(Target::Azure),
                    other => {
                        let d = r.error(format!("`{other}` is not a target"), &a.value_place());
                        d.hint = Some("target is \"emulator\" or \"azure\"".into());
                    }
                }
            }
            if let Some(a) = decl.attrs.get("subscription_id")
                && let Some(s) = r.constant_string(a)
            {
                if is_guid(&s) {
                    subscription_id = Some(s);
                } else {
                    let d = r.error(format!("`{s}` is not a subscription id"), &a.value_place());
                    d.hint = Some("a subscription id is a GUID like 00000000-0000-0000-0000-000000000000; `az account list` shows yours".into());
                }
            }
            if let Some(a) = decl.attrs.get("location")
                && let Some(l) = r.constant_string(a)
            {
                if l.trim().is_empty() {
                    r.error("`location` is empty", &a.value_place());
                } else {
                    location = Some(l);
                }
            }
            if let Some(a) = decl.attrs.get("variables")
                && let Some(v) = r.constant(a)
            {
                match v {
                    Value::Object(o) => variables.extend(o),
                    other => {
                        let d = r.error(
                            format!("`variables` must be an object, not a {}", other.type_name()),
                            &a.value_place(),
                        );
                        d.hint = Some("write variables = { vnet_cidr = \"10.10.0.0/16\" }".into());
                    }
                }
            }
            if let Some(a) = decl.attrs.get("tags")
                && let Some(v) = r.constant(a)
            {
                match v {
                    Value::Object(o) => {
                        for (k, v) in o {
                            match crate::ops::to_plain_string(&v) {
                                Some(s) => {
                                    tags.insert(k, s);
                                }
                                None => {
                                    let place = key_place(&a.expr, &k)
                                        .map_or_else(|| a.value_place(), |s| a.place.with_span(Some(s)));
                                    r.error(
                                        format!("tag `{k}` must be a string, not a {}", v.type_name()),
                                        &place,
                                    );
                                }
                            }
                        }
                    }
                    other => {
                        r.error(
                            format!("`tags` must be an object, not a {}", other.type_name()),
                            &a.value_place(),
                        );
                    }
                }
            }
        }
        let target = target.unwrap_or(Target::Azure);
        let subscription_id = match (subscription_id, target) {
            (Some(s), _) => s,
            (None, Target::Emulator) => EMULATOR_SUBSCRIPTION_ID.to_string(),
            (None, Target::Azure) => {
                let d = r.error(
                    format!("environment `{name}` targets Azure but sets no `subscription_id`"),
                    &leaf.place,
                );
                d.hint =
                    Some("set subscription_id = \"<guid>\", or target = \"emulator\" to run locally".into());
                String::new()
            }
        };
        let location = location.unwrap_or_else(|| {
            let d = r.error(format!("environment `{name}` sets no `location`"), &leaf.place);
            d.hint = Some("set the default Azure region, like location = \"westeurope\"".into());
            String::new()
        });
        let (disaster_recovery, standby_variables) = match super::recovery::merged(&chain) {
            Some((place, attrs)) if !location.is_empty() => (
                super::recovery::resolve(&mut r, place, &attrs, &location),
                super::recovery::standby_variables(&mut r, &attrs),
            ),
            _ => (None, BTreeMap::new()),
        };
        if diags.has_errors() {
            return Err(diags);
        }
        let profile = profile.unwrap_or_else(|| default_profile(name));
        let default = SoftDeleteChoice::for_profile(&profile);
        Ok(Environment {
            name: name.to_string(),
            target,
            subscription_id,
            location,
            variables,
            tags,
            file: self.sources.path(leaf.file).to_path_buf(),
            inherits_chain: chain[1..].iter().map(|d| d.name.clone()).collect(),
            backend,
            soft_delete: SoftDeleteChoice {
                on_create: on_create.unwrap_or(default.on_create),
                on_destroy: on_destroy.unwrap_or(default.on_destroy),
            },
            profile,
            disaster_recovery,
            standby_variables,
            standby_of: None,
            serving: strata_core::EstateRole::Primary,
            restore_point: None,
            failed_over: false,
        })
    }

    /// The derived environment `<primary>-dr`: the standby estate of `primary` in its
    /// secondary region, with its own state and lock. Everything else is the primary's, with
    /// `disaster_recovery { variables = … }` merged over its variables.
    fn standby(&self, primary: &str) -> Result<Environment, Diagnostics> {
        let p = self.environment(primary)?;
        let Some(dr) = p.disaster_recovery.clone() else {
            let mut diags = Diagnostics::default();
            diags.push(
                Diagnostic::error(format!(
                    "there is no environment `{primary}{STANDBY_SUFFIX}`: `{primary}` declares no disaster recovery, so it has no standby"
                ))
                .at(Some(strata_core::SourceLoc {
                    file: p.file.clone(),
                    line: 1,
                    column: 1,
                }))
                .hint(format!(
                    "add a disaster_recovery {{ strategy = \"warm\"  rpo = \"15m\"  rto = \"1h\" }} block to {} to give it a standby in its paired region",
                    p.file.display()
                )),
            );
            return Err(diags);
        };
        let mut variables = p.variables.clone();
        variables.extend(p.standby_variables.clone());
        let mut inherits_chain = vec![p.name.clone()];
        inherits_chain.extend(p.inherits_chain.iter().cloned());
        Ok(Environment {
            name: format!("{primary}{STANDBY_SUFFIX}"),
            location: dr.secondary_location.clone(),
            variables,
            inherits_chain,
            standby_of: Some(StandbyOf {
                primary: p.name.clone(),
                primary_location: p.location.clone(),
            }),
            standby_variables: BTreeMap::new(),
            ..p
        })
    }

    /// `leaf` and the environments it inherits from, nearest first.
    fn env_chain<'a>(&'a self, r: &mut Reader<'_>, leaf: &'a EnvDecl) -> Option<Vec<&'a EnvDecl>> {
        let mut chain = vec![leaf];
        let mut cur = leaf;
        while let Some(attr) = cur.attrs.get("inherits") {
            let parent = r.constant_string(attr)?;
            if let Some(pos) = chain.iter().position(|d| d.name == parent) {
                let mut names: Vec<&str> = chain[pos..].iter().map(|d| d.name.as_str()).collect();
                names.push(&parent);
                let d = r.error(
                    format!(
                        "environments inherit from each other in a cycle: {}",
                        names.join(" → ")
                    ),
                    &attr.value_place(),
                );
                d.hint = Some("remove `inherits` from one of them".into());
                return None;
            }
            let Some(next) = self.envs.get(&parent) else {
                let hint = similar::hint(&parent, "environments", self.envs.keys().map(String::as_str));
                let d = r.error(
                    format!(
                        "environment `{}` inherits `{parent}`, which does not exist",
                        cur.name
                    ),
                    &attr.value_place(),
                );
                d.hint = Some(hint);
                return None;
            };
            chain.push(next);
            cur = next;
        }
        Some(chain)
    }

    /// Where `variables.<key>` is set for `env` (its own file first, then its ancestors').
    pub(crate) fn env_variable_place(&self, env: &Environment, key: &str) -> Option<Place> {
        std::iter::once(&env.name)
            .chain(env.inherits_chain.iter())
            .filter_map(|n| self.envs.get(n))
            .find_map(|decl| {
                let attr = decl.attrs.get("variables")?;
                let span = key_place(&attr.expr, key)?;
                Some(attr.place.with_span(Some(span)))
            })
    }
}

/// The span of `key = …` in an object constructor.
pub(crate) fn key_place(e: &Expression, key: &str) -> Option<std::ops::Range<usize>> {
    let Expression::Object(obj) = e else { return None };
    obj.iter().find_map(|(k, _)| {
        let name = match k {
            ObjectKey::Ident(id) => id.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(_) => return None,
        };
        (name == key).then(|| k.span()).flatten()
    })
}

/// `soft_delete { on_create = … }`: what a create does about a soft-deleted namesake.
const ON_CREATE: &[(&str, OnCreate)] = &[
    ("recover", OnCreate::Recover),
    ("purge", OnCreate::Purge),
    ("fail", OnCreate::Fail),
];

/// `soft_delete { on_destroy = … }`: whether a destroy purges.
const ON_DESTROY: &[(&str, OnDestroy)] = &[("keep", OnDestroy::Keep), ("purge", OnDestroy::Purge)];

/// One of `allowed` (a constant string), or an error at the value listing them.
fn choice<T: Copy>(r: &mut Reader<'_>, a: &super::schema::Attr, allowed: &[(&str, T)]) -> Option<T> {
    let s = r.constant_string(a)?;
    if let Some((_, v)) = allowed.iter().find(|(n, _)| *n == s) {
        return Some(*v);
    }
    let names: Vec<String> = allowed.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let d = r.error(
        format!("`{s}` is not a choice for soft_delete `{}`", a.name),
        &a.value_place(),
    );
    d.hint = Some(format!("`{}` is one of {}", a.name, names.join(", ")));
    None
}

/// The profile of an environment that names none: its own name when that is a profile
/// (`staging`), else the cheapest.
fn default_profile(name: &str) -> String {
    if PROFILES.contains(&name) {
        name.to_string()
    } else {
        "dev".to_string()
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids() {
        assert!(is_guid(EMULATOR_SUBSCRIPTION_ID));
        assert!(is_guid("0b1f6471-1bf0-4dda-aec3-cb9272f09590"));
        assert!(!is_guid("0b1f6471-1bf0-4dda-aec3"));
        assert!(!is_guid("zb1f6471-1bf0-4dda-aec3-cb9272f09590"));
    }
}
