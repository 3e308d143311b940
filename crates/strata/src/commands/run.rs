//! `plan`, `apply`, `destroy` and `import`: load, lock, connect, then hand the run to the
//! engine's [`Run`] and render what it reports. The engine plans, applies and records; this
//! module renders, asks, and turns outcomes into exit codes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Result, anyhow};
use strata_core::{AddrSelector, ArmId, Import, ResourceAddr};
use strata_engine::{
    Confirm, Interrupt, Plan, PlanOptions, Reporter, Run, RunKind, RunOutcome, RunSpec, planfile,
};

use crate::cli::{ApplyArgs, DestroyArgs, EnvArgs, ImportArgs, PlanArgs, ScopeArgs};
use crate::commands::estates;
use crate::commands::outcome::{self, Phased};
use crate::render::progress::JsonReporter;
use crate::session::{self, Workspace, load_workspace};
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
    Import {
        addr: ResourceAddr,
        id: ArmId,
    },
}

struct Request {
    env: EnvArgs,
    mode: Mode,
    json: bool,
    refresh: bool,
    parallelism: usize,
    destroy: bool,
    scope: ScopeArgs,
}

pub async fn plan(dir: Option<&Path>, a: PlanArgs) -> Result<u8> {
    execute(
        dir,
        Request {
            env: a.env,
            mode: Mode::Plan {
                out: a.out,
                detailed: a.detailed_exitcode,
                report: a.report.is_some(),
            },
            json: a.json,
            refresh: a.refresh,
            parallelism: a.parallelism,
            destroy: a.destroy,
            scope: a.scope,
        },
    )
    .await
}

pub async fn apply(dir: Option<&Path>, a: ApplyArgs) -> Result<u8> {
    execute(
        dir,
        Request {
            env: a.env,
            mode: Mode::Apply {
                saved: a.plan_file,
                auto_approve: a.auto_approve,
            },
            json: a.json,
            refresh: true,
            parallelism: a.parallelism,
            destroy: false,
            scope: a.scope,
        },
    )
    .await
}

pub async fn destroy(dir: Option<&Path>, a: DestroyArgs) -> Result<u8> {
    execute(
        dir,
        Request {
            env: a.env,
            mode: Mode::Apply {
                saved: None,
                auto_approve: a.auto_approve,
            },
            json: a.json,
            refresh: true,
            parallelism: a.parallelism,
            destroy: true,
            scope: ScopeArgs {
                target: a.target,
                replace: Vec::new(),
            },
        },
    )
    .await
}

/// `strata import -e ENV ADDR ID`: records the resource in state (nothing else changes), then
/// plans again to show any difference between Azure and the configuration.
pub async fn import(dir: Option<&Path>, a: ImportArgs) -> Result<u8> {
    let addr = ResourceAddr::parse(&a.address).ok_or_else(|| {
        anyhow!(
            "`{}` is not a resource address\n  {} addresses look like module.storage.account or resource.hub[\"key\"]",
            a.address,
            style::hint_label()
        )
    })?;
    let id = ArmId::parse(&a.id).map_err(|e| {
        anyhow!(
            "`{}` is not an Azure resource id: {e}\n  {} ids look like /subscriptions/…/resourceGroups/…/providers/Namespace/type/name",
            a.id,
            style::hint_label()
        )
    })?;
    execute(
        dir,
        Request {
            env: a.env,
            mode: Mode::Import { addr, id },
            json: false,
            refresh: true,
            parallelism: a.parallelism,
            destroy: false,
            scope: ScopeArgs::default(),
        },
    )
    .await
}

fn selectors(flag: &str, addrs: &[String]) -> Result<Vec<AddrSelector>> {
    addrs
        .iter()
        .map(|a| {
            AddrSelector::parse(a).ok_or_else(|| {
                anyhow!(
                    "-{flag} {a:?} is not an address\n  {} use module.NAME, module.NAME.RESOURCE, module.NAME.RESOURCE[\"KEY\"] or resource.NAME",
                    style::hint_label()
                )
            })
        })
        .collect()
}

