//! What evaluation reports, and where: references, cycles, module inputs, variables,
//! generic resources, outputs.

mod common;

use common::{DEV_ENV, at, errors, eval_env, eval_text, find, write};

#[test]
fn unknown_references_are_all_reported_with_locations() {
    let d = errors(eval_text(
        r#"stack "s" {}
variable "region" {
  default = "x"
}
module "rg" {
  source = "resource_group"
  name   = "rg-${var.regoin}"
}
locals {
  a = local.b
  c = env.nmae
  d = module.rg.idd
  e = module.nope.id
  f = resource.nope.id
  g = foo.bar
}
"#,
    ));
    let v = find(&d, "unknown variable `var.regoin`");
    assert_eq!(at(v), "strata.hcl:7");
    assert_eq!(v.loc.as_ref().unwrap().column, 18);
    assert!(v.hint.as_ref().unwrap().contains("did you mean `region`?"));
    assert_eq!(at(find(&d, "unknown local value `local.b`")), "strata.hcl:10");
    let env = find(&d, "unknown env field `env.nmae`");
    assert!(env.hint.as_ref().unwrap().contains("did you mean `name`?"));
    let out = find(&d, "module `rg` (resource_group) has no output `idd`");
    assert_eq!(at(out), "strata.hcl:12");
    assert!(out.hint.as_ref().unwrap().contains("did you mean `id`?"));
    find(&d, "unknown module `module.nope`");
    find(&d, "unknown resource `resource.nope`");
    let g = find(&d, "unknown name `foo`");
    assert_eq!(at(g), "strata.hcl:15");
}

#[test]
fn cycles_print_the_cycle() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "a" {
  source = "resource_group"
  name   = module.b.name
}
module "b" {
  source = "resource_group"
  name   = module.a.name
}
locals {
  x = local.y
  y = "${local.x}-1"
  z = local.z
}
output "o" {
  value = local.x
}
"#,
    ));
    let m = find(&d, "module.a → module.b → module.a");
    assert!(m.summary.starts_with("dependency cycle"));
    assert_eq!(at(m), "strata.hcl:2");
    find(&d, "local.x → local.y → local.x");
    find(&d, "local.z → local.z");
    // Nothing else: blocks that wait on a cycle are skipped, not reported again.
    assert_eq!(d.0.len(), 3, "{d}");
}

#[test]
fn depends_on_cycles_and_errors() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "a" {
  source     = "resource_group"
  name       = "rg-a"
  depends_on = [module.b]
}
module "b" {
  source     = "resource_group"
  name       = "rg-b"
  depends_on = [module.a, module.zzz, var.x, module.a.id]
}
"#,
    ));
    find(&d, "module.a → module.b → module.a");
    find(&d, "unknown module `module.zzz`");
    find(&d, "`depends_on` can name modules and resources, not `var.x`");
    find(&d, "each `depends_on` entry must be a whole module or resource");
}

#[test]
fn module_input_errors_point_at_the_nested_line() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-one"
}
module "network" {
  source            = "networking"
  resource_group_id = module.rg.id
  address_space     = ["10.0.0.0/16"]
  subnets = {
    app = {
      address_prefix = "10.0.1.0/24"
    }
    data = {
      address_prefix = "10.0.2.0/33"
    }
  }
}
"#,
    ));
    let e = find(&d, "`10.0.2.0/33` is not an IPv4 CIDR block");
    assert_eq!(at(e), "strata.hcl:15");
    assert_eq!(e.loc.as_ref().unwrap().column, 7);
    assert!(
        e.detail.as_ref().unwrap().contains("subnets.data.address_prefix"),
        "{e}"
    );
    assert_eq!(e.hint.as_deref(), Some("write it like 10.0.1.0/24"));
    // The module's error for a top-level input points at the input.
    let d = errors(eval_text(
        "stack \"s\" {}\nmodule \"rg\" {\n  source = \"resource_group\"\n  name = \"ab\"\n}\n",
    ));
    assert_eq!(at(find(&d, "too short")), "strata.hcl:4");
}

