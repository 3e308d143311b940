//! Generates strata-azure's embedded catalogue from a bicep-types-az snapshot.
//!
//! - `bicep` ([`bicep::RawNode`], [`bicep::LiteNode`]): the upstream types.json format.
//! - `convert` ([`convert::convert`]): the reachable part of a file into a compact
//!   [`strata_azure::Schema`].
//! - `snapshot` ([`snapshot::Snapshot`]): reads a checkout or a git directory.
//! - `generate` ([`generate::generate`], [`generate::write`]): index, schemas, provenance,
//!   licence and the embedding table, as bytes, then onto disk.

pub mod bicep;
pub mod convert;
pub mod generate;
pub mod snapshot;