async fn execute(dir: Option<&Path>, req: Request) -> Result<u8> {
    let targets = selectors("target", &req.scope.target)?;
    let mut replace = Vec::new();
    for a in &req.scope.replace {
        replace.push(ResourceAddr::parse(a).ok_or_else(|| {
            anyhow!(
                "-replace {a:?} is not a resource address\n  {} name one resource, e.g. module.storage.account",
                style::hint_label()
            )
        })?);
    }
    let ws = load_workspace(dir)?;
    let mut env = ws.environment(&req.env.env)?;
    // After a failover the standby serves: the modules arrange Front Door for it. A cold
    // standby's database is restored to the moment its failover started.
    env.serving = estates::serving(&ws, &env, req.env.emulator).await;
    env.restore_point = estates::restore_point(&ws, &env, req.env.emulator).await;
    env.failed_over = estates::failed_over(&ws, &env, req.env.emulator).await;
    eprintln!("{}", style::cyan(&session::banner(&ws, &env, req.env.emulator)));
    let saved = match &req.mode {
        Mode::Apply {
            saved: Some(path), ..
        } => Some(planfile::load(path).map_err(|e| anyhow!("{e}"))?),
        _ => None,
    };
    let destroy = saved.as_ref().map_or(req.destroy, |p| p.destroy);
    let evaluated = ws.evaluate(&env, &req.env.vars)?;
    let mut options = PlanOptions {
        targets,
        replace,
        soft_delete: env.soft_delete,
        imports: Vec::new(),
        on_emulator: false,
        peers: estates::peers(&ws, &env, req.env.emulator).await?,
    };
    if let Mode::Import { addr, id } = &req.mode {
        options.imports.push(Import {
            to: addr.clone(),
            id: id.clone(),
            loc: None,
        });
    }
    // A warm standby is part of its environment: plans and applies of the primary cover it
    // too, in its own section, with its own state and lock (not with a saved plan, -target,
    // an import or JSON output, which are about one estate: name `-e <env>-dr` for those).
    // A saved plan of such an environment carries the standby's plan.
    let saved_standby = saved.as_ref().and_then(|p| p.standby.clone()).map(|b| *b);
    let standby = match env.standby_name() {
        Some(name)
            if env.has_running_standby()
                && (saved.is_none() || saved_standby.is_some())
                && !req.json
                && options.targets.is_empty()
                && !matches!(req.mode, Mode::Import { .. }) =>
        {
            let mut s = ws.environment(&name)?;
            s.serving = env.serving;
            s.restore_point.clone_from(&env.restore_point);
            s.failed_over = env.failed_over;
            Some(s)
        }
        _ => None,
    };

    // A rehearsal has its own state; --from-state seeds it first.
    let store = crate::rehearsal::open_store(&ws, &env, req.env.emulator, req.env.from_state).await?;
    let store = store.as_dyn();
    let operation = match req.mode {
        Mode::Plan { .. } => strata_state::operation::PLAN,
        Mode::Apply { .. } | Mode::Import { .. } => strata_state::operation::APPLY,
    };
    let interrupt = Interrupt::new();
    let signals = outcome::watch_signals(interrupt.clone());
    let result = session::with_locked_target(
        &ws,
        &env,
        store,
        operation,
        req.env.emulator,
        req.env.lock_timeout,
        async |guard, target| {
            let sink = std::cell::RefCell::new(Vec::new());
            let report_mode = matches!(req.mode, Mode::Plan { report: true, .. });
            let reports = (report_mode && standby.is_some()).then_some(&sink);
            let saving = match &req.mode {
                Mode::Plan { out: Some(out), .. } if standby.is_some() => Some(out.clone()),
                _ => None,
            };
            let one = |env: &'_ strata_config::Environment| Estate {
                ws: &ws,
                req: &req,
                interrupt: &interrupt,
                heading: standby.as_ref().map(|_| estates::heading(env)),
                reports,
                defer_save: saving.is_some(),
                approved: false,
                refuse_destructive: false,
            };
            let saved_mode = saved.is_some();
            let code = async {
                let primary = one(&env)
                    .run(
                        &env,
                        &evaluated,
                        options.clone(),
                        saved,
                        destroy,
                        store,
                        guard,
                        target,
                    )
                    .await?;
                let (code, waiting) = (primary.code, primary.waiting());
                let Some(standby) = &standby else {
                    return Ok(code);
                };
                // 2 is a plan's "there are changes" (-detailed-exitcode): the standby still
                // gets its section.
                if code == 1 || code == 130 || interrupt.level() > 0 {
                    return Ok(code);
                }
                // The standby, resolving the primary's values from the state just written.
                let standby_ran = estates::with_lock(
                    &ws,
                    standby,
                    req.env.emulator,
                    operation,
                    req.env.lock_timeout,
                    async |s_store, s_guard| {
                        let evaluated = ws.evaluate(standby, &req.env.vars)?;
                        let options = PlanOptions {
                            soft_delete: standby.soft_delete,
                            peers: estates::peers(&ws, standby, req.env.emulator).await?,
                            ..PlanOptions::default()
                        };
                        one(standby)
                            .run(
                                standby,
                                &evaluated,
                                options,
                                saved_standby.clone(),
                                destroy,
                                s_store,
                                s_guard,
                                target,
                            )
                            .await
                    },
                )
                .await?;
                let standby_code = standby_ran.code;
                // The saved plan holds both estates' plans.
                if let (Some(out), Some(mut plan), Some(standby_plan)) =
                    (&saving, primary.plan.clone(), standby_ran.plan.clone())
                    && code != 1
                    && standby_code != 1
                {
                    plan.standby = Some(Box::new(standby_plan));
                    planfile::save(&plan, out).map_err(|e| anyhow!("{e}"))?;
                    if !req.json && !report_mode {
                        println!(
                            "Saved the plan of {} and its standby {} to {}. To apply exactly this plan: strata apply -e {} {}",
                            env.name,
                            standby.name,
                            out.display(),
                            env.name,
                            out.display()
                        );
                    }
                }
                let combined = if code == 1 || standby_code == 1 {
                    1
                } else {
                    code.max(standby_code)
                };
                if combined != 0
                    || waiting.is_empty()
                    || interrupt.level() > 0
                    || matches!(req.mode, Mode::Plan { .. })
                {
                    return Ok(combined);
                }
                // What waited for the standby (Front Door's origin in it) can be applied now:
                // with a saved plan, exactly what it said would wait.
                let mut options = options.clone();
                options.peers = estates::peers(&ws, &env, req.env.emulator).await?;
                if saved_mode {
                    options.targets = selectors("target", &waiting)?;
                }
                let evaluated = ws.evaluate(&env, &req.env.vars)?;
                let mut again = one(&env);
                again.approved = saved_mode;
                again.heading = Some(format!(
                    "── Primary estate {} in {}: what waited for the standby ──",
                    env.name, env.location
                ));
                Ok(again
                    .run(&env, &evaluated, options, None, destroy, store, guard, target)
                    .await?
                    .code)
            }
            .await;
            // One pull-request report, a section per estate.
            let collected = sink.take();
            if !collected.is_empty() {
                print!(
                    "{}",
                    strata_delivery::markdown_report(ws.stack.name(), &collected)
                );
            }
            code
        },
    )
    .await;
    signals.abort();
    if interrupt.level() > 0 {
        eprintln!(
            "{}",
            style::yellow("Interrupted: the state is saved and the lock released.")
        );
        return Ok(130);
    }
    if standby.is_none()
        && env.has_running_standby()
        && !matches!(req.mode, Mode::Import { .. })
        && let Some(name) = env.standby_name()
    {
        eprintln!(
            "{}",
            style::dim(&format!(
                "The standby estate {name} was not part of this run (a saved plan, -target or JSON covers one estate): `strata plan -e {name}` and `strata apply -e {name}` run it."
            ))
        );
    }
    if let (Err(e), Mode::Plan { report: true, .. }) = (&result, &req.mode)
        && e.downcast_ref::<Exit>().is_none()
    {
        // Locking or connecting failed (a credential without access): the pull request still
        // gets a report, saying what failed.
        print!(
            "{}",
            strata_delivery::markdown_report(
                ws.stack.name(),
                &[strata_delivery::EnvPlan::failed(&env.name, format!("{e:#}"))]
            )
        );
    }
    result
}

