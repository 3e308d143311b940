//! Planning: move and adopt in state, refresh what the state knows from ARM, then decide an
//! action per resource.
//!
//! 1. `moved` blocks and implicit moves by ARM id re-key a copy of the state ([`crate::moves`]).
//! 2. Imports and resources whose last write has an unknown outcome are read; everything in
//!    state is refreshed (unless `refresh` is off).
//! 3. Resources are decided in dependency order, so a body that uses another resource's
//!    attributes can be resolved from the refreshed state when that resource is not being
//!    (re)created — which is what lets a fresh apply re-plan to "No changes".
//! 4. Creates are checked against Azure ([`crate::lookups`]): an id that exists but is not in
//!    state is a problem, and a soft-deleted namesake is recovered or purged as the environment
//!    chooses.
//! 5. `-target` narrows the plan to the targets and what they depend on.
//!
//! The copy of the state the plan was made from (moves, imports and settled unknowns applied)
//! is what apply starts from.

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use strata_core::Evaluated;
use strata_core::{
    AddrSelector, DesiredResource, Import, ResourceAddr, SoftDeleteChoice, Value, path_to_string,
};
use strata_state::{ResourceState, State};

use crate::arm::Arm;
use crate::attrs::Attributes;
use crate::diff::diff;
use crate::error::EngineError;
use crate::events::Reporter;
use crate::graph_build::{self, ResourceGraph};
use crate::model::{
    Action, OutputChange, PLAN_FORMAT_VERSION, Plan, Problem, PropertyChange, ResourceChange, Shown,
};
use crate::render_values::{flatten, shown_json, shown_value};

/// What to plan.
pub struct PlanInput<'a> {
    pub stack: &'a str,
    pub environment: &'a str,
    pub config_digest: &'a str,
    pub evaluated: &'a Evaluated,
    pub state: Option<&'a State>,
    pub destroy: bool,
    /// Read every resource in state from ARM first (the default). Imports and resources whose
    /// outcome is unknown are read whatever this says.
    pub refresh: bool,
    pub parallelism: usize,
    pub options: &'a PlanOptions,
}

/// The everyday OpenTofu switches, and the environment's soft-delete choice.
#[derive(Clone, Debug, Default)]
pub struct PlanOptions {
    /// `-target`: only these and what they depend on (a destroy: what depends on them).
    pub targets: Vec<AddrSelector>,
    /// `-replace`: recreate these even though nothing forces it.
    pub replace: Vec<ResourceAddr>,
    pub soft_delete: SoftDeleteChoice,
    /// Imports besides the configuration's `import` blocks (`strata import`).
    pub imports: Vec<Import>,
    /// The target is the emulator: `prevent_destroy` warns (what Azure would refuse) instead
    /// of stopping the plan, so the apply / destroy / apply loop can be rehearsed.
    pub on_emulator: bool,
    /// The other estate of an environment with disaster recovery (its environment name and
    /// state): values that refer to its resources by peer address are resolved from it.
    pub peers: Vec<(String, State)>,
    /// How the refresh reads: in bulk through Resource Graph, or a GET per resource.
    pub refresh: crate::refresh::RefreshOptions,
}

/// A plan plus what apply needs to carry it out in the same process.
pub struct Planned {
    pub plan: Plan,
    pub graph: ResourceGraph,
    /// Attributes of every resource that exists now (refreshed), for resolving values.
    pub attributes: Attributes,
    /// The state apply starts from: the one read, with moves, imports and settled unknowns.
    pub state: Option<State>,
}

/// Digest of everything the configuration wants, without sensitive values: a saved plan must
/// be applied against the same desired resources.
pub fn desired_digest(evaluated: &Evaluated) -> String {
    let mut h = Sha256::new();
    for r in &evaluated.resources {
        h.update(r.addr.to_string());
        h.update(r.id.key());
        h.update(&r.api_version);
        h.update(serde_json::to_string(&mask(&r.body)).unwrap_or_default());
    }
    for o in &evaluated.outputs {
        h.update(&o.name);
        h.update(serde_json::to_string(&mask(&o.value)).unwrap_or_default());
    }
    format!("{:x}", h.finalize())
}

