//! The official Azure SDK for Python drives `strata emulator --tls`.
//!
//! Each test starts the built `strata emulator --tls` on a free loopback port, runs one check
//! script of `tests/sdk/python/` (one per family of resource types) with the Python that
//! `scripts/test.sh` prepared (`STRATA_SDK_PYTHON`, a virtualenv with the SDK packages pinned
//! in `tests/sdk/requirements.txt`), trusting the emulator's certificate through
//! `REQUESTS_CA_BUNDLE`, and asserts on the `RESULT` line each check prints. The SDKs run at
//! their default api-versions: no script passes one. `identity.py` signs in with
//! `azure-identity` against `strata emulator --tls --auth`.
//!
//! `az_cli` runs the `az` CLI itself (`azcli.py`, with `STRATA_AZ`).
//!
//! Without `STRATA_SDK_PYTHON` (or `STRATA_AZ`) the tests fail, saying to run `scripts/test.sh`.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest one script may run: the whole suite stays within a few minutes.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(150);

fn python() -> PathBuf {
    match std::env::var_os("STRATA_SDK_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "STRATA_SDK_PYTHON is not set: the SDK tests need a Python with the Azure SDK packages of \
             crates/strata/tests/sdk/requirements.txt. Run scripts/test.sh (it creates target/sdk-venv and \
             sets the variable), or: python3 -m venv target/sdk-venv && target/sdk-venv/bin/pip install -r \
             crates/strata/tests/sdk/requirements.txt && export STRATA_SDK_PYTHON=$PWD/target/sdk-venv/bin/python"
        ),
    }
}

fn scripts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk/python")
}

/// A `strata emulator --tls` process, stopped (by its PID) when dropped.
struct Emulator {
    child: Child,
    endpoint: String,
    ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Emulator {
    fn start(extra_args: &[&str]) -> Emulator {
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("emulator-ca.pem");
        let mut child = Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["emulator", "--tls", "--listen", "127.0.0.1:0", "--tls-cert-out"])
            .arg(&ca_file)
            .args(extra_args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start the strata binary");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        // "strata emulator listening on https://127.0.0.1:PORT — …"
        let endpoint = first
            .split_whitespace()
            .find(|w| w.starts_with("https://"))
            .unwrap_or_else(|| panic!("the emulator did not say where it listens: {first:?}"))
            .to_string();
        // Keep reading so that the emulator never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        assert!(
            ca_file.exists(),
            "the emulator did not write {}",
            ca_file.display()
        );
        Emulator {
            child,
            endpoint,
            ca_file,
            _dir: dir,
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Check {
    name: String,
    ok: bool,
    detail: String,
}

/// Runs `tests/sdk/python/{script}.py` against a fresh emulator and asserts every check passed.
fn run(script: &str) {
    run_with(script, &[], &[]);
}

/// [`run`], with more `strata emulator` arguments and environment variables for the script.
fn run_with(script: &str, emulator_args: &[&str], env: &[(&str, &str)]) {
    let python = python();
    let emulator = Emulator::start(emulator_args);
    let mut child = Command::new(&python)
        .arg(scripts_dir().join(format!("{script}.py")))
        .current_dir(scripts_dir())
        .env("STRATA_SDK_ENDPOINT", &emulator.endpoint)
        .env(
            "STRATA_SDK_SUBSCRIPTION",
            strata_emulator::DEFAULT_SUBSCRIPTION_ID,
        )
        .env("STRATA_SDK_TENANT", strata_emulator::EMULATOR_TENANT_ID)
        .env("REQUESTS_CA_BUNDLE", &emulator.ca_file)
        .env("SSL_CERT_FILE", &emulator.ca_file)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {} (STRATA_SDK_PYTHON): {e}", python.display()));
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    let checks: Vec<Check> = out
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Check {
                name: v["check"].as_str().unwrap_or_default().to_string(),
                ok: v["ok"].as_bool() == Some(true),
                detail: v["detail"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect();
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| {
            format!(
                "- {}: {}",
                c.name,
                c.detail.chars().take(3000).collect::<String>()
            )
        })
        .collect();
    assert!(
        status.is_some(),
        "{script}.py did not finish within {SCRIPT_TIMEOUT:?}\n{out}\n{err}"
    );
    assert!(
        failed.is_empty(),
        "{} of {} SDK checks of {script}.py failed:\n{}\n--- stderr ---\n{err}",
        failed.len(),
        checks.len(),
        failed.join("\n")
    );
    assert!(
        !checks.is_empty() && status.is_some_and(|s| s.success()),
        "{script}.py ran {} checks and exited {status:?}\n{out}\n--- stderr ---\n{err}",
        checks.len()
    );
    println!("{script}.py: {} SDK checks passed", checks.len());
}

#[test]
fn resource_groups_and_generic_lists() {
    run("resources");
}

#[test]
fn network() {
    run("network");
}

#[test]
fn storage() {
    run("storage");
}

#[test]
fn key_vault() {
    run("keyvault");
}

#[test]
fn app_service() {
    run("web");
}

#[test]
fn recovery_services() {
    run("recovery");
}

#[test]
fn compute() {
    run("compute");
}

#[test]
fn postgres_flexible_servers() {
    run("postgres");
}

#[test]
fn monitoring() {
    run("monitor");
}

#[test]
fn front_door() {
    run("cdn");
}

#[test]
fn private_dns() {
    run("privatedns");
}

#[test]
fn resourcegraph() {
    run("resourcegraph");
}

#[test]
fn identity_over_https() {
    let secret = "sdk-Test-s3cret";
    let client = format!("sdk-app:{secret}");
    run_with(
        "identity",
        &["--auth", "--client", &client],
        &[
            ("STRATA_SDK_CLIENT_ID", "sdk-app"),
            ("STRATA_SDK_CLIENT_SECRET", secret),
        ],
    );
}

/// The `az` CLI (STRATA_AZ, installed by scripts/test.sh into its own virtualenv) registers the
/// emulator as a cloud, signs in as a service principal and runs its everyday commands.
#[test]
fn az_cli() {
    let az = match std::env::var("STRATA_AZ") {
        Ok(p) if !p.is_empty() => p,
        _ => panic!(
            "STRATA_AZ is not set: this test needs the az CLI pinned in crates/strata/tests/sdk/az-requirements.txt. \
             Run scripts/test.sh (it creates target/az-venv and sets the variable)"
        ),
    };
    let secret = "az-Test-s3cret";
    let client = format!("11111111-2222-3333-4444-555555555555:{secret}");
    run_with(
        "azcli",
        &["--auth", "--client", &client],
        &[
            ("STRATA_AZ", &az),
            ("STRATA_SDK_CLIENT_ID", "11111111-2222-3333-4444-555555555555"),
            ("STRATA_SDK_CLIENT_SECRET", secret),
        ],
    );
}
