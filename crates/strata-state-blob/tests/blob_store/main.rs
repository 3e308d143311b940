//! The blob store against a real Azurite: the state store conformance suite, locking with
//! OpenTofu, lease renewal and expiry, guarded writes, and history.
//!
//! One test binary, so every test shares one Azurite; each test works in its own container.

// Test helpers unwrap freely: a failure there is a failed test.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod conformance;
mod history;
mod locking;
mod renewal;
mod tls;
mod writes;
