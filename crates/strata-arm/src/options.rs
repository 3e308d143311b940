//! [`ClientOptions`] and [`PollPolicy`]: what a client is pointed at and how patient it is.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::TokenCredential;
use crate::pacing::PacingPolicy;
use crate::retry::RetryPolicy;

/// Everything an [`crate::ArmClient`] needs. Start from [`ClientOptions::new`] and adjust fields.
#[derive(Clone)]
pub struct ClientOptions {
    /// `https://management.azure.com`, or `http://127.0.0.1:PORT` for the local emulator.
    pub endpoint: url::Url,
    /// `None` sends no `Authorization` header (an emulator without auth).
    pub credential: Option<Arc<dyn TokenCredential>>,
    pub retry: RetryPolicy,
    pub poll: PollPolicy,
    /// Client-side token buckets that keep requests within ARM's rate limits.
    pub pacing: PacingPolicy,
    pub user_agent: String,
    /// Limit for one HTTP exchange. ARM itself gives up on a provider after 60 s (answering
    /// 504), so anything much longer only waits on a dead connection.
    pub request_timeout: Duration,
}

impl ClientOptions {
    /// Defaults for Azure: no credential, [`RetryPolicy::default`], [`PollPolicy::default`],
    /// [`PacingPolicy::default`] (ARM's documented limits), `User-Agent: strata/<version>`, 100 s per request.
    pub fn new(endpoint: url::Url) -> ClientOptions {
        ClientOptions {
            endpoint,
            credential: None,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            pacing: PacingPolicy::default(),
            user_agent: format!("strata/{}", env!("CARGO_PKG_VERSION")),
            request_timeout: Duration::from_secs(100),
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("endpoint", &self.endpoint.as_str())
            .field("credential", &self.credential.as_ref().map(|_| "<credential>"))
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .field("pacing", &self.pacing)
            .field("user_agent", &self.user_agent)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// How long-running operations are polled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// Shortest wait between polls; a smaller `Retry-After` is raised to it.
    pub min_interval: Duration,
    /// Longest wait between polls; a larger `Retry-After` is lowered to it.
    pub max_interval: Duration,
    /// Longest time one operation (the request, its polls and any restarts) may take.
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy {
            min_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(60),
            timeout: Duration::from_secs(60 * 60),
        }
    }
}

impl PollPolicy {
    /// Millisecond intervals for the local emulator and tests.
    pub fn fast() -> PollPolicy {
        PollPolicy {
            min_interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(50),
            ..PollPolicy::default()
        }
    }

    /// The wait before poll number `poll` (0-based): the server's `Retry-After` when given,
    /// else doubling from the minimum, so short operations finish fast and long ones are not
    /// polled needlessly; always within `[min_interval, max_interval]`.
    pub(crate) fn interval(&self, retry_after: Option<Duration>, poll: u32) -> Duration {
        let wanted = retry_after.unwrap_or_else(|| {
            self.min_interval
                .checked_mul(2u32.saturating_pow(poll.min(31)))
                .unwrap_or(self.max_interval)
        });
        // `max` first, then `min`, so a misconfigured min > max still yields max.
        wanted.max(self.min_interval).min(self.max_interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_clamped() {
        let p = PollPolicy::default();
        assert_eq!(
            p.interval(Some(Duration::from_secs(10)), 0),
            Duration::from_secs(10)
        );
        assert_eq!(p.interval(Some(Duration::ZERO), 0), Duration::from_secs(1));
        assert_eq!(
            p.interval(Some(Duration::from_secs(600)), 0),
            Duration::from_secs(60)
        );
        assert_eq!(p.interval(None, 0), Duration::from_secs(1));
        assert_eq!(p.interval(None, 3), Duration::from_secs(8));
        assert_eq!(p.interval(None, 40), Duration::from_secs(60));
    }

    #[test]
    fn defaults() {
        let o = ClientOptions::new("https://management.azure.com".parse().unwrap());
        assert!(o.user_agent.starts_with("strata/"));
        assert_eq!(o.poll.timeout, Duration::from_secs(3600));
        assert!(format!("{o:?}").contains("management.azure.com"));
    }
}
