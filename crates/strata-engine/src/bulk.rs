//! The bulk half of a refresh: Azure Resource Graph queries for the resources that can be
//! rows, and a verdict per resource (see [`crate::refresh`] for when a resource is read with
//! a GET instead).
//!
//! Queries, per subscription:
//! - resource groups: `ResourceContainers`, by name, 100 names a query;
//! - resource groups holding at least [`GROUP_QUERY_MIN`] of the resources: `Resources` by
//!   resource group (rows of resources strata does not manage are read and ignored), groups
//!   packed so a query has at most [`ROWS_PER_QUERY`] of ours, ordered by id so pages neither
//!   repeat nor miss rows;
//! - the rest: `Resources` by id, 100 ids a query (Microsoft's advice for id batches).
//!
//! Queries run a few at a time; the ARM client holds them while Resource Graph's per-user
//! quota is spent. Each query's rows are judged as soon as it answers and then dropped, so a
//! bulk refresh never holds every row at once.

use std::collections::{BTreeMap, HashMap};

use futures::stream::{self, StreamExt};
use serde_json::Value as Json;
use strata_arm::GraphQuery;
use strata_azure::behaviour::graph::{Coverage, coverage};

use crate::arm::Arm;
use crate::graph_row::{Verdict, Versions, verdict};
use crate::refresh::{Fallback, Read, RefreshOptions};

/// A resource group with at least this many of the resources is queried whole.
pub const GROUP_QUERY_MIN: usize = 50;
/// At most this many of our resources per query by resource group (two pages).
pub const ROWS_PER_QUERY: usize = 2000;
/// Names or ids per query.
const BATCH: usize = 100;
/// Queries in flight at once.
const CONCURRENT_QUERIES: usize = 4;

const PROJECT: &str = "project id, type, location, tags, sku, kind, identity, zones, plan, \
                       properties, extendedLocation, managedBy";

/// What the bulk read settled.
pub(crate) struct Bulk<'s> {
    /// Rows that agree with state: state's document stands.
    pub agreed: Vec<(Read<'s>, Json)>,
    /// To read with a GET, and why.
    pub fallbacks: Vec<(Read<'s>, Fallback)>,
    /// Queries sent (pages).
    pub queries: u32,
    /// The first error Resource Graph answered.
    pub error: Option<String>,
}

enum Outcome {
    Agreed(Json),
    Get(Fallback),
}

pub(crate) async fn read<'s>(
    arm: &dyn Arm,
    reads: Vec<Read<'s>>,
    options: &RefreshOptions,
    now: u64,
) -> Bulk<'s> {
    let staleness = options.staleness.as_secs();
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(reads.len());
    for r in &reads {
        outcomes.push(first_look(r, now, staleness).map(Outcome::Get));
    }
    let queries = plan_queries(&reads, &outcomes);
    let catalogue = strata_azure::Catalogue::global().ok();
    let mut versions: HashMap<(String, String), Option<Versions>> = HashMap::new();
    let mut sent = 0u32;
    let mut error = None;
    let mut answers = stream::iter(queries.iter().enumerate())
        .map(|(qi, (q, _))| async move { (qi, arm.graph(q).await) })
        .buffer_unordered(CONCURRENT_QUERIES);
    while let Some((qi, answer)) = answers.next().await {
        let members = &queries[qi].1;
        let rows = match answer {
            Ok(rows) => {
                sent += rows.pages;
                rows.rows
            }
            Err(e) => {
                sent += 1;
                error.get_or_insert_with(|| e.to_string());
                for &i in members {
                    outcomes[i] = Some(Outcome::Get(Fallback::GraphFailed));
                }
                continue;
            }
        };
        let mut by_id: HashMap<String, Json> = HashMap::with_capacity(members.len());
        for row in rows {
            if let Some(id) = row.get("id").and_then(Json::as_str) {
                by_id.insert(id.to_ascii_lowercase(), row);
            }
        }
        for &i in members {
            let r = &reads[i];
            let Some(row) = by_id.remove(&r.id.key()) else {
                outcomes[i] = Some(Outcome::Get(Fallback::MissingRow));
                continue;
            };
            let Some(doc) = r.carry else {
                outcomes[i] = Some(Outcome::Get(Fallback::MissingRow));
                continue;
            };
            let resource_type = r.id.resource_type();
            let v = versions
                .entry((
                    resource_type.to_ascii_lowercase(),
                    r.api_version.to_ascii_lowercase(),
                ))
                .or_insert_with(|| Versions::of(catalogue, &resource_type, &r.api_version));
            outcomes[i] = Some(match verdict(doc, &row, v.as_ref()) {
                Verdict::Agrees => Outcome::Agreed(doc.clone()),
                Verdict::Disagrees(_) => Outcome::Get(Fallback::Disagrees),
                Verdict::ApiVersion(_) => Outcome::Get(Fallback::ApiVersion),
            });
        }
    }
    drop(answers);
    let mut bulk = Bulk {
        agreed: Vec::new(),
        fallbacks: Vec::new(),
        queries: sent,
        error,
    };
    for (r, outcome) in reads.into_iter().zip(outcomes) {
        match outcome {
            Some(Outcome::Agreed(doc)) => bulk.agreed.push((r, doc)),
            Some(Outcome::Get(why)) => bulk.fallbacks.push((r, why)),
            None => bulk.fallbacks.push((r, Fallback::MissingRow)),
        }
    }
    bulk
}

