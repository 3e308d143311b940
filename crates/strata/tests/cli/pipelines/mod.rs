//! The pipelines `strata ci init` generates, run: each job in its own fresh clone of a scratch
//! repository holding the example stack, every step that runs strata executed by bash with the
//! binary under test, against an emulator (ARM and the identity endpoint, with OIDC federation)
//! and Azurite (the azurerm state backend).
//!
//! What cannot run here is simulated, and recorded as such: checkout (a `git clone`), the
//! cache (always a miss), `cargo install` (the binary under test is put where the step
//! installs to), artifacts (copies between the jobs' folders), the PR comment script (the
//! collected reports are checked), and the Azure CLI task's sign-in (the federated token the
//! service connection would hand over). The tests assert the list of steps, so a new step the
//! runner does not know fails them.

mod azure;
mod drift;
mod expr;
mod github;
mod runs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use strata_emulator::{AuthConfig, EMULATOR_TENANT_ID, EmulatorConfig, Latency, TestClient};
use strata_testkit::azurite;

use crate::common::Ctx;

/// The repository on the CI system: `owner/name` in GitHub's OIDC subjects.
const REPO: &str = "shop/infra";
const STACK_DIR: &str = "infra/shop";
const ENVS: [&str; 3] = ["dev", "staging", "prod"];
const ADMIN: &str = "44444444-0000-0000-0000-000000000001";
const ADMIN_SECRET: &str = "admin-secret-for-the-bootstrap-7d1";
/// The identity of the plan jobs (repository variables).
const PLANNER: &str = "22222222-0000-0000-0000-000000000001";
/// An identity like the planner's and the service connections', but without access to prod's
/// subscription: what a misconfigured role assignment looks like.
const LIMITED: &str = "22222222-0000-0000-0000-000000000002";

/// The identity that applies `env` (a GitHub environment's variables, or an Azure DevOps
/// service connection).
fn deployer(env: &str) -> String {
    let n = ENVS.iter().position(|e| *e == env).unwrap() + 1;
    format!("33333333-0000-0000-0000-00000000000{n}")
}

/// How a step ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ran {
    /// Its script ran under bash.
    Executed,
    /// It cannot run here; the string says what stood in for it.
    Simulated(&'static str),
    /// Its condition was false.
    Skipped,
}

/// One step of one job, and how it ran.
#[derive(Clone, Debug)]
pub struct StepLog {
    pub job: String,
    pub step: String,
    pub script: Option<String>,
    pub ran: Ran,
}

