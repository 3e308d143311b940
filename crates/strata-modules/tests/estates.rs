//! An environment's two estates on the strata emulator: what the modules expand to for the
//! primary and for its warm standby is accepted by the emulator, which checks bodies as Azure
//! does, and the standby's database comes up as a read replica of the primary's.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use serde_json::json;
use strata_arm::{ArmClient, ClientOptions, PollPolicy, RetryPolicy};
use strata_core::{
    DisasterRecovery, DrStrategy, Estate, EstateRole, Expansion, Module, ModuleContext, Peer, Value,
};
use strata_modules::{ComputeModule, DatabaseModule, NetworkingModule, ResourceGroupModule, StorageModule};

const SUB: &str = "00000000-0000-0000-0000-00000000d001";
const PG: &str = "Microsoft.DBforPostgreSQL/flexibleServers";
const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxkZXYga2V5 ops@example";

struct Emulator {
    rt: tokio::runtime::Runtime,
    handle: Option<strata_emulator::EmulatorHandle>,
    arm: ArmClient,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

impl Emulator {
    fn start() -> Emulator {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = strata_emulator::EmulatorConfig {
            latency: strata_emulator::Latency::none(),
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        };
        let handle = rt.block_on(strata_emulator::start(config)).unwrap();
        let mut opts = ClientOptions::new(handle.endpoint().parse().unwrap());
        opts.poll = PollPolicy::fast();
        opts.retry = RetryPolicy::fast();
        let arm = ArmClient::new(opts).unwrap();
        Emulator {
            rt,
            handle: Some(handle),
            arm,
        }
    }

    /// PUTs every resource of the expansion, in its order (each module lists a resource after
    /// those it refers to).
    fn apply(&self, e: &Expansion) {
        for r in &e.resources {
            let body = r
                .body
                .to_json()
                .unwrap_or_else(|| panic!("{} has unknowns", r.addr));
            // What the write needs first (the vault discovering the machine), as the engine
            // sends it.
            for a in r.read_actions.iter().filter(|a| a.before_write) {
                let on = a.on.as_deref().unwrap_or(r.id.as_str());
                self.rt
                    .block_on(self.arm.post(on, &a.name, &a.api_version, None))
                    .unwrap_or_else(|err| panic!("POST {on}/{}: {err}", a.name));
            }
            self.rt
                .block_on(self.arm.put(r.id.as_str(), &r.api_version, &body))
                .unwrap_or_else(|err| panic!("PUT {}: {err}", r.addr));
        }
    }

    fn get(&self, id: &str, api_version: &str) -> serde_json::Value {
        self.rt
            .block_on(self.arm.get(id, api_version))
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is not there"))
    }
}

fn dr() -> &'static DisasterRecovery {
    Box::leak(Box::new(DisasterRecovery {
        secondary_location: "northeurope".into(),
        secondary_is_default: true,
        strategy: DrStrategy::Warm,
        rpo: std::time::Duration::from_secs(900),
        rto: std::time::Duration::from_secs(3600),
        loc: None,
    }))
}

fn ctx<'a>(label: &'a str, standby: Option<Peer<'a>>) -> ModuleContext<'a> {
    let (location, environment, role) = match standby {
        Some(_) => ("northeurope", "prod-dr", EstateRole::Standby),
        None => ("westeurope", "prod", EstateRole::Primary),
    };
    ModuleContext {
        label,
        subscription_id: SUB,
        location,
        environment,
        profile: "prod",
        disaster_recovery: Some(dr()),
        estate: Estate {
            role,
            serving: EstateRole::Primary,
            peer: standby,
            restore_point: None,
            failed_over: false,
        },
    }
}

fn peer<'a>(inputs: &'a BTreeMap<String, Value>, e: &'a Expansion) -> Peer<'a> {
    Peer {
        environment: "prod",
        location: "westeurope",
        role: EstateRole::Primary,
        inputs,
        resources: &e.resources,
        outputs: &e.outputs,
    }
}

fn inputs(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn network_inputs(env: &str, cidr: &str) -> BTreeMap<String, Value> {
    let prefix = cidr.trim_end_matches(".0.0/16");
    inputs(vec![
        ("resource_group", Value::from(format!("rg-shop-{env}"))),
        ("name", Value::from(format!("vnet-shop-{env}"))),
        ("address_space", Value::List(vec![Value::from(cidr)])),
        (
            "subnets",
            Value::object([
                (
                    "data",
                    Value::object([
                        ("address_prefix", Value::from(format!("{prefix}.2.0/24"))),
                        ("delegation", Value::from(PG)),
                    ]),
                ),
                (
                    "mgmt",
                    Value::object([("address_prefix", Value::from(format!("{prefix}.3.0/24")))]),
                ),
            ]),
        ),
    ])
}

/// The resource group and network of one estate, applied; the network's expansion.
fn foundation(em: &Emulator, env: &str, cidr: &str, standby: Option<Peer<'_>>) -> Expansion {
    let rg = ResourceGroupModule
        .expand(
            &ctx("rg", standby.map(|_| dummy_peer())),
            &inputs(vec![("name", Value::from(format!("rg-shop-{env}")))]),
        )
        .unwrap();
    em.apply(&rg);
    let net = NetworkingModule
        .expand(&ctx("network", standby), &network_inputs(env, cidr))
        .unwrap();
    em.apply(&net);
    net
}

/// A peer with nothing in it, to place a block in the standby estate.
fn dummy_peer() -> Peer<'static> {
    let empty: &'static BTreeMap<String, Value> = Box::leak(Box::default());
    Peer {
        environment: "prod",
        location: "westeurope",
        role: EstateRole::Primary,
        inputs: empty,
        resources: &[],
        outputs: empty,
    }
}

