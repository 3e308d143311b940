//! Tests over the committed artefact: the index, lookups and body validation against real
//! published schemas.

#![allow(clippy::unwrap_used)]

use std::time::Instant;

use serde_json::json;
use strata_azure::{Catalogue, Node, Severity, Violation, ViolationKind};

fn cat() -> &'static Catalogue {
    Catalogue::global().unwrap()
}

fn errors(v: &[Violation]) -> Vec<&Violation> {
    v.iter().filter(|x| x.severity == Severity::Error).collect()
}

fn validate(ty: &str, ver: &str, body: serde_json::Value) -> Vec<Violation> {
    let s = cat()
        .schema(ty, ver)
        .unwrap()
        .unwrap_or_else(|| panic!("no schema for {ty}@{ver}"));
    s.validate(&body)
}

#[test]
fn index_holds_the_types_and_versions_strata_uses() {
    let c = cat();
    assert!(
        c.resource_types().count() > 3000,
        "every published type is indexed"
    );
    let vnet = c.api_versions("Microsoft.Network/virtualNetworks");
    assert!(vnet.iter().any(|v| v == "2024-07-01"));
    assert!(
        vnet.iter().any(|v| v.as_str() > "2024-07-01"),
        "newer versions too"
    );
    assert!(
        vnet.iter().any(|v| v.ends_with("-preview")),
        "previews are indexed"
    );
    assert!(
        c.has_version("microsoft.keyvault/VAULTS", "2024-11-01"),
        "lookup is case-insensitive"
    );
    assert!(c.has_version("Microsoft.Storage/storageAccounts", "2025-01-01"));
    assert!(!c.has_version("Microsoft.Storage/storageAccounts", "2025-01-02"));
    assert!(
        c.has_version("Microsoft.Network/virtualNetworks/subnets", "2024-07-01"),
        "child types"
    );
    // Sorted oldest first, stable after the preview of the same date.
    let mut sorted = vnet.to_vec();
    sorted.sort_by(|a, b| strata_azure::version::compare(a, b));
    assert_eq!(sorted, vnet);
    // Case preserved as published.
    assert_eq!(
        c.resource_type("microsoft.network/virtualnetworks").unwrap().name,
        "Microsoft.Network/virtualNetworks"
    );
    assert!(c.api_versions("Microsoft.Nothing/here").is_empty());
}

#[test]
fn latest_stable_and_nearest_versions() {
    let c = cat();
    let latest = c.latest_stable("Microsoft.KeyVault/vaults").unwrap();
    assert!(strata_azure::version::is_stable(latest));
    assert!(latest >= "2024-11-01");
    assert_eq!(
        c.api_versions("Microsoft.KeyVault/vaults")
            .iter()
            .rev()
            .find(|v| strata_azure::version::is_stable(v))
            .unwrap(),
        latest
    );
    let near = c.nearest_versions("Microsoft.KeyVault/vaults", "2024-11-02");
    assert_eq!(near.first().copied(), Some("2024-11-01"));
    assert!(near.len() <= 3 && near.len() >= 2);
    assert!(
        c.nearest_versions("Microsoft.Nothing/here", "2024-01-01")
            .is_empty()
    );
    assert!(c.latest_stable("Microsoft.Nothing/here").is_none());
}

#[test]
fn resource_functions_and_scopes_are_indexed() {
    let c = cat();
    let sa = c.resource_type("Microsoft.Storage/storageAccounts").unwrap();
    let v = sa.version("2025-01-01").unwrap();
    assert!(v.functions.iter().any(|f| f == "listKeys"), "{:?}", v.functions);
    assert_eq!(v.writable_scopes & 8, 8, "written in a resource group");
    let s = c
        .schema("Microsoft.Storage/storageAccounts", "2025-01-01")
        .unwrap()
        .unwrap();
    assert!(s.functions.iter().any(|f| f.name == "listKeys"));
}

#[test]
fn every_published_version_of_a_modelled_type_has_a_schema() {
    let c = cat();
    let types: Vec<&str> = c.types_with_schemas().collect();
    assert!(types.contains(&"microsoft.network/virtualnetworks"));
    for t in types {
        for v in c.api_versions(t) {
            let s = c.schema(t, v).unwrap();
            assert!(s.is_some(), "{t}@{v}");
        }
    }
    assert!(
        c.schema("Microsoft.Network/virtualNetworks", "1999-01-01")
            .unwrap()
            .is_none()
    );
    assert!(
        c.schema("Microsoft.Nothing/here", "2024-01-01")
            .unwrap()
            .is_none()
    );
}

