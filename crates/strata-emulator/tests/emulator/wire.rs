//! Requests with headers of the test's choosing (tokens, form bodies), and answers that may
//! never come (dropped connections).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use serde_json::Value;

use crate::support::{Emu, Resp};

/// A request body.
pub enum Body {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
}

impl Emu {
    /// Sends a request; `Err` when the connection closed without an answer.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Result<Resp, reqwest::Error> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut req = self.client.request(method, &url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req = match body {
            Body::None => req,
            Body::Json(v) => req.header("content-type", "application/json").body(v.to_string()),
            Body::Form(pairs) => {
                let mut s = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in &pairs {
                    s.append_pair(k, v);
                }
                req.header("content-type", "application/x-www-form-urlencoded")
                    .body(s.finish())
            }
        };
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// An ARM request with a bearer token (`None`: no `Authorization` header).
    pub async fn arm(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Resp {
        let auth = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
        let body = body.map_or(Body::None, Body::Json);
        self.send(method, path, &headers, body).await.unwrap()
    }

    /// `POST /{tenant}/oauth2/v2.0/token` with a form.
    pub async fn token_request(&self, tenant: &str, form: &[(&str, &str)]) -> Resp {
        let pairs = form.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.send(
            Method::POST,
            &format!("/{tenant}/oauth2/v2.0/token"),
            &[],
            Body::Form(pairs),
        )
        .await
        .unwrap()
    }

    /// The emulator's own counters.
    pub async fn stats(&self) -> Value {
        let r = self
            .send(Method::GET, "/_emulator/stats", &[], Body::None)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{r:?}");
        r.body
    }

    /// The ARM scope of this emulator.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.base)
    }
}

/// The claims of a JWT, unverified.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}