/// One estate's run, as `execute` makes it.
struct Estate<'a> {
    ws: &'a Workspace,
    req: &'a Request,
    interrupt: &'a Interrupt,
    /// Printed before the run when the environment's plan has more than one section.
    heading: Option<String>,
    /// With `--report markdown` and a standby: where each estate's plan goes, for one report
    /// with a section per estate.
    reports: Option<&'a std::cell::RefCell<Vec<strata_delivery::EnvPlan>>>,
    /// Do not save the plan to `-out` yet: the standby's plan goes into the same file.
    defer_save: bool,
    /// Approved already: what a reviewed saved plan said would wait for the standby.
    approved: bool,
    /// Decline a plan that deletes or replaces a stateful resource (a database, a storage
    /// account, a vault): a runbook's applies must never lose data.
    refuse_destructive: bool,
}

impl Estate<'_> {
    /// Runs `env` and renders it: the exit code, and whether anything waits for the other
    /// estate.
    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        env: &strata_config::Environment,
        evaluated: &strata_core::Evaluated,
        mut options: PlanOptions,
        saved: Option<Plan>,
        destroy: bool,
        store: &dyn strata_state::StateStore,
        guard: &strata_state::LockGuard,
        target: &session::ArmTarget,
    ) -> Result<Ran> {
        let (ws, req, interrupt) = (self.ws, self.req, self.interrupt);
        let report_mode = matches!(req.mode, Mode::Plan { report: true, .. });
        if let Some(h) = &self.heading
            && !req.json
            && !report_mode
        {
            println!("{}", style::bold(h));
            println!();
        }
        let phased = Phased::new(crate::render::progress::target_name(target));
        // The embedded emulator, a rehearsal, or an emulator environment reached through
        // STRATA_ARM_ENDPOINT.
        options.on_emulator =
            target.emulator.is_some() || req.env.emulator || env.target == strata_config::Target::Emulator;
        let reporter: &dyn Reporter = if req.json { &JsonReporter } else { &phased };
        let run = Run {
            arm: Arc::new(target.arm.clone()),
            store,
            lock: guard,
            reporter,
            interrupt: interrupt.clone(),
        };
        let digest = ws.stack.digest();
        let spec = RunSpec {
            stack: ws.stack.name(),
            environment: &env.name,
            config_digest: &digest,
            evaluated,
            kind: match req.mode {
                Mode::Plan { .. } => RunKind::Plan,
                Mode::Import { .. } => RunKind::Record,
                Mode::Apply { .. } => RunKind::Apply,
            },
            destroy,
            refresh: req.refresh,
            parallelism: req.parallelism,
            options,
            saved,
            applied_from: applied_from(ws, &digest),
        };
        let mut shown = false;
        let auto = self.approved
            || match &req.mode {
                Mode::Apply { auto_approve, .. } => *auto_approve,
                Mode::Import { .. } => true,
                Mode::Plan { .. } => false,
            };
        let result = run
            .execute(spec, |plan| {
                phased.finish();
                if !req.json {
                    print!("{}", render::plan::render(plan));
                }
                shown = true;
                let destructive: Vec<String> = plan
                    .changes
                    .iter()
                    .filter(|c| matches!(c.action, strata_engine::Action::Delete | strata_engine::Action::Replace))
                    .filter(|c| strata_azure::behaviour::recovery::stateful(&c.id.resource_type()).is_some())
                    .map(|c| c.addr.to_string())
                    .collect();
                if self.refuse_destructive && !destructive.is_empty() {
                    eprintln!(
                        "{} this apply would delete or replace {}, which hold data: a recovery runbook never does that\n  {} review it with `strata plan -e {}` and apply it yourself if it is right",
                        style::error_label(),
                        destructive.join(", "),
                        style::hint_label(),
                        env.name
                    );
                    phased.restart();
                    return Confirm::No;
                }
                let answer = if auto {
                    Confirm::Yes
                } else {
                    outcome::confirm(plan, env, interrupt)
                };
                phased.restart();
                answer
            })
            .await;
        phased.finish();
        let outcome = match result {
            Ok(o) => o,
            Err(e) => {
                if let Mode::Plan { report: true, .. } = req.mode {
                    // The pull request still gets a report, saying what failed.
                    let failed = strata_delivery::EnvPlan::failed(&env.name, e.to_string());
                    match self.reports {
                        Some(sink) => sink.borrow_mut().push(failed),
                        None => print!("{}", strata_delivery::markdown_report(ws.stack.name(), &[failed])),
                    }
                }
                return Err(outcome::engine_error(&e));
            }
        };
        let plan = match &outcome {
            RunOutcome::Planned(p) | RunOutcome::NoChanges(p) => Some(p.clone()),
            RunOutcome::Applied { plan, .. } => Some(plan.clone()),
            _ => None,
        };
        let code = finish(ws, &env.name, req, outcome, shown, self.reports, !self.defer_save)?;
        if self.heading.is_some() && !req.json && !report_mode {
            println!();
        }
        Ok(Ran { code, plan })
    }
}

