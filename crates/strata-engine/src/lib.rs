//! The strata engine: from desired resources and state to a plan, and from a plan to Azure.
//!
//! - [`planner::plan`] refreshes every resource in state from ARM, builds the dependency graph
//!   ([`graph_build`]), and decides an [`Action`] per resource by diffing ([`diff`]) only what
//!   the configuration sets. The result is a [`Plan`] (masked, serialisable: a saved plan) plus
//!   what apply needs in the same process ([`Planned`]).
//! - [`apply::apply`] walks the plan's operations concurrently over the graph, writing state
//!   after every completed operation, stopping dependents of a failure.
//! - [`planfile`] saves and loads plans, and refuses stale ones.
//! - The engine never prints: it emits [`Event`]s to a [`Reporter`].
//!
//! The engine talks to ARM only through [`strata_arm::ArmClient`] and to state only through
//! [`strata_state::StateStore`].

pub mod apply;
pub mod attrs;
pub mod diff;
pub mod error;
pub mod events;
pub mod graph;
pub mod graph_build;
pub mod model;
pub mod planfile;
pub mod planner;
pub mod render_values;
pub mod serial;

pub use apply::{ApplyInput, ApplyReport, apply};
pub use error::EngineError;
pub use events::{Event, NoReporter, Reporter};
pub use model::{Action, OutputChange, Plan, PropertyChange, ResourceChange, Shown, Summary};
pub use planner::{PlanInput, Planned, plan};
