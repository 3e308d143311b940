//! The strata engine: a whole run, from desired resources and state to a plan, and from a plan
//! to Azure.
//!
//! - [`Run`] ([`run`]) owns a run: reads state, plans, asks the caller's confirm callback,
//!   applies, records; returns a typed [`RunOutcome`]. `plan`, `apply`, `destroy`, `import`,
//!   rehearsals and promotions are all runs. [`Interrupt`] carries Ctrl-C / SIGTERM into it.
//! - [`planner::plan`] applies moves ([`moves`]), reads imports and resources whose outcome is
//!   unknown, refreshes state from ARM, builds the dependency graph ([`graph_build`]), decides
//!   an [`Action`] per resource by diffing ([`diff`]) only what the configuration sets, checks
//!   creates against Azure ([`lookups`]: ids taken outside state, soft-deleted namesakes) and
//!   narrows to `-target` ([`targets`]). The result is a [`Plan`] (masked, serialisable: a saved
//!   plan) plus what apply needs in the same process ([`Planned`]).
//! - [`apply::apply`] walks the plan's operations ([`ops`]) concurrently over the graph,
//!   writing state after every completed operation ([`persist`]), stopping dependents of a
//!   failure, recording writes of unknown outcome, honouring interrupts. Failures are typed
//!   ([`OpError`], [`ResourceFailure`]).
//! - [`planfile`] saves and loads plans, and refuses stale ones.
//! - [`recovery::status`] reads what protects each stateful resource against the loss of its
//!   region (`strata dr status`).
//! - [`peers`]: an environment's two estates (primary and standby) refer to each other's
//!   resources by peer address; the planner resolves those from the other estate's state
//!   ([`PlanOptions::peers`]) and leaves out what waits on a resource it does not hold yet.
//! - [`drill`]: a drill that changes nothing the environment runs on: geo-restored copies in
//!   a resource group of their own, checked and deleted.
//! - [`drift`]: what a plan found changed outside strata, credited from Resource Graph's change
//!   history (`strata drift`).
//! - [`runbook`]: a failover's and a failback's steps, worked out from both estates' states and
//!   what ARM answers, with Azure's documented durations; the ARM steps are carried out here.
//! - The engine never prints: it emits [`Event`]s to a [`Reporter`].
//!
//! The engine talks to ARM only through the [`Arm`] trait and to state only through
//! [`strata_state::StateStore`].

pub mod apply;
pub mod arm;
pub mod attrs;
mod bulk;
pub mod diff;
pub mod drift;
pub mod drill;
pub mod error;
pub mod events;
pub mod graph;
pub mod graph_build;
pub mod graph_row;
pub mod interrupt;
pub mod lookups;
pub mod model;
pub mod moves;
mod ops;
pub mod peers;
mod persist;
pub mod planfile;
pub mod planner;
pub mod recovery;
pub mod refresh;
pub mod render_values;
pub mod run;
pub mod runbook;
pub mod serial;
pub mod targets;

pub use apply::{ApplyInput, ApplyReport, apply};
pub use arm::Arm;
pub use error::{EngineError, OpError, ResourceFailure};
pub use events::{Event, NoReporter, Reporter};
pub use interrupt::Interrupt;
pub use model::{
    Action, DriftedProperty, OutputChange, Plan, Problem, PropertyChange, ResourceChange, Shown,
    SoftDeleteAction, Summary,
};
pub use planner::{PlanInput, PlanOptions, Planned, plan};
pub use refresh::{Fallback, RefreshMethod, RefreshMode, RefreshOptions, RefreshSummary};
pub use run::{Confirm, Run, RunKind, RunOutcome, RunSpec};