fn mask(v: &Value) -> Value {
    match v {
        Value::Sensitive(_) => Value::string("<sensitive>"),
        Value::List(l) => Value::List(l.iter().map(mask).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), mask(v))).collect()),
        other => other.clone(),
    }
}

pub async fn plan(
    arm: &dyn Arm,
    input: PlanInput<'_>,
    reporter: &dyn Reporter,
) -> Result<Planned, EngineError> {
    let options = input.options;
    // A destroy plans against an empty configuration.
    let (desired_all, modules): (&[DesiredResource], &[strata_core::ModuleInfo]) = if input.destroy {
        (&[], &[])
    } else {
        (&input.evaluated.resources, &input.evaluated.modules)
    };

    // 1. Moves, on a copy of the state.
    let mut state: Option<State> = input.state.cloned();
    let moved_from = match &mut state {
        Some(s) => crate::moves::apply_moves(s, &input.evaluated.moved, desired_all)?,
        None => Default::default(),
    };
    let imports = imports_to_read(state.as_ref(), input.evaluated, options, input.destroy)?;
    let graph = graph_build::build(desired_all, modules, state.as_ref())?;

    // 2. Reads.
    let (live, refreshed) = crate::refresh::refresh(arm, state.as_ref(), &imports, &input, reporter).await?;
    let mut importing: HashSet<ResourceAddr> = HashSet::new();
    let settled = match &mut state {
        Some(s) => settle_unknowns(s, &live),
        None => HashSet::new(),
    };
    for imp in &imports {
        match live.get(&imp.to) {
            Some(Some(doc)) => {
                let d = desired_all.iter().find(|d| d.addr == imp.to);
                let s = state.get_or_insert_with(|| State::new(input.environment));
                s.resources.insert(imp.to.clone(), imported_state(imp, d, doc));
                importing.insert(imp.to.clone());
            }
            _ => {
                return Err(EngineError::importing(
                    &imp.to,
                    format!("`{}` does not exist in Azure", imp.id),
                    "check the id (`az resource show --ids …`), the subscription and the api-version",
                    imp.loc.clone(),
                ));
            }
        }
    }
    let state_ref = state.as_ref();

    // 3. Decide.
    let by_addr: HashMap<&ResourceAddr, &DesiredResource> =
        desired_all.iter().map(|d| (&d.addr, d)).collect();
    let mut known = Attributes::default();
    let mut all_live = Attributes::default();
    for (env, peer_state) in &options.peers {
        for r in peer_state.resources.values() {
            known.insert(r.addr.peer(env), r.attributes.clone());
            all_live.insert(r.addr.peer(env), r.attributes.clone());
        }
    }
    for (addr, doc) in &live {
        if let Some(doc) = doc {
            all_live.insert(addr.clone(), doc.clone());
        }
    }
    // Not refreshed (`-refresh=false`): what state last recorded stands for what exists, so
    // that values waiting on those resources resolve at apply.
    if let Some(s) = state.as_ref() {
        for r in s.resources.values() {
            if !live.contains_key(&r.addr) {
                all_live.insert(r.addr.clone(), r.attributes.clone());
            }
        }
    }
    let replace: HashSet<&ResourceAddr> = options.replace.iter().collect();
    // Ids (lower case) this plan replaces, with the address that replaces them.
    let mut replaced: HashMap<String, ResourceAddr> = HashMap::new();
    let mut changes = Vec::new();
    let mut ids_seen: HashMap<String, ResourceAddr> = HashMap::new();

    for node in graph.graph.topological_order() {
        let Some(addr) = graph.resource(node) else {
            continue;
        };
        let in_state = state_ref.and_then(|s| s.resources.get(addr));
        let live_doc = match live.get(addr) {
            Some(doc) => doc.clone(),
            None => in_state.map(|r| r.attributes.clone()),
        };
        let mut change = match (by_addr.get(addr), in_state) {
            (None, Some(r)) => {
                let mut c = ResourceChange::new(
                    addr.clone(),
                    r.id.clone(),
                    &r.api_version,
                    r.layer,
                    Action::Delete,
                );
                if live_doc.is_none() {
                    // Already gone: deleting it is a no-op, but state must forget it.
                    c.reasons = vec!["already deleted outside strata; it will be removed from state".into()];
                    c.drifted = true;
                } else {
                    if !input.destroy {
                        c.reasons = vec!["no longer in the configuration".into()];
                    }
                    if r.prevent_destroy {
                        c.problem = Some(Problem::PreventDestroy);
                    }
                }
                c
            }
            (Some(d), _) => {
                let mut c = decide(
                    d,
                    in_state,
                    live_doc.as_ref(),
                    &replaced,
                    &known,
                    replace.contains(addr),
                )
                .map_err(|message| EngineError::Resolve {
                    addr: addr.clone(),
                    message,
                })?;
                if let Some(other) = ids_seen.insert(d.id.key(), addr.clone()) {
                    c.problem = Some(Problem::SameId { other });
                }
                if c.action == Action::Replace && d.lifecycle.prevent_destroy {
                    c.problem = Some(Problem::PreventDestroy);
                }
                c
            }
            (None, None) => continue,
        };
        if change.action == Action::NoOp && settled.contains(addr) {
            // Written again (an idempotent PUT) so its read actions and digest are recorded.
            change.action = Action::Update;
            change.reasons.push(
                "an earlier run's write of it ended with an unknown outcome; it exists and is written again"
                    .into(),
            );
        }
        change.moved_from = moved_from.get(addr).cloned();
        change.importing = importing.contains(addr);
        if matches!(change.action, Action::NoOp | Action::Update)
            && let Some(doc) = &live_doc
        {
            known.insert(addr.clone(), doc.clone());
        }
        if change.action == Action::Replace {
            replaced.insert(change.id.key(), change.addr.clone());
        }
        changes.push(change);
    }

    // 4. Creates against what Azure already holds; soft delete of deletes.
    crate::lookups::check_creates(
        arm,
        &mut changes,
        &by_addr,
        options.soft_delete,
        input.parallelism,
    )
    .await?;
    crate::lookups::soft_delete_of_deletes(&mut changes, &by_addr, state_ref, options.soft_delete);

    let mut warnings = Vec::new();
    if options.on_emulator {
        for c in changes
            .iter_mut()
            .filter(|c| c.problem == Some(Problem::PreventDestroy))
        {
            c.problem = None;
            warnings.push(format!(
                "{} has lifecycle.prevent_destroy: against Azure this plan would be refused; on the emulator it goes ahead",
                c.addr
            ));
        }
    }

    // Destroy order: the reverse of creation, so dependents go first.
    if input.destroy {
        changes.reverse();
    } else {
        // Deletions of resources that left the configuration go in reverse order too, after
        // the rest in the listing (apply orders them by the graph anyway).
        let (mut deletes, rest): (Vec<_>, Vec<_>) = changes
            .into_iter()
            .partition(|c| c.action == Action::Delete && !by_addr.contains_key(&c.addr));
        deletes.reverse();
        changes = rest;
        changes.extend(deletes);
    }

    // 4b. Resources waiting on the other estate's: left for the run after that estate's.
    let waiting = crate::peers::waiting(&graph, desired_all, &known);
    let waiting_addrs: Vec<String> = waiting.keys().map(ToString::to_string).collect();
    if !waiting.is_empty() {
        changes.retain(|c| !(waiting.contains_key(&c.addr) && c.action != Action::Delete));
        let mut notes: Vec<String> = waiting
            .iter()
            .map(|(addr, on)| {
                format!("{addr} waits for {on}, which that estate's state does not hold yet: it is left for the run after that estate's apply")
            })
            .collect();
        notes.sort();
        warnings.extend(notes);
    }

    // 5. Targets.
    if !options.targets.is_empty() {
        let keep = crate::targets::selected(&graph, &options.targets, input.destroy)?;
        changes.retain(|c| keep.contains(&c.addr));
    }

    let outputs = plan_outputs(input.evaluated, state_ref, &known, input.destroy);
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        strata_version: env!("CARGO_PKG_VERSION").to_string(),
        stack: input.stack.to_string(),
        environment: input.environment.to_string(),
        config_digest: input.config_digest.to_string(),
        variables_digest: desired_digest(input.evaluated),
        lineage: input.state.map(|s| s.lineage.clone()),
        serial: input.state.map_or(0, |s| s.serial),
        destroy: input.destroy,
        changes,
        outputs,
        created_at: chrono_now(),
        targets: options.targets.iter().map(ToString::to_string).collect(),
        warnings,
        waiting: waiting_addrs,
        standby: None,
        refresh: refreshed,
    };
    Ok(Planned {
        plan,
        graph,
        attributes: all_live,
        state,
    })
}

