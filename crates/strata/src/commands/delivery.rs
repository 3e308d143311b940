//! GitOps delivery: `show` (saved plans as text, OpenTofu JSON or a PR report), `ci init`
//! (pipelines) and `promote` (what one environment would change to match another).

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use strata_config::{BackendKind, Target};
use strata_delivery::{CiSpec, EnvPlan, Format, INSTALL_HELP, Install};
use strata_engine::planfile;

use crate::cli::{CiCommand, PromoteArgs, ShowArgs};
use crate::render::progress::HumanReporter;
use crate::session::{self, Workspace, load_workspace};
use crate::{Exit, gitinfo, render, style};

pub fn show(args: ShowArgs) -> Result<u8> {
    let plans = args
        .files
        .iter()
        .map(|f| planfile::load(f).map_err(|e| anyhow!("{e}")))
        .collect::<Result<Vec<_>>>()?;
    if args.report.is_some() {
        let stack = plans.first().map(|p| p.stack.clone()).unwrap_or_default();
        let envs: Vec<EnvPlan> = plans.into_iter().map(EnvPlan::planned).collect();
        print!("{}", strata_delivery::markdown_report(&stack, &envs));
        return Ok(0);
    }
    if args.json {
        let [plan] = plans.as_slice() else {
            return Err(anyhow!(
                "-json shows one plan file at a time\n  {} run it once per file",
                style::hint_label()
            ));
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&strata_delivery::to_tofu_json(plan))?
        );
        return Ok(0);
    }
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 {
            println!();
        }
        println!(
            "{}\n",
            style::bold(&format!("Plan for {} / {}", plan.stack, plan.environment))
        );
        print!("{}", render::plan::render(plan));
    }
    Ok(0)
}

/// dev, staging, prod first (in that order), then any others by name.
fn promotion_order(mut names: Vec<String>) -> Vec<String> {
    let rank = |n: &str| {
        [
            "dev",
            "development",
            "test",
            "staging",
            "stage",
            "preprod",
            "prod",
            "production",
        ]
        .iter()
        .position(|x| *x == n)
        .unwrap_or(usize::MAX)
    };
    names.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    names
}

pub fn ci(dir: Option<&Path>, cmd: CiCommand) -> Result<u8> {
    let CiCommand::Init {
        system,
        install,
        main_branch,
        force,
    } = cmd;
    let ws = load_workspace(dir)?;
    let dir = ws.dir.canonicalize().unwrap_or_else(|_| ws.dir.clone());
    let root = gitinfo::toplevel(&dir).unwrap_or_else(|| dir.clone());
    let install = install_source(&root, install.as_deref())?;
    let stack_dir = dir
        .strip_prefix(&root)
        .map(|p| p.display().to_string())
        .unwrap_or_default();

    // Emulator-only environments have nothing to deploy in CI; the others need their state
    // where every CI run finds it.
    let mut deployed = Vec::new();
    let mut emulator_only = Vec::new();
    let mut warnings = Vec::new();
    for name in promotion_order(ws.stack.environment_names()) {
        let env = ws.environment(&name)?;
        if env.target == Target::Emulator {
            emulator_only.push(name);
            continue;
        }
        if env.backend.kind == BackendKind::Local {
            warnings.push(format!(
                "{} {name} keeps its state in a local file (.strata/state/{name}.json): every CI run starts from a fresh checkout, so the pipeline would lose it after each run and plan to create everything again\n  {} declare `backend \"azurerm\" {{ … }}` in strata.hcl or `backend = {{ type = \"azurerm\", … }}` in envs/{name}.hcl, then run `strata init -e {name} --bootstrap` once",
                style::yellow("warning:"),
                style::hint_label()
            ));
        }
        deployed.push(name);
    }
    if deployed.is_empty() {
        eprintln!(
            "{} every environment targets the emulator ({}): CI has nothing to deploy\n  {} set `target = \"azure\"` in the envs/<name>.hcl of the environments CI should deploy",
            style::error_label(),
            emulator_only.join(", "),
            style::hint_label()
        );
        return Err(Exit(1).into());
    }
    let spec = CiSpec {
        stack_dir: if stack_dir.is_empty() {
            ".".into()
        } else {
            stack_dir
        },
        stack_name: ws.stack.name().to_string(),
        environments: deployed,
        install,
        main_branch,
    };
    let files = match system.as_str() {
        "github" => strata_delivery::github_workflows(&spec),
        _ => strata_delivery::azure_devops_pipeline(&spec),
    }
    .map_err(|e| anyhow!("{e}"))?;
    for f in &files {
        let path = root.join(&f.path);
        if path.exists() && !force {
            eprintln!(
                "{} {} exists\n  {} pass --force to overwrite it",
                style::error_label(),
                path.display(),
                style::hint_label()
            );
            return Err(Exit(1).into());
        }
    }
    for f in &files {
        let path = root.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, &f.contents).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{} {}", style::green("wrote"), f.path);
    }
    println!(
        "Environments in promotion order: {}. Each is planned, then applied after approval, and checked for drift every day. Set up OIDC federation for each (see the comments at the top of the files).",
        spec.environments.join(" → ")
    );
    if !emulator_only.is_empty() {
        println!(
            "Left out (target = \"emulator\", nothing to deploy): {}.",
            emulator_only.join(", ")
        );
    }
    for w in &warnings {
        eprintln!("{w}");
    }
    Ok(0)
}

