//! A scripted stand-in for Azure: each `METHOD /path` answers from its own queue of replies,
//! the last reply repeating, and every request is recorded for assertions.

// Test scaffolding: a failure here is a broken test, best reported by a panic.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, StatusCode, Uri};
use serde_json::Value;
use strata_arm::{ArmClient, ClientOptions, PollPolicy, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One scripted answer. `{base}` in header values becomes the server's own URL.
#[derive(Clone, Debug)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The answer breaks off after its headers: the request was served, its answer lost.
    broken: bool,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
            broken: false,
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            broken: false,
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
            broken: false,
        }
    }

    /// An ARM error envelope.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"error": {"code": code, "message": message}}),
        )
    }

    /// This answer, broken off after its headers: the request is served but the client
    /// never learns the answer (a dropped connection).
    pub fn lost(mut self) -> Reply {
        self.broken = true;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Default)]
struct Script {
    replies: Mutex<HashMap<String, VecDeque<Reply>>>,
    seen: Mutex<Vec<Seen>>,
    base: Mutex<String>,
}

/// The running server; stopped when dropped.
pub struct Scripted {
    pub base: String,
    script: Arc<Script>,
    task: JoinHandle<()>,
}

impl Scripted {
    pub async fn start() -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let script = Arc::new(Script::default());
        *script.base.lock().unwrap() = base.clone();
        let app = axum::Router::new().fallback(answer).with_state(script.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Scripted { base, script, task }
    }

    /// Scripts the answers of `method path`, in order; the last one repeats.
    pub fn on(&self, method: &str, path: &str, replies: Vec<Reply>) -> &Scripted {
        self.script
            .replies
            .lock()
            .unwrap()
            .insert(format!("{method} {path}"), replies.into());
        self
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.script.seen.lock().unwrap().clone()
    }

    /// How many `method path` requests arrived.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .count()
    }

    /// A client for this server with millisecond retry and poll delays.
    pub fn client(&self) -> ArmClient {
        ArmClient::new(self.options()).unwrap()
    }

    pub fn options(&self) -> ClientOptions {
        fast_options(&self.base)
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn fast_options(base: &str) -> ClientOptions {
    let mut options = ClientOptions::new(base.parse().unwrap());
    options.retry = RetryPolicy::fast();
    options.poll = PollPolicy::fast();
    options.request_timeout = Duration::from_secs(10);
    options
}

async fn answer(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response<Body> {
    let path = uri.path().to_string();
    let key = format!("{method} {path}");
    let number = {
        let mut seen = script.seen.lock().unwrap();
        seen.push(Seen {
            method: method.to_string(),
            path,
            query: uri.query().unwrap_or("").to_string(),
            headers,
            body: body.to_vec(),
        });
        seen.len()
    };
    let reply = {
        let mut replies = script.replies.lock().unwrap();
        match replies.get_mut(&key) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        }
    };
    let reply =
        reply.unwrap_or_else(|| Reply::error(500, "Unscripted", &format!("nothing scripted for {key}")));
    let base = script.base.lock().unwrap().clone();
    let mut response = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap())
        .header("x-ms-request-id", format!("req-{number}"));
    for (name, value) in &reply.headers {
        response = response.header(name.as_str(), value.replace("{base}", &base));
    }
    if reply.broken {
        let failing = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by the test server"))
        });
        return response.body(Body::from_stream(failing)).unwrap();
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// A server whose first `drops` connections are closed right after the request arrives,
/// without an answer; later ones get `200` with `body`. Stopped when dropped.
pub struct Flaky {
    pub base: String,
    task: JoinHandle<()>,
}

impl Flaky {
    pub async fn start(drops: usize, body: Value) -> Flaky {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let body = body.to_string();
        let task = tokio::spawn(async move {
            let mut accepted = 0;
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                accepted += 1;
                read_request_head(&mut stream).await;
                if accepted <= drops {
                    drop(stream);
                    continue;
                }
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-ms-request-id: flaky-{accepted}\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        Flaky { base, task }
    }
}

impl Drop for Flaky {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}
