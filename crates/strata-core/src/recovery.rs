//! An environment's disaster recovery: where its secondary region is, how the standby is kept,
//! and the recovery point and time objectives a drill is judged against.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::SourceLoc;

/// How the secondary region is kept ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DrStrategy {
    /// Rebuilt from code and backups at failover: geo-redundant backups and storage only.
    Cold,
    /// A standby kept running: read replicas, a network, vault and workspace in the secondary
    /// region, and Front Door's secondary origin.
    Warm,
}

impl DrStrategy {
    pub fn as_str(self) -> &'static str {
        match self {
            DrStrategy::Cold => "cold",
            DrStrategy::Warm => "warm",
        }
    }
}

/// `disaster_recovery { secondary_location = …  strategy = …  rpo = …  rto = … }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisasterRecovery {
    /// ARM's name of the secondary region (`northeurope`).
    pub secondary_location: String,
    /// Whether the secondary was named or is the primary's documented pair.
    pub secondary_is_default: bool,
    pub strategy: DrStrategy,
    /// The recovery point objective: how much data a recovery may lose.
    pub rpo: Duration,
    /// The recovery time objective: how long a recovery may take.
    pub rto: Duration,
    /// The block, for diagnostics about it.
    pub loc: Option<SourceLoc>,
}
