//! The whole estate of the example — storage, Key Vault, PostgreSQL, App Service, Front Door
//! and monitoring — in dev, staging and prod over the emulator; the VM, scale set and
//! application gateway variants; profile differences; secrets that never show; and bad input
//! refused before any call.

use serde_json::Value as Json;

use crate::common::{Ctx, Run, Sentinel};

/// A database password planted through a sensitive variable; it must never be printed.
const PLANTED: &str = "Planted-Pa55word-7f3e!";

const SUBSCRIPTIONS: [(&str, &str); 3] = [
    ("dev", "00000000-0000-0000-0000-00000000a001"),
    ("staging", "00000000-0000-0000-0000-00000000a002"),
    ("prod", "00000000-0000-0000-0000-00000000a003"),
];

fn subscription(env: &str) -> &'static str {
    SUBSCRIPTIONS
        .iter()
        .find(|(e, _)| *e == env)
        .map(|(_, s)| *s)
        .unwrap_or_default()
}

fn rg(env: &str) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-shop-{env}",
        subscription(env)
    )
}

/// `args` for `env`, rehearsing staging and prod (which target Azure) on the emulator.
fn with_env<'a>(args: &[&'a str], env: &'a str) -> Vec<&'a str> {
    let mut out = args.to_vec();
    out.extend(["-e", env]);
    if env != "dev" {
        out.push("--emulator");
    }
    out
}

fn password_var() -> String {
    format!("db_admin_password={PLANTED}")
}

/// Applies the example to `env` with the planted password.
fn apply(ctx: &Ctx, env: &str) -> Run {
    let var = password_var();
    let mut args = with_env(&["apply", "--auto-approve"], env);
    args.extend(["--var", &var]);
    ctx.ok(&args)
}

fn resource_groups(ctx: &Ctx, env: &str) -> Vec<Json> {
    let (s, list) = ctx.arm_get(
        &format!("/subscriptions/{}/resourcegroups", subscription(env)),
        "2024-11-01",
    );
    assert_eq!(s, 200, "{list}");
    list["value"].as_array().cloned().unwrap_or_default()
}

/// The storage account key and App Insights connection string the emulator made for `env`.
fn server_secrets(ctx: &Ctx, env: &str) -> Vec<String> {
    let account = format!(
        "{}/providers/Microsoft.Storage/storageAccounts/stshop{env}",
        rg(env)
    );
    let (s, keys) = ctx.arm("POST", &format!("{account}/listKeys"), "2025-01-01", None);
    assert_eq!(s, 200, "{keys}");
    let key = keys["keys"][0]["value"].as_str().unwrap().to_string();
    let insights = format!(
        "{}/providers/Microsoft.Insights/components/log-shop-{env}-insights",
        rg(env)
    );
    let (s, ai) = ctx.arm_get(&insights, "2020-02-02");
    assert_eq!(s, 200, "{ai}");
    let conn = ai["properties"]["ConnectionString"].as_str().unwrap().to_string();
    let ikey = ai["properties"]["InstrumentationKey"]
        .as_str()
        .unwrap()
        .to_string();
    vec![key, conn, ikey]
}

fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "a secret appears in {what}:\n{text}");
    }
}

/// Apply, re-plan to no changes, outputs masked, destroy to an empty subscription.
fn full_cycle(env: &str, added: usize) {
    let ctx = Ctx::example_with_emulator();
    let r = apply(&ctx, env);
    assert!(
        r.stdout.contains(&format!(
            "Apply complete! Resources: {added} added, 0 changed, 0 destroyed."
        )),
        "{}",
        r.all()
    );
    let r = ctx.ok(&with_env(&["output"], env));
    for sensitive in [
        "storage_connection_string",
        "database_connection_string",
        "app_insights_connection_string",
    ] {
        assert!(
            r.stdout.contains(&format!("{sensitive} = <sensitive>\n")),
            "{sensitive} is not masked:\n{}",
            r.all()
        );
    }
    assert!(r.stdout.contains("url = \"https://shop-"), "{}", r.all());
    assert!(r.stdout.contains(".azurefd.net/\""), "{}", r.all());
    assert!(
        r.stdout
            .contains(&format!("app_hostname = \"app-shop-{env}.azurewebsites.net\"")),
        "{}",
        r.all()
    );
    let mut secrets = server_secrets(&ctx, env);
    secrets.push(PLANTED.to_string());
    assert_no_secret(&r.all(), &secrets, "`output`");

    let r = ctx.run(&with_env(
        &["plan", "-detailed-exitcode", "--var", &password_var()],
        env,
    ));
    assert_eq!(r.code, 0, "a second plan must show no changes:\n{}", r.all());
    assert!(r.stdout.contains("No changes."), "{}", r.all());

    let r = ctx.ok(&with_env(
        &["destroy", "--auto-approve", "--var", &password_var()],
        env,
    ));
    // With a warm standby, the primary also holds Front Door's origin in the standby (added
    // once the standby exists), and the standby estate is destroyed after it.
    let warm = env != "dev";
    let destroyed = if warm { added + 1 } else { added };
    assert!(
        r.stdout
            .contains(&format!("Destroy complete! Resources: {destroyed} destroyed.")),
        "{}",
        r.all()
    );
    assert_eq!(r.stdout.contains("── Standby estate"), warm, "{}", r.all());
    assert_eq!(
        r.stdout.matches("Destroy complete!").count(),
        if warm { 2 } else { 1 }
    );
    assert!(
        resource_groups(&ctx, env).is_empty(),
        "the subscription is not empty"
    );
    assert!(
        ctx.ok(&with_env(&["state", "list"], env))
            .stdout
            .trim()
            .is_empty()
    );
}

