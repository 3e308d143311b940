//! A stack of generic resources, an emulator in this process, a local state store, and a
//! helper that runs the engine's `Run` the way the CLI does.

use std::sync::Arc;

use serde_json::json;
use strata_arm::{ArmClient, ClientOptions, PollPolicy, RetryPolicy};
use strata_core::Evaluated;
use strata_core::{ArmId, DesiredResource, ResourceAddr, SoftDeleteChoice, Value};
use strata_engine::{Confirm, Interrupt, NoReporter, PlanOptions, Run, RunKind, RunOutcome, RunSpec};
use strata_state::{LocalStore, LockInfo, State, StateStore};

pub const SUB: &str = "00000000-0000-0000-0000-00000000e001";
pub const RG_API: &str = "2024-11-01";
pub const ST_API: &str = "2025-01-01";
pub const KV_API: &str = "2024-11-01";
pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

pub struct Env {
    pub rt: tokio::runtime::Runtime,
    pub emulator: Option<strata_emulator::EmulatorHandle>,
    pub arm: ArmClient,
    pub dir: tempfile::TempDir,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(h) = self.emulator.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

impl Env {
    pub fn new() -> Env {
        Env::with_latency(strata_emulator::Latency::none())
    }

    pub fn with_latency(latency: strata_emulator::Latency) -> Env {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = strata_emulator::EmulatorConfig {
            latency,
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        };
        let handle = rt.block_on(strata_emulator::start(config)).unwrap();
        let mut opts = ClientOptions::new(handle.endpoint().parse().unwrap());
        opts.poll = PollPolicy::fast();
        opts.retry = RetryPolicy::fast();
        let arm = ArmClient::new(opts).unwrap();
        Env {
            rt,
            emulator: Some(handle),
            arm,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn store(&self, env: &str) -> LocalStore {
        LocalStore::new(self.dir.path(), env)
    }

    pub fn state(&self, env: &str) -> Option<State> {
        self.rt.block_on(self.store(env).read()).unwrap()
    }

    /// One run, with the lock held as the CLI holds it.
    pub fn run(&self, env: &str, evaluated: &Evaluated, how: How) -> RunOutcome {
        self.run_with(env, evaluated, how, Interrupt::new(), &NoReporter)
    }

    pub fn run_with(
        &self,
        env: &str,
        evaluated: &Evaluated,
        how: How,
        interrupt: Interrupt,
        reporter: &dyn strata_engine::Reporter,
    ) -> RunOutcome {
        let store = self.store(env);
        self.rt.block_on(async {
            let guard = store.lock(LockInfo::new("OperationTypeApply")).await.unwrap();
            let run = Run {
                arm: Arc::new(self.arm.clone()),
                store: &store,
                lock: &guard,
                reporter,
                interrupt,
            };
            let spec = RunSpec {
                stack: "test",
                environment: env,
                config_digest: "digest",
                evaluated,
                kind: how.kind,
                destroy: how.destroy,
                refresh: true,
                parallelism: how.parallelism,
                options: how.options,
                saved: None,
                applied_from: None,
            };
            let outcome = run.execute(spec, |_| Confirm::Yes).await.unwrap();
            store.unlock(guard).await.unwrap();
            outcome
        })
    }

    pub fn get(&self, id: &ArmId, api: &str) -> Option<serde_json::Value> {
        self.rt.block_on(self.arm.get(id.as_str(), api)).unwrap()
    }
}

pub struct How {
    pub kind: RunKind,
    pub destroy: bool,
    pub options: PlanOptions,
    pub parallelism: usize,
}

impl Default for How {
    fn default() -> Self {
        How {
            kind: RunKind::Plan,
            destroy: false,
            options: PlanOptions::default(),
            parallelism: 10,
        }
    }
}

pub fn apply() -> How {
    How {
        kind: RunKind::Apply,
        ..How::default()
    }
}

pub fn plan_only() -> How {
    How {
        kind: RunKind::Plan,
        ..How::default()
    }
}

pub fn destroy() -> How {
    How {
        kind: RunKind::Apply,
        destroy: true,
        ..How::default()
    }
}

pub fn with_choice(mut how: How, choice: SoftDeleteChoice) -> How {
    how.options.soft_delete = choice;
    how
}

pub fn rg_id(rg: &str) -> ArmId {
    ArmId::resource_group(SUB, rg)
}

pub fn group(addr: ResourceAddr, rg: &str) -> DesiredResource {
    DesiredResource::new(
        addr,
        rg_id(rg),
        RG_API,
        Value::from_json(&json!({"location": "westeurope"})),
        strata_core::Layer::ResourceGroups,
    )
}

pub fn account(addr: ResourceAddr, rg: &str, name: &str) -> DesiredResource {
    let id = ArmId::provider_resource(&rg_id(rg), "Microsoft.Storage/storageAccounts", name);
    let mut d = DesiredResource::new(
        addr,
        id,
        ST_API,
        Value::from_json(&json!({
            "location": "westeurope",
            "kind": "StorageV2",
            "sku": {"name": "Standard_LRS"},
            "tags": {"env": "test"}
        })),
        strata_core::Layer::Data,
    );
    d.depends_on
        .push(strata_core::Dependency::Resource(ResourceAddr::resource("rg")));
    d
}

pub fn vault(addr: ResourceAddr, rg: &str, name: &str, purge_protected: bool) -> DesiredResource {
    let id = ArmId::provider_resource(&rg_id(rg), "Microsoft.KeyVault/vaults", name);
    let mut props = json!({
        "tenantId": TENANT,
        "sku": {"family": "A", "name": "standard"},
        "enableSoftDelete": true,
        "softDeleteRetentionInDays": 7,
        "accessPolicies": []
    });
    if purge_protected {
        props["enablePurgeProtection"] = json!(true);
    }
    let mut d = DesiredResource::new(
        addr,
        id,
        KV_API,
        Value::from_json(&json!({"location": "westeurope", "properties": props})),
        strata_core::Layer::Data,
    );
    d.soft_delete = Some(strata_core::SoftDelete {
        deleted_id: Some(
            ArmId::parse(&format!(
                "/subscriptions/{SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/{name}"
            ))
            .unwrap(),
        ),
        api_version: KV_API.into(),
        recover: strata_core::Recover::CreateModeRecover,
        purge: strata_core::Purge::PostPurge,
        purge_protected,
    });
    d
}

pub fn evaluated(resources: Vec<DesiredResource>) -> Evaluated {
    Evaluated {
        resources,
        outputs: Vec::new(),
        modules: Vec::new(),
        moved: Vec::new(),
        imports: Vec::new(),
        warnings: Default::default(),
    }
}

/// The group `rg-<tag>` and the account `st<tag>` at `resource.rg` and `addr`.
pub fn estate(tag: &str, account_addr: ResourceAddr) -> Evaluated {
    let rg = format!("rg-{tag}");
    evaluated(vec![
        group(ResourceAddr::resource("rg"), &rg),
        account(account_addr, &rg, &format!("st{tag}")),
    ])
}

pub fn applied(outcome: RunOutcome) -> (strata_engine::Plan, strata_engine::ApplyReport) {
    match outcome {
        RunOutcome::Applied { plan, report } => (plan, report),
        other => panic!("expected an apply, got {other:?}"),
    }
}

pub fn planned(outcome: RunOutcome) -> strata_engine::Plan {
    match outcome {
        RunOutcome::Planned(plan) => plan,
        other => panic!("expected a plan, got {other:?}"),
    }
}
