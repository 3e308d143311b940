//! The client against scripted ARM servers on loopback.

// Waiting out other operations (AnotherOperationInProgress); writes whose outcome is unknown.
mod conflicts;
// Long-running operation patterns: provisioningState, Azure-AsyncOperation, Location.
mod lro;
// Pacing within ARM's token buckets.
mod pacing;
// Retries: throttling, transient failures, conflicts, validation errors (logging: ../logging.rs).
mod retry;
mod server;
// Plain calls: get, list paging, errors, headers, tokens.
mod calls;