#[test]
fn dev_builds_the_whole_estate_replans_to_no_changes_and_destroys_it() {
    full_cycle("dev", 41);
}

#[test]
fn staging_builds_the_whole_estate_replans_to_no_changes_and_destroys_it() {
    full_cycle("staging", 43);
}

#[test]
fn prod_builds_the_whole_estate_replans_to_no_changes_and_destroys_it() {
    full_cycle("prod", 43);
}

/// The JSON plan's created value at `path` of `addr`.
fn created(plan: &Json, addr: &str, path: &str) -> Json {
    let change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["addr"] == addr)
        .unwrap_or_else(|| panic!("no {addr} in the plan"));
    change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == path)
        .map(|p| p["after"]["value"].clone())
        .unwrap_or(Json::Null)
}

#[test]
fn prod_plan_shows_the_profile_differences_from_dev() {
    let ctx = Ctx::example_with_emulator();
    let plan = |env: &str| -> Json {
        let r = ctx.ok(&with_env(&["plan", "--json"], env));
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.all()))
    };
    let (dev, prod) = (plan("dev"), plan("prod"));
    for (addr, path, in_dev, in_prod) in [
        (
            "module.storage.account",
            "sku.name",
            "Standard_LRS",
            "Standard_RAGZRS",
        ),
        ("module.app.plan", "sku.name", "B1", "P1v3"),
        (
            "module.database.server",
            "sku.name",
            "Standard_B1ms",
            "Standard_D4ds_v5",
        ),
        (
            "module.database.server",
            "properties.highAvailability.mode",
            "Disabled",
            "ZoneRedundant",
        ),
        (
            "module.database.server",
            "properties.backup.geoRedundantBackup",
            "Disabled",
            "Enabled",
        ),
        (
            "module.edge.profile",
            "sku.name",
            "Standard_AzureFrontDoor",
            "Premium_AzureFrontDoor",
        ),
    ] {
        assert_eq!(created(&dev, addr, path), in_dev, "dev {addr} {path}");
        assert_eq!(created(&prod, addr, path), in_prod, "prod {addr} {path}");
    }
    assert_eq!(created(&dev, "module.app.plan", "sku.capacity"), 1);
    assert_eq!(created(&prod, "module.app.plan", "sku.capacity"), 3);
    assert_eq!(
        created(&prod, "module.app.plan", "properties.zoneRedundant"),
        true
    );
    assert_eq!(
        created(&prod, "module.vault.vault", "properties.enablePurgeProtection"),
        true
    );
    assert_eq!(
        created(&dev, "module.vault.vault", "properties.enablePurgeProtection"),
        Json::Null
    );
    assert_eq!(
        created(&prod, "module.monitoring.workspace", "properties.retentionInDays"),
        90
    );
    let has = |plan: &Json, addr: &str| {
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["addr"] == addr)
    };
    assert!(has(&prod, "module.edge.waf_policy") && !has(&dev, "module.edge.waf_policy"));

    // The same in the human plan, plainly.
    let r = ctx.ok(&with_env(&["plan"], "prod"));
    assert!(r.stdout.contains("\"Standard_RAGZRS\""), "{}", r.all());
    assert!(
        r.stdout.contains("Plan: 43 to add, 0 to change, 0 to destroy."),
        "{}",
        r.all()
    );
}

