//! Azure Resource Graph queries: `POST /providers/Microsoft.ResourceGraph/resources`, every
//! page followed by its `$skipToken`, within the per-user quota the answers report.
//!
//! Resource Graph has its own quota, not ARM's buckets: about 15 queries per 5 seconds per
//! user, reported on every answer as `x-ms-user-quota-remaining` and
//! `x-ms-user-quota-resets-after` (`hh:mm:ss`). [`GraphQuota`] remembers when the quota is
//! spent and holds the next query until it resets, so that a bulk read spends no 429s; a 429
//! that comes anyway is retried after its `Retry-After` like any other.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::client::ArmClient;
use crate::error::ArmError;
use crate::transport::{Purpose, Response};
use crate::urls::with_api_version;

/// The api-version of Resource Graph queries.
pub const GRAPH_API_VERSION: &str = "2024-04-01";

/// Rows per page: the most Resource Graph answers.
const PAGE: u32 = 1000;

/// A query over the subscriptions it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQuery {
    /// KQL (`Resources | where resourceGroup in~ ('rg-a')`).
    pub query: String,
    pub subscriptions: Vec<String>,
}

/// Every row of a query, and what reading them cost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GraphRows {
    pub rows: Vec<Value>,
    /// Queries sent: one per page.
    pub pages: u32,
    /// Time spent waiting for the quota to reset.
    pub waited: Duration,
}

/// When the per-user quota lets the next query go.
#[derive(Debug, Default)]
pub(crate) struct GraphQuota {
    open_at: Mutex<Option<Instant>>,
}

impl GraphQuota {
    /// Waits until the quota has a query left; the time waited.
    async fn wait(&self) -> Duration {
        let until = *self.open_at.lock().unwrap_or_else(PoisonError::into_inner);
        match until {
            Some(t) if t > Instant::now() => {
                let d = t - Instant::now();
                tokio::time::sleep_until(t).await;
                d
            }
            _ => Duration::ZERO,
        }
    }

    /// Reads an answer's quota headers: with nothing left, the next query waits for the reset.
    fn update(&self, response: &Response) {
        let remaining = response
            .header("x-ms-user-quota-remaining")
            .and_then(|v| v.parse::<i64>().ok());
        let resets = response
            .header("x-ms-user-quota-resets-after")
            .and_then(parse_hms);
        let mut open = self.open_at.lock().unwrap_or_else(PoisonError::into_inner);
        *open = match (remaining, resets) {
            (Some(r), Some(after)) if r <= 0 => Some(Instant::now() + after),
            _ => None,
        };
    }
}

/// `hh:mm:ss` (seconds may have a fraction) as a duration.
fn parse_hms(s: &str) -> Option<Duration> {
    let mut parts = s.trim().split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(0.0..60.0).contains(&sec) {
        return None;
    }
    Some(Duration::from_secs(h * 3600 + m * 60) + Duration::from_secs_f64(sec))
}

impl ArmClient {
    /// Runs `q` and reads every page of its rows (an object per row).
    pub async fn graph(&self, q: &GraphQuery) -> Result<GraphRows, ArmError> {
        let mut url = self
            .endpoint()
            .join("providers/Microsoft.ResourceGraph/resources")
            .map_err(|e| ArmError::invalid_request(format!("the Resource Graph URL: {e}")))?;
        with_api_version(&mut url, GRAPH_API_VERSION);
        let mut out = GraphRows::default();
        let mut token: Option<String> = None;
        loop {
            out.waited += self.inner.graph_quota.wait().await;
            let mut options = json!({"$top": PAGE, "resultFormat": "objectArray"});
            if let Some(t) = &token {
                options["$skipToken"] = json!(t);
            }
            let body = json!({
                "query": q.query,
                "subscriptions": q.subscriptions,
                "options": options,
            });
            let response = self
                .inner
                .execute(Method::POST, &url, Some(&body), Purpose::Call)
                .await
                .map_err(|e| e.with_correlation_id(Some(self.correlation_id().to_string())))?;
            self.inner.graph_quota.update(&response);
            out.pages += 1;
            let doc = response.json()?.unwrap_or(Value::Null);
            match doc.get("data") {
                Some(Value::Array(rows)) => out.rows.extend(rows.iter().cloned()),
                _ => {
                    return Err(ArmError::invalid_request(
                        "Resource Graph answered without a `data` array of rows",
                    ));
                }
            }
            token = doc
                .get("$skipToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_reset_times_are_read() {
        assert_eq!(parse_hms("00:00:05"), Some(Duration::from_secs(5)));
        assert_eq!(parse_hms("01:02:03.5"), Some(Duration::from_secs_f64(3723.5)));
        assert_eq!(parse_hms("5"), None);
        assert_eq!(parse_hms("00:00:75"), None);
    }
}
