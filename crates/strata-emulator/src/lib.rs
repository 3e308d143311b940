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
//!   [`Latency`], the regions out from the start, and the optional [`AuthConfig`], [`ThrottleConfig`], [`FaultConfig`] and
//!   [`TlsConfig`]) and returns an [`EmulatorHandle`] once the socket is bound; the handle
//!   gives the [`endpoint`](EmulatorHandle::endpoint) and a graceful
//!   [`shutdown`](EmulatorHandle::shutdown). Startup failures are [`EmulatorError`]s.
//! - `tls` (with [`TlsConfig`]): https for ARM and the identity endpoints, with a certificate
//!   authority and serving certificate made at start for the loopback names; the authority's
//!   PEM is written where clients can trust it (`SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE`).
//! - [`seed_estate`] puts [`SeedDocument`]s (resources as ARM returned them) into an estate
//!   on disk before an emulator serves it, as they are: what a rehearsal seeded from a real
//!   state starts with.
//! - `front`: ARM's front door, in ARM's order: authentication and authorisation (`identity`),
//!   throttling (`throttle`), the faults decided up front (`faults`), then `protocol`; a dropped
//!   answer cuts the connection after the request was served (`conn`). `stats` counts it all
//!   for `GET /_emulator/stats`.
//! - `identity` (with `--auth`): Entra ID's token endpoint for registered [`TestClient`]s
//!   (client secret, certificate assertion, federated token), the metadata service's managed
//!   identity endpoint, an OIDC issuer minting federated test tokens, and ARM's 401/403
//!   answers to tokens that are missing, malformed, expired, for another audience or tenant,
//!   or without access to the subscription.
//! - `throttle` (with `--throttle`): ARM's token buckets per subscription, principal and
//!   operation class, the subscription-wide ones, and Microsoft.Network's write limit; the
//!   `x-ms-ratelimit-remaining-*` headers and 429 `TooManyRequests` with `Retry-After`.
//! - `faults` (with `--faults`, reproducible by seed): transient 500/503, dropped answers,
//!   404s right after a create, slow long-running operations, `AnotherOperationInProgress`
//!   and `ReferencedResourceNotProvisioned`. `metadata` serves the cloud metadata document
//!   (`/metadata/endpoints`) naming the emulator as ARM and authority.
//! - `regions`: regional outages for drills (`--region-outage`, `/_emulator/regions`): requests
//!   about resources in a region that is out answer 503, their long-running operations stall
//!   until the restore; the outages' start and end are recorded. Front Door origins can be
//!   marked down (`/_emulator/origins/health`) and `types::cdn::routing` tells which origin
//!   serves a path.
//! - `graph`: Azure Resource Graph (`POST /providers/Microsoft.ResourceGraph/resources`): a
//!   KQL subset over the `Resources` and `ResourceContainers` tables built from the rendered
//!   documents, paging with `$skipToken`, the `table` format, the per-user quota headers (429
//!   with `--throttle`) and an optional indexing lag ([`EmulatorConfig::graph_lag`]).
//! - `protocol`: the generic ARM layer. Case-insensitive routing, `api-version` checks, request
//!   ids, the error envelope, list paging and `$filter`, the operation endpoints of both
//!   long-running patterns (`Azure-AsyncOperation` status, `Location` results), extension
//!   resources (`{resource id}/providers/…`), and provider- and location-level paths
//!   (`checkNameAvailability`, soft-deleted vaults).
//! - `types`: per-type rules behind one trait, one module per provider family, dispatched by
//!   `types::rules_for`:
//!   - `network`: virtual networks and subnets (delegations, what uses them), NSGs and rules,
//!     public IPs (from a fake pool), NICs (private addresses allocated in the subnet),
//!     application gateways, private endpoints (with their own NIC), private DNS zones and
//!     their record sets (the SOA made with the zone, etags honoured);
//!   - `storage`: accounts (202 + `Location`, global names, `listKeys`, planned and unplanned
//!     failover, `geoReplicationStats`), blob service, containers;
//!   - `keyvault`: vaults (soft delete, `deletedVaults`, recover, purge) and secrets;
//!   - `compute`: virtual machines (instance view, power actions), their OS disks as
//!     disk resources, and scale sets (sizes, OS profiles, fault domains);
//!   - `web`: App Service plans and sites (global names, VNet integration), the site's
//!     `config/web`, app settings, connection strings and `networkConfig/virtualNetwork`;
//!   - `postgres`: flexible servers (private access), databases and server parameters,
//!     point-in-time and geo-restore, read replicas and their promotion;
//!   - `monitor`: Log Analytics workspaces, Application Insights, diagnostic settings (an
//!     extension resource on any resource);
//!   - `cdn`: Front Door Standard/Premium profiles, endpoints, origins, routes, security
//!     policies, and Front Door WAF policies; the routing decision by origin priority, weight
//!     and health;
//!   - `recovery`: Recovery Services vaults (redundancy, cross-region restore), VM backup
//!     policies, protected machines, recovery points and restores;
//!   - `generic`: a synchronous document store for every other type, so that generic
//!     `resource` blocks work.
//!
//!   Shared by the families: `types::longrun` (scheduling operations), `types::unique` (names
//!   unique across subscriptions, `checkNameAvailability`), `types::common` (locations, tags,
//!   names, documents).
//! - `store`: the estate (groups, resources, operations, tombstones of soft-deleted resources)
//!   keyed by lowercase id in ordered maps, with a reference index (what uses what), a name
//!   index (global names), and persistence as one atomically replaced file. What a provider
//!   knows but never returns (keys, passwords, secret values) is kept apart from the
//!   documents.
//!
//! Default latencies follow Azure's relative provisioning times, scaled down (an application
//! gateway or a PostgreSQL server takes longest, a storage account or a vault a few hundred
//! milliseconds); `Latency::parse` overrides them per type.
//!
//! Long-running operations complete by the clock: each has a due time (now + the type's
//! latency) and every request first completes those that fell due, in order. The outcome is
//! therefore deterministic, and operations in flight when the emulator stopped complete after
//! a restart.
//!
//! The keys that sign access tokens are made at startup and never written: after a restart,
//! tokens issued before it answer 401 and clients sign in again, as they would after a key
//! rollover.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use strata_emulator::{
//!     AuthConfig, EmulatorConfig, FaultConfig, FaultSpec, Latency, TestClient, ThrottleConfig, start,
//! };
//!
//! let emulator = start(EmulatorConfig { latency: Latency::none(), ..Default::default() }).await?;
//! println!("ARM endpoint: {}", emulator.endpoint());
//! emulator.shutdown().await;
//!
//! // Tokens required, ARM's throttling, and the realistic fault mix with seed 7.
//! let strict = start(EmulatorConfig {
//!     auth: Some(AuthConfig {
//!         clients: vec![TestClient::parse_secret("app:s3cret")?],
//!         ..AuthConfig::default()
//!     }),
//!     throttle: Some(ThrottleConfig::default()),
//!     faults: Some(FaultConfig { spec: FaultSpec::realistic(), seed: 7 }),
//!     ..Default::default()
//! })
//! .await?;
//! strict.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod config;
mod conn;
mod error;
mod faults;
mod front;
mod graph;
mod identity;
mod metadata;
mod protocol;
mod regions;
mod seed;
mod server;
mod stats;
mod store;
mod throttle;
mod tls;
mod types;

pub use config::{EmulatorConfig, Latency};
pub use error::EmulatorError;
pub use faults::{FaultConfig, FaultSpec};
pub use identity::{
    AuthConfig, CertificateKey, ClientCredential, FEDERATION_AUDIENCE, SYSTEM_IDENTITY_CLIENT_ID, TestClient,
};
pub use seed::{SeedDocument, seed_estate};
pub use server::{EmulatorHandle, start};
pub use throttle::{BucketLimits, ThrottleConfig};
pub use tls::TlsConfig;
pub use types::subscriptions::{DEFAULT_SUBSCRIPTION_ID, EMULATOR_TENANT_ID};
