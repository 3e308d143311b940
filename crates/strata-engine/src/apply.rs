//! Apply: walk the plan's operations over the dependency graph, concurrently.
//!
//! Every resource has a write node and a delete node. Writes wait for the writes of what they
//! depend on; deletes wait for the deletes of what depends on them (so dependents go first);
//! a replacement writes after its own delete. Nodes without work complete at once.
//!
//! At most `parallelism` operations are in flight. When one fails, nothing that depends on it
//! is started, work in flight finishes, everything that succeeded is recorded, and the run
//! reports the failure. A write whose outcome is unknown (the answer was lost, the run was
//! stopped while it was in flight) is recorded as such and read back by the next run, never
//! forgotten. State is persisted after every completed operation by a writer that coalesces
//! bursts (so thousands of resources do not mean thousands of full rewrites at once).
//!
//! The first interrupt stops scheduling and waits for what is in flight; the second stops
//! waiting.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value as Json;
use strata_core::Evaluated;
use strata_core::{Dependency, DesiredResource, ResourceAddr};
use strata_state::{LockGuard, OutputState, ResourceState, State, StateStore};
use tokio::task::{AbortHandle, JoinSet};

use crate::arm::Arm;
use crate::error::{EngineError, OpError, ResourceFailure};
use crate::events::{Event, Reporter};
use crate::graph::Graph;
use crate::interrupt::Interrupt;
use crate::model::Action;
use crate::ops::{self, Ctx, Outcome};
use crate::persist::Persister;
use crate::planner::Planned;
use crate::serial::SerialLocks;

/// The result of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<(ResourceAddr, Action)>,
    pub failed: Vec<ResourceFailure>,
    pub skipped: Vec<(ResourceAddr, Action)>,
    /// Recorded in state as "outcome unknown": read back by the next run.
    pub unknown: Vec<ResourceAddr>,
    /// Not started because the run was interrupted.
    pub not_started: usize,
    /// An interrupt stopped the run early.
    pub interrupted: bool,
    /// The state as last persisted.
    pub state: Option<State>,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.interrupted
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum OpKind {
    Write,
    Delete,
}

struct OpNode {
    addr: Option<ResourceAddr>,
    kind: OpKind,
    /// The plan's action for this resource, if this node has work to do.
    action: Option<Action>,
}

pub struct ApplyInput<'a> {
    pub evaluated: &'a Evaluated,
    pub planned: &'a Planned,
    /// The state to start from (the plan's, with its moves and imports).
    pub state: State,
    pub store: &'a dyn StateStore,
    pub lock: &'a LockGuard,
    pub parallelism: usize,
    pub interrupt: &'a Interrupt,
}

pub async fn apply(
    arm: Arc<dyn Arm>,
    input: ApplyInput<'_>,
    reporter: &dyn Reporter,
) -> Result<ApplyReport, EngineError> {
    let planned = input.planned;
    let actions: HashMap<&ResourceAddr, Action> =
        planned.plan.changes.iter().map(|c| (&c.addr, c.action)).collect();
    let rg = &planned.graph;
    let n = rg.nodes.len();

    // Operation graph: node i*2 = write of resource-graph node i, i*2+1 = its delete.
    let mut ops = Graph::new(n * 2);
    let mut nodes: Vec<OpNode> = Vec::with_capacity(n * 2);
    for i in 0..n {
        let addr = rg.resource(i).cloned();
        let action = addr.as_ref().and_then(|a| actions.get(a)).copied();
        let write = matches!(action, Some(Action::Create | Action::Update | Action::Replace));
        let delete = matches!(action, Some(Action::Delete | Action::Replace));
        nodes.push(OpNode {
            addr: addr.clone(),
            kind: OpKind::Write,
            action: action.filter(|_| write),
        });
        nodes.push(OpNode {
            addr,
            kind: OpKind::Delete,
            action: action.filter(|_| delete),
        });
        ops.add_edge(i * 2, i * 2 + 1);
    }
    for i in 0..n {
        for j in rg.graph.dependencies(i) {
            ops.add_edge(i * 2, j * 2); // write i after write j
            ops.add_edge(j * 2 + 1, i * 2 + 1); // delete j after delete i
        }
    }

    let state_targets = input
        .state
        .resources
        .values()
        .map(|r| {
            (
                r.addr.clone(),
                (r.id.to_string(), r.api_version.clone(), r.soft_delete.clone()),
            )
        })
        .collect();
    let ctx = Arc::new(Ctx {
        arm,
        desired: input
            .evaluated
            .resources
            .iter()
            .map(|d| (d.addr.clone(), d.clone()))
            .collect(),
        attrs: Mutex::new(planned.attributes.clone()),
        locks: SerialLocks::default(),
        module_members: module_members(&input.evaluated.resources),
        state_targets,
        soft_delete: planned
            .plan
            .changes
            .iter()
            .filter_map(|c| c.soft_delete.map(|s| (c.addr.clone(), s)))
            .collect(),
        deleting: planned
            .plan
            .changes
            .iter()
            .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
            .flat_map(|c| {
                // A replacement with a new id deletes the old one, recorded in state.
                let old = input.state.resources.get(&c.addr).map(|r| r.id.key());
                std::iter::once(c.id.key()).chain(old)
            })
            .collect(),
    });
    let shared_state = Arc::new(Mutex::new(input.state));
    let persist = Arc::new(Persister::new());
    // Moves and imports are in the starting state: persisted even when nothing else changes.
    persist.mark_dirty();

    let total = nodes.iter().filter(|o| o.action.is_some()).count();
    reporter.event(&Event::ApplyStarted { total });

    let walk = async {
        let report = walk(
            &ops,
            &nodes,
            &ctx,
            &shared_state,
            &persist,
            input.parallelism.max(1),
            input.interrupt,
            reporter,
        )
        .await;
        persist.finish();
        report
    };
    let writer = persist.run(&shared_state, input.store, input.lock, reporter);
    let (mut report, persisted) = tokio::join!(walk, writer);

    record_outputs(&ctx, &shared_state, input.evaluated, planned.plan.destroy)?;
    persist.mark_dirty();
    let final_write = persist
        .run_once(&shared_state, input.store, input.lock, reporter)
        .await;
    persisted?;
    final_write?;
    report.state = shared_state.lock().ok().map(|s| s.clone());
    Ok(report)
}

