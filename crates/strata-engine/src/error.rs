//! Errors of the engine.

use strata_core::ResourceAddr;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error("dependency cycle: {}", .0.join(" → "))]
    Cycle(Vec<String>),
    #[error("could not read {addr} from Azure: {source}")]
    Refresh {
        addr: ResourceAddr,
        #[source]
        source: strata_arm::ArmError,
    },
    #[error("{addr}: {message}")]
    Resolve { addr: ResourceAddr, message: String },
    #[error(transparent)]
    State(#[from] strata_state::StateError),
    #[error("saved plan is stale: {0}")]
    StalePlan(String),
    #[error("{0}")]
    Other(String),
}
