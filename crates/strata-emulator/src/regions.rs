//! Regional outages, for disaster-recovery drills: which regions are out, since when, and what
//! that does to a request. The protocol layer consults this module once per request; no type
//! repeats it.
//!
//! A region is taken out at start (`EmulatorConfig::region_outages`, `strata emulator
//! --region-outage westeurope`) or at run time, and restored at run time:
//!
//! - `POST /_emulator/regions/{region}/outage`, `POST /_emulator/regions/{region}/restore` and
//!   `GET /_emulator/regions` answer 200 with `{"out": [regions], "outages": [{"region",
//!   "start", "end"}], "origins": {host: healthy}}`: every outage of this run with its start and end (UTC, from the
//!   emulator's clock), so that a drill computes its RPO and RTO from the emulator's own
//!   timestamps. Outages live in memory only: a restarted emulator starts with the regions of
//!   its configuration.
//! - `POST /_emulator/origins/health` with `{"hostName": "...", "healthy": false}` marks a
//!   Front Door origin down (`true` up, `null` back to what the estate implies); see
//!   `types::cdn::routing`.
//!
//! While a region is out:
//!
//! - Every control-plane request about a resource located there (read, write, delete, action,
//!   the list of its children) and every create into it answers **503 `ServiceUnavailable`**
//!   with `Retry-After: 1`. In a regional outage ARM itself stays up (it is global) but the
//!   resource provider's regional endpoint does not answer, and ARM reports that as a 5xx (a
//!   gateway timeout after tens of seconds, or a 503). A 503 is what every ARM client treats as
//!   retryable, and answering at once keeps drills fast: the Azure SDKs retry it a few times
//!   and then report it; strata's client does the same. A child without a location (a subnet,
//!   a container) counts in its top-level resource's region.
//! - Long-running operations tracked in that region do not complete: their status stays
//!   `InProgress` (polls are still answered, as ARM's are). At the restore, those that fell due
//!   meanwhile complete at once, with the restore as their end time.
//! - The provider's per-location resources there (`…/locations/{region}/deletedVaults/…`)
//!   answer 503 too.
//! - Other regions keep working, and so do global things: resource groups (ARM's own
//!   metadata, their operations included), lists at group and subscription level (served from
//!   ARM's cache), extension resources (diagnostic settings: their providers are global), and
//!   resources in `global` (Front Door profiles and their children, private DNS zones, Front
//!   Door WAF policies).
//! - Storage is the documented exception: customer-managed failover exists for the case where
//!   the primary region is unavailable ("If the primary endpoint for your geo-redundant storage
//!   account becomes unavailable for any reason, you can initiate an account failover"), so an
//!   account in an out region still answers its reads (with `geoReplicationStats`) and
//!   `POST …/failover`; its other writes answer 503, since the storage resource provider does
//!   not move (management stays in the account's `location`, even after a failover).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as AxumState};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::protocol::{App, ArmError, ResourcePath};
use crate::store::{Operation, State};
use crate::types::common::{normalize_location, timestamp};

/// One outage of a region: from `start` to `end` (still out while `None`).
#[derive(Clone, Debug)]
struct Outage {
    region: String,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

/// The regions out, every outage of this run, and the Front Door origins marked up or down.
#[derive(Debug, Default)]
pub(crate) struct Outages {
    history: Vec<Outage>,
    /// Lowercase host name → healthy, as marked by `POST /_emulator/origins/health`.
    origins: BTreeMap<String, bool>,
}

impl Outages {
    /// The outages of the configuration, started at `now`.
    pub fn starting(regions: &[String], now: DateTime<Utc>) -> Outages {
        let mut o = Outages::default();
        for r in regions {
            o.take_out(&normalize_location(r), now);
        }
        o
    }

    /// When `region` (normalised) went out, if it is out.
    pub fn out_since(&self, region: &str) -> Option<DateTime<Utc>> {
        self.history
            .iter()
            .rev()
            .find(|o| o.end.is_none() && o.region == region)
            .map(|o| o.start)
    }

    pub fn is_out(&self, region: &str) -> bool {
        self.out_since(&normalize_location(region)).is_some()
    }

