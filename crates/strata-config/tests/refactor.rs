//! `moved`, `import` and `lifecycle` blocks and the environment's `soft_delete` block: what
//! evaluation gives the engine, and every mistake reported with its file and line.

#![allow(clippy::unwrap_used)]

mod common;

use common::{DEV_ENV, at, errors, eval_env, eval_text, find, write};
use strata_config::{EvalOptions, Stack, evaluate};
use strata_core::{
    AddrSelector, Diagnostics, OnCreate, OnDestroy, PathStep, Purge, Recover, ResourceAddr, SoftDeleteChoice,
};

const BASE: &str = r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-shop"
}
module "network" {
  source            = "networking"
  resource_group_id = module.rg.id
  address_space     = ["10.0.0.0/16"]
  subnets           = { web = { address_prefix = "10.0.1.0/24" } }
}
module "store" {
  source            = "storage"
  resource_group_id = module.rg.id
  name              = "stshop"
}
resource "b" {
  type     = "Microsoft.Network/networkWatchers@2024-07-01"
  name     = "nw-b"
  parent   = module.rg.id
  location = "westeurope"
}
"#;

fn with_base(extra: &str) -> String {
    format!("{BASE}{extra}")
}

/// The load errors of a stack made of `strata.hcl` = `text` and a dev environment.
fn load_errors(text: &str) -> Diagnostics {
    let dir = write(&[("strata.hcl", text), ("envs/dev.hcl", DEV_ENV)]);
    match Stack::load(dir.path()) {
        Ok(_) => panic!("loading should have failed"),
        Err(d) => d,
    }
}

fn sel(s: &str) -> AddrSelector {
    AddrSelector::parse(s).unwrap()
}

#[test]
fn moved_blocks_reach_the_engine_as_written() {
    // Line 23 onwards: after BASE's 22 lines.
    let ev = eval_text(&with_base(
        r#"moved {
  from = module.storage
  to   = module.store
}
moved {
  from = module.network.subnet["app"]
  to   = module.network.subnet["web"]
}
moved {
  from = "resource.a"
  to   = "resource.b"
}
"#,
    ))
    .unwrap();
    let pairs: Vec<(String, String)> = ev
        .moved
        .iter()
        .map(|m| (m.from.to_string(), m.to.to_string()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("module.storage".into(), "module.store".into()),
            (
                "module.network.subnet[\"app\"]".into(),
                "module.network.subnet[\"web\"]".into()
            ),
            ("resource.a".into(), "resource.b".into()),
        ]
    );
    assert_eq!(ev.moved[1].loc.as_ref().unwrap().line, 27);
    // The engine re-keys state with it.
    assert_eq!(
        ev.moved[0].apply(&ResourceAddr::module("storage", "account", None)),
        Some(ResourceAddr::module("store", "account", None))
    );
}

#[test]
fn moved_blocks_with_bad_ends_are_load_errors() {
    let d = load_errors(
        r#"stack "s" {}
moved {
  from = module.storage
  to   = module.store.account
}
moved {
  from = storage
  to   = module.store
}
moved {
  from = module.a[*].b
  to   = module.b
}
moved {
  from = module.a
}
moved {
  from = resource.x["k"]
  to   = resource.x["k"]
}
"#,
    );
    let kind = find(&d, "a moved block moves like to like");
    assert_eq!(at(kind), "strata.hcl:4");
    let bare = find(&d, "`storage` is not a resource address");
    assert_eq!(at(bare), "strata.hcl:7");
    assert!(
        bare.hint
            .as_ref()
            .unwrap()
            .contains("module.network.subnet[\"app\"]")
    );
    assert_eq!(
        at(find(&d, "`from`: this is not a resource address")),
        "strata.hcl:11"
    );
    assert_eq!(at(find(&d, "needs both `from` and `to`")), "strata.hcl:14");
    assert_eq!(at(find(&d, "to itself")), "strata.hcl:17");
}

#[test]
fn conflicting_moved_blocks_are_load_errors() {
    let d = load_errors(
        r#"stack "s" {}
moved {
  from = module.a
  to   = module.b
}
moved {
  from = module.a.account
  to   = module.c.account
}
moved {
  from = resource.x
  to   = resource.y
}
moved {
  from = resource.z
  to   = resource.y
}
moved {
  from = resource.p
  to   = resource.q
}
moved {
  from = resource.q
  to   = resource.r
}
"#,
    );
    let twice = find(&d, "`module.a.account` is already moved");
    assert_eq!(at(twice), "strata.hcl:7");
    assert!(twice.detail.as_ref().unwrap().contains("strata.hcl:2"));
    assert_eq!(
        at(find(&d, "`resource.y` is already the destination")),
        "strata.hcl:16"
    );
    let chain = find(&d, "moved blocks chain or loop");
    assert_eq!(at(chain), "strata.hcl:22");
    assert!(chain.hint.as_ref().unwrap().contains("move straight"));
}

