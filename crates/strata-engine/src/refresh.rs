//! Refresh: what exists in Azure now for each resource in state, and each import.
//!
//! Two ways to read, chosen by [`RefreshMode`]:
//! - **full**: a GET per resource at its pinned api-version, `parallelism` at a time. ARM's
//!   read bucket (250, refilled at 25 per second) bounds this to about `(n - 250) / 25`
//!   seconds for `n` resources.
//! - **bulk**: Azure Resource Graph queries ([`crate::bulk`]) read the rows of many resources
//!   at once, and each row is compared with state ([`crate::graph_row`]). Correctness comes
//!   first: a resource is read with a GET when it is an import or its last write has an
//!   unknown outcome, when strata wrote it within the staleness window, when it is not a row
//!   of its own (a child or extension resource), when its row is missing or disagrees with
//!   state, when the graph's api-version cannot say what state holds, or when Resource Graph
//!   fails. Everything else is state's own document, confirmed by its row.
//!
//! `auto` (the default) uses bulk from [`RefreshOptions::bulk_threshold`] resources up. The
//! plan carries a [`RefreshSummary`]: which way was used, and how many resources fell back
//! to a GET and why.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use strata_core::{ArmId, Import, ResourceAddr};
use strata_state::State;

use crate::arm::Arm;
use crate::attrs::carry_actions;
use crate::error::EngineError;
use crate::events::{Event, Reporter};
use crate::planner::PlanInput;

/// How a plan reads what exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefreshMode {
    /// Bulk from the threshold up, full below it.
    #[default]
    Auto,
    Bulk,
    Full,
}

/// The refresh's switches (`--refresh=bulk|full`, `--graph-staleness`).
#[derive(Clone, Debug)]
pub struct RefreshOptions {
    pub mode: RefreshMode,
    /// What strata wrote more recently than this is read with a GET: Resource Graph may not
    /// have indexed it yet.
    pub staleness: Duration,
    /// `auto` reads in bulk from this many resources in state.
    pub bulk_threshold: usize,
}

/// Resource Graph indexes most changes within seconds; Microsoft documents no upper bound.
pub const DEFAULT_STALENESS: Duration = Duration::from_secs(300);

/// Below this many resources a full refresh costs no more than Resource Graph's queries.
pub const DEFAULT_BULK_THRESHOLD: usize = 100;

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            mode: RefreshMode::Auto,
            staleness: DEFAULT_STALENESS,
            bulk_threshold: DEFAULT_BULK_THRESHOLD,
        }
    }
}

/// Which way a refresh read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RefreshMethod {
    Bulk,
    Full,
}

/// Why a resource was read with a GET in a bulk refresh.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    Import,
    OutcomeUnknown,
    RecentlyWritten,
    ChildResource,
    ExtensionResource,
    OutsideResourceGroup,
    MissingRow,
    Disagrees,
    ApiVersion,
    GraphFailed,
}

impl Fallback {
    /// For "12 read with GET: 10 written within 5m, 2 rows disagree".
    pub fn describe(self) -> &'static str {
        match self {
            Fallback::Import => "imports",
            Fallback::OutcomeUnknown => "last write's outcome unknown",
            Fallback::RecentlyWritten => "written within the staleness window",
            Fallback::ChildResource => "child resources (not rows of their own)",
            Fallback::ExtensionResource => "extension resources (not in Resource Graph)",
            Fallback::OutsideResourceGroup => "outside a resource group",
            Fallback::MissingRow => "no row in Resource Graph",
            Fallback::Disagrees => "row disagrees with state",
            Fallback::ApiVersion => "Resource Graph's api-version differs",
            Fallback::GraphFailed => "Resource Graph failed",
        }
    }
}

/// What a plan's refresh did, for its first lines, `show -json` and the report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefreshSummary {
    pub method: RefreshMethod,
    /// Why a full refresh was used (`--refresh=full`, below the threshold).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// Resources read.
    pub resources: usize,
    /// Taken from Resource Graph rows that agree with state.
    pub from_graph: usize,
    /// Resource Graph queries sent (one per page).
    pub queries: u32,
    /// Resources read with a GET, by reason (bulk only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fallbacks: BTreeMap<Fallback, usize>,
    /// What Resource Graph answered when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_error: Option<String>,
    /// The staleness window, in seconds.
    pub staleness_secs: u64,
}

