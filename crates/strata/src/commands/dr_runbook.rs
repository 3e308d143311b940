//! `strata dr failover`, `dr failback` and `dr drill`: the engine's runbook
//! ([`strata_engine::runbook`]) carried out step by step, with the standby's state locked for
//! the whole of it. Each finished step is recorded in the standby's state, so a runbook that
//! was interrupted (or failed and was fixed) resumes where it stopped; the steps that need a
//! whole run (applying an estate), a check of the app through Front Door or a state write are
//! done here. Every runbook leaves a report in `.strata/dr/<env>/`.

use std::path::Path;

use anyhow::{Result, anyhow};
use strata_config::Environment;
use strata_core::{DrStrategy, EstateRole};
use strata_delivery::drill::{Exposure, Objective, RecoveryReport, StepOutcome, StepRecord};
use strata_engine::Interrupt;
use strata_engine::runbook::{self, Direction, Inputs, Step, StepAction};
use strata_state::{LockGuard, RecoveryRecord, RunbookProgress, State, StateStore};

use crate::cli::DrArgs;
use crate::commands::dr_report::{exposures, now, print_summary, reports_dir, seconds_between};
use crate::commands::{estates, outcome, run as runs};
use crate::session::{self, ArmTarget, Workspace, load_workspace};
use crate::{Exit, style};

/// What kind of runbook runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Drill,
    Failover,
    Failback,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Drill => "drill",
            Kind::Failover => "failover",
            Kind::Failback => "failback",
        }
    }
}

/// The estates of `name`, checked: the primary (named, or the one a standby belongs to), its
/// standby, and its disaster recovery.
fn estates_of(
    ws: &Workspace,
    name: &str,
) -> Result<(Environment, Environment, strata_core::DisasterRecovery)> {
    let env = ws.environment(name)?;
    let primary = match &env.standby_of {
        Some(of) => ws.environment(&of.primary)?,
        None => env,
    };
    let Some(dr) = primary.disaster_recovery.clone() else {
        eprintln!(
            "{} environment {} declares no disaster recovery: there is no standby to move to\n  {} add a disaster_recovery {{ strategy = \"warm\"  rpo = \"15m\"  rto = \"1h\" }} block to {}",
            style::error_label(),
            primary.name,
            style::hint_label(),
            primary.file.display()
        );
        return Err(Exit(2).into());
    };
    let standby = estates::standby_of(ws, &primary)?
        .ok_or_else(|| anyhow!("environment {} has no standby", primary.name))?;
    Ok((primary, standby, dr))
}

/// Asks for `<env> to <region>` typed out (or takes `--confirm`).
fn confirmed(args: &DrArgs, kind: Kind, env: &str, region: &str) -> bool {
    let expected = format!("{env} to {region}");
    if let Some(given) = &args.confirm {
        if given.trim() == expected {
            return true;
        }
        eprintln!(
            "{} --confirm {given:?} does not match\n  {} pass --confirm \"{expected}\"",
            style::error_label(),
            style::hint_label()
        );
        return false;
    }
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "{} no terminal to confirm the {} on\n  {} pass --confirm \"{expected}\"",
            style::error_label(),
            kind.as_str(),
            style::hint_label()
        );
        return false;
    }
    println!(
        "\n{} This moves {env}'s traffic and data to {region}.",
        style::bold(&format!("Confirm the {}:", kind.as_str()))
    );
    print!("  Type '{expected}' to go ahead: ");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    line.trim() == expected
}

