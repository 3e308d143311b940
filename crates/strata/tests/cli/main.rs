//! End-to-end tests of the `strata` binary against the emulator on loopback.
//!
//! Each test copies a stack into a temporary folder, starts an emulator in the test process
//! (reached through `STRATA_ARM_ENDPOINT`) when it needs to look at or change the estate out of
//! band, and runs the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod apply;
mod azure_ready;
mod backend;
mod bulk_refresh;
mod config_blocks;
mod delivery;
mod details;
mod drift;
mod emulator_regions;
mod errors;
mod estate;
mod graph;
mod locking;
mod pipelines;
mod plan;
mod recovery;
mod rehearsal;
mod safety;
mod schemas;
mod standby;
