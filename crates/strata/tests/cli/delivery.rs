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
    let r = ctx.ok(&["ci", "init", "github"]);
    assert!(
        r.stdout.contains("dev → prod → staging") || r.stdout.contains("dev → staging → prod"),
        "{}",
        r.all()
    );
    let workflows = std::fs::read_dir(ctx.path().join(".github/workflows"))
        .unwrap()
        .count();
    assert_eq!(workflows, 2);
    let text = std::fs::read_to_string(ctx.path().join(".github/workflows/strata-shop-apply.yml")).unwrap();
    assert!(text.contains("id-token: write"));
    let r = ctx.run(&["ci", "init", "github"]);
    assert_eq!(r.code, 1, "refuses to overwrite: {}", r.all());
    ctx.ok(&["ci", "init", "azure-devops"]);
    assert!(ctx.path().join("azure-pipelines.yml").exists());
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