/// The imports this plan must read: the configuration's and the command line's, minus those
/// already managed at the same address.
fn imports_to_read(
    state: Option<&State>,
    evaluated: &Evaluated,
    options: &PlanOptions,
    destroy: bool,
) -> Result<Vec<Import>, EngineError> {
    if destroy {
        return Ok(Vec::new());
    }
    let mut out: Vec<Import> = Vec::new();
    for imp in evaluated.imports.iter().chain(&options.imports) {
        if !evaluated.resources.iter().any(|d| d.addr == imp.to) {
            return Err(EngineError::importing(
                &imp.to,
                "the configuration has no resource at this address",
                "`strata plan` lists the addresses the configuration produces; add the block first",
                imp.loc.clone(),
            ));
        }
        if let Some(s) = state {
            if let Some(r) = s.resources.get(&imp.to) {
                if r.id.eq_ignore_case(&imp.id) {
                    continue; // Already managed: the block has done its work.
                }
                return Err(EngineError::importing(
                    &imp.to,
                    format!("the address already manages `{}`", r.id),
                    "`strata state rm` it first if it should manage the other resource",
                    imp.loc.clone(),
                ));
            }
            if let Some(r) = s.resources.values().find(|r| r.id.eq_ignore_case(&imp.id)) {
                return Err(EngineError::importing(
                    &imp.to,
                    format!("`{}` is already managed as {}", imp.id, r.addr),
                    format!("use a `moved` block from {} instead", r.addr),
                    imp.loc.clone(),
                ));
            }
        }
        if out.iter().any(|o| o.to == imp.to) {
            continue;
        }
        out.push(imp.clone());
    }
    Ok(out)
}