/// A scratch repository with the example stack (every environment targeting Azure, state in
/// Azurite), the generated pipelines committed, and the emulator standing in for Azure.
pub struct Scenario {
    pub ctx: Ctx,
    /// Whether the plan identity (GitHub) and the service connections (Azure DevOps) have
    /// lost access to prod's subscription.
    pub limited: std::cell::Cell<bool>,
    _azurite: std::sync::Arc<azurite::Azurite>,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".strata" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(["-c", "init.defaultBranch=main"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Scenario {
    /// `system` is the argument of `ci init`; `container` keeps runs apart in the shared
    /// Azurite.
    pub fn new(system: &str, container: &str) -> Scenario {
        let az = azurite::shared();
        let repo = tempfile::tempdir().unwrap();
        let stack = repo.path().join(STACK_DIR);
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop"),
            &stack,
        );
        // dev targets Azure too: CI deploys every environment here.
        let dev = stack.join("envs/dev.hcl");
        let text = std::fs::read_to_string(&dev).unwrap();
        assert!(text.contains("target          = \"emulator\""));
        std::fs::write(
            &dev,
            text.replace("target          = \"emulator\"", "target          = \"azure\""),
        )
        .unwrap();
        let strata_hcl = stack.join("strata.hcl");
        let text = std::fs::read_to_string(&strata_hcl).unwrap();
        std::fs::write(
            &strata_hcl,
            format!(
                "{text}\nbackend \"azurerm\" {{\n  resource_group_name  = \"rg-strata-state\"\n  storage_account_name = \"{}\"\n  container_name       = \"{container}\"\n  endpoint             = \"{}\"\n}}\n",
                azurite::ACCOUNT,
                az.endpoint()
            ),
        )
        .unwrap();
        std::fs::write(repo.path().join(".gitignore"), ".strata/\n").unwrap();

        let mut clients = vec![TestClient::parse_secret(&format!("{ADMIN}:{ADMIN_SECRET}")).unwrap()];
        let mut federated = vec![
            (PLANNER.to_string(), format!("repo:{REPO}:pull_request")),
            (PLANNER.to_string(), format!("repo:{REPO}:ref:refs/heads/main")),
        ];
        for env in ENVS {
            federated.push((deployer(env), format!("repo:{REPO}:environment:{env}")));
            federated.push((deployer(env), ado_subject(env)));
        }
        for (id, subject) in federated {
            clients.push(TestClient::parse_federated(&format!("{id}:{subject}")).unwrap());
        }
        let dev_and_staging = "00000000-0000-0000-0000-00000000a001,00000000-0000-0000-0000-00000000a002";
        for subject in [format!("repo:{REPO}:pull_request")]
            .into_iter()
            .chain(ENVS.map(ado_subject))
        {
            let spec = format!("{LIMITED}:{subject}:{dev_and_staging}");
            clients.push(TestClient::parse_federated(&spec).unwrap());
        }
        let mut ctx = Ctx {
            dir: repo,
            emulator: None,
        };
        ctx.start_emulator_with(EmulatorConfig {
            latency: Latency::none(),
            auth: Some(AuthConfig {
                clients,
                ..AuthConfig::default()
            }),
            strict_bodies: true,
            strict_api_versions: true,
            ..Default::default()
        });
        let scenario = Scenario {
            ctx,
            _azurite: az,
            limited: std::cell::Cell::new(false),
        };

        git(scenario.root(), &["init", "-q"]);
        // Once, by an administrator: the state storage.
        let mut init = scenario.admin();
        let out = init
            .args(["-C", STACK_DIR, "init", "-e", "dev", "--bootstrap"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

        // The pipelines, generated by the binary under test and committed.
        let out = scenario
            .ctx
            .cmd()
            .args(["-C", STACK_DIR, "ci", "init", system])
            .args(["--install", "git=https://github.com/acme/strata@v0.1.0"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("warning"), "state is in azurerm: {stderr}");
        git(scenario.root(), &["add", "-A"]);
        git(scenario.root(), &["commit", "-q", "-m", "shop and its pipelines"]);
        scenario
    }

    pub fn root(&self) -> &Path {
        self.ctx.path()
    }

    pub fn endpoint(&self) -> String {
        self.ctx.emulator.as_ref().unwrap().endpoint.clone()
    }

    pub fn file(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path)).unwrap()
    }

    /// The binary under test, as an administrator with a client secret.
    fn admin(&self) -> Command {
        let mut cmd = self.ctx.cmd();
        cmd.env("ARM_AUTHORITY_HOST", self.endpoint())
            .env("ARM_TENANT_ID", EMULATOR_TENANT_ID)
            .env("ARM_CLIENT_ID", ADMIN)
            .env("ARM_CLIENT_SECRET", ADMIN_SECRET)
            .env("ARM_USE_CLI", "false")
            .env("ARM_ACCESS_KEY", azurite::KEY);
        cmd
    }

    /// `strata ARGS` in the stack, as an administrator (to inspect what the pipelines did).
    pub fn strata(&self, args: &[&str]) -> crate::common::Run {
        let out = self.admin().arg("-C").arg(STACK_DIR).args(args).output().unwrap();
        crate::common::Run::from(out)
    }

    /// The machine a job runs on: a clean environment whose only strata is the one a step
    /// installs, where Azure is the emulator (ARM and sign-in) and the state storage is Azurite.
    /// Azurite takes its account key instead of an Entra ID token: that key is the one
    /// variable a real runner would not have.
    pub fn runner_env(&self, home: &Path) -> BTreeMap<String, String> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let dirs: Vec<PathBuf> = std::env::split_paths(&path)
            .filter(|d| !d.join("strata").exists())
            .collect();
        let path = std::env::join_paths(dirs).unwrap();
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), path.to_string_lossy().into_owned());
        env.insert("HOME".into(), home.display().to_string());
        env.insert("CI".into(), "true".into());
        env.insert("STRATA_ARM_ENDPOINT".into(), self.endpoint());
        env.insert("ARM_AUTHORITY_HOST".into(), self.endpoint());
        env.insert("ARM_ACCESS_KEY".into(), azurite::KEY.into());
        env
    }

