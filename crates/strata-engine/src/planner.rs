//! Planning: refresh what the state knows from ARM, then decide an action per resource.
//!
//! Resources are decided in dependency order, so a body that uses another resource's
//! attributes can be resolved from the refreshed state when that resource is not being
//! (re)created — which is what lets a fresh apply re-plan to "No changes".

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use futures::stream::{self, StreamExt};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use strata_arm::ArmClient;
use strata_config::Evaluated;
use strata_core::{DesiredResource, ResourceAddr, Value, path_to_string};
use strata_state::State;

use crate::attrs::{Attributes, carry_actions};
use crate::diff::diff;
use crate::error::EngineError;
use crate::events::{Event, Reporter};
use crate::graph_build::{self, ResourceGraph};
use crate::model::{Action, OutputChange, PLAN_FORMAT_VERSION, Plan, PropertyChange, ResourceChange, Shown};
use crate::render_values::{flatten, shown_json, shown_value};

/// What to plan.
pub struct PlanInput<'a> {
    pub stack: &'a str,
    pub environment: &'a str,
    pub config_digest: &'a str,
    pub evaluated: &'a Evaluated,
    pub state: Option<&'a State>,
    pub destroy: bool,
    /// Read every resource in state from ARM first (the default).
    pub refresh: bool,
    pub parallelism: usize,
}

/// A plan plus what apply needs to carry it out in the same process.
pub struct Planned {
    pub plan: Plan,
    pub graph: ResourceGraph,
    /// Attributes of every resource that exists now (refreshed), for resolving values.
    pub attributes: Attributes,
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
    arm: &ArmClient,
    input: PlanInput<'_>,
    reporter: &dyn Reporter,
) -> Result<Planned, EngineError> {
    // A destroy plans against an empty configuration.
    let (desired_all, modules): (&[DesiredResource], &[strata_config::ModuleInfo]) = if input.destroy {
        (&[], &[])
    } else {
        (&input.evaluated.resources, &input.evaluated.modules)
    };
    let desired: Vec<&DesiredResource> = desired_all.iter().collect();
    let graph = graph_build::build(desired_all, modules, input.state)?;

    // Refresh.
    let mut live: HashMap<ResourceAddr, Option<Json>> = HashMap::new();
    if let Some(state) = input.state {
        if input.refresh && !state.resources.is_empty() {
            let started = Instant::now();
            reporter.event(&Event::RefreshStarted {
                total: state.resources.len(),
            });
            let results: Vec<_> = stream::iter(state.resources.values())
                .map(|r| async move {
                    let doc = arm.get(r.id.as_str(), &r.api_version).await;
                    (r, doc)
                })
                .buffer_unordered(input.parallelism.max(1))
                .collect()
                .await;
            for (r, doc) in results {
                let doc = doc.map_err(|source| EngineError::Refresh {
                    addr: r.addr.clone(),
                    source: Box::new(source),
                })?;
                reporter.event(&Event::Refreshed {
                    addr: r.addr.clone(),
                    exists: doc.is_some(),
                });
                let doc = doc.map(|mut d| {
                    carry_actions(&mut d, &r.attributes);
                    d
                });
                live.insert(r.addr.clone(), doc);
            }
            reporter.event(&Event::RefreshFinished {
                elapsed: started.elapsed(),
            });
        } else {
            for r in state.resources.values() {
                live.insert(r.addr.clone(), Some(r.attributes.clone()));
            }
        }
    }

    let by_addr: HashMap<&ResourceAddr, &DesiredResource> = desired.iter().map(|d| (&d.addr, *d)).collect();
    let mut known = Attributes::default();
    let mut all_live = Attributes::default();
    for (addr, doc) in &live {
        if let Some(doc) = doc {
            all_live.insert(addr.clone(), doc.clone());
        }
    }
    let mut replaced: HashSet<String> = HashSet::new();
    let mut changes = Vec::new();

    for node in graph.graph.topological_order() {
        let Some(addr) = graph.resource(node) else {
            continue;
        };
        let in_state = input.state.and_then(|s| s.resources.get(addr));
        let live_doc = live.get(addr).cloned().flatten();
        let change = match (by_addr.get(addr), in_state) {
            (None, Some(r)) => {
                if live_doc.is_none() && input.refresh {
                    // Already gone: deleting it is a no-op, but state must forget it.
                    let mut c = ResourceChange::new(
                        addr.clone(),
                        r.id.clone(),
                        &r.api_version,
                        r.layer,
                        Action::Delete,
                    );
                    c.reasons = vec!["already deleted outside strata; it will be removed from state".into()];
                    c.drifted = true;
                    c
                } else {
                    let mut c = ResourceChange::new(
                        addr.clone(),
                        r.id.clone(),
                        &r.api_version,
                        r.layer,
                        Action::Delete,
                    );
                    if !input.destroy {
                        c.reasons = vec!["no longer in the configuration".into()];
                    }
                    c
                }
            }
            (Some(d), _) => decide(
                d,
                in_state,
                live_doc.as_ref(),
                &replaced,
                &known,
                input.state.is_some(),
            )
            .map_err(|message| EngineError::Resolve {
                addr: addr.clone(),
                message,
            })?,
            (None, None) => continue,
        };
        if matches!(change.action, Action::NoOp | Action::Update)
            && let Some(doc) = &live_doc
        {
            known.insert(addr.clone(), doc.clone());
        }
        if change.action == Action::Replace {
            replaced.insert(change.id.key());
        }
        changes.push(change);
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

    let outputs = plan_outputs(input.evaluated, input.state, &known, input.destroy);
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
        targets: Vec::new(),
        warnings: Vec::new(),
    };
    Ok(Planned {
        plan,
        graph,
        attributes: all_live,
    })
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
    in_state: Option<&strata_state::ResourceState>,
    live: Option<&Json>,
    replaced: &HashSet<String>,
    known: &Attributes,
    had_state: bool,
) -> Result<ResourceChange, String> {
    let body = strata_config::resolve(&d.body, &|a, p| known.lookup(a, p))?;
    let mut change = ResourceChange::new(
        d.addr.clone(),
        d.id.clone(),
        &d.api_version,
        d.layer,
        Action::Create,
    );
    let Some(live) = live else {
        if in_state.is_some() && had_state {
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
    // A parent that is replaced takes its children with it.
    if let Some(parent) = replaced_ancestor(d, replaced) {
        change.action = Action::Replace;
        change.reasons.push(format!("its parent `{parent}` is replaced"));
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
        let secret_before = pd.sensitive || sensitive_before.iter().any(|s| pd.path.starts_with(s));
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
    // Drift: the last applied attributes agreed with the configuration, ARM no longer does.
    if let Some(r) = in_state
        && diff(&body, &r.attributes).is_empty()
    {
        change.drifted = true;
        change.reasons.push("changed outside strata".into());
    }
    change.action = if forces { Action::Replace } else { Action::Update };
    Ok(change)
}

/// The nearest ancestor (by ARM id) that this plan replaces: replacing a parent deletes its
/// children in Azure, so they are replaced too.
fn replaced_ancestor(d: &DesiredResource, replaced: &HashSet<String>) -> Option<String> {
    let mut cur = d.id.parent();
    while let Some(p) = cur {
        if replaced.contains(&p.key()) {
            return Some(p.to_string());
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
            let value = strata_config::resolve(&o.value, &|a, p| known.lookup(a, p))
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
