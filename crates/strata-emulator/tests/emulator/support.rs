//! A running emulator and a small ARM client for the tests.

use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::Value;
use strata_emulator::{EmulatorConfig, EmulatorHandle, Latency};

pub const SUB: &str = "11111111-2222-3333-4444-555555555555";
/// A second subscription, for names unique across subscriptions.
pub const SUB2: &str = "22222222-3333-4444-5555-666666666666";
pub const NET: &str = "2024-07-01";
pub const RES: &str = "2024-11-01";
pub const STORAGE: &str = "2025-01-01";
pub const KV: &str = "2024-11-01";
pub const COMPUTE: &str = "2024-11-01";
pub const WEB: &str = "2024-11-01";
pub const PG: &str = "2024-08-01";
pub const LAW: &str = "2023-09-01";
pub const AI: &str = "2020-02-02";
pub const DS: &str = "2021-05-01-preview";
pub const CDN: &str = "2024-09-01";
pub const DNS: &str = "2020-06-01";
pub const WAF: &str = "2024-02-01";

pub struct Emu {
    pub handle: EmulatorHandle,
    pub client: reqwest::Client,
    pub base: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ARM error code, if the body is an error envelope.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    pub fn state(&self) -> &str {
        self.body["properties"]["provisioningState"]
            .as_str()
            .unwrap_or_default()
    }
}

/// `/subscriptions/SUB/resourceGroups/{rg}`
pub fn rg(name: &str) -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{name}")
}

/// A Microsoft.Network resource path below a group.
pub fn net(rg_name: &str, rest: &str) -> String {
    format!("{}/providers/Microsoft.Network/{rest}", rg(rg_name))
}

/// A resource path below a group: `rest` is `{namespace}/{type}/{name}…`.
pub fn res(rg_name: &str, rest: &str) -> String {
    format!("{}/providers/{rest}", rg(rg_name))
}

/// A resource path below a group of another subscription.
pub fn res_in(sub: &str, rg_name: &str, rest: &str) -> String {
    format!("/subscriptions/{sub}/resourceGroups/{rg_name}/providers/{rest}")
}

impl Emu {
    pub async fn start(latency: Latency) -> Emu {
        Emu::start_with(EmulatorConfig {
            latency,
            ..EmulatorConfig::default()
        })
        .await
    }

    pub async fn start_with(config: EmulatorConfig) -> Emu {
        let handle = strata_emulator::start(config).await.unwrap();
        let base = handle.endpoint();
        Emu {
            handle,
            client: reqwest::Client::new(),
            base,
        }
    }

    pub async fn stop(self) {
        self.handle.shutdown().await;
    }

