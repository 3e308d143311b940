//! A run: read state, plan, confirm, apply, record — the whole of `plan`, `apply`, `destroy`,
//! `import`, a rehearsal or a promotion, with typed outcomes.
//!
//! The caller (the CLI) loads the configuration, takes the lock, connects, and renders; the
//! [`Run`] does everything in between over a [`StateStore`] and an [`Arm`], asking the
//! caller's confirm callback before it changes anything, and honouring [`Interrupt`]s.

use std::sync::Arc;

use strata_core::Evaluated;
use strata_state::{AppliedFrom, LockGuard, State, StateStore};

use crate::apply::{ApplyInput, ApplyReport};
use crate::arm::Arm;
use crate::error::EngineError;
use crate::events::Reporter;
use crate::interrupt::Interrupt;
use crate::model::Plan;
use crate::planfile;
use crate::planner::{PlanInput, PlanOptions, Planned};

/// What a run does after planning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// Plan only; nothing is written.
    Plan,
    /// Plan, confirm, apply (a destroy when [`RunSpec::destroy`]).
    Apply,
    /// Plan, then record only what changes state alone (imports, moves, settled unknowns):
    /// nothing is sent to Azure but reads (`strata import`).
    Record,
}

/// What to run.
pub struct RunSpec<'a> {
    pub stack: &'a str,
    pub environment: &'a str,
    pub config_digest: &'a str,
    pub evaluated: &'a Evaluated,
    pub kind: RunKind,
    /// Plan the destruction of everything in state.
    pub destroy: bool,
    pub refresh: bool,
    pub parallelism: usize,
    pub options: PlanOptions,
    /// Apply exactly this saved plan: refused when planning again gives anything else.
    pub saved: Option<Plan>,
    /// Recorded in state by an apply.
    pub applied_from: Option<AppliedFrom>,
}

/// The caller's answer to "apply this plan?".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirm {
    Yes,
    No,
}

/// How a run ended.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one per run, moved once
pub enum RunOutcome {
    /// A plan-only run: the plan (it may have problems; see [`Plan::problems`]).
    Planned(Plan),
    /// Nothing to change.
    NoChanges(Plan),
    /// The plan has problems (see [`Plan::problems`]): nothing was applied.
    Refused(Plan),
    /// The saved plan no longer matches what planning again gives: nothing was applied.
    Stale { plan: Plan, reason: EngineError },
    /// The confirm callback said no.
    Declined(Plan),
    /// Interrupted before anything was applied.
    Interrupted(Option<Plan>),
    /// Applied (fully, partly, or interrupted part-way: see [`ApplyReport`]).
    Applied { plan: Plan, report: ApplyReport },
    /// State-only changes recorded; the plan shows what an apply would still change.
    Recorded(Plan),
}

impl RunOutcome {
    /// The plan, when there is one.
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            RunOutcome::Planned(p)
            | RunOutcome::NoChanges(p)
            | RunOutcome::Refused(p)
            | RunOutcome::Declined(p)
            | RunOutcome::Stale { plan: p, .. }
            | RunOutcome::Applied { plan: p, .. }
            | RunOutcome::Recorded(p) => Some(p),
            RunOutcome::Interrupted(p) => p.as_ref(),
        }
    }
}

/// The parts a run works with.
pub struct Run<'a> {
    pub arm: Arc<dyn Arm>,
    pub store: &'a dyn StateStore,
    /// The lock the caller holds on `store`.
    pub lock: &'a LockGuard,
    pub reporter: &'a dyn Reporter,
    pub interrupt: Interrupt,
}

impl Run<'_> {
    /// Runs `spec`. `confirm` is asked once, with the plan, before anything is changed (not for
    /// a saved plan, which was reviewed when it was made).
    pub async fn execute(
        &self,
        spec: RunSpec<'_>,
        confirm: impl FnOnce(&Plan) -> Confirm,
    ) -> Result<RunOutcome, EngineError> {
        let state = self.store.read().await?;
        let input = PlanInput {
            stack: spec.stack,
            environment: spec.environment,
            config_digest: spec.config_digest,
            evaluated: spec.evaluated,
            state: state.as_ref(),
            destroy: spec.destroy,
            refresh: spec.refresh,
            parallelism: spec.parallelism,
            options: &spec.options,
        };
        let planned: Planned = tokio::select! {
            planned = crate::planner::plan(self.arm.as_ref(), input, self.reporter) => planned?,
            () = self.interrupt.reached(1) => return Ok(RunOutcome::Interrupted(None)),
        };
        match spec.kind {
            RunKind::Plan => return Ok(RunOutcome::Planned(planned.plan)),
            RunKind::Record => {
                let mut state = planned
                    .state
                    .clone()
                    .unwrap_or_else(|| State::new(spec.environment));
                self.store.write(&mut state, self.lock).await?;
                return Ok(RunOutcome::Recorded(planned.plan));
            }
            RunKind::Apply => {}
        }
        if let Some(saved) = &spec.saved
            && let Err(reason) = planfile::check_fresh(saved, &planned.plan)
        {
            return Ok(RunOutcome::Stale {
                plan: planned.plan,
                reason,
            });
        }
        if planned.plan.problems().next().is_some() {
            return Ok(RunOutcome::Refused(planned.plan));
        }
        if !planned.plan.has_changes() {
            // Nothing to change, but what Azure answered is kept: state follows Azure (a
            // replica promoted by a failover is a standalone server in state too).
            if let (Some(before), Some(mut after)) = (state.as_ref(), planned.state.clone()) {
                for r in after.resources.values_mut() {
                    if let Some(doc) = planned.attributes.get(&r.addr) {
                        let mut doc = doc.clone();
                        crate::attrs::carry_actions(&mut doc, &r.attributes);
                        r.attributes = doc;
                    }
                }
                if &after != before {
                    self.store.write(&mut after, self.lock).await?;
                }
            }
            return Ok(RunOutcome::NoChanges(planned.plan));
        }
        if spec.saved.is_none() && confirm(&planned.plan) == Confirm::No {
            return Ok(RunOutcome::Declined(planned.plan));
        }
        if self.interrupt.level() >= 1 {
            return Ok(RunOutcome::Interrupted(Some(planned.plan)));
        }
        let mut start = planned
            .state
            .clone()
            .unwrap_or_else(|| State::new(spec.environment));
        if spec.applied_from.is_some() {
            start.applied_from = spec.applied_from.clone();
        }
        let input = ApplyInput {
            evaluated: spec.evaluated,
            planned: &planned,
            state: start,
            store: self.store,
            lock: self.lock,
            parallelism: spec.parallelism,
            interrupt: &self.interrupt,
        };
        let report = crate::apply::apply(Arc::clone(&self.arm), input, self.reporter).await?;
        Ok(RunOutcome::Applied {
            plan: planned.plan,
            report,
        })
    }
}
