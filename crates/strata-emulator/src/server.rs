//! Starting and stopping an emulator: the listener, the HTTP server task, and the persister
//! that writes the estate to the data directory.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::EmulatorConfig;
use crate::conn::{CutSwitch, Listener};
use crate::error::EmulatorError;
use crate::faults::Faults;
use crate::identity::Identity;
use crate::protocol::{self, App};
use crate::stats::Stats;
use crate::store::{DataDir, State};
use crate::throttle::Throttler;

/// How long the persister waits after a change before writing, so that a burst of writes
/// costs one file write rather than one each.
const FLUSH_DELAY: Duration = Duration::from_millis(100);

/// Starts serving in the current tokio runtime; returns once the socket is bound.
pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
    let data_dir = match &config.data_dir {
        Some(dir) => Some(Arc::new(DataDir::open(dir)?)),
        None => None,
    };
    let mut state = match &data_dir {
        Some(d) => d.load()?.map(State::from_snapshot).unwrap_or_default(),
        None => State::default(),
    };
    state.outages = crate::regions::Outages::starting(&config.region_outages, chrono::Utc::now());
    let graph = crate::graph::Graph::new(config.graph_lag, config.throttle.is_some());
    let tenant = config
        .auth
        .as_ref()
        .map_or(crate::EMULATOR_TENANT_ID, |a| a.tenant_id.as_str())
        .to_string();
    graph.seed(&mut state, &tenant, chrono::Utc::now());
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| EmulatorError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| EmulatorError::Bind {
        addr: config.listen,
        source,
    })?;
    let tls = match &config.tls {
        Some(tls) => Some(crate::tls::prepare(tls, addr)?),
        None => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let app = Arc::new(App {
        state: std::sync::Mutex::new(state),
        latency: config.latency,
        addr,
        scheme,
        changed: tokio::sync::Notify::new(),
        identity: config
            .auth
            .map(|auth| Identity::new(auth, &format!("{scheme}://{addr}"))),
        throttle: config.throttle.map(Throttler::new),
        faults: config.faults.map(Faults::new),
        stats: Stats::default(),
        strict_api_versions: config.strict_api_versions,
        strict_bodies: config.strict_bodies,
        graph,
    });
    // The server stops first; the persister after it, so that its last write holds the
    // effects of every request the server finished.
    let (stop_server, mut server_stop) = watch::channel(false);
    let (stop_persister, persister_stop) = watch::channel(false);
    let mut accept_task = None;
    let persister = data_dir.map(|dir| tokio::spawn(persist_loop(app.clone(), dir, persister_stop)));
    let router = protocol::router(app.clone());
    let (listener, ca_pem) = match tls {
        None => (Listener::Plain(listener), None),
        Some(tls) => {
            let (ready, incoming) = tokio::sync::mpsc::channel(64);
            let acceptor = tokio::spawn(crate::tls::accept_loop(listener, tls.acceptor, ready));
            accept_task = Some(acceptor);
            (
                Listener::Tls {
                    ready: incoming,
                    addr,
                },
                Some(tls.ca_pem),
            )
        }
    };
    let server = tokio::spawn(async move {
        let shutdown = async move {
            // Either a `true` or the sender going away means stop.
            let _ = server_stop.wait_for(|stop| *stop).await;
        };
        let service = router.into_make_service_with_connect_info::<CutSwitch>();
        if let Err(e) = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(error = %e, "the emulator's HTTP server failed");
        }
    });
    tracing::info!(
        %addr,
        tls = ca_pem.is_some(),
        persisted = config.data_dir.is_some(),
        auth = app.identity.is_some(),
        throttle = app.throttle.is_some(),
        faults = app.faults.is_some(),
        "strata emulator listening"
    );
    Ok(EmulatorHandle {
        addr,
        app,
        ca_pem,
        accept_task,
        stop_server,
        stop_persister,
        server: Some(server),
        persister,
    })
}