/// Reads state (all of it when refreshing; else only what has an unknown outcome) and imports.
/// A resource whose last write had an unknown outcome is what the read says: gone (forget it,
/// so it is created again) or there (its document is the truth).
/// Returns the resources that turned out to exist.
fn settle_unknowns(state: &mut State, live: &HashMap<ResourceAddr, Option<Json>>) -> HashSet<ResourceAddr> {
    let mut settled = HashSet::new();
    let unknown: Vec<ResourceAddr> = state
        .resources
        .values()
        .filter(|r| r.outcome_unknown)
        .map(|r| r.addr.clone())
        .collect();
    for addr in unknown {
        match live.get(&addr) {
            Some(Some(doc)) => {
                if let Some(r) = state.resources.get_mut(&addr) {
                    r.attributes = doc.clone();
                    r.outcome_unknown = false;
                    settled.insert(addr);
                }
            }
            Some(None) => {
                state.resources.remove(&addr);
            }
            None => {}
        }
    }
    settled
}

fn imported_state(imp: &Import, d: Option<&DesiredResource>, doc: &Json) -> ResourceState {
    let (api_version, layer, deps) = match d {
        Some(d) => (d.api_version.clone(), d.layer, Vec::new()),
        None => (
            String::new(),
            strata_azure::layer_for(&imp.id.resource_type()),
            Vec::new(),
        ),
    };
    ResourceState {
        addr: imp.to.clone(),
        id: imp.id.clone(),
        resource_type: imp.id.resource_type(),
        api_version,
        layer,
        attributes: doc.clone(),
        sensitive_paths: Vec::new(),
        dependencies: deps,
        desired_digest: None,
        outcome_unknown: false,
        prevent_destroy: d.is_some_and(|d| d.lifecycle.prevent_destroy),
        soft_delete: d.and_then(|d| d.soft_delete.clone()),
        written_at: None,
    }
}

