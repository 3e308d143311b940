//! The strata emulator's drill controls, as `dr drill` and the runbook use them: taking a
//! region out and back (`/_emulator/regions/{region}/outage|restore`, whose answer carries
//! the outage's start on the emulator's clock) and asking which origin Front Door would send
//! a request to (`/_emulator/frontdoor/{profile}/{endpoint}/route`).

use anyhow::{Result, anyhow};
use serde_json::Value;

use crate::session::{ArmTarget, ENDPOINT_VAR};

/// An emulator's control endpoints.
pub struct Control {
    base: String,
    http: reqwest::Client,
}

impl Control {
    /// The emulator behind `target`: the embedded one, or a local endpoint named by
    /// `STRATA_ARM_ENDPOINT` (an emulator on this machine). `None` for Azure.
    pub fn of(target: &ArmTarget) -> Option<Control> {
        let base = match &target.emulator {
            Some(handle) => handle.endpoint(),
            None => {
                let ep = std::env::var(ENDPOINT_VAR).ok()?;
                let url = url::Url::parse(&ep).ok()?;
                if !matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")) {
                    return None;
                }
                ep
            }
        };
        Some(Control {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::Client::new(),
        })
    }

    async fn call(&self, post: bool, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let req = if post {
            self.http.post(&url)
        } else {
            self.http.get(&url)
        };
        let answer = req
            .send()
            .await
            .map_err(|e| anyhow!("the emulator at {} does not answer {path}: {e}", self.base))?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if status.is_success() {
            Ok(body)
        } else {
            Err(anyhow!("the emulator answered {status} to {path}: {body}"))
        }
    }

    /// The start of `region`'s outage that is still going on, from an answer of the
    /// regions endpoint.
    fn open_outage(body: &Value, region: &str) -> Option<String> {
        body.get("outages")?
            .as_array()?
            .iter()
            .rev()
            .find(|o| {
                o.get("region")
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.eq_ignore_ascii_case(region))
                    && o.get("end").is_none_or(Value::is_null)
            })
            .and_then(|o| o.get("start")?.as_str().map(str::to_string))
    }

    /// Takes `region` out; the outage's start on the emulator's clock.
    pub async fn take_out(&self, region: &str) -> Result<String> {
        let body = self
            .call(true, &format!("/_emulator/regions/{region}/outage"))
            .await?;
        Self::open_outage(&body, region)
            .ok_or_else(|| anyhow!("the emulator did not report an outage of {region}"))
    }

    /// When `region`'s current outage started, if it is out.
    pub async fn outage_of(&self, region: &str) -> Option<String> {
        let body = self.call(false, "/_emulator/regions").await.ok()?;
        Self::open_outage(&body, region)
    }

    /// Brings `region` back.
    pub async fn restore(&self, region: &str) -> Result<()> {
        self.call(true, &format!("/_emulator/regions/{region}/restore"))
            .await
            .map(|_| ())
    }

    /// The host Front Door would send `path` to, or why it would not answer.
    pub async fn route(&self, rg: &str, profile: &str, endpoint: &str, path: &str) -> Result<String, String> {
        let url = format!(
            "{}/_emulator/frontdoor/{profile}/{endpoint}/route?path={path}&resourceGroup={rg}",
            self.base
        );
        let answer = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("the emulator does not answer: {e}"))?;
        let status = answer.status();
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            let why = body
                .get("error")
                .and_then(|e| e.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("no answer");
            return Err(format!("Front Door answers {status}: {why}"));
        }
        body.get("origin")
            .and_then(|o| o.get("hostName"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| "Front Door named no origin".to_string())
    }
}
