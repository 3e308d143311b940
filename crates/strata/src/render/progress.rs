//! Apply progress: a live line (resources in flight, done, elapsed) on a terminal, plain lines
//! otherwise, JSON lines with `--json`.
//!
//! Without a terminal, an operation still running prints a heartbeat line (`still creating
//! module.x.y, 40s elapsed`) every 10 seconds, so CI logs show the run is alive;
//! `STRATA_HEARTBEAT` (e.g. `1s`) changes the interval.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use strata_engine::{Action, Event, Reporter};

use crate::session::{ArmTarget, ENDPOINT_VAR};
use crate::style;

/// The heartbeat interval without a terminal (see the module docs).
pub const HEARTBEAT_VAR: &str = "STRATA_HEARTBEAT";
const HEARTBEAT: Duration = Duration::from_secs(10);

/// What the run reads from and writes to, as progress lines name it.
pub fn target_name(target: &ArmTarget) -> String {
    if target.emulator.is_some() {
        return "the strata emulator".into();
    }
    match std::env::var(ENDPOINT_VAR) {
        Ok(ep) => format!("the ARM endpoint {ep}"),
        Err(_) => "Azure".into(),
    }
}

pub struct HumanReporter {
    bar: Option<ProgressBar>,
    inner: Arc<Mutex<Counts>>,
    started: Instant,
    target: String,
    heartbeat: Mutex<Option<mpsc::Sender<()>>>,
}

#[derive(Default)]
struct Counts {
    total: usize,
    done: usize,
    in_flight: usize,
    /// Operations running now: what, and since when.
    running: BTreeMap<String, (Action, Instant)>,
}

fn doing(action: Action) -> &'static str {
    match action {
        Action::Create => "Creating...",
        Action::Update => "Modifying...",
        Action::Replace => "Replacing...",
        Action::Delete => "Destroying...",
        Action::NoOp => "Reading...",
    }
}

fn done(action: Action) -> &'static str {
    match action {
        Action::Create | Action::Replace => "Creation complete",
        Action::Update => "Modifications complete",
        Action::Delete => "Destruction complete",
        Action::NoOp => "Read complete",
    }
}

fn secs(d: Duration) -> String {
    if d.as_secs() >= 1 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

fn doing_lower(action: Action) -> &'static str {
    match action {
        Action::Create => "creating",
        Action::Update => "modifying",
        Action::Replace => "replacing",
        Action::Delete => "destroying",
        Action::NoOp => "reading",
    }
}

/// Prints a heartbeat for every long-running operation each `every`, until `stop` closes.
fn heartbeat(counts: Arc<Mutex<Counts>>, every: Duration, stop: mpsc::Receiver<()>) {
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(every) {
        let Ok(c) = counts.lock() else { return };
        for (addr, (action, since)) in &c.running {
            let elapsed = since.elapsed();
            if elapsed >= every {
                println!("still {} {addr}, {} elapsed", doing_lower(*action), secs(elapsed));
            }
        }
    }
}

impl HumanReporter {
    /// A reporter for a run against `target` (see [`target_name`]).
    pub fn new(target: &str) -> HumanReporter {
        let terminal = std::io::stdout().is_terminal();
        let bar = terminal.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let inner = Arc::new(Mutex::new(Counts::default()));
        let mut sender = None;
        if !terminal {
            let every = std::env::var(HEARTBEAT_VAR)
                .ok()
                .and_then(|v| humantime::parse_duration(&v).ok())
                .filter(|d| !d.is_zero())
                .unwrap_or(HEARTBEAT);
            let (tx, rx) = mpsc::channel();
            let counts = Arc::clone(&inner);
            if std::thread::Builder::new()
                .name("heartbeat".into())
                .spawn(move || heartbeat(counts, every, rx))
                .is_ok()
            {
                sender = Some(tx);
            }
        }
        HumanReporter {
            bar,
            inner,
            started: Instant::now(),
            target: target.to_string(),
            heartbeat: Mutex::new(sender),
        }
    }

    fn line(&self, s: String) {
        match &self.bar {
            Some(bar) => bar.println(s),
            None => println!("{s}"),
        }
    }

    fn tick(&self) {
        let (Some(bar), Ok(c)) = (&self.bar, self.inner.lock()) else {
            return;
        };
        bar.set_message(format!(
            "{} in flight, {}/{} done, {} elapsed",
            c.in_flight,
            c.done,
            c.total,
            secs(self.started.elapsed())
        ));
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        // Dropping the sender stops the heartbeat.
        if let Ok(mut h) = self.heartbeat.lock() {
            h.take();
        }
    }
}

