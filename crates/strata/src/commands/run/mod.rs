//! `plan`, `apply`, `destroy` and `import`: load, lock, connect, then hand each estate's run
//! to the engine's `Run` ([`estate`]) and render what it reports. The engine plans, applies and records; this
//! module renders, asks, and turns outcomes into exit codes.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use strata_core::{AddrSelector, ArmId, Import, ResourceAddr};
use strata_engine::{Interrupt, PlanOptions, planfile};

use crate::cli::{ApplyArgs, DestroyArgs, EnvArgs, ImportArgs, PlanArgs, ScopeArgs};
use crate::commands::{estates, outcome};
use crate::session::{self, load_workspace};
use crate::{Exit, style};

mod estate;

use estate::Estate;
pub(crate) use estate::apply_estate;

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
    refresh: crate::cli::RefreshArgs,
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
            refresh: a.refresh,
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
            refresh: a.refresh,
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
            refresh: Default::default(),
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
    estates::apply_record(&ws, &mut env, req.env.emulator).await;
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
        refresh: req.refresh.options(),
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