    fn any_out(&self) -> bool {
        self.history.iter().any(|o| o.end.is_none())
    }

    /// Takes `region` out; false if it already was.
    fn take_out(&mut self, region: &str, now: DateTime<Utc>) -> bool {
        if self.out_since(region).is_some() {
            return false;
        }
        self.history.push(Outage {
            region: region.to_string(),
            start: now,
            end: None,
        });
        true
    }

    /// Brings `region` back; false if it was not out.
    fn restore(&mut self, region: &str, now: DateTime<Utc>) -> bool {
        match self
            .history
            .iter_mut()
            .rev()
            .find(|o| o.end.is_none() && o.region == region)
        {
            Some(o) => {
                o.end = Some(now);
                true
            }
            None => false,
        }
    }

    /// True while `op` cannot complete: it is tracked in a region that is out. Resource group
    /// operations are ARM's own and never stall.
    pub fn stalls(&self, op: &Operation) -> bool {
        !op.namespace.eq_ignore_ascii_case("Microsoft.Resources") && self.is_out(&op.location)
    }

    /// The health an origin host was given by hand, if any.
    pub fn origin_mark(&self, host: &str) -> Option<bool> {
        self.origins.get(&host.to_ascii_lowercase()).copied()
    }

    fn report(&self) -> Value {
        let mut out: Vec<&str> = self
            .history
            .iter()
            .filter(|o| o.end.is_none())
            .map(|o| o.region.as_str())
            .collect();
        out.sort_unstable();
        let outages: Vec<Value> = self
            .history
            .iter()
            .map(|o| {
                json!({
                    "region": o.region,
                    "start": timestamp(o.start),
                    "end": o.end.map(timestamp),
                })
            })
            .collect();
        let origins: BTreeMap<&str, bool> = self.origins.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        json!({"out": out, "outages": outages, "origins": origins})
    }
}

fn unavailable(namespace: &str, region: &str) -> ArmError {
    ArmError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailable",
        format!(
            "The resource provider '{namespace}' is not available in region '{region}'. Please retry the request \
             later. (A regional outage simulated by the strata emulator: POST /_emulator/regions/{region}/restore \
             ends it.)"
        ),
    )
    .retry_after(1)
}

/// The region a request about `p` lands in: its top-level resource's location, or for a create
/// the location in the body.
fn region_of(state: &State, p: &ResourcePath, method: &Method, body: &[u8]) -> Option<String> {
    let top = state.resource(&p.key_at(1));
    if let Some(r) = top {
        return r.location().map(normalize_location);
    }
    if *method == Method::PUT && p.segments.len() == 1 {
        let body: Value = serde_json::from_slice(body).ok()?;
        return body
            .get("location")
            .and_then(Value::as_str)
            .map(normalize_location);
    }
    None
}

fn is_storage_account(p: &ResourcePath) -> bool {
    p.namespace.eq_ignore_ascii_case("Microsoft.Storage")
        && p.segments
            .first()
            .is_some_and(|(kind, _)| kind.eq_ignore_ascii_case("storageAccounts"))
}

/// The 503 a request about `p` answers while its region is out. `action` is the action of a
/// `POST …/{name}/{action}`, `child_list` the type of a list of `p`'s children.
pub(crate) fn refusal(
    state: &State,
    method: &Method,
    p: &ResourcePath,
    action: Option<&str>,
    body: &[u8],
) -> Option<ArmError> {
    if !state.outages.any_out() {
        return None;
    }
    let region = region_of(state, p, method, body)?;
    state.outages.out_since(&region)?;
    if is_storage_account(p) && p.segments.len() == 1 {
        let read = *method == Method::GET || *method == Method::HEAD;
        let failover = action.is_some_and(|a| a.eq_ignore_ascii_case("failover"));
        if read && action.is_none() || failover {
            return None;
        }
    }
    Some(unavailable(&p.namespace, &region))
}