#[test]
fn accepts_the_bodies_strata_modules_write() {
    let vnet = validate(
        "Microsoft.Network/virtualNetworks",
        "2024-07-01",
        json!({"location": "westeurope", "tags": {"env": "dev"},
               "properties": {"addressSpace": {"addressPrefixes": ["10.10.0.0/16"]}}}),
    );
    assert!(vnet.is_empty(), "{vnet:?}");
    let subnet = validate(
        "Microsoft.Network/virtualNetworks/subnets",
        "2024-07-01",
        json!({"properties": {"addressPrefix": "10.10.1.0/24",
            "networkSecurityGroup": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n"},
            "delegations": [{"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]}}),
    );
    assert!(subnet.is_empty(), "{subnet:?}");
    let storage = validate(
        "Microsoft.Storage/storageAccounts",
        "2025-01-01",
        json!({"location": "westeurope", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2",
               "properties": {"supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2",
                              "allowBlobPublicAccess": true, "allowCrossTenantReplication": false,
                              "accessTier": "Hot"}}),
    );
    assert!(storage.is_empty(), "{storage:?}");
    let vault = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"location": "westeurope", "properties": {
            "tenantId": "00000000-0000-0000-0000-000000000000",
            "sku": {"family": "A", "name": "standard"},
            "enableRbacAuthorization": true, "softDeleteRetentionInDays": 7,
            "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow", "virtualNetworkRules": [], "ipRules": []}}}),
    );
    assert!(vault.is_empty(), "{vault:?}");
    // Identity fields carried by the URL are tolerated in the body.
    let with_ids = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
               "name": "kv", "type": "Microsoft.KeyVault/vaults", "location": "westeurope",
               "properties": {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "standard"}}}),
    );
    assert!(with_ids.is_empty(), "{with_ids:?}");
    // Null means not set: the modules' markers for secret attributes Azure fills in.
    let insights = validate(
        "Microsoft.Insights/components",
        "2020-02-02",
        json!({"location": "westeurope", "kind": "web", "properties": {
            "Application_Type": "web", "IngestionMode": "LogAnalytics",
            "WorkspaceResourceId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w",
            "ConnectionString": null, "InstrumentationKey": null}}),
    );
    assert!(insights.is_empty(), "{insights:?}");
    let v = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"location": null, "properties": {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "standard"}}}),
    );
    assert!(
        matches!(&v[..], [x] if x.kind == ViolationKind::MissingRequired { name: "location".into() }),
        "{v:?}"
    );
}

#[test]
fn unknown_property_with_did_you_mean() {
    let v = validate(
        "Microsoft.Network/virtualNetworks",
        "2024-07-01",
        json!({"location": "westeurope", "properties": {"adressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}),
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].path, "properties.adressSpace");
    assert_eq!(v[0].severity, Severity::Error);
    assert_eq!(
        v[0].kind,
        ViolationKind::UnknownProperty {
            name: "adressSpace".into(),
            suggestion: Some("addressSpace".into())
        }
    );
    assert!(
        v[0].to_string().contains("did you mean `addressSpace`"),
        "{}",
        v[0]
    );
    // At depth, inside an array item.
    let v = validate(
        "Microsoft.Network/virtualNetworks",
        "2024-07-01",
        json!({"location": "westeurope", "properties": {"subnets": [{"name": "a", "properties": {"adressPrefix": "10.0.0.0/24"}}]}}),
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].path, "properties.subnets[0].properties.adressPrefix");
    assert!(
        matches!(&v[0].kind, ViolationKind::UnknownProperty { suggestion: Some(s), .. } if s == "addressPrefix")
    );
}

#[test]
fn read_only_property() {
    let v = validate(
        "Microsoft.Network/virtualNetworks",
        "2024-07-01",
        json!({"location": "westeurope", "etag": "W/\"x\"", "properties": {"provisioningState": "Succeeded"}}),
    );
    let paths: Vec<_> = v
        .iter()
        .filter(|x| matches!(x.kind, ViolationKind::ReadOnly { .. }))
        .map(|x| x.path.as_str())
        .collect();
    assert_eq!(paths, ["etag", "properties.provisioningState"], "{v:?}");
}

#[test]
fn enum_violation_and_case_only_warning() {
    // Storage SKU names are an open enum in the published types: an unknown value is a
    // warning naming the published ones.
    let v = validate(
        "Microsoft.Storage/storageAccounts",
        "2025-01-01",
        json!({"location": "westeurope", "sku": {"name": "Standard_XXX"}, "kind": "StorageV2"}),
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].path, "sku.name");
    match &v[0].kind {
        ViolationKind::NotInEnum { value, allowed, open } => {
            assert_eq!(value, "Standard_XXX");
            assert!(allowed.iter().any(|a| a == "Standard_LRS"));
            assert!(*open);
        }
        other => panic!("{other:?}"),
    }
    let v = validate(
        "Microsoft.Storage/storageAccounts",
        "2025-01-01",
        json!({"location": "westeurope", "sku": {"name": "standard_lrs"}, "kind": "StorageV2"}),
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].severity, Severity::Warning);
    assert_eq!(
        v[0].kind,
        ViolationKind::EnumCase {
            value: "standard_lrs".into(),
            expected: "Standard_LRS".into()
        }
    );
    // A closed enum (vault SKU name: standard or premium) is an error.
    let v = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"location": "westeurope", "properties": {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "gold"}}}),
    );
    let e = errors(&v);
    assert_eq!(e.len(), 1, "{v:?}");
    assert_eq!(e[0].path, "properties.sku.name");
    assert!(matches!(&e[0].kind, ViolationKind::NotInEnum { open: false, .. }));
}

