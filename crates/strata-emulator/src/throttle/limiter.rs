//! The buckets of a running emulator, and the decision for each request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use axum::http::{Method, StatusCode};

use super::bucket::Bucket;
use super::{BucketLimits, ThrottleConfig};
use crate::protocol::ArmError;

/// ARM's operation classes, each with its own buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Class {
    Read,
    Write,
    Delete,
}

impl Class {
    pub fn of(method: &Method) -> Class {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS => Class::Read,
            Method::DELETE => Class::Delete,
            _ => Class::Write,
        }
    }

    /// The word in the rate-limit headers.
    pub fn plural(self) -> &'static str {
        match self {
            Class::Read => "reads",
            Class::Write => "writes",
            Class::Delete => "deletes",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Class::Read => "read",
            Class::Write => "write",
            Class::Delete => "delete",
        }
    }
}

/// What a request is counted against.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope<'a> {
    Subscription(&'a str),
    /// Requests outside any subscription (`GET /subscriptions`), against the tenant.
    Tenant(&'a str),
}

impl Scope<'_> {
    fn word(self) -> &'static str {
        match self {
            Scope::Subscription(_) => "subscription",
            Scope::Tenant(_) => "tenant",
        }
    }

    fn id(&self) -> &str {
        match self {
            Scope::Subscription(s) | Scope::Tenant(s) => s,
        }
    }

    fn key(&self) -> String {
        format!("{}:{}", self.word(), self.id().to_ascii_lowercase())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Pool {
    Principal(String),
    /// Every principal of the subscription together.
    Global,
    /// Microsoft.Network writes of the subscription.
    NetworkWrites,
}

/// The outcome for one request.
#[derive(Debug)]
pub(crate) struct Decision {
    /// `x-ms-ratelimit-remaining-*` headers for the answer, admitted or not.
    pub headers: Vec<(String, String)>,
    /// The 429 to answer instead of serving the request.
    pub throttled: Option<ArmError>,
    /// True when the 429 comes from Microsoft.Network's provider limit.
    pub by_network: bool,
}

pub(crate) struct Throttler {
    config: ThrottleConfig,
    buckets: Mutex<HashMap<(String, Pool, Class), Bucket>>,
}

impl Throttler {
    pub fn new(config: ThrottleConfig) -> Throttler {
        Throttler {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn limits(&self, class: Class) -> BucketLimits {
        match class {
            Class::Read => self.config.reads,
            Class::Write => self.config.writes,
            Class::Delete => self.config.deletes,
        }
    }

    /// Takes a token from every bucket the request counts against, or from none of them when
    /// one is empty. `principal` is the caller's object id; `network_write` marks a write to a
    /// Microsoft.Network resource.
    pub fn admit(
        &self,
        scope: Scope<'_>,
        principal: &str,
        class: Class,
        network_write: bool,
        now: Instant,
    ) -> Decision {
        let scope_key = scope.key();
        let limits = self.limits(class);
        let mut pools = vec![
            (Pool::Principal(principal.to_ascii_lowercase()), limits),
            (Pool::Global, limits.times(self.config.global_factor)),
        ];
        if let (true, Scope::Subscription(_), Some(network)) =
            (network_write, scope, self.config.network_writes)
        {
            pools.push((Pool::NetworkWrites, network));
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        for (pool, limits) in &pools {
            buckets
                .entry((scope_key.clone(), pool.clone(), class))
                .or_insert_with(|| Bucket::new(*limits, now))
                .refill(now);
        }
        let bucket = |buckets: &HashMap<_, Bucket>, pool: &Pool| {
            buckets.get(&(scope_key.clone(), pool.clone(), class)).cloned()
        };
        // The bucket that keeps the request out longest, if any is empty.
        let blocking = pools
            .iter()
            .filter_map(|(pool, _)| {
                bucket(&buckets, pool)
                    .filter(|b| !b.has_token())
                    .map(|b| (pool.clone(), b))
            })
            .max_by_key(|(_, b)| b.wait_seconds());
        if blocking.is_none() {
            for (pool, _) in &pools {
                if let Some(b) = buckets.get_mut(&(scope_key.clone(), pool.clone(), class)) {
                    b.take();
                }
            }
        }
        let mut headers = Vec::new();
        for (pool, _) in &pools {
            let Some(b) = bucket(&buckets, pool) else { continue };
            let name = match pool {
                Pool::Principal(_) => format!("x-ms-ratelimit-remaining-{}-{}", scope.word(), class.plural()),
                Pool::Global => format!(
                    "x-ms-ratelimit-remaining-{}-global-{}",
                    scope.word(),
                    class.plural()
                ),
                Pool::NetworkWrites => "x-ms-ratelimit-remaining-subscription-resource-requests".to_string(),
            };
            headers.push((name, b.remaining().to_string()));
        }
        drop(buckets);
        let by_network = matches!(blocking, Some((Pool::NetworkWrites, _)));
        let throttled = blocking.map(|(pool, b)| refusal(scope, principal, class, &pool, &b));
        Decision {
            headers,
            throttled,
            by_network,
        }
    }
}

/// 429 `TooManyRequests` with the wait until the bucket has a token again.
fn refusal(scope: Scope<'_>, principal: &str, class: Class, pool: &Pool, bucket: &Bucket) -> ArmError {
    let wait = bucket.wait_seconds();
    let message = match pool {
        Pool::Principal(_) => format!(
            "Number of '{}' requests for {} '{}' actor '{principal}' exceeded. Please try again after '{wait}' \
             seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling",
            class.singular(),
            scope.word(),
            scope.id()
        ),
        Pool::Global => format!(
            "Number of '{}' requests for {} '{}' exceeded. Please try again after '{wait}' seconds after \
             additional tokens are available. Refer to https://aka.ms/arm-throttling",
            class.singular(),
            scope.word(),
            scope.id()
        ),
        Pool::NetworkWrites => format!(
            "Number of write requests for subscription '{}' and provider 'Microsoft.Network' exceeded the \
             limit of '{}'. Please try again after '{wait}' seconds.",
            scope.id(),
            bucket.capacity()
        ),
    };
    ArmError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message).retry_after(wait)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const SUB: &str = "11111111-2222-3333-4444-555555555555";

    fn small() -> Throttler {
        Throttler::new(ThrottleConfig {
            reads: BucketLimits {
                capacity: 2,
                refill_per_second: 1.0,
            },
            writes: BucketLimits {
                capacity: 3,
                refill_per_second: 1.0,
            },
            global_factor: 2,
            network_writes: Some(BucketLimits {
                capacity: 1,
                refill_per_second: 0.5,
            }),
            ..ThrottleConfig::default()
        })
    }

    fn header<'a>(d: &'a Decision, name: &str) -> Option<&'a str> {
        d.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn per_principal_and_global_buckets() {
        let t = small();
        let t0 = Instant::now();
        let sub = Scope::Subscription(SUB);
        let a = t.admit(sub, "A", Class::Read, false, t0);
        assert!(a.throttled.is_none());
        assert_eq!(
            header(&a, "x-ms-ratelimit-remaining-subscription-reads"),
            Some("1")
        );
        assert_eq!(
            header(&a, "x-ms-ratelimit-remaining-subscription-global-reads"),
            Some("3")
        );
        assert!(t.admit(sub, "a", Class::Read, false, t0).throttled.is_none());
        let refused = t.admit(sub, "a", Class::Read, false, t0);
        let e = refused.throttled.as_ref().unwrap();
        assert_eq!(
            (e.status.as_u16(), e.code(), e.retry_after),
            (429, "TooManyRequests", Some(1))
        );
        assert!(e.body.message.contains("actor 'a'"), "{}", e.body.message);
        assert_eq!(
            header(&refused, "x-ms-ratelimit-remaining-subscription-reads"),
            Some("0")
        );
        // A refused request takes nothing: the global bucket still has 2.
        assert_eq!(
            header(&refused, "x-ms-ratelimit-remaining-subscription-global-reads"),
            Some("2")
        );
        // Another principal has its own bucket, until the subscription-wide one runs dry.
        assert!(t.admit(sub, "b", Class::Read, false, t0).throttled.is_none());
        assert!(t.admit(sub, "b", Class::Read, false, t0).throttled.is_none());
        let e = t.admit(sub, "c", Class::Read, false, t0).throttled.unwrap();
        assert!(!e.body.message.contains("actor"), "{}", e.body.message);
        // Writes have their own buckets; the refill brings reads back.
        assert!(t.admit(sub, "a", Class::Write, false, t0).throttled.is_none());
        assert!(
            t.admit(sub, "a", Class::Read, false, t0 + Duration::from_secs(1))
                .throttled
                .is_none()
        );
    }

    #[test]
    fn network_writes_and_tenant_scope() {
        let t = small();
        let t0 = Instant::now();
        let sub = Scope::Subscription(SUB);
        let first = t.admit(sub, "a", Class::Write, true, t0);
        assert_eq!(
            header(&first, "x-ms-ratelimit-remaining-subscription-resource-requests"),
            Some("0")
        );
        let second = t.admit(sub, "a", Class::Write, true, t0);
        assert!(second.by_network);
        assert_eq!(second.throttled.unwrap().retry_after, Some(2));
        // Writes elsewhere are not held back by the network limit.
        assert!(t.admit(sub, "a", Class::Write, false, t0).throttled.is_none());
        let tenant = t.admit(Scope::Tenant("t"), "a", Class::Read, false, t0);
        assert_eq!(
            header(&tenant, "x-ms-ratelimit-remaining-tenant-reads"),
            Some("1")
        );
        assert_eq!(Class::of(&Method::PATCH), Class::Write);
        assert_eq!(Class::of(&Method::HEAD), Class::Read);
    }
}