#[test]
fn module_inputs_are_checked_against_the_module() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "rg" {
  source  = "resource_group"
  nmae    = "rg-one"
}
module "net" {
  source            = "networking"
  resource_group_id = "/subscriptions/x/resourceGroups/y"
  address_space     = "10.0.0.0/16"
  subnets           = { app = { address_prefix = ["x"] } }
}
module "x" {
  source = "resourcegroup"
}
"#,
    ));
    let unknown = find(&d, "module \"rg\" (resource_group) has no input `nmae`");
    assert_eq!(at(unknown), "strata.hcl:4");
    assert!(unknown.hint.as_ref().unwrap().contains("did you mean `name`?"));
    let missing = find(&d, "missing the required input `name`");
    assert_eq!(at(missing), "strata.hcl:2");
    let list = find(&d, "invalid value for input `address_space`");
    assert!(list.summary.contains("a list is required"), "{list}");
    assert_eq!(at(list), "strata.hcl:9");
    let nested = find(&d, "invalid value for input `subnets.app.address_prefix`");
    assert_eq!(at(nested), "strata.hcl:10");
    let source = find(&d, "there is no built-in module `resourcegroup`");
    assert_eq!(at(source), "strata.hcl:13");
    let hint = source.hint.as_ref().unwrap();
    assert!(
        hint.contains("did you mean `resource_group`?") && hint.contains("networking"),
        "{hint}"
    );
}

#[test]
fn failures_do_not_cascade() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = cidrsubnet("10.0.0.0/30", 8, 1)
}
locals {
  id = module.rg.id
}
output "id" {
  value = local.id
}
"#,
    ));
    assert_eq!(d.0.len(), 1, "{d}");
    let e = find(&d, "cidrsubnet(): insufficient address space");
    assert_eq!(at(e), "strata.hcl:4");
    assert!(e.summary.starts_with("in module \"rg\""));
}

const VARS: &str = r#"stack "s" {}
variable "cidr" {
  type = string
  validation {
    condition     = can(cidrhost(var.cidr, 0))
    error_message = "cidr must be an IPv4 CIDR block, like 10.10.0.0/16."
  }
}
variable "count" {
  type = number
}
variable "subnets" {
  type    = map(object({ prefix = string, public = optional(bool, false) }))
  default = {}
}
output "all" {
  value = [var.cidr, var.count, var.subnets]
}
"#;

#[test]
fn variable_values_types_and_validation() {
    let ok = write(&[
        ("strata.hcl", VARS),
        (
            "envs/dev.hcl",
            "environment \"dev\" {\n  target = \"emulator\"\n  location = \"x\"\n  variables = {\n    cidr = \"10.0.0.0/16\"\n    count = \"2\"\n    subnets = { app = { prefix = \"10.0.1.0/24\" } }\n  }\n}\n",
        ),
    ]);
    let e = eval_env(ok.path(), "dev", &[]).unwrap_or_else(|d| panic!("{d}"));
    let all = e.outputs[0].value.as_list().unwrap().to_vec();
    assert_eq!(all[1], strata_core::Value::from(2));
    assert_eq!(
        all[2].get("app").unwrap().get("public"),
        Some(&strata_core::Value::Bool(false)),
        "optional attributes get their default"
    );
    // -var for a complex type is an expression.
    let e = eval_env(
        ok.path(),
        "dev",
        &[
            ("subnets", "{ web = { prefix = \"x\", public = true } }"),
            ("count", "5"),
        ],
    )
    .unwrap();
    let all = e.outputs[0].value.as_list().unwrap().to_vec();
    assert_eq!(all[1], strata_core::Value::from(5));
    assert_eq!(
        all[2].get("web").unwrap().get("public"),
        Some(&strata_core::Value::Bool(true))
    );

    let bad = write(&[
        ("strata.hcl", VARS),
        (
            "envs/dev.hcl",
            "environment \"dev\" {\n  target = \"emulator\"\n  location = \"x\"\n  variables = {\n    cidr = \"10.0.0.0\"\n    subnets = { app = { public = true } }\n    extra = 1\n  }\n}\n",
        ),
    ]);
    let d = errors(eval_env(bad.path(), "dev", &[("count", "many"), ("nope", "1")]));
    let v = find(&d, "invalid value for variable `cidr`");
    assert_eq!(at(v), "dev.hcl:5");
    assert_eq!(
        v.detail.as_deref(),
        Some("cidr must be an IPv4 CIDR block, like 10.10.0.0/16.")
    );
    assert!(v.hint.as_ref().unwrap().contains("strata.hcl:5"), "{v}");
    let c = find(&d, "invalid value for variable `count`");
    assert!(c.summary.contains("\"many\" is not one"), "{c}");
    let s = find(&d, "invalid value for variable `subnets`");
    assert!(
        s.summary.contains("at `app`: the attribute `prefix` is required"),
        "{s}"
    );
    assert_eq!(at(s), "dev.hcl:6");
    let extra = find(&d, "sets variable `extra`");
    assert_eq!(at(extra), "dev.hcl:7");
    find(&d, "-var sets `nope`");

    let missing = write(&[("strata.hcl", VARS), ("envs/dev.hcl", DEV_ENV)]);
    let d = errors(eval_env(missing.path(), "dev", &[]));
    let m = find(&d, "no value for the required variable `cidr`");
    assert_eq!(at(m), "strata.hcl:2");
    assert!(m.hint.as_ref().unwrap().contains("envs/dev.hcl"));
    find(&d, "no value for the required variable `count`");
    // The output that uses them is skipped, not reported.
    assert_eq!(d.0.len(), 2, "{d}");
}

