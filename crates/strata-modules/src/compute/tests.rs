use serde_json::json;
use strata_core::ResourceAddr;

use super::*;
use crate::test_support::*;

const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGxkZXYga2V5 ops@example";

fn vm_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("vm-shop-dev")),
        ("subnet", subnet("mgmt", "management", None)),
        ("ssh_public_key", s(KEY)),
    ]
}

fn app_inputs() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("app-shop-dev")),
        ("kind", s("app_service")),
        ("subnet", subnet("app", "app", Some("Microsoft.Web/serverFarms"))),
    ]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    ComputeModule.expand(&ctx("compute", profile), &inputs(pairs))
}

fn with(
    mut pairs: Vec<(&'static str, Value)>,
    extra: Vec<(&'static str, Value)>,
) -> Vec<(&'static str, Value)> {
    for (k, v) in extra {
        pairs.retain(|(n, _)| *n != k);
        pairs.push((k, v));
    }
    pairs
}

#[test]
fn a_dev_vm_with_its_nic_and_ssh_only() {
    let e = expand("dev", vm_inputs()).unwrap();
    assert_eq!(
        addrs(&e),
        ["module.compute.nic[\"1\"]", "module.compute.vm[\"1\"]"]
    );
    let vm = find(&e, "module.compute.vm[\"1\"]");
    assert!(
        vm.id
            .as_str()
            .ends_with("/Microsoft.Compute/virtualMachines/vm-shop-dev-1")
    );
    assert_eq!(at(vm, "properties.hardwareProfile.vmSize"), "Standard_B2s");
    assert_eq!(at(vm, "zones"), serde_json::Value::Null, "dev has no zones");
    assert_eq!(
        at(vm, "properties.osProfile"),
        json!({
            "computerName": "vm-shop-dev-1",
            "adminUsername": "azureuser",
            "linuxConfiguration": {
                "disablePasswordAuthentication": true,
                "ssh": {"publicKeys": [{"path": "/home/azureuser/.ssh/authorized_keys", "keyData": KEY}]},
            }
        })
    );
    assert_eq!(
        at(vm, "properties.storageProfile.imageReference.offer"),
        "0001-com-ubuntu-server-jammy"
    );
    assert_eq!(
        at(
            vm,
            "properties.storageProfile.osDisk.managedDisk.storageAccountType"
        ),
        "StandardSSD_LRS"
    );
    assert!(
        vm.depends_on
            .contains(&strata_core::Dependency::Resource(ResourceAddr::module(
                "compute",
                "nic",
                Some("1")
            )))
    );
    let nic = find(&e, "module.compute.nic[\"1\"]");
    assert!(
        at(nic, "properties.ipConfigurations[0].properties.subnet.id")
            .as_str()
            .unwrap()
            .ends_with("/subnets/mgmt")
    );
    assert_eq!(e.outputs["vm_ids"].as_list().unwrap().len(), 1);
    assert!(e.outputs["private_ip_addresses"].is_unknown());
    assert_eq!(e.outputs["public_ip_addresses"], Value::List(vec![]));
    assert_eq!(e.outputs["app_id"], Value::Null);
    outputs_match(&ComputeModule, &e);
}

#[test]
fn prod_spreads_three_vms_over_zones_and_public_ips_only_when_asked() {
    let e = expand("prod", with(vm_inputs(), vec![("public_ip", Value::from(true))])).unwrap();
    let zones: Vec<serde_json::Value> = (1..=3)
        .map(|i| at(find(&e, &format!("module.compute.vm[\"{i}\"]")), "zones"))
        .collect();
    assert_eq!(zones, [json!(["1"]), json!(["2"]), json!(["3"])]);
    assert_eq!(
        at(
            find(&e, "module.compute.vm[\"1\"]"),
            "properties.hardwareProfile.vmSize"
        ),
        "Standard_D4s_v5"
    );
    let pip = find(&e, "module.compute.public_ip[\"2\"]");
    assert_eq!(at(pip, "sku.name"), "Standard");
    assert_eq!(at(pip, "zones"), json!(["2"]));
    assert!(
        at(
            find(&e, "module.compute.nic[\"2\"]"),
            "properties.ipConfigurations[0].properties.publicIPAddress.id"
        )
        .as_str()
        .unwrap()
        .ends_with("vm-shop-dev-2-pip")
    );
    assert_eq!(e.outputs["public_ip_addresses"].as_list().unwrap().len(), 3);
    // Explicit inputs win over the profile.
    let e = expand(
        "prod",
        with(
            vm_inputs(),
            vec![
                ("count", Value::from(2)),
                ("zones", list(&["3"])),
                ("size", s("Standard_E4s_v5")),
            ],
        ),
    )
    .unwrap();
    assert_eq!(e.resources.len(), 4);
    assert_eq!(at(find(&e, "module.compute.vm[\"2\"]"), "zones"), json!(["3"]));
}

#[test]
fn a_size_the_profile_forbids_fails_before_any_call() {
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(vm_inputs(), vec![("size", s("Standard_D16s_v5"))]),
    ));
    assert_eq!(path, "size");
    assert!(
        msg.contains("the dev profile does not allow `Standard_D16s_v5`"),
        "{msg}"
    );
    assert!(hint.contains("Standard_B2s"), "{hint}");
    let (path, msg, _) = one_error(expand(
        "prod",
        with(vm_inputs(), vec![("size", s("Standard_B2s"))]),
    ));
    assert_eq!(path, "size");
    assert!(msg.contains("burstable"), "{msg}");
}

