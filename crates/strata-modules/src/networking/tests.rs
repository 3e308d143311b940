use strata_core::{Dependency, Layer, PathStep, ResourceAddr, Value, path_to_string};

use super::*;

const SUB: &str = "00000000-0000-0000-0000-000000000001";

fn ctx() -> ModuleContext<'static> {
    ModuleContext {
        label: "network",
        subscription_id: SUB,
        location: "westeurope",
        environment: "dev",
        profile: "dev",
        disaster_recovery: None,
        estate: Default::default(),
    }
}

fn s(v: &str) -> Value {
    Value::from(v)
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn unknown(path: &str) -> Value {
    Value::attr(&ResourceAddr::module("other", "thing", None), path)
}

fn rule(name: &str, priority: i64, direction: &str) -> Value {
    Value::object([
        ("name", s(name)),
        ("priority", Value::from(priority)),
        ("direction", s(direction)),
        ("access", s("Allow")),
        ("protocol", s("Tcp")),
        ("source_address_prefix", s("VirtualNetwork")),
        ("destination_address_prefix", s("*")),
        ("destination_port_range", s("443")),
    ])
}

fn with(base: &Value, field: &str, v: Value) -> Value {
    let mut o = base.as_object().unwrap().clone();
    o.insert(field.into(), v);
    Value::Object(o)
}

fn base_inputs() -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("resource_group".into(), s("rg-shop-dev")),
        ("name".into(), s("vnet-shop-dev")),
        ("address_space".into(), list(&["10.10.0.0/16"])),
        (
            "subnets".into(),
            Value::object([
                (
                    "app",
                    Value::object([
                        ("address_prefix", s("10.10.1.0/24")),
                        (
                            "nsg_rules",
                            Value::List(vec![rule("allow-https", 100, "Inbound")]),
                        ),
                        ("service_endpoints", list(&["Microsoft.Storage"])),
                        ("delegation", s("Microsoft.Web/serverFarms")),
                    ]),
                ),
                ("data", Value::object([("address_prefix", s("10.10.2.0/24"))])),
                ("mgmt", Value::object([("address_prefix", s("10.10.3.0/24"))])),
            ]),
        ),
    ])
}

fn expand(inputs: &BTreeMap<String, Value>) -> Result<Expansion, Vec<InputError>> {
    NetworkingModule.expand(&ctx(), inputs)
}

fn errors(inputs: &BTreeMap<String, Value>) -> Vec<(String, String, Option<String>)> {
    expand(inputs)
        .unwrap_err()
        .into_iter()
        .map(|e| (path_to_string(&e.path), e.message, e.hint))
        .collect()
}

/// The single error of an expansion, as (path, message, hint).
fn one_error(inputs: &BTreeMap<String, Value>) -> (String, String, String) {
    let errs = errors(inputs);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    let (p, m, h) = errs.into_iter().next().unwrap();
    (p, m, h.unwrap_or_default())
}

fn set_subnet(inputs: &mut BTreeMap<String, Value>, name: &str, field: &str, v: Value) {
    let subnets = inputs.get_mut("subnets").unwrap();
    let Value::Object(map) = subnets else { panic!() };
    let entry = map
        .entry(name.to_string())
        .or_insert_with(|| Value::object::<&str>([]));
    *entry = with(entry, field, v);
}

fn find<'a>(e: &'a Expansion, addr: &str) -> &'a DesiredResource {
    e.resources
        .iter()
        .find(|r| r.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no {addr}"))
}

