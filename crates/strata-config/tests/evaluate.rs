//! Evaluating a whole stack: resources, dependencies, outputs, unknowns and sensitivity.

mod common;

use common::{eval_env, eval_text, write};
use strata_config::resolve;
use strata_core::{Dependency, Layer, PathStep, ResourceAddr, Value};
use tempfile::TempDir;

const STRATA: &str = r#"stack "shop" {
  description = "Example shop estate"
}

variable "vnet_cidr" {
  type    = string
  default = "10.10.0.0/16"
  validation {
    condition     = can(cidrhost(var.vnet_cidr, 0))
    error_message = "vnet_cidr must be an IPv4 CIDR block, like 10.10.0.0/16."
  }
}

variable "instance_count" {
  type    = number
  default = 1
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "db_password" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

locals {
  prefix = "shop-${env.name}"
  tags   = merge(var.tags, { environment = env.name })
}
"#;

const NETWORK: &str = r#"module "rg" {
  source   = "resource_group"
  name     = "rg-${local.prefix}"
  location = env.location
  tags     = local.tags
}

locals {
  rg_id = module.rg.id
}

module "network" {
  source            = "networking"
  resource_group_id = local.rg_id
  address_space     = [var.vnet_cidr]
  subnets = {
    app  = { address_prefix = cidrsubnet(var.vnet_cidr, 8, 1) }
    data = { address_prefix = cidrsubnet(var.vnet_cidr, 8, 2) }
  }
}

module "vm" {
  source    = "vm"
  name      = "nic-${local.prefix}"
  subnet_id = module.network.subnet_ids["app"]
}

resource "watcher" {
  type       = "Microsoft.Network/networkWatchers@2024-07-01"
  name       = "nw-${local.prefix}"
  parent     = module.rg.id
  location   = env.location
  tags       = local.tags
  body       = { properties = {} }
  depends_on = [module.network]
}

resource "insights" {
  # A type of our own under Microsoft.Insights (monitoring layer), so that its made-up
  # properties are not checked against Azure's published components schema.
  type     = "Microsoft.Insights/testComponents@2020-02-02"
  name     = "appi-${local.prefix}"
  parent   = module.rg.id
  location = env.location
  body = {
    kind = "web"
    properties = {
      Application_Type = "web"
      Note             = "vm at ${module.vm.private_ip}:${var.instance_count * 8080}"
      Password         = var.db_password
      WatcherState     = resource.watcher.properties.provisioningState
      WatcherName      = resource.watcher.name
    }
  }
}

output "vnet_id" {
  value       = module.network.vnet_id
  description = "The virtual network"
}

output "vm_ip" {
  value = module.vm.private_ip
}

output "password" {
  value     = var.db_password
  sensitive = true
}
"#;

const PROD: &str = r#"environment "prod" {
  subscription_id = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
  location        = "westeurope"
  variables       = { vnet_cidr = "10.30.0.0/16", instance_count = "3", tags = { owner = "platform" } }
}
"#;

const STAGING: &str = r#"environment "staging" {
  inherits  = "prod"
  location  = "northeurope"
  variables = { vnet_cidr = "10.20.0.0/16" }
}
"#;

fn shop() -> TempDir {
    write(&[
        ("strata.hcl", STRATA),
        ("network.hcl", NETWORK),
        ("envs/prod.hcl", PROD),
        ("envs/staging.hcl", STAGING),
        ("envs/dev.hcl", common::DEV_ENV),
    ])
}

fn resource<'a>(e: &'a strata_config::Evaluated, addr: &str) -> &'a strata_core::DesiredResource {
    e.resources
        .iter()
        .find(|r| r.addr.to_string() == addr)
        .unwrap_or_else(|| {
            panic!(
                "no {addr} in {:?}",
                e.resources.iter().map(|r| r.addr.to_string()).collect::<Vec<_>>()
            )
        })
}