#[test]
fn wrong_type_and_missing_required() {
    let v = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"location": "westeurope", "properties": {"tenantId": "00000000-0000-0000-0000-000000000000",
               "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": "yes", "softDeleteRetentionInDays": "7"}}),
    );
    let kinds: Vec<_> = v.iter().map(|x| (x.path.as_str(), &x.kind)).collect();
    assert_eq!(kinds.len(), 2, "{v:?}");
    assert!(kinds.contains(&(
        "properties.enableRbacAuthorization",
        &ViolationKind::WrongType {
            expected: "a boolean",
            found: "a string"
        }
    )));
    assert!(kinds.contains(&(
        "properties.softDeleteRetentionInDays",
        &ViolationKind::WrongType {
            expected: "an integer",
            found: "a string"
        }
    )));
    let v = validate(
        "Microsoft.KeyVault/vaults",
        "2024-11-01",
        json!({"properties": {"sku": {"family": "A", "name": "standard"}}}),
    );
    let mut missing: Vec<_> = v
        .iter()
        .filter_map(|x| match &x.kind {
            ViolationKind::MissingRequired { name } => Some((x.path.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    missing.sort();
    assert_eq!(missing, [("", "location"), ("properties", "tenantId")], "{v:?}");
}

#[test]
fn schema_model_reads_structure() {
    let s = cat()
        .schema("Microsoft.Network/virtualNetworks", "2024-07-01")
        .unwrap()
        .unwrap();
    assert_eq!(s.resource_type, "Microsoft.Network/virtualNetworks");
    let p = s
        .property(&["properties", "addressSpace", "addressPrefixes"])
        .unwrap();
    assert!(matches!(s.node(p.ty), Some(Node::Array { .. })));
    assert!(
        s.property(&["properties", "provisioningState"])
            .unwrap()
            .flags
            .read_only()
    );
    assert!(s.property(&["name"]).unwrap().flags.deploy_time_constant());
}

/// Measures the artefact and load times (printed; run with `--nocapture`). No assertions on time.
#[test]
fn measure_size_and_load_times() {
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let mut total = 0u64;
    let mut stack = vec![std::path::PathBuf::from(data)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                total += p.metadata().unwrap().len();
            }
        }
    }
    let t = Instant::now();
    let c = Catalogue::embedded().unwrap();
    let index = t.elapsed();
    let t = Instant::now();
    let _ = c
        .schema("Microsoft.Network/virtualNetworks", "2024-07-01")
        .unwrap()
        .unwrap();
    let vnet = t.elapsed();
    let t = Instant::now();
    let _ = c
        .schema("Microsoft.KeyVault/vaults", "2024-11-01")
        .unwrap()
        .unwrap();
    let vault = t.elapsed();
    let t = Instant::now();
    let _ = c
        .schema("Microsoft.Network/virtualNetworks", "2024-05-01")
        .unwrap()
        .unwrap();
    let cached = t.elapsed();
    println!(
        "artefact {total} bytes; index ({} types) loaded in {index:?}; first virtualNetworks schema (decompresses all its versions) in {vnet:?}; first vaults schema in {vault:?}; cached lookup {cached:?}",
        c.resource_types().count()
    );
}

#[test]
fn discriminated_objects_pick_their_variant() {
    let body = |kind: &str, extra: serde_json::Value| {
        let mut params = json!({"type": kind,
            "wafPolicy": {"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/w"},
            "associations": [{"domains": [{"id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Cdn/profiles/p/afdEndpoints/e"}],
                              "patternsToMatch": ["/*"]}]});
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        json!({"properties": {"parameters": params}})
    };
    let ty = "Microsoft.Cdn/profiles/securityPolicies";
    let ok = validate(ty, "2024-09-01", body("WebApplicationFirewall", json!({})));
    assert!(ok.is_empty(), "{ok:?}");
    // A property of the variant, misspelt, is caught at its path.
    let v = validate(
        ty,
        "2024-09-01",
        body("WebApplicationFirewall", json!({"wafPolicyy": {}})),
    );
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].path, "properties.parameters.wafPolicyy");
    assert!(
        matches!(&v[0].kind, ViolationKind::UnknownProperty { suggestion: Some(s), .. } if s == "wafPolicy")
    );
    // A discriminator value no variant has.
    let v = validate(ty, "2024-09-01", body("Firewall", json!({})));
    assert!(
        v.iter().any(|x| x.path == "properties.parameters"
            && matches!(&x.kind, ViolationKind::UnknownVariant { allowed, .. } if allowed.iter().any(|a| a == "WebApplicationFirewall"))),
        "{v:?}"
    );
    // Case only: a warning, and the variant is still checked.
    let v = validate(ty, "2024-09-01", body("webapplicationfirewall", json!({})));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].severity, Severity::Warning);
    assert_eq!(v[0].path, "properties.parameters.type");
}

