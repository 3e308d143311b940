//! A GitHub Actions runner for the generated workflows, as far as they need one: jobs in `needs`
//! order with their `if`, matrix, permissions, environment variables and outputs; `run` steps
//! under `bash -e -o pipefail` with `GITHUB_OUTPUT`, `GITHUB_PATH` and `GITHUB_STEP_SUMMARY`;
//! OIDC through the emulator's GitHub-style token request. See the parent module for what is
//! simulated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use strata_emulator::EMULATOR_TENANT_ID;
use yaml_rust2::{Yaml, YamlLoader};

use super::expr::{self, Context};
use super::{REPO, Ran, Scenario, StepLog, bash, copy_into, deployer, git, simulate_install};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    PullRequest,
    Push,
    /// A scheduled run, on the default branch.
    Schedule,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Result {
    Success,
    Failure,
    Skipped,
}

/// One run of a workflow.
pub struct Run {
    pub log: Vec<StepLog>,
    /// Job (as named on the run page) → what it wrote to its summary.
    pub summaries: BTreeMap<String, String>,
    /// Environment → the report the comment step found for it.
    pub comment_reports: BTreeMap<String, String>,
    results: BTreeMap<String, Result>,
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// This run's artifacts, one folder each.
    artifacts: tempfile::TempDir,
}

struct Ctx<'a> {
    vars: BTreeMap<&'static str, String>,
    matrix: Option<&'a str>,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
    needs: &'a BTreeMap<String, BTreeMap<String, String>>,
    /// Job level: ancestors' results; step level: whether a step failed.
    succeeded: bool,
    failed: bool,
}

impl Context for Ctx<'_> {
    fn path(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.split('.').collect();
        match parts.as_slice() {
            ["vars", name] => self.vars.get(name).cloned(),
            ["matrix", "environment"] => self.matrix.map(str::to_string),
            ["steps", id, "outputs", key] => self.steps.get(*id)?.get(*key).cloned(),
            ["needs", id, "outputs", key] => self.needs.get(*id)?.get(*key).cloned(),
            ["runner", "os"] => Some("Linux".into()),
            ["runner", "arch"] => Some("X64".into()),
            ["github", "sha"] => Some("0123abcd".into()),
            ["github", "event", "pull_request", "number"] => Some("7".into()),
            _ => panic!("the test runner does not know the context {path}"),
        }
    }

    fn function(&self, name: &str) -> bool {
        match name {
            "success" => self.succeeded,
            "failure" => self.failed,
            "always" => true,
            "cancelled" => false,
            _ => panic!("the test runner does not know {name}()"),
        }
    }
}

/// A condition, with GitHub's implicit `success() &&` when it names no status function.
fn condition(text: Option<&str>, ctx: &Ctx<'_>) -> bool {
    let text = text.unwrap_or("success()");
    let status = ["success(", "failure(", "always(", "cancelled("]
        .iter()
        .any(|f| text.contains(f));
    (status || ctx.succeeded) && expr::github(text, ctx)
}

fn s(y: &Yaml) -> Option<&str> {
    y.as_str()
}

impl Run {
    pub fn workflow(sc: &Scenario, file: &str, event: Event) -> Run {
        Run::workflow_with(sc, file, event, &mut |_| {})
    }

