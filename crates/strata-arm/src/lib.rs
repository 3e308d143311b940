//! The Azure Resource Manager HTTP client of strata.
//!
//! Every Azure resource is a JSON document at an id, written with PUT and read with GET at an
//! api-version. This crate speaks that protocol, against Azure or against strata's emulator
//! (same wire protocol), and knows nothing about plans or configuration.
//!
//! - [`ArmClient`]: `get`, `put`, `patch`, `delete`, `post` (actions) and `list` (with
//!   `nextLink` paging). Writes wait for their long-running operation to finish, whichever of
//!   ARM's three patterns the service uses, and return the final document. `graph` runs an
//!   Azure Resource Graph query ([`GraphQuery`] → [`GraphRows`]), reading every `$skipToken`
//!   page within the per-user quota the answers report.
//! - [`ClientOptions`]: endpoint, credential, [`RetryPolicy`], [`PollPolicy`],
//!   [`PacingPolicy`] (client-side token buckets mirroring ARM's), user agent, request timeout.
//! - [`TokenCredential`] / [`AccessToken`] / [`StaticToken`]: where bearer tokens come from.
//!   The client caches them and never prints them.
//! - [`ArmError`] / [`ArmErrorKind`]: failures with ARM's code, message, details, status,
//!   request and correlation ids, retry count, and whether retrying may help. The kinds:
//!   `Http { status }` (ARM refused or failed the request: its answer is known), `Transport`,
//!   `Timeout` (one request took too long), `OperationFailed` (a long-running operation ended
//!   `Failed`/`Canceled`), `InvalidResponse`, `Auth`, `InvalidRequest`, and `OutcomeUnknown`:
//!   a write was sent but whether Azure applied it could not be learned (its answer was lost
//!   and neither sending it again nor waiting settled it before the deadline, or its operation
//!   was accepted and could not be watched to its end). [`ArmError::outcome_unknown`] says so;
//!   such a resource must be read back before anything is decided about it, never forgotten.
//! - [`ClientStats`]: request, retry, throttling, polling, pacing and conflict-wait counters.
//!
//! Inside, a call flows `client` → `lro` (waiting; `busy` waits out another operation that
//! holds the resource, `AnotherOperationInProgress`, by polling the operation its answer
//! names, up to [`RetryPolicy::conflict_wait`]) → `transport` (one HTTP exchange, retried per
//! `retry`, each try first waiting its turn in `pacing`), with `urls` deciding where requests
//! may go. Writes are settled in the client as far as they can be: a PUT, PATCH or DELETE whose
//! answer was lost is sent again (idempotent in ARM), and a refused write is sent again once
//! the operation holding its resource is over.
//!
//! ```no_run
//! # async fn demo() -> Result<(), strata_arm::ArmError> {
//! use strata_arm::{ArmClient, ClientOptions, PollPolicy, RetryPolicy};
//! let mut options = ClientOptions::new("http://127.0.0.1:8080".parse().unwrap());
//! options.retry = RetryPolicy::fast();
//! options.poll = PollPolicy::fast();
//! let arm = ArmClient::new(options)?;
//! let id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-app";
//! let rg = arm.put(id, "2024-11-01", &serde_json::json!({"location": "westeurope"})).await?;
//! assert!(arm.get(id, "2024-11-01").await?.is_some());
//! # let _ = rg; Ok(()) }
//! ```

mod auth;
mod busy;
mod client;
mod error;
mod graph;
mod lro;
mod options;
mod pacing;
mod retry;
mod stats;
mod transport;
mod urls;

pub use auth::{AccessToken, StaticToken, TokenCredential};
pub use client::ArmClient;
pub use error::{ArmError, ArmErrorKind, ErrorDetail};
pub use graph::{GRAPH_API_VERSION, GraphQuery, GraphRows};
pub use options::{ClientOptions, PollPolicy};
pub use pacing::{BucketLimits, PacingPolicy};
pub use retry::RetryPolicy;
pub use stats::ClientStats;
