//! The running fault injector: reproducible draws, and the read-after-create windows.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};

use super::{FaultConfig, FaultSpec};
use crate::protocol::ArmError;

/// What a draw decides, each from its own hash.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Transient = 1,
    /// 500 or 503, for a transient fault.
    TransientStatus,
    Dropped,
    ReadAfterCreate,
    Slow,
    Conflict,
    NotProvisioned,
}

pub(crate) struct Faults {
    spec: FaultSpec,
    seed: u64,
    /// How many times each `METHOD path` was requested.
    seen: Mutex<HashMap<String, u64>>,
    /// Lowercase keys of resources that answer 404 to reads until the instant.
    stale: Mutex<HashMap<String, Instant>>,
}

/// The decisions for one request.
pub(crate) struct Draw<'a> {
    faults: &'a Faults,
    subject: String,
    occurrence: u64,
    write: bool,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Faults {
        Faults {
            spec: config.spec,
            seed: config.seed,
            seen: Mutex::new(HashMap::new()),
            stale: Mutex::new(HashMap::new()),
        }
    }

    /// The draw of a request (counted as one more occurrence of its method and path).
    pub fn draw(&self, method: &Method, path: &str) -> Draw<'_> {
        let subject = format!("{method} {}", path.trim_end_matches('/').to_ascii_lowercase());
        let occurrence = {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let n = seen.entry(subject.clone()).or_insert(0);
            *n += 1;
            *n
        };
        Draw {
            faults: self,
            subject,
            occurrence,
            write: !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS),
        }
    }

    /// True while `key` is in a read-after-create window.
    pub fn is_stale(&self, key: &str, now: Instant) -> bool {
        let mut stale = self.stale.lock().unwrap_or_else(PoisonError::into_inner);
        match stale.get(key) {
            Some(until) if *until > now => true,
            Some(_) => {
                stale.remove(key);
                false
            }
            None => false,
        }
    }
}

impl Draw<'_> {
    /// A number in [0, 1) from the seed, the fault, the request and its occurrence.
    fn roll(&self, kind: Kind) -> f64 {
        let mut h = Fnv::new();
        h.write(&self.faults.seed.to_le_bytes());
        h.write(&[kind as u8]);
        h.write(self.subject.as_bytes());
        h.write(&self.occurrence.to_le_bytes());
        // 53 random bits make an exactly representable fraction.
        (mix(h.finish()) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn hits(&self, kind: Kind, rate: f64) -> bool {
        rate > 0.0 && self.roll(kind) < rate
    }

    /// A 500 or 503 to answer instead of serving the request.
    pub fn transient(&self, subscription: Option<&str>) -> Option<ArmError> {
        if !self.hits(Kind::Transient, self.faults.spec.transient) {
            return None;
        }
        let note = "(a fault injected by the strata emulator)";
        Some(if self.roll(Kind::TransientStatus) < 0.5 {
            ArmError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                format!(
                    "Encountered internal server error. Diagnostic information: timestamp '{}', subscription \
                     id '{}', tracking id '{}'. {note}",
                    chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
                    subscription.unwrap_or_default(),
                    uuid::Uuid::new_v4()
                ),
            )
        } else {
            ArmError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                format!(
                    "The server is currently unable to handle the request due to a temporary overload. \
                     Please retry the request later. {note}"
                ),
            )
        })
    }

    /// True when the answer is to be dropped after the request was served.
    pub fn dropped(&self) -> bool {
        self.hits(Kind::Dropped, self.faults.spec.dropped)
    }

    /// The latency factor of the operations a write schedules.
    pub fn slowdown(&self) -> f64 {
        let spec = &self.faults.spec;
        if self.write && self.hits(Kind::Slow, spec.slow) {
            spec.slow_factor
        } else {
            1.0
        }
    }

    pub fn conflict(&self) -> bool {
        self.hits(Kind::Conflict, self.faults.spec.conflict)
    }

    pub fn not_provisioned(&self) -> bool {
        self.hits(Kind::NotProvisioned, self.faults.spec.not_provisioned)
    }

    /// After a successful create of `key`: maybe opens its read-after-create window. True if
    /// it did.
    pub fn after_create(&self, key: &str, now: Instant) -> bool {
        let spec = &self.faults.spec;
        if spec.read_after_create_window.is_zero()
            || !self.hits(Kind::ReadAfterCreate, spec.read_after_create)
        {
            return false;
        }
        let mut stale = self.faults.stale.lock().unwrap_or_else(PoisonError::into_inner);
        // A window too long to represent lasts a year, which is forever for a test.
        let until = now
            .checked_add(spec.read_after_create_window)
            .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
            .unwrap_or(now);
        stale.insert(key.to_string(), until);
        true
    }
}

/// FNV-1a, 64 bits: a fixed hash, the same on every platform and release.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// SplitMix64's finaliser: spreads FNV's output evenly over all bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(spec: &str, seed: u64) -> Faults {
        Faults::new(FaultConfig {
            spec: FaultSpec::parse(spec).unwrap(),
            seed,
        })
    }

    fn transient_pattern(f: &Faults) -> Vec<bool> {
        (0..200)
            .map(|i| {
                f.draw(&Method::GET, &format!("/subscriptions/s/x{}", i % 7))
                    .transient(None)
                    .is_some()
            })
            .collect()
    }

    #[test]
    fn draws_are_reproducible_and_near_the_rate() {
        let a = transient_pattern(&faults("transient=30%", 7));
        assert_eq!(a, transient_pattern(&faults("transient=30%", 7)));
        assert_ne!(a, transient_pattern(&faults("transient=30%", 8)));
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..=90).contains(&hits), "{hits} of 200");
        assert!(transient_pattern(&faults("none", 7)).iter().all(|h| !h));
        assert!(transient_pattern(&faults("transient=100%", 1)).iter().all(|h| *h));
    }

    #[test]
    fn the_path_is_compared_without_case_or_trailing_slash() {
        let f1 = faults("transient=50%", 3);
        let f2 = faults("transient=50%", 3);
        for _ in 0..20 {
            let a = f1
                .draw(&Method::PUT, "/Subscriptions/S/x/")
                .transient(None)
                .is_some();
            let b = f2
                .draw(&Method::PUT, "/subscriptions/s/x")
                .transient(None)
                .is_some();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn windows_and_slowdowns() {
        let f = faults("read-after-create=100%/1s,slow-lro=x3", 1);
        let t0 = Instant::now();
        assert!(f.draw(&Method::PUT, "/a").after_create("/a", t0));
        assert!(f.is_stale("/a", t0 + Duration::from_millis(999)));
        assert!(!f.is_stale("/a", t0 + Duration::from_secs(1)));
        assert!(!f.is_stale("/b", t0));
        assert_eq!(f.draw(&Method::PUT, "/a").slowdown(), 3.0);
        assert_eq!(f.draw(&Method::GET, "/a").slowdown(), 1.0);
        assert!(!faults("none", 1).draw(&Method::PUT, "/a").after_create("/a", t0));
    }
}
