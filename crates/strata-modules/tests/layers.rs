//! The built-in modules through the registry, one layer feeding the next.

use std::collections::BTreeMap;

use strata_core::{Layer, Module, ModuleContext, ModuleRegistry, Value};

fn ctx(label: &'static str) -> ModuleContext<'static> {
    ModuleContext {
        label,
        subscription_id: "00000000-0000-0000-0000-000000000001",
        location: "westeurope",
        environment: "prod",
        profile: "prod",
        disaster_recovery: None,
        estate: Default::default(),
    }
}

fn inputs(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// Every declared output is produced, and nothing else.
fn outputs_match(module: &dyn Module, out: &strata_core::Expansion) {
    let mut declared: Vec<&str> = module.outputs().iter().map(|o| o.name).collect();
    declared.sort_unstable();
    let produced: Vec<&str> = out.outputs.keys().map(String::as_str).collect();
    assert_eq!(produced, declared, "{}", module.source());
}

#[test]
fn resource_group_outputs_feed_networking() {
    let registry = strata_modules::builtin_registry();
    let rg = registry.get("resource_group").unwrap();
    let rg_out = rg
        .expand(&ctx("rg"), &inputs(vec![("name", Value::from("rg-shop-prod"))]))
        .unwrap();

    let network = registry.get("networking").unwrap();
    let subnets = Value::object(["app", "data", "mgmt"].iter().enumerate().map(|(i, name)| {
        (
            *name,
            Value::object([("address_prefix", Value::from(format!("10.30.{}.0/24", i + 1)))]),
        )
    }));
    let net = network
        .expand(
            &ctx("network"),
            &inputs(vec![
                ("resource_group", rg_out.outputs["name"].clone()),
                ("location", rg_out.outputs["location"].clone()),
                ("name", Value::from("vnet-shop-prod")),
                ("address_space", Value::List(vec![Value::from("10.30.0.0/16")])),
                ("subnets", subnets),
            ]),
        )
        .unwrap();

    let group = &rg_out.resources[0];
    assert_eq!(group.layer, Layer::ResourceGroups);
    assert!(
        net.resources
            .iter()
            .all(|r| r.id.is_within(&group.id) && r.layer > group.layer)
    );
    assert_eq!(net.resources.len(), 7);
    assert_eq!(rg.layer(), Layer::ResourceGroups);
    assert_eq!(network.layer(), Layer::Network);
    outputs_match(rg, &rg_out);
    outputs_match(network, &net);
}

/// The whole estate, each module taking the previous ones' outputs as the example does.
#[test]
fn the_estate_layers_feed_each_other() {
    let registry = strata_modules::builtin_registry();
    let run = |source: &str, label: &'static str, pairs: Vec<(&str, Value)>| {
        let m = registry.get(source).unwrap();
        let out = m
            .expand(&ctx(label), &inputs(pairs))
            .unwrap_or_else(|e| panic!("{source}: {e:#?}"));
        outputs_match(m, &out);
        (m.layer(), out)
    };
    let rg = Value::from("rg-shop-prod");
    let delegated = |prefix: &str, service: &str| {
        Value::object([
            ("address_prefix", Value::from(prefix)),
            ("delegation", Value::from(service)),
        ])
    };
    let (_, net) = run(
        "networking",
        "network",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("vnet-shop-prod")),
            ("address_space", Value::List(vec![Value::from("10.30.0.0/16")])),
            (
                "subnets",
                Value::object([
                    ("app", delegated("10.30.1.0/24", "Microsoft.Web/serverFarms")),
                    (
                        "data",
                        delegated("10.30.2.0/24", "Microsoft.DBforPostgreSQL/flexibleServers"),
                    ),
                ]),
            ),
        ],
    );
    let subnet = |name: &str| net.outputs["subnets"].get(name).cloned().unwrap();
    let (storage_layer, storage) = run(
        "storage",
        "storage",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("stshopprod")),
        ],
    );
    let (_, vault) = run(
        "key_vault",
        "vault",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("kv-shop-prod-weu")),
            ("tenant_id", Value::from("00000000-0000-0000-0000-000000000000")),
            (
                "secrets",
                Value::object([("storage", storage.outputs["primary_connection_string"].clone())]),
            ),
        ],
    );
    let secret = vault.resources.iter().find(|r| r.addr.name == "secret").unwrap();
    assert!(secret.body.is_sensitive() && secret.body.is_unknown());
    let (_, db) = run(
        "database",
        "database",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("psql-shop-prod")),
            ("subnet", subnet("data")),
            ("tenant_id", Value::from("00000000-0000-0000-0000-000000000000")),
        ],
    );
    let (compute_layer, app) = run(
        "compute",
        "app",
        vec![
            ("resource_group", rg.clone()),
            ("kind", Value::from("app_service")),
            ("name", Value::from("app-shop-prod")),
            ("subnet", subnet("app")),
        ],
    );
    let (edge_layer, edge) = run(
        "edge",
        "edge",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("shop-prod")),
            (
                "origins",
                Value::List(vec![app.outputs["default_hostname"].clone()]),
            ),
        ],
    );
    let (monitoring_layer, monitoring) = run(
        "monitoring",
        "monitoring",
        vec![
            ("resource_group", rg.clone()),
            ("name", Value::from("log-shop-prod")),
        ],
    );
    assert!(storage_layer < compute_layer && compute_layer < edge_layer && edge_layer < monitoring_layer);
    assert!(
        edge.resources.iter().any(|r| r.body.is_unknown()),
        "the origin waits for the app"
    );
    assert!(db.outputs["connection_string"].is_sensitive());
    let sink = monitoring.diagnostics.as_ref().unwrap();
    // Every resource of a supported type gets a setting from the registry.
    let all: Vec<_> = [&net, &storage, &vault, &db, &app, &edge, &monitoring]
        .iter()
        .flat_map(|e| e.resources.iter())
        .collect();
    // Every resource is written at the api-version strata-azure's table gives its module.
    let by_module = [
        ("networking", &net),
        ("storage", &storage),
        ("key_vault", &vault),
        ("database", &db),
        ("compute", &app),
        ("edge", &edge),
        ("monitoring", &monitoring),
    ];
    for (source, expansion) in by_module {
        for r in &expansion.resources {
            assert_eq!(
                strata_azure::api_versions::written(source, &r.resource_type()),
                Some(r.api_version.as_str()),
                "{source} writes {}",
                r.resource_type()
            );
        }
    }
    let settings = all
        .iter()
        .filter_map(|r| {
            let addr = strata_core::ResourceAddr::module("x", "diagnostics", Some(&r.addr.to_string()));
            registry.diagnostic_setting(addr, r, sink)
        })
        .inspect(|setting| {
            assert_eq!(
                strata_azure::api_versions::written("monitoring", &setting.resource_type()),
                Some(setting.api_version.as_str())
            );
        })
        .count();
    assert_eq!(
        settings, 13,
        "vnet, 2 NSGs, account, blob service, vault, DNS zone, server, plan, app, profile, workspace, insights"
    );
}
