//! Integration tests: a real emulator on 127.0.0.1 (a free port), driven over HTTP.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod groups;
mod lists;
mod network;
mod persistence;
mod protocol;
mod security_groups;
mod support;