fn module_members(desired: &[DesiredResource]) -> HashMap<String, Vec<ResourceAddr>> {
    let mut map: HashMap<String, Vec<ResourceAddr>> = HashMap::new();
    for d in desired {
        if let Some(m) = &d.addr.module {
            map.entry(m.clone()).or_default().push(d.addr.clone());
        }
    }
    map
}

/// Outputs, from the final attributes: an output is recorded only when every resource it
/// refers to exists (a failed apply must not record values of resources never created).
fn record_outputs(
    ctx: &Ctx,
    state: &Mutex<State>,
    evaluated: &Evaluated,
    destroy: bool,
) -> Result<(), EngineError> {
    let attrs = ctx
        .attrs
        .lock()
        .map_err(|_| EngineError::Other("internal lock poisoned".into()))?;
    let mut state = state
        .lock()
        .map_err(|_| EngineError::Other("internal lock poisoned".into()))?;
    if destroy {
        state.outputs.clear();
        return Ok(());
    }
    state
        .outputs
        .retain(|name, _| evaluated.outputs.iter().any(|o| &o.name == name));
    for o in &evaluated.outputs {
        let exists = |a: &ResourceAddr| state.resources.get(a).is_some_and(|r| !r.outcome_unknown);
        let all_exist = o.depends_on.iter().all(|dep| match dep {
            Dependency::Resource(a) => exists(a),
            Dependency::Module(m) => ctx.module_members.get(m).into_iter().flatten().all(exists),
        });
        let value = if all_exist {
            strata_expr::resolve(&o.value, &|a, p| attrs.lookup(a, p))
                .ok()
                .and_then(|v| v.to_json().map(|json| (json, o.sensitive || v.is_sensitive())))
        } else {
            None
        };
        match value {
            Some((value, sensitive)) => {
                state
                    .outputs
                    .insert(o.name.clone(), OutputState { value, sensitive });
            }
            None => {
                state.outputs.remove(&o.name);
            }
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn walk(
    ops: &Graph,
    nodes: &[OpNode],
    ctx: &Arc<Ctx>,
    state: &Arc<Mutex<State>>,
    persist: &Arc<Persister>,
    parallelism: usize,
    interrupt: &Interrupt,
    reporter: &dyn Reporter,
) -> ApplyReport {
    let mut report = ApplyReport::default();
    let dependents = ops.dependents();
    let mut remaining: Vec<usize> = (0..nodes.len()).map(|i| ops.dependencies(i).count()).collect();
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&i| remaining[i] == 0).collect();
    ready.reverse();
    let mut blocked: HashSet<usize> = HashSet::new();
    // A replacement has two nodes; it is reported skipped once.
    let mut skipped: HashSet<ResourceAddr> = HashSet::new();
    let mut in_flight: JoinSet<(usize, Result<Outcome, OpError>, Instant)> = JoinSet::new();
    let mut running: HashMap<usize, AbortHandle> = HashMap::new();
    let mut started: HashSet<usize> = HashSet::new();
    let mut stopping = false;

    loop {
        if !stopping && interrupt.level() >= 1 {
            stopping = true;
            report.interrupted = true;
            reporter.event(&Event::Interrupted {
                in_flight: running.len(),
            });
        }
        // Nodes without work complete at once; real work starts while there is room.
        while !stopping && let Some(i) = ready.pop() {
            if persist.failed() {
                break;
            }
            let node = &nodes[i];
            let (Some(action), Some(addr)) = (node.action, node.addr.clone()) else {
                release(i, &dependents, &mut remaining, &mut ready);
                continue;
            };
            if in_flight.len() >= parallelism {
                ready.push(i);
                break;
            }
            let id = ctx
                .desired
                .get(&addr)
                .map(|d| d.id.to_string())
                .or_else(|| ctx.state_targets.get(&addr).map(|t| t.0.clone()));
            reporter.event(&Event::OperationStarted {
                addr: addr.clone(),
                action,
                id: id.unwrap_or_default(),
            });
            let task_ctx = Arc::clone(ctx);
            let kind = node.kind;
            // A create's intent is in the store before its PUT is sent: a run killed the hard
            // way leaves it as "outcome unknown", read back by the next run, never orphaned.
            let intent = (kind == OpKind::Write && intend(ctx, state, &addr)).then(|| persist.mark_dirty());
            let task_persist = Arc::clone(persist);
            let handle = in_flight.spawn(async move {
                let started = Instant::now();
                if let Some(generation) = intent
                    && !task_persist.written(generation).await
                {
                    return (
                        i,
                        Err(OpError::Other(
                            "the state could not be saved, so the create was not sent".into(),
                        )),
                        started,
                    );
                }
                let result = match kind {
                    OpKind::Write => ops::write(&task_ctx, &addr).await,
                    OpKind::Delete => ops::delete(&task_ctx, &addr).await,
                };
                (i, result, started)
            });
            running.insert(i, handle);
            started.insert(i);
        }
        if in_flight.is_empty() {
            break;
        }
        let joined = tokio::select! {
            joined = in_flight.join_next() => joined,
            () = interrupt.reached(if stopping { 2 } else { 1 }) => {
                if stopping {
                    // Second signal: stop waiting. What was in flight may or may not have
                    // happened; it is recorded as such, never forgotten.
                    for (&i, handle) in &running {
                        handle.abort();
                        let node = &nodes[i];
                        if let (Some(addr), Some(action)) = (node.addr.clone(), node.action) {
                            mark_unknown(ctx, state, &addr, node.kind == OpKind::Write);
                            report.unknown.push(addr.clone());
                            reporter.event(&Event::OperationFailed {
                                addr: addr.clone(),
                                action,
                                message: OpError::Interrupted.to_string(),
                            });
                            report.failed.push(ResourceFailure {
                                loc: ctx.desired.get(&addr).and_then(|d| d.loc.clone()),
                                addr,
                                action,
                                error: OpError::Interrupted,
                            });
                        }
                    }
                    running.clear();
                    persist.mark_dirty();
                    in_flight.detach_all();
                    break;
                }
                continue;
            }
        };
        let Some(joined) = joined else {
            break;
        };
        let Ok((i, result, started)) = joined else {
            continue;
        };
        running.remove(&i);
        let node = &nodes[i];
        let (Some(addr), Some(action)) = (node.addr.clone(), node.action) else {
            continue;
        };
        match result {
            Ok(outcome) => {
                record(ctx, state, &addr, outcome);
                persist.mark_dirty();
                reporter.event(&Event::OperationFinished {
                    addr: addr.clone(),
                    action,
                    elapsed: started.elapsed(),
                });
                if node.kind == OpKind::Write || action == Action::Delete {
                    report.completed.push((addr, action));
                }
                release(i, &dependents, &mut remaining, &mut ready);
            }
            Err(error) => {
                if error.outcome_unknown() {
                    mark_unknown(ctx, state, &addr, node.kind == OpKind::Write);
                    persist.mark_dirty();
                    report.unknown.push(addr.clone());
                } else if node.kind == OpKind::Write {
                    // The create did not happen: its intent goes.
                    forget_intent(state, &addr);
                    persist.mark_dirty();
                }
                reporter.event(&Event::OperationFailed {
                    addr: addr.clone(),
                    action,
                    message: error.to_string(),
                });
                report.failed.push(ResourceFailure {
                    loc: ctx.desired.get(&addr).and_then(|d| d.loc.clone()),
                    addr: addr.clone(),
                    action,
                    error,
                });
                // Everything downstream is skipped.
                let mut stack = dependents[i].clone();
                while let Some(d) = stack.pop() {
                    if !blocked.insert(d) {
                        continue;
                    }
                    if let (Some(a), Some(act)) = (&nodes[d].addr, nodes[d].action)
                        && a != &addr
                        && skipped.insert(a.clone())
                    {
                        reporter.event(&Event::OperationSkipped {
                            addr: a.clone(),
                            action: act,
                            because: addr.clone(),
                        });
                        report.skipped.push((a.clone(), act));
                    }
                    stack.extend(dependents[d].iter().copied());
                }
            }
        }
        ready.retain(|r| !blocked.contains(r));
    }
    if stopping {
        report.not_started = nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| n.action.is_some() && !started.contains(i) && !blocked.contains(i))
            .count();
    }
    report
}

fn release(i: usize, dependents: &[Vec<usize>], remaining: &mut [usize], ready: &mut Vec<usize>) {
    for &d in &dependents[i] {
        remaining[d] -= 1;
        if remaining[d] == 0 {
            ready.push(d);
        }
    }
}

/// Records the intent to create `addr` (as "outcome unknown") when state does not hold it;
/// true when it did not.
fn intend(ctx: &Ctx, state: &Mutex<State>, addr: &ResourceAddr) -> bool {
    let fresh = state.lock().is_ok_and(|s| !s.resources.contains_key(addr));
    if fresh {
        mark_unknown(ctx, state, addr, true);
    }
    fresh
}

/// Drops a create's intent after ARM refused the create.
fn forget_intent(state: &Mutex<State>, addr: &ResourceAddr) {
    if let Ok(mut s) = state.lock()
        && s.resources
            .get(addr)
            .is_some_and(|r| r.outcome_unknown && r.desired_digest.is_none() && r.attributes.is_null())
    {
        s.resources.remove(addr);
    }
}

/// Records that a write or delete of `addr` may or may not have happened.
fn mark_unknown(ctx: &Ctx, state: &Mutex<State>, addr: &ResourceAddr, write: bool) {
    let Ok(mut state) = state.lock() else { return };
    if let Some(r) = state.resources.get_mut(addr) {
        r.outcome_unknown = true;
        return;
    }
    if !write {
        return;
    }
    let Some(d) = ctx.desired.get(addr) else { return };
    let mut r = written_state(ctx, d, Json::Null, Vec::new(), None);
    r.outcome_unknown = true;
    state.resources.insert(addr.clone(), r);
}

/// What state records of a resource of the configuration written with `doc`.
fn written_state(
    ctx: &Ctx,
    d: &DesiredResource,
    doc: Json,
    sensitive: Vec<Vec<strata_core::PathStep>>,
    digest: Option<String>,
) -> ResourceState {
    ResourceState {
        addr: d.addr.clone(),
        id: d.id.clone(),
        resource_type: d.resource_type(),
        api_version: d.api_version.clone(),
        layer: d.layer,
        attributes: doc,
        sensitive_paths: sensitive,
        dependencies: dependencies_of(ctx, d),
        desired_digest: digest,
        outcome_unknown: false,
        prevent_destroy: d.lifecycle.prevent_destroy,
        soft_delete: d.soft_delete.clone(),
        written_at: Some(crate::refresh::unix_now()),
    }
}

fn dependencies_of(ctx: &Ctx, d: &DesiredResource) -> Vec<ResourceAddr> {
    let mut deps: Vec<ResourceAddr> = Vec::new();
    let mut waits = Vec::new();
    d.body.deferred_attrs(&mut waits);
    // The other estate's resources are not this state's to order deletes by.
    deps.extend(
        waits
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| !crate::peers::is_peer(a)),
    );
    for dep in &d.depends_on {
        match dep {
            Dependency::Resource(a) => deps.push(a.clone()),
            Dependency::Module(m) => {
                deps.extend(ctx.module_members.get(m).into_iter().flatten().cloned());
            }
        }
    }
    deps.sort();
    deps.dedup();
    deps
}

fn record(ctx: &Ctx, state: &Mutex<State>, addr: &ResourceAddr, outcome: Outcome) {
    let (Ok(mut attrs), Ok(mut state)) = (ctx.attrs.lock(), state.lock()) else {
        return;
    };
    match outcome {
        Outcome::Deleted => {
            attrs.remove(addr);
            state.resources.remove(addr);
        }
        Outcome::Written {
            doc,
            sensitive,
            digest,
        } => {
            let Some(d) = ctx.desired.get(addr) else { return };
            attrs.insert(addr.clone(), doc.clone());
            state
                .resources
                .insert(addr.clone(), written_state(ctx, d, doc, sensitive, Some(digest)));
        }
    }
}