    /// Runs the workflow, calling `before` with each job's id before the job starts (for
    /// something else to happen meanwhile).
    pub fn workflow_with(sc: &Scenario, file: &str, event: Event, before: &mut dyn FnMut(&str)) -> Run {
        let doc = YamlLoader::load_from_str(&sc.file(file)).unwrap().remove(0);
        let mut run = Run {
            log: Vec::new(),
            summaries: BTreeMap::new(),
            comment_reports: BTreeMap::new(),
            results: BTreeMap::new(),
            outputs: BTreeMap::new(),
            artifacts: tempfile::tempdir().unwrap(),
        };
        let jobs = doc["jobs"].as_hash().unwrap();
        for (id, job) in jobs {
            let id = id.as_str().unwrap().to_string();
            let needs: Vec<String> = match &job["needs"] {
                Yaml::String(n) => vec![n.clone()],
                Yaml::Array(a) => a.iter().map(|n| n.as_str().unwrap().to_string()).collect(),
                _ => Vec::new(),
            };
            let mut ancestors = BTreeSet::new();
            let mut todo = needs.clone();
            while let Some(n) = todo.pop() {
                assert!(run.results.contains_key(&n), "{id} needs {n}, which has not run");
                if ancestors.insert(n.clone()) {
                    todo.extend(needs_of(&jobs[&Yaml::String(n)]));
                }
            }
            let needs_outputs: BTreeMap<String, BTreeMap<String, String>> = needs
                .iter()
                .map(|n| (n.clone(), run.outputs.get(n).cloned().unwrap_or_default()))
                .collect();
            let empty = BTreeMap::new();
            let ctx = Ctx {
                vars: BTreeMap::new(),
                matrix: None,
                steps: &empty,
                needs: &needs_outputs,
                succeeded: needs.iter().all(|n| run.results[n] == Result::Success),
                failed: ancestors.iter().any(|n| run.results[n] == Result::Failure),
            };
            if !condition(s(&job["if"]), &ctx) {
                run.results.insert(id.clone(), Result::Skipped);
                run.log.push(StepLog {
                    job: id.clone(),
                    step: "(the job)".into(),
                    script: None,
                    ran: Ran::Skipped,
                });
                continue;
            }
            let matrix: Vec<Option<String>> = match job["strategy"]["matrix"]["environment"].as_vec() {
                Some(values) => values
                    .iter()
                    .map(|v| Some(v.as_str().unwrap().to_string()))
                    .collect(),
                None => vec![None],
            };
            before(&id);
            let mut result = Result::Success;
            for m in matrix {
                let (r, outputs) = run.job(sc, &doc, &id, job, m.as_deref(), &needs_outputs, event);
                if r == Result::Failure {
                    result = Result::Failure;
                }
                run.outputs.insert(id.clone(), outputs);
            }
            run.results.insert(id, result);
        }
        run
    }

    pub fn succeeded(&self, job: &str) -> bool {
        self.results.get(job) == Some(&Result::Success)
    }