/// The `--install` source; `path` alone finds the strata package in the repository.
fn install_source(root: &Path, given: Option<&str>) -> Result<Install> {
    let Some(given) = given else {
        return Err(anyhow!(
            "the pipelines need to know where to install strata from\n  {} {INSTALL_HELP}",
            style::hint_label()
        ));
    };
    let is_strata = |dir: &Path| {
        std::fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == "name = \"strata\""))
    };
    let given = if given == "path" {
        match [".", "crates/strata"]
            .into_iter()
            .find(|d| is_strata(&root.join(d)))
        {
            Some(dir) => format!("path={dir}"),
            None => {
                return Err(anyhow!(
                    "no strata package in {} or its crates/strata\n  {} name its folder: --install path=DIR",
                    root.display(),
                    style::hint_label()
                ));
            }
        }
    } else {
        given.to_string()
    };
    let install = Install::parse(&given).map_err(|e| anyhow!("{e}"))?;
    if let Install::Path { dir } = &install
        && !is_strata(&root.join(dir))
    {
        return Err(anyhow!(
            "{} is not the strata package: no Cargo.toml with name = \"strata\" there\n  {} give its folder relative to the repository root {}",
            dir,
            style::hint_label(),
            root.display()
        ));
    }
    Ok(install)
}

pub async fn promote(dir: Option<&Path>, args: PromoteArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let from = ws.environment(&args.from)?;
    // [rehearsal hook] With --emulator both sides are rehearsals.
    let from_state = crate::rehearsal::store(&ws, &from, args.emulator)?
        .as_dyn()
        .read()
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let applied = from_state.and_then(|s| s.applied_from);
    let tmp = tempfile_dir()?;
    let config_ws = match applied
        .as_ref()
        .and_then(|a| Some((a.git_commit.clone()?, a.git_path.clone().unwrap_or_default())))
    {
        Some((commit, path)) => {
            let root = gitinfo::toplevel(&ws.dir)
                .ok_or_else(|| anyhow!("{} is no longer in a git repository", ws.dir.display()))?;
            gitinfo::export(&root, &commit, &path, &tmp).map_err(|e| anyhow!("{e}"))?;
            eprintln!(
                "{}",
                style::dim(&format!(
                    "{} runs the configuration of commit {}",
                    from.name,
                    &commit[..commit.len().min(12)]
                ))
            );
            let stack_dir = tmp.join(&path);
            let stack = strata_config::Stack::load(&stack_dir).map_err(|d| {
                render::diag::print(&d);
                anyhow!("the configuration {} runs no longer loads", from.name)
            })?;
            Workspace {
                dir: stack_dir,
                stack,
            }
        }
        None => {
            eprintln!(
                "{}",
                style::yellow(&format!(
                    "note: {} was not applied from a clean git commit; comparing with the configuration as it is now",
                    from.name
                ))
            );
            Workspace {
                dir: ws.dir.clone(),
                stack: strata_config::Stack::load(&ws.dir).map_err(|_| anyhow!("cannot load the stack"))?,
            }
        }
    };
    let to = config_ws.environment(&args.to)?;
    let evaluated = config_ws.evaluate(&to, &[])?;
    // State, lock and emulator are those of the target environment (its rehearsal's with
    // --emulator when it targets Azure).
    let real_to = ws.environment(&args.to)?;
    eprintln!("{}", style::cyan(&session::banner(&ws, &real_to, args.emulator)));
    // [rehearsal hook] Rehearsing promotion to an Azure environment uses its rehearsal state.
    let store = crate::rehearsal::store(&ws, &real_to, args.emulator)?;
    let store = store.as_dyn();
    let result = session::with_locked_target(
        &ws,
        &real_to,
        store,
        strata_state::operation::PLAN,
        args.emulator,
        args.lock_timeout,
        async |guard, target| {
            let digest = config_ws.stack.digest();
            let reporter = HumanReporter::new(&crate::render::progress::target_name(target));
            // The same run as `plan`, over the target environment's own state.
            let run = strata_engine::Run {
                arm: std::sync::Arc::new(target.arm.clone()),
                store,
                lock: guard,
                reporter: &reporter,
                interrupt: strata_engine::Interrupt::new(),
            };
            let spec = strata_engine::RunSpec {
                stack: ws.stack.name(),
                environment: &real_to.name,
                config_digest: &digest,
                evaluated: &evaluated,
                kind: strata_engine::RunKind::Plan,
                destroy: false,
                refresh: true,
                parallelism: crate::DEFAULT_PARALLELISM,
                options: strata_engine::PlanOptions {
                    soft_delete: real_to.soft_delete,
                    ..Default::default()
                },
                saved: None,
                applied_from: None,
            };
            let outcome = run.execute(spec, |_| strata_engine::Confirm::No).await;
            reporter.finish();
            match outcome.map_err(|e| anyhow!("{e}"))? {
                strata_engine::RunOutcome::Planned(plan) => Ok(plan),
                other => Err(anyhow!("promotion planning ended early: {other:?}")),
            }
        },
    )
    .await;
    let plan = result?;
    let format = if args.markdown {
        Format::Markdown
    } else {
        Format::Text
    };
    print!(
        "{}",
        strata_delivery::promotion_report(&from.name, &real_to.name, &plan, format)
    );
    Ok(0)
}

/// A scratch folder removed when dropped, on every path out of `promote`.
struct Scratch(std::path::PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<Scratch> {
    let dir = std::env::temp_dir().join(format!("strata-promote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(Scratch(dir))
}
