use serde_json::json;
use strata_core::{Deferred, PathStep};

use super::*;
use crate::test_support::*;

fn base() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("stshopdev")),
        (
            "containers",
            Value::object([
                ("assets", Value::object([("access", s("blob"))])),
                ("uploads", Value::object::<&str>([])),
            ]),
        ),
    ]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    StorageModule.expand(&ctx("storage", profile), &inputs(pairs))
}

#[test]
fn expansion_shape_and_secure_defaults() {
    let e = expand("dev", base()).unwrap();
    assert_eq!(
        addrs(&e),
        [
            "module.storage.account",
            "module.storage.blob_service",
            "module.storage.container[\"assets\"]",
            "module.storage.container[\"uploads\"]",
        ]
    );
    let account = find(&e, "module.storage.account");
    assert_eq!(
        account.id.as_str(),
        format!(
            "/subscriptions/{SUB}/resourceGroups/rg-shop-dev/providers/Microsoft.Storage/storageAccounts/stshopdev"
        )
    );
    assert_eq!(account.layer, Layer::Data);
    assert_eq!(
        account.body.to_json().unwrap(),
        json!({
            "location": "westeurope",
            "sku": {"name": "Standard_LRS"},
            "kind": "StorageV2",
            "properties": {
                "supportsHttpsTrafficOnly": true,
                "minimumTlsVersion": "TLS1_2",
                "allowBlobPublicAccess": true,
                "allowCrossTenantReplication": false,
                "accessTier": "Hot",
            }
        })
    );
    assert_eq!(account.read_actions[0].name, "listKeys");
    assert!(account.force_new.contains(&vec![PathStep::Key("kind".into())]));
    let service = find(&e, "module.storage.blob_service");
    assert!(
        service
            .id
            .as_str()
            .ends_with("/storageAccounts/stshopdev/blobServices/default")
    );
    assert_eq!(
        service.body.to_json().unwrap(),
        json!({"properties": {
            "isVersioningEnabled": true,
            "deleteRetentionPolicy": {"enabled": true, "days": 7},
            "containerDeleteRetentionPolicy": {"enabled": true, "days": 7},
        }})
    );
    assert_eq!(
        at(
            find(&e, "module.storage.container[\"assets\"]"),
            "properties.publicAccess"
        ),
        "Blob"
    );
    assert_eq!(
        at(
            find(&e, "module.storage.container[\"uploads\"]"),
            "properties.publicAccess"
        ),
        "None"
    );
    outputs_match(&StorageModule, &e);
}

#[test]
fn no_public_access_unless_a_container_asks() {
    let mut pairs = base();
    pairs[2] = (
        "containers",
        Value::object([("private", Value::object::<&str>([]))]),
    );
    let e = expand("dev", pairs).unwrap();
    assert_eq!(
        at(
            find(&e, "module.storage.account"),
            "properties.allowBlobPublicAccess"
        ),
        false
    );
}

#[test]
fn keys_and_connection_strings_are_sensitive_and_known_after_apply() {
    let e = expand("dev", base()).unwrap();
    for name in [
        "primary_access_key",
        "primary_connection_string",
        "secondary_connection_string",
    ] {
        let v = &e.outputs[name];
        assert!(v.is_sensitive() && v.is_unknown(), "{name}");
    }
    let Value::Sensitive(inner) = &e.outputs["primary_connection_string"] else {
        panic!()
    };
    let Value::Unknown(d) = &**inner else { panic!() };
    let Deferred::Template { parts } = &**d else {
        panic!()
    };
    assert_eq!(
        parts[0],
        s("DefaultEndpointsProtocol=https;AccountName=stshopdev;AccountKey=")
    );
    let mut attrs = Vec::new();
    e.outputs["primary_access_key"].deferred_attrs(&mut attrs);
    assert_eq!(
        strata_core::path_to_string(&attrs[0].1),
        "$action:listKeys.keys[0].value"
    );
    assert!(e.outputs["primary_blob_endpoint"].is_unknown());
    assert!(!e.outputs["primary_blob_endpoint"].is_sensitive());
}

#[test]
fn profiles_choose_replication_and_retention_and_inputs_override() {
    let sku = |profile, extra: Vec<(&'static str, Value)>| {
        let mut pairs = base();
        pairs.extend(extra);
        let e = expand(profile, pairs).unwrap();
        let acc = find(&e, "module.storage.account");
        let days = at(
            find(&e, "module.storage.blob_service"),
            "properties.deleteRetentionPolicy.days",
        );
        (at(acc, "sku.name"), days)
    };
    assert_eq!(sku("dev", vec![]), (json!("Standard_LRS"), json!(7)));
    assert_eq!(sku("staging", vec![]), (json!("Standard_GZRS"), json!(14)));
    assert_eq!(sku("prod", vec![]), (json!("Standard_RAGZRS"), json!(30)));
    assert_eq!(
        sku(
            "prod",
            vec![
                ("replication", s("standard_zrs")),
                ("soft_delete_days", Value::from(3))
            ]
        ),
        (json!("Standard_ZRS"), json!(3))
    );
}

