//! Plans a reviewer reads: one per kind of change the renderer must show well. Updates are
//! made the way the planner makes them, by diffing a desired body against what ARM returns
//! (with its ids, etags, provisioning states and default rules).

use serde_json::{Value as Json, json};
use strata_core::{ArmId, ResourceAddr, Value, path_to_string};
use strata_engine::diff::diff;
use strata_engine::model::{Problem, SoftDeleteAction};
use strata_engine::render_values::{flatten, shown_json, shown_value};
use strata_engine::{Action, Plan, PropertyChange, ResourceChange, Shown};

use super::{change, known, plan, prop, rg_id, vnet_id};

/// What the planner records for `desired` against `live`.
pub fn diffed(desired: Json, live: Json) -> Vec<PropertyChange> {
    diff(&Value::from_json(&desired), &live)
        .into_iter()
        .map(|pd| PropertyChange {
            path: path_to_string(&pd.path),
            before: if pd.sensitive {
                Shown::Sensitive
            } else {
                shown_json(pd.before.as_ref())
            },
            after: shown_value(&pd.after),
            forces_replacement: false,
        })
        .collect()
}

pub fn nsg_id() -> ArmId {
    ArmId::provider_resource(
        &rg_id(),
        "Microsoft.Network/networkSecurityGroups",
        "nsg-shop-dev-app",
    )
}

fn nsg_addr() -> ResourceAddr {
    ResourceAddr::module("network", "nsg", Some("app"))
}

fn rule(name: &str, priority: u32, port: &str, access: &str) -> Json {
    json!({"name": name, "properties": {
        "priority": priority, "direction": "Inbound", "access": access, "protocol": "Tcp",
        "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": port}})
}

/// `rule` as ARM returns it: with an id, an etag, a type and a provisioning state.
fn live_rule(name: &str, priority: u32, port: &str, access: &str) -> Json {
    let mut r = rule(name, priority, port, access);
    r["id"] = json!(format!("{}/securityRules/{name}", nsg_id()));
    r["etag"] = json!("W/\"8d1e7b44-aa9b-4c2d-9e3f-4f5a6b7c8d9e\"");
    r["type"] = json!("Microsoft.Network/networkSecurityGroups/securityRules");
    r["properties"]["provisioningState"] = json!("Succeeded");
    r["properties"]["sourcePortRanges"] = json!([]);
    r
}

fn live_nsg(rules: Vec<Json>) -> Json {
    json!({
        "id": nsg_id().as_str(), "name": "nsg-shop-dev-app", "etag": "W/\"1\"",
        "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
        "tags": {"environment": "dev"},
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": "0f1e2d3c-4b5a-4c5b-8a9e-5b0c7a2e1f3d",
            "securityRules": rules,
            "defaultSecurityRules": [live_rule("AllowVnetInBound", 65000, "*", "Allow")],
            "subnets": [{"id": format!("{}/subnets/app", vnet_id())}]
        }
    })
}

fn nsg_update(desired_rules: Vec<Json>, live_rules: Vec<Json>) -> ResourceChange {
    let desired = json!({"location": "westeurope", "tags": {"environment": "dev"},
        "properties": {"securityRules": desired_rules}});
    change(
        nsg_addr(),
        nsg_id(),
        Action::Update,
        diffed(desired, live_nsg(live_rules)),
    )
}

/// One NSG rule's priority changes: 200 → 210.
pub fn rule_changed_plan() -> Plan {
    let nsg = nsg_update(
        vec![
            rule("allow-https", 210, "443", "Allow"),
            rule("deny-all-inbound", 4096, "*", "Deny"),
        ],
        vec![
            live_rule("deny-all-inbound", 4096, "*", "Deny"),
            live_rule("allow-https", 200, "443", "Allow"),
        ],
    );
    plan("dev", vec![nsg], vec![])
}

