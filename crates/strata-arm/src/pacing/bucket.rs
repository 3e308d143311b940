//! [`Bucket`]: the estimate of one of ARM's token buckets, and its arithmetic.

use std::time::Duration;

use tokio::time::Instant;

use super::BucketLimits;

/// Whether the server reports its buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Metering {
    /// No answer yet: assume the configured capacity.
    Unknown,
    /// The server sends the headers: pace, keeping the reserve.
    Metered,
    /// The server answered without them: do not pace.
    Unmetered,
}

/// What a request may do now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Admit {
    /// Send it; the ticket identifies it when its answer arrives.
    Go(Ticket),
    /// Wait this long (or until an answer arrives), then ask again.
    Wait(Duration),
}

/// The number of answers the bucket had seen when a request was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

/// How a request sent under a [`Ticket`] ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Outcome {
    /// An answer: the count it reported, whether it was a throttling 429, and its
    /// `Retry-After`.
    Answered {
        remaining: Option<u64>,
        throttled: bool,
        pause: Option<Duration>,
    },
    /// No answer (connection failure): ARM may or may not have counted it.
    Lost,
}

/// The estimate of one of ARM's buckets. Times are passed in, so that it can be tested
/// without a clock.
#[derive(Debug)]
pub(crate) struct Bucket {
    capacity: f64,
    rate: f64,
    /// Lower bound of ARM's tokens, not counting our requests in flight.
    level: f64,
    updated: Instant,
    in_flight: u32,
    /// Answers (and losses) seen so far.
    completed: u64,
    paused_until: Option<Instant>,
    metering: Metering,
}

