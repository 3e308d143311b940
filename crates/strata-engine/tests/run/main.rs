//! The engine's own tests: whole runs over the in-process emulator and a local state store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bulk;
mod common;
mod interrupt;
mod lifecycle;
mod moves;
mod soft_delete;
