//! The pieces every command needs: the stack and environment, the ARM target (Azure, an
//! endpoint from `STRATA_ARM_ENDPOINT`, or the embedded emulator), and the locked state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use std::time::Duration;

use strata_arm::{ArmClient, ClientOptions, PollPolicy, RetryPolicy, TokenCredential};
use strata_config::{Environment, EvalOptions, Evaluated, Stack, Target};
use strata_emulator::{EmulatorConfig, EmulatorHandle, Latency};
use strata_state::{LockGuard, LockInfo, StateError, StateStore, lock_with_timeout};

use crate::{Exit, render, style};

/// The Azure Resource Manager endpoint for public Azure.
pub const AZURE_ENDPOINT: &str = "https://management.azure.com";
/// An already running emulator or any ARM endpoint.
pub const ENDPOINT_VAR: &str = "STRATA_ARM_ENDPOINT";
/// Provisioning latency of the embedded emulator (see `strata emulator --latency`).
pub const EMULATOR_LATENCY_VAR: &str = "STRATA_EMULATOR_LATENCY";
/// `1` makes the embedded emulator strict (see `strata emulator --strict-bodies
/// --strict-api-versions`): for testing that strata sends only what Azure publishes.
pub const EMULATOR_STRICT_VAR: &str = "STRATA_EMULATOR_STRICT";

/// The stack folder, loaded.
pub struct Workspace {
    pub dir: PathBuf,
    pub stack: Stack,
}

pub fn load_workspace(dir: Option<&Path>) -> Result<Workspace> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => std::env::current_dir().context("cannot read the current folder")?,
    };
    if !dir.join("strata.hcl").exists()
        && std::fs::read_dir(&dir)
            .map(|mut r| {
                r.all(|e| {
                    e.map(|e| e.path().extension().is_none_or(|x| x != "hcl"))
                        .unwrap_or(true)
                })
            })
            .unwrap_or(true)
    {
        return Err(anyhow!(
            "{} holds no strata stack (no *.hcl files)\n  {} run strata in a stack folder, or point at one with -C DIR",
            dir.display(),
            style::hint_label()
        ));
    }
    match Stack::load(&dir) {
        Ok(stack) => Ok(Workspace { dir, stack }),
        Err(diags) => {
            render::diag::print(&diags);
            Err(Exit(1).into())
        }
    }
}

impl Workspace {
    pub fn environment(&self, name: &str) -> Result<Environment> {
        self.stack.environment(name).map_err(|diags| {
            render::diag::print(&diags);
            Exit(1).into()
        })
    }

    /// Evaluates the stack for `env`; prints diagnostics and fails on errors.
    pub fn evaluate(&self, env: &Environment, vars: &[String]) -> Result<Evaluated> {
        let mut overrides = BTreeMap::new();
        for v in vars {
            let (k, val) = v.split_once('=').ok_or_else(|| {
                anyhow!(
                    "--var {v:?} is not NAME=VALUE\n  {} for example --var vnet_cidr=10.1.0.0/16",
                    style::hint_label()
                )
            })?;
            overrides.insert(k.trim().to_string(), val.to_string());
        }
        let registry = strata_modules::builtin_registry();
        let opts = EvalOptions {
            registry: &registry,
            var_overrides: overrides,
        };
        match strata_config::evaluate(&self.stack, env, &opts) {
            Ok(evaluated) => {
                if !evaluated.warnings.0.is_empty() {
                    render::diag::print(&evaluated.warnings);
                }
                Ok(evaluated)
            }
            Err(diags) => {
                render::diag::print(&diags);
                Err(Exit(1).into())
            }
        }
    }

    /// The environment's state store (local, or Azure Blob per its backend).
    pub fn store(&self, env: &Environment) -> Result<crate::backend::Store> {
        crate::backend::open(&self.dir, self.stack.name(), env, None)
    }
}

/// Where ARM calls go.
pub struct ArmTarget {
    pub arm: ArmClient,
    pub emulator: Option<EmulatorHandle>,
}