#[test]
fn variable_declarations_are_checked() {
    let d = errors(eval_text(
        r#"stack "s" {}
variable "a" {
  type = strng
}
variable "b" {
  type    = list(number)
  default = ["x"]
}
variable "c" {
  type     = string
  default  = null
  nullable = false
}
variable "d" {
  default = "x"
  validation {
    condition     = local.x == 1
    error_message = "no"
  }
}
locals {
  x = 1
}
"#,
    ));
    let a = find(&d, "invalid type for variable `a`");
    assert_eq!(at(a), "strata.hcl:3");
    let b = find(&d, "invalid value for variable `b`");
    assert_eq!(at(b), "strata.hcl:7");
    assert!(b.summary.contains("at `[0]`"), "{b}");
    find(&d, "variable `c` must not be null");
    let v = find(&d, "can only refer to variables");
    assert_eq!(at(v), "strata.hcl:17");
}

#[test]
fn generic_resource_errors() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-one"
}
module "vm" {
  source    = "vm"
  name      = "nic"
  subnet_id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
}
resource "st" {
  type   = "Microsoft.Storage/storageAccounts@2023-05-01"
  name   = "StShop"
  parent = module.rg.id
}
resource "bad_type" {
  type   = "Microsoft.Network/networkWatchers"
  name   = "nw"
  parent = module.rg.id
}
resource "bad_parent" {
  type   = "Microsoft.Network/networkWatchers@2024-07-01"
  name   = "nw"
  parent = "rg-one"
}
resource "wrong_parent" {
  type   = "Microsoft.Network/virtualNetworks/subnets@2024-05-01"
  name   = "app"
  parent = module.rg.id
}
resource "later" {
  type   = "Microsoft.Network/networkWatchers@2024-07-01"
  name   = "nw-${module.vm.private_ip}"
  parent = module.rg.id
}
resource "body" {
  type     = "Microsoft.Network/networkWatchers@2024-07-01"
  name     = "nw"
  parent   = module.rg.id
  location = "westeurope"
  body     = { location = "northeurope" }
}
resource "body2" {
  type   = "Microsoft.Network/networkWatchers@2024-07-01"
  name   = "nw"
  parent = module.rg.id
  body   = "x"
}
"#,
    ));
    let n = find(&d, "in resource \"st\": invalid name");
    assert_eq!(at(n), "strata.hcl:13");
    assert!(n.summary.contains("lowercase"), "{n}");
    let t = find(&d, "`Microsoft.Network/networkWatchers` has no api-version");
    assert_eq!(at(t), "strata.hcl:17");
    assert!(t.hint.as_ref().unwrap().contains("@2024-07-01"));
    assert_eq!(
        at(find(&d, "in resource \"bad_parent\": invalid `parent`")),
        "strata.hcl:24"
    );
    find(&d, "must be placed under a `Microsoft.Network/virtualNetworks`");
    let later = find(&d, "`name` must be known at plan time");
    assert_eq!(at(later), "strata.hcl:33");
    find(&d, "`location` is set both as an attribute and in `body`");
    find(&d, "`body` must be an object, not a string");
}

#[test]
fn sensitive_outputs_must_say_so() {
    let d = errors(eval_text(
        r#"stack "s" {}
variable "password" {
  default   = "hunter2"
  sensitive = true
}
output "conn" {
  value = "Server=x;Password=${var.password}"
}
output "ok" {
  value     = var.password
  sensitive = true
}
"#,
    ));
    let e = find(&d, "output \"conn\" refers to sensitive values");
    assert_eq!(at(e), "strata.hcl:7");
    assert!(e.hint.as_ref().unwrap().contains("sensitive = true"));
    assert_eq!(d.0.len(), 1);
    // A module output its spec marks sensitive counts too.
    let d = errors(eval_text(
        r#"stack "s" {}
module "st" {
  source            = "storage"
  name              = "stone"
  resource_group_id = "/subscriptions/s/resourceGroups/rg"
}
output "key" {
  value = module.st.primary_key
}
"#,
    ));
    find(&d, "output \"key\" refers to sensitive values");
}
