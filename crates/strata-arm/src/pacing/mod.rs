//! ARM-aware pacing: client-side token buckets that mirror ARM's own.
//!
//! ARM throttles with token buckets per subscription (or tenant), principal and operation
//! class (reads 250 refilled at 25/s; writes and deletes 200 at 10/s), and every response says
//! how many tokens are left (`x-ms-ratelimit-remaining-subscription-reads` and friends). A
//! client that ignores this spends its budget on 429s and their `Retry-After` waits.
//!
//! The [`Pacer`] keeps one [`Bucket`] per (ARM host, subscription, [`OpClass`]): a *lower
//! bound* of the tokens ARM's bucket would hold without our requests still in flight. It
//! refills at the configured rate up to the capacity (as ARM's does); a request moves from
//! "in flight" to "spent" when its answer arrives; and each answer's reported count `n`, less
//! the answers that arrived while that request was out (which ARM may have counted after
//! it), replaces the bound. A request is sent only when the bound less the requests in flight
//! leaves a token (plus a small reserve for other clients); otherwise it waits for the refill
//! or for answers. Counting in-flight requests apart from the bound matters: ARM's bucket
//! stops refilling when full, so tokens "spent" before ARM has seen the requests must not earn
//! refill.
//!
//! A real 429 (throttling, not ARM's `RetryableError`, which is about a resource's state)
//! empties the bound and pauses every request of the bucket until `Retry-After` has passed,
//! not just the one that got it.
//!
//! A server that never sends the headers (the emulator without throttling) is not paced once
//! its first answer shows that; until then only the configured capacity is assumed.
//!
//! Waiting requests queue in arrival order behind one "turnstile" per bucket, so only the
//! first of them sleeps and nobody is starved by later arrivals.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;
use url::Url;

mod bucket;

use bucket::{Admit, Bucket, Outcome, Ticket};

/// How fast the client lets itself spend ARM's request budget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PacingPolicy {
    /// `false` sends every request at once and relies on retries alone.
    pub enabled: bool,
    pub reads: BucketLimits,
    pub writes: BucketLimits,
    pub deletes: BucketLimits,
    /// Tokens left untouched once the server has reported its count, so that other clients
    /// of the same subscription (which the estimate cannot see between answers) find some.
    pub reserve: u32,
}

/// The size and refill rate of one of ARM's token buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketLimits {
    /// Tokens in a full bucket (requests that may be sent in a burst).
    pub capacity: u32,
    /// Tokens added per second.
    pub refill_per_second: u32,
}

impl Default for PacingPolicy {
    /// ARM's documented limits per subscription and region: reads 250 refilled at 25/s,
    /// writes and deletes 200 at 10/s.
    fn default() -> PacingPolicy {
        PacingPolicy {
            enabled: true,
            reads: BucketLimits {
                capacity: 250,
                refill_per_second: 25,
            },
            writes: BucketLimits {
                capacity: 200,
                refill_per_second: 10,
            },
            deletes: BucketLimits {
                capacity: 200,
                refill_per_second: 10,
            },
            reserve: 5,
        }
    }
}

impl PacingPolicy {
    /// No pacing at all.
    pub fn off() -> PacingPolicy {
        PacingPolicy {
            enabled: false,
            ..PacingPolicy::default()
        }
    }

    fn limits(&self, class: OpClass) -> BucketLimits {
        match class {
            OpClass::Read => self.reads,
            OpClass::Write => self.writes,
            OpClass::Delete => self.deletes,
        }
    }
}

/// ARM's operation classes, each with its own bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum OpClass {
    Read,
    Write,
    Delete,
}

impl OpClass {
    pub(crate) fn of(method: &Method) -> OpClass {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => OpClass::Read,
            Method::DELETE => OpClass::Delete,
            _ => OpClass::Write,
        }
    }

    fn header_word(self) -> &'static str {
        match self {
            OpClass::Read => "reads",
            OpClass::Write => "writes",
            OpClass::Delete => "deletes",
        }
    }
}

/// Which bucket a request draws from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    /// Host and port, lower case.
    host: String,
    /// The subscription id, lower case; `None` for tenant-level requests.
    subscription: Option<String>,
    class: OpClass,
}