/// Seconds since the Unix epoch (what state records as a resource's last write).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A resource to read.
pub(crate) struct Read<'s> {
    pub addr: &'s ResourceAddr,
    pub id: &'s ArmId,
    pub api_version: String,
    /// State's document (its action results are carried onto what is read).
    pub carry: Option<&'s Json>,
    pub written_at: Option<u64>,
    /// Must be read with a GET whatever the mode (an import, an unknown outcome).
    pub forced: Option<Fallback>,
}

/// What exists now, by address (`None`: gone), and what the refresh did.
pub(crate) type Live = HashMap<ResourceAddr, Option<Json>>;

pub(crate) async fn refresh(
    arm: &dyn Arm,
    state: Option<&State>,
    imports: &[Import],
    input: &PlanInput<'_>,
    reporter: &dyn Reporter,
) -> Result<(Live, Option<RefreshSummary>), EngineError> {
    let options = &input.options.refresh;
    let mut reads: Vec<Read<'_>> = Vec::new();
    if let Some(state) = state {
        for r in state.resources.values() {
            if input.refresh || r.outcome_unknown {
                reads.push(Read {
                    addr: &r.addr,
                    id: &r.id,
                    api_version: r.api_version.clone(),
                    carry: Some(&r.attributes),
                    written_at: r.written_at,
                    forced: r.outcome_unknown.then_some(Fallback::OutcomeUnknown),
                });
            }
        }
    }
    for imp in imports {
        let api_version = input
            .evaluated
            .resources
            .iter()
            .find(|d| d.addr == imp.to)
            .map(|d| d.api_version.clone())
            .unwrap_or_default();
        reads.push(Read {
            addr: &imp.to,
            id: &imp.id,
            api_version,
            carry: None,
            written_at: None,
            forced: Some(Fallback::Import),
        });
    }
    let mut live = HashMap::new();
    if reads.is_empty() {
        return Ok((live, None));
    }
    let started = Instant::now();
    reporter.event(&Event::RefreshStarted { total: reads.len() });
    let total = reads.len();
    let staleness_secs = options.staleness.as_secs();
    let (method, why) = match options.mode {
        _ if !input.refresh => (RefreshMethod::Full, Some("-refresh=false".to_string())),
        RefreshMode::Full => (RefreshMethod::Full, Some("--refresh=full".to_string())),
        RefreshMode::Bulk => (RefreshMethod::Bulk, None),
        RefreshMode::Auto if total < options.bulk_threshold => (
            RefreshMethod::Full,
            Some(format!("fewer than {} resources", options.bulk_threshold)),
        ),
        RefreshMode::Auto => (RefreshMethod::Bulk, None),
    };
    let mut summary = RefreshSummary {
        method,
        why,
        resources: total,
        from_graph: 0,
        queries: 0,
        fallbacks: BTreeMap::new(),
        graph_error: None,
        staleness_secs,
    };
    let gets = match method {
        RefreshMethod::Full => reads,
        RefreshMethod::Bulk => {
            let bulk = crate::bulk::read(arm, reads, options, unix_now()).await;
            summary.queries = bulk.queries;
            summary.graph_error = bulk.error;
            summary.from_graph = bulk.agreed.len();
            for (r, doc) in bulk.agreed {
                reporter.event(&Event::Refreshed {
                    addr: r.addr.clone(),
                    exists: true,
                });
                live.insert(r.addr.clone(), Some(doc));
            }
            let mut gets = Vec::with_capacity(bulk.fallbacks.len());
            for (r, why) in bulk.fallbacks {
                *summary.fallbacks.entry(why).or_default() += 1;
                gets.push(r);
            }
            gets
        }
    };
    let results: Vec<_> = stream::iter(gets)
        .map(|r| async move {
            let doc = arm.get(r.id.as_str(), &r.api_version).await;
            (r, doc)
        })
        .buffer_unordered(input.parallelism.max(1))
        .collect()
        .await;
    for (r, doc) in results {
        let doc = doc.map_err(|source| EngineError::Refresh {
            addr: r.addr.clone(),
            source: Box::new(source),
        })?;
        reporter.event(&Event::Refreshed {
            addr: r.addr.clone(),
            exists: doc.is_some(),
        });
        let doc = doc.map(|mut d| {
            if let Some(from) = r.carry {
                carry_actions(&mut d, from);
            }
            d
        });
        live.insert(r.addr.clone(), doc);
    }
    reporter.event(&Event::RefreshFinished {
        elapsed: started.elapsed(),
    });
    Ok((live, Some(summary)))
}
