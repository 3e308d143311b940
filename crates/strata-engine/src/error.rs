//! Errors of the engine: [`EngineError`] stops a run; [`OpError`] is why one resource's
//! operation failed (a run goes on with what does not depend on it).

use strata_core::{ArmId, ResourceAddr, SourceLoc};

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
    /// A `moved` block or `state mv` that cannot be carried out.
    #[error("{}", .0.message)]
    Move(Box<Refusal>),
    /// An `import` block or `strata import` that cannot be carried out.
    #[error("cannot import {}: {}", .0.addr.as_ref().map(ToString::to_string).unwrap_or_default(), .0.message)]
    Import(Box<Refusal>),
    /// A `-target` or `-replace` address that names nothing.
    #[error("{0}")]
    Address(String),
    #[error(transparent)]
    State(Box<strata_state::StateError>),
    #[error("saved plan is stale: {0}")]
    StalePlan(String),
    #[error("{0}")]
    Other(String),
}

/// Why a move or an import cannot be carried out, and what to do.
#[derive(Debug)]
pub struct Refusal {
    pub addr: Option<ResourceAddr>,
    pub message: String,
    pub hint: String,
    pub loc: Option<SourceLoc>,
}

impl EngineError {
    pub fn moving(
        message: impl Into<String>,
        hint: impl Into<String>,
        loc: Option<SourceLoc>,
    ) -> EngineError {
        EngineError::Move(Box::new(Refusal {
            addr: None,
            message: message.into(),
            hint: hint.into(),
            loc,
        }))
    }

    pub fn importing(
        addr: &ResourceAddr,
        message: impl Into<String>,
        hint: impl Into<String>,
        loc: Option<SourceLoc>,
    ) -> EngineError {
        EngineError::Import(Box::new(Refusal {
            addr: Some(addr.clone()),
            message: message.into(),
            hint: hint.into(),
            loc,
        }))
    }

    /// What to do about it, when the engine knows.
    pub fn hint(&self) -> Option<&str> {
        match self {
            EngineError::Move(r) | EngineError::Import(r) => Some(&r.hint),
            EngineError::StalePlan(_) => Some("run plan again and apply the new plan"),
            _ => None,
        }
    }

    /// The configuration block it is about, when there is one.
    pub fn loc(&self) -> Option<&SourceLoc> {
        match self {
            EngineError::Move(r) | EngineError::Import(r) => r.loc.as_ref(),
            _ => None,
        }
    }
}

impl From<strata_state::StateError> for EngineError {
    fn from(e: strata_state::StateError) -> Self {
        EngineError::State(Box::new(e))
    }
}

/// Why one resource's operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    /// ARM refused or failed the call.
    #[error("{0}")]
    Arm(Box<strata_arm::ArmError>),
    /// The request went out and no answer settled it: the resource may or may not have been
    /// written. It stays in state marked "outcome unknown" and the next run reads it back.
    #[error("{}; strata recorded it and reads it back on the next run", outcome_text(.0))]
    OutcomeUnknown(Box<strata_arm::ArmError>),
    /// Values it needs are still unknown.
    #[error("{0}")]
    Resolve(String),
    /// Written, but no read saw it within the deadline.
    #[error(
        "{id} was written but could not be read back for a minute; it is recorded and read back on the next run"
    )]
    NotReadable { id: ArmId },
    /// Only the data plane can delete it.
    #[error(
        "Azure Resource Manager cannot delete a {resource_type} on its own (only its data plane can); \
         delete it with the service's own tools (for a Key Vault secret: `az keyvault secret delete`), or remove its parent"
    )]
    DataPlaneOnly { resource_type: String },
    /// The run was stopped while it was in flight (second interrupt).
    #[error("stopped while in flight; its outcome is unknown and it is read back on the next run")]
    Interrupted,
    #[error("{0}")]
    Other(String),
}

/// An ARM error as the reason of an unknown outcome: the client's own wording when it says so.
fn outcome_text(e: &strata_arm::ArmError) -> String {
    if e.outcome_unknown() {
        e.to_string()
    } else {
        format!("outcome unknown: {e}")
    }
}

impl OpError {
    /// The ARM error behind it, if any.
    pub fn arm(&self) -> Option<&strata_arm::ArmError> {
        match self {
            OpError::Arm(e) | OpError::OutcomeUnknown(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the resource may exist in Azure though the operation did not report success.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            OpError::OutcomeUnknown(_) | OpError::NotReadable { .. } | OpError::Interrupted
        )
    }
}

impl From<strata_arm::ArmError> for OpError {
    fn from(e: strata_arm::ArmError) -> Self {
        if crate::arm::outcome_unknown(&e) {
            OpError::OutcomeUnknown(Box::new(e))
        } else {
            OpError::Arm(Box::new(e))
        }
    }
}

/// One failed operation, with where the resource is declared.
#[derive(Debug)]
pub struct ResourceFailure {
    pub addr: ResourceAddr,
    pub action: crate::model::Action,
    pub error: OpError,
    /// The block that declares it (none for resources only in state).
    pub loc: Option<SourceLoc>,
}