    pub fn skipped(&self, job: &str) -> bool {
        self.results.get(job) == Some(&Result::Skipped)
    }

    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        sc: &Scenario,
        doc: &Yaml,
        id: &str,
        job: &Yaml,
        matrix: Option<&str>,
        needs: &BTreeMap<String, BTreeMap<String, String>>,
        event: Event,
    ) -> (Result, BTreeMap<String, String>) {
        let work = tempfile::tempdir().unwrap();
        let home = work.path().join("home");
        let ws = work.path().join("ws");
        let tmp = work.path().join("tmp");
        for d in [&home, &tmp] {
            std::fs::create_dir_all(d).unwrap();
        }
        let environment = s(&job["environment"]);
        // Repository variables, or the GitHub environment's.
        let vars = BTreeMap::from([
            (
                "AZURE_CLIENT_ID",
                environment.map_or_else(|| sc.planner(), deployer),
            ),
            ("AZURE_TENANT_ID", EMULATOR_TENANT_ID.to_string()),
        ]);
        let no_steps = BTreeMap::new();
        let ctx = Ctx {
            vars: vars.clone(),
            matrix,
            steps: &no_steps,
            needs,
            succeeded: true,
            failed: false,
        };
        let label = expr::github_interpolate(s(&job["name"]).unwrap_or(id), &ctx);
        if let Some(environment) = environment {
            // Protection rules of the environment run before the job starts.
            self.log.push(StepLog {
                job: label.clone(),
                step: format!("(approval of the environment {environment})"),
                script: None,
                ran: Ran::Simulated("approval: granted"),
            });
        }

        let mut env = sc.runner_env(&home);
        env.insert("GITHUB_ACTIONS".into(), "true".into());
        env.insert("GITHUB_WORKSPACE".into(), ws.display().to_string());
        env.insert("RUNNER_TEMP".into(), tmp.display().to_string());
        env.insert("GITHUB_REPOSITORY".into(), REPO.into());
        let permissions = if job["permissions"].is_badvalue() {
            &doc["permissions"]
        } else {
            &job["permissions"]
        };
        if s(&permissions["id-token"]) == Some("write") {
            // The runner's token request, answered by the emulator's OIDC issuer with GitHub's
            // subject for this job.
            let subject = match (environment, event) {
                (Some(e), _) => format!("repo:{REPO}:environment:{e}"),
                (None, Event::PullRequest) => format!("repo:{REPO}:pull_request"),
                (None, Event::Push | Event::Schedule) => format!("repo:{REPO}:ref:refs/heads/main"),
            };
            env.insert(
                "ACTIONS_ID_TOKEN_REQUEST_URL".into(),
                format!("{}/_emulator/oidc/github?subject={subject}", sc.endpoint()),
            );
            env.insert(
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN".into(),
                "runner-request-token".into(),
            );
        }
        for scope in [&doc["env"], &job["env"]] {
            if let Some(vars) = scope.as_hash() {
                for (k, v) in vars {
                    let v = v.as_str().map(str::to_string).unwrap_or_else(|| format!("{v:?}"));
                    env.insert(k.as_str().unwrap().into(), expr::github_interpolate(&v, &ctx));
                }
            }
        }
        let default_dir = s(&doc["defaults"]["run"]["working-directory"]).unwrap_or(".");

        let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut extra_path: Vec<String> = Vec::new();
        let mut failed = false;
        let mut summary = String::new();
        for step in job["steps"].as_vec().unwrap() {
            let name = s(&step["name"])
                .or(s(&step["uses"]))
                .or(s(&step["run"]))
                .unwrap()
                .to_string();
            let script = s(&step["run"]).map(str::to_string);
            let ctx = Ctx {
                vars: vars.clone(),
                matrix,
                steps: &step_outputs,
                needs,
                succeeded: !failed,
                failed,
            };
            let log = |ran| StepLog {
                job: label.clone(),
                step: name.clone(),
                script: script.clone(),
                ran,
            };
            if !condition(s(&step["if"]), &ctx) {
                self.log.push(log(Ran::Skipped));
                continue;
            }
            let with = |k: &str| match &step["with"][k] {
                Yaml::Boolean(b) => Some(b.to_string()),
                Yaml::Integer(i) => Some(i.to_string()),
                other => other.as_str().map(|v| expr::github_interpolate(v, &ctx)),
            };
            if let Some(action) = s(&step["uses"]) {
                let ran = match action {
                    "actions/checkout@v5" => {
                        git(sc.root(), &["clone", "-q", ".", ws.to_str().unwrap()]);
                        Ran::Simulated("checkout: git clone")
                    }
                    "actions/cache@v5" => {
                        assert_eq!(with("path").as_deref(), Some("~/.strata"));
                        assert!(with("key").unwrap().starts_with("strata-Linux-X64-"));
                        Ran::Simulated("cache: a miss")
                    }
                    "actions/upload-artifact@v6" => {
                        let into = self.artifacts.path().join(with("name").unwrap());
                        let mut found = 0;
                        for line in with("path").unwrap().lines().filter(|l| !l.trim().is_empty()) {
                            let file = ws.join(line.trim().trim_matches('\''));
                            if file.exists() {
                                copy_into(&file, &into);
                                found += 1;
                            }
                        }
                        if with("if-no-files-found").as_deref() == Some("error") {
                            assert!(found > 0, "{label}: nothing to upload");
                        }
                        Ran::Simulated("artifact upload: a copy")
                    }
                    "actions/download-artifact@v7" => {
                        let to = ws.join(with("path").unwrap());
                        if let Some(name) = with("name") {
                            let from = self.artifacts.path().join(&name);
                            assert!(from.is_dir(), "{label}: no artifact {name}");
                            copy_into(&from, &to);
                        } else {
                            let pattern = with("pattern").unwrap();
                            let prefix = pattern.strip_suffix('*').unwrap();
                            assert_eq!(with("merge-multiple").as_deref(), Some("true"));
                            for entry in std::fs::read_dir(self.artifacts.path()).unwrap() {
                                let entry = entry.unwrap();
                                if entry.file_name().to_string_lossy().starts_with(prefix) {
                                    copy_into(&entry.path(), &to);
                                }
                            }
                        }
                        Ran::Simulated("artifact download: a copy")
                    }
                    "actions/github-script@v8" if !step["env"]["STRATA_DRIFT"].is_badvalue() => {
                        let ok = github_script(sc, step, &ctx, &env, &ws, &tmp);
                        if !ok {
                            failed = true;
                        }
                        Ran::Executed
                    }
                    "actions/github-script@v8" => {
                        self.collect_comment(step, &ws);
                        Ran::Simulated("PR comment: the reports it posts are checked")
                    }
                    other => panic!("the test runner does not know the action {other}"),
                };
                self.log.push(log(ran));
                continue;
            }
            let script = script.clone().unwrap();
            assert!(
                !script.contains("${{"),
                "{label} / {name}: expressions belong in env, not in scripts"
            );
            if script.contains("cargo install") {
                assert!(script.contains("--root \"$HOME/.strata\""), "{script}");
                simulate_install(&script, &home.join(".strata"));
                self.log
                    .push(log(Ran::Simulated("cargo install: the binary under test")));
                continue;
            }
            let dir = ws.join(s(&step["working-directory"]).unwrap_or(default_dir));
            let mut step_env = env.clone();
            let files = [
                "GITHUB_OUTPUT",
                "GITHUB_PATH",
                "GITHUB_STEP_SUMMARY",
                "GITHUB_ENV",
            ];
            for f in files {
                let p = tmp.join(f);
                std::fs::write(&p, "").unwrap();
                step_env.insert(f.into(), p.display().to_string());
            }
            let mut path = extra_path.clone();
            path.push(env["PATH"].clone());
            step_env.insert("PATH".into(), path.join(":"));
            let (ok, output) = bash(&script, &["-e", "-o", "pipefail"], &dir, &step_env, &tmp);
            self.log.push(log(Ran::Executed));
            let read = |f: &str| std::fs::read_to_string(tmp.join(f)).unwrap();
            assert_eq!(read("GITHUB_ENV"), "", "GITHUB_ENV is not simulated");
            if let Some(id) = s(&step["id"]) {
                let outputs = read("GITHUB_OUTPUT")
                    .lines()
                    .filter_map(|l| l.split_once('='))
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                step_outputs.insert(id.to_string(), outputs);
            }
            for line in read("GITHUB_PATH").lines() {
                extra_path.insert(0, line.to_string());
            }
            summary.push_str(&read("GITHUB_STEP_SUMMARY"));
            if !ok {
                eprintln!("{label} / {name} failed:\n{output}");
                failed = true;
            }
        }
        self.summaries.insert(label, summary);
        let ctx = Ctx {
            vars,
            matrix,
            steps: &step_outputs,
            needs,
            succeeded: !failed,
            failed,
        };
        let mut outputs = BTreeMap::new();
        if let Some(declared) = job["outputs"].as_hash() {
            for (k, v) in declared {
                let value = expr::github_interpolate(v.as_str().unwrap(), &ctx);
                outputs.insert(k.as_str().unwrap().to_string(), value);
            }
        }
        let result = if failed { Result::Failure } else { Result::Success };
        (result, outputs)
    }

    /// What the comment script would post: one report per environment, each starting with
    /// the marker it finds the previous comment by.
    fn collect_comment(&mut self, step: &Yaml, ws: &Path) {
        let marker = s(&step["env"]["STRATA_MARKER"]).unwrap();
        let envs: Vec<String> =
            serde_json::from_str(s(&step["env"]["STRATA_ENVIRONMENTS"]).unwrap()).unwrap();
        for env in envs {
            let file = ws.join("reports").join(format!("{env}.md"));
            let report = std::fs::read_to_string(&file)
                .unwrap_or_else(|_| panic!("the comment finds no report for {env}"));
            assert_eq!(report.lines().next(), Some(marker), "{report}");
            self.comment_reports.insert(env, report);
        }
    }
}

