//! A local Azure Resource Manager emulator.
//!
//! It speaks ARM's wire protocol on loopback so that strata (and any ARM client) can run against
//! it: status codes, long-running operation patterns, error codes and messages, naming rules,
//! parent/child rules and network validation follow Azure's. It never pretends to be Azure: its
//! `Server` header, routing ids and subscription names say it is the emulator.
//!
//! # Map
//!
//! - [`start`] takes an [`EmulatorConfig`] (listen address, optional data directory,
//!   [`Latency`]) and returns an [`EmulatorHandle`] once the socket is bound; the handle gives
//!   the [`endpoint`](EmulatorHandle::endpoint) and a graceful
//!   [`shutdown`](EmulatorHandle::shutdown). Startup failures are [`EmulatorError`]s.
//! - `protocol`: the generic ARM layer. Case-insensitive routing, `api-version` checks, request
//!   ids, the error envelope, list paging and `$filter`, and the operation endpoints of both
//!   long-running patterns (`Azure-AsyncOperation` status, `Location` results).
//! - `types`: per-type rules behind one trait. `types::resource_groups` and
//!   `types::subscriptions`; `types::network` (virtual networks, subnets, network security
//!   groups, security rules); `types::generic`, a synchronous document store for every other
//!   type so that generic `resource` blocks work.
//! - `store`: the estate (groups, resources, operations) keyed by lowercase id in ordered maps,
//!   with a reference index (what uses what) and persistence as one atomically replaced file.
//!
//! Long-running operations complete by the clock: each has a due time (now + the type's
//! latency) and every request first completes those that fell due, in order. The outcome is
//! therefore deterministic, and operations in flight when the emulator stopped complete after
//! a restart.
//!
//! ```no_run
//! # async fn demo() -> Result<(), strata_emulator::EmulatorError> {
//! use strata_emulator::{EmulatorConfig, Latency, start};
//!
//! let emulator = start(EmulatorConfig { latency: Latency::none(), ..Default::default() }).await?;
//! println!("ARM endpoint: {}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod config;
mod error;
mod protocol;
mod server;
mod store;
mod types;

pub use config::{EmulatorConfig, Latency};
pub use error::EmulatorError;
pub use server::{EmulatorHandle, start};
pub use types::subscriptions::{DEFAULT_SUBSCRIPTION_ID, EMULATOR_TENANT_ID};
