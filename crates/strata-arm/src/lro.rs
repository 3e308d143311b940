//! Long-running operations: waiting until a write is really done.
//!
//! ARM signals "accepted, still working" in three ways, all handled here:
//! - `Azure-AsyncOperation: <url>`: poll that status resource until its `status` is
//!   `Succeeded`, `Failed` or `Canceled`; then read the resource (PUT/PATCH).
//! - `202` + `Location: <url>`: poll it; it answers 202 while running, then the synchronous
//!   result (200 + body, or 204).
//! - `200`/`201` whose body has a non-terminal `provisioningState`: poll the resource itself.
//!
//! A write refused with `AnotherOperationInProgress` (another operation holds its resource or
//! parent), or whose operation ends with it (another write won the race), waits for that
//! operation ([`crate::busy`]) and is sent again, up to [`crate::RetryPolicy::conflict_wait`].
//!
//! A write that fails after it may have been applied (an earlier try's answer was lost, or its
//! operation was accepted and could then not be watched to its end) fails
//! [`crate::ArmErrorKind::OutcomeUnknown`]; one that ends `Failed`, or is refused, fails with
//! what ARM said.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::busy::BusyWait;
use crate::client::ClientInner;
use crate::error::{ArmError, ArmErrorKind};
use crate::options::PollPolicy;
use crate::retry::{Retryable, classify_status, is_operation_conflict};
use crate::transport::{Purpose, Response};
use crate::urls::follow;

/// The write being waited for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Put,
    Patch,
    Delete,
    Post,
}

impl Op {
    fn method(self) -> Method {
        match self {
            Op::Put => Method::PUT,
            Op::Patch => Method::PATCH,
            Op::Delete => Method::DELETE,
            Op::Post => Method::POST,
        }
    }

    /// Writes that can be sent again without changing their meaning. Actions (POST) may not be
    /// idempotent (`regenerateKey`), so they are never started twice.
    fn restartable(self) -> bool {
        !matches!(self, Op::Post)
    }

    fn writes_resource(self) -> bool {
        matches!(self, Op::Put | Op::Patch)
    }
}

/// How one try of a write ended.
enum Outcome {
    Done(Option<Value>),
    /// Refused, or its operation lost a race, because another operation holds the resource:
    /// nothing was done; worth sending again once that operation is over.
    Busy(ArmError),
}

/// A resource that 404s right after its write reported success is a replication lag, not an
/// answer; this many consecutive 404s are waited out before giving up.
const MAX_LAGGING_404S: u32 = 12;

/// The wait before re-reading a resource that 404s after success: 100 ms doubling to 5 s,
/// about half a minute in all, whatever the poll policy (replication lag is ARM's, not the
/// operation's).
fn lag_delay(absent: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << absent.min(6))).min(Duration::from_secs(5))
}

/// The wait between polls, and the overall deadline of one operation.
struct Poller<'p> {
    policy: &'p PollPolicy,
    deadline: Instant,
    polls: u32,
}

impl<'p> Poller<'p> {
    fn new(policy: &'p PollPolicy) -> Poller<'p> {
        Poller {
            policy,
            deadline: Instant::now() + policy.timeout,
            polls: 0,
        }
    }

    fn remaining(&self) -> Result<Duration, ArmError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(ArmError::timeout(format!(
                "the operation did not finish within {:?}; it may still be running in Azure",
                self.policy.timeout
            )));
        }
        Ok(self.deadline - now)
    }

    async fn wait(&mut self, retry_after: Option<Duration>) -> Result<(), ArmError> {
        let remaining = self.remaining()?;
        let delay = self.policy.interval(retry_after, self.polls).min(remaining);
        self.polls = self.polls.saturating_add(1);
        tokio::time::sleep(delay).await;
        Ok(())
    }
}

/// The final error of a write: [`ArmErrorKind::OutcomeUnknown`] when it may have been applied.
fn settle(error: ArmError, maybe_applied: bool) -> ArmError {
    if maybe_applied || error.maybe_applied() {
        error.into_outcome_unknown()
    } else {
        error
    }
}

/// The provisioning state of a resource document, as far as waiting is concerned.
#[derive(Debug, PartialEq, Eq)]
enum State {
    Succeeded,
    Running,
    /// `Failed` or `Canceled`, as written by the server.
    Failed(String),
}

fn classify_state(state: Option<&str>) -> State {
    match state {
        // ARM's rule: a resource without the field is done.
        None => State::Succeeded,
        Some(s) if s.eq_ignore_ascii_case("Succeeded") => State::Succeeded,
        Some(s)
            if ["Failed", "Canceled", "Cancelled"]
                .iter()
                .any(|t| t.eq_ignore_ascii_case(s)) =>
        {
            State::Failed(s.to_string())
        }
        Some(_) => State::Running,
    }
}

fn provisioning_state(doc: &Value) -> State {
    let state = doc
        .pointer("/properties/provisioningState")
        .or_else(|| doc.get("provisioningState"))
        .and_then(Value::as_str);
    classify_state(state)
}

