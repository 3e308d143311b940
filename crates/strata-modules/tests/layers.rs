//! The built-in modules through the registry, one layer feeding the next.

use std::collections::BTreeMap;

use strata_core::{Layer, ModuleContext, ModuleRegistry, Value};

fn ctx(label: &'static str) -> ModuleContext<'static> {
    ModuleContext {
        label,
        subscription_id: "00000000-0000-0000-0000-000000000001",
        location: "westeurope",
        environment: "prod",
        profile: "prod",
    }
}

#[test]
fn resource_group_outputs_feed_networking() {
    let registry = strata_modules::builtin_registry();
    let rg = registry.get("resource_group").unwrap();
    let rg_out = rg
        .expand(
            &ctx("rg"),
            &BTreeMap::from([("name".to_string(), Value::from("rg-shop-prod"))]),
        )
        .unwrap();

    let network = registry.get("networking").unwrap();
    let subnets = Value::object(["app", "data", "mgmt"].iter().enumerate().map(|(i, name)| {
        (
            *name,
            Value::object([("address_prefix", Value::from(format!("10.30.{}.0/24", i + 1)))]),
        )
    }));
    let inputs = BTreeMap::from([
        ("resource_group".to_string(), rg_out.outputs["name"].clone()),
        ("location".to_string(), rg_out.outputs["location"].clone()),
        ("name".to_string(), Value::from("vnet-shop-prod")),
        (
            "address_space".to_string(),
            Value::List(vec![Value::from("10.30.0.0/16")]),
        ),
        ("subnets".to_string(), subnets),
    ]);
    let net = network.expand(&ctx("network"), &inputs).unwrap();

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
    // Every declared output is produced, and nothing else.
    for (module, out) in [(rg, &rg_out), (network, &net)] {
        let declared: Vec<&str> = module.outputs().iter().map(|o| o.name).collect();
        let mut produced: Vec<&str> = out.outputs.keys().map(String::as_str).collect();
        let mut sorted = declared.clone();
        sorted.sort_unstable();
        produced.sort_unstable();
        assert_eq!(produced, sorted, "{}", module.source());
    }
}