/// The 503 of a provider's per-location resource (`…/locations/{region}/…`) while the region
/// is out.
pub(crate) fn location_refusal(state: &State, namespace: &str, location: &str) -> Option<ArmError> {
    let region = normalize_location(location);
    state
        .outages
        .out_since(&region)
        .map(|_| unavailable(namespace, &region))
}

/// A region name from a path: letters and digits (`West Europe` is accepted as `westeurope`).
fn region_param(raw: &str) -> Result<String, String> {
    let region = normalize_location(raw);
    if region.is_empty() || region == "global" || !region.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "'{raw}' is not a region name; use an Azure region such as westeurope."
        ));
    }
    Ok(region)
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"code": "InvalidRegion", "message": message}})),
    )
        .into_response()
}

/// `GET /_emulator/regions`.
pub(crate) async fn list(AxumState(app): AxumState<Arc<App>>) -> Response {
    let state = app.lock();
    Json(state.outages.report()).into_response()
}

/// `POST /_emulator/regions/{region}/outage`.
pub(crate) async fn take_out(AxumState(app): AxumState<Arc<App>>, Path(region): Path<String>) -> Response {
    let region = match region_param(&region) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let now = Utc::now();
    let mut state = app.lock();
    // Operations that fell due before the outage still complete.
    let removed = state.settle(now);
    crate::types::after_group_deletion(&mut state, now, removed);
    if state.outages.take_out(&region, now) {
        tracing::info!(%region, "region out");
    }
    app.changed.notify_one();
    Json(state.outages.report()).into_response()
}

/// `POST /_emulator/regions/{region}/restore`.
pub(crate) async fn restore(AxumState(app): AxumState<Arc<App>>, Path(region): Path<String>) -> Response {
    let region = match region_param(&region) {
        Ok(r) => r,
        Err(e) => return bad_request(e),
    };
    let now = Utc::now();
    let mut state = app.lock();
    if state.outages.restore(&region, now) {
        tracing::info!(%region, "region restored");
        // What fell due during the outage completes now, not back then.
        let outages = std::mem::take(&mut state.outages);
        state.resume(now, &|op| {
            normalize_location(&op.location) == region && !outages.stalls(op)
        });
        state.outages = outages;
        app.changed.notify_one();
    }
    Json(state.outages.report()).into_response()
}

/// `POST /_emulator/origins/health` with `{"hostName": "...", "healthy": true|false|null}`.
pub(crate) async fn origin_health(AxumState(app): AxumState<Arc<App>>, body: axum::body::Bytes) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let host = parsed
        .as_ref()
        .and_then(|b| b.get("hostName"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase);
    let healthy = parsed.as_ref().and_then(|b| b.get("healthy"));
    let (Some(host), Some(healthy)) = (host, healthy) else {
        return bad_request(
            "Send {\"hostName\": \"<origin host>\", \"healthy\": false} (true marks it up, null forgets the mark)."
                .into(),
        );
    };
    let mut state = app.lock();
    match healthy {
        Value::Bool(b) => {
            state.outages.origins.insert(host, *b);
        }
        Value::Null => {
            state.outages.origins.remove(&host);
        }
        _ => return bad_request("'healthy' must be true, false or null.".into()),
    }
    Json(state.outages.report()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outages_have_a_start_and_an_end() {
        let t0 = Utc::now();
        let mut o = Outages::starting(&["West Europe".into()], t0);
        assert!(o.is_out("westeurope") && o.is_out("West Europe"));
        assert!(!o.is_out("northeurope"));
        assert!(!o.take_out("westeurope", t0), "already out");
        let t1 = t0 + chrono::Duration::minutes(5);
        assert!(o.restore("westeurope", t1));
        assert!(!o.restore("westeurope", t1));
        assert!(!o.is_out("westeurope"));
        let r = o.report();
        assert_eq!(r["out"], json!([]));
        assert_eq!(r["outages"][0]["start"], timestamp(t0));
        assert_eq!(r["outages"][0]["end"], timestamp(t1));
    }

    #[test]
    fn region_names() {
        assert_eq!(region_param("West Europe").unwrap(), "westeurope");
        assert!(region_param("global").is_err());
        assert!(region_param("west-europe").is_err());
        assert!(region_param("").is_err());
    }
}