impl ClientInner {
    /// Sends `op` to `url` and waits for it to finish. PUT and PATCH yield the final resource,
    /// POST the action's answer (if any), DELETE nothing.
    pub(crate) async fn run(
        &self,
        op: Op,
        url: &Url,
        body: Option<&Value>,
    ) -> Result<Option<Value>, ArmError> {
        let mut poller = Poller::new(&self.options.poll);
        let mut busy = BusyWait::new(&self.options.retry);
        // Whether an earlier try may have been carried out (its answer was lost).
        let mut maybe_applied = false;
        loop {
            let error = match self.run_once(op, url, body, &mut poller).await {
                Ok(Outcome::Done(value)) => return Ok(value),
                Ok(Outcome::Busy(error)) => error,
                Err(error) => return Err(settle(error, maybe_applied)),
            };
            maybe_applied |= error.maybe_applied();
            if poller.remaining().is_err() || !self.wait_out(url, &error, &mut busy).await {
                return Err(settle(error, maybe_applied));
            }
            self.counters.retry();
            tracing::debug!(
                method = %op.method(),
                path = url.path(),
                code = error.code(),
                request_id = error.request_id(),
                "another operation held the resource; sending the write again",
            );
        }
    }

    async fn run_once(
        &self,
        op: Op,
        url: &Url,
        body: Option<&Value>,
        poller: &mut Poller<'_>,
    ) -> Result<Outcome, ArmError> {
        let initial = match self.execute(op.method(), url, body, Purpose::Call).await {
            Ok(response) => response,
            // Deleting what is not there is success.
            Err(e) if op == Op::Delete && e.is_absent() => return Ok(Outcome::Done(None)),
            // Refused: nothing was done, whatever the request was.
            Err(e)
                if e.status()
                    .is_some_and(|s| classify_status(s, e.code()) == Retryable::Busy) =>
            {
                return Ok(Outcome::Busy(e));
            }
            Err(e) => return Err(e),
        };
        match self.follow(op, url, initial, poller).await {
            Ok(value) => Ok(Outcome::Done(value)),
            // The operation lost a race and did nothing; an action is not started twice.
            Err(e)
                if op.restartable()
                    && e.kind() == &ArmErrorKind::OperationFailed
                    && e.code().is_some_and(is_operation_conflict) =>
            {
                Ok(Outcome::Busy(e))
            }
            // ARM said how it ended: the outcome is known.
            Err(e) if e.kind() == &ArmErrorKind::OperationFailed => Err(e),
            // Accepted, and then not watched to its end: it may have been carried out.
            Err(e) => Err(e.with_maybe_applied(true)),
        }
    }

    /// Waits for whatever the first answer started.
    async fn follow(
        &self,
        op: Op,
        url: &Url,
        initial: Response,
        poller: &mut Poller<'_>,
    ) -> Result<Option<Value>, ArmError> {
        let endpoint = &self.options.endpoint;
        let accepted = initial.status == StatusCode::ACCEPTED;
        let async_op = initial
            .header("azure-asyncoperation")
            .map(|link| follow(endpoint, url, link))
            .transpose()?;
        let location = initial
            .header("location")
            .filter(|_| accepted)
            .map(|link| follow(endpoint, url, link))
            .transpose()?;
        let retry_after = initial.retry_after();

        if let Some(status_url) = async_op {
            let status = self.poll_operation(&status_url, retry_after, poller).await?;
            return match op {
                Op::Put | Op::Patch => self.read_final(url, poller).await.map(Some),
                Op::Delete => Ok(None),
                // The action's answer is at `Location` when there is one, else in the status.
                Op::Post => match location {
                    Some(result_url) => self.poll_location(op, &result_url, None, poller).await,
                    None => Ok(status.get("properties").cloned()),
                },
            };
        }
        if let Some(result_url) = location {
            let result = self.poll_location(op, &result_url, retry_after, poller).await?;
            return match result {
                None if op.writes_resource() => self.read_final(url, poller).await.map(Some),
                result => Ok(result),
            };
        }
        if accepted {
            // Accepted with no URL to watch: the resource itself is the only witness.
            return match op {
                Op::Put | Op::Patch => self.poll_resource(url, retry_after, None, poller).await.map(Some),
                Op::Delete => self
                    .poll_until_gone(url, retry_after, poller)
                    .await
                    .map(|()| None),
                Op::Post => Ok(None),
            };
        }
        let body = initial.json()?;
        match (op, body) {
            (Op::Put | Op::Patch, None) => self.read_final(url, poller).await.map(Some),
            (Op::Put | Op::Patch, Some(doc)) => match provisioning_state(&doc) {
                State::Succeeded => Ok(Some(doc)),
                State::Failed(state) => Err(ArmError::operation_failed(&state, &doc, initial.request_id)),
                State::Running => self
                    .poll_resource(url, retry_after, Some(MAX_LAGGING_404S), poller)
                    .await
                    .map(Some),
            },
            (Op::Delete, _) => Ok(None),
            (Op::Post, body) => Ok(body),
        }
    }