#[test]
fn evaluates_the_shop_stack() {
    let dir = shop();
    let e = eval_env(dir.path(), "staging", &[]).unwrap_or_else(|d| panic!("{d}"));
    assert!(e.warnings.0.is_empty());
    let addrs: Vec<String> = e.resources.iter().map(|r| r.addr.to_string()).collect();
    assert_eq!(
        addrs,
        vec![
            "module.rg.group",
            "module.network.vnet",
            "module.network.subnet[\"app\"]",
            "module.network.subnet[\"data\"]",
            "module.vm.nic",
            "resource.watcher",
            "resource.insights",
        ]
    );

    let rg = resource(&e, "module.rg.group");
    assert_eq!(
        rg.id.as_str(),
        "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop-staging"
    );
    assert_eq!(rg.body.get("location"), Some(&Value::from("northeurope")));
    assert_eq!(
        rg.body.get("tags"),
        Some(&Value::object([
            ("environment", Value::from("staging")),
            ("owner", Value::from("platform"))
        ]))
    );
    assert!(rg.depends_on.is_empty());
    let loc = rg.loc.as_ref().unwrap();
    assert!(loc.file.ends_with("network.hcl"));
    assert_eq!((loc.line, loc.column), (1, 1));

    // Staging's own vnet_cidr; prod's instance_count, converted from "3".
    let app = resource(&e, "module.network.subnet[\"app\"]");
    assert_eq!(
        app.body.at(&[
            PathStep::Key("properties".into()),
            PathStep::Key("addressPrefix".into())
        ]),
        Some(&Value::from("10.20.1.0/24"))
    );
    // Through the local `rg_id`, the network depends on the rg module.
    assert!(app.depends_on.contains(&Dependency::Module("rg".into())));
    assert!(
        app.depends_on
            .contains(&Dependency::Resource(ResourceAddr::module(
                "network", "vnet", None
            )))
    );
    let nic = resource(&e, "module.vm.nic");
    assert_eq!(nic.depends_on, vec![Dependency::Module("network".into())]);

    let watcher = resource(&e, "resource.watcher");
    assert_eq!(watcher.api_version, "2024-07-01");
    assert_eq!(
        watcher.id.as_str(),
        "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-shop-staging/providers/Microsoft.Network/networkWatchers/nw-shop-staging"
    );
    assert_eq!(watcher.layer, Layer::Network);
    assert_eq!(watcher.body.get("location"), Some(&Value::from("northeurope")));
    assert_eq!(watcher.body.get("properties"), Some(&Value::object::<&str>([])));
    assert!(watcher.body.get("tags").is_some());
    assert_eq!(
        watcher.depends_on,
        vec![
            Dependency::Module("network".into()),
            Dependency::Module("rg".into())
        ]
    );
    assert_eq!(watcher.loc.as_ref().unwrap().line, 28);

    let insights = resource(&e, "resource.insights");
    assert_eq!(insights.layer, Layer::Monitoring);
    assert_eq!(
        insights.depends_on,
        vec![
            Dependency::Module("rg".into()),
            Dependency::Module("vm".into()),
            Dependency::Resource(ResourceAddr::resource("watcher")),
        ]
    );
    let props = insights.body.get("properties").unwrap();
    // Known after apply, with the operands kept for later.
    let note = props.get("Note").unwrap();
    assert!(note.is_wholly_unknown());
    assert_eq!(props.get("WatcherName"), Some(&Value::from("nw-shop-staging")));
    assert_eq!(
        props.get("WatcherState"),
        Some(&Value::attr(
            &ResourceAddr::resource("watcher"),
            "properties.provisioningState"
        ))
    );
    // A sensitive variable stays marked inside the body.
    assert_eq!(props.get("Password"), Some(&Value::from("hunter2").sensitive()));
    assert_eq!(
        insights.body.sensitive_paths(),
        vec![vec![
            PathStep::Key("properties".into()),
            PathStep::Key("Password".into())
        ]]
    );

    // Resolving after apply.
    let nic_addr = ResourceAddr::module("vm", "nic", None);
    let lookup = |a: &ResourceAddr, path: &[PathStep]| {
        (a == &nic_addr
            && strata_core::path_to_string(path)
                == "properties.ipConfigurations[0].properties.privateIPAddress")
            .then(|| Value::from("10.20.1.4"))
    };
    assert_eq!(
        resolve(note, &lookup).unwrap(),
        Value::from("vm at 10.20.1.4:24240")
    );
    let body = resolve(&insights.body, &lookup).unwrap();
    // The watcher's state is still unknown: partial resolution.
    assert!(
        body.get("properties")
            .unwrap()
            .get("WatcherState")
            .unwrap()
            .is_wholly_unknown()
    );

    let modules: Vec<(&str, &str, Layer, Vec<String>)> = e
        .modules
        .iter()
        .map(|m| {
            (
                m.label.as_str(),
                m.source.as_str(),
                m.layer,
                m.depends_on_modules.clone(),
            )
        })
        .collect();
    assert_eq!(
        modules,
        vec![
            ("rg", "resource_group", Layer::ResourceGroups, vec![]),
            ("network", "networking", Layer::Network, vec!["rg".to_string()]),
            ("vm", "vm", Layer::Compute, vec!["network".to_string()]),
        ]
    );
    assert_eq!(e.modules[1].loc.line, 12);

    let outputs: Vec<&str> = e.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(outputs, vec!["vnet_id", "vm_ip", "password"]);
    assert_eq!(e.outputs[0].description.as_deref(), Some("The virtual network"));
    assert!(
        e.outputs[0]
            .value
            .as_str()
            .unwrap()
            .ends_with("/virtualNetworks/vnet-network")
    );
    assert!(e.outputs[1].value.is_wholly_unknown());
    assert!(e.outputs[2].sensitive);
    assert!(e.outputs[2].value.is_sensitive());
}