#[test]
fn moved_blocks_are_checked_against_the_configuration() {
    let d = errors(eval_text(&with_base(
        r#"moved {
  from = module.store
  to   = module.storage
}
moved {
  from = module.network.subnet["app"]
  to   = module.network.subnet["wbe"]
}
moved {
  from = resource.old
  to   = resource.b
}
moved {
  from = module.network.nsg
  to   = module.network.vnet
}
"#,
    )));
    let still = find(&d, "`module.store` still exists");
    assert_eq!(at(still), "strata.hcl:24");
    assert!(still.hint.as_ref().unwrap().contains("rename or remove"));
    let missing = find(&d, "`module.network.subnet[\"wbe\"]` is not in the configuration");
    assert_eq!(at(missing), "strata.hcl:29");
    assert!(
        missing
            .hint
            .as_ref()
            .unwrap()
            .contains("module.network.subnet[\"web\"]"),
        "{missing}"
    );
    // `module.network.vnet` exists and nothing named nsg is produced: valid.
    assert_eq!(d.0.iter().filter(|x| x.is_error()).count(), 3, "{d}");
    let stale = find(&d, "`module.storage` is not in the configuration");
    assert_eq!(at(stale), "strata.hcl:25");
    assert!(
        stale
            .hint
            .as_ref()
            .unwrap()
            .contains("did you mean `module.store`?")
    );
}

#[test]
fn import_blocks_reach_the_engine_with_their_ids_evaluated() {
    let dir = write(&[
        (
            "strata.hcl",
            &with_base(
                r#"variable "sub" {
  default = "00000000-0000-0000-0000-000000000000"
}
import {
  to = module.store.account
  id = "/subscriptions/${var.sub}/resourceGroups/rg-shop/providers/Microsoft.Storage/storageAccounts/stshop"
}
import {
  to = module.network.subnet["web"]
  id = "${module.network.vnet_id}/subnets/web"
}
"#,
            ),
        ),
        ("envs/dev.hcl", DEV_ENV),
    ]);
    let ev = eval_env(dir.path(), "dev", &[]).unwrap();
    assert_eq!(ev.imports.len(), 2);
    assert_eq!(ev.imports[0].to, ResourceAddr::module("store", "account", None));
    assert_eq!(
        ev.imports[0].id.as_str(),
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers/Microsoft.Storage/storageAccounts/stshop"
    );
    assert_eq!(ev.imports[0].loc.as_ref().unwrap().line, 26);
    assert!(
        ev.imports[1]
            .id
            .as_str()
            .ends_with("/virtualNetworks/vnet-network/subnets/web")
    );
    assert!(ev.warnings.0.is_empty(), "{}", ev.warnings);
}

#[test]
fn import_blocks_are_checked() {
    let d = errors(eval_text(&with_base(
        r#"import {
  to = module.store.acount
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers/Microsoft.Storage/storageAccounts/stshop"
}
import {
  to = module.network.vnet
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers/Microsoft.Storage/storageAccounts/stshop"
}
import {
  to = resource.b
  id = "not-an-id"
}
import {
  to = module.rg.group
  id = module.network.subnet_ids
}
"#,
    )));
    let missing = find(&d, "`module.store.acount` is not an address");
    assert_eq!(at(missing), "strata.hcl:24");
    assert!(
        missing
            .hint
            .as_ref()
            .unwrap()
            .contains("did you mean `module.store.account`?")
    );
    let ty = find(
        &d,
        "`id` is a Microsoft.Storage/storageAccounts, but `module.network.vnet` is a Microsoft.Network/virtualNetworks",
    );
    assert_eq!(at(ty), "strata.hcl:29");
    let bad = find(&d, "`not-an-id` is not an Azure resource id");
    assert_eq!(at(bad), "strata.hcl:33");
    assert!(
        bad.hint
            .as_ref()
            .unwrap()
            .contains("/providers/Microsoft.Network/networkWatchers/nw-b")
    );
    assert_eq!(at(find(&d, "`id` must be a string, not a")), "strata.hcl:37");
}

