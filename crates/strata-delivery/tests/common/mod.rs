//! Plans built by hand for the tests: one per kind of change, shaped like the engine's.

#![allow(dead_code)]

use serde_json::json;
use strata_core::{ArmId, ResourceAddr};
use strata_engine::model::PLAN_FORMAT_VERSION;
use strata_engine::{Action, OutputChange, Plan, PropertyChange, ResourceChange, Shown};

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";

pub fn rg_id() -> ArmId {
    ArmId::resource_group(SUB, "rg-shop-dev")
}

pub fn vnet_id() -> ArmId {
    ArmId::provider_resource(&rg_id(), "Microsoft.Network/virtualNetworks", "vnet-shop-dev")
}

pub fn prop(path: &str, before: Shown, after: Shown) -> PropertyChange {
    PropertyChange {
        path: path.into(),
        before,
        after,
        forces_replacement: false,
    }
}

pub fn known(v: serde_json::Value) -> Shown {
    Shown::Known(v)
}

pub fn change(addr: ResourceAddr, id: ArmId, action: Action, changes: Vec<PropertyChange>) -> ResourceChange {
    let layer = strata_azure::layer_for(&id.resource_type());
    let mut change = ResourceChange::new(addr, id, "2024-05-01", layer, action);
    change.changes = changes;
    change
}

pub fn plan(environment: &str, changes: Vec<ResourceChange>, outputs: Vec<OutputChange>) -> Plan {
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        strata_version: "0.1.0".into(),
        stack: "shop".into(),
        environment: environment.into(),
        config_digest: "3f2a9c0d1e7b44aa9b1c2d3e4f5a6b7c".into(),
        variables_digest: "0d1e7b44aa9b".into(),
        lineage: Some("5b0c7a2e-1f3d-4c5b-8a9e-0f1e2d3c4b5a".into()),
        serial: 7,
        destroy: false,
        changes,
        outputs,
        created_at: "1787397542".into(),
        targets: Vec::new(),
        warnings: Vec::new(),
        waiting: Vec::new(),
        standby: None,
        refresh: None,
    }
}

/// A first apply: a resource group, a VNet, a subnet, a storage account whose key is
/// sensitive and whose endpoint is known only after apply.
pub fn create_plan() -> Plan {
    let rg = change(
        ResourceAddr::module("rg", "group", None),
        rg_id(),
        Action::Create,
        vec![
            prop("location", Shown::Absent, known(json!("westeurope"))),
            prop("tags.env", Shown::Absent, known(json!("dev"))),
        ],
    );
    let vnet = change(
        ResourceAddr::module("network", "vnet", None),
        vnet_id(),
        Action::Create,
        vec![
            prop("location", Shown::Absent, known(json!("westeurope"))),
            prop(
                "properties.addressSpace.addressPrefixes",
                Shown::Absent,
                known(json!(["10.10.0.0/16"])),
            ),
        ],
    );
    let subnet = change(
        ResourceAddr::module("network", "subnet", Some("app")),
        vnet_id().child("subnets", "app"),
        Action::Create,
        vec![prop(
            "properties.addressPrefix",
            Shown::Absent,
            known(json!("10.10.1.0/24")),
        )],
    );
    let storage = change(
        ResourceAddr::module("storage", "account", None),
        ArmId::provider_resource(&rg_id(), "Microsoft.Storage/storageAccounts", "stshopdev"),
        Action::Create,
        vec![
            prop("kind", Shown::Absent, known(json!("StorageV2"))),
            prop("location", Shown::Absent, known(json!("westeurope"))),
            prop("properties.customDomain.name", Shown::Absent, Shown::Unknown),
            prop(
                "properties.encryption.keyVaultProperties.keyName",
                Shown::Absent,
                Shown::Sensitive,
            ),
            prop("sku.name", Shown::Absent, known(json!("Standard_LRS"))),
        ],
    );
    let outputs = vec![
        OutputChange {
            name: "vnet_id".into(),
            action: Action::Create,
            before: Shown::Absent,
            after: known(json!(vnet_id().as_str())),
        },
        OutputChange {
            name: "storage_key".into(),
            action: Action::Create,
            before: Shown::Absent,
            after: Shown::Sensitive,
        },
        OutputChange {
            name: "blob_endpoint".into(),
            action: Action::Create,
            before: Shown::Absent,
            after: Shown::Unknown,
        },
    ];
    plan("dev", vec![rg, vnet, subnet, storage], outputs)
}

/// Tags and address space changed in place; the VNet drifted.
pub fn update_plan() -> Plan {
    let mut vnet = change(
        ResourceAddr::module("network", "vnet", None),
        vnet_id(),
        Action::Update,
        vec![
            prop(
                "properties.addressSpace.addressPrefixes",
                known(json!(["10.10.0.0/16"])),
                known(json!(["10.10.0.0/16", "10.11.0.0/16"])),
            ),
            prop("tags.owner", Shown::Absent, known(json!("platform"))),
            prop("tags.costCenter", known(json!("1234")), Shown::Absent),
        ],
    );
    vnet.drifted = true;
    vnet.reasons.push("changed outside strata".into());
    let rg = change(
        ResourceAddr::module("rg", "group", None),
        rg_id(),
        Action::NoOp,
        vec![],
    );
    plan("staging", vec![rg, vnet], vec![])
}

/// A subnet whose prefix cannot change in place.
pub fn replace_plan() -> Plan {
    let mut subnet = change(
        ResourceAddr::module("network", "subnet", Some("app")),
        vnet_id().child("subnets", "app"),
        Action::Replace,
        vec![PropertyChange {
            path: "properties.addressPrefix".into(),
            before: known(json!("10.10.1.0/24")),
            after: known(json!("10.10.9.0/24")),
            forces_replacement: true,
        }],
    );
    subnet
        .reasons
        .push("`properties.addressPrefix` cannot be changed in place".into());
    plan("prod", vec![subnet], vec![])
}

/// A resource removed from the configuration, and an output with it.
pub fn destroy_plan() -> Plan {
    let old = change(
        ResourceAddr::resource("legacy_ip"),
        ArmId::provider_resource(&rg_id(), "Microsoft.Network/publicIPAddresses", "pip-legacy"),
        Action::Delete,
        vec![],
    );
    let outputs = vec![OutputChange {
        name: "legacy_ip".into(),
        action: Action::Delete,
        before: known(json!("20.1.2.3")),
        after: Shown::Absent,
    }];
    plan("prod", vec![old], outputs)
}
pub mod review;
