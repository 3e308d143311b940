//! `strata init`: choose and configure an environment's state backend, and with `--bootstrap`
//! create the state storage itself through ARM (idempotent: a second run changes nothing).

use std::path::Path;

use anyhow::{Result, anyhow};
use strata_config::BackendKind;
use strata_state_blob::bootstrap::{BootstrapSpec, Step, bootstrap};

use crate::backend;
use crate::cli::InitArgs;
use crate::session::{self, load_workspace};
use crate::{Exit, style};

pub async fn run(dir: Option<&Path>, args: InitArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(&args.env)?;
    let given = backend::parse_backend_config(&args.backend_config)?;
    let (kind, settings) = backend::effective(&ws.dir, ws.stack.name(), &env, Some(&given))?;

    // Save what was given on top of what was saved before (secrets are dropped on save).
    let mut saved = backend::load_saved(&ws.dir, &env.name)?;
    if given.kind.is_some() {
        saved.kind = given.kind.clone();
    }
    if let (Some(old), Some(new)) = (&saved.kind, &given.kind)
        && old != new
    {
        saved.settings.clear();
    }
    saved.settings.extend(given.settings.clone());
    if kind == BackendKind::AzureRm {
        saved.kind = Some("azurerm".into());
        saved
            .settings
            .entry("key".into())
            .or_insert_with(|| settings["key"].clone());
    }

    if args.bootstrap {
        if kind != BackendKind::AzureRm {
            eprintln!(
                "{} --bootstrap creates Azure Storage for the azurerm backend, but {} uses the local backend\n  {} pass -backend-config type=azurerm -backend-config storage_account_name=… -backend-config resource_group_name=…",
                style::error_label(),
                env.name,
                style::hint_label()
            );
            return Err(Exit(1).into());
        }
        run_bootstrap(&ws, &env, &settings, args.emulator).await?;
    }

    let path = backend::save(&ws.dir, &env.name, &saved)?;
    // What was given, secrets included, counts for this run (secrets are not saved).
    let store = backend::open(&ws.dir, ws.stack.name(), &env, Some(&given))?;
    if let Some(blob) = store.blob() {
        // A container made through the emulator's ARM does not exist in a local blob service
        // (Azurite); in Azure it does, and this is a no-op.
        if args.bootstrap {
            blob.create_container_if_missing()
                .await
                .map_err(|e| anyhow!("{e}"))?;
        }
    }
    let state = store
        .as_dyn()
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the state ({}): {e}", store.as_dyn().describe()))?;
    println!(
        "{}",
        style::green(&style::bold(&format!(
            "strata has been initialised for {}.",
            env.name
        )))
    );
    println!("  backend: {} — {}", kind.as_str(), store.as_dyn().describe());
    println!(
        "  state:   {}",
        match &state {
            Some(s) => format!(
                "serial {}, lineage {}, {} resources",
                s.serial,
                s.lineage,
                s.resources.len()
            ),
            None => "none yet (the first apply creates it)".into(),
        }
    );
    println!(
        "  settings saved in {}",
        path.strip_prefix(&ws.dir).unwrap_or(&path).display()
    );
    if given
        .settings
        .keys()
        .any(|k| strata_config::SECRET_SETTINGS.contains(&k.as_str()))
    {
        println!(
            "  secrets given with -backend-config were used for this run only; set ARM_ACCESS_KEY or ARM_SAS_TOKEN for later runs"
        );
    }
    Ok(0)
}

async fn run_bootstrap(
    ws: &session::Workspace,
    env: &strata_config::Environment,
    settings: &std::collections::BTreeMap<String, String>,
    emulator: bool,
) -> Result<()> {
    let need = |k: &str| {
        settings.get(k).cloned().ok_or_else(|| {
            anyhow!(
                "--bootstrap needs `{k}`\n  {} pass -backend-config {k}=… or set it in the backend block",
                style::hint_label()
            )
        })
    };
    let spec = BootstrapSpec {
        subscription_id: settings
            .get("subscription_id")
            .cloned()
            .unwrap_or_else(|| env.subscription_id.clone()),
        resource_group: need("resource_group_name")?,
        location: settings
            .get("location")
            .cloned()
            .unwrap_or_else(|| env.location.clone()),
        storage_account_name: need("storage_account_name")?,
        container_name: need("container_name")?,
        entra_only: settings.get("use_azuread_auth").is_some_and(|v| v == "true"),
        tags: [
            (
                "managed_by".to_string(),
                serde_json::Value::String("strata".into()),
            ),
            ("purpose".to_string(), "state".into()),
        ]
        .into_iter()
        .collect(),
    };
    eprintln!("{}", style::cyan(&session::banner(ws, env, emulator)));
    let target = session::connect(ws, env, emulator).await?;
    // Creating a storage account takes a while in Azure: say what is happening.
    println!(
        "Creating or checking the state storage: resource group {}, storage account {}, container {}…",
        spec.resource_group, spec.storage_account_name, spec.container_name
    );
    let result = bootstrap(&target.arm, &spec).await;
    target.close().await;
    let report = result.map_err(|e| anyhow!("bootstrap failed: {e}"))?;
    for (id, step) in &report.steps {
        let what = match step {
            Step::Created => style::green("created"),
            Step::Updated => style::yellow("updated"),
            Step::Unchanged => style::dim("unchanged"),
        };
        println!("  {what:>9} {id}");
    }
    if !report.changed() {
        println!("The state storage was already in place; nothing changed.");
    }
    Ok(())
}
