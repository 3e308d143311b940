//! Integration tests: a real emulator on 127.0.0.1 (a free port), driven over HTTP.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod compute;
mod frontdoor;
mod groups;
mod keyvault;
mod lists;
mod monitor;
mod network;
mod network_extras;
mod persistence;
mod postgres;
mod protocol;
mod security_groups;
mod storage;
mod support;
mod web;
