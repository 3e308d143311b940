//! GitOps delivery: OpenTofu plan JSON, PR reports, generated pipelines, promotion, and
//! secrets that never leave the state.

use std::process::Command;

use serde_json::Value as Json;

use crate::common::Ctx;

const PLANTED: &str = "S3cr3t-planted-9f8e7d";

fn with_secret(ctx: &Ctx) {
    ctx.write(
        "secret.hcl",
        r#"
variable "db_password" {
  type      = string
  sensitive = true
}

# A generic ARM resource whose body carries the secret.
resource "thing" {
  type     = "Microsoft.Example/things@2024-01-01"
  name     = "thing-${env.name}"
  parent   = module.rg.id
  location = env.location
  body     = { properties = { password = var.db_password, size = "small" } }
}
"#,
    );
}

#[test]
fn saved_plan_shows_as_opentofu_json_and_as_a_report_without_secrets() {
    let ctx = Ctx::example_with_emulator();
    with_secret(&ctx);
    let var = format!("db_password={PLANTED}");
    let r = ctx.run(&["plan", "-e", "dev", "-out", "dev.tfplan", "-var", &var]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains(PLANTED) && !r.stderr.contains(PLANTED));
    assert!(r.stdout.contains("<sensitive>"), "{}", r.all());
    assert!(
        !ctx.read("dev.tfplan").contains(PLANTED),
        "the plan file holds no secret"
    );

    let j = ctx.ok(&["show", "-json", "dev.tfplan"]);
    assert!(!j.stdout.contains(PLANTED));
    let plan: Json = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(plan["format_version"], "1.2");
    let changes = plan["resource_changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .all(|c| c["change"]["actions"] == serde_json::json!(["create"]))
    );
    let thing = changes.iter().find(|c| c["address"] == "resource.thing").unwrap();
    assert_eq!(
        thing["change"]["after_sensitive"]["properties"]["password"], true,
        "{thing}"
    );

    let report = ctx.ok(&["show", "--report", "markdown", "dev.tfplan"]);
    assert!(
        report.stdout.starts_with("<!-- strata-plan-report: shop -->"),
        "{}",
        report.all()
    );
    assert!(!report.stdout.contains(PLANTED));

    let r = ctx.run(&["plan", "-e", "dev", "--report", "markdown", "-var", &var]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.starts_with("<!-- strata-plan-report: shop -->"),
        "{}",
        r.all()
    );
    assert!(!r.stdout.contains(PLANTED));

    // Apply, then every read-out masks it.
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve", "-var", &var]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains(PLANTED) && !r.stderr.contains(PLANTED));
    for args in [
        &["state", "list", "-e", "dev"][..],
        &["state", "show", "-e", "dev", "resource.thing"][..],
        &["output", "-e", "dev"][..],
    ] {
        let r = ctx.run(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
        assert!(
            !r.stdout.contains(PLANTED) && !r.stderr.contains(PLANTED),
            "{args:?} printed the secret"
        );
    }
    let r = ctx.run(&["plan", "-e", "dev", "-detailed-exitcode", "-var", &var]);
    assert_eq!(r.code, 0, "a sensitive value re-plans to no changes: {}", r.all());
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ci_init_writes_pipelines_once() {
    let ctx = Ctx::example();
    git(ctx.path(), &["init", "-q", "-b", "main"]);
    let install = "--install=git=https://github.com/acme/strata@v0.1.0";
    let r = ctx.ok(&["ci", "init", "github", install]);
    // dev targets the emulator: nothing to deploy, and it says so.
    assert!(r.stdout.contains("staging → prod"), "{}", r.all());
    assert!(
        r.stdout
            .contains("Left out (target = \"emulator\", nothing to deploy): dev."),
        "{}",
        r.all()
    );
    let workflows = std::fs::read_dir(ctx.path().join(".github/workflows"))
        .unwrap()
        .count();
    assert_eq!(workflows, 3, "plan, apply and the scheduled drift check");
    let text = std::fs::read_to_string(ctx.path().join(".github/workflows/strata-shop-apply.yml")).unwrap();
    assert!(text.contains("id-token: write"));
    assert!(text.contains("--git 'https://github.com/acme/strata' --tag 'v0.1.0' strata"));
    assert!(
        !text.contains("dev"),
        "the emulator-only environment is left out:\n{text}"
    );
    let r = ctx.run(&["ci", "init", "github", install]);
    assert_eq!(r.code, 1, "refuses to overwrite: {}", r.all());
    ctx.ok(&["ci", "init", "azure-devops", "--install", "crate=0.1.0"]);
    assert!(ctx.path().join("azure-pipelines.yml").exists());
    assert!(ctx.path().join("azure-pipelines-drift.yml").exists());
}

#[test]
fn ci_init_warns_about_local_state_and_needs_an_install_source() {
    let ctx = Ctx::example();
    git(ctx.path(), &["init", "-q", "-b", "main"]);

    // No source: a clear error with examples, and nothing written.
    let r = ctx.run(&["ci", "init", "github"]);
    assert_eq!(r.code, 1, "{}", r.all());
    for example in ["--install git=", "--install crate=", "--install path="] {
        assert!(r.stderr.contains(example), "{}", r.all());
    }
    assert!(!ctx.path().join(".github").exists());
    let r = ctx.run(&["ci", "init", "github", "--install", "latest"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("`latest` is not a source"), "{}", r.all());
    let r = ctx.run(&["ci", "init", "github", "--install", "path"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("--install path=DIR"), "{}", r.all());
    let r = ctx.run(&["ci", "init", "github", "--install", "path=envs"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("envs is not the strata package"), "{}", r.all());
    assert!(!ctx.path().join(".github").exists());

    // `path` alone finds the strata package of the repository.
    std::fs::create_dir_all(ctx.path().join("crates/strata")).unwrap();
    ctx.write(
        "crates/strata/Cargo.toml",
        "[package]\nname = \"strata\"\nversion = \"0.1.0\"\n",
    );
    ctx.ok(&["ci", "init", "github", "--install", "path"]);
    let apply = ctx.read(".github/workflows/strata-shop-apply.yml");
    assert!(
        apply.contains("cargo install --locked --root \"$HOME/.strata\" --path 'crates/strata'"),
        "{apply}"
    );
    std::fs::remove_dir_all(ctx.path().join(".github")).unwrap();

    // The example keeps its state locally: CI would lose it after every run.
    let r = ctx.ok(&["ci", "init", "github", "--install", "crate=0.1.0"]);
    for env in ["staging", "prod"] {
        assert!(
            r.stderr.contains(&format!(
                "warning: {env} keeps its state in a local file (.strata/state/{env}.json)"
            )),
            "{}",
            r.all()
        );
    }
    assert!(!r.stderr.contains("warning: dev"), "{}", r.all());

    // With an azurerm backend for the stack, no warning.
    let stack = ctx.read("strata.hcl");
    ctx.write(
        "strata.hcl",
        &format!(
            "{stack}\nbackend \"azurerm\" {{\n  resource_group_name  = \"rg-strata-state\"\n  storage_account_name = \"ststratashop01\"\n  container_name       = \"tfstate\"\n}}\n"
        ),
    );
    let r = ctx.ok(&["ci", "init", "azure-devops", "--install", "crate=0.1.0"]);
    assert!(!r.stderr.contains("warning"), "{}", r.all());

    // Only emulator environments: nothing for CI to deploy.
    for env in ["staging", "prod"] {
        let file = format!("envs/{env}.hcl");
        if ctx.read(&file).contains("target") {
            ctx.edit(
                &file,
                "target          = \"azure\"",
                "target          = \"emulator\"",
            );
        }
    }
    let r = ctx.run(&[
        "ci",
        "init",
        "azure-devops",
        "--install",
        "crate=0.1.0",
        "--force",
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("CI has nothing to deploy"), "{}", r.all());
}

#[test]
fn promote_compares_with_the_configuration_the_other_environment_runs() {
    let ctx = Ctx::example();
    git(ctx.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(ctx.path().join(".gitignore"), ".strata/\n*.tfplan\n").unwrap();
    git(ctx.path(), &["add", "-A"]);
    git(ctx.path(), &["commit", "-q", "-m", "shop"]);
    let r = ctx.ok(&["apply", "-e", "staging", "--emulator", "--auto-approve"]);
    assert!(r.stdout.contains("Apply complete!"), "{}", r.all());
    // Work in progress that staging does not run yet: one more resource group.
    ctx.write(
        "wip.hcl",
        "module \"wip\" {\n  source = \"resource_group\"\n  name   = \"rg-wip-${env.name}\"\n}\n",
    );
    let now = ctx.ok(&["plan", "-e", "prod", "--emulator", "--json"]);
    let now: Json = serde_json::from_str(&now.stdout).unwrap();
    let with_wip = now["changes"].as_array().unwrap().len();
    let r = ctx.ok(&["promote", "--from", "staging", "--to", "prod", "--emulator"]);
    assert!(
        r.stderr.contains("runs the configuration of commit"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(&format!("{} to add", with_wip - 1)),
        "staging's committed configuration, not the work in progress: {}",
        r.all()
    );
    assert!(!r.stdout.contains("module.wip"), "{}", r.all());
}
