//! Integration tests: a real emulator on 127.0.0.1 (a free port), driven over HTTP.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used)]

// ARM's 401/403 answers with authentication on.
mod arm_auth;
// What other ARM clients need: https, Retry-After, list filters, cloud metadata.
mod clients;
mod compute;
// Injected faults, reproducible by seed.
mod faults;
mod frontdoor;
// Azure Resource Graph: KQL over the estate, paging, quota, indexing lag.
mod graph;
mod graph_service;
mod groups;
// The identity endpoint: tokens for each grant, Entra's refusals.
mod identity;
mod keyvault;
mod lists;
mod monitor;
mod network;
mod network_extras;
mod persistence;
mod postgres;
// Restores, replicas and promotion of flexible servers.
mod postgres_dr;
mod protocol;
// Recovery Services vaults, VM backup and restores.
mod recovery;
// Regional outages, storage failover and Front Door origin routing.
mod regions;
mod regions_failover;
mod regions_routing;
mod security_groups;
// `/_emulator/stats`.
mod stats;
mod storage;
mod support;
// Token buckets and rate-limit headers.
mod throttling;
// Requests with chosen headers and bodies.
mod web;
mod wire;
