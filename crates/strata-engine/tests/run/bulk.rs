//! A bulk refresh against an ARM endpoint without Azure Resource Graph (Azure Stack Hub has
//! none) costs a GET per resource, never a missed change.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value as Json;
use strata_arm::{ArmClient, ArmError};
use strata_core::ResourceAddr;
use strata_engine::arm::ArmFuture;
use strata_engine::{
    Action, Arm, Confirm, Fallback, Interrupt, NoReporter, RefreshMethod, RefreshMode, RefreshOptions, Run,
    RunKind, RunOutcome, RunSpec,
};
use strata_state::{LockInfo, StateStore};

use crate::common::*;

/// ARM, with every verb but Resource Graph.
struct WithoutGraph(ArmClient);

impl Arm for WithoutGraph {
    fn get<'a>(&'a self, id: &'a str, api: &'a str) -> ArmFuture<'a, Option<Json>> {
        Box::pin(self.0.get(id, api))
    }
    fn put<'a>(&'a self, id: &'a str, api: &'a str, body: &'a Json) -> ArmFuture<'a, Json> {
        Box::pin(self.0.put(id, api, body))
    }
    fn delete<'a>(&'a self, id: &'a str, api: &'a str) -> ArmFuture<'a, ()> {
        Box::pin(self.0.delete(id, api))
    }
    fn patch<'a>(&'a self, id: &'a str, api: &'a str, body: &'a Json) -> ArmFuture<'a, Json> {
        Box::pin(self.0.patch(id, api, body))
    }
    fn post<'a>(
        &'a self,
        id: &'a str,
        action: &'a str,
        api: &'a str,
        body: Option<&'a Json>,
    ) -> ArmFuture<'a, Json> {
        Box::pin(async move {
            let r: Result<Json, ArmError> = self.0.post(id, action, api, body).await;
            r
        })
    }
}

fn bulk_plan(env: &Env, arm: Arc<dyn Arm>, e: &strata_core::Evaluated) -> strata_engine::Plan {
    let store = env.store("prod");
    let options = strata_engine::PlanOptions {
        refresh: RefreshOptions {
            mode: RefreshMode::Bulk,
            staleness: Duration::ZERO,
            ..RefreshOptions::default()
        },
        ..Default::default()
    };
    env.rt.block_on(async {
        let guard = store.lock(LockInfo::new("OperationTypePlan")).await.unwrap();
        let run = Run {
            arm,
            store: &store,
            lock: &guard,
            reporter: &NoReporter,
            interrupt: Interrupt::new(),
        };
        let spec = RunSpec {
            stack: "test",
            environment: "prod",
            config_digest: "digest",
            evaluated: e,
            kind: RunKind::Plan,
            destroy: false,
            refresh: true,
            parallelism: 4,
            options,
            saved: None,
            applied_from: None,
        };
        let outcome = run.execute(spec, |_| Confirm::Yes).await.unwrap();
        store.unlock(guard).await.unwrap();
        match outcome {
            RunOutcome::Planned(p) | RunOutcome::NoChanges(p) => p,
            other => panic!("{other:?}"),
        }
    })
}

#[test]
fn rows_that_agree_stand_and_a_missing_resource_graph_costs_gets() {
    let env = Env::new();
    let st = ResourceAddr::resource("st");
    let e = estate("bulk1", st.clone());
    applied(env.run("prod", &e, apply()));

    let plan = bulk_plan(&env, Arc::new(env.arm.clone()), &e);
    let r = plan.refresh.clone().unwrap();
    assert_eq!(
        (r.method, r.from_graph, r.resources),
        (RefreshMethod::Bulk, 2, 2),
        "{r:?}"
    );
    assert!(!plan.has_changes());

    // A tag changed outside strata: the row disagrees, the GET finds it.
    let id = &env.state("prod").unwrap().resources[&st].id;
    let doc = serde_json::json!({
        "location": "westeurope",
        "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"},
        "tags": {"env": "changed"}
    });
    env.rt.block_on(env.arm.put(id.as_str(), ST_API, &doc)).unwrap();
    let plan = bulk_plan(&env, Arc::new(env.arm.clone()), &e);
    let r = plan.refresh.clone().unwrap();
    assert_eq!(r.fallbacks.get(&Fallback::Disagrees), Some(&1), "{r:?}");
    let c = plan.changes.iter().find(|c| c.addr == st).unwrap();
    assert_eq!(c.action, Action::Update);

    // Without Resource Graph: every resource is read, and the change is still found.
    let plan = bulk_plan(&env, Arc::new(WithoutGraph(env.arm.clone())), &e);
    let r = plan.refresh.clone().unwrap();
    assert_eq!(r.fallbacks.get(&Fallback::GraphFailed), Some(&2), "{r:?}");
    assert_eq!(r.from_graph, 0);
    assert!(
        r.graph_error
            .as_deref()
            .unwrap_or_default()
            .contains("Resource Graph"),
        "{r:?}"
    );
    let c = plan.changes.iter().find(|c| c.addr == st).unwrap();
    assert_eq!(c.action, Action::Update);
}