impl Bucket {
    pub(crate) fn new(limits: BucketLimits, now: Instant) -> Bucket {
        let capacity = f64::from(limits.capacity.max(1));
        Bucket {
            capacity,
            // A zero rate would never refill: one token per second is the slowest pace.
            rate: f64::from(limits.refill_per_second.max(1)),
            level: capacity,
            updated: now,
            in_flight: 0,
            completed: 0,
            paused_until: None,
            metering: Metering::Unknown,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.level = (self.level + elapsed * self.rate).min(self.capacity);
        self.updated = now;
    }

    /// Lets a request go (counting it in flight), or says how long to wait.
    pub(crate) fn admit(&mut self, now: Instant, reserve: u32) -> Admit {
        if let Some(until) = self.paused_until {
            if until > now {
                return Admit::Wait(until - now);
            }
            self.paused_until = None;
        }
        self.refill(now);
        let needed = match self.metering {
            Metering::Unmetered => f64::NEG_INFINITY,
            Metering::Unknown => 1.0,
            // Never more reserve than the bucket holds, or nothing would ever be sent.
            Metering::Metered => 1.0 + f64::from(reserve).min(self.capacity - 1.0),
        };
        let available = self.level - f64::from(self.in_flight);
        if available >= needed {
            self.in_flight += 1;
            Admit::Go(Ticket(self.completed))
        } else {
            // Answers to the requests in flight may free tokens sooner; the waiter is woken
            // for each of them.
            Admit::Wait(Duration::from_secs_f64((needed - available) / self.rate))
        }
    }

    /// Learns from how a request sent under `ticket` ended.
    pub(crate) fn complete(&mut self, now: Instant, ticket: Ticket, outcome: Outcome) {
        self.refill(now);
        self.in_flight = self.in_flight.saturating_sub(1);
        // Answers that arrived while this request was out: ARM may have counted those
        // requests after this one, so its count does not show them.
        let later = self.completed.saturating_sub(ticket.0);
        self.completed += 1;
        // The request is no longer in flight but spent (assume ARM counted it).
        if self.metering != Metering::Unmetered {
            self.level -= 1.0;
        }
        let Outcome::Answered {
            remaining,
            throttled,
            pause,
        } = outcome
        else {
            return;
        };
        match remaining {
            Some(n) => {
                self.metering = Metering::Metered;
                // Precision loss above 2^53 tokens is irrelevant.
                #[allow(clippy::cast_precision_loss)]
                let (n, later) = (n as f64, later as f64);
                if n > self.capacity {
                    // The server's bucket is larger than configured: learn it.
                    self.capacity = n;
                }
                // Older, higher counts only loosen the bound; the count also reflects other
                // clients' use, which nothing else shows.
                self.level = (n - later).min(self.capacity);
            }
            None if throttled => self.metering = Metering::Metered,
            None => {
                if self.metering == Metering::Unknown {
                    self.metering = Metering::Unmetered;
                }
            }
        }
        if throttled {
            self.level = self.level.min(0.0);
            if let Some(pause) = pause {
                let until = now + pause;
                self.paused_until = Some(self.paused_until.map_or(until, |u| u.max(until)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(capacity: u32, rate: u32) -> BucketLimits {
        BucketLimits {
            capacity,
            refill_per_second: rate,
        }
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    fn go(b: &mut Bucket, now: Instant, reserve: u32) -> Ticket {
        match b.admit(now, reserve) {
            Admit::Go(t) => t,
            Admit::Wait(w) => panic!("expected to go, told to wait {w:?}"),
        }
    }

    fn wait(b: &mut Bucket, now: Instant, reserve: u32) -> Duration {
        match b.admit(now, reserve) {
            Admit::Wait(w) => w,
            Admit::Go(_) => panic!("expected to wait"),
        }
    }

    fn answered(remaining: Option<u64>) -> Outcome {
        Outcome::Answered {
            remaining,
            throttled: false,
            pause: None,
        }
    }

    fn close(a: Duration, b: f64) -> bool {
        (a.as_secs_f64() - b).abs() < 1e-9
    }

    #[test]
    fn in_flight_requests_hold_their_tokens_until_answered() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(3, 10), t0);
        let first = go(&mut b, t0, 0);
        go(&mut b, t0, 0);
        go(&mut b, t0, 0);
        assert!(close(wait(&mut b, t0, 0), 0.1));
        // A full bucket earns no refill: unanswered requests still hold their tokens.
        wait(&mut b, t0 + secs(10.0), 0);
        b.complete(t0 + secs(10.0), first, answered(Some(2)));
        assert!(close(wait(&mut b, t0 + secs(10.0), 0), 0.1));
        go(&mut b, t0 + secs(10.1), 0);
    }

    #[test]
    fn reported_counts_replace_the_bound_less_later_answers_and_keep_the_reserve() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(250, 25), t0);
        let a = go(&mut b, t0, 5);
        let c = go(&mut b, t0, 5);
        // Another client used most of the bucket: 7 are left, and one of ours is in flight.
        b.complete(t0, a, answered(Some(7)));
        assert!((b.level - 7.0).abs() < 1e-9);
        go(&mut b, t0, 5);
        assert!(close(wait(&mut b, t0, 5), 1.0 / 25.0));
        // This answer came after another one: ARM may have counted that one after it.
        b.complete(t0, c, answered(Some(6)));
        assert!((b.level - 5.0).abs() < 1e-9);
    }

    #[test]
    fn a_larger_bucket_is_learnt() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(10, 1), t0);
        let t = go(&mut b, t0, 0);
        b.complete(t0, t, answered(Some(500)));
        assert!((b.capacity - 500.0).abs() < 1e-9);
        assert!((b.level - 500.0).abs() < 1e-9);
    }

    #[test]
    fn lost_requests_count_as_spent() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(2, 1), t0);
        let t = go(&mut b, t0, 0);
        b.complete(t0, t, Outcome::Lost);
        go(&mut b, t0, 0);
        wait(&mut b, t0, 0);
        assert_eq!(b.metering, Metering::Unknown);
    }

    #[test]
    fn throttling_pauses_the_whole_bucket() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(100, 10), t0);
        let t = go(&mut b, t0, 0);
        let throttled = |pause: f64| Outcome::Answered {
            remaining: None,
            throttled: true,
            pause: Some(secs(pause)),
        };
        b.complete(t0, t, throttled(2.0));
        assert_eq!(wait(&mut b, t0 + secs(1.0), 0), secs(1.0));
        // After the pause, the refill accumulated during it is available.
        let t = go(&mut b, t0 + secs(2.0), 0);
        let u = go(&mut b, t0 + secs(2.0), 0);
        b.complete(t0 + secs(2.0), t, throttled(5.0));
        // A shorter Retry-After does not shorten a longer pause.
        b.complete(t0 + secs(2.0), u, throttled(1.0));
        assert_eq!(wait(&mut b, t0 + secs(3.0), 0), secs(4.0));
    }

    #[test]
    fn servers_without_headers_are_not_paced() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(2, 1), t0);
        let t = go(&mut b, t0, 5);
        go(&mut b, t0, 5);
        wait(&mut b, t0, 5);
        b.complete(t0, t, answered(None));
        let tickets: Vec<_> = (0..100).map(|_| go(&mut b, t0, 5)).collect();
        // Headers showing up later switch pacing on.
        b.complete(t0, tickets[0], answered(Some(0)));
        wait(&mut b, t0, 5);
    }

    #[test]
    fn reserve_never_exceeds_the_bucket() {
        let t0 = Instant::now();
        let mut b = Bucket::new(limits(3, 1), t0);
        let t = go(&mut b, t0, 0);
        b.complete(t0, t, answered(Some(3)));
        go(&mut b, t0, 100);
    }
}
