//! Test support shared by strata's test suites (a dev-dependency only).
//!
//! - [`azurite`]: a real Azurite (Microsoft's Azure Storage emulator) on loopback, started
//!   once per test binary and stopped by PID when the last test drops it.

pub mod azurite;