#[test]
fn import_blocks_are_one_per_address_and_one_per_resource() {
    let d = load_errors(
        r#"stack "s" {}
import {
  to = resource.b
  id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkWatchers/nw-b"
}
import {
  to = "resource.b"
  id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/networkWatchers/nw-c"
}
import {
  to = module.rg
  id = "/subscriptions/s/resourceGroups/r"
}
import {
  to = resource.c
}
"#,
    );
    let twice = find(&d, "`resource.b` is imported twice");
    assert_eq!(at(twice), "strata.hcl:7");
    assert!(twice.detail.as_ref().unwrap().contains("strata.hcl:2"));
    assert_eq!(at(find(&d, "`to` must name one resource")), "strata.hcl:11");
    assert_eq!(at(find(&d, "needs both `to` and `id`")), "strata.hcl:14");

    let d = errors(eval_text(&with_base(
        r#"import {
  to = module.rg.group
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop"
}
import {
  to = resource.b
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-SHOP"
}
"#,
    )));
    let again = find(&d, "is already imported to `module.rg.group`");
    assert_eq!(at(again), "strata.hcl:29");
}

#[test]
fn an_import_of_another_name_warns_that_the_plan_replaces_it() {
    let ev = eval_text(&with_base(
        r#"import {
  to = module.store.account
  id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shop/providers/Microsoft.Storage/storageAccounts/stother"
}
"#,
    ))
    .unwrap();
    assert_eq!(ev.imports.len(), 1);
    let w = find(&ev.warnings, "is not the id the configuration gives");
    assert!(!w.is_error());
    assert_eq!(at(w), "strata.hcl:25");
}

#[test]
fn an_import_id_known_only_after_apply_is_an_error() {
    let d = errors(eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-shop"
}
module "vm" {
  source    = "vm"
  name      = "nic"
  subnet_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/a"
}
import {
  to = module.rg.group
  id = "/subscriptions/s/resourceGroups/${module.vm.private_ip}"
}
"#,
    ));
    assert_eq!(at(find(&d, "`id` must be known at plan time")), "strata.hcl:13");
}

#[test]
fn lifecycle_blocks_fill_the_resources() {
    let ev = eval_text(&with_base(
        r#"resource "watcher" {
  type     = "Microsoft.Network/networkWatchers@2024-07-01"
  name     = "nw-w"
  parent   = module.rg.id
  location = "westeurope"

  lifecycle {
    prevent_destroy = true
    ignore_changes  = [tags, properties.sku, "properties.rules[0]"]
  }
}
"#,
    ))
    .unwrap();
    let w = ev
        .resources
        .iter()
        .find(|r| r.addr == ResourceAddr::resource("watcher"))
        .unwrap();
    assert!(w.lifecycle.prevent_destroy);
    let key = |k: &str| PathStep::Key(k.into());
    assert_eq!(
        w.lifecycle.ignore_changes,
        vec![
            vec![key("tags")],
            vec![key("properties"), key("sku")],
            vec![key("properties"), key("rules"), PathStep::Index(0)],
        ]
    );
    assert_eq!(w.lifecycle.loc.as_ref().unwrap().line, 29);
    let b = ev
        .resources
        .iter()
        .find(|r| r.addr == ResourceAddr::resource("b"))
        .unwrap();
    assert_eq!(b.lifecycle, strata_core::Lifecycle::default());
}

#[test]
fn a_module_lifecycle_applies_to_all_its_resources() {
    let ev = eval_text(
        r#"stack "s" {}
module "rg" {
  source = "resource_group"
  name   = "rg-shop"
}
module "network" {
  source            = "networking"
  resource_group_id = module.rg.id
  address_space     = ["10.0.0.0/16"]
  subnets           = { web = { address_prefix = "10.0.1.0/24" } }

  lifecycle {
    ignore_changes = [properties.addressPrefix]
    prevent_destroy = true
  }
}
"#,
    )
    .unwrap();
    let net: Vec<_> = ev
        .resources
        .iter()
        .filter(|r| r.addr.module.as_deref() == Some("network"))
        .collect();
    assert_eq!(net.len(), 2);
    for r in net {
        assert!(r.lifecycle.prevent_destroy, "{}", r.addr);
        assert_eq!(r.lifecycle.ignore_changes.len(), 1);
        assert_eq!(r.lifecycle.loc.as_ref().unwrap().line, 12);
    }
}