    /// The client id of the plan jobs' identity (GitHub repository variables).
    pub fn planner(&self) -> String {
        if self.limited.get() { LIMITED } else { PLANNER }.to_string()
    }

    /// The client id of the service connection of `env` (Azure DevOps).
    pub fn connection(&self, env: &str) -> String {
        if self.limited.get() {
            LIMITED.to_string()
        } else {
            deployer(env)
        }
    }

    /// Access tokens the emulator's identity endpoint issued: every strata step signs in.
    pub fn tokens_issued(&self) -> u64 {
        let emu = self.ctx.emulator.as_ref().unwrap();
        let stats = emu.handle.as_ref().unwrap().stats();
        stats["auth"]["tokens_issued"].as_u64().unwrap()
    }

    /// A federated token as the Azure DevOps service connection of `env` hands it to the
    /// Azure CLI task.
    pub fn ado_token(&self, env: &str) -> String {
        let emu = self.ctx.emulator.as_ref().unwrap();
        emu.handle
            .as_ref()
            .unwrap()
            .federated_token(&ado_subject(env), Duration::from_secs(600))
            .unwrap()
    }
}

fn ado_subject(env: &str) -> String {
    format!("sc://shop/infra/strata-shop-{env}")
}

/// Puts the binary under test where `cargo install --locked --root ROOT` would put it, after
/// checking that the step installs strata from the source given to `ci init`.
pub fn simulate_install(script: &str, root: &Path) {
    let args = script
        .trim()
        .strip_prefix("cargo install --locked --root ")
        .unwrap_or_else(|| panic!("not a cargo install: {script}"));
    assert!(
        args.ends_with("--git 'https://github.com/acme/strata' --tag 'v0.1.0' strata"),
        "installs from the source given to ci init: {script}"
    );
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let target = bin.join("strata");
    if !target.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_strata"), target).unwrap();
    }
}

/// Runs `script` with bash (`flags` as the CI system passes them) in `dir`.
pub fn bash(
    script: &str,
    flags: &[&str],
    dir: &Path,
    env: &BTreeMap<String, String>,
    tmp: &Path,
) -> (bool, String) {
    let file = tmp.join(format!("step-{}.sh", std::process::id()));
    std::fs::write(&file, script).unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc"])
        .args(flags)
        .arg(&file)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash in {}: {e}", dir.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Copies the files of `from` (a file or a folder's files) into the folder `to`.
pub fn copy_into(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    if from.is_dir() {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    } else {
        std::fs::copy(from, to.join(from.file_name().unwrap())).unwrap();
    }
}

/// Every strata command of a step script must have been executed, not simulated.
pub fn assert_strata_steps_executed(log: &[StepLog]) {
    for s in log {
        let Some(script) = &s.script else { continue };
        let runs_strata = script.lines().any(|l| {
            l.trim_start().starts_with("strata ") || l.contains("| strata") || l.contains("&& strata")
        });
        if runs_strata {
            assert!(
                matches!(s.ran, Ran::Executed | Ran::Skipped),
                "{} / {} runs strata but was {:?}",
                s.job,
                s.step,
                s.ran
            );
        }
    }
}

pub fn print_log(log: &[StepLog]) {
    for s in log {
        eprintln!("{:<22} {:<45} {:?}", s.job, s.step, s.ran);
    }
}