    /// Polls an `Azure-AsyncOperation` status resource until it is terminal; returns it.
    async fn poll_operation(
        &self,
        url: &Url,
        mut retry_after: Option<Duration>,
        poller: &mut Poller<'_>,
    ) -> Result<Value, ArmError> {
        loop {
            poller.wait(retry_after).await?;
            let response = self.execute(Method::GET, url, None, Purpose::Poll).await?;
            retry_after = response.retry_after();
            // Some services answer 202 while the operation runs.
            if response.status == StatusCode::ACCEPTED {
                continue;
            }
            let Some(doc) = response.json()? else {
                return Err(
                    ArmError::invalid_response("the operation status answered with an empty body")
                        .with_request_id(response.request_id),
                );
            };
            let Some(status) = doc.get("status").and_then(Value::as_str) else {
                return Err(
                    ArmError::invalid_response("the operation status has no `status` field")
                        .with_request_id(response.request_id),
                );
            };
            match classify_state(Some(status)) {
                State::Succeeded => return Ok(doc),
                State::Failed(state) => {
                    return Err(ArmError::operation_failed(&state, &doc, response.request_id));
                }
                State::Running => {}
            }
        }
    }

    /// Polls a `Location` URL until it stops answering 202; returns its final body, if any.
    async fn poll_location(
        &self,
        op: Op,
        url: &Url,
        mut retry_after: Option<Duration>,
        poller: &mut Poller<'_>,
    ) -> Result<Option<Value>, ArmError> {
        loop {
            poller.wait(retry_after).await?;
            let response = match self.execute(Method::GET, url, None, Purpose::Poll).await {
                Ok(response) => response,
                Err(e) if op == Op::Delete && e.is_absent() => return Ok(None),
                Err(e) => return Err(e),
            };
            if response.status != StatusCode::ACCEPTED {
                return response.json();
            }
            retry_after = response.retry_after();
        }
    }

    /// Polls the resource until its `provisioningState` is terminal. 404s are waited out, up
    /// to `max_absent` in a row when given (the resource should exist already).
    async fn poll_resource(
        &self,
        url: &Url,
        mut retry_after: Option<Duration>,
        max_absent: Option<u32>,
        poller: &mut Poller<'_>,
    ) -> Result<Value, ArmError> {
        let mut absent = 0u32;
        loop {
            poller.wait(retry_after).await?;
            let response = match self.execute(Method::GET, url, None, Purpose::Poll).await {
                Ok(response) => response,
                Err(e) if e.is_absent() && max_absent.is_none_or(|max| absent < max) => {
                    if max_absent.is_some() {
                        tokio::time::sleep(lag_delay(absent)).await;
                    }
                    absent += 1;
                    retry_after = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            absent = 0;
            retry_after = response.retry_after();
            let Some(doc) = response.json()? else {
                return Err(
                    ArmError::invalid_response("the resource answered with an empty body")
                        .with_request_id(response.request_id),
                );
            };
            match provisioning_state(&doc) {
                State::Succeeded => return Ok(doc),
                State::Failed(state) => {
                    return Err(ArmError::operation_failed(&state, &doc, response.request_id));
                }
                State::Running => {}
            }
        }
    }

    /// Reads the resource after its operation succeeded, waiting out a short replication lag.
    async fn read_final(&self, url: &Url, _poller: &mut Poller<'_>) -> Result<Value, ArmError> {
        let mut absent = 0u32;
        loop {
            match self.execute(Method::GET, url, None, Purpose::Poll).await {
                Ok(response) => {
                    return response.json()?.ok_or_else(|| {
                        ArmError::invalid_response("the resource answered with an empty body")
                            .with_request_id(response.request_id)
                    });
                }
                Err(e) if e.is_absent() && absent < MAX_LAGGING_404S => {
                    tracing::debug!(url = %url.path(), absent, "read after success answered 404; waiting out the lag");
                    tokio::time::sleep(lag_delay(absent)).await;
                    absent += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Polls a resource being deleted until it answers 404.
    async fn poll_until_gone(
        &self,
        url: &Url,
        mut retry_after: Option<Duration>,
        poller: &mut Poller<'_>,
    ) -> Result<(), ArmError> {
        loop {
            poller.wait(retry_after).await?;
            match self.execute(Method::GET, url, None, Purpose::Poll).await {
                Ok(response) => retry_after = response.retry_after(),
                Err(e) if e.is_absent() => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn provisioning_states() {
        assert_eq!(provisioning_state(&json!({"name": "x"})), State::Succeeded);
        assert_eq!(
            provisioning_state(&json!({"properties": {"provisioningState": "succeeded"}})),
            State::Succeeded
        );
        for running in ["Accepted", "Creating", "Updating", "ResolvingDNS", "InProgress"] {
            let doc = json!({"properties": {"provisioningState": running}});
            assert_eq!(provisioning_state(&doc), State::Running, "{running}");
        }
        assert_eq!(
            provisioning_state(&json!({"provisioningState": "Canceled"})),
            State::Failed("Canceled".into())
        );
        assert_eq!(
            provisioning_state(&json!({"properties": {"provisioningState": "Failed"}})),
            State::Failed("Failed".into())
        );
    }
}