fn chrono_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}", now.as_secs())
}

/// The digest of a body as sent to ARM (before any preserved children are carried in), kept
/// in state to recognise write-only values that ARM never returns.
pub(crate) fn body_digest(json: &Json) -> String {
    format!(
        "{:x}",
        Sha256::digest(serde_json::to_vec(json).unwrap_or_default())
    )
}

/// The action for one desired resource.
fn decide(
    d: &DesiredResource,
    in_state: Option<&ResourceState>,
    live: Option<&Json>,
    replaced: &HashMap<String, ResourceAddr>,
    known: &Attributes,
    replace_requested: bool,
) -> Result<ResourceChange, String> {
    let body = strata_expr::resolve(&d.body, &|a, p| known.lookup(a, p))?;
    let mut change = ResourceChange::new(
        d.addr.clone(),
        d.id.clone(),
        &d.api_version,
        d.layer,
        Action::Create,
    );
    let Some(live) = live else {
        if in_state.is_some() {
            change
                .reasons
                .push("deleted outside strata; it will be created again".into());
            change.drifted = true;
        }
        change.changes = flatten(&body);
        return Ok(change);
    };
    // A new name or parent is a new resource: the old one goes, the new one comes.
    if let Some(r) = in_state
        && !r.id.eq_ignore_case(&d.id)
    {
        change.action = Action::Replace;
        change.reasons.push(format!("its id changes from `{}`", r.id));
        change.changes = flatten(&body);
        return Ok(change);
    }
    if replace_requested {
        change.action = Action::Replace;
        change.reasons.push("replacement requested with -replace".into());
        change.changes = flatten(&body);
        return Ok(change);
    }
    // A parent that is replaced takes its children with it.
    if let Some(parent) = replaced_ancestor(d, replaced) {
        change.action = Action::Replace;
        change.reasons.push(format!("its parent {parent} is replaced"));
        change.changes = flatten(&body);
        return Ok(change);
    }
    let mut diffs = diff(&body, live);
    // Write-only secrets (secret values, passwords) never come back from ARM. When the body is
    // exactly what the last apply sent, a secret ARM does not echo is not a change.
    if let (Some(r), Some(json)) = (in_state, body.to_json())
        && r.desired_digest.as_deref() == Some(body_digest(&json).as_str())
    {
        diffs.retain(|pd| pd.before.is_some() || !pd.sensitive);
    }
    // lifecycle.ignore_changes
    diffs.retain(|pd| !d.lifecycle.ignore_changes.iter().any(|p| pd.path.starts_with(p)));
    if diffs.is_empty() {
        change.action = Action::NoOp;
        return Ok(change);
    }
    let sensitive_before = in_state.map(|r| r.sensitive_paths.as_slice()).unwrap_or_default();
    let mut forces = false;
    for pd in &diffs {
        let force = d.force_new.iter().any(|f| pd.path.starts_with(f));
        forces |= force;
        if force {
            change.reasons.push(format!(
                "`{}` cannot be changed in place",
                path_to_string(&pd.path)
            ));
        }
        // Masked when a secret path contains this one, or lies inside it (a whole element).
        let secret_before = pd.sensitive
            || sensitive_before
                .iter()
                .any(|s| pd.path.starts_with(s) || s.starts_with(&pd.path));
        change.changes.push(PropertyChange {
            path: path_to_string(&pd.path),
            before: if secret_before {
                Shown::Sensitive
            } else {
                shown_json(pd.before.as_ref())
            },
            after: if secret_before {
                Shown::Sensitive
            } else {
                shown_value(&pd.after)
            },
            forces_replacement: force,
        });
    }
    // Drift: where Azure no longer holds what the last apply recorded. A property whose
    // recorded value equals the configuration's is not in `recorded`'s diff.
    if let Some(r) = in_state
        && r.desired_digest.is_some()
    {
        let recorded = diff(&body, &r.attributes);
        for pd in &diffs {
            let was = match recorded.iter().find(|rd| rd.path == pd.path) {
                Some(rd) => rd.before.clone(),
                None if pd.after.is_unknown() => continue,
                None => pd.after.to_json(),
            };
            if was != pd.before {
                let secret = pd.sensitive
                    || sensitive_before
                        .iter()
                        .any(|s| pd.path.starts_with(s) || s.starts_with(&pd.path));
                change.drift.push(crate::model::DriftedProperty {
                    path: path_to_string(&pd.path),
                    recorded: if secret {
                        Shown::Sensitive
                    } else {
                        shown_json(was.as_ref())
                    },
                    live: if secret {
                        Shown::Sensitive
                    } else {
                        shown_json(pd.before.as_ref())
                    },
                });
            }
        }
        if !change.drift.is_empty() {
            change.drifted = true;
            change.reasons.push("changed outside strata".into());
        }
    }
    change.action = if forces { Action::Replace } else { Action::Update };
    Ok(change)
}

