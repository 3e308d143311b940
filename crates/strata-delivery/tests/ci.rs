//! Generated pipelines: GitHub workflows pass actionlint, the Azure DevOps pipeline parses
//! and has what Azure Pipelines needs, and both are snapshotted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use strata_delivery::{CiSpec, CiSpecError, GeneratedFile, Install, azure_devops_pipeline, github_workflows};
use yaml_rust2::{Yaml, YamlLoader};

fn spec() -> CiSpec {
    CiSpec {
        stack_dir: "infra/shop".into(),
        stack_name: "shop".into(),
        environments: vec!["dev".into(), "staging".into(), "prod".into()],
        install: Install::Git {
            url: "https://github.com/acme/strata".into(),
            tag: "v0.1.0".into(),
        },
        main_branch: "main".into(),
    }
}

/// actionlint from `$STRATA_ACTIONLINT_BIN` or the PATH. `scripts/test.sh` installs it; a
/// bare `cargo test` without it skips the lint, except on CI, where that would hide a gap.
fn actionlint() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("STRATA_ACTIONLINT_BIN").filter(|b| !b.is_empty()) {
        return Some(PathBuf::from(bin));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("actionlint"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "actionlint is missing: run scripts/test.sh, or set STRATA_ACTIONLINT_BIN"
        );
        eprintln!("skipping actionlint: not installed (scripts/test.sh installs it)");
    }
    found
}

fn lint(files: &[GeneratedFile]) {
    let Some(bin) = actionlint() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for file in files {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &file.contents).unwrap();
        paths.push(path);
    }
    let output = Command::new(&bin)
        .arg("-no-color")
        .args(&paths)
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    assert!(
        output.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn yaml(file: &GeneratedFile) -> Yaml {
    let mut docs = YamlLoader::load_from_str(&file.contents).unwrap_or_else(|e| panic!("{}: {e}", file.path));
    assert_eq!(docs.len(), 1);
    docs.remove(0)
}

fn key<'a>(y: &'a Yaml, k: &str) -> &'a Yaml {
    &y[k]
}

#[test]
fn github_workflows_pass_actionlint() {
    lint(&github_workflows(&spec()).unwrap());
    // A stack at the repository root, and environment names with dashes.
    let other = CiSpec {
        stack_dir: ".".into(),
        environments: vec!["dev".into(), "pre-prod".into(), "prod".into()],
        main_branch: "trunk".into(),
        ..spec()
    };
    lint(&github_workflows(&other).unwrap());
    // Every install source.
    for install in ["crate=0.1.0", "path=crates/strata"] {
        let spec = CiSpec {
            install: Install::parse(install).unwrap(),
            ..spec()
        };
        lint(&github_workflows(&spec).unwrap());
    }
}

/// The `run` scripts of every step of every job, and the `script`/`inlineScript` of every
/// Azure Pipelines step, with what they install strata with.
fn cargo_installs(files: &[GeneratedFile]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| f.contents.lines())
        .map(str::trim)
        .filter_map(|l| l.split_once("cargo install ").map(|(_, rest)| rest.to_string()))
        .collect()
}

#[test]
fn strata_is_installed_from_the_named_source_only() {
    let cases = [
        (
            "git=https://github.com/acme/strata@v0.1.0",
            "--locked --root \"$HOME/.strata\" --git 'https://github.com/acme/strata' --tag 'v0.1.0' strata",
        ),
        (
            "crate=0.1.0",
            "--locked --root \"$HOME/.strata\" --version '0.1.0' strata",
        ),
        (
            "path=crates/strata",
            "--locked --root \"$HOME/.strata\" --path 'crates/strata'",
        ),
    ];
    for (install, args) in cases {
        let spec = CiSpec {
            install: Install::parse(install).unwrap(),
            ..spec()
        };
        let github = cargo_installs(&github_workflows(&spec).unwrap());
        assert!(!github.is_empty());
        assert!(github.iter().all(|a| a == args), "{install}: {github:?}");
        let ado = cargo_installs(&azure_devops_pipeline(&spec).unwrap());
        let ado_args = args.replace("$HOME", "$(Pipeline.Workspace)");
        assert!(!ado.is_empty());
        assert!(ado.iter().all(|a| *a == ado_args), "{install}: {ado:?}");
    }
}

