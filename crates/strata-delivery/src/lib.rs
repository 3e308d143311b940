//! GitOps delivery for strata: plans that travel, pull-request reports, CI pipelines and
//! promotion reports. Pure functions from a [`Plan`] (or a [`CiSpec`]) to text; the CLI
//! decides where the text goes.
//!
//! - [`render`]: the one plan renderer, used by the terminal, `strata show PLANFILE` and the
//!   reports: [`render::plan_text`] and [`render::resource_lines`] give [`render::Line`]s
//!   printed in a [`render::Flavor`] (plain, ANSI colour, or markdown-safe in a `diff` block);
//!   changes nest at the level that changed, ARM's own fields are hidden, long values wrap at
//!   [`render::WIDTH`] columns.
//! - [`tofu_json`]: a [`Plan`] in OpenTofu's plan JSON shape ([`to_tofu_json`], for
//!   `strata show -json`), as typed structs ([`TofuPlan`], [`TofuResourceChange`],
//!   [`TofuChange`]) that also parse OpenTofu's own plans, with the structural rules both must
//!   follow ([`TofuPlan::validate`]).
//! - [`report`]: the markdown pull-request comment over several environments
//!   ([`markdown_report`] of [`EnvPlan`]s), starting with [`report_marker`] so a pipeline can
//!   update its previous comment.
//! - [`ci`]: the pipeline files for a stack ([`github_workflows`], [`azure_devops_pipeline`])
//!   from a [`CiSpec`], as [`GeneratedFile`]s; [`Install`] is where their jobs get strata.
//! - [`promote`]: what one environment would change to match another
//!   ([`promotion_report`]).
//! - [`drift`]: what changed outside strata in an environment, as terminal text and as markdown
//!   for an issue ([`drift::drift_markdown`], starting with [`drift::drift_marker`]).
//! - [`drill`]: disaster recovery reports ([`drill::RecoveryReport`]: a drill's, failover's or
//!   failback's steps, achieved RPO and RTO against the targets, documented durations) as
//!   markdown and JSON, kept per environment and listed by [`drill::history`].
//!
//! Values in a [`Plan`] are already masked by the engine (`Shown::Sensitive`,
//! `Shown::Unknown`); nothing here reads configuration or state, so nothing here can reveal a
//! secret the plan does not hold.

pub mod ci;
pub mod drift;
pub mod drill;
mod markdown;
pub mod promote;
pub mod render;
pub mod report;
pub mod tofu_json;

pub use ci::{
    CiSpec, CiSpecError, GeneratedFile, INSTALL_HELP, Install, azure_devops_pipeline, github_workflows,
};
pub use promote::{Format, promotion_report};
pub use report::{EnvPlan, markdown_report, report_marker};
pub use tofu_json::{
    ShapeError, TofuAction, TofuChange, TofuPlan, TofuResourceChange, to_tofu_json, to_tofu_plan,
};

#[cfg(doc)]
use strata_engine::Plan;
