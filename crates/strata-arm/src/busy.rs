//! Waiting out another operation that holds a resource (`AnotherOperationInProgress`).
//!
//! Azure refuses a write to a resource, or to a child of it, while another operation on it
//! runs: the Network RP answers 409 `AnotherOperationInProgress` with "… To retrieve status of
//! the operation use uri: https://management.azure.com/subscriptions/…/providers/
//! Microsoft.Network/locations/westeurope/operations/<id>?api-version=…". The refused request
//! changed nothing, so it can be sent again once that operation is over. [`BusyWait`] keeps
//! the deadline of one write ([`crate::RetryPolicy::conflict_wait`], counted from its first
//! refusal), and [`ClientInner::wait_out`] polls the operation named in the answer until it
//! ends, or, when none is named (or it cannot be read), backs off with jitter.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::client::ClientInner;
use crate::error::ArmError;
use crate::retry::RetryPolicy;
use crate::transport::Purpose;
use crate::urls::follow;

/// The waiting of one write for other operations, across all its refusals.
pub(crate) struct BusyWait<'p> {
    policy: &'p RetryPolicy,
    /// Set at the first refusal.
    deadline: Option<Instant>,
    /// Waits so far, for the backoff.
    rounds: u32,
}

/// How watching the other operation ended.
#[derive(Debug, PartialEq, Eq)]
enum Watch {
    /// It ended after being seen running at least once.
    Ended,
    /// It had already ended at the first look (the refusal may come from yet another
    /// operation, or ARM may be a moment behind): back off before trying again.
    AlreadyEnded,
    /// The operation could not be read (not found, not allowed, no `status`).
    Unreadable,
    /// The deadline passed while it was still running.
    Deadline,
}

impl<'p> BusyWait<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy) -> BusyWait<'p> {
        BusyWait {
            policy,
            deadline: None,
            rounds: 0,
        }
    }

    /// Starts the clock at the first refusal; the deadline, or `None` when it has passed.
    fn open(&mut self) -> Option<Instant> {
        let now = Instant::now();
        let wait = self.policy.conflict_wait;
        // A wait too long to represent is a year, which is forever for a write.
        let deadline = *self.deadline.get_or_insert_with(|| {
            now.checked_add(wait)
                .or_else(|| now.checked_add(Duration::from_secs(365 * 24 * 3600)))
                .unwrap_or(now)
        });
        (now < deadline).then_some(deadline)
    }

    /// Jittered backoff for this round, within the deadline.
    fn backoff(&self, deadline: Instant) -> Duration {
        self.policy
            .backoff(self.rounds)
            .max(self.policy.base_delay / 2)
            .min(deadline.saturating_duration_since(Instant::now()))
    }
}

/// The operation URL an `AnotherOperationInProgress` message names ("… use uri: <url>."),
/// in its message or in one of its details.
pub(crate) fn named_operation(error: &ArmError) -> Option<&str> {
    std::iter::once(error.message())
        .chain(error.details().iter().map(|d| d.message.as_str()))
        .find_map(link_in)
}

fn link_in(message: &str) -> Option<&str> {
    const MARK: &str = "use uri:";
    let at = message.to_ascii_lowercase().find(MARK)? + MARK.len();
    let link = message.get(at..)?.split_whitespace().next()?;
    // The sentence's full stop (or a closing quote) is not part of the URL.
    let link = link.trim_end_matches(['.', ',', ';', '"', '\'', ')']);
    link.starts_with("http").then_some(link)
}

impl ClientInner {
    /// Waits until the operation that refused `error` to the write at `request` is over.
    /// True when the write should be sent again; false when the deadline has passed.
    pub(crate) async fn wait_out(&self, request: &Url, error: &ArmError, busy: &mut BusyWait<'_>) -> bool {
        let Some(deadline) = busy.open() else {
            return false;
        };
        self.counters.conflict_wait();
        let operation =
            named_operation(error).and_then(|link| follow(&self.options.endpoint, request, link).ok());
        let watched = match &operation {
            Some(url) => self.watch(url, deadline).await,
            None => Watch::Unreadable,
        };
        tracing::debug!(
            path = request.path(),
            code = error.code(),
            request_id = error.request_id(),
            operation = operation.as_ref().map(Url::path),
            outcome = ?watched,
            round = busy.rounds,
            "another operation held the resource; waited for it",
        );
        if matches!(watched, Watch::AlreadyEnded | Watch::Unreadable) {
            tokio::time::sleep(busy.backoff(deadline)).await;
        }
        busy.rounds = busy.rounds.saturating_add(1);
        true
    }

    /// Polls an operation status resource until it is terminal or `deadline` passes.
    async fn watch(&self, url: &Url, deadline: Instant) -> Watch {
        let poll = &self.options.poll;
        let mut polls = 0u32;
        loop {
            let Ok(response) = self.execute(Method::GET, url, None, Purpose::Poll).await else {
                return Watch::Unreadable;
            };
            // Some services answer 202 while the operation runs.
            let running = response.status == StatusCode::ACCEPTED
                || match response
                    .json()
                    .ok()
                    .flatten()
                    .as_ref()
                    .and_then(|d| d.get("status"))
                    .and_then(Value::as_str)
                {
                    Some(s) => !["Succeeded", "Failed", "Canceled", "Cancelled"]
                        .iter()
                        .any(|t| t.eq_ignore_ascii_case(s)),
                    None => return Watch::Unreadable,
                };
            if !running {
                return if polls == 0 {
                    Watch::AlreadyEnded
                } else {
                    Watch::Ended
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Watch::Deadline;
            }
            let delay = poll.interval(response.retry_after(), polls).min(deadline - now);
            polls = polls.saturating_add(1);
            tokio::time::sleep(delay).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_named_operation_is_found_in_the_network_rps_message() {
        let m = "Another operation on this or dependent resource is in progress. To retrieve status of the \
                 operation use uri: https://management.azure.com/subscriptions/s/providers/Microsoft.Network/\
                 locations/westeurope/operations/5d66a0e0?api-version=2022-07-01.";
        assert_eq!(
            link_in(m),
            Some(
                "https://management.azure.com/subscriptions/s/providers/Microsoft.Network/locations/westeurope/\
                 operations/5d66a0e0?api-version=2022-07-01"
            )
        );
        assert_eq!(link_in("To retrieve status of the operation use uri: "), None);
        assert_eq!(link_in("use uri: not-a-link."), None);
        assert_eq!(link_in("Another operation is in progress."), None);
    }

    #[test]
    fn the_deadline_starts_at_the_first_refusal() {
        let policy = RetryPolicy {
            conflict_wait: Duration::from_secs(60),
            ..RetryPolicy::fast()
        };
        let mut busy = BusyWait::new(&policy);
        let first = busy.open().unwrap();
        assert_eq!(busy.open(), Some(first));
        assert!(busy.backoff(first) <= policy.max_delay);
        let none = RetryPolicy::none();
        assert_eq!(BusyWait::new(&none).open(), None);
    }
}
