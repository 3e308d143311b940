//! Which failures deserve another try, and how long to wait before it.
//!
//! ARM failures fall in four classes ([`Retryable`]):
//! - **throttled** (429): ARM's token buckets are empty, or a referenced resource is still
//!   provisioning (`RetryableError`). Waiting is the only way forward, so these retries do not
//!   spend the retry budget; they are bounded by [`RetryPolicy::max_elapsed`] instead.
//! - **busy** (`AnotherOperationInProgress`, `RetryableErrorDueToAnotherOperation`,
//!   PostgreSQL's `ServerBusy`/`ServerIsBusy`): another operation holds the resource or its
//!   parent. The request was refused, so sending it again
//!   is safe once that operation is over; [`crate::lro`] waits for it (polling the operation
//!   the answer names) up to [`RetryPolicy::conflict_wait`], without spending the budget.
//! - **transient**: 408, 500, 502, 503, 504 and connection failures. They spend the budget
//!   ([`RetryPolicy::max_retries`]).
//! - **final**: everything else, notably 400 validation errors, which no retry can fix.
//!
//! The wait is the server's `Retry-After` when it gives one, otherwise exponential backoff with
//! full jitter, so that many clients throttled together do not come back together.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How many times, and how patiently, one request is retried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of one request after transient failures. Throttling (429) does not count.
    pub max_retries: u32,
    /// First backoff step; each further retry doubles it (before jitter).
    pub base_delay: Duration,
    /// Upper bound of one backoff step (a server's `Retry-After` may ask for longer).
    pub max_delay: Duration,
    /// Total time one request may spend waiting for retries, 429 waits included.
    pub max_elapsed: Duration,
    /// How long one write may wait, in all, for other operations that hold its resource
    /// (`AnotherOperationInProgress`) before it is given up. A write given up this way after
    /// an earlier try may have reached ARM fails [`crate::ArmErrorKind::OutcomeUnknown`].
    pub conflict_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(15 * 60),
            // Network operations that hold a VNet take minutes at worst (a gateway subnet, a
            // peering sync); ten is beyond what a healthy parent keeps anyone waiting.
            conflict_wait: Duration::from_secs(10 * 60),
        }
    }
}

impl RetryPolicy {
    /// Never retry: every failure is returned at once.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            max_elapsed: Duration::ZERO,
            conflict_wait: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

    /// The default budget with millisecond delays, for the local emulator and tests.
    pub fn fast() -> RetryPolicy {
        RetryPolicy {
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            max_elapsed: Duration::from_secs(60),
            conflict_wait: Duration::from_secs(60),
            ..RetryPolicy::default()
        }
    }

    /// Backoff before retry number `attempt` (0-based): uniform in `[0, min(max, base·2^attempt)]`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .base_delay
            .checked_mul(2u32.saturating_pow(attempt.min(31)))
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// How a failure is treated by the retry loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retryable {
    /// Retrying cannot help.
    No,
    /// Worth another try; spends the budget.
    Transient,
    /// Refused because another operation holds the resource: worth another try once it is
    /// over, which is for the caller to wait for (see [`crate::lro`]).
    Busy,
    /// 429: wait as asked; bounded by time only.
    Throttled,
}

/// ARM error codes that mean "the same request will work a little later".
const RETRYABLE_CODES: [&str; 3] = [
    "AnotherOperationInProgress",
    "RetryableError",
    "RetryableErrorDueToAnotherOperation",
];

/// True for an ARM error code that says the request may succeed later unchanged.
pub(crate) fn is_retryable_code(code: &str) -> bool {
    RETRYABLE_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
}

/// The codes that say "another operation holds this resource": the Network RP's and ARM's.
const BUSY_CODES: [&str; 2] = [
    "AnotherOperationInProgress",
    "RetryableErrorDueToAnotherOperation",
];

/// PostgreSQL flexible server's way of saying it ("Server '…' is busy with another
/// operation"), a busy answer only with 409: ARM's own 503 `ServerBusy` is an overload.
const SERVER_BUSY_CODES: [&str; 2] = ["ServerBusy", "ServerIsBusy"];

/// True for an answer that says another operation holds the resource: the request was not
/// carried out, and may be sent again once that operation is over.
pub(crate) fn is_busy(status: u16, code: &str) -> bool {
    let any = |codes: &[&str]| codes.iter().any(|c| c.eq_ignore_ascii_case(code));
    status != 400 && (any(&BUSY_CODES) || (status == 409 && any(&SERVER_BUSY_CODES)))
}

/// True for `AnotherOperationInProgress`, which also ends long-running operations that must
/// then be started again as a whole.
pub(crate) fn is_operation_conflict(code: &str) -> bool {
    code.eq_ignore_ascii_case("AnotherOperationInProgress")
}

/// Classifies an HTTP error answer.
pub(crate) fn classify_status(status: u16, code: Option<&str>) -> Retryable {
    match status {
        // A malformed or invalid request stays invalid, whatever its code says.
        400 => Retryable::No,
        429 => Retryable::Throttled,
        _ if code.is_some_and(|c| is_busy(status, c)) => Retryable::Busy,
        408 | 500 | 502 | 503 | 504 => Retryable::Transient,
        _ if code.is_some_and(is_retryable_code) => Retryable::Transient,
        _ => Retryable::No,
    }
}

/// The retry bookkeeping of one request.
pub(crate) struct RetryState<'p> {
    policy: &'p RetryPolicy,
    transient: u32,
    throttled: u32,
    started: Instant,
}