#[test]
fn github_workflows_have_what_the_design_needs() {
    let files = github_workflows(&spec()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            ".github/workflows/strata-shop-plan.yml",
            ".github/workflows/strata-shop-apply.yml",
            ".github/workflows/strata-shop-drift.yml"
        ]
    );

    let plan = yaml(&files[0]);
    let on = key(&plan, "on");
    assert_eq!(on["pull_request"]["paths"][0].as_str(), Some("infra/shop/**"));
    let matrix = &plan["jobs"]["plan"]["strategy"]["matrix"]["environment"];
    let envs: Vec<&str> = matrix
        .as_vec()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert_eq!(envs, ["dev", "staging", "prod"]);
    assert_eq!(
        plan["jobs"]["plan"]["permissions"]["id-token"].as_str(),
        Some("write")
    );
    assert_eq!(
        plan["jobs"]["comment"]["permissions"]["pull-requests"].as_str(),
        Some("write")
    );
    assert!(files[0].contents.contains("--report markdown"));
    assert!(files[0].contents.contains("<!-- strata-plan-report: shop -->"));

    let apply = yaml(&files[1]);
    assert_eq!(apply["on"]["push"]["branches"][0].as_str(), Some("main"));
    assert_eq!(apply["permissions"]["id-token"].as_str(), Some("write"));
    assert_eq!(apply["permissions"]["contents"].as_str(), Some("read"));
    assert_eq!(apply["concurrency"]["cancel-in-progress"].as_bool(), Some(false));
    let ids: Vec<&str> = apply["jobs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "plan-dev",
            "apply-dev",
            "plan-staging",
            "apply-staging",
            "plan-prod",
            "apply-prod"
        ]
    );
    let mut previous: Option<String> = None;
    for env in ["dev", "staging", "prod"] {
        // The plan job: no approval, its report on the summary, the saved plan uploaded.
        let plan = &apply["jobs"][format!("plan-{env}").as_str()];
        assert!(
            plan["environment"].is_badvalue(),
            "planning waits for no approval"
        );
        assert_eq!(plan["needs"].as_str(), previous.as_deref());
        assert_eq!(plan["env"]["ARM_USE_OIDC"].as_str(), Some("true"));
        let steps = plan["steps"].as_vec().unwrap();
        let script = steps
            .iter()
            .find_map(|s| s["run"].as_str().filter(|r| r.contains("strata plan")))
            .unwrap();
        assert!(
            script.contains("strata plan -e \"$STRATA_ENV\" -out \"$STRATA_ENV.tfplan\" -detailed-exitcode")
        );
        assert!(script.contains(">> \"$GITHUB_STEP_SUMMARY\""));
        let upload = steps
            .iter()
            .find(|s| s["uses"].as_str() == Some("actions/upload-artifact@v6"))
            .unwrap();
        assert_eq!(
            upload["with"]["name"].as_str(),
            Some(format!("strata-shop-plan-{env}").as_str())
        );
        // The apply job: behind the environment's approval, only when there are changes,
        // downloads that artifact and applies exactly it.
        let job = &apply["jobs"][format!("apply-{env}").as_str()];
        assert_eq!(job["environment"].as_str(), Some(env));
        assert_eq!(job["needs"].as_str(), Some(format!("plan-{env}").as_str()));
        assert_eq!(
            job["if"].as_str(),
            Some(format!("needs.plan-{env}.outputs.changes == 'true'").as_str())
        );
        assert_eq!(
            job["concurrency"]["group"].as_str(),
            Some(format!("strata-shop-{env}").as_str())
        );
        assert_eq!(job["concurrency"]["cancel-in-progress"].as_bool(), Some(false));
        assert_eq!(job["env"]["ARM_USE_OIDC"].as_str(), Some("true"));
        let steps = job["steps"].as_vec().unwrap();
        let download = steps
            .iter()
            .find(|s| s["uses"].as_str() == Some("actions/download-artifact@v7"))
            .unwrap();
        assert_eq!(download["with"]["name"], upload["with"]["name"]);
        let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
        assert!(
            runs.iter().all(|r| !r.contains("strata plan")),
            "apply does not plan again"
        );
        assert!(runs.contains(&"strata apply -e \"$STRATA_ENV\" -lock-timeout 10m \"$STRATA_ENV.tfplan\""));
        previous = Some(format!("apply-{env}"));
    }
    // No secret is ever referenced: sign-in is by federation only.
    for file in &files {
        assert!(!file.contents.contains("secrets."), "{}", file.path);
    }
}