#[test]
fn expansion_shape() {
    let e = expand(&base_inputs()).unwrap();
    let addrs: Vec<String> = e.resources.iter().map(|r| r.addr.to_string()).collect();
    assert_eq!(
        addrs,
        [
            "module.network.vnet",
            "module.network.nsg[\"app\"]",
            "module.network.subnet[\"app\"]",
            "module.network.nsg[\"data\"]",
            "module.network.subnet[\"data\"]",
            "module.network.nsg[\"mgmt\"]",
            "module.network.subnet[\"mgmt\"]",
        ]
    );
    assert!(
        e.resources
            .iter()
            .all(|r| r.layer == Layer::Network && r.api_version == "2024-07-01")
    );

    let rg = format!("/subscriptions/{SUB}/resourceGroups/rg-shop-dev/providers/Microsoft.Network");
    let vnet = find(&e, "module.network.vnet");
    assert_eq!(vnet.id.as_str(), format!("{rg}/virtualNetworks/vnet-shop-dev"));
    assert_eq!(
        vnet.body.to_json().unwrap(),
        serde_json::json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.10.0.0/16"]}}})
    );
    assert_eq!(
        vnet.preserve,
        vec![vec![
            PathStep::Key("properties".into()),
            PathStep::Key("subnets".into())
        ]]
    );
    assert_eq!(vnet.force_new, vec![vec![PathStep::Key("location".into())]]);

    let nsg = find(&e, "module.network.nsg[\"app\"]");
    assert_eq!(
        nsg.id.as_str(),
        format!("{rg}/networkSecurityGroups/nsg-vnet-shop-dev-app")
    );
    let rules = nsg.body.to_json().unwrap()["properties"]["securityRules"].clone();
    assert_eq!(
        rules[0],
        serde_json::json!({"name": "allow-https", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "443"}})
    );
    assert_eq!(rules[1]["name"], "deny-all-inbound");
    assert_eq!(rules[1]["properties"]["priority"], 4096);
    assert_eq!(rules[1]["properties"]["access"], "Deny");
    assert_eq!(rules[1]["properties"]["direction"], "Inbound");
    assert_eq!(rules[1]["properties"]["sourceAddressPrefix"], "*");

    // Subnets without rules still get the deny-all rule, and nothing else.
    for name in ["data", "mgmt"] {
        let nsg = find(&e, &format!("module.network.nsg[\"{name}\"]"));
        let rules = nsg.body.to_json().unwrap()["properties"]["securityRules"].clone();
        assert_eq!(rules.as_array().unwrap().len(), 1);
        assert_eq!(rules[0]["name"], "deny-all-inbound");
    }

    let subnet = find(&e, "module.network.subnet[\"app\"]");
    assert_eq!(
        subnet.id.as_str(),
        format!("{rg}/virtualNetworks/vnet-shop-dev/subnets/app")
    );
    assert_eq!(
        subnet.body.to_json().unwrap(),
        serde_json::json!({"properties": {
            "addressPrefix": "10.10.1.0/24",
            "networkSecurityGroup": {"id": nsg.id.as_str()},
            "serviceEndpoints": [{"service": "Microsoft.Storage"}],
            "delegations": [{"name": "delegation", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}]
        }})
    );
    assert_eq!(
        subnet.depends_on,
        vec![
            Dependency::Resource(vnet.addr.clone()),
            Dependency::Resource(nsg.addr.clone())
        ]
    );
    assert!(subnet.force_new.is_empty());
    assert!(subnet.preserve.is_empty());
}

#[test]
fn outputs_are_known_at_plan_time() {
    let e = expand(&base_inputs()).unwrap();
    assert!(e.outputs.values().all(|v| !v.is_unknown()));
    let vnet = find(&e, "module.network.vnet");
    assert_eq!(e.outputs["vnet_id"], Value::from(vnet.id.as_str()));
    assert_eq!(e.outputs["vnet_name"], s("vnet-shop-dev"));
    assert_eq!(e.outputs["address_space"], list(&["10.10.0.0/16"]));
    let subnet_ids = e.outputs["subnet_ids"].as_object().unwrap();
    let nsg_ids = e.outputs["nsg_ids"].as_object().unwrap();
    assert_eq!(subnet_ids.keys().collect::<Vec<_>>(), ["app", "data", "mgmt"]);
    assert_eq!(
        subnet_ids["data"],
        Value::from(find(&e, "module.network.subnet[\"data\"]").id.as_str())
    );
    assert_eq!(
        nsg_ids["mgmt"],
        Value::from(find(&e, "module.network.nsg[\"mgmt\"]").id.as_str())
    );
}

