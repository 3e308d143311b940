//! Apply: walk the plan's operations over the dependency graph, concurrently.
//!
//! Every resource has a write node and a delete node. Writes wait for the writes of what they
//! depend on; deletes wait for the deletes of what depends on them (so dependents go first);
//! a replacement writes after its own delete. Nodes without work complete at once.
//!
//! At most `parallelism` operations are in flight. When one fails, nothing that depends on it
//! is started, work in flight finishes, everything that succeeded is recorded, and the run
//! reports the failure. State is persisted after every completed operation by a writer that
//! coalesces bursts (so thousands of resources do not mean thousands of full rewrites at once).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::Value as Json;
use strata_arm::ArmClient;
use strata_config::Evaluated;
use strata_core::{DesiredResource, PathStep, ResourceAddr};
use strata_state::{LockGuard, OutputState, ResourceState, State, StateStore};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::attrs::{ACTION_PREFIX, Attributes};
use crate::error::EngineError;
use crate::events::{Event, Reporter};
use crate::graph::Graph;
use crate::model::Action;
use crate::planner::Planned;
use crate::serial::SerialLocks;

/// The result of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub completed: Vec<(ResourceAddr, Action)>,
    pub failed: Vec<(ResourceAddr, Action, String)>,
    pub skipped: Vec<(ResourceAddr, Action)>,
    /// The state as last persisted.
    pub state: Option<State>,
}

impl ApplyReport {
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty()
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

/// Shared by the operation tasks.
struct Ctx {
    arm: ArmClient,
    desired: HashMap<ResourceAddr, DesiredResource>,
    attrs: Mutex<Attributes>,
    locks: SerialLocks,
    /// id and api-version of resources known only to state (for deletes).
    state_targets: HashMap<ResourceAddr, (String, String)>,
    /// Ids (lower case) this run deletes or replaces.
    deleting: HashSet<String>,
    /// The resources of each module block, for `Dependency::Module` (computed once: looking
    /// them up per resource would be quadratic in large stacks).
    module_members: HashMap<String, Vec<ResourceAddr>>,
}

/// Child types ARM cannot delete on the management plane: they go with their parent.
const DELETED_WITH_PARENT: &[&str] = &[
    "microsoft.keyvault/vaults/secrets",
    "microsoft.keyvault/vaults/keys",
];

/// Types whose soft delete would keep the name from a replacement: deleted with `force=true`.
const FORCE_DELETE_ON_REPLACE: &[&str] = &["microsoft.operationalinsights/workspaces"];

/// Settings singletons of a parent (a storage account's blob service): they exist as long as
/// their parent does and have no DELETE; leaving the configuration only forgets them.
const SETTINGS_SINGLETONS: &[&str] = &[
    "microsoft.storage/storageaccounts/blobservices",
    "microsoft.storage/storageaccounts/fileservices",
    "microsoft.storage/storageaccounts/queueservices",
    "microsoft.storage/storageaccounts/tableservices",
];

enum Outcome {
    Written {
        doc: Json,
        sensitive: Vec<Vec<PathStep>>,
        digest: String,
    },
    Deleted,
}

pub struct ApplyInput<'a> {
    pub evaluated: &'a Evaluated,
    pub planned: &'a Planned,
    pub state: State,
    pub store: &'a dyn StateStore,
    pub lock: &'a LockGuard,
    pub parallelism: usize,
}

pub async fn apply(
    arm: &ArmClient,
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
        .map(|r| (r.addr.clone(), (r.id.to_string(), r.api_version.clone())))
        .collect();
    let ctx = Arc::new(Ctx {
        arm: arm.clone(),
        desired: input
            .evaluated
            .resources
            .iter()
            .map(|d| (d.addr.clone(), d.clone()))
            .collect(),
        attrs: Mutex::new(planned.attributes.clone()),
        locks: SerialLocks::default(),
        module_members: input
            .evaluated
            .resources
            .iter()
            .fold(HashMap::new(), |mut map, d| {
                if let Some(m) = &d.addr.module {
                    map.entry(m.clone()).or_insert_with(Vec::new).push(d.addr.clone());
                }
                map
            }),
        state_targets,
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
    let persist = Persister::new();

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
            reporter,
        )
        .await;
        persist.finish();
        report
    };
    let writer = persist.run(&shared_state, input.store, input.lock, reporter);
    let (mut report, persisted) = tokio::join!(walk, writer);

    // Outputs, from the final attributes.
    {
        let attrs = ctx
            .attrs
            .lock()
            .map_err(|_| EngineError::Other("internal lock poisoned".into()))?;
        let mut state = shared_state
            .lock()
            .map_err(|_| EngineError::Other("internal lock poisoned".into()))?;
        if planned.plan.destroy {
            state.outputs.clear();
        } else {
            state
                .outputs
                .retain(|name, _| input.evaluated.outputs.iter().any(|o| &o.name == name));
            for o in &input.evaluated.outputs {
                if let Ok(v) = strata_config::resolve(&o.value, &|a, p| attrs.lookup(a, p))
                    && let Some(json) = v.to_json()
                {
                    let sensitive = o.sensitive || v.is_sensitive();
                    state.outputs.insert(
                        o.name.clone(),
                        OutputState {
                            value: json,
                            sensitive,
                        },
                    );
                }
            }
        }
    }
    persist.mark_dirty();
    let final_write = persist
        .run_once(&shared_state, input.store, input.lock, reporter)
        .await;
    persisted?;
    final_write?;
    report.state = shared_state.lock().ok().map(|s| s.clone());
    Ok(report)
}