#[test]
fn vm_inputs_are_checked() {
    let errs = errors(expand(
        "dev",
        vec![
            ("resource_group", s("rg")),
            ("name", s("vm")),
            ("ssh_public_key", s("-----BEGIN OPENSSH PRIVATE KEY-----")),
            ("admin_username", s("root")),
            ("zones", list(&["4"])),
            ("count", Value::from(0)),
            ("image", Value::object([("publisher", s("Canonical"))])),
            ("sku", s("B1")),
        ],
    ));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "sku",
            "image.offer",
            "admin_username",
            "ssh_public_key",
            "zones[0]",
            "count",
            "subnet"
        ],
        "{errs:#?}"
    );
    assert!(errs.iter().all(|(_, _, h)| !h.is_empty()), "{errs:#?}");
}

#[test]
fn vms_refuse_delegated_subnets() {
    let (path, msg, _) = one_error(expand(
        "dev",
        with(
            vm_inputs(),
            vec![("subnet", subnet("app", "app", Some("Microsoft.Web/serverFarms")))],
        ),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("delegated to Microsoft.Web/serverFarms"), "{msg}");
}

#[test]
fn a_zone_balanced_scale_set() {
    let pairs = with(
        vm_inputs(),
        vec![
            ("kind", s("vmss")),
            ("name", s("vmss-shop")),
            ("subnet", subnet("app", "app", None)),
        ],
    );
    let e = expand("prod", pairs.clone()).unwrap();
    assert_eq!(addrs(&e), ["module.compute.scale_set"]);
    let ss = find(&e, "module.compute.scale_set");
    assert_eq!(
        at(ss, "sku"),
        json!({"name": "Standard_D4s_v5", "tier": "Standard", "capacity": 3})
    );
    assert_eq!(at(ss, "zones"), json!(["1", "2", "3"]));
    assert_eq!(at(ss, "properties.zoneBalance"), true);
    assert_eq!(at(ss, "properties.upgradePolicy.mode"), "Automatic");
    assert_eq!(
        at(
            ss,
            "properties.virtualMachineProfile.osProfile.linuxConfiguration.disablePasswordAuthentication"
        ),
        true
    );
    assert!(
        matches!(&e.outputs["scale_set_id"], Value::String(id) if id.ends_with("/virtualMachineScaleSets/vmss-shop"))
    );
    let dev = expand("dev", pairs.clone()).unwrap();
    let ss = find(&dev, "module.compute.scale_set");
    assert_eq!(at(ss, "sku.capacity"), 1);
    assert_eq!(at(ss, "zones"), serde_json::Value::Null);
    let (path, _, hint) = one_error(expand("dev", with(pairs, vec![("upgrade_policy", s("Rolling"))])));
    assert_eq!(path, "upgrade_policy");
    assert!(hint.contains("Automatic"));
}

#[test]
fn an_app_service_https_only_in_the_app_subnet() {
    let e = expand("dev", app_inputs()).unwrap();
    assert_eq!(addrs(&e), ["module.compute.plan", "module.compute.app"]);
    let plan = find(&e, "module.compute.plan");
    assert_eq!(
        plan.body.to_json().unwrap(),
        json!({"location": "westeurope", "kind": "linux", "sku": {"name": "B1", "capacity": 1},
               "properties": {"reserved": true, "zoneRedundant": false}})
    );
    let app = find(&e, "module.compute.app");
    assert_eq!(at(app, "properties.httpsOnly"), true);
    assert_eq!(at(app, "properties.siteConfig.minTlsVersion"), "1.2");
    assert_eq!(at(app, "properties.siteConfig.ftpsState"), "Disabled");
    assert_eq!(at(app, "properties.outboundVnetRouting.applicationTraffic"), true);
    assert!(
        at(app, "properties.virtualNetworkSubnetId")
            .as_str()
            .unwrap()
            .ends_with("/subnets/app")
    );
    assert!(
        app.depends_on
            .contains(&strata_core::Dependency::Resource(ResourceAddr::module(
                "compute", "plan", None
            )))
    );
    assert!(e.outputs["default_hostname"].is_unknown());
    assert_eq!(e.outputs["vm_ids"], Value::List(vec![]));
    outputs_match(&ComputeModule, &e);

    let prod = expand("prod", app_inputs()).unwrap();
    let plan = find(&prod, "module.compute.plan");
    assert_eq!(at(plan, "sku"), json!({"name": "P1v3", "capacity": 3}));
    assert_eq!(at(plan, "properties.zoneRedundant"), true);
}

#[test]
fn app_settings_may_be_sensitive() {
    let conn = Value::attr(
        &ResourceAddr::module("monitoring", "insights", None),
        "properties.ConnectionString",
    )
    .sensitive();
    let e = expand(
        "dev",
        with(
            app_inputs(),
            vec![(
                "app_settings",
                Value::object([("APPLICATIONINSIGHTS_CONNECTION_STRING", conn)]),
            )],
        ),
    )
    .unwrap();
    let app = find(&e, "module.compute.app");
    assert_eq!(
        app.body.sensitive_paths(),
        vec![strata_core::parse_path(
            "properties.siteConfig.appSettings[0].value"
        )]
    );
}

#[test]
fn app_service_inputs_are_checked() {
    let (path, msg, hint) = one_error(expand(
        "dev",
        with(
            app_inputs(),
            vec![(
                "subnet",
                subnet("data", "data", Some("Microsoft.DBforPostgreSQL/flexibleServers")),
            )],
        ),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("has the data role"), "{msg}");
    assert!(!hint.is_empty());
    let (path, msg, _) = one_error(expand(
        "dev",
        with(app_inputs(), vec![("subnet", subnet("app", "app", None))]),
    ));
    assert_eq!(path, "subnet");
    assert!(msg.contains("has no delegation"), "{msg}");
    // F1 in prod: not allowed, not zone redundant (prod's default), no VNet integration.
    let errs = errors(expand("prod", with(app_inputs(), vec![("sku", s("F1"))])));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(paths, ["sku", "zone_redundant", "subnet"]);
    assert!(errs[0].1.contains("prod profile does not allow"), "{errs:?}");
    let (path, msg, _) = one_error(expand(
        "dev",
        with(app_inputs(), vec![("zone_redundant", Value::from(true))]),
    ));
    assert_eq!(path, "zone_redundant");
    assert!(msg.contains("B1 plan cannot be zone redundant"), "{msg}");
    let (path, ..) = one_error(expand(
        "prod",
        with(app_inputs(), vec![("count", Value::from(1))]),
    ));
    assert_eq!(path, "count");
    let (path, msg, _) = one_error(expand(
        "dev",
        with(app_inputs(), vec![("ssh_public_key", s(KEY))]),
    ));
    assert_eq!(path, "ssh_public_key");
    assert!(msg.contains("does not apply to kind \"app_service\""), "{msg}");
    let (path, ..) = one_error(expand("dev", with(app_inputs(), vec![("runtime", s("node"))])));
    assert_eq!(path, "runtime");
}

#[test]
fn the_standby_runs_its_own_app_machines_and_scale_set() {
    deploys_alike_in_the_standby(&ComputeModule, "compute", "prod", inputs(app_inputs()));
    deploys_alike_in_the_standby(&ComputeModule, "compute", "prod", inputs(vm_inputs()));
    deploys_alike_in_the_standby(
        &ComputeModule,
        "compute",
        "prod",
        inputs(with(
            vm_inputs(),
            vec![("kind", s("vmss")), ("name", s("vmss-shop"))],
        )),
    );
}

#[test]
fn vms_with_disaster_recovery_get_a_geo_redundant_backup_vault_in_their_region() {
    for (profile, days) in [("dev", 7), ("staging", 14), ("prod", 30)] {
        let ctx = with_recovery(ctx("compute", profile));
        let e = ComputeModule.expand(&ctx, &inputs(vm_inputs())).unwrap();
        let vault = find(&e, "module.compute.backup_vault");
        assert_eq!(
            vault.id.as_str(),
            format!(
                "/subscriptions/{SUB}/resourceGroups/rg-shop-dev/providers/Microsoft.RecoveryServices/vaults/rsv-vm-shop-dev"
            )
        );
        assert_eq!(
            vault.body.to_json().unwrap(),
            json!({
                "location": "westeurope",
                "sku": {"name": "RS0", "tier": "Standard"},
                "properties": {
                    "publicNetworkAccess": "Enabled",
                    "redundancySettings": {
                        "standardTierStorageRedundancy": "GeoRedundant",
                        "crossRegionRestore": "Enabled",
                    },
                },
            })
        );
        let policy = find(&e, "module.compute.backup_policy");
        assert_eq!(
            policy.id.as_str(),
            format!("{}/backupPolicies/daily-vm", vault.id)
        );
        assert_eq!(
            at(policy, "properties.backupManagementType"),
            json!("AzureIaasVM")
        );
        assert_eq!(
            at(policy, "properties.schedulePolicy"),
            json!({
                "schedulePolicyType": "SimpleSchedulePolicy",
                "scheduleRunFrequency": "Daily",
                "scheduleRunTimes": ["2024-01-01T02:00:00Z"],
            })
        );
        assert_eq!(
            at(policy, "properties.retentionPolicy"),
            json!({
                "retentionPolicyType": "LongTermRetentionPolicy",
                "dailySchedule": {
                    "retentionTimes": ["2024-01-01T02:00:00Z"],
                    "retentionDuration": {"count": days, "durationType": "Days"},
                },
            }),
            "{profile}"
        );
        assert!(
            policy
                .depends_on
                .contains(&strata_core::Dependency::Resource(vault.addr.clone()))
        );
        assert_eq!(e.outputs["backup_vault_id"], s(vault.id.as_str()));
        // Each machine is protected, after the vault discovered it.
        let vm = find(&e, "module.compute.vm[\"1\"]");
        let item = find(&e, "module.compute.backup_item[\"1\"]");
        assert!(item.id.as_str().starts_with(&format!(
            "{}/backupFabrics/Azure/protectionContainers/iaasvmcontainer;iaasvmcontainerv2;",
            vault.id.as_str()
        )));
        assert_eq!(at(item, "properties.sourceResourceId"), json!(vm.id.as_str()));
        assert_eq!(at(item, "properties.policyId"), json!(policy.id.as_str()));
        assert_eq!(item.read_actions.len(), 1);
        assert!(item.read_actions[0].before_write);
        assert_eq!(item.read_actions[0].name, "refreshContainers");
        assert_eq!(
            item.read_actions[0].on.as_deref(),
            Some(format!("{}/backupFabrics/Azure", vault.id.as_str()).as_str())
        );
        outputs_match(&ComputeModule, &e);
        // Azure publishes these types at the version written, but the catalogue carries no
        // full schema for Recovery Services to check the bodies against.
        let catalogue = strata_azure::Catalogue::global().unwrap();
        for r in [vault, policy, item] {
            let t = r.resource_type();
            assert_eq!(
                strata_azure::api_versions::written("compute", &t),
                Some(r.api_version.as_str())
            );
            assert!(catalogue.has_version(&t, &r.api_version), "{t}");
            assert!(
                !catalogue.has_schemas(&t),
                "{t} now has a schema: check the body against it"
            );
        }
        for r in e.resources.iter().filter(|r| !r.addr.name.starts_with("backup_")) {
            assert_eq!(schema_errors(r), Vec::<String>::new());
        }
    }

    // In the standby estate, the vault is in the standby's region.
    let standby_ctx = standby_estate(ctx("compute", "prod"), None);
    let e = ComputeModule.expand(&standby_ctx, &inputs(vm_inputs())).unwrap();
    assert_eq!(
        at(find(&e, "module.compute.backup_vault"), "location"),
        json!("northeurope")
    );
}

#[test]
fn no_backup_without_disaster_recovery_nor_for_scale_sets_and_apps() {
    let plain = expand("prod", vm_inputs()).unwrap();
    assert!(!addrs(&plain).iter().any(|a| a.contains("backup")));
    assert_eq!(plain.outputs["backup_vault_id"], Value::Null);
    let ctx = with_recovery(ctx("compute", "prod"));
    for pairs in [
        with(vm_inputs(), vec![("kind", s("vmss")), ("name", s("vmss-shop"))]),
        app_inputs(),
    ] {
        let e = ComputeModule.expand(&ctx, &inputs(pairs)).unwrap();
        assert!(!addrs(&e).iter().any(|a| a.contains("backup")), "{:?}", addrs(&e));
        assert_eq!(e.outputs["backup_vault_id"], Value::Null);
    }
}

#[test]
fn a_vault_name_azure_refuses_is_an_error_on_name() {
    let ctx = with_recovery(ctx("compute", "prod"));
    // 48 characters make a valid VM name, but `rsv-` makes the vault's 50 too long.
    let long = "v".repeat(48);
    let pairs = with(vm_inputs(), vec![("name", s(&long))]);
    let errs = errors(ComputeModule.expand(&ctx, &inputs(pairs.clone())));
    assert!(
        errs.iter()
            .any(|(p, m, _)| p == "name" && m.contains(&format!("rsv-{long}"))),
        "{errs:#?}"
    );
    assert!(
        ComputeModule
            .expand(&crate::test_support::ctx("compute", "prod"), &inputs(pairs))
            .is_ok()
    );
}