/// How an estate's run ended: its exit code, and its plan when it made one.
struct Ran {
    code: u8,
    plan: Option<Plan>,
}

impl Ran {
    /// What the plan left for the run after the other estate's.
    fn waiting(&self) -> Vec<String> {
        self.plan.as_ref().map(|p| p.waiting.clone()).unwrap_or_default()
    }
}

fn applied_from(ws: &Workspace, digest: &str) -> Option<strata_state::AppliedFrom> {
    let origin = crate::gitinfo::clean_commit(&ws.dir);
    Some(strata_state::AppliedFrom {
        git_commit: origin.as_ref().map(|o| o.0.clone()),
        git_path: origin.map(|o| o.1),
        config_digest: digest.to_string(),
    })
}

/// Renders the outcome and decides the exit code.
fn finish(
    ws: &Workspace,
    env: &str,
    req: &Request,
    outcome: RunOutcome,
    shown: bool,
    reports: Option<&std::cell::RefCell<Vec<strata_delivery::EnvPlan>>>,
    save: bool,
) -> Result<u8> {
    let show = |plan: &Plan| {
        if !shown && !req.json {
            print!("{}", render::plan::render(plan));
        }
    };
    match outcome {
        RunOutcome::Planned(plan) => {
            let Mode::Plan {
                out,
                detailed,
                report,
            } = &req.mode
            else {
                return Ok(0);
            };
            if *report {
                let planned = strata_delivery::EnvPlan::planned(plan.clone());
                match reports {
                    Some(sink) => sink.borrow_mut().push(planned),
                    None => print!(
                        "{}",
                        strata_delivery::markdown_report(ws.stack.name(), &[planned])
                    ),
                }
            } else if req.json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                show(&plan);
            }
            if outcome::problems(&plan) {
                return Ok(1);
            }
            // A saved plan is the named environment's: a standby's section is not saved over it.
            if let Some(out) = out.as_ref().filter(|_| save && env == req.env.env) {
                planfile::save(&plan, out).map_err(|e| anyhow!("{e}"))?;
                if !req.json && !report {
                    println!();
                    println!(
                        "Saved the plan to {}. To apply exactly this plan: strata apply -e {env} {}",
                        out.display(),
                        out.display()
                    );
                }
            }
            Ok(if *detailed && plan.has_changes() { 2 } else { 0 })
        }
        RunOutcome::NoChanges(plan) => {
            show(&plan);
            Ok(0)
        }
        RunOutcome::Refused(plan) => {
            show(&plan);
            outcome::problems(&plan);
            Ok(1)
        }
        RunOutcome::Stale { reason, .. } => {
            eprintln!("{} {reason}", style::error_label());
            eprintln!(
                "  {} run `strata plan -e {env} -out FILE` again and apply the new plan",
                style::hint_label()
            );
            Err(Exit(1).into())
        }
        RunOutcome::Declined(_) => {
            println!("Apply cancelled.");
            Ok(1)
        }
        RunOutcome::Interrupted(_) => {
            eprintln!("Interrupted before anything was changed.");
            Ok(130)
        }
        RunOutcome::Applied { plan, report } => outcome::applied(env, &plan, &report, req.json, req.destroy),
        RunOutcome::Recorded(plan) => {
            let Mode::Import { addr, .. } = &req.mode else {
                return Ok(0);
            };
            show(&plan);
            let imported = plan.changes.iter().any(|c| &c.addr == addr && c.importing);
            println!();
            if imported {
                println!(
                    "{}",
                    style::green(&style::bold(&format!(
                        "Import successful: {addr} is now managed by this state."
                    )))
                );
            } else {
                println!("{addr} was already managed by this state; nothing was imported.");
            }
            if plan
                .changes
                .iter()
                .any(|c| &c.addr == addr && c.action != strata_engine::Action::NoOp)
            {
                println!(
                    "The configuration differs from Azure as shown above: `strata apply -e {env}` would change it."
                );
            }
            Ok(0)
        }
    }
}