impl Drop for HumanReporter {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Reporter for HumanReporter {
    fn event(&self, event: &Event) {
        match event {
            Event::RefreshStarted { total } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("Refreshing {total} resources from {}...", self.target));
                }
            }
            Event::Refreshed { .. } | Event::StatePersisted { .. } => {}
            Event::RefreshFinished { .. } => {}
            Event::ApplyStarted { total } => {
                if let Ok(mut c) = self.inner.lock() {
                    c.total = *total;
                }
                self.tick();
            }
            Event::OperationStarted { addr, action, .. } => {
                if let Ok(mut c) = self.inner.lock() {
                    c.in_flight += 1;
                    c.running.insert(addr.to_string(), (*action, Instant::now()));
                }
                self.line(format!("{}: {}", style::bold(&addr.to_string()), doing(*action)));
                self.tick();
            }
            Event::OperationFinished {
                addr,
                action,
                elapsed,
            } => {
                if let Ok(mut c) = self.inner.lock() {
                    c.in_flight = c.in_flight.saturating_sub(1);
                    c.done += 1;
                    c.running.remove(&addr.to_string());
                }
                self.line(format!(
                    "{}: {} after {}",
                    style::bold(&addr.to_string()),
                    done(*action),
                    secs(*elapsed)
                ));
                self.tick();
            }
            Event::OperationFailed {
                addr,
                action,
                message,
            } => {
                if let Ok(mut c) = self.inner.lock() {
                    c.in_flight = c.in_flight.saturating_sub(1);
                    c.running.remove(&addr.to_string());
                }
                self.line(format!(
                    "{}: {} {}",
                    style::bold(&addr.to_string()),
                    style::red(&format!("{action} failed:")),
                    message
                ));
                self.tick();
            }
            Event::OperationSkipped { addr, because, .. } => {
                self.line(format!(
                    "{}: {}",
                    style::bold(&addr.to_string()),
                    style::dim(&format!("skipped because {because} failed"))
                ));
            }
            Event::Interrupted { in_flight } => {
                self.line(format!(
                    "{} waiting for {in_flight} operation{} in flight",
                    style::yellow("Interrupted:"),
                    if *in_flight == 1 { "" } else { "s" }
                ));
            }
            Event::StatePersistFailed { message } => {
                self.line(format!(
                    "{} could not save the state: {message}",
                    style::error_label()
                ));
            }
        }
    }
}

/// One JSON object per event, on stdout.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn event(&self, event: &Event) {
        let v = match event {
            Event::RefreshStarted { total } => serde_json::json!({"type": "refresh_start", "total": total}),
            Event::Refreshed { addr, exists } => {
                serde_json::json!({"type": "refreshed", "address": addr.to_string(), "exists": exists})
            }
            Event::RefreshFinished { elapsed } => {
                serde_json::json!({"type": "refresh_complete", "elapsed_ms": elapsed.as_millis() as u64})
            }
            Event::ApplyStarted { total } => serde_json::json!({"type": "apply_start", "total": total}),
            Event::OperationStarted { addr, action, id } => {
                serde_json::json!({"type": "operation_start", "address": addr.to_string(), "action": action.to_string(), "id": id})
            }
            Event::OperationFinished {
                addr,
                action,
                elapsed,
            } => {
                serde_json::json!({"type": "operation_complete", "address": addr.to_string(), "action": action.to_string(), "elapsed_ms": elapsed.as_millis() as u64})
            }
            Event::OperationFailed {
                addr,
                action,
                message,
            } => {
                serde_json::json!({"type": "operation_errored", "address": addr.to_string(), "action": action.to_string(), "message": message})
            }
            Event::OperationSkipped {
                addr,
                action,
                because,
            } => {
                serde_json::json!({"type": "operation_skipped", "address": addr.to_string(), "action": action.to_string(), "because": because.to_string()})
            }
            Event::StatePersisted { serial } => {
                serde_json::json!({"type": "state_persisted", "serial": serial})
            }
            Event::StatePersistFailed { message } => {
                serde_json::json!({"type": "state_persist_failed", "message": message})
            }
            Event::Interrupted { in_flight } => {
                serde_json::json!({"type": "interrupted", "in_flight": in_flight})
            }
        };
        println!("{v}");
    }
}