/// The first line users see: where this run is going.
pub fn banner(ws: &Workspace, env: &Environment, force_emulator: bool) -> String {
    // [rehearsal hook] A rehearsal says so first.
    if let Some(r) = crate::rehearsal::detect(ws, env, force_emulator) {
        return r.banner(ws);
    }
    if let Ok(ep) = std::env::var(ENDPOINT_VAR) {
        return format!(
            "Target: ARM endpoint {ep} (from {ENDPOINT_VAR}) — environment {}",
            env.name
        );
    }
    if force_emulator || env.target == Target::Emulator {
        let data = emulator_dir(ws, env.estate_owner());
        let rel = data.strip_prefix(&ws.dir).unwrap_or(&data);
        return format!(
            "Target: strata emulator (embedded, estate kept in {}) — NOT Azure — environment {}",
            rel.display(),
            env.name
        );
    }
    format!(
        "Target: Azure ({AZURE_ENDPOINT}), subscription {} — environment {}",
        env.subscription_id, env.name
    )
}

fn emulator_dir(ws: &Workspace, env: &str) -> PathBuf {
    ws.dir.join(".strata").join("emulator").join(env)
}

/// Variables that ask for a credential against an ARM endpoint from `STRATA_ARM_ENDPOINT`
/// (an emulator runs without authentication unless one of these is set).
const CREDENTIAL_VARS: &[&str] = &[
    "ARM_ACCESS_TOKEN",
    "ARM_CLIENT_ID",
    "AZURE_CLIENT_ID",
    "ARM_USE_OIDC",
    "ARM_USE_MSI",
    "ARM_USE_CLI",
    "ARM_USE_AKS_WORKLOAD_IDENTITY",
];

/// The credential for a target, and what it is (for `auth status`).
pub struct Credential {
    pub credential: Arc<dyn TokenCredential>,
    pub info: strata_auth::CredentialInfo,
    pub cloud: strata_auth::CloudConfig,
}

/// The credential chain (see `strata auth status`), for `endpoint`.
pub async fn credential(endpoint: &url::Url) -> Result<Credential> {
    let env = |k: &str| std::env::var(k).ok();
    let mut cloud = strata_auth::CloudConfig::from_env(&env)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    cloud.arm_endpoint = endpoint.clone();
    let (credential, info) =
        strata_auth::CredentialChain::from_env(&env, &cloud).map_err(|e| anyhow!("{e}"))?;
    Ok(Credential {
        credential,
        info,
        cloud,
    })
}

/// Whether a run against `STRATA_ARM_ENDPOINT` should authenticate.
pub fn endpoint_wants_auth() -> bool {
    CREDENTIAL_VARS
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|x| !x.is_empty() && x != "false"))
}

/// Where ARM calls for `env` go, without connecting.
pub fn endpoint_for(env: &Environment, force_emulator: bool) -> Option<url::Url> {
    if let Ok(ep) = std::env::var(ENDPOINT_VAR) {
        return url::Url::parse(&ep).ok();
    }
    if force_emulator || env.target == Target::Emulator {
        return None;
    }
    url::Url::parse(AZURE_ENDPOINT).ok()
}

/// Connects to the target; starts the embedded emulator when the environment targets it.
pub async fn connect(ws: &Workspace, env: &Environment, force_emulator: bool) -> Result<ArmTarget> {
    if let Ok(ep) = std::env::var(ENDPOINT_VAR) {
        let url = url::Url::parse(&ep).with_context(|| format!("{ENDPOINT_VAR}={ep} is not a URL"))?;
        let wants_auth = endpoint_wants_auth();
        let cred = if wants_auth {
            Some(credential(&url).await?.credential)
        } else {
            None
        };
        let arm = client(url, cred)?;
        // [preflight hook] A credential is proven before anything else happens.
        if wants_auth {
            crate::preflight::check_subscription(&arm, env).await?;
        }
        return Ok(ArmTarget { arm, emulator: None });
    }
    if force_emulator || env.target == Target::Emulator {
        let latency = match std::env::var(EMULATOR_LATENCY_VAR) {
            Ok(spec) => Latency::parse(&spec).map_err(|e| anyhow!("{EMULATOR_LATENCY_VAR}: {e}"))?,
            Err(_) => Latency::default(),
        };
        let strict = std::env::var(EMULATOR_STRICT_VAR).is_ok_and(|v| v.trim() == "1");
        // [rehearsal hook] A rehearsal's estate lives with its state.
        let data = crate::rehearsal::estate_dir(ws, env, force_emulator)
            .unwrap_or_else(|| emulator_dir(ws, env.estate_owner()));
        std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
        let config = EmulatorConfig {
            listen: ([127, 0, 0, 1], 0).into(),
            data_dir: Some(data),
            latency,
            strict_bodies: strict,
            strict_api_versions: strict,
            ..EmulatorConfig::default()
        };
        let handle = strata_emulator::start(config)
            .await
            .context("cannot start the embedded emulator")?;
        let url = url::Url::parse(&handle.endpoint()).context("emulator endpoint")?;
        return Ok(ArmTarget {
            arm: client(url, None)?,
            emulator: Some(handle),
        });
    }
    let url = url::Url::parse(AZURE_ENDPOINT).context("Azure endpoint")?;
    let cred = credential(&url).await.map_err(|e| {
        anyhow!("{e}\n  {} `strata auth status -e {}` shows which credential strata looks for; or rehearse with --emulator", style::hint_label(), env.name)
    })?;
    let arm = client(url, Some(cred.credential))?;
    // [preflight hook] A credential is proven before anything else happens.
    crate::preflight::check_subscription(&arm, env).await?;
    Ok(ArmTarget { arm, emulator: None })
}

