//! An Azure Pipelines agent for the generated pipeline, as far as it needs one: stages in
//! `dependsOn` order with their conditions, jobs and deployment jobs, `$(macro)` variables,
//! `script` steps under bash, `AzureCLI@2` inline scripts with the service connection's
//! federated token, and the `##vso[...]` logging commands the scripts print (prependpath,
//! uploadsummary, setvariable with isOutput, logissue). See the parent module for what is
//! simulated.

use std::collections::BTreeMap;
use std::path::Path;

use strata_emulator::EMULATOR_TENANT_ID;
use yaml_rust2::{Yaml, YamlLoader};

use super::expr::{self, Context};
use super::{Ran, Scenario, StepLog, bash, copy_into, git, simulate_install};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    PullRequest,
    IndividualCI,
    Schedule,
}

/// One run of the pipeline.
pub struct Run {
    pub log: Vec<StepLog>,
    /// Job (stage/job) → the summaries its steps uploaded.
    pub summaries: BTreeMap<String, String>,
    results: BTreeMap<String, &'static str>,
    /// Stage → `job.step.variable` → value.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// This run's artifacts, one folder each.
    artifacts: tempfile::TempDir,
}

struct Ctx<'a> {
    variables: &'a BTreeMap<String, String>,
    results: &'a BTreeMap<String, &'static str>,
    outputs: &'a BTreeMap<String, BTreeMap<String, String>>,
    depends: &'a [String],
    /// Step level: whether a step of the job failed.
    step_failed: Option<bool>,
}

impl Context for Ctx<'_> {
    fn path(&self, path: &str) -> Option<String> {
        if let Some(name) = path.strip_prefix("variables.") {
            return self.variables.get(name).cloned();
        }
        let rest = path
            .strip_prefix("dependencies.")
            .unwrap_or_else(|| panic!("the test agent does not know {path}"));
        let (stage, rest) = rest.split_once('.').unwrap();
        assert!(
            self.depends.iter().any(|d| d == stage),
            "{stage} is not a dependency"
        );
        match rest {
            "result" => self.results.get(stage).map(|r| r.to_string()),
            _ => {
                let key = rest.strip_prefix("outputs.").unwrap();
                self.outputs.get(stage)?.get(key).cloned()
            }
        }
    }

    fn function(&self, name: &str) -> bool {
        let results = || self.depends.iter().map(|d| self.results[d.as_str()]);
        match (name, self.step_failed) {
            ("always", _) => true,
            ("canceled", _) => false,
            ("succeeded", Some(failed)) => !failed,
            ("failed", Some(failed)) => failed,
            ("succeeded", None) => results().all(|r| r == "Succeeded"),
            ("failed", None) => results().any(|r| r == "Failed"),
            _ => panic!("the test agent does not know {name}()"),
        }
    }
}

fn s(y: &Yaml) -> Option<&str> {
    y.as_str()
}

/// `$(Name)` macros, as the agent expands them; unknown ones stay as they are.
fn expand(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("$({k})"), v);
    }
    out
}

impl Run {
    pub fn pipeline(sc: &Scenario, reason: Reason) -> Run {
        Run::pipeline_file(sc, "azure-pipelines.yml", reason)
    }

