//! One token bucket, on an explicit clock so that it can be tested without waiting.

use std::time::Instant;

use super::BucketLimits;

#[derive(Clone, Debug)]
pub(super) struct Bucket {
    limits: BucketLimits,
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(limits: BucketLimits, now: Instant) -> Bucket {
        Bucket {
            limits,
            tokens: f64::from(limits.capacity),
            at: now,
        }
    }

    /// Adds what refilled since the last look (up to the capacity) and returns the tokens.
    pub fn refill(&mut self, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.limits.refill_per_second).min(f64::from(self.limits.capacity));
        self.at = now.max(self.at);
        self.tokens
    }

    pub fn has_token(&self) -> bool {
        self.tokens >= 1.0
    }

    pub fn take(&mut self) {
        self.tokens = (self.tokens - 1.0).max(0.0);
    }

    /// Whole tokens left, as the `x-ms-ratelimit-remaining-*` headers say.
    pub fn remaining(&self) -> u64 {
        // Never negative, and at most the capacity (a u32).
        self.tokens.floor().max(0.0) as u64
    }

    /// Whole seconds until a token is there (at least 1, as `Retry-After` is never 0 here).
    pub fn wait_seconds(&self) -> u64 {
        let missing = (1.0 - self.tokens).max(0.0);
        if self.limits.refill_per_second <= 0.0 {
            return u64::from(u32::MAX);
        }
        let seconds = (missing / self.limits.refill_per_second).ceil();
        (seconds.min(f64::from(u32::MAX)) as u64).max(1)
    }

    pub fn capacity(&self) -> u32 {
        self.limits.capacity
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn drains_and_refills() {
        let t0 = Instant::now();
        let mut b = Bucket::new(
            BucketLimits {
                capacity: 3,
                refill_per_second: 2.0,
            },
            t0,
        );
        for expected in [2, 1, 0] {
            b.refill(t0);
            assert!(b.has_token());
            b.take();
            assert_eq!(b.remaining(), expected);
        }
        b.refill(t0);
        assert!(!b.has_token());
        assert_eq!(b.wait_seconds(), 1);
        // Half a second brings one token back; a minute fills it up to the capacity only.
        b.refill(t0 + Duration::from_millis(500));
        assert!(b.has_token());
        assert_eq!(b.remaining(), 1);
        b.refill(t0 + Duration::from_secs(60));
        assert_eq!(b.remaining(), 3);
        // A clock that goes back changes nothing.
        b.refill(t0);
        assert_eq!(b.remaining(), 3);
    }

    #[test]
    fn waits_follow_the_refill_rate() {
        let t0 = Instant::now();
        let slow = BucketLimits {
            capacity: 1,
            refill_per_second: 0.1,
        };
        let mut b = Bucket::new(slow, t0);
        b.take();
        assert_eq!(b.wait_seconds(), 10);
        b.refill(t0 + Duration::from_secs(4));
        assert_eq!(b.wait_seconds(), 6);
        let stuck = Bucket::new(
            BucketLimits {
                capacity: 0,
                refill_per_second: 0.0,
            },
            t0,
        );
        assert!(stuck.wait_seconds() > 1_000_000);
        assert_eq!(stuck.capacity(), 0);
    }
}