    /// A request to `path` (absolute URL or path; `api-version` added unless present).
    pub async fn call(&self, method: Method, path: &str, version: &str, body: Option<Value>) -> Resp {
        let mut url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        if !url.contains("api-version=") && !version.is_empty() {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&format!("api-version={version}"));
        }
        let mut req = self.client.request(method, &url);
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, version: &str) -> Resp {
        self.call(Method::GET, path, version, None).await
    }

    pub async fn put(&self, path: &str, version: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, version, Some(body)).await
    }

    pub async fn patch(&self, path: &str, version: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, version, Some(body)).await
    }

    pub async fn delete(&self, path: &str, version: &str) -> Resp {
        self.call(Method::DELETE, path, version, None).await
    }

    pub async fn post(&self, path: &str, version: &str, body: Option<Value>) -> Resp {
        self.call(Method::POST, path, version, body).await
    }

    /// Creates a resource group in `westeurope`.
    pub async fn group(&self, name: &str) {
        self.group_in(SUB, name).await;
    }

    /// Creates a resource group in `westeurope` in subscription `sub`.
    pub async fn group_in(&self, sub: &str, name: &str) {
        let r = self
            .put(
                &format!("/subscriptions/{sub}/resourceGroups/{name}"),
                RES,
                serde_json::json!({"location": "westeurope"}),
            )
            .await;
        assert_eq!(r.status, 201, "{r:?}");
    }

    /// PUTs and waits for whichever long-running pattern the answer uses; returns the final
    /// document (GET).
    pub async fn create(&self, path: &str, version: &str, body: Value) -> Value {
        let r = self.put(path, version, body).await;
        assert!(matches!(r.status, 200..=202), "{path}: {r:?}");
        if r.header("azure-asyncoperation").is_some() {
            let status = self.wait(&r).await;
            assert_eq!(status["status"], "Succeeded", "{path}: {status}");
        } else if r.status == 202 {
            let done = self.wait_location(&r).await;
            assert_eq!(done.status, 200, "{path}: {done:?}");
        }
        let got = self.poll_resource(path, version).await;
        assert_eq!(got.status, 200, "{path}: {got:?}");
        got.body
    }

    /// GETs until the resource's `provisioningState` is terminal (or absent).
    pub async fn poll_resource(&self, path: &str, version: &str) -> Resp {
        for _ in 0..1000 {
            let r = self.get(path, version).await;
            let state = r.state().to_string();
            if r.status != 200
                || !matches!(
                    state.as_str(),
                    "Creating" | "Updating" | "RegisteringDns" | "ResolvingDNS" | "Accepted" | "Deleting"
                )
            {
                return r;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the resource never settled");
    }

    /// DELETEs and waits until it is done; returns the first answer's status.
    pub async fn remove(&self, path: &str, version: &str) -> u16 {
        let r = self.delete(path, version).await;
        assert!(matches!(r.status, 200 | 202 | 204), "{path}: {r:?}");
        if r.status == 202 {
            let done = self.wait_location(&r).await;
            assert!(matches!(done.status, 200 | 204), "{path}: {done:?}");
        }
        r.status
    }

    /// A VNet `vnet1` (10.0.0.0/16) in `rg_name` with the given subnets
    /// (`name`, `prefix`, optional delegated service), ready.
    pub async fn network(&self, rg_name: &str, subnets: &[(&str, &str, Option<&str>)]) -> String {
        let path = net(rg_name, "virtualNetworks/vnet1");
        let subnets: Vec<Value> = subnets
            .iter()
            .map(|(name, prefix, delegation)| {
                let mut props = serde_json::json!({"addressPrefix": prefix});
                if let Some(service) = delegation {
                    props["delegations"] =
                        serde_json::json!([{"name": "delegation", "properties": {"serviceName": service}}]);
                }
                serde_json::json!({"name": name, "properties": props})
            })
            .collect();
        self.create(
            &path,
            NET,
            serde_json::json!({"location": "westeurope", "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": subnets
            }}),
        )
        .await;
        path
    }

    /// Polls the `Azure-AsyncOperation` of `r` until the operation is no longer in progress,
    /// honouring `Retry-After` as a client must. Returns the final status body.
    pub async fn wait(&self, r: &Resp) -> Value {
        let url = r
            .header("azure-asyncoperation")
            .expect("an Azure-AsyncOperation header")
            .to_string();
        for _ in 0..1000 {
            let s = self.get(&url, "").await;
            assert_eq!(s.status, 200, "{s:?}");
            if s.body["status"] != "InProgress" {
                return s.body;
            }
            let secs: u64 = s.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(10 + secs * 1000)).await;
        }
        panic!("the operation never finished");
    }

    /// Polls a `Location` URL until it stops answering 202; returns the final answer.
    pub async fn wait_location(&self, r: &Resp) -> Resp {
        let url = r.header("location").expect("a Location header").to_string();
        for _ in 0..1000 {
            let s = self.get(&url, "").await;
            if s.status != 202 {
                return s;
            }
            let secs: u64 = s.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(10 + secs * 1000)).await;
        }
        panic!("the operation never finished");
    }
}