#[test]
fn versions_publishing_a_property() {
    let c = cat();
    let v = c
        .versions_with_property("Microsoft.Web/sites", &["properties", "vnetRouteAllEnabled"])
        .unwrap();
    assert!(v.iter().any(|v| v == "2024-04-01"), "{v:?}");
    assert!(
        !v.iter().any(|v| v == "2024-11-01"),
        "removed from the published type in 2024-11-01: {v:?}"
    );
    assert!(
        c.versions_with_property("Microsoft.Nothing/here", &["x"])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn versions_released_after_the_catalogue_use_the_newest_schema() {
    let c = cat();
    let date = Catalogue::snapshot_date().expect("the provenance records the snapshot date");
    assert_eq!(date.len(), 10);
    assert!(date.starts_with("20"), "{date}");
    let vnets = "Microsoft.Network/virtualNetworks";
    let newest = c.api_versions(vnets).last().unwrap().clone();
    let year: i32 = newest[..4].parse().unwrap();
    let later = format!("{}-01-01", year + 1);
    assert!(c.is_newer_than_published(vnets, &later));
    assert!(!c.is_newer_than_published(vnets, &newest));
    assert!(!c.is_newer_than_published(vnets, "2019-01-01"));
    assert!(!c.is_newer_than_published("Contoso.Things/widgets", &later));
    // A later version is checked against the newest stable schema; an older unpublished one
    // has none.
    let served = c.schema_for(vnets, &later).unwrap().expect("a schema");
    assert_eq!(Some(served.api_version.as_str()), c.latest_stable(vnets));
    assert!(c.schema_for(vnets, "2019-01-02").unwrap().is_none());
    let exact = c.schema_for(vnets, "2024-07-01").unwrap().unwrap();
    assert_eq!(exact.api_version, "2024-07-01");
}

#[test]
fn prune_drops_what_arm_ignores() {
    let schema = cat()
        .schema("Microsoft.Network/virtualNetworks", "2024-07-01")
        .unwrap()
        .unwrap();
    let mut body = json!({
        "location": "westeurope",
        "etag": "W/\"x\"",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"], "madeUp": 1},
            "provisioningState": "Succeeded",
            "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.0.0/24", "bogus": true}}],
            "flowTimeoutInMinutes": 10
        }
    });
    let found = schema.prune(&mut body);
    assert!(
        found.iter().any(|v| v.path == "properties.addressSpace.madeUp"),
        "{found:?}"
    );
    assert_eq!(
        body,
        json!({
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "a", "properties": {"addressPrefix": "10.0.0.0/24"}}],
                "flowTimeoutInMinutes": 10
            }
        })
    );
    assert!(schema.validate(&body).is_empty(), "{:?}", schema.validate(&body));
}