/// Why a resource is read with a GET before any query, if it is.
fn first_look(r: &Read<'_>, now: u64, staleness: u64) -> Option<Fallback> {
    if let Some(f) = r.forced {
        return Some(f);
    }
    if r.written_at.is_some_and(|t| now.saturating_sub(t) < staleness) {
        return Some(Fallback::RecentlyWritten);
    }
    if !quotable(r.id.as_str()) {
        return Some(Fallback::MissingRow);
    }
    match coverage(r.id) {
        Coverage::Child => Some(Fallback::ChildResource),
        Coverage::Extension => Some(Fallback::ExtensionResource),
        Coverage::Containers if !r.id.is_resource_group() => Some(Fallback::OutsideResourceGroup),
        Coverage::Resources if r.id.resource_group_name().is_none() => Some(Fallback::OutsideResourceGroup),
        _ => None,
    }
}

/// Ids and names go into KQL string literals: Azure allows neither quotes nor backslashes
/// in them, so anything with one is read with a GET rather than escaped.
fn quotable(s: &str) -> bool {
    !s.contains(['\'', '\\', '"'])
}

fn list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
}

/// The queries for what is still undecided, each with the reads it answers.
fn plan_queries(reads: &[Read<'_>], outcomes: &[Option<Outcome>]) -> Vec<(GraphQuery, Vec<usize>)> {
    // subscription → groups (lower case) → reads.
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut resources: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for (i, r) in reads.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        let sub = r.id.subscription_id().to_ascii_lowercase();
        if r.id.is_resource_group() {
            groups.entry(sub).or_default().push(i);
        } else if let Some(rg) = r.id.resource_group_name() {
            resources
                .entry(sub)
                .or_default()
                .entry(rg.to_ascii_lowercase())
                .or_default()
                .push(i);
        }
    }
    let mut out = Vec::new();
    for (sub, members) in groups {
        for chunk in members.chunks(BATCH) {
            let names = list(chunk.iter().map(|&i| reads[i].id.name()));
            out.push((
                GraphQuery {
                    query: format!(
                        "ResourceContainers | where type =~ 'microsoft.resources/subscriptions/resourcegroups' \
                         and name in~ ({names}) | project id, type, location, tags, managedBy, properties"
                    ),
                    subscriptions: vec![sub.clone()],
                },
                chunk.to_vec(),
            ));
        }
    }
    for (sub, by_group) in resources {
        let mut sparse: Vec<usize> = Vec::new();
        let mut pack: (Vec<&str>, Vec<usize>) = (Vec::new(), Vec::new());
        let flush = |pack: &mut (Vec<&str>, Vec<usize>), out: &mut Vec<(GraphQuery, Vec<usize>)>| {
            if pack.1.is_empty() {
                return;
            }
            let names = list(pack.0.iter().copied());
            out.push((
                GraphQuery {
                    query: format!(
                        "Resources | where resourceGroup in~ ({names}) | {PROJECT} | order by id asc"
                    ),
                    subscriptions: vec![sub.clone()],
                },
                std::mem::take(&mut pack.1),
            ));
            pack.0.clear();
        };
        for (rg, members) in &by_group {
            if members.len() < GROUP_QUERY_MIN || !quotable(rg) {
                sparse.extend(members);
                continue;
            }
            if !pack.1.is_empty() && (pack.1.len() + members.len() > ROWS_PER_QUERY || pack.0.len() >= BATCH)
            {
                flush(&mut pack, &mut out);
            }
            pack.0.push(rg);
            pack.1.extend(members);
        }
        flush(&mut pack, &mut out);
        for chunk in sparse.chunks(BATCH) {
            let ids = list(chunk.iter().map(|&i| reads[i].id.as_str()));
            out.push((
                GraphQuery {
                    query: format!("Resources | where id in~ ({ids}) | {PROJECT}"),
                    subscriptions: vec![sub.clone()],
                },
                chunk.to_vec(),
            ));
        }
    }
    out
}