/// The nearest ancestor (by ARM id) that this plan replaces: replacing a parent deletes its
/// children in Azure, so they are replaced too.
fn replaced_ancestor(d: &DesiredResource, replaced: &HashMap<String, ResourceAddr>) -> Option<String> {
    let mut cur = d.id.parent();
    while let Some(p) = cur {
        if let Some(addr) = replaced.get(&p.key()) {
            return Some(addr.to_string());
        }
        cur = p.parent();
    }
    None
}

fn plan_outputs(
    evaluated: &Evaluated,
    state: Option<&State>,
    known: &Attributes,
    destroy: bool,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    let old = state.map(|s| &s.outputs);
    if !destroy {
        for o in &evaluated.outputs {
            let value = strata_expr::resolve(&o.value, &|a, p| known.lookup(a, p))
                .unwrap_or_else(|_| o.value.clone());
            let sensitive = o.sensitive || value.is_sensitive();
            let before = old.and_then(|m| m.get(&o.name));
            let after_json = value.to_json();
            let action = match (before, &after_json) {
                (None, _) => Action::Create,
                (Some(b), Some(a)) if &b.value == a => Action::NoOp,
                _ => Action::Update,
            };
            out.push(OutputChange {
                name: o.name.clone(),
                action,
                before: match before {
                    None => Shown::Absent,
                    Some(b) if b.sensitive || sensitive => Shown::Sensitive,
                    Some(b) => Shown::Known(b.value.clone()),
                },
                after: if sensitive {
                    Shown::Sensitive
                } else {
                    shown_value(&value)
                },
            });
        }
    }
    if let Some(old) = old {
        for (name, b) in old {
            if destroy || !evaluated.outputs.iter().any(|o| &o.name == name) {
                out.push(OutputChange {
                    name: name.clone(),
                    action: Action::Delete,
                    before: if b.sensitive {
                        Shown::Sensitive
                    } else {
                        Shown::Known(b.value.clone())
                    },
                    after: Shown::Absent,
                });
            }
        }
    }
    out
}