#[test]
fn planted_secrets_never_appear_in_outputs_plans_or_state_listings() {
    let ctx = Ctx::example_with_emulator();
    let applied = apply(&ctx, "dev");
    let mut secrets = server_secrets(&ctx, "dev");
    secrets.push(PLANTED.to_string());
    assert_no_secret(&applied.all(), &secrets, "`apply`");

    let var = password_var();
    let output = ctx.ok(&["output", "-e", "dev"]);
    assert_no_secret(&output.all(), &secrets, "`output`");
    let output = ctx.ok(&["output", "-e", "dev", "--json"]);
    assert_no_secret(&output.all(), &secrets, "`output --json`");

    let list = ctx.ok(&["state", "list", "-e", "dev"]);
    assert_no_secret(&list.all(), &secrets, "`state list`");
    let addrs: Vec<String> = list
        .stdout
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(addrs.len() >= 41, "{}", list.all());
    for addr in &addrs {
        let shown = ctx.ok(&["state", "show", "-e", "dev", addr]);
        assert_no_secret(&shown.all(), &secrets, &format!("`state show {addr}`"));
    }
    let insights = ctx.ok(&["state", "show", "-e", "dev", "module.monitoring.insights"]);
    assert!(insights.stdout.contains("<sensitive>"), "{}", insights.all());

    let plan = ctx.run(&["plan", "-e", "dev", "--var", &var]);
    assert_no_secret(&plan.all(), &secrets, "`plan`");
    let json = ctx.run(&["plan", "-e", "dev", "--json", "--var", &var]);
    assert_no_secret(&json.all(), &secrets, "`plan --json`");
    ctx.ok(&["plan", "-e", "dev", "-out", "dev.tfplan", "--var", &var]);
    let file = std::fs::read(ctx.path().join("dev.tfplan")).unwrap();
    assert_no_secret(&String::from_utf8_lossy(&file), &secrets, "the plan file");
    let shown = ctx.run(&["show", "dev.tfplan"]);
    assert_no_secret(&shown.all(), &secrets, "`show`");
    let shown = ctx.run(&["show", "dev.tfplan", "--json"]);
    assert_no_secret(&shown.all(), &secrets, "`show --json`");

    let destroyed = ctx.run(&["destroy", "-e", "dev", "--auto-approve", "--var", &var]);
    assert_no_secret(&destroyed.all(), &secrets, "`destroy`");
}

#[test]
fn every_supported_resource_reports_to_the_workspace() {
    let ctx = Ctx::example_with_emulator();
    apply(&ctx, "dev");
    let workspace = format!(
        "{}/providers/Microsoft.OperationalInsights/workspaces/log-shop-dev",
        rg("dev")
    );
    for target in [
        "/providers/Microsoft.Storage/storageAccounts/stshopdev",
        "/providers/Microsoft.KeyVault/vaults/kv-shop-dev-weu",
        "/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-dev",
        "/providers/Microsoft.Web/sites/app-shop-dev",
        "/providers/Microsoft.Cdn/profiles/shop-dev",
        "/providers/Microsoft.Network/virtualNetworks/vnet-shop-dev",
    ] {
        let id = format!(
            "{}{target}/providers/Microsoft.Insights/diagnosticSettings/strata-to-log-analytics",
            rg("dev")
        );
        let (s, setting) = ctx.arm_get(&id, "2021-05-01-preview");
        assert_eq!(s, 200, "{target}: {setting}");
        assert!(
            setting["properties"]["workspaceId"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&workspace),
            "{setting}"
        );
    }
    // Opting a module out removes its settings on the next apply.
    ctx.edit(
        "data.hcl",
        "  name           = \"st${local.compact}\"\n",
        "  name           = \"st${local.compact}\"\n  diagnostics    = false\n",
    );
    let r = ctx.run(&["plan", "-e", "dev", "--var", &password_var()]);
    assert!(
        r.stdout
            .contains("module.storage.diagnostics[\"account\"] will be destroyed"),
        "{}",
        r.all()
    );
}

/// Runs `plan -e dev` against a sentinel endpoint; asserts the failure, the location and
/// the hint, and that no request left.
fn fails_before_arm(ctx: &Ctx, file: &str, needles: &[&str]) -> String {
    let sentinel = Sentinel::new();
    let out = ctx
        .cmd()
        .env("STRATA_ARM_ENDPOINT", sentinel.endpoint())
        .args(["plan", "-e", "dev"])
        .output()
        .unwrap();
    let r = Run::from(out);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!sentinel.contacted(), "a request reached ARM:\n{}", r.all());
    assert!(r.stderr.contains(file), "no {file} in:\n{}", r.all());
    assert!(r.stderr.contains("hint:"), "no hint in:\n{}", r.all());
    for n in needles {
        assert!(r.stderr.contains(n), "missing {n:?} in:\n{}", r.all());
    }
    r.stderr
}

