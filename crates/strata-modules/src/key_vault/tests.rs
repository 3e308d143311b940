use serde_json::json;

use super::*;
use crate::test_support::*;

fn base() -> Vec<(&'static str, Value)> {
    vec![
        ("resource_group", s("rg-shop-dev")),
        ("name", s("kv-shop-dev")),
        ("tenant_id", s(TENANT)),
    ]
}

fn expand(profile: &'static str, pairs: Vec<(&str, Value)>) -> Result<Expansion, Vec<InputError>> {
    KeyVaultModule.expand(&ctx("vault", profile), &inputs(pairs))
}

#[test]
fn a_dev_vault_with_rbac_and_short_retention() {
    let e = expand("dev", base()).unwrap();
    assert_eq!(addrs(&e), ["module.vault.vault"]);
    let v = find(&e, "module.vault.vault");
    assert_eq!(
        v.body.to_json().unwrap(),
        json!({
            "location": "westeurope",
            "properties": {
                "tenantId": TENANT,
                "sku": {"family": "A", "name": "standard"},
                "enableRbacAuthorization": true,
                "softDeleteRetentionInDays": 7,
                "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow", "virtualNetworkRules": [], "ipRules": []},
            }
        }),
        "purge protection is never sent as false"
    );
    assert!(e.outputs["vault_uri"].is_unknown());
    outputs_match(&KeyVaultModule, &e);
}

#[test]
fn prod_protects_and_locks_down_and_inputs_override() {
    let e = expand("prod", base()).unwrap();
    let v = find(&e, "module.vault.vault");
    assert_eq!(at(v, "properties.enablePurgeProtection"), true);
    assert_eq!(at(v, "properties.softDeleteRetentionInDays"), 90);
    assert_eq!(at(v, "properties.networkAcls.defaultAction"), "Deny");
    let mut pairs = base();
    pairs.push(("purge_protection", Value::from(false)));
    pairs.push(("soft_delete_retention_days", Value::from(30)));
    pairs.push((
        "allowed_subnet_ids",
        list(&[
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/app",
        ]),
    ));
    let e = expand("prod", pairs).unwrap();
    let v = find(&e, "module.vault.vault");
    assert_eq!(at(v, "properties.enablePurgeProtection"), serde_json::Value::Null);
    assert_eq!(at(v, "properties.softDeleteRetentionInDays"), 30);
    assert_eq!(
        at(v, "properties.networkAcls.virtualNetworkRules[0].id")
            .as_str()
            .map(|s| s.ends_with("/subnets/app")),
        Some(true)
    );
}

#[test]
fn secrets_from_other_modules_are_always_sensitive() {
    let conn = Value::attr(
        &ResourceAddr::module("storage", "account", None),
        "$action:listKeys.keys[0].value",
    );
    let mut pairs = base();
    pairs.push((
        "secrets",
        Value::object([("storage-connection", conn.clone()), ("plain", s("hello"))]),
    ));
    let e = expand("dev", pairs).unwrap();
    assert_eq!(
        addrs(&e),
        [
            "module.vault.vault",
            "module.vault.secret[\"plain\"]",
            "module.vault.secret[\"storage-connection\"]"
        ]
    );
    let plain = find(&e, "module.vault.secret[\"plain\"]");
    assert!(plain.id.as_str().ends_with("/vaults/kv-shop-dev/secrets/plain"));
    assert!(plain.body.is_sensitive());
    assert!(plain.force_new.is_empty());
    let sc = find(&e, "module.vault.secret[\"storage-connection\"]");
    assert_eq!(
        sc.body.sensitive_paths(),
        vec![strata_core::parse_path("properties.value")]
    );
    assert!(sc.body.is_unknown());
    assert!(e.outputs["secret_ids"].get("plain").is_some());
}

#[test]
fn bad_inputs_fail_with_path_and_hint() {
    let errs = errors(expand(
        "dev",
        vec![
            ("resource_group", s("rg")),
            ("name", s("1vault")),
            ("tenant_id", s("contoso.onmicrosoft.com")),
            ("sku", s("gold")),
            ("soft_delete_retention_days", Value::from(120)),
            ("network_default_action", s("Block")),
            ("secrets", Value::object([("bad_name", s("x"))])),
        ],
    ));
    let paths: Vec<&str> = errs.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "name",
            "tenant_id",
            "sku",
            "soft_delete_retention_days",
            "network_default_action",
            "secrets.bad_name"
        ],
        "{errs:#?}"
    );
    assert!(errs.iter().all(|(_, _, h)| !h.is_empty()), "{errs:#?}");
    let (_, msg, _) = &errs[0];
    assert!(msg.contains("must start with a letter"), "{msg}");
}

#[test]
fn purge_protection_must_be_known() {
    let mut pairs = base();
    pairs.push(("purge_protection", unknown("x")));
    let (path, msg, _) = one_error(expand("dev", pairs));
    assert_eq!(path, "purge_protection");
    assert!(msg.contains("plan time"));
}

#[test]
fn the_vault_says_how_azure_soft_deletes_it_and_prod_protects_it() {
    let e = expand("dev", base()).unwrap();
    let v = find(&e, "module.vault.vault");
    let sd = v.soft_delete.as_ref().unwrap();
    assert_eq!(
        sd.deleted_id.as_ref().unwrap().as_str(),
        format!(
            "/subscriptions/{SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-shop-dev"
        )
    );
    assert_eq!(sd.api_version, API_VERSION);
    assert_eq!(sd.recover, strata_core::Recover::CreateModeRecover);
    assert_eq!(sd.purge, strata_core::Purge::PostPurge);
    assert!(!sd.purge_protected, "dev has no purge protection");
    assert!(!v.lifecycle.prevent_destroy);

    let e = expand("prod", base()).unwrap();
    let v = find(&e, "module.vault.vault");
    assert!(v.soft_delete.as_ref().unwrap().purge_protected);
    assert!(v.lifecycle.prevent_destroy, "prod protects the vault");
    let mut pairs = base();
    pairs.push(("purge_protection", Value::from(false)));
    let e = expand("prod", pairs).unwrap();
    assert!(
        !find(&e, "module.vault.vault")
            .soft_delete
            .as_ref()
            .unwrap()
            .purge_protected
    );
}

#[test]
fn the_standby_runs_its_own_vault() {
    deploys_alike_in_the_standby(&KeyVaultModule, "vault", "prod", inputs(base()));
}