#[test]
fn tags_and_location_go_on_vnet_and_nsgs() {
    let mut i = base_inputs();
    i.insert("tags".into(), Value::object([("env", s("dev"))]));
    i.insert("location".into(), s("North Europe"));
    let e = expand(&i).unwrap();
    for addr in ["module.network.vnet", "module.network.nsg[\"app\"]"] {
        let body = find(&e, addr).body.to_json().unwrap();
        assert_eq!(body["tags"], serde_json::json!({"env": "dev"}), "{addr}");
        assert_eq!(body["location"], "northeurope", "{addr}");
    }
    assert!(
        find(&e, "module.network.subnet[\"app\"]")
            .body
            .get("tags")
            .is_none()
    );
}

#[test]
fn enums_are_written_as_arm_spells_them() {
    let mut i = base_inputs();
    let r = with(
        &with(&rule("ssh", 200, "inbound"), "protocol", s("tcp")),
        "access",
        s("allow"),
    );
    set_subnet(&mut i, "app", "nsg_rules", Value::List(vec![r]));
    let e = expand(&i).unwrap();
    let rules =
        find(&e, "module.network.nsg[\"app\"]").body.to_json().unwrap()["properties"]["securityRules"]
            .clone();
    assert_eq!(rules[0]["properties"]["direction"], "Inbound");
    assert_eq!(rules[0]["properties"]["protocol"], "Tcp");
    assert_eq!(rules[0]["properties"]["access"], "Allow");
}

#[test]
fn unknown_values_are_passed_through_and_skipped_by_validation() {
    let mut i = base_inputs();
    i.insert("address_space".into(), list(&["10.10.0.0/16"]));
    let ip = unknown("properties.ipAddress");
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![with(
            &rule("from-gw", 100, "Inbound"),
            "source_address_prefix",
            ip.clone(),
        )]),
    );
    let prefix = unknown("properties.prefix");
    set_subnet(&mut i, "data", "address_prefix", prefix.clone());
    i.insert("tags".into(), Value::object([("owner", unknown("tags.owner"))]));
    let e = expand(&i).unwrap();
    let nsg = find(&e, "module.network.nsg[\"app\"]");
    assert_eq!(
        nsg.body.at(&strata_core::parse_path(
            "properties.securityRules[0].properties.sourceAddressPrefix"
        )),
        Some(&ip)
    );
    let data = find(&e, "module.network.subnet[\"data\"]");
    assert_eq!(
        data.body.at(&strata_core::parse_path("properties.addressPrefix")),
        Some(&prefix)
    );

    // A wholly unknown address space skips containment checks but still builds.
    let mut i = base_inputs();
    let space = unknown("properties.space");
    i.insert("address_space".into(), space.clone());
    let e = expand(&i).unwrap();
    assert_eq!(e.outputs["address_space"], space);
    // Partly unknown: the known prefixes are still checked against each other.
    let mut i = base_inputs();
    i.insert(
        "address_space".into(),
        Value::List(vec![s("10.10.0.0/16"), unknown("x"), s("10.10.0.0/24")]),
    );
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "address_space[2]");
    assert!(msg.contains("overlaps `10.10.0.0/16`"), "{msg}");
}

#[test]
fn names_must_be_known_at_plan_time() {
    let mut i = base_inputs();
    i.insert("name".into(), unknown("name"));
    let (path, msg, hint) = one_error(&i);
    assert_eq!(path, "name");
    assert!(msg.contains("known at plan time"), "{msg}");
    assert!(!hint.is_empty());
    let mut i = base_inputs();
    i.insert("subnets".into(), unknown("subnets"));
    assert_eq!(one_error(&i).0, "subnets");
}