#[test]
fn var_overrides_win_and_are_converted() {
    let dir = shop();
    let e = eval_env(
        dir.path(),
        "prod",
        &[("vnet_cidr", "10.99.0.0/16"), ("tags", "{ team = \"web\" }")],
    )
    .unwrap();
    let app = resource(&e, "module.network.subnet[\"app\"]");
    assert_eq!(
        app.body.at(&[
            PathStep::Key("properties".into()),
            PathStep::Key("addressPrefix".into())
        ]),
        Some(&Value::from("10.99.1.0/24"))
    );
    let rg = resource(&e, "module.rg.group");
    assert_eq!(
        rg.body.get("tags").unwrap().get("team"),
        Some(&Value::from("web"))
    );
    // Defaults apply where nothing else does.
    let e = eval_env(dir.path(), "dev", &[]).unwrap();
    let app = resource(&e, "module.network.subnet[\"app\"]");
    assert_eq!(
        app.body.at(&[
            PathStep::Key("properties".into()),
            PathStep::Key("addressPrefix".into())
        ]),
        Some(&Value::from("10.10.1.0/24"))
    );
    assert_eq!(rg_subscription(&e), strata_config::EMULATOR_SUBSCRIPTION_ID);
}

fn rg_subscription(e: &strata_config::Evaluated) -> String {
    resource(e, "module.rg.group").id.subscription_id().to_string()
}

#[test]
fn module_outputs_declared_sensitive_are_marked() {
    let e = eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-one"
}
module "st" {
  source            = "storage"
  name              = "stone"
  resource_group_id = module.rg.id
}
resource "kv" {
  type   = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name   = "storage-key"
  parent = "${module.rg.id}/providers/Microsoft.KeyVault/vaults/kv-one"
  body   = { properties = { value = module.st.primary_key } }
}
output "key" {
  value     = module.st.primary_key
  sensitive = true
}
"#,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let kv = resource(&e, "resource.kv");
    let value = kv.body.get("properties").unwrap().get("value").unwrap();
    assert!(value.is_sensitive());
    assert!(value.is_unknown());
    assert_eq!(
        kv.id.as_str(),
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-one/providers/Microsoft.KeyVault/vaults/kv-one/secrets/storage-key"
    );
    assert_eq!(
        kv.depends_on,
        vec![Dependency::Module("rg".into()), Dependency::Module("st".into())]
    );
}

#[test]
fn resource_groups_as_generic_resources() {
    let e = eval_text(
        r#"stack "s" {}
resource "rg" {
  type     = "Microsoft.Resources/resourceGroups@2024-03-01"
  name     = "rg-generic"
  parent   = "/subscriptions/${env.subscription_id}"
  location = env.location
}
resource "vnet" {
  type   = "Microsoft.Network/virtualNetworks@2024-05-01"
  name   = "vnet-1"
  parent = resource.rg.id
  body   = { location = resource.rg.location, properties = { addressSpace = { addressPrefixes = ["10.0.0.0/16"] } } }
}
"#,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let rg = resource(&e, "resource.rg");
    assert_eq!(rg.layer, Layer::ResourceGroups);
    let vnet = resource(&e, "resource.vnet");
    assert_eq!(
        vnet.depends_on,
        vec![Dependency::Resource(ResourceAddr::resource("rg"))]
    );
    assert_eq!(vnet.body.get("location"), Some(&Value::from("westeurope")));
    assert!(
        vnet.id
            .as_str()
            .ends_with("/resourceGroups/rg-generic/providers/Microsoft.Network/virtualNetworks/vnet-1")
    );
}

#[test]
fn a_stack_without_blocks_evaluates_to_nothing() {
    let e = eval_text("stack \"s\" {}\n").unwrap();
    assert!(e.resources.is_empty() && e.outputs.is_empty() && e.modules.is_empty());
}
