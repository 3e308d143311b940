//! Apply progress: a live line (resources in flight, done, elapsed) on a terminal, plain lines
//! otherwise, JSON lines with `--json`.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use strata_engine::{Action, Event, Reporter};

use crate::style;

pub struct HumanReporter {
    bar: Option<ProgressBar>,
    inner: Mutex<Counts>,
    started: Instant,
}

#[derive(Default)]
struct Counts {
    total: usize,
    done: usize,
    in_flight: usize,
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

impl HumanReporter {
    pub fn new() -> HumanReporter {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        HumanReporter {
            bar,
            inner: Mutex::new(Counts::default()),
            started: Instant::now(),
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
    }
}

impl Default for HumanReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for HumanReporter {
    fn event(&self, event: &Event) {
        match event {
            Event::RefreshStarted { total } => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("Refreshing {total} resources from Azure..."));
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
