//! `validate` on `moved`, `import`, `lifecycle` and `soft_delete` blocks in the example stack:
//! good blocks pass, each mistake fails with its file and line, and a problem found in several
//! environments is printed once, saying which.

use serde_json::Value as Json;

use crate::common::Ctx;

/// `validate` fails, and its output names `file:line`.
#[track_caller]
fn fails_at(ctx: &Ctx, file_line: &str, needle: &str) -> String {
    let r = ctx.run(&["validate"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!r.stderr.contains("panicked"), "{}", r.all());
    assert!(
        r.stderr.contains(&format!("{file_line}:")),
        "no {file_line} in:\n{}",
        r.all()
    );
    assert!(r.stderr.contains(needle), "no {needle:?} in:\n{}", r.all());
    r.stderr
}

#[test]
fn good_blocks_validate() {
    let ctx = Ctx::example();
    ctx.write(
        "refactor.hcl",
        r#"moved {
  from = module.blobs
  to   = module.storage
}
moved {
  from = module.network.subnet["web"]
  to   = module.network.subnet["app"]
}
import {
  to = module.rg.group
  id = "/subscriptions/${env.subscription_id}/resourceGroups/rg-shop-${env.name}"
}
"#,
    );
    ctx.edit(
        "data.hcl",
        "  containers = {",
        "  lifecycle {\n    prevent_destroy = false\n    ignore_changes  = [tags]\n  }\n\n  containers = {",
    );
    ctx.edit(
        "envs/prod.hcl",
        "  location        = \"westeurope\"",
        "  location        = \"westeurope\"\n  soft_delete {\n    on_create  = \"fail\"\n    on_destroy = \"keep\"\n  }",
    );
    let r = ctx.ok(&["validate"]);
    assert!(r.stdout.contains("The configuration is valid"), "{}", r.all());
}

#[test]
fn a_moved_block_to_nowhere_fails_once_for_every_environment() {
    let ctx = Ctx::example();
    ctx.write(
        "refactor.hcl",
        "moved {\n  from = module.storage\n  to   = module.blobs\n}\n",
    );
    let err = fails_at(&ctx, "refactor.hcl:2", "`module.storage` still exists");
    assert!(err.contains("refactor.hcl:3:"), "{err}");
    assert_eq!(
        err.matches("`module.storage` still exists").count(),
        1,
        "one problem, printed once:\n{err}"
    );
    assert_eq!(
        err.matches("`module.blobs` is not in the configuration").count(),
        1,
        "{err}"
    );
    assert!(err.contains("in every environment"), "{err}");

    let r = ctx.run(&["validate", "--json"]);
    assert_eq!(r.code, 1);
    let v: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let diags = v["diagnostics"].as_array().unwrap();
    let still: Vec<&Json> = diags
        .iter()
        .filter(|d| d["summary"].as_str().unwrap().contains("still exists"))
        .collect();
    assert_eq!(still.len(), 1, "{diags:?}");
    assert_eq!(
        still[0]["environments"],
        serde_json::json!(["dev", "prod", "staging"])
    );
    assert_eq!(still[0]["loc"]["line"], 2);
    let blobs: Vec<&Json> = diags
        .iter()
        .filter(|d| d["summary"].as_str().unwrap().contains("`module.blobs`"))
        .collect();
    assert_eq!(blobs.len(), 1);
    assert_eq!(
        blobs[0]["environments"],
        serde_json::json!(["dev", "prod", "staging"])
    );
    assert_eq!(blobs[0]["loc"]["line"], 3);
}

#[test]
fn moved_blocks_that_conflict_fail_at_load() {
    let ctx = Ctx::example();
    ctx.write(
        "refactor.hcl",
        "moved {\n  from = module.old\n  to   = module.storage\n}\n\nmoved {\n  from = module.old\n  to   = module.vault\n}\n",
    );
    let err = fails_at(&ctx, "refactor.hcl:7", "`module.old` is already moved");
    assert!(
        err.contains("refactor.hcl:1:"),
        "the detail names the first block: {err}"
    );
}

#[test]
fn an_import_of_the_wrong_type_fails_with_its_line() {
    let ctx = Ctx::example();
    ctx.write(
        "refactor.hcl",
        "import {\n  to = module.storage.account\n  id = \"/subscriptions/${env.subscription_id}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv\"\n}\n",
    );
    fails_at(
        &ctx,
        "refactor.hcl:3",
        "`id` is a Microsoft.KeyVault/vaults, but `module.storage.account` is a Microsoft.Storage/storageAccounts",
    );
    ctx.write(
        "refactor.hcl",
        "import {\n  to = module.storage.acount\n  id = \"/subscriptions/x/resourceGroups/rg\"\n}\n",
    );
    let err = fails_at(
        &ctx,
        "refactor.hcl:2",
        "`module.storage.acount` is not an address",
    );
    assert!(err.contains("did you mean `module.storage.account`?"), "{err}");
}

#[test]
fn a_bad_lifecycle_block_fails_with_its_line() {
    let ctx = Ctx::example();
    ctx.edit(
        "data.hcl",
        "  containers = {",
        "  lifecycle {\n    prevent_destroy = \"yes\"\n    ignore_changes  = [name]\n  }\n\n  containers = {",
    );
    let err = fails_at(&ctx, "data.hcl:13", "`prevent_destroy` must be true or false");
    assert!(err.contains("data.hcl:14:"), "{err}");
    assert!(err.contains("`name` cannot be ignored"), "{err}");
}

#[test]
fn a_bad_soft_delete_choice_is_shown_once_for_the_environments_it_reaches() {
    let ctx = Ctx::example();
    ctx.edit(
        "envs/prod.hcl",
        "  location        = \"westeurope\"",
        "  location        = \"westeurope\"\n  soft_delete {\n    on_destroy = \"purge-later\"\n  }",
    );
    let err = fails_at(
        &ctx,
        "prod.hcl:10",
        "`purge-later` is not a choice for soft_delete `on_destroy`",
    );
    assert_eq!(err.matches("is not a choice").count(), 1, "{err}");
    assert!(err.contains("\"keep\", \"purge\""), "{err}");
    // staging inherits prod; dev does not.
    assert!(err.contains("in environments prod, staging"), "{err}");
    let r = ctx.run(&["validate"]);
    assert!(r.stdout.contains("environment dev:"), "{}", r.all());

    let r = ctx.run(&["validate", "-e", "staging", "--json"]);
    assert_eq!(r.code, 1);
    let v: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["diagnostics"][0]["environments"],
        serde_json::json!(["staging"])
    );
}

#[test]
fn an_import_of_another_name_warns_once_with_each_environments_id() {
    let ctx = Ctx::example();
    ctx.write(
        "refactor.hcl",
        "import {\n  to = module.rg.group\n  id = \"/subscriptions/${env.subscription_id}/resourceGroups/rg-other\"\n}\n",
    );
    let r = ctx.ok(&["validate"]);
    assert_eq!(
        r.stderr.matches("is not the id the configuration gives").count(),
        1,
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("refactor.hcl:3:"), "{}", r.all());
    for env in ["dev", "prod", "staging"] {
        assert!(
            r.stderr
                .contains(&format!("/resourceGroups/rg-shop-{env} ({env})")),
            "{}",
            r.all()
        );
    }
    assert!(r.stderr.contains("in every environment"), "{}", r.all());
}