/// A rule added to an NSG, another removed.
pub fn rule_added_plan() -> Plan {
    let nsg = nsg_update(
        vec![
            rule("allow-https", 200, "443", "Allow"),
            rule("allow-ssh", 300, "22", "Allow"),
            rule("deny-all-inbound", 4096, "*", "Deny"),
        ],
        vec![
            live_rule("allow-https", 200, "443", "Allow"),
            live_rule("allow-http", 250, "80", "Allow"),
            live_rule("deny-all-inbound", 4096, "*", "Deny"),
        ],
    );
    plan("dev", vec![nsg], vec![])
}

/// One tag added to a resource group.
pub fn tag_added_plan() -> Plan {
    let desired = json!({"location": "westeurope",
        "tags": {"environment": "dev", "owner": "platform-team", "tier": "gold"}});
    let live = json!({"id": rg_id().as_str(), "name": "rg-shop-dev", "location": "westeurope",
        "type": "Microsoft.Resources/resourceGroups",
        "properties": {"provisioningState": "Succeeded"},
        "tags": {"environment": "dev", "owner": "platform-team"}});
    let rg = change(
        ResourceAddr::module("rg", "group", None),
        rg_id(),
        Action::Update,
        diffed(desired, live),
    );
    plan("dev", vec![rg], vec![])
}

fn storage_id() -> ArmId {
    ArmId::provider_resource(&rg_id(), "Microsoft.Storage/storageAccounts", "stshopdev")
}

/// A nested object changes: blob versioning on, TLS raised, one scalar list grows.
pub fn nested_object_plan() -> Plan {
    let desired = json!({"kind": "StorageV2", "location": "westeurope", "properties": {
        "minimumTlsVersion": "TLS1_2",
        "networkAcls": {"defaultAction": "Deny", "ipRules": [], "bypass": "AzureServices",
            "virtualNetworkRules": [{"id": format!("{}/subnets/app", vnet_id()), "action": "Allow"}]},
        "encryption": {"keySource": "Microsoft.Storage",
            "services": {"blob": {"enabled": true}, "file": {"enabled": true}}}}});
    let live = json!({"id": storage_id().as_str(), "kind": "StorageV2", "location": "westeurope",
        "properties": {"minimumTlsVersion": "TLS1_0", "provisioningState": "Succeeded",
        "primaryEndpoints": {"blob": "https://stshopdev.blob.core.windows.net/"},
        "networkAcls": {"defaultAction": "Allow", "ipRules": [], "bypass": "AzureServices",
            "virtualNetworkRules": []},
        "encryption": {"keySource": "Microsoft.Storage",
            "services": {"blob": {"enabled": false, "lastEnabledTime": "2026-01-01T00:00:00Z"},
                "file": {"enabled": true}}}}});
    let account = change(
        ResourceAddr::module("storage", "account", None),
        storage_id(),
        Action::Update,
        diffed(desired, live),
    );
    plan("dev", vec![account], vec![])
}

/// A module renamed (a `moved` block): one resource only moves, one moves and changes.
pub fn moved_plan() -> Plan {
    let mut only = change(
        ResourceAddr::module("store", "account", None),
        storage_id(),
        Action::NoOp,
        vec![],
    );
    only.moved_from = Some(ResourceAddr::module("storage", "account", None));
    let mut changed = change(
        ResourceAddr::module("store", "container", Some("logs")),
        storage_id()
            .child("blobServices", "default")
            .child("containers", "logs"),
        Action::Update,
        vec![prop(
            "properties.publicAccess",
            known(json!("Blob")),
            known(json!("None")),
        )],
    );
    changed.moved_from = Some(ResourceAddr::module("storage", "container", Some("logs")));
    plan("dev", vec![only, changed], vec![])
}

/// Two resources adopted from Azure: one as it is, one with a tag to add.
pub fn import_plan() -> Plan {
    let mut as_is = change(
        ResourceAddr::module("rg", "group", None),
        rg_id(),
        Action::NoOp,
        vec![],
    );
    as_is.importing = true;
    let mut updated = change(
        ResourceAddr::module("network", "vnet", None),
        vnet_id(),
        Action::Update,
        vec![prop("tags.managed_by", Shown::Absent, known(json!("strata")))],
    );
    updated.importing = true;
    let subnet = change(
        ResourceAddr::module("network", "subnet", Some("data")),
        vnet_id().child("subnets", "data"),
        Action::Create,
        vec![prop(
            "properties.addressPrefix",
            Shown::Absent,
            known(json!("10.10.2.0/24")),
        )],
    );
    plan("dev", vec![as_is, updated, subnet], vec![])
}

