//! Azure's published resource types, from Microsoft's bicep-types-az (MIT; see
//! `data/PROVENANCE.md` and `data/LICENSE-bicep-types-az`), embedded in the binary.
//!
//! - [`Catalogue`] (`catalogue.rs`): [`Catalogue::global`] over the embedded artefact; the
//!   index of every resource type (child types included) with its api-versions, scopes and
//!   resource functions ([`ResourceTypeEntry`]); `api_versions`, `latest_stable`,
//!   `nearest_versions`, all case-insensitive as ARM is; `schema(type, version)` loads a
//!   type's schemas lazily and caches them; `versions_with_property` for cross-version hints;
//!   [`Catalogue::embedded`] is a fresh, uncached instance and [`Catalogue::from_parts`] one
//!   over other bytes in the same formats.
//! - [`Schema`], [`Node`], [`Property`], [`Flags`], [`Function`] (`model.rs`): the compact
//!   schema model, structure only (no descriptions).
//! - [`Violation`], [`ViolationKind`], [`Severity`] (`validate.rs`): `Schema::validate` of a
//!   request body: unknown properties with did-you-mean, read-only, wrong JSON type, enums
//!   (case-only mismatch is a warning), missing required, bounds; each with its JSON path.
//! - [`Returned`] (`returned.rs`): `Schema::returned(path)`, whether a GET can return an
//!   attribute (missing with a suggestion, write-only, or not knowable below a map).
//! - [`behaviour`]: curated per-type facts the schemas do not carry, one file each: naming
//!   rules ([`naming`]), the layer of a type ([`layer_for`]), soft delete ([`soft_delete`]),
//!   diagnostic-setting categories ([`diagnostics`]), replace-on-change paths
//!   ([`replace_on_change`]), the api-version each built-in module writes ([`api_versions`]),
//!   and in `behaviour` itself settings singletons, children deleted with their parent and
//!   write serialisation families. No other crate keeps a per-type table.
//! - [`version`]: ordering of api-versions. [`format`]: the artefact's file formats, shared
//!   with the generator (strata-azure-gen). [`CatalogueError`] (`error.rs`).

pub mod behaviour;
mod catalogue;
mod error;
pub mod format;
mod model;
mod returned;
mod validate;
pub mod version;

pub use behaviour::{api_versions, diagnostics, layer_for, naming, replace_on_change, soft_delete};
pub use catalogue::{Catalogue, ResourceTypeEntry};
pub use error::CatalogueError;
pub use format::VersionEntry;
pub use model::{Flags, Function, Node, NodeId, Property, Schema};
pub use returned::Returned;
pub use validate::{Severity, Violation, ViolationKind, suggest};