async fn walk(
    ops: &Graph,
    nodes: &[OpNode],
    ctx: &Arc<Ctx>,
    state: &Arc<Mutex<State>>,
    persist: &Persister,
    parallelism: usize,
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
    let mut in_flight: JoinSet<(usize, Result<Outcome, String>, Instant)> = JoinSet::new();

    loop {
        // Nodes without work complete at once; real work starts while there is room.
        while let Some(i) = ready.pop() {
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
            let ctx = Arc::clone(ctx);
            let kind = node.kind;
            in_flight.spawn(async move {
                let started = Instant::now();
                let result = match kind {
                    OpKind::Write => write(&ctx, &addr).await,
                    OpKind::Delete => delete(&ctx, &addr).await,
                };
                (i, result, started)
            });
        }
        let Some(joined) = in_flight.join_next().await else {
            break;
        };
        let Ok((i, result, started)) = joined else {
            continue;
        };
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
            Err(message) => {
                reporter.event(&Event::OperationFailed {
                    addr: addr.clone(),
                    action,
                    message: message.clone(),
                });
                report.failed.push((addr.clone(), action, message));
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

async fn write(ctx: &Ctx, addr: &ResourceAddr) -> Result<Outcome, String> {
    let d = ctx
        .desired
        .get(addr)
        .ok_or_else(|| format!("{addr} is not in the configuration"))?;
    let body = {
        let attrs = ctx
            .attrs
            .lock()
            .map_err(|_| "internal lock poisoned".to_string())?;
        strata_config::resolve(&d.body, &|a, p| attrs.lookup(a, p))?
    };
    let Some(mut json) = body.to_json() else {
        let mut waiting = Vec::new();
        body.deferred_attrs(&mut waiting);
        let names: Vec<String> = waiting
            .iter()
            .map(|(a, p)| format!("{a}.{}", strata_core::path_to_string(p)))
            .collect();
        return Err(format!(
            "values are still unknown after their resources were applied: {}",
            names.join(", ")
        ));
    };
    let digest = crate::planner::body_digest(&json);
    let _guard = ctx.locks.lock(&d.id).await;
    if !d.preserve.is_empty() {
        // Carry children the configuration manages elsewhere (a VNet's subnets) from the live
        // resource, read under the same lock as the children's writes.
        if let Some(live) = ctx
            .arm
            .get(d.id.as_str(), &d.api_version)
            .await
            .map_err(|e| e.to_string())?
        {
            for path in &d.preserve {
                carry(&mut json, &live, path);
            }
        }
    }
    let mut doc = ctx
        .arm
        .put(d.id.as_str(), &d.api_version, &json)
        .await
        .map_err(|e| e.to_string())?;
    confirm_readable(ctx, d).await?;
    let mut sensitive = body.sensitive_paths();
    for action in &d.read_actions {
        let result = ctx
            .arm
            .post(d.id.as_str(), &action.name, &action.api_version, None)
            .await
            .map_err(|e| e.to_string())?;
        let key = format!("{ACTION_PREFIX}{}", action.name);
        if let Json::Object(m) = &mut doc {
            m.insert(key.clone(), result);
        }
        sensitive.push(vec![PathStep::Key(key)]);
    }
    Ok(Outcome::Written {
        doc,
        sensitive,
        digest,
    })
}

/// ARM reads can miss a resource for a moment after it was written (another region's replica
/// answers). Dependents start only once a read sees it, so their writes never meet a parent
/// that seems not to exist.
async fn confirm_readable(ctx: &Ctx, d: &DesiredResource) -> Result<(), String> {
    let mut delay = std::time::Duration::from_millis(50);
    for _ in 0..12 {
        match ctx.arm.get(d.id.as_str(), &d.api_version).await {
            Ok(Some(_)) => return Ok(()),
            Ok(None) => {
                tracing::debug!(id = %d.id, ?delay, "written but not yet readable; waiting");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Err(format!(
        "{} was written but could not be read back for a minute; run apply again",
        d.id
    ))
}

async fn delete(ctx: &Ctx, addr: &ResourceAddr) -> Result<Outcome, String> {
    let (id, api) = match (ctx.state_targets.get(addr), ctx.desired.get(addr)) {
        (Some((id, api)), _) => (id.clone(), api.clone()),
        (None, Some(d)) => (d.id.to_string(), d.api_version.clone()),
        (None, None) => return Err(format!("{addr} is neither in state nor in the configuration")),
    };
    let parsed = strata_core::ArmId::parse(&id).map_err(|e| e.to_string())?;
    let resource_type = parsed.resource_type().to_ascii_lowercase();
    if SETTINGS_SINGLETONS.contains(&resource_type.as_str()) {
        return Ok(Outcome::Deleted);
    }
    if DELETED_WITH_PARENT.contains(&resource_type.as_str()) {
        let parent = parsed.parent().map(|p| p.key()).unwrap_or_default();
        if ctx.deleting.contains(&parent) {
            // Deleting the vault deletes (soft-deletes) what it holds.
            return Ok(Outcome::Deleted);
        }
        return Err(format!(
            "Azure Resource Manager cannot delete a {} on its own (only its data plane can); \
             delete it with `az keyvault secret delete --id …` (or remove its vault), then run again",
            parsed.resource_type()
        ));
    }
    let _guard = ctx.locks.lock(&parsed).await;
    // A workspace deleted normally keeps its name for 14 days (soft delete); a replacement
    // must create it again at once, so it is deleted for good.
    let replacing = ctx.desired.contains_key(addr);
    let target = if replacing && FORCE_DELETE_ON_REPLACE.contains(&resource_type.as_str()) {
        format!("{id}?force=true")
    } else {
        id.clone()
    };
    ctx.arm.delete(&target, &api).await.map_err(|e| e.to_string())?;
    Ok(Outcome::Deleted)
}

/// Copies `path` from `live` into `body` when `body` does not set it.
fn carry(body: &mut Json, live: &Json, path: &[PathStep]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut src = live;
    for step in path {
        let next = match (src, step) {
            (Json::Object(m), PathStep::Key(k)) => m.get(k),
            (Json::Array(a), PathStep::Index(i)) => a.get(*i),
            _ => None,
        };
        let Some(next) = next else { return };
        src = next;
    }
    let mut dst = body;
    for step in parents {
        let PathStep::Key(k) = step else { return };
        let Json::Object(m) = dst else { return };
        dst = m
            .entry(k.clone())
            .or_insert_with(|| Json::Object(serde_json::Map::new()));
    }
    if let (Json::Object(m), PathStep::Key(k)) = (dst, last) {
        m.entry(k.clone()).or_insert_with(|| src.clone());
    }
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
            let mut deps: Vec<ResourceAddr> = Vec::new();
            let mut waits = Vec::new();
            d.body.deferred_attrs(&mut waits);
            deps.extend(waits.into_iter().map(|(a, _)| a));
            for dep in &d.depends_on {
                match dep {
                    strata_core::Dependency::Resource(a) => deps.push(a.clone()),
                    strata_core::Dependency::Module(m) => {
                        deps.extend(ctx.module_members.get(m).into_iter().flatten().cloned());
                    }
                }
            }
            deps.sort();
            deps.dedup();
            attrs.insert(addr.clone(), doc.clone());
            state.resources.insert(
                addr.clone(),
                ResourceState {
                    addr: addr.clone(),
                    id: d.id.clone(),
                    resource_type: d.resource_type(),
                    api_version: d.api_version.clone(),
                    layer: d.layer,
                    attributes: doc,
                    sensitive_paths: sensitive,
                    dependencies: deps,
                    desired_digest: Some(digest),
                },
            );
        }
    }
}

/// Writes the state after completions, coalescing bursts: while one write is in progress,
/// further completions only mark the state dirty, and the next write takes them all.
struct Persister {
    dirty: AtomicBool,
    done: AtomicBool,
    failed: AtomicBool,
    wake: Notify,
}

impl Persister {
    fn new() -> Persister {
        Persister {
            dirty: AtomicBool::new(false),
            done: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            wake: Notify::new(),
        }
    }

    fn mark_dirty(&self) {
        self.dirty.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    fn failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    async fn run(
        &self,
        state: &Mutex<State>,
        store: &dyn StateStore,
        lock: &LockGuard,
        reporter: &dyn Reporter,
    ) -> Result<(), EngineError> {
        loop {
            if self.dirty.load(Ordering::SeqCst) {
                self.run_once(state, store, lock, reporter).await?;
            } else if self.done.load(Ordering::SeqCst) {
                return Ok(());
            } else {
                self.wake.notified().await;
            }
        }
    }

    async fn run_once(
        &self,
        state: &Mutex<State>,
        store: &dyn StateStore,
        lock: &LockGuard,
        reporter: &dyn Reporter,
    ) -> Result<(), EngineError> {
        if !self.dirty.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let mut snapshot = match state.lock() {
            Ok(s) => s.clone(),
            Err(_) => return Err(EngineError::Other("internal lock poisoned".into())),
        };
        match store.write(&mut snapshot, lock).await {
            Ok(()) => {
                if let Ok(mut s) = state.lock() {
                    s.serial = snapshot.serial;
                }
                reporter.event(&Event::StatePersisted {
                    serial: snapshot.serial,
                });
                Ok(())
            }
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                reporter.event(&Event::StatePersistFailed {
                    message: e.to_string(),
                });
                Err(e.into())
            }
        }
    }

    fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }
}