#[test]
fn lifecycle_mistakes_are_reported_at_their_line() {
    let d = load_errors(
        r#"stack "s" {}
resource "a" {
  type   = "Microsoft.Network/networkWatchers@2024-07-01"
  name   = "nw"
  parent = "/subscriptions/s/resourceGroups/r"
  lifecycle {
    prevent_destroy = "yes"
    ignore_changes  = [id, tags[0], f(x)]
    create_before_destroy = true
  }
  lifecycle {}
}
module "m" {
  source = "resource_group"
  name   = "rg"
  lifecycle {
    ignore_changes = tags
  }
}
module "n" {
  source = "resource_group"
  name   = "rg2"
  lifecycle {
    ignore_changes = all
  }
}
"#,
    );
    assert_eq!(
        at(find(&d, "`prevent_destroy` must be true or false")),
        "strata.hcl:7"
    );
    let id = find(&d, "`id` cannot be ignored");
    assert_eq!(at(id), "strata.hcl:8");
    assert_eq!(id.loc.as_ref().unwrap().column, 24);
    assert_eq!(
        at(find(&d, "this is not a path of the resource's body")),
        "strata.hcl:8"
    );
    let unsupported = find(&d, "unsupported attribute `create_before_destroy`");
    assert_eq!(at(unsupported), "strata.hcl:9");
    assert!(unsupported.hint.as_ref().unwrap().contains("prevent_destroy"));
    assert_eq!(at(find(&d, "more than one lifecycle block")), "strata.hcl:11");
    assert_eq!(at(find(&d, "must be a list of paths")), "strata.hcl:17");
    assert_eq!(
        at(find(&d, "`ignore_changes = all` is not supported")),
        "strata.hcl:24"
    );
}

fn env_file(text: &str) -> Result<strata_config::Environment, Diagnostics> {
    let dir = write(&[
        ("strata.hcl", "stack \"s\" {}\n"),
        ("envs/prod.hcl", text),
        (
            "envs/staging.hcl",
            "environment \"staging\" {\n  inherits = \"prod\"\n  soft_delete {\n    on_create = \"fail\"\n  }\n}\n",
        ),
    ]);
    let stack = Stack::load(dir.path())?;
    let prod = stack.environment("prod")?;
    assert_eq!(
        prod.soft_delete.on_destroy,
        stack.environment("staging")?.soft_delete.on_destroy,
        "staging inherits what prod does not say"
    );
    stack.environment("staging")
}

#[test]
fn soft_delete_is_inherited_and_defaults_to_the_profile() {
    let staging = env_file(
        r#"environment "prod" {
  target   = "emulator"
  location = "westeurope"
  soft_delete {
    on_create  = "purge"
    on_destroy = "purge"
  }
}
"#,
    )
    .unwrap();
    assert_eq!(
        staging.soft_delete,
        SoftDeleteChoice {
            on_create: OnCreate::Fail,
            on_destroy: OnDestroy::Purge
        }
    );
    let staging =
        env_file("environment \"prod\" {\n  target = \"emulator\"\n  location = \"westeurope\"\n}\n")
            .unwrap();
    assert_eq!(staging.soft_delete.on_create, OnCreate::Fail);
    assert_eq!(staging.soft_delete.on_destroy, OnDestroy::Keep);

    let dir = write(&[("strata.hcl", "stack \"s\" {}\n"), ("envs/dev.hcl", DEV_ENV)]);
    let dev = Stack::load(dir.path()).unwrap().environment("dev").unwrap();
    assert_eq!(dev.soft_delete, SoftDeleteChoice::for_profile("dev"));
    assert_eq!(dev.soft_delete.on_destroy, OnDestroy::Purge);
}

#[test]
fn soft_delete_mistakes_name_the_line_and_the_choices() {
    let d = env_file(
        r#"environment "prod" {
  target   = "emulator"
  location = "westeurope"
  soft_delete {
    on_create  = "restore"
    on_destroy = "delete"
  }
}
"#,
    )
    .unwrap_err();
    let c = find(&d, "`restore` is not a choice for soft_delete `on_create`");
    assert_eq!(at(c), "prod.hcl:5");
    assert_eq!(
        c.hint.as_deref(),
        Some("`on_create` is one of \"recover\", \"purge\", \"fail\"")
    );
    let c = find(&d, "`delete` is not a choice for soft_delete `on_destroy`");
    assert_eq!(at(c), "prod.hcl:6");
    assert_eq!(
        c.hint.as_deref(),
        Some("`on_destroy` is one of \"keep\", \"purge\"")
    );

    let dir = write(&[
        ("strata.hcl", "stack \"s\" {}\n"),
        (
            "envs/dev.hcl",
            "environment \"dev\" {\n  location = \"x\"\n  soft_delete {\n    on_purge = \"x\"\n  }\n  soft_delete {}\n}\n",
        ),
    ]);
    let d = Stack::load(dir.path()).unwrap_err();
    let u = find(&d, "unsupported attribute `on_purge`");
    assert_eq!(at(u), "dev.hcl:4");
    assert!(u.hint.as_ref().unwrap().contains("on_create"));
    assert_eq!(at(find(&d, "more than one soft_delete block")), "dev.hcl:6");
}