#[test]
fn invalid_cidrs() {
    let mut i = base_inputs();
    set_subnet(&mut i, "app", "address_prefix", s("10.10.1.7/24"));
    let (path, msg, hint) = one_error(&i);
    assert_eq!(path, "subnets.app.address_prefix");
    assert!(msg.contains("host bits"), "{msg}");
    assert_eq!(hint, "did you mean `10.10.1.0/24`?");

    let mut i = base_inputs();
    i.insert("address_space".into(), list(&["10.10.0.0/16", "banana"]));
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "address_space[1]");
    assert!(msg.contains("not a CIDR prefix"), "{msg}");

    let mut i = base_inputs();
    i.insert("address_space".into(), list(&[]));
    assert_eq!(one_error(&i).0, "address_space");

    let mut i = base_inputs();
    set_subnet(&mut i, "data", "address_prefix", s("10.10.2.0/30"));
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "subnets.data.address_prefix");
    assert!(msg.contains("/29"), "{msg}");
}

#[test]
fn subnet_outside_the_address_space() {
    let mut i = base_inputs();
    i.insert("address_space".into(), list(&["10.10.0.0/16", "10.20.0.0/16"]));
    set_subnet(&mut i, "data", "address_prefix", s("10.30.2.0/24"));
    let (path, msg, hint) = one_error(&i);
    assert_eq!(path, "subnets.data.address_prefix");
    assert!(msg.contains("outside the VNet's address space"), "{msg}");
    assert!(hint.contains("10.10.0.0/16, 10.20.0.0/16"), "{hint}");

    // Larger than the space that holds its start: the hint names that space.
    let mut i = base_inputs();
    set_subnet(&mut i, "data", "address_prefix", s("10.0.0.0/8"));
    let errs = errors(&i);
    let (_, _, hint) = errs
        .iter()
        .find(|(p, m, _)| p == "subnets.data.address_prefix" && m.contains("outside"))
        .unwrap();
    assert!(hint.as_deref().unwrap().contains("`10.10.0.0/16`"), "{hint:?}");
}

#[test]
fn overlapping_subnets_name_both() {
    let mut i = base_inputs();
    set_subnet(&mut i, "data", "address_prefix", s("10.10.1.128/25"));
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "subnets.data.address_prefix");
    assert!(msg.contains("`data`") && msg.contains("`app`"), "{msg}");
    assert!(
        msg.contains("10.10.1.0/24") && msg.contains("10.10.1.128/25"),
        "{msg}"
    );
}

#[test]
fn overlapping_address_space() {
    let mut i = base_inputs();
    i.insert("address_space".into(), list(&["10.10.0.0/16", "10.0.0.0/8"]));
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "address_space[1]");
    assert!(
        msg.contains("`10.0.0.0/8` overlaps `10.10.0.0/16` (address_space[0])"),
        "{msg}"
    );
}

#[test]
fn duplicate_priorities_per_direction() {
    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![
            rule("allow-https", 200, "Inbound"),
            rule("allow-out", 200, "Outbound"),
            rule("allow-http", 200, "Inbound"),
        ]),
    );
    let (path, msg, hint) = one_error(&i);
    assert_eq!(path, "subnets.app.nsg_rules[2].priority");
    assert!(
        msg.contains("`allow-https`") && msg.contains("`allow-http`"),
        "{msg}"
    );
    assert!(msg.contains("inbound priority 200"), "{msg}");
    assert!(hint.contains("priority"), "{hint}");
}

#[test]
fn priorities_outside_the_user_range() {
    for (p, needle) in [
        (99, "outside 100-4095"),
        (4096, "taken by `deny-all-inbound`"),
        (5000, "outside"),
    ] {
        let mut i = base_inputs();
        set_subnet(
            &mut i,
            "app",
            "nsg_rules",
            Value::List(vec![rule("r", p, "Inbound")]),
        );
        let (path, msg, _) = one_error(&i);
        assert_eq!(path, "subnets.app.nsg_rules[0].priority");
        assert!(msg.contains(needle), "{p}: {msg}");
    }
    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![rule("r", 4095, "Inbound")]),
    );
    assert!(expand(&i).is_ok());
}

