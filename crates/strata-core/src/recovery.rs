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

/// Which of an environment's two estates something belongs to: the primary in the
/// environment's own region, or the standby in its secondary region (the derived environment
/// `<env>-dr`, with its own state and lock).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EstateRole {
    #[default]
    Primary,
    Standby,
}

impl EstateRole {
    pub fn as_str(self) -> &'static str {
        match self {
            EstateRole::Primary => "primary",
            EstateRole::Standby => "standby",
        }
    }
}

/// Where a module block is expanded, for an environment with disaster recovery.
#[derive(Clone, Debug, Default)]
pub struct Estate<'a> {
    /// The estate being expanded.
    pub role: EstateRole,
    /// The estate that serves traffic now: the primary, or the standby after a failover
    /// (recorded by `strata dr failover`, cleared by `strata dr failback`).
    pub serving: EstateRole,
    /// The same module block in the other estate, when it has been evaluated: for a standby,
    /// always the primary's; for a primary with a warm standby, the standby's.
    pub peer: Option<Peer<'a>>,
    /// For a cold standby, the moment its data is restored to (RFC 3339): a failover's start.
    pub restore_point: Option<&'a str>,
    /// The environment has been failed over at least once (its servers may be promoted
    /// replicas, which Azure gives no geo-redundant backup).
    pub failed_over: bool,
}

/// A module block as evaluated for the other estate. Values that wait on that estate's
/// resources refer to them by peer addresses ([`crate::ResourceAddr::peer`]), which the engine
/// resolves from that estate's state.
#[derive(Clone, Copy, Debug)]
pub struct Peer<'a> {
    /// The other estate's environment name (`prod`, or `prod-dr`) and region.
    pub environment: &'a str,
    pub location: &'a str,
    pub role: EstateRole,
    /// The block's inputs there.
    pub inputs: &'a std::collections::BTreeMap<String, crate::Value>,
    /// What the block expanded to there.
    pub resources: &'a [crate::DesiredResource],
    pub outputs: &'a std::collections::BTreeMap<String, crate::Value>,
}