#[test]
fn a_storage_name_with_capitals_fails_before_any_call() {
    let ctx = Ctx::example();
    ctx.edit(
        "data.hcl",
        "name           = \"st${local.compact}\"",
        "name           = \"StShopDev\"",
    );
    fails_before_arm(
        &ctx,
        "data.hcl:9",
        &["lowercase letters and digits", "`stshopdev`"],
    );
}

#[test]
fn a_vm_size_the_profile_forbids_fails_before_any_call() {
    let ctx = Ctx::example();
    ctx.write(
        "jumpbox.hcl",
        r#"# An administration VM in the management subnet.
module "jumpbox" {
  source         = "compute"
  resource_group = module.rg.name
  name           = "vm-jump-${env.name}"
  subnet         = module.network.subnets["mgmt"]
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJumpboxKeyForTests ops@example"
  size           = "Standard_D16s_v5"
}
"#,
    );
    fails_before_arm(
        &ctx,
        "jumpbox.hcl:8",
        &[
            "the dev profile does not allow `Standard_D16s_v5`",
            "Standard_B2s",
        ],
    );
}

#[test]
fn a_database_in_a_subnet_that_is_not_a_data_subnet_fails_before_any_call() {
    let ctx = Ctx::example();
    ctx.edit(
        "data.hcl",
        "module.network.subnets[\"data\"]",
        "module.network.subnets[\"app\"]",
    );
    fails_before_arm(
        &ctx,
        "data.hcl:",
        &["must be placed in a data subnet", "has the app role"],
    );
}

#[test]
fn a_password_in_the_open_fails_before_any_call() {
    let ctx = Ctx::example();
    ctx.edit(
        "data.hcl",
        "administrator_password = var.db_admin_password",
        "administrator_password = \"Open-Pa55word!\"",
    );
    // The source line is quoted as written; the message and the hint never repeat the value.
    let stderr = fails_before_arm(&ctx, "data.hcl:", &["not marked sensitive", "sensitive = true"]);
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_default();
    assert!(!summary.contains("Open-Pa55word!"), "{stderr}");
}

#[test]
fn an_unknown_profile_fails_before_any_call() {
    let ctx = Ctx::example();
    ctx.edit(
        "envs/dev.hcl",
        "profile         = \"dev\"",
        "profile         = \"development\"",
    );
    fails_before_arm(&ctx, "dev.hcl:", &["`development` is not a profile"]);
}

#[test]
fn a_key_vault_name_taken_elsewhere_fails_at_apply_with_the_azure_error() {
    let ctx = Ctx::example_with_emulator();
    // Someone else's subscription already has a vault of that name.
    let other = "/subscriptions/00000000-0000-0000-0000-00000000beef/resourceGroups/rg-other";
    let (s, _) = ctx.arm(
        "PUT",
        other,
        "2024-11-01",
        Some(serde_json::json!({"location": "westeurope"})),
    );
    assert_eq!(s, 201);
    let (s, body) = ctx.arm(
        "PUT",
        &format!("{other}/providers/Microsoft.KeyVault/vaults/kv-shop-dev-weu"),
        "2024-11-01",
        Some(serde_json::json!({
            "location": "westeurope",
            "properties": {"tenantId": "00000000-0000-0000-0000-000000000000", "sku": {"family": "A", "name": "standard"}}
        })),
    );
    assert!(matches!(s, 200 | 201), "{body}");
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("module.vault.vault"), "{}", r.all());
    assert!(r.stderr.contains("VaultAlreadyExists"), "{}", r.all());
    assert!(r.stderr.contains("kv-shop-dev-weu"), "{}", r.all());
    // Everything that does not need the vault was built.
    let (s, _) = ctx.arm_get(&rg("dev"), "2024-11-01");
    assert_eq!(s, 200);
}

pub(crate) const VARIANTS: &str = r#"
stack "variants" {}

module "rg" {
  source = "resource_group"
  name   = "rg-variants-${env.name}"
}