/// Writes the estate after changes, and once more when stopping.
async fn persist_loop(app: Arc<App>, dir: Arc<DataDir>, mut stop: watch::Receiver<bool>) {
    let mut written = 0;
    loop {
        let stopping = tokio::select! {
            () = app.changed.notified() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        if !stopping {
            tokio::time::sleep(FLUSH_DELAY).await;
        }
        written = flush(&app, &dir, written).await;
        if stopping || stop.has_changed().is_err() {
            return;
        }
    }
}

/// Writes the estate if it changed since generation `written`; returns the generation on disk.
async fn flush(app: &App, dir: &Arc<DataDir>, written: u64) -> u64 {
    let (generation, bytes) = {
        let state = app.lock();
        if state.generation() == written {
            return written;
        }
        (state.generation(), serde_json::to_vec(&state.snapshot()))
    };
    let bytes = match bytes {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot serialize the emulator estate");
            return written;
        }
    };
    let dir = dir.clone();
    match tokio::task::spawn_blocking(move || dir.save(&bytes)).await {
        Ok(Ok(())) => generation,
        Ok(Err(e)) => {
            tracing::error!(error = %e, "cannot write the emulator estate");
            written
        }
        Err(e) => {
            tracing::error!(error = %e, "the estate writer stopped");
            written
        }
    }
}

/// A running emulator. Dropping it stops the server (without waiting); [`EmulatorHandle::shutdown`]
/// stops it gracefully and writes the estate.
pub struct EmulatorHandle {
    addr: SocketAddr,
    app: Arc<App>,
    /// With TLS: the PEM of the certificate authority clients should trust.
    ca_pem: Option<String>,
    /// With TLS: the task accepting connections and running handshakes.
    accept_task: Option<JoinHandle<()>>,
    stop_server: watch::Sender<bool>,
    stop_persister: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    persister: Option<JoinHandle<()>>,
}

impl EmulatorHandle {
    /// The bound address (the real port when the config asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (`https://` with TLS): the ARM endpoint to point clients at.
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.app.scheme, self.addr)
    }

    /// With TLS, the PEM of the certificate authority that signed the serving certificate
    /// (also written to [`TlsConfig::cert_file`](crate::TlsConfig)): what clients should trust.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The counters `GET /_emulator/stats` answers with.
    pub fn stats(&self) -> serde_json::Value {
        self.app.stats.to_json()
    }

    /// Starts the counters afresh (`DELETE /_emulator/stats`).
    pub fn reset_stats(&self) {
        self.app.stats.reset();
    }

    /// A federated token for `subject` from the emulator's OIDC issuer, with the audience
    /// Entra ID expects and a lifetime of `lifetime`: what `ARM_OIDC_TOKEN` would hold in CI.
    /// `None` when authentication is off.
    pub fn federated_token(&self, subject: &str, lifetime: Duration) -> Option<String> {
        let identity = self.app.identity.as_ref()?;
        let (token, _) = identity.mint_federated(subject, crate::FEDERATION_AUDIENCE, lifetime.as_secs());
        Some(token)
    }

    /// Stops accepting requests, lets running ones finish, and writes the estate.
    pub async fn shutdown(mut self) {
        let _ = self.stop_server.send(true);
        if let Some(accept) = self.accept_task.take() {
            accept.abort();
        }
        if let Some(server) = self.server.take()
            && let Err(e) = server.await
        {
            tracing::error!(error = %e, "the emulator's HTTP server task failed");
        }
        let _ = self.stop_persister.send(true);
        if let Some(persister) = self.persister.take()
            && let Err(e) = persister.await
        {
            tracing::error!(error = %e, "the emulator's persister task failed");
        }
    }
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.addr)
            .field("tls", &self.ca_pem.is_some())
            .field("auth", &self.app.identity.is_some())
            .field("throttle", &self.app.throttle.is_some())
            .field("faults", &self.app.faults.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        // Stops the server and lets the persister write a last time, without waiting for either.
        let _ = self.stop_server.send(true);
        let _ = self.stop_persister.send(true);
        if let Some(accept) = self.accept_task.take() {
            accept.abort();
        }
    }
}