/// `strata dr drill | failover | failback`.
pub async fn run(dir: Option<&Path>, kind: Kind, args: DrArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    if args.copies && kind != Kind::Drill {
        eprintln!(
            "{} --copies is for drills: a {} moves the environment itself",
            style::error_label(),
            kind.as_str()
        );
        return Err(Exit(1).into());
    }
    let (primary, standby, dr) = estates_of(&ws, &args.env)?;
    let Some(_) = estates::read_state(&ws, &primary, args.emulator).await? else {
        eprintln!(
            "{} {} has no state yet{}\n  {} run `strata apply -e {}{}` first",
            style::error_label(),
            primary.name,
            if args.emulator { " in its rehearsal" } else { "" },
            style::hint_label(),
            primary.name,
            if args.emulator { " --emulator" } else { "" }
        );
        return Err(Exit(1).into());
    };
    let serving = estates::serving(&ws, &primary, args.emulator).await;
    let region = match kind {
        Kind::Failback => primary.location.clone(),
        _ => dr.secondary_location.clone(),
    };
    match (kind, serving) {
        (Kind::Failback, EstateRole::Primary)
            if !in_progress(&ws, &standby, args.emulator, Direction::Failback).await =>
        {
            println!(
                "{} is served by its primary estate in {}: there is nothing to fail back.",
                primary.name, primary.location
            );
            return Ok(0);
        }
        (Kind::Drill | Kind::Failover, EstateRole::Standby)
            if !in_progress(&ws, &standby, args.emulator, Direction::Failover).await =>
        {
            eprintln!(
                "{} {} is already served by its standby in {}\n  {} fail back first: strata dr failback -e {}{}",
                style::error_label(),
                primary.name,
                dr.secondary_location,
                style::hint_label(),
                primary.name,
                if args.emulator { " --emulator" } else { "" }
            );
            return Err(Exit(1).into());
        }
        _ => {}
    }
    if kind != Kind::Drill && !confirmed(&args, kind, &primary.name, &region) {
        println!("{} cancelled.", kind.as_str());
        return Ok(1);
    }
    let interrupt = Interrupt::new();
    let signals = outcome::watch_signals(interrupt.clone());
    let target = session::connect(&ws, &primary, args.emulator).await?;
    // The embedded emulator, or one this machine serves (STRATA_ARM_ENDPOINT on loopback).
    let on_emulator = crate::commands::dr_emulator::Control::of(&target).is_some();
    if kind == Kind::Drill && (!on_emulator || args.copies) {
        // Against Azure a drill changes nothing the environment runs on.
        let result =
            crate::commands::dr_copies::run(&ws, &primary, &standby, &dr, &target, &interrupt, args.emulator)
                .await;
        target.close().await;
        signals.abort();
        return result;
    }
    let result = Runbook {
        ws: &ws,
        args: &args,
        kind,
        primary: &primary,
        standby: &standby,
        dr: &dr,
        target: &target,
        interrupt: &interrupt,
        on_emulator,
    }
    .go()
    .await;
    target.close().await;
    signals.abort();
    result
}

async fn in_progress(ws: &Workspace, standby: &Environment, emulator: bool, d: Direction) -> bool {
    matches!(
        estates::read_state(ws, standby, emulator).await,
        Ok(Some(State { recovery: Some(RecoveryRecord { runbook: Some(p), .. }), .. })) if p.kind == d.as_str()
    )
}

struct Runbook<'a> {
    ws: &'a Workspace,
    args: &'a DrArgs,
    kind: Kind,
    primary: &'a Environment,
    standby: &'a Environment,
    dr: &'a strata_core::DisasterRecovery,
    target: &'a ArmTarget,
    interrupt: &'a Interrupt,
    on_emulator: bool,
}