    pub fn pipeline_file(sc: &Scenario, file: &str, reason: Reason) -> Run {
        let doc = YamlLoader::load_from_str(&sc.file(file)).unwrap().remove(0);
        let mut variables: BTreeMap<String, String> = doc["variables"]
            .as_hash()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.as_str().unwrap().into(), v.as_str().unwrap().into()))
            .collect();
        let (reason_text, branch) = match reason {
            Reason::PullRequest => ("PullRequest", "refs/pull/7/merge"),
            Reason::IndividualCI => ("IndividualCI", "refs/heads/main"),
            Reason::Schedule => ("Schedule", "refs/heads/main"),
        };
        variables.insert("Build.Reason".into(), reason_text.into());
        variables.insert("Build.SourceBranch".into(), branch.into());
        variables.insert("Build.SourceVersion".into(), "0123abcd".into());
        variables.insert("Agent.OS".into(), "Linux".into());

        let mut run = Run {
            log: Vec::new(),
            summaries: BTreeMap::new(),
            results: BTreeMap::new(),
            outputs: BTreeMap::new(),
            artifacts: tempfile::tempdir().unwrap(),
        };
        let mut previous: Option<String> = None;
        for stage in doc["stages"].as_vec().unwrap() {
            let id = s(&stage["stage"]).unwrap().to_string();
            let depends: Vec<String> = match &stage["dependsOn"] {
                Yaml::String(d) => vec![d.clone()],
                Yaml::Array(a) => a.iter().map(|d| d.as_str().unwrap().to_string()).collect(),
                _ => previous.iter().cloned().collect(),
            };
            for d in &depends {
                assert!(
                    run.results.contains_key(d),
                    "{id} depends on {d}, which has not run"
                );
            }
            previous = Some(id.clone());
            let ctx = Ctx {
                variables: &variables,
                results: &run.results,
                outputs: &run.outputs,
                depends: &depends,
                step_failed: None,
            };
            if !expr::azure(s(&stage["condition"]).unwrap_or("succeeded()"), &ctx) {
                run.results.insert(id.clone(), "Skipped");
                run.log.push(StepLog {
                    job: id,
                    step: "(the stage)".into(),
                    script: None,
                    ran: Ran::Skipped,
                });
                continue;
            }
            let mut result = "Succeeded";
            let mut outputs = BTreeMap::new();
            for job in stage["jobs"].as_vec().unwrap() {
                if !run.job(sc, &id, job, &variables, &mut outputs) {
                    result = "Failed";
                }
            }
            run.results.insert(id.clone(), result);
            run.outputs.insert(id, outputs);
        }
        run
    }

    pub fn result(&self, stage: &str) -> &str {
        self.results.get(stage).copied().unwrap_or("(not run)")
    }

    /// Runs a job or deployment job; its output variables go to `outputs`.
    fn job(
        &mut self,
        sc: &Scenario,
        stage: &str,
        job: &Yaml,
        pipeline_vars: &BTreeMap<String, String>,
        outputs: &mut BTreeMap<String, String>,
    ) -> bool {
        let (name, steps) = match (s(&job["job"]), s(&job["deployment"])) {
            (Some(name), None) => (name, &job["steps"]),
            (None, Some(name)) => (name, &job["strategy"]["runOnce"]["deploy"]["steps"]),
            _ => panic!("neither a job nor a deployment: {job:?}"),
        };
        let label = format!("{stage}/{name}");
        let work = tempfile::tempdir().unwrap();
        let pw = work.path().join("w");
        let sources = pw.join("s");
        let home = work.path().join("home");
        let tmp = work.path().join("tmp");
        for d in [&pw, &home, &tmp] {
            std::fs::create_dir_all(d).unwrap();
        }
        if let Some(environment) = s(&job["environment"]) {
            // Checks and approvals of the environment run before the deployment job starts.
            self.log.push(StepLog {
                job: label.clone(),
                step: format!("(approval of the environment {environment})"),
                script: None,
                ran: Ran::Simulated("approval: granted"),
            });
        }
        let mut vars = pipeline_vars.clone();
        vars.insert("Pipeline.Workspace".into(), pw.display().to_string());
        vars.insert("Build.SourcesDirectory".into(), sources.display().to_string());
        vars.insert("Agent.TempDirectory".into(), tmp.display().to_string());
        let mut extra_path: Vec<String> = Vec::new();
        let mut failed = false;
        let mut summary = String::new();
        for step in steps.as_vec().unwrap() {
            let title = s(&step["displayName"])
                .or(s(&step["task"]))
                .or(s(&step["script"]))
                .or(s(&step["checkout"]).map(|_| "checkout"))
                .or(s(&step["download"]).map(|_| "download"))
                .unwrap()
                .to_string();
            let script = s(&step["script"])
                .or(s(&step["inputs"]["inlineScript"]))
                .map(str::to_string);
            let log = |ran| StepLog {
                job: label.clone(),
                step: title.clone(),
                script: script.clone(),
                ran,
            };
            let ctx = Ctx {
                variables: &vars,
                results: &BTreeMap::new(),
                outputs: &BTreeMap::new(),
                depends: &[],
                step_failed: Some(failed),
            };
            if !expr::azure(s(&step["condition"]).unwrap_or("succeeded()"), &ctx) {
                self.log.push(log(Ran::Skipped));
                continue;
            }
            if s(&step["checkout"]) == Some("self") {
                git(sc.root(), &["clone", "-q", ".", sources.to_str().unwrap()]);
                self.log.push(log(Ran::Simulated("checkout: git clone")));
                continue;
            }
            if let Some(path) = s(&step["publish"]) {
                let artifact = s(&step["artifact"]).unwrap();
                let file = expand(path, &vars);
                assert!(Path::new(&file).exists(), "{label}: nothing to publish at {file}");
                copy_into(Path::new(&file), &self.artifacts.path().join(artifact));
                self.log.push(log(Ran::Simulated("artifact publish: a copy")));
                continue;
            }
            if s(&step["download"]) == Some("current") {
                let artifact = s(&step["artifact"]).unwrap();
                let from = self.artifacts.path().join(artifact);
                assert!(from.is_dir(), "{label}: no artifact {artifact}");
                copy_into(&from, &pw.join(artifact));
                self.log.push(log(Ran::Simulated("artifact download: a copy")));
                continue;
            }
            let mut env = sc.runner_env(&home);
            env.insert("TF_BUILD".into(), "True".into());
            for (k, v) in &vars {
                env.insert(k.to_ascii_uppercase().replace('.', "_"), v.clone());
            }
            let mut path = extra_path.clone();
            path.push(env["PATH"].clone());
            env.insert("PATH".into(), path.join(":"));
            let dir = match s(&step["workingDirectory"]).or(s(&step["inputs"]["workingDirectory"])) {
                Some(d) => Path::new(&expand(d, &vars)).to_path_buf(),
                None => sources.clone(),
            };
            let script = match (s(&step["task"]), &script) {
                (Some("Cache@2"), _) => {
                    let path = expand(s(&step["inputs"]["path"]).unwrap(), &vars);
                    assert_eq!(Path::new(&path), pw.join(".strata"));
                    self.log.push(log(Ran::Simulated("cache: a miss")));
                    continue;
                }
                (Some("AzureCLI@2"), Some(script)) => {
                    let inputs = &step["inputs"];
                    assert_eq!(s(&inputs["scriptType"]), Some("bash"));
                    assert_eq!(inputs["addSpnToEnvironment"].as_bool(), Some(true));
                    // The task signs in with the service connection and hands its federated
                    // token to the script.
                    let connection = s(&inputs["azureSubscription"]).unwrap();
                    let env_name = connection.strip_prefix("strata-shop-").unwrap();
                    env.insert("idToken".into(), sc.ado_token(env_name));
                    env.insert("servicePrincipalId".into(), sc.connection(env_name));
                    env.insert("tenantId".into(), EMULATOR_TENANT_ID.into());
                    expand(script, &vars)
                }
                (None, Some(script)) => expand(script, &vars),
                (task, _) => panic!("the test agent does not know the task {task:?}"),
            };
            if script.contains("cargo install") {
                simulate_install(&script, &pw.join(".strata"));
                self.log
                    .push(log(Ran::Simulated("cargo install: the binary under test")));
                continue;
            }
            let (ok, output) = bash(&script, &[], &dir, &env, &tmp);
            self.log.push(log(Ran::Executed));
            for line in output.lines() {
                let Some(command) = line.strip_prefix("##vso[") else {
                    continue;
                };
                let (command, value) = command.split_once(']').unwrap();
                match command.split_once(' ').map_or((command, ""), |(c, p)| (c, p)) {
                    ("task.prependpath", "") => extra_path.insert(0, value.to_string()),
                    ("task.uploadsummary", "") => {
                        let text = std::fs::read_to_string(value)
                            .unwrap_or_else(|_| panic!("{label}: no summary file {value}"));
                        summary.push_str(&text);
                    }
                    ("task.setvariable", props) => {
                        let var = props
                            .split(';')
                            .find_map(|p| p.strip_prefix("variable="))
                            .unwrap();
                        assert!(props.contains("isOutput=true"), "{line}");
                        let step_name = s(&step["name"]).expect("an output variable needs a step name");
                        vars.insert(format!("{step_name}.{var}"), value.to_string());
                        outputs.insert(format!("{name}.{step_name}.{var}"), value.to_string());
                    }
                    ("task.logissue", _) => {}
                    other => panic!("the test agent does not know ##vso[{other:?}]"),
                }
            }
            if !ok {
                eprintln!("{label} / {title} failed:\n{output}");
                failed = true;
            }
        }
        self.summaries.insert(label, summary);
        !failed
    }
}