fn subnet(net: &Expansion, name: &str) -> Value {
    net.outputs["subnets"].get(name).unwrap().clone()
}

#[test]
fn the_standby_estate_runs_a_replica_of_the_primary_database_and_backs_up_its_machines() {
    let em = Emulator::start();

    // The primary in westeurope.
    let net = foundation(&em, "prod", "10.30.0.0/16", None);
    let db_inputs = inputs(vec![
        ("resource_group", Value::from("rg-shop-prod")),
        ("name", Value::from("psql-shop-prod")),
        ("subnet", subnet(&net, "data")),
        ("high_availability", Value::from("Disabled")),
        (
            "administrator_password",
            Value::from("Planted-Pa55word!").sensitive(),
        ),
    ]);
    let primary_db = DatabaseModule.expand(&ctx("db", None), &db_inputs).unwrap();
    em.apply(&primary_db);
    let vm_inputs = |env: &str, net: &Expansion| {
        inputs(vec![
            ("resource_group", Value::from(format!("rg-shop-{env}"))),
            ("name", Value::from(format!("vm-shop-{env}"))),
            ("count", Value::from(1)),
            ("subnet", subnet(net, "mgmt")),
            ("ssh_public_key", Value::from(KEY)),
        ])
    };
    let vms = ComputeModule
        .expand(&ctx("compute", None), &vm_inputs("prod", &net))
        .unwrap();
    em.apply(&vms);
    let vault_id = vms.outputs["backup_vault_id"].as_str().unwrap().to_string();
    let api = strata_azure::api_versions::RECOVERY_SERVICES;
    let vault = em.get(&vault_id, api);
    assert_eq!(vault["location"], "westeurope");
    assert_eq!(
        vault["properties"]["redundancySettings"],
        json!({"standardTierStorageRedundancy": "GeoRedundant", "crossRegionRestore": "Enabled"})
    );
    let policy = em.get(&format!("{vault_id}/backupPolicies/daily-vm"), api);
    assert_eq!(
        policy["properties"]["retentionPolicy"]["dailySchedule"]["retentionDuration"]["count"],
        30
    );
    // The machine is protected by the policy.
    let item = vms
        .resources
        .iter()
        .find(|r| r.addr.name == "backup_item")
        .unwrap();
    let protected = em.get(item.id.as_str(), api);
    assert_eq!(
        protected["properties"]["policyId"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        format!("{vault_id}/backupPolicies/daily-vm").to_ascii_lowercase()
    );

    // Storage: the standby creates nothing and answers with the primary's account.
    let st_inputs = inputs(vec![
        ("resource_group", Value::from("rg-shop-prod")),
        ("name", Value::from("stshopprod")),
    ]);
    let primary_st = StorageModule.expand(&ctx("st", None), &st_inputs).unwrap();
    em.apply(&primary_st);
    let standby_st = StorageModule
        .expand(&ctx("st", Some(peer(&st_inputs, &primary_st))), &st_inputs)
        .unwrap();
    assert!(standby_st.resources.is_empty());
    let account = em.get(
        standby_st.outputs["account_id"].as_str().unwrap(),
        strata_azure::api_versions::STORAGE,
    );
    assert_eq!(account["sku"]["name"], "Standard_RAGZRS");

    // The standby in northeurope, with its own range.
    let standby_net = foundation(
        &em,
        "prod-dr",
        "10.31.0.0/16",
        Some(peer(&network_inputs("prod", "10.30.0.0/16"), &net)),
    );
    let standby_db_inputs = inputs(vec![
        ("resource_group", Value::from("rg-shop-prod-dr")),
        ("name", Value::from("psql-shop-prod-dr")),
        ("subnet", subnet(&standby_net, "data")),
        ("high_availability", Value::from("Disabled")),
        (
            "administrator_password",
            Value::from("Planted-Pa55word!").sensitive(),
        ),
    ]);
    let standby_db = DatabaseModule
        .expand(
            &ctx("db", Some(peer(&db_inputs, &primary_db))),
            &standby_db_inputs,
        )
        .unwrap();
    em.apply(&standby_db);
    let replica = em.get(
        standby_db.outputs["server_id"].as_str().unwrap(),
        strata_azure::api_versions::POSTGRESQL,
    );
    assert_eq!(replica["location"], "northeurope");
    assert_eq!(replica["properties"]["replicationRole"], "AsyncReplica");
    assert_eq!(
        replica["properties"]["sourceServerResourceId"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase(),
        primary_db.outputs["server_id"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase()
    );
    assert_eq!(replica["properties"]["backup"]["geoRedundantBackup"], "Disabled");
    assert_eq!(replica["properties"]["highAvailability"]["mode"], "Disabled");
    // It took the primary's administrator.
    assert_eq!(replica["properties"]["administratorLogin"], "strata_admin");

    // The standby's machines are backed up by a vault in their own region.
    let standby_vms = ComputeModule
        .expand(
            &ctx("compute", Some(dummy_peer())),
            &vm_inputs("prod-dr", &standby_net),
        )
        .unwrap();
    em.apply(&standby_vms);
    let vault = em.get(standby_vms.outputs["backup_vault_id"].as_str().unwrap(), api);
    assert_eq!(vault["location"], "northeurope");
}
