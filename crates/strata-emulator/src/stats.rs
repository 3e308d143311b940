//! Counters for `GET /_emulator/stats` (and `DELETE` to reset them): requests by class,
//! refusals, throttling, injected faults, tokens, and every create per resource id, so that
//! tests and benchmarks can see what a run cost and whether anything was created twice.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::protocol::App;
use crate::throttle::Class;

/// The faults counted.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fault {
    Transient,
    Dropped,
    ReadAfterCreate,
    SlowOperation,
    Conflict,
    NotProvisioned,
}

#[derive(Debug, Default, Clone, Copy)]
struct ByClass {
    reads: u64,
    writes: u64,
    deletes: u64,
}

impl ByClass {
    fn add(&mut self, class: Class) {
        match class {
            Class::Read => self.reads += 1,
            Class::Write => self.writes += 1,
            Class::Delete => self.deletes += 1,
        }
    }

    fn json(self) -> Value {
        json!({
            "total": self.reads + self.writes + self.deletes,
            "reads": self.reads,
            "writes": self.writes,
            "deletes": self.deletes,
        })
    }
}

#[derive(Debug, Default)]
struct Counters {
    requests: ByClass,
    throttled: ByClass,
    throttled_network: u64,
    unauthenticated: u64,
    forbidden: u64,
    tokens_issued: u64,
    tokens_refused: u64,
    transient: u64,
    dropped: u64,
    read_after_create: u64,
    slow_operations: u64,
    conflicts: u64,
    not_provisioned: u64,
    /// Lowercase resource id → the id as first created, and how many creates.
    creates: BTreeMap<String, (String, u64)>,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    counters: Mutex<Counters>,
}

impl Stats {
    fn lock(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn request(&self, class: Class) {
        self.lock().requests.add(class);
    }

    pub fn throttled(&self, class: Class, by_network: bool) {
        let mut c = self.lock();
        c.throttled.add(class);
        if by_network {
            c.throttled_network += 1;
        }
    }

    pub fn denied(&self, forbidden: bool) {
        let mut c = self.lock();
        if forbidden {
            c.forbidden += 1;
        } else {
            c.unauthenticated += 1;
        }
    }

    pub fn token_issued(&self) {
        self.lock().tokens_issued += 1;
    }

    pub fn token_refused(&self) {
        self.lock().tokens_refused += 1;
    }

    pub fn fault(&self, fault: Fault, count: u64) {
        let mut c = self.lock();
        let slot = match fault {
            Fault::Transient => &mut c.transient,
            Fault::Dropped => &mut c.dropped,
            Fault::ReadAfterCreate => &mut c.read_after_create,
            Fault::SlowOperation => &mut c.slow_operations,
            Fault::Conflict => &mut c.conflicts,
            Fault::NotProvisioned => &mut c.not_provisioned,
        };
        *slot += count;
    }

    /// A resource (or group) was created at `id`.
    pub fn created(&self, id: &str) {
        // Ids compare without case, as ARM's do; the first spelling is kept.
        self.lock()
            .creates
            .entry(id.to_ascii_lowercase())
            .or_insert_with(|| (id.to_string(), 0))
            .1 += 1;
    }

    pub fn reset(&self) {
        *self.lock() = Counters::default();
    }

    pub fn to_json(&self) -> Value {
        let c = self.lock();
        let faults = [
            c.transient,
            c.dropped,
            c.read_after_create,
            c.slow_operations,
            c.conflicts,
            c.not_provisioned,
        ];
        let by_id: serde_json::Map<String, Value> =
            c.creates.values().map(|(id, n)| (id.clone(), json!(n))).collect();
        let duplicates: Vec<&String> = c
            .creates
            .values()
            .filter(|(_, n)| *n > 1)
            .map(|(id, _)| id)
            .collect();
        let mut throttled = c.throttled.json();
        throttled["network_writes"] = json!(c.throttled_network);
        json!({
            "requests": c.requests.json(),
            "throttled": throttled,
            "auth": {
                "unauthenticated": c.unauthenticated,
                "forbidden": c.forbidden,
                "tokens_issued": c.tokens_issued,
                "tokens_refused": c.tokens_refused,
            },
            "faults": {
                "total": faults.iter().sum::<u64>(),
                "transient": c.transient,
                "dropped": c.dropped,
                "read_after_create": c.read_after_create,
                "slow_operations": c.slow_operations,
                "conflicts": c.conflicts,
                "not_provisioned": c.not_provisioned,
            },
            "creates": {
                "total": c.creates.values().map(|(_, n)| n).sum::<u64>(),
                "by_id": by_id,
                "duplicates": duplicates,
            },
        })
    }
}

/// `GET /_emulator/stats`.
pub(crate) async fn get(State(app): State<Arc<App>>) -> Response {
    Json(app.stats.to_json()).into_response()
}

/// `DELETE /_emulator/stats`: starts counting afresh.
pub(crate) async fn reset(State(app): State<Arc<App>>) -> Response {
    app.stats.reset();
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_duplicates() {
        let s = Stats::default();
        s.request(Class::Read);
        s.request(Class::Write);
        s.throttled(Class::Write, true);
        s.fault(Fault::Transient, 1);
        s.fault(Fault::SlowOperation, 2);
        s.created("/subscriptions/s/resourceGroups/RG");
        s.created("/subscriptions/s/resourcegroups/rg");
        s.created("/subscriptions/s/resourceGroups/other");
        let j = s.to_json();
        assert_eq!(
            j["requests"],
            json!({"total": 2, "reads": 1, "writes": 1, "deletes": 0})
        );
        assert_eq!(j["throttled"]["network_writes"], 1);
        assert_eq!(j["faults"]["total"], 3);
        assert_eq!(j["creates"]["total"], 3);
        assert_eq!(j["creates"]["by_id"]["/subscriptions/s/resourceGroups/RG"], 2);
        assert_eq!(
            j["creates"]["duplicates"],
            json!(["/subscriptions/s/resourceGroups/RG"])
        );
        s.reset();
        assert_eq!(s.to_json()["requests"]["total"], 0);
    }
}