/// Applies one estate as a step of disaster recovery's runbook, whose typed confirmation
/// covers it: the plan is shown, not asked about. The caller holds `env`'s lock.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_estate(
    ws: &Workspace,
    env: &strata_config::Environment,
    vars: &[String],
    emulator: bool,
    store: &dyn strata_state::StateStore,
    guard: &strata_state::LockGuard,
    target: &session::ArmTarget,
    interrupt: &Interrupt,
    only: &[String],
    refresh: bool,
) -> Result<u8> {
    let req = Request {
        env: EnvArgs {
            env: env.name.clone(),
            emulator,
            from_state: false,
            vars: vars.to_vec(),
            lock_timeout: std::time::Duration::ZERO,
        },
        mode: Mode::Apply {
            saved: None,
            auto_approve: true,
        },
        json: false,
        refresh,
        parallelism: crate::DEFAULT_PARALLELISM,
        destroy: false,
        scope: ScopeArgs {
            target: only.to_vec(),
            replace: Vec::new(),
        },
    };
    let evaluated = ws.evaluate(env, vars)?;
    let options = PlanOptions {
        targets: selectors("target", only)?,
        soft_delete: env.soft_delete,
        peers: estates::peers(ws, env, emulator).await?,
        ..PlanOptions::default()
    };
    let estate = Estate {
        ws,
        req: &req,
        interrupt,
        heading: None,
        reports: None,
        defer_save: false,
        approved: false,
        refuse_destructive: true,
    };
    Ok(estate
        .run(env, &evaluated, options, None, false, store, guard, target)
        .await?
        .code)
}