impl Runbook<'_> {
    async fn go(&self) -> Result<u8> {
        let operation = strata_state::operation::APPLY;
        estates::with_lock(
            self.ws,
            self.standby,
            self.args.emulator,
            operation,
            self.args.lock_timeout,
            async |store, guard| self.locked(store, guard).await,
        )
        .await
    }

    async fn locked(&self, store: &dyn StateStore, guard: &LockGuard) -> Result<u8> {
        let started_at = now();
        let direction = match self.kind {
            Kind::Failback => Direction::Failback,
            _ => Direction::Failover,
        };
        let control = crate::commands::dr_emulator::Control::of(self.target);
        // A drill takes the primary region out first, on the emulator's clock.
        let mut outage_at = None;
        if self.kind == Kind::Drill {
            let Some(control) = &control else {
                return Err(anyhow!(
                    "this target is not a strata emulator: a drill needs one to take {} out",
                    self.primary.location
                ));
            };
            outage_at = Some(control.take_out(&self.primary.location).await?);
            println!(
                "{} {} is out since {} (the emulator's clock).",
                style::bold("Drill:"),
                self.primary.location,
                outage_at.as_deref().unwrap_or_default()
            );
        } else if let Some(control) = &control {
            outage_at = control.outage_of(&self.primary.location).await;
        }

        let mut standby_state = read(store)
            .await?
            .unwrap_or_else(|| State::new(&self.standby.name));
        let primary_state = estates::read_state(self.ws, self.primary, self.args.emulator)
            .await?
            .unwrap_or_else(|| State::new(&self.primary.name));
        // Resume what an earlier run of the same runbook started.
        let mut progress = match standby_state.recovery.as_ref().and_then(|r| r.runbook.clone()) {
            Some(p) if p.kind == direction.as_str() => {
                println!(
                    "Resuming the {} started at {}: {} steps were done.",
                    p.kind,
                    p.started_at,
                    p.done.len()
                );
                // The recovery time runs from the first loss of the region.
                outage_at = p.outage_at.clone().or(outage_at);
                p
            }
            _ => RunbookProgress {
                kind: direction.as_str().into(),
                started_at: started_at.clone(),
                outage_at: outage_at.clone(),
                done: Vec::new(),
            },
        };
        save_progress(store, guard, &mut standby_state, Some(progress.clone())).await?;

        // A region the emulator reports out does not answer: no need to wait for ARM's
        // retries to say so.
        let planned = match direction {
            Direction::Failover if outage_at.is_some() => false,
            Direction::Failover => runbook::primary_answers(&self.target.arm, &primary_state)
                .await
                .unwrap_or(false),
            Direction::Failback => true,
        };
        if direction == Direction::Failback
            && runbook::primary_answers(&self.target.arm, &primary_state).await == Some(false)
        {
            eprintln!(
                "{} {} does not answer yet: a failback needs the primary region back\n  {} run it again once {} answers; nothing was changed",
                style::error_label(),
                self.primary.location,
                style::hint_label(),
                self.primary.location
            );
            return Err(Exit(1).into());
        }
        // What a region loss would lose, read before anything moves.
        let exposures = if direction == Direction::Failover {
            exposures(
                &self.target.arm,
                &primary_state,
                outage_at.as_deref(),
                self.dr.strategy == DrStrategy::Cold,
            )
            .await
        } else {
            Vec::new()
        };
        let inputs = Inputs {
            direction,
            primary_env: &self.primary.name,
            standby_env: &self.standby.name,
            primary: &primary_state,
            standby: &standby_state,
            primary_location: &self.primary.location,
            planned,
            cold: self.dr.strategy == DrStrategy::Cold,
            done: &progress.done,
        };
        let steps = runbook::plan(&self.target.arm, &inputs)
            .await
            .map_err(|e| anyhow!("cannot work out the {}: {e}", direction.as_str()))?;
        println!(
            "{} of {} ({}): {} steps{}.",
            style::bold(&capitalise(direction.as_str())),
            self.primary.name,
            if planned {
                "planned: both regions answer"
            } else {
                "unplanned: the primary region does not answer"
            },
            steps.len(),
            if progress.done.is_empty() {
                String::new()
            } else {
                format!(" left of {}", steps.len() + progress.done.len())
            }
        );

        let mut records = Vec::new();
        let mut healthy_at = None;
        let mut failed = false;
        for (i, step) in steps.iter().enumerate() {
            if self.interrupt.level() > 0 {
                eprintln!(
                    "{}",
                    style::yellow(&format!(
                        "Interrupted after {i} steps: run `strata dr {} -e {}{}` again to resume.",
                        self.kind.as_str(),
                        self.primary.name,
                        if self.args.emulator { " --emulator" } else { "" }
                    ))
                );
                failed = true;
                break;
            }
            println!(
                "\n{} {}",
                style::bold(&format!("[{}/{}]", i + 1, steps.len())),
                step.title
            );
            let start = now();
            let t0 = std::time::Instant::now();
            let result = self.step(step, store, guard, &mut healthy_at).await;
            let record = StepRecord {
                id: step.id.clone(),
                title: step.title.clone(),
                started_at: start,
                ended_at: now(),
                seconds: t0.elapsed().as_secs_f64(),
                outcome: if result.is_ok() {
                    StepOutcome::Done
                } else {
                    StepOutcome::Failed
                },
                detail: match &result {
                    Ok(d) | Err(d) => d.clone(),
                },
                documented: step.documented.clone(),
            };
            match &result {
                Ok(d) => println!("    {} {d}", style::green("done:")),
                Err(e) => eprintln!("    {} {e}", style::error_label()),
            }
            records.push(record);
            if result.is_err() {
                failed = true;
                break;
            }
            progress.done.push(step.id.clone());
            let mut s = read(store)
                .await?
                .unwrap_or_else(|| State::new(&self.standby.name));
            save_progress(store, guard, &mut s, Some(progress.clone())).await?;
        }
        if !failed {
            let mut s = read(store)
                .await?
                .unwrap_or_else(|| State::new(&self.standby.name));
            save_progress(store, guard, &mut s, None).await?;
        }
        if self.kind == Kind::Drill
            && let Some(control) = &control
        {
            control.restore(&self.primary.location).await?;
            println!(
                "\n{} {} is back; {} stays served from {} until `strata dr failback -e {}{}`.",
                style::bold("Drill:"),
                self.primary.location,
                self.primary.name,
                self.dr.secondary_location,
                self.primary.name,
                if self.args.emulator { " --emulator" } else { "" }
            );
        }
        let report = self.report(&progress, outage_at, healthy_at, records, exposures, failed);
        let path = report
            .save(&reports_dir(self.ws, &self.primary.name))
            .map_err(|e| anyhow!("cannot keep the report: {e}"))?;
        print_summary(&report, &path, self.ws);
        if failed {
            eprintln!(
                "  {} fix what failed and run `strata dr {} -e {}{}` again: it resumes where it stopped",
                style::hint_label(),
                self.kind.as_str(),
                self.primary.name,
                if self.args.emulator { " --emulator" } else { "" }
            );
            return Ok(if self.interrupt.level() > 0 { 130 } else { 1 });
        }
        if self.kind == Kind::Failback && self.dr.strategy == DrStrategy::Cold {
            println!(
                "The cold standby {} keeps running (its database is the primary's replica now): `strata destroy -e {}{}` removes it until the next failover builds it again.",
                self.standby.name,
                self.standby.name,
                if self.args.emulator { " --emulator" } else { "" }
            );
        }
        Ok(if report.passed { 0 } else { 2 })
    }

    /// Carries out one step; a line saying what happened, or why it failed.
    async fn step(
        &self,
        step: &Step,
        store: &dyn StateStore,
        guard: &LockGuard,
        healthy_at: &mut Option<String>,
    ) -> Result<String, String> {
        match &step.action {
            StepAction::Arm(call) => runbook::execute(&self.target.arm, call).await,
            StepAction::Record { serving } => {
                let mut s = read(store)
                    .await
                    .map_err(|e| e.to_string())?
                    .unwrap_or_else(|| State::new(&self.standby.name));
                let mut rec = s.recovery.clone().unwrap_or_default();
                rec.serving = *serving;
                rec.since = Some(now());
                s.recovery = Some(rec);
                store.write(&mut s, guard).await.map_err(|e| e.to_string())?;
                Ok(format!("the {} estate serves from now on", serving.as_str()))
            }
            StepAction::ApplyEstate {
                environment,
                only,
                refresh,
            } => self.apply(environment, only, *refresh, store, guard).await,
            StepAction::CheckHealth => {
                let serving = match self.kind {
                    Kind::Failback => self.primary,
                    _ => self.standby,
                };
                let detail = self.check_health(serving).await?;
                *healthy_at = Some(now());
                Ok(detail)
            }
        }
    }

    async fn apply(
        &self,
        environment: &str,
        only: &[String],
        refresh: bool,
        store: &dyn StateStore,
        guard: &LockGuard,
    ) -> Result<String, String> {
        let mut env = self.ws.environment(environment).map_err(|e| format!("{e:#}"))?;
        estates::apply_record(self.ws, &mut env, self.args.emulator).await;
        let code = if env.standby_of.is_some() {
            runs::apply_estate(
                self.ws,
                &env,
                &self.args.vars,
                self.args.emulator,
                store,
                guard,
                self.target,
                self.interrupt,
                only,
                refresh,
            )
            .await
            .map_err(|e| format!("{e:#}"))?
        } else {
            estates::with_lock(
                self.ws,
                &env,
                self.args.emulator,
                strata_state::operation::APPLY,
                self.args.lock_timeout,
                async |p_store, p_guard| {
                    runs::apply_estate(
                        self.ws,
                        &env,
                        &self.args.vars,
                        self.args.emulator,
                        p_store,
                        p_guard,
                        self.target,
                        self.interrupt,
                        only,
                        refresh,
                    )
                    .await
                },
            )
            .await
            .map_err(|e| format!("{e:#}"))?
        };
        if code == 0 {
            Ok(format!("{environment} applied"))
        } else {
            Err(format!("the apply of {environment} did not finish (exit {code})"))
        }
    }

    /// The app answers through Front Door, from the serving estate.
    async fn check_health(&self, serving: &Environment) -> Result<String, String> {
        crate::commands::dr_health::through_front_door(
            self.ws,
            self.primary,
            serving,
            self.target,
            self.args.emulator,
        )
        .await
    }

    fn report(
        &self,
        progress: &RunbookProgress,
        outage_at: Option<String>,
        healthy_at: Option<String>,
        steps: Vec<StepRecord>,
        exposures: Vec<Exposure>,
        failed: bool,
    ) -> RecoveryReport {
        let measured: Vec<f64> = exposures.iter().filter_map(|e| e.seconds).collect();
        let rpo = Objective {
            target_seconds: self.dr.rpo.as_secs(),
            achieved_seconds: measured.iter().copied().reduce(f64::max),
            basis: "the largest measured exposure: storage's last sync time before the region was lost"
                .into(),
        };
        let from = outage_at.clone().unwrap_or_else(|| progress.started_at.clone());
        let rto = Objective {
            target_seconds: self.dr.rto.as_secs(),
            achieved_seconds: healthy_at.as_deref().and_then(|h| seconds_between(&from, h)),
            basis: if outage_at.is_some() {
                "from the loss of the region (the emulator's outage start) to the app answering through Front Door".into()
            } else {
                "from the start of the runbook to the app answering through Front Door".into()
            },
        };
        // Steps of one mechanism (two origins' priorities, two replicas) run side by side on
        // Azure; the mechanisms one after the other, as here.
        let mut by_mechanism: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for d in steps.iter().filter_map(|s| s.documented.as_ref()) {
            let e = by_mechanism.entry(d.mechanism.as_str()).or_default();
            *e = (*e).max(d.seconds);
        }
        let projected: u64 = by_mechanism.values().sum();
        let passed = !failed && rpo.met() != Some(false) && rto.met() == Some(true);
        RecoveryReport {
            kind: self.kind.as_str().into(),
            environment: self.primary.name.clone(),
            standby: self.standby.name.clone(),
            strategy: self.dr.strategy.as_str().into(),
            primary_location: self.primary.location.clone(),
            secondary_location: self.dr.secondary_location.clone(),
            target: if self.on_emulator { "emulator" } else { "azure" }.into(),
            started_at: progress.started_at.clone(),
            finished_at: now(),
            outage_at,
            healthy_at,
            steps,
            exposures,
            rpo,
            rto,
            projected_rto_seconds: projected,
            passed,
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

async fn read(store: &dyn StateStore) -> Result<Option<State>> {
    store
        .read()
        .await
        .map_err(|e| anyhow!("cannot read the standby's state: {e}"))
}

async fn save_progress(
    store: &dyn StateStore,
    guard: &LockGuard,
    state: &mut State,
    progress: Option<RunbookProgress>,
) -> Result<()> {
    let mut rec = state.recovery.clone().unwrap_or_default();
    rec.runbook = progress;
    state.recovery = Some(rec);
    store
        .write(state, guard)
        .await
        .map_err(|e| anyhow!("cannot record the runbook's progress: {e}"))
}
