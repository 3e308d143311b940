//! One estate's run inside `plan`, `apply`, `destroy` and `import` (an environment with a warm
//! standby has two), how its outcome is rendered and turned into an exit code, and the apply a
//! disaster recovery runbook makes of an estate.

use std::sync::Arc;

use anyhow::{Result, anyhow};
use strata_engine::{
    Confirm, Interrupt, Plan, PlanOptions, Reporter, Run, RunKind, RunOutcome, RunSpec, planfile,
};

use super::{Mode, Request, selectors};
use crate::cli::{EnvArgs, ScopeArgs};
use crate::commands::estates;
use crate::commands::outcome::{self, Phased};
use crate::render::progress::JsonReporter;
use crate::session::{self, Workspace};
use crate::{Exit, render, style};

/// One estate's run, as `execute` makes it.
pub(super) struct Estate<'a> {
    pub(super) ws: &'a Workspace,
    pub(super) req: &'a Request,
    pub(super) interrupt: &'a Interrupt,
    /// Printed before the run when the environment's plan has more than one section.
    pub(super) heading: Option<String>,
    /// With `--report markdown` and a standby: where each estate's plan goes, for one report
    /// with a section per estate.
    pub(super) reports: Option<&'a std::cell::RefCell<Vec<strata_delivery::EnvPlan>>>,
    /// Do not save the plan to `-out` yet: the standby's plan goes into the same file.
    pub(super) defer_save: bool,
    /// Approved already: what a reviewed saved plan said would wait for the standby.
    pub(super) approved: bool,
    /// Decline a plan that deletes or replaces a stateful resource (a database, a storage
    /// account, a vault): a runbook's applies must never lose data.
    pub(super) refuse_destructive: bool,
}

impl Estate<'_> {
    /// Runs `env` and renders it: the exit code, and whether anything waits for the other
    /// estate.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn run(
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
            refresh: req.refresh.enabled(),
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
        // The report shows the estate: the configuration drawn, coloured by the plan.
        let picture = match (&outcome, report_mode) {
            (RunOutcome::Planned(p), true) => {
                crate::commands::graph::mermaid(ws.stack.name(), &env.name, evaluated, p)
            }
            _ => None,
        };
        let code = finish(
            ws,
            &env.name,
            req,
            outcome,
            shown,
            self.reports,
            !self.defer_save,
            picture,
        )?;
        if self.heading.is_some() && !req.json && !report_mode {
            println!();
        }
        Ok(Ran { code, plan })
    }
}

/// How an estate's run ended: its exit code, and its plan when it made one.
pub(super) struct Ran {
    pub(super) code: u8,
    pub(super) plan: Option<Plan>,
}

impl Ran {
    /// What the plan left for the run after the other estate's.
    pub(super) fn waiting(&self) -> Vec<String> {
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
#[allow(clippy::too_many_arguments)]
fn finish(
    ws: &Workspace,
    env: &str,
    req: &Request,
    outcome: RunOutcome,
    shown: bool,
    reports: Option<&std::cell::RefCell<Vec<strata_delivery::EnvPlan>>>,
    save: bool,
    picture: Option<String>,
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
                let planned = strata_delivery::EnvPlan::planned(plan.clone()).with_picture(picture);
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
        // A runbook's own calls change resources behind state's back: read each one.
        refresh: crate::cli::RefreshArgs {
            refresh: if refresh {
                crate::cli::Refresh::On(strata_engine::RefreshMode::Full)
            } else {
                crate::cli::Refresh::Off
            },
            ..Default::default()
        },
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
        refresh: req.refresh.options(),
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