#[test]
fn azure_devops_pipeline_has_what_azure_pipelines_needs() {
    let files = azure_devops_pipeline(&spec()).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["azure-pipelines.yml", "azure-pipelines-drift.yml"]);
    let drift = yaml(&files[1]);
    assert_eq!(drift["trigger"].as_str(), Some("none"));
    assert_eq!(drift["schedules"][0]["always"].as_bool(), Some(true));
    let jobs = drift["stages"][0]["jobs"].as_vec().unwrap();
    let names: Vec<&str> = jobs.iter().map(|j| j["job"].as_str().unwrap()).collect();
    assert_eq!(names, ["drift_dev", "drift_staging", "drift_prod"]);
    let doc = yaml(&files[0]);
    assert_eq!(doc["trigger"]["branches"]["include"][0].as_str(), Some("main"));
    assert_eq!(doc["trigger"]["paths"]["include"][0].as_str(), Some("infra/shop"));
    assert_eq!(doc["pr"]["branches"]["include"][0].as_str(), Some("main"));
    let stages = doc["stages"].as_vec().unwrap();
    let names: Vec<&str> = stages.iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "validate",
            "pr_plan",
            "plan_dev",
            "apply_dev",
            "plan_staging",
            "apply_staging",
            "plan_prod",
            "apply_prod"
        ]
    );
    assert_eq!(stages[1]["jobs"].as_vec().unwrap().len(), 3);

    for (i, env) in ["dev", "staging", "prod"].into_iter().enumerate() {
        let plan = &stages[2 + 2 * i];
        let apply = &stages[3 + 2 * i];
        let plan_steps = plan["jobs"][0]["steps"].as_vec().unwrap();
        let publish = plan_steps.iter().find(|s| !s["publish"].is_badvalue()).unwrap();
        assert_eq!(
            publish["artifact"].as_str(),
            Some(format!("strata-shop-plan-{env}").as_str())
        );
        assert_eq!(apply["dependsOn"].as_str(), Some(format!("plan_{env}").as_str()));
        assert_eq!(
            apply["condition"].as_str(),
            Some(
                format!("and(succeeded(), eq(dependencies.plan_{env}.outputs['plan.plan.changes'], 'true'))")
                    .as_str()
            )
        );
        assert_eq!(apply["lockBehavior"].as_str(), Some("sequential"));
        let job = &apply["jobs"][0];
        assert_eq!(job["deployment"].as_str(), Some("apply"));
        assert_eq!(job["environment"].as_str(), Some(env));
        let steps = job["strategy"]["runOnce"]["deploy"]["steps"].as_vec().unwrap();
        assert_eq!(steps[1]["download"].as_str(), Some("current"));
        assert_eq!(steps[1]["artifact"], publish["artifact"]);
        let tasks: Vec<&str> = steps.iter().filter_map(|s| s["task"].as_str()).collect();
        assert_eq!(tasks, ["Cache@2", "AzureCLI@2"]);
        for cli in plan_steps
            .iter()
            .chain(steps)
            .filter(|s| s["task"].as_str() == Some("AzureCLI@2"))
        {
            let inputs = &cli["inputs"];
            assert_eq!(
                inputs["azureSubscription"].as_str(),
                Some(format!("strata-shop-{env}").as_str())
            );
            assert_eq!(inputs["addSpnToEnvironment"].as_bool(), Some(true));
            let script = inputs["inlineScript"].as_str().unwrap();
            assert!(script.contains("export ARM_USE_OIDC=true"));
            assert!(script.contains("export ARM_OIDC_TOKEN=\"$idToken\""));
        }
        let apply_script = steps.last().unwrap()["inputs"]["inlineScript"].as_str().unwrap();
        assert!(apply_script.contains(&format!(
            "strata apply -e '{env}' -lock-timeout 10m \"$PIPELINE_WORKSPACE/strata-shop-plan-{env}/{env}.tfplan\""
        )));
        assert!(!apply_script.contains("strata plan"), "apply does not plan again");
    }
}

#[test]
fn azure_devops_ids_are_valid_for_any_environment_name() {
    let other = CiSpec {
        stack_dir: ".".into(),
        environments: vec!["dev".into(), "pre-prod".into()],
        ..spec()
    };
    let files = azure_devops_pipeline(&other).unwrap();
    let doc = yaml(&files[0]);
    assert!(
        doc["trigger"]["paths"].is_badvalue(),
        "a root stack needs no paths filter"
    );
    for stage in doc["stages"].as_vec().unwrap() {
        let id = stage["stage"].as_str().unwrap();
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{id}");
    }
    assert!(files[0].contents.contains("environment: 'pre-prod'"));
}

#[test]
fn bad_specs_are_refused_before_anything_is_generated() {
    let bad = CiSpec {
        environments: vec!["dev; curl evil".into()],
        ..spec()
    };
    let err = github_workflows(&bad).unwrap_err();
    assert!(matches!(
        err,
        CiSpecError::Invalid {
            field: "environment name",
            ..
        }
    ));
    assert_eq!(azure_devops_pipeline(&bad).unwrap_err(), err);
    assert!(
        err.to_string()
            .starts_with("the environment name `dev; curl evil` is not allowed")
    );
}

#[test]
fn github_snapshots() {
    for file in github_workflows(&spec()).unwrap() {
        let name = file.path.rsplit('/').next().unwrap().to_string();
        insta::assert_snapshot!(name, file.contents);
    }
}

#[test]
fn azure_devops_snapshot() {
    let files = azure_devops_pipeline(&spec()).unwrap();
    insta::assert_snapshot!("azure-pipelines.yml", files[0].contents);
    insta::assert_snapshot!("azure-pipelines-drift.yml", files[1].contents);
}