impl BucketKey {
    pub(crate) fn for_request(method: &Method, url: &Url) -> BucketKey {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{}:{p}", h.to_ascii_lowercase()),
            (Some(h), None) => h.to_ascii_lowercase(),
            (None, _) => String::new(),
        };
        let mut segments = url.path_segments().into_iter().flatten();
        let subscription = match (segments.next(), segments.next()) {
            (Some(first), Some(id)) if first.eq_ignore_ascii_case("subscriptions") && !id.is_empty() => {
                Some(id.to_ascii_lowercase())
            }
            _ => None,
        };
        BucketKey {
            host,
            subscription,
            class: OpClass::of(method),
        }
    }

    /// The smallest of the remaining counts the response reports for this bucket
    /// (per-principal and subscription-global alike: the lower one binds).
    fn remaining(&self, headers: &HeaderMap) -> Option<u64> {
        let word = self.class.header_word();
        let names: [String; 2] = match self.subscription {
            Some(_) => [
                format!("x-ms-ratelimit-remaining-subscription-{word}"),
                format!("x-ms-ratelimit-remaining-subscription-global-{word}"),
            ],
            None => [
                format!("x-ms-ratelimit-remaining-tenant-{word}"),
                format!("x-ms-ratelimit-remaining-tenant-global-{word}"),
            ],
        };
        names
            .iter()
            .filter_map(|name| {
                headers
                    .get(name.as_str())?
                    .to_str()
                    .ok()?
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
            .min()
    }
}

/// One bucket and its queue of waiting requests.
struct Slot {
    bucket: Mutex<Bucket>,
    /// Held by the request at the head of the queue while it waits; tokio's mutex is fair,
    /// so the others follow in arrival order.
    turnstile: tokio::sync::Mutex<()>,
    /// Wakes the waiting request when an answer changed the estimate.
    changed: Notify,
}

impl Slot {
    fn admit(&self, reserve: u32) -> Admit {
        self.bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(Instant::now(), reserve)
    }

    fn complete(&self, ticket: Ticket, outcome: Outcome) {
        self.bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .complete(Instant::now(), ticket, outcome);
        self.changed.notify_waiters();
    }
}

/// A request's place in its bucket. Hand it to [`Pacer::observe`] with the answer; dropped
/// without one, the request counts as lost.
pub(crate) struct Permit {
    slot: Arc<Slot>,
    pub(crate) key: BucketKey,
    ticket: Ticket,
    done: bool,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if !self.done {
            self.slot.complete(self.ticket, Outcome::Lost);
        }
    }
}

/// The buckets of one client (shared by its clones).
pub(crate) struct Pacer {
    policy: PacingPolicy,
    slots: Mutex<HashMap<BucketKey, Arc<Slot>>>,
}

impl Pacer {
    pub(crate) fn new(policy: PacingPolicy) -> Pacer {
        Pacer {
            policy,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, key: &BucketKey) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Slot {
                    bucket: Mutex::new(Bucket::new(self.policy.limits(key.class), Instant::now())),
                    turnstile: tokio::sync::Mutex::new(()),
                    changed: Notify::new(),
                })
            })
            .clone()
    }

    /// Waits until the request's bucket has a token for it; `None` when pacing is off.
    /// Returns the permit and how long the request waited.
    pub(crate) async fn acquire(&self, key: BucketKey) -> Option<(Permit, Duration)> {
        if !self.policy.enabled {
            return None;
        }
        let slot = self.slot(&key);
        let reserve = self.policy.reserve;
        let permit = |slot: Arc<Slot>, key: BucketKey, ticket: Ticket| Permit {
            slot,
            key,
            ticket,
            done: false,
        };
        // Nobody queued and a token free: go at once.
        if let Ok(_head) = slot.turnstile.try_lock()
            && let Admit::Go(ticket) = slot.admit(reserve)
        {
            return Some((permit(slot.clone(), key, ticket), Duration::ZERO));
        }
        let started = Instant::now();
        let head = slot.turnstile.lock().await;
        let ticket = loop {
            // Registered before looking, so that an answer arriving in between still wakes us.
            let changed = slot.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match slot.admit(reserve) {
                Admit::Go(ticket) => break ticket,
                Admit::Wait(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = &mut changed => {}
                    }
                }
            }
        };
        drop(head);
        Some((permit(slot, key, ticket), started.elapsed()))
    }

    /// Feeds the answer to `permit`'s request to its bucket. `throttled` is a 429 caused by
    /// the request rate (as opposed to one about a resource's state).
    pub(crate) fn observe(
        &self,
        mut permit: Permit,
        headers: &HeaderMap,
        throttled: bool,
        retry_after: Option<Duration>,
    ) {
        let outcome = Outcome::Answered {
            remaining: permit.key.remaining(headers),
            throttled,
            pause: retry_after,
        };
        permit.slot.complete(permit.ticket, outcome);
        permit.done = true;
    }
}

