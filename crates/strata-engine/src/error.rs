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
        source: Box<strata_arm::ArmError>,
    },
    #[error("{addr}: {message}")]
    Resolve { addr: ResourceAddr, message: String },
    #[error(transparent)]
    State(Box<strata_state::StateError>),
    #[error("saved plan is stale: {0}")]
    StalePlan(String),
    #[error("{0}")]
    Other(String),
}

impl From<strata_state::StateError> for EngineError {
    fn from(e: strata_state::StateError) -> Self {
        EngineError::State(Box::new(e))
    }
}
