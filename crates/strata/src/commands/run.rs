//! `plan`, `apply` and `destroy`: evaluate, lock, connect, refresh, plan, and maybe apply.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use strata_engine::{ApplyInput, Plan, PlanInput, Reporter, planfile};
use strata_state::{State, StateStore};

use crate::cli::{ApplyArgs, DestroyArgs, EnvArgs, PlanArgs};
use crate::render::progress::{HumanReporter, JsonReporter};
use crate::session::{self, ArmTarget, Workspace, load_workspace};
use crate::{Exit, render, style};

enum Mode {
    Plan {
        out: Option<PathBuf>,
        detailed: bool,
        report: bool,
    },
    Apply {
        saved: Option<PathBuf>,
        auto_approve: bool,
    },
    Destroy {
        auto_approve: bool,
    },
}

struct Run {
    env: EnvArgs,
    mode: Mode,
    json: bool,
    refresh: bool,
    parallelism: usize,
    destroy_plan: bool,
}

pub async fn plan(dir: Option<&Path>, a: PlanArgs) -> Result<u8> {
    let run = Run {
        env: a.env,
        mode: Mode::Plan {
            out: a.out,
            detailed: a.detailed_exitcode,
            report: a.report.is_some(),
        },
        json: a.json,
        refresh: a.refresh,
        parallelism: a.parallelism,
        destroy_plan: a.destroy,
    };
    execute(dir, run).await
}

pub async fn apply(dir: Option<&Path>, a: ApplyArgs) -> Result<u8> {
    let run = Run {
        env: a.env,
        mode: Mode::Apply {
            saved: a.plan_file,
            auto_approve: a.auto_approve,
        },
        json: a.json,
        refresh: true,
        parallelism: a.parallelism,
        destroy_plan: false,
    };
    execute(dir, run).await
}

pub async fn destroy(dir: Option<&Path>, a: DestroyArgs) -> Result<u8> {
    let run = Run {
        env: a.env,
        mode: Mode::Destroy {
            auto_approve: a.auto_approve,
        },
        json: a.json,
        refresh: true,
        parallelism: a.parallelism,
        destroy_plan: true,
    };
    execute(dir, run).await
}