impl BucketKey {
    pub(crate) fn class_name(&self) -> &'static str {
        self.class.header_word()
    }

    pub(crate) fn subscription(&self) -> Option<&str> {
        self.subscription.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn limits(capacity: u32, rate: u32) -> BucketLimits {
        BucketLimits {
            capacity,
            refill_per_second: rate,
        }
    }

    #[test]
    fn keys_and_headers() {
        let url: Url = "https://Management.Azure.com/subscriptions/ABC/resourceGroups/rg?api-version=1"
            .parse()
            .unwrap();
        let key = BucketKey::for_request(&Method::PUT, &url);
        assert_eq!(key.host, "management.azure.com");
        assert_eq!(key.subscription(), Some("abc"));
        assert_eq!(key.class, OpClass::Write);
        assert_eq!(
            BucketKey::for_request(&Method::DELETE, &url).class,
            OpClass::Delete
        );
        assert_eq!(BucketKey::for_request(&Method::POST, &url).class, OpClass::Write);
        let tenant: Url = "http://127.0.0.1:9/providers/Microsoft.Resources/operations"
            .parse()
            .unwrap();
        let tkey = BucketKey::for_request(&Method::GET, &tenant);
        assert_eq!((tkey.host.as_str(), tkey.subscription()), ("127.0.0.1:9", None));

        let mut h = HeaderMap::new();
        assert_eq!(key.remaining(&h), None);
        h.insert(
            "x-ms-ratelimit-remaining-subscription-writes",
            HeaderValue::from_static("120"),
        );
        h.insert(
            "x-ms-ratelimit-remaining-subscription-reads",
            HeaderValue::from_static("3"),
        );
        assert_eq!(key.remaining(&h), Some(120));
        h.insert(
            "x-ms-ratelimit-remaining-subscription-global-writes",
            HeaderValue::from_static(" 40 "),
        );
        assert_eq!(key.remaining(&h), Some(40));
        h.insert(
            "x-ms-ratelimit-remaining-tenant-reads",
            HeaderValue::from_static("9"),
        );
        assert_eq!(tkey.remaining(&h), Some(9));
        h.insert(
            "x-ms-ratelimit-remaining-tenant-global-reads",
            HeaderValue::from_static("junk"),
        );
        assert_eq!(tkey.remaining(&h), Some(9));
    }

    #[tokio::test]
    async fn waiting_requests_are_released_by_answers_and_refill() {
        let pacer = Arc::new(Pacer::new(PacingPolicy {
            enabled: true,
            reads: limits(2, 1000),
            writes: limits(2, 1000),
            deletes: limits(2, 1000),
            reserve: 0,
        }));
        let url: Url = "http://127.0.0.1:1/subscriptions/s/x".parse().unwrap();
        let key = BucketKey::for_request(&Method::GET, &url);
        let (first, waited) = pacer.acquire(key.clone()).await.unwrap();
        assert!(waited.is_zero());
        let (_second, _) = pacer.acquire(key.clone()).await.unwrap();
        let third = tokio::spawn({
            let (pacer, key) = (pacer.clone(), key.clone());
            async move { pacer.acquire(key).await.map(|(_, waited)| waited) }
        });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(!third.is_finished(), "both tokens are held by requests in flight");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-ms-ratelimit-remaining-subscription-reads",
            HeaderValue::from_static("1"),
        );
        pacer.observe(first, &headers, false, None);
        assert!(third.await.unwrap().unwrap() > Duration::ZERO);
        assert!(Pacer::new(PacingPolicy::off()).acquire(key).await.is_none());
    }
}