#[test]
fn firewall_rules_when_asked() {
    let mut pairs = base();
    pairs.push(("network_default_action", s("Deny")));
    pairs.push(("allowed_ip_ranges", list(&["203.0.113.0/24"])));
    let e = expand("dev", pairs).unwrap();
    assert_eq!(
        at(find(&e, "module.storage.account"), "properties.networkAcls"),
        json!({"bypass": "AzureServices", "defaultAction": "Deny", "virtualNetworkRules": [],
               "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}]})
    );
}

#[test]
fn a_name_with_capitals_fails_with_path_and_hint() {
    let mut pairs = base();
    pairs[1] = ("name", s("StShopDev"));
    let (path, msg, hint) = one_error(expand("dev", pairs));
    assert_eq!(path, "name");
    assert!(msg.contains("lowercase letters and digits"), "{msg}");
    assert!(hint.contains("`stshopdev`"), "{hint}");
}

#[test]
fn every_bad_input_is_reported_with_its_path() {
    let errs = errors(expand(
        "dev",
        vec![
            ("resource_group", s("rg")),
            ("name", s("st")),
            ("kind", s("Blob")),
            ("replication", s("Standard_XYZ")),
            ("soft_delete_days", Value::from(400)),
            (
                "containers",
                Value::object([
                    ("Bad_Name", Value::object::<&str>([])),
                    (
                        "okay",
                        Value::object([("access", s("public")), ("acess", s("x"))]),
                    ),
                ]),
            ),
            ("network_default_action", s("Block")),
        ],
    ));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "name",
            "kind",
            "replication",
            "soft_delete_days",
            "network_default_action",
            "containers.Bad_Name",
            "containers.okay.acess",
            "containers.okay.access",
        ],
        "{errs:#?}"
    );
    assert!(errs.iter().all(|(_, _, hint)| !hint.is_empty()), "{errs:#?}");
    let (_, _, hint) = &errs[2];
    assert!(hint.contains("Standard_LRS"), "{hint}");
}

#[test]
fn premium_kinds_need_premium_skus() {
    let mut pairs = base();
    pairs.push(("kind", s("BlockBlobStorage")));
    let (path, msg, _) = one_error(expand("dev", pairs));
    assert_eq!(path, "replication");
    assert!(msg.contains("needs a Premium sku"), "{msg}");
}

#[test]
fn unknown_names_are_refused_but_unknown_tags_pass() {
    let mut pairs = base();
    pairs[1] = ("name", unknown("name"));
    let (path, msg, _) = one_error(expand("dev", pairs));
    assert_eq!(path, "name");
    assert!(msg.contains("plan time"));
    let mut pairs = base();
    pairs.push(("tags", Value::object([("owner", unknown("x"))])));
    assert!(expand("dev", pairs).is_ok());
}

#[test]
fn prod_protects_the_account_from_destroy_and_nothing_is_soft_deleted() {
    for (profile, protected) in [("dev", false), ("staging", false), ("prod", true)] {
        let e = expand(profile, base()).unwrap();
        for r in &e.resources {
            let want = protected && r.addr.name == "account";
            assert_eq!(r.lifecycle.prevent_destroy, want, "{profile}: {}", r.addr);
            assert_eq!(r.soft_delete, None, "{}", r.addr);
        }
    }
}

#[test]
fn disaster_recovery_keeps_a_geo_copy_by_default_and_refuses_none() {
    let inputs = inputs(base());
    let dev = with_recovery(ctx("storage", "dev"));
    let e = StorageModule.expand(&dev, &inputs).unwrap();
    assert_eq!(
        at(find(&e, "module.storage.account"), "sku.name"),
        json!("Standard_GZRS")
    );
    let prod = with_recovery(ctx("storage", "prod"));
    let e = StorageModule.expand(&prod, &inputs).unwrap();
    assert_eq!(
        at(find(&e, "module.storage.account"), "sku.name"),
        json!("Standard_RAGZRS")
    );
    let mut lrs = inputs.clone();
    lrs.insert("replication".into(), s("Standard_LRS"));
    let errs = StorageModule.expand(&dev, &lrs).unwrap_err();
    assert!(
        errs[0].message.contains("keeps no copy outside westeurope"),
        "{errs:?}"
    );
    // Without recovery declared, the dev profile stays locally redundant.
    let e = StorageModule.expand(&ctx("storage", "dev"), &inputs).unwrap();
    assert_eq!(
        at(find(&e, "module.storage.account"), "sku.name"),
        json!("Standard_LRS")
    );
}

#[test]
fn the_standby_creates_nothing_and_answers_with_the_primarys_outputs() {
    let primary = with_recovery(ctx("storage", "prod"));
    let peer = PeerParts::expanded(&StorageModule, &primary, inputs(base()));
    let primary_outputs = peer.outputs.clone();
    let standby_ctx = standby_estate(ctx("storage", "prod"), Some(peer));
    // The standby's own inputs would name another account; it still creates none.
    let mut own = inputs(base());
    own.insert("name".into(), s("stshopproddr"));
    let e = StorageModule.expand(&standby_ctx, &own).unwrap();
    assert!(e.resources.is_empty(), "{:?}", addrs(&e));
    assert_eq!(e.outputs, primary_outputs);
    assert!(
        e.outputs["account_id"]
            .as_str()
            .unwrap()
            .ends_with("/storageAccounts/stshopdev")
    );
    outputs_match(&StorageModule, &e);
}

#[test]
fn a_standby_without_its_primary_is_an_error() {
    let standby_ctx = standby_estate(ctx("storage", "prod"), None);
    let (path, message, _) = one_error(StorageModule.expand(&standby_ctx, &inputs(base())));
    assert_eq!(path, "name");
    assert!(message.contains("standby estate `prod-dr`"), "{message}");
    assert!(message.contains("primary's evaluation"), "{message}");
}