/// The repository's issues as the drift workflow leaves them (see `github_script.js`).
pub fn issues(sc: &Scenario) -> serde_json::Value {
    std::fs::read_to_string(issue_store(sc))
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or_else(|_| serde_json::json!({"issues": [], "comments": []}))
}

fn issue_store(sc: &Scenario) -> std::path::PathBuf {
    sc.root().join(".strata").join("github-issues.json")
}

/// Runs a github-script step's script with node, as the action does, against the scenario's
/// stand-in of GitHub's issues.
fn github_script(
    sc: &Scenario,
    step: &Yaml,
    ctx: &Ctx<'_>,
    env: &BTreeMap<String, String>,
    ws: &Path,
    tmp: &Path,
) -> bool {
    let script = s(&step["with"]["script"]).unwrap();
    let file = tmp.join("github-script.js");
    std::fs::write(&file, script).unwrap();
    std::fs::create_dir_all(issue_store(sc).parent().unwrap()).unwrap();
    let mut step_env = env.clone();
    if let Some(vars) = step["env"].as_hash() {
        for (k, v) in vars {
            step_env.insert(
                k.as_str().unwrap().into(),
                expr::github_interpolate(v.as_str().unwrap(), ctx),
            );
        }
    }
    let harness = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/pipelines/github_script.js");
    let out = std::process::Command::new("node")
        .arg(harness)
        .arg(&file)
        .arg(issue_store(sc))
        .current_dir(ws)
        .env_clear()
        .envs(step_env)
        .output()
        .expect("node runs actions/github-script's scripts (it is installed with Azurite)");
    if !out.status.success() {
        eprintln!("github-script failed:\n{}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}

fn needs_of(job: &Yaml) -> Vec<String> {
    match &job["needs"] {
        Yaml::String(n) => vec![n.clone()],
        Yaml::Array(a) => a.iter().map(|n| n.as_str().unwrap().to_string()).collect(),
        _ => Vec::new(),
    }
}