#[test]
fn generic_resources_of_soft_deleted_types_get_the_modules_handling() {
    let dir = write(&[
        (
            "strata.hcl",
            r#"stack "s" {}
resource "kv" {
  type     = "Microsoft.KeyVault/vaults@2024-11-01"
  name     = "kv-generic"
  parent   = "/subscriptions/${env.subscription_id}/resourceGroups/rg"
  location = env.location
  body = {
    properties = {
      enablePurgeProtection = true
      tenantId              = "00000000-0000-0000-0000-000000000000"
      sku                   = { family = "A", name = "standard" }
    }
  }
}
resource "log" {
  type     = "Microsoft.OperationalInsights/workspaces@2023-09-01"
  name     = "log-generic"
  parent   = "/subscriptions/${env.subscription_id}/resourceGroups/rg"
  location = env.location
}
resource "nw" {
  type     = "Microsoft.Network/networkWatchers@2024-07-01"
  name     = "nw"
  parent   = "/subscriptions/${env.subscription_id}/resourceGroups/rg"
  location = env.location
}
"#,
        ),
        ("envs/dev.hcl", DEV_ENV),
    ]);
    let stack = Stack::load(dir.path()).unwrap();
    let env = stack.environment("dev").unwrap();
    let registry = strata_modules::builtin_registry();
    let opts = EvalOptions {
        registry: &registry,
        var_overrides: Default::default(),
    };
    let ev = evaluate(&stack, &env, &opts).unwrap();
    let kv = ev.resources[0].soft_delete.as_ref().unwrap();
    assert_eq!(
        kv.deleted_id.as_ref().unwrap().as_str(),
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-generic"
    );
    assert_eq!(kv.recover, Recover::CreateModeRecover);
    assert!(kv.purge_protected);
    let log = ev.resources[1].soft_delete.as_ref().unwrap();
    assert_eq!(log.purge, Purge::ForceDelete);
    assert_eq!(ev.resources[2].soft_delete, None);
    // The selectors parse as the engine expects.
    assert!(sel("resource.kv").matches(&ev.resources[0].addr));
}

#[test]
fn prod_protects_stateful_resources_unless_the_module_block_says_otherwise() {
    let stack_text = |lifecycle: &str| {
        format!(
            r#"stack "s" {{}}
module "storage" {{
  source         = "storage"
  resource_group = "rg-shop"
  name           = "stshopprod"
{lifecycle}
}}
"#
        )
    };
    let eval = |text: &str| {
        let dir = write(&[
            ("strata.hcl", text),
            (
                "envs/prod.hcl",
                "environment \"prod\" {\n  target = \"emulator\"\n  location = \"westeurope\"\n}\n",
            ),
        ]);
        let stack = Stack::load(dir.path()).unwrap();
        let env = stack.environment("prod").unwrap();
        let registry = strata_modules::builtin_registry();
        let opts = EvalOptions {
            registry: &registry,
            var_overrides: Default::default(),
        };
        evaluate(&stack, &env, &opts).unwrap()
    };
    let ev = eval(&stack_text(""));
    let account = ev.resources.iter().find(|r| r.addr.name == "account").unwrap();
    assert!(account.lifecycle.prevent_destroy);
    assert_eq!(
        account.lifecycle.loc.as_ref().unwrap().line,
        2,
        "the default points at the module block"
    );
    let service = ev
        .resources
        .iter()
        .find(|r| r.addr.name == "blob_service")
        .unwrap();
    assert!(!service.lifecycle.prevent_destroy);

    let ev = eval(&stack_text(
        "  lifecycle {\n    prevent_destroy = false\n    ignore_changes = [tags]\n  }",
    ));
    for r in &ev.resources {
        assert!(!r.lifecycle.prevent_destroy, "{}", r.addr);
        assert_eq!(
            r.lifecycle.ignore_changes,
            vec![vec![PathStep::Key("tags".into())]]
        );
        assert_eq!(r.lifecycle.loc.as_ref().unwrap().line, 6);
    }

    let ev = eval(&stack_text("  lifecycle {\n    ignore_changes = [tags]\n  }"));
    let account = ev.resources.iter().find(|r| r.addr.name == "account").unwrap();
    assert!(
        account.lifecycle.prevent_destroy,
        "a block without prevent_destroy keeps the default"
    );
    assert_eq!(account.lifecycle.loc.as_ref().unwrap().line, 2);
}