impl<'p> RetryState<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> RetryState<'p> {
        RetryState {
            policy,
            transient: 0,
            throttled: 0,
            started: Instant::now(),
        }
    }

    /// The wait before the next try, or `None` when the failure is final, is the caller's to
    /// wait out ([`Retryable::Busy`]), or the budget or the time is spent. A returned delay is
    /// counted as a retry.
    pub(crate) fn next_delay(&mut self, class: Retryable, retry_after: Option<Duration>) -> Option<Duration> {
        let delay = match class {
            Retryable::No | Retryable::Busy => return None,
            Retryable::Transient => {
                if self.transient >= self.policy.max_retries {
                    return None;
                }
                retry_after.unwrap_or_else(|| self.policy.backoff(self.transient))
            }
            Retryable::Throttled => retry_after.unwrap_or_else(|| self.policy.backoff(self.throttled)),
        };
        if self.started.elapsed().saturating_add(delay) > self.policy.max_elapsed {
            return None;
        }
        match class {
            Retryable::Transient => self.transient += 1,
            Retryable::Throttled => self.throttled += 1,
            Retryable::No | Retryable::Busy => {}
        }
        Some(delay)
    }

    /// Retries made so far, throttled ones included.
    pub(crate) fn retries(&self) -> u32 {
        self.transient + self.throttled
    }
}

/// The wait a response asks for: `retry-after-ms` / `x-ms-retry-after-ms` (milliseconds, used by
/// some Azure services), else `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = header_str(headers, name).and_then(|v| v.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    parse_retry_after(header_str(headers, RETRY_AFTER.as_str())?)
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// Parses a `Retry-After` value: integer (or decimal) seconds, or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    // A day is far beyond any sane wait; larger values are clamped rather than trusted.
    const MAX: Duration = Duration::from_secs(24 * 60 * 60);
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(MAX.as_secs_f64())));
        }
        return None;
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    // A date in the past means "now".
    Some(wait.to_std().unwrap_or(Duration::ZERO).min(MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn classification() {
        assert_eq!(classify_status(400, Some("InvalidParameter")), Retryable::No);
        assert_eq!(
            classify_status(400, Some("AnotherOperationInProgress")),
            Retryable::No
        );
        assert_eq!(classify_status(404, Some("ResourceNotFound")), Retryable::No);
        assert_eq!(classify_status(409, Some("Conflict")), Retryable::No);
        assert_eq!(
            classify_status(409, Some("anotheroperationinprogress")),
            Retryable::Busy
        );
        assert_eq!(
            classify_status(409, Some("RetryableErrorDueToAnotherOperation")),
            Retryable::Busy
        );
        assert_eq!(classify_status(409, Some("RetryableError")), Retryable::Transient);
        assert_eq!(classify_status(409, Some("ServerBusy")), Retryable::Busy);
        assert_eq!(classify_status(503, Some("ServerBusy")), Retryable::Transient);
        assert_eq!(classify_status(429, Some("RetryableError")), Retryable::Throttled);
        assert_eq!(classify_status(429, None), Retryable::Throttled);
        for s in [408, 500, 502, 503, 504] {
            assert_eq!(classify_status(s, None), Retryable::Transient, "{s}");
        }
        assert_eq!(classify_status(501, None), Retryable::No);
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy::default();
        for attempt in 0..40 {
            let d = p.backoff(attempt);
            assert!(d <= p.max_delay);
            assert!(d <= p.base_delay * 2u32.saturating_pow(attempt.min(31)));
        }
    }

    #[test]
    fn budget_counts_transient_only() {
        let policy = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
            max_elapsed: Duration::from_secs(60),
            conflict_wait: Duration::from_secs(60),
        };
        let mut s = RetryState::new(&policy);
        for _ in 0..10 {
            assert!(s.next_delay(Retryable::Throttled, None).is_some());
        }
        assert!(s.next_delay(Retryable::Transient, None).is_some());
        assert!(s.next_delay(Retryable::Transient, None).is_some());
        assert!(s.next_delay(Retryable::Transient, None).is_none());
        assert!(s.next_delay(Retryable::No, None).is_none());
        assert!(s.next_delay(Retryable::Busy, None).is_none());
        assert_eq!(s.retries(), 12);
    }

    #[test]
    fn retry_after_is_honoured_but_bounded_by_elapsed_time() {
        let policy = RetryPolicy {
            max_elapsed: Duration::from_secs(30),
            ..RetryPolicy::default()
        };
        let mut s = RetryState::new(&policy);
        let d = s.next_delay(Retryable::Throttled, Some(Duration::from_secs(7)));
        assert_eq!(d, Some(Duration::from_secs(7)));
        // Longer than the remaining time: give up now rather than sleep in vain.
        assert_eq!(
            s.next_delay(Retryable::Throttled, Some(Duration::from_secs(3600))),
            None
        );
        assert_eq!(
            RetryState::new(&RetryPolicy::none()).next_delay(Retryable::Transient, None),
            None
        );
    }

    #[test]
    fn retry_after_formats() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("0.25"), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("99999999"), Some(Duration::from_secs(86_400)));
        // A past HTTP date means no wait.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let future = (chrono::Utc::now() + chrono::Duration::seconds(120))
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let d = parse_retry_after(&future).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
    }

    #[test]
    fn millisecond_headers_take_precedence() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("10"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(10)));
        h.insert("x-ms-retry-after-ms", HeaderValue::from_static("20"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(20)));
        h.insert("retry-after-ms", HeaderValue::from_static("5"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(5)));
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }
}