#[test]
fn bad_enum_values_list_the_allowed_ones() {
    for (field, value, allowed) in [
        ("direction", "Sideways", "Inbound, Outbound"),
        ("access", "Maybe", "Allow, Deny"),
        ("protocol", "Sctp", "Tcp, Udp, Icmp, *"),
    ] {
        let mut i = base_inputs();
        set_subnet(
            &mut i,
            "app",
            "nsg_rules",
            Value::List(vec![with(&rule("r", 100, "Inbound"), field, s(value))]),
        );
        let (path, msg, hint) = one_error(&i);
        assert_eq!(path, format!("subnets.app.nsg_rules[0].{field}"));
        assert!(msg.contains(value), "{msg}");
        assert_eq!(hint, format!("use one of: {allowed}"));
    }
    let mut i = base_inputs();
    set_subnet(&mut i, "app", "role", s("frontend"));
    let (path, _, hint) = one_error(&i);
    assert_eq!(path, "subnets.app.role");
    assert_eq!(hint, "use one of: app, data, management");
}

#[test]
fn invalid_names() {
    let mut i = base_inputs();
    i.insert("name".into(), s("-vnet"));
    assert_eq!(one_error(&i).0, "name");

    let mut i = base_inputs();
    i.insert("resource_group".into(), s("rg."));
    assert_eq!(one_error(&i).0, "resource_group");

    let mut i = base_inputs();
    set_subnet(&mut i, "bad name", "address_prefix", s("10.10.9.0/24"));
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "subnets.bad name");
    assert!(msg.contains("not allowed"), "{msg}");

    // The derived NSG name must fit too.
    let mut i = base_inputs();
    i.insert("name".into(), s(&"v".repeat(60)));
    set_subnet(
        &mut i,
        "a-rather-long-subnet-name",
        "address_prefix",
        s("10.10.9.0/24"),
    );
    let (path, msg, hint) = one_error(&i);
    assert_eq!(path, "subnets.a-rather-long-subnet-name");
    assert!(msg.contains("NSG would be named"), "{msg}");
    assert!(hint.contains("shorten"));

    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![rule("allow https", 100, "Inbound")]),
    );
    assert_eq!(one_error(&i).0, "subnets.app.nsg_rules[0].name");
}

#[test]
fn rule_names_are_unique_and_deny_all_is_reserved() {
    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![rule("web", 100, "Inbound"), rule("WEB", 110, "Inbound")]),
    );
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "subnets.app.nsg_rules[1].name");
    assert!(msg.contains("defined twice"), "{msg}");

    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![rule("deny-all-inbound", 100, "Inbound")]),
    );
    let (path, msg, _) = one_error(&i);
    assert_eq!(path, "subnets.app.nsg_rules[0].name");
    assert!(msg.contains("reserved"), "{msg}");
}

#[test]
fn ports_and_prefixes_are_checked() {
    for (field, value) in [
        ("destination_port_range", "443,80"),
        ("destination_port_range", "70000"),
        ("source_port_range", "200-100"),
        ("source_address_prefix", "10.0.0.0/99"),
        ("destination_address_prefix", "10.0.0.1, 10.0.0.2"),
    ] {
        let mut i = base_inputs();
        set_subnet(
            &mut i,
            "app",
            "nsg_rules",
            Value::List(vec![with(&rule("r", 100, "Inbound"), field, s(value))]),
        );
        let (path, _, hint) = one_error(&i);
        assert_eq!(path, format!("subnets.app.nsg_rules[0].{field}"), "{value}");
        assert!(hint.contains("one per rule"), "{hint}");
    }
    let mut i = base_inputs();
    let r = with(
        &with(
            &rule("r", 100, "Inbound"),
            "destination_port_range",
            Value::from(22),
        ),
        "source_port_range",
        s("1024-65535"),
    );
    set_subnet(&mut i, "app", "nsg_rules", Value::List(vec![r]));
    let e = expand(&i).unwrap();
    let rules =
        find(&e, "module.network.nsg[\"app\"]").body.to_json().unwrap()["properties"]["securityRules"]
            .clone();
    assert_eq!(rules[0]["properties"]["destinationPortRange"], "22");
}