async fn execute(dir: Option<&Path>, mut run: Run) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(&run.env.env)?;
    eprintln!("{}", style::cyan(&session::banner(&ws, &env, run.env.emulator)));
    let saved = match &run.mode {
        Mode::Apply {
            saved: Some(path), ..
        } => {
            let plan = planfile::load(path).map_err(|e| anyhow!("{e}"))?;
            run.destroy_plan = plan.destroy;
            Some(plan)
        }
        _ => None,
    };
    let evaluated = ws.evaluate(&env, &run.env.vars)?;

    // [rehearsal hook] A rehearsal has its own state; --from-state seeds it first.
    let store = crate::rehearsal::open_store(&ws, &env, run.env.emulator, run.env.from_state).await?;
    let store = store.as_dyn();
    let operation = match run.mode {
        Mode::Plan { .. } => strata_state::operation::PLAN,
        Mode::Apply { .. } | Mode::Destroy { .. } => strata_state::operation::APPLY,
    };
    session::with_locked_target(
        &ws,
        &env,
        store,
        operation,
        run.env.emulator,
        run.env.lock_timeout,
        async |guard, target| {
            locked(
                &ws,
                &env.name,
                &run,
                &evaluated,
                saved.as_ref(),
                store,
                guard,
                target,
            )
            .await
        },
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn locked(
    ws: &Workspace,
    env: &str,
    run: &Run,
    evaluated: &strata_config::Evaluated,
    saved: Option<&Plan>,
    store: &dyn StateStore,
    guard: &strata_state::LockGuard,
    target: &ArmTarget,
) -> Result<u8> {
    let state = store
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the state ({}): {e}", store.describe()))?;
    // [progress hook] The reporter names the target.
    let human = HumanReporter::new(&crate::render::progress::target_name(target));
    let reporter: &dyn Reporter = if run.json { &JsonReporter } else { &human };
    let digest = ws.stack.digest();
    let input = PlanInput {
        stack: ws.stack.name(),
        environment: env,
        config_digest: &digest,
        evaluated,
        state: state.as_ref(),
        destroy: run.destroy_plan,
        refresh: run.refresh,
        parallelism: run.parallelism,
    };
    let report = matches!(run.mode, Mode::Plan { report: true, .. });
    let planned = match strata_engine::plan(&target.arm, input, reporter).await {
        Ok(p) => p,
        Err(e) => {
            human.finish();
            if report {
                // The pull request still gets a report, saying what failed.
                print!(
                    "{}",
                    strata_delivery::markdown_report(
                        ws.stack.name(),
                        &[strata_delivery::EnvPlan::failed(env, e.to_string())]
                    )
                );
            }
            return Err(anyhow!("{e}"));
        }
    };
    human.finish();

    if let Some(saved) = saved {
        if let Err(e) = planfile::check_fresh(saved, &planned.plan) {
            eprintln!("{} {e}", style::error_label());
            eprintln!(
                "  {} run `strata plan -e {env} -out FILE` again and apply the new plan",
                style::hint_label()
            );
            return Err(Exit(1).into());
        }
    } else if report {
        print!(
            "{}",
            strata_delivery::markdown_report(
                ws.stack.name(),
                &[strata_delivery::EnvPlan::planned(planned.plan.clone())]
            )
        );
    } else if run.json && matches!(run.mode, Mode::Plan { .. }) {
        println!("{}", serde_json::to_string_pretty(&planned.plan)?);
    } else if !run.json {
        print!("{}", render::plan::render(&planned.plan));
    }

    match &run.mode {
        Mode::Plan { out, detailed, .. } => {
            if let Some(out) = out {
                planfile::save(&planned.plan, out).map_err(|e| anyhow!("{e}"))?;
                if !run.json && !report {
                    println!();
                    println!(
                        "Saved the plan to {}. To apply exactly this plan: strata apply -e {env} {}",
                        out.display(),
                        out.display()
                    );
                }
            }
            Ok(if *detailed && planned.plan.has_changes() {
                2
            } else {
                0
            })
        }
        Mode::Apply { auto_approve, .. } | Mode::Destroy { auto_approve } => {
            if !planned.plan.has_changes() {
                return Ok(0);
            }
            if saved.is_none() && !auto_approve && !confirm(run.destroy_plan)? {
                println!("Apply cancelled.");
                return Ok(1);
            }
            let mut state = state.unwrap_or_else(|| State::new(env));
            let origin = crate::gitinfo::clean_commit(&ws.dir);
            state.applied_from = Some(strata_state::AppliedFrom {
                git_commit: origin.as_ref().map(|o| o.0.clone()),
                git_path: origin.map(|o| o.1),
                config_digest: digest.clone(),
            });
            // [progress hook] The reporter names the target.
            let human = HumanReporter::new(&crate::render::progress::target_name(target));
            let reporter: &dyn Reporter = if run.json { &JsonReporter } else { &human };
            let input = ApplyInput {
                evaluated,
                planned: &planned,
                state,
                store,
                lock: guard,
                parallelism: run.parallelism,
            };
            let report = strata_engine::apply(&target.arm, input, reporter).await;
            human.finish();
            let report = report.map_err(|e| anyhow!("{e}"))?;
            let s = planned.plan.summary();
            if report.succeeded() {
                if !run.json {
                    println!();
                    let what = if run.destroy_plan {
                        format!("Destroy complete! Resources: {} destroyed.", s.destroy)
                    } else {
                        format!(
                            "Apply complete! Resources: {} added, {} changed, {} destroyed.",
                            s.add, s.change, s.destroy
                        )
                    };
                    println!("{}", style::green(&style::bold(&what)));
                    if let Some(st) = &report.state
                        && !run.destroy_plan
                        && !st.outputs.is_empty()
                    {
                        println!();
                        println!("Outputs:");
                        println!();
                        for (name, o) in &st.outputs {
                            let v = if o.sensitive {
                                "<sensitive>".to_string()
                            } else {
                                render::value::json(&o.value)
                            };
                            println!("{name} = {v}");
                        }
                    }
                }
                Ok(0)
            } else {
                eprintln!();
                for (addr, action, message) in &report.failed {
                    eprintln!("{} {action} of {addr} failed", style::error_label());
                    // Where the resource is declared, so the fix starts in the right file.
                    if let Some(loc) = evaluated
                        .resources
                        .iter()
                        .find(|r| &r.addr == addr)
                        .and_then(|r| r.loc.as_ref())
                    {
                        eprintln!("  {} {loc}", style::dim("-->"));
                    }
                    eprintln!("  {message}");
                }
                eprintln!();
                eprintln!(
                    "{} of {} operations completed and are saved in state; {} skipped because something they depend on failed.",
                    report.completed.len(),
                    report.completed.len() + report.failed.len() + report.skipped.len(),
                    report.skipped.len()
                );
                eprintln!(
                    "  {} fix the cause and run `strata {} -e {env}` again to finish the job",
                    style::hint_label(),
                    if run.destroy_plan { "destroy" } else { "apply" }
                );
                Err(Exit(1).into())
            }
        }
    }
}

/// y/N on a terminal; refused without one.
fn confirm(destroy: bool) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "{} no terminal to confirm on\n  {} pass --auto-approve to apply without confirmation, or apply a saved plan",
            style::error_label(),
            style::hint_label()
        );
        return Err(Exit(1).into());
    }
    let question = if destroy {
        "Destroy all these resources?"
    } else {
        "Apply these changes?"
    };
    print!("\n{} [y/N] ", style::bold(question));
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}
