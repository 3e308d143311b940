//! Everything the CLI prints: diagnostics, plans, apply progress, values.

pub mod diag;
pub mod plan;
pub mod progress;
pub mod value;