#[test]
fn roles_keep_the_internet_out_of_data_and_management() {
    let internet = with(
        &rule("open", 100, "Inbound"),
        "source_address_prefix",
        s("Internet"),
    );
    // Inferred from the subnet name.
    for name in ["data", "mgmt"] {
        let mut i = base_inputs();
        set_subnet(&mut i, name, "nsg_rules", Value::List(vec![internet.clone()]));
        let (path, msg, hint) = one_error(&i);
        assert_eq!(path, format!("subnets.{name}.nsg_rules[0].source_address_prefix"));
        assert!(msg.contains("internet"), "{msg}");
        assert!(!hint.is_empty());
    }
    // App subnets may serve the internet; outbound and deny rules are never a problem.
    let mut i = base_inputs();
    set_subnet(&mut i, "app", "nsg_rules", Value::List(vec![internet.clone()]));
    set_subnet(
        &mut i,
        "data",
        "nsg_rules",
        Value::List(vec![
            with(&internet, "direction", s("Outbound")),
            with(&with(&internet, "access", s("Deny")), "name", s("block")),
        ]),
    );
    assert!(expand(&i).is_ok());
    // An explicit role overrides the name.
    let mut i = base_inputs();
    set_subnet(&mut i, "data", "role", s("app"));
    set_subnet(&mut i, "data", "nsg_rules", Value::List(vec![internet.clone()]));
    assert!(expand(&i).is_ok());
    let mut i = base_inputs();
    set_subnet(&mut i, "app", "role", s("management"));
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![with(&internet, "source_address_prefix", s("*"))]),
    );
    assert_eq!(one_error(&i).0, "subnets.app.nsg_rules[0].source_address_prefix");
}

#[test]
fn subnet_typos_and_bad_endpoints() {
    let mut i = base_inputs();
    set_subnet(&mut i, "app", "adress_prefix", s("10.10.1.0/24"));
    let (path, _, hint) = one_error(&i);
    assert_eq!(path, "subnets.app.adress_prefix");
    assert!(hint.contains("address_prefix"), "{hint}");

    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "service_endpoints",
        list(&["Microsoft.Storage", "storage"]),
    );
    assert_eq!(one_error(&i).0, "subnets.app.service_endpoints[1]");

    let mut i = base_inputs();
    set_subnet(&mut i, "app", "delegation", s("serverFarms"));
    assert_eq!(one_error(&i).0, "subnets.app.delegation");

    let mut i = base_inputs();
    set_subnet(
        &mut i,
        "app",
        "nsg_rules",
        Value::List(vec![with(&rule("r", 100, "Inbound"), "port", s("22"))]),
    );
    assert_eq!(one_error(&i).0, "subnets.app.nsg_rules[0].port");
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut i = base_inputs();
    i.insert("name".into(), s("-bad"));
    set_subnet(&mut i, "app", "address_prefix", s("10.10.1.1/24"));
    set_subnet(&mut i, "data", "address_prefix", s("192.168.0.0/24"));
    let paths: Vec<String> = errors(&i).into_iter().map(|(p, _, _)| p).collect();
    assert_eq!(
        paths,
        [
            "name",
            "subnets.app.address_prefix",
            "subnets.data.address_prefix"
        ]
    );
}

#[test]
fn a_network_without_subnets() {
    let mut i = base_inputs();
    i.remove("subnets");
    let e = expand(&i).unwrap();
    assert_eq!(e.resources.len(), 1);
    assert_eq!(e.outputs["subnet_ids"], Value::Object(BTreeMap::new()));
}