fn client(url: url::Url, credential: Option<Arc<dyn TokenCredential>>) -> Result<ArmClient> {
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let mut opts = ClientOptions::new(url);
    if local {
        // An emulator on this machine: poll and back off in milliseconds, not seconds.
        opts.poll = PollPolicy::fast();
        opts.retry = RetryPolicy {
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(2),
            // An emulator's operations take milliseconds to seconds: two minutes of waiting on
            // another operation means something is stuck.
            conflict_wait: Duration::from_secs(120),
            ..RetryPolicy::default()
        };
    }
    opts.credential = credential;
    opts.user_agent = format!("strata/{}", env!("CARGO_PKG_VERSION"));
    ArmClient::new(opts).map_err(|e| anyhow!("{e}"))
}

impl ArmTarget {
    pub async fn close(self) {
        if let Some(h) = self.emulator {
            h.shutdown().await;
        }
    }
}

/// Runs `work` with `env`'s state locked and its ARM target connected, then closes the target
/// and releases the lock whatever happened: the one place that owns that order.
pub async fn with_locked_target<T>(
    ws: &Workspace,
    env: &Environment,
    store: &dyn StateStore,
    operation: &str,
    force_emulator: bool,
    lock_timeout: Duration,
    work: impl AsyncFnOnce(&LockGuard, &ArmTarget) -> Result<T>,
) -> Result<T> {
    let guard = lock(store, operation, lock_timeout).await?;
    let result = match connect(ws, env, force_emulator).await {
        Ok(target) => {
            let result = work(&guard, &target).await;
            target.close().await;
            result
        }
        Err(e) => Err(e),
    };
    if let Err(e) = store.unlock(guard).await {
        eprintln!("{} could not release the state lock: {e}", style::error_label());
    }
    result
}

/// Takes the state lock, waiting up to `timeout`; explains a held lock like OpenTofu does.
pub async fn lock(
    store: &dyn StateStore,
    operation: &str,
    timeout: std::time::Duration,
) -> Result<LockGuard> {
    let mut info = LockInfo::new(operation);
    info.path = store.describe();
    match lock_with_timeout(store, info, timeout).await {
        Ok(g) => Ok(g),
        Err(StateError::Locked { holder }) => {
            eprintln!(
                "{} {}",
                style::error_label(),
                style::bold("the state is locked by another run")
            );
            eprintln!();
            if let Some(h) = &holder {
                for line in h.to_string().lines() {
                    eprintln!("  {line}");
                }
                eprintln!();
            }
            eprintln!(
                "  {} wait for that run (retry with --lock-timeout 5m), or if it died, release the lock with `strata force-unlock -e <ENV> {}`",
                style::hint_label(),
                holder.as_ref().map_or("<LOCK_ID>", |h| h.id.as_str())
            );
            Err(Exit(1).into())
        }
        Err(e) => Err(anyhow!("cannot lock the state ({}): {e}", store.describe())),
    }
}