module "network" {
  source         = "networking"
  resource_group = module.rg.name
  name           = "vnet-variants"
  address_space  = ["10.40.0.0/16"]
  subnets = {
    app  = { address_prefix = "10.40.1.0/24" }
    mgmt = { address_prefix = "10.40.3.0/24" }
    gateway = {
      address_prefix = "10.40.4.0/24"
      nsg_rules = [
        {
          name                       = "allow-gateway-manager"
          priority                   = 100
          direction                  = "Inbound"
          access                     = "Allow"
          protocol                   = "Tcp"
          source_address_prefix      = "GatewayManager"
          destination_address_prefix = "*"
          destination_port_range     = "65200-65535"
        },
        {
          name                       = "allow-http-from-internet"
          priority                   = 110
          direction                  = "Inbound"
          access                     = "Allow"
          protocol                   = "Tcp"
          source_address_prefix      = "Internet"
          destination_address_prefix = "*"
          destination_port_range     = "80"
        },
      ]
    }
  }
}

module "jumpbox" {
  source         = "compute"
  resource_group = module.rg.name
  name           = "vm-jump"
  subnet         = module.network.subnets["mgmt"]
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJumpboxKeyForTests ops@example"
  public_ip      = true
}

module "web" {
  source         = "compute"
  kind           = "vmss"
  resource_group = module.rg.name
  name           = "vmss-web"
  subnet         = module.network.subnets["app"]
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJumpboxKeyForTests ops@example"
}

module "gateway" {
  source         = "edge"
  kind           = "application_gateway"
  resource_group = module.rg.name
  name           = "agw-variants"
  subnet         = module.network.subnets["gateway"]
  origins        = module.jumpbox.private_ip_addresses
}

output "frontend_ip" {
  value = module.gateway.frontend_ip
}

output "jumpbox_public_ips" {
  value = module.jumpbox.public_ip_addresses
}
"#;

#[test]
fn vm_scale_set_and_application_gateway_variants_round_trip_in_dev_and_prod() {
    for env in ["dev", "prod"] {
        let env_file =
            format!("environment \"{env}\" {{\n  target   = \"emulator\"\n  location = \"westeurope\"\n}}\n");
        let mut ctx = Ctx::with_files(&[
            ("strata.hcl", VARIANTS),
            (&format!("envs/{env}.hcl"), env_file.as_str()),
        ]);
        // Strict: any property Azure would ignore or refuse fails the apply.
        ctx.start_emulator_with(strata_emulator::EmulatorConfig {
            latency: strata_emulator::Latency::none(),
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        });
        let r = ctx.ok(&["apply", "-e", env, "--auto-approve"]);
        assert!(r.stdout.contains("Apply complete!"), "{}", r.all());
        let r = ctx.run(&["plan", "-e", env, "-detailed-exitcode"]);
        assert_eq!(r.code, 0, "{}", r.all());
        let out: Json = serde_json::from_str(&ctx.ok(&["output", "-e", env, "--json"]).stdout).unwrap();
        let ip = out["frontend_ip"]["value"].as_str().unwrap_or_default();
        assert!(ip.parse::<std::net::IpAddr>().is_ok(), "{out}");
        let count = if env == "prod" { 3 } else { 1 };
        assert_eq!(
            out["jumpbox_public_ips"]["value"].as_array().unwrap().len(),
            count,
            "{out}"
        );

        let sub = "00000000-0000-0000-0000-000000000000";
        let group = format!("/subscriptions/{sub}/resourceGroups/rg-variants-{env}");
        let (_, vmss) = ctx.arm_get(
            &format!("{group}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-web"),
            "2024-11-01",
        );
        let (_, gateway) = ctx.arm_get(
            &format!("{group}/providers/Microsoft.Network/applicationGateways/agw-variants"),
            "2024-07-01",
        );
        if env == "prod" {
            assert_eq!(vmss["sku"]["capacity"], 3, "{vmss}");
            assert_eq!(vmss["zones"], serde_json::json!(["1", "2", "3"]));
            assert_eq!(gateway["properties"]["sku"]["name"], "WAF_v2", "{gateway}");
        } else {
            assert_eq!(vmss["sku"]["capacity"], 1, "{vmss}");
            assert_eq!(gateway["properties"]["sku"]["name"], "Standard_v2", "{gateway}");
        }
        assert_eq!(
            gateway["properties"]["requestRoutingRules"][0]["properties"]["priority"],
            100
        );
        ctx.ok(&["destroy", "-e", env, "--auto-approve"]);
        let (s, _) = ctx.arm_get(&group, "2024-11-01");
        assert_eq!(s, 404);
    }
}