#[test]
fn subnets_output_carries_role_and_delegation_for_later_layers() {
    let mut inputs = base_inputs();
    set_subnet(&mut inputs, "edge", "address_prefix", s("10.10.4.0/24"));
    set_subnet(&mut inputs, "edge", "role", s("app"));
    set_subnet(&mut inputs, "db2", "address_prefix", s("10.10.5.0/24"));
    set_subnet(&mut inputs, "db2", "role", unknown("role"));
    let e = expand(&inputs).unwrap();
    let subnets = e.outputs["subnets"].as_object().unwrap();
    let app = subnets["app"].as_object().unwrap();
    assert_eq!(app["role"], s("app"));
    assert_eq!(app["delegation"], s("Microsoft.Web/serverFarms"));
    assert_eq!(app["id"], e.outputs["subnet_ids"].get("app").cloned().unwrap());
    assert_eq!(app["vnet_id"], e.outputs["vnet_id"]);
    assert_eq!(app["nsg_id"], e.outputs["nsg_ids"].get("app").cloned().unwrap());
    assert_eq!(app["address_prefix"], s("10.10.1.0/24"));
    assert_eq!(subnets["data"].get("role"), Some(&s("data")));
    assert_eq!(subnets["data"].get("delegation"), Some(&Value::Null));
    assert_eq!(
        subnets["mgmt"].get("role"),
        Some(&s("management")),
        "inferred from the name"
    );
    assert_eq!(subnets["edge"].get("role"), Some(&s("app")));
    assert_eq!(
        subnets["db2"].get("role"),
        Some(&Value::Null),
        "unknown until apply"
    );
}

/// The other estate's block, with `address_space`.
fn peer_with_space(space: Value) -> crate::test_support::PeerParts {
    let mut inputs = base_inputs();
    inputs.insert("address_space".into(), space);
    crate::test_support::PeerParts {
        inputs,
        resources: Vec::new(),
        outputs: BTreeMap::new(),
    }
}

#[test]
fn the_standby_deploys_its_own_network_in_a_range_of_its_own() {
    use crate::test_support::standby_estate;
    let standby_ctx = standby_estate(ctx(), Some(peer_with_space(list(&["10.31.0.0/16"]))));
    let e = NetworkingModule.expand(&standby_ctx, &base_inputs()).unwrap();
    let plain = expand(&base_inputs()).unwrap();
    assert_eq!(e.resources.len(), plain.resources.len());
    assert_eq!(
        find(&e, "module.network.vnet").body.get("location"),
        Some(&s("northeurope"))
    );

    for space in [
        list(&["10.10.0.0/16"]),
        list(&["10.0.0.0/8"]),
        list(&["10.10.3.0/24"]),
    ] {
        let standby_ctx = standby_estate(ctx(), Some(peer_with_space(space.clone())));
        let errs = NetworkingModule.expand(&standby_ctx, &base_inputs()).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:#?}");
        let theirs = space.as_list().unwrap()[0].as_str().unwrap().to_string();
        assert_eq!(path_to_string(&errs[0].path), "address_space[0]");
        assert_eq!(
            errs[0].message,
            format!(
                "`10.10.0.0/16` overlaps `{theirs}` of the primary estate `dev` (westeurope): the two estates' \
                 networks must not share addresses"
            )
        );
        assert_eq!(
            errs[0].hint.as_deref(),
            Some(
                "give the standby a range of its own, apart from the primary's, in the environment's \
                 disaster_recovery { variables = { … } } (the example's prod: vnet_cidr = \"10.31.0.0/16\")"
            )
        );
    }
}

#[test]
fn the_primary_checks_its_range_against_the_standby_and_skips_what_is_unknown() {
    use crate::test_support::primary_with_peer;
    let mut two = base_inputs();
    two.insert("address_space".into(), list(&["10.10.0.0/16", "10.20.0.0/16"]));
    let primary = primary_with_peer(
        ctx(),
        peer_with_space(list(&["10.31.0.0/16", "10.20.128.0/17"])),
        strata_core::EstateRole::Primary,
    );
    let errs = NetworkingModule.expand(&primary, &two).unwrap_err();
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(path_to_string(&errs[0].path), "address_space[1]");
    assert!(
        errs[0]
            .message
            .contains("overlaps `10.20.128.0/17` of the standby estate `dev-dr` (northeurope)"),
        "{}",
        errs[0].message
    );

    for space in [Value::Null, unknown("x"), Value::List(vec![unknown("x")])] {
        let primary = primary_with_peer(ctx(), peer_with_space(space), strata_core::EstateRole::Primary);
        assert!(NetworkingModule.expand(&primary, &two).is_ok());
    }
}