fn vault_id() -> ArmId {
    ArmId::provider_resource(&rg_id(), "Microsoft.KeyVault/vaults", "kv-shop-dev-weu")
}

/// A create that collides with a resource nobody manages, and a delete `prevent_destroy`
/// forbids.
pub fn problem_plan() -> Plan {
    let mut exists = change(
        ResourceAddr::module("vault", "vault", None),
        vault_id(),
        Action::Create,
        vec![
            prop("location", Shown::Absent, known(json!("westeurope"))),
            prop("properties.sku.name", Shown::Absent, known(json!("standard"))),
        ],
    );
    exists.problem = Some(Problem::AlreadyExists);
    let mut kept = change(
        ResourceAddr::module("database", "server", None),
        ArmId::provider_resource(
            &rg_id(),
            "Microsoft.DBforPostgreSQL/flexibleServers",
            "psql-shop-dev",
        ),
        Action::Delete,
        vec![],
    );
    kept.problem = Some(Problem::PreventDestroy);
    plan("prod", vec![exists, kept], vec![])
}

/// Soft delete: a vault recovered instead of created, another deleted and purged.
pub fn soft_delete_plan() -> Plan {
    let mut recovered = change(
        ResourceAddr::module("vault", "vault", None),
        vault_id(),
        Action::Create,
        flatten(&Value::from_json(&json!({"location": "westeurope",
            "properties": {"tenantId": "00000000-0000-0000-0000-000000000000",
                "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": true}}))),
    );
    recovered.soft_delete = Some(SoftDeleteAction::Recover);
    let mut purged = change(
        ResourceAddr::module("old_vault", "vault", None),
        ArmId::provider_resource(&rg_id(), "Microsoft.KeyVault/vaults", "kv-shop-old"),
        Action::Delete,
        vec![],
    );
    purged.soft_delete = Some(SoftDeleteAction::DeleteAndPurge);
    plan("dev", vec![recovered, purged], vec![])
}

/// A `-target` plan with a warning.
pub fn targeted_plan() -> Plan {
    let mut p = rule_changed_plan();
    p.targets = vec!["module.network".into()];
    p.warnings = vec![
        "the environment `dev` allows purging soft-deleted key vaults: a purged vault cannot be recovered"
            .into(),
    ];
    p
}

/// Values far wider than a terminal: a 3,000-character custom data script, a long list, a
/// long string that changes.
pub fn long_values_plan() -> Plan {
    let script = "#!/bin/bash\napt-get update && apt-get install -y nginx\n".repeat(55);
    let vm = change(
        ResourceAddr::module("app", "vm", None),
        ArmId::provider_resource(&rg_id(), "Microsoft.Compute/virtualMachines", "vm-shop-dev"),
        Action::Create,
        flatten(&Value::from_json(
            &json!({"location": "westeurope", "properties": {
            "osProfile": {"computerName": "vm-shop-dev", "customData": script},
            "networkProfile": {"networkInterfaces": [{"id": format!("{}/providers/Microsoft.Network/networkInterfaces/nic-shop-dev", rg_id())}]}}}),
        )),
    );
    let prefixes: Vec<String> = (0..24).map(|i| format!("10.{i}.0.0/16")).collect();
    let vnet = change(
        ResourceAddr::module("network", "vnet", None),
        vnet_id(),
        Action::Update,
        vec![
            prop(
                "properties.addressSpace.addressPrefixes",
                known(json!(["10.0.0.0/16"])),
                known(json!(prefixes)),
            ),
            prop(
                "properties.dhcpOptions.description",
                known(json!("a".repeat(70))),
                known(json!("b".repeat(70))),
            ),
        ],
    );
    plan("dev", vec![vm, vnet], vec![])
}
