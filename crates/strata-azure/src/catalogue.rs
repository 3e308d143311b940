//! The catalogue over the embedded artefact: the index is read once, schemas lazily per type.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::error::CatalogueError;
use crate::format::{self, IndexEntry, VersionEntry};
use crate::model::Schema;
use crate::version;

static INDEX_BYTES: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/index.txt.gz"));

include!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/schemas.rs"));

/// The catalogue's provenance (upstream, commit, date, licence), written by the generator.
const PROVENANCE: &str = include_str!("../data/PROVENANCE.md");

/// Resource types and api-versions Azure publishes, with schemas for the types strata models.
#[derive(Debug)]
pub struct Catalogue {
    entries: Vec<ResourceTypeEntry>,
    /// Lowercased type → position in `entries`.
    by_name: HashMap<String, usize>,
    /// (lowercased type, file bytes), sorted by type.
    files: &'static [(&'static str, &'static [u8])],
    /// Lowercased type → its schemas by lowercased api-version, once loaded.
    cache: Mutex<HashMap<String, Arc<TypeSchemas>>>,
}

/// One resource type of the index.
#[derive(Debug, Clone)]
pub struct ResourceTypeEntry {
    /// Case as published by the newest api-version.
    pub name: String,
    /// Sorted oldest first ([`version::compare`]).
    pub versions: Vec<String>,
    details: Vec<VersionEntry>,
}

impl ResourceTypeEntry {
    /// Scopes and resource functions at one api-version (case-insensitive).
    pub fn version(&self, api_version: &str) -> Option<&VersionEntry> {
        self.details
            .iter()
            .find(|v| v.version.eq_ignore_ascii_case(api_version))
    }
}

#[derive(Debug, Default)]
struct TypeSchemas {
    by_version: HashMap<String, Arc<Schema>>,
}

impl Catalogue {
    /// The catalogue of the artefact embedded in this build, read on first use.
    pub fn global() -> Result<&'static Catalogue, CatalogueError> {
        static GLOBAL: OnceLock<Result<Catalogue, CatalogueError>> = OnceLock::new();
        GLOBAL
            .get_or_init(Catalogue::embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A fresh catalogue of the embedded artefact, with its own (empty) schema cache.
    /// [`Catalogue::global`] is what callers normally want.
    pub fn embedded() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_parts(INDEX_BYTES, SCHEMA_FILES)
    }

    /// A catalogue over an index and schema files in the artefact's formats
    /// ([`crate::format`]); `files` must be sorted by lowercased type.
    pub fn from_parts(
        index: &[u8],
        files: &'static [(&'static str, &'static [u8])],
    ) -> Result<Catalogue, CatalogueError> {
        let raw = format::decode_index(index)?;
        let mut entries = Vec::with_capacity(raw.len());
        let mut by_name = HashMap::with_capacity(raw.len());
        for IndexEntry { name, mut versions } in raw {
            versions.sort_by(|a, b| version::compare(&a.version, &b.version));
            by_name.insert(name.to_ascii_lowercase(), entries.len());
            entries.push(ResourceTypeEntry {
                name,
                versions: versions.iter().map(|v| v.version.clone()).collect(),
                details: versions,
            });
        }
        Ok(Catalogue {
            entries,
            by_name,
            files,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Every resource type in the index (child types included), sorted case-insensitively.
    pub fn resource_types(&self) -> impl Iterator<Item = &ResourceTypeEntry> {
        self.entries.iter()
    }

    /// The entry of one resource type, looked up case-insensitively as ARM does.
    pub fn resource_type(&self, resource_type: &str) -> Option<&ResourceTypeEntry> {
        self.by_name
            .get(&resource_type.to_ascii_lowercase())
            .and_then(|&i| self.entries.get(i))
    }

    /// Published api-versions of a type, oldest first; empty for an unknown type.
    pub fn api_versions(&self, resource_type: &str) -> &[String] {
        self.resource_type(resource_type)
            .map(|e| e.versions.as_slice())
            .unwrap_or_default()
    }

    /// Whether `api_version` is published for `resource_type` (both case-insensitive).
    pub fn has_version(&self, resource_type: &str, api_version: &str) -> bool {
        self.api_versions(resource_type)
            .iter()
            .any(|v| v.eq_ignore_ascii_case(api_version))
    }

    /// The newest stable (unsuffixed) api-version.
    pub fn latest_stable(&self, resource_type: &str) -> Option<&str> {
        self.api_versions(resource_type)
            .iter()
            .rev()
            .find(|v| version::is_stable(v))
            .map(String::as_str)
    }

    /// The date (`YYYY-MM-DD`) of the upstream commit the catalogue was generated from, as
    /// recorded in its provenance.
    pub fn snapshot_date() -> Option<&'static str> {
        PROVENANCE
            .lines()
            .find_map(|l| l.trim().strip_prefix("- commit date: "))
            .and_then(|d| d.get(..10))
    }

    /// Whether `api_version` is later than every version published for `resource_type` (a
    /// version Azure released after this catalogue was generated). False for an unknown type.
    pub fn is_newer_than_published(&self, resource_type: &str, api_version: &str) -> bool {
        self.api_versions(resource_type)
            .iter()
            .max_by(|a, b| version::compare(a, b))
            .is_some_and(|newest| version::compare(api_version, newest) == std::cmp::Ordering::Greater)
    }

    /// The schema to check a body sent at `api_version` against: that version's, or for a
    /// version newer than the catalogue knows, the newest published one. Returns the schema
    /// and the version it belongs to; `Ok(None)` as for [`Catalogue::schema`].
    pub fn schema_for(
        &self,
        resource_type: &str,
        api_version: &str,
    ) -> Result<Option<Arc<Schema>>, CatalogueError> {
        if let Some(s) = self.schema(resource_type, api_version)? {
            return Ok(Some(s));
        }
        if !self.is_newer_than_published(resource_type, api_version) {
            return Ok(None);
        }
        let newest = self
            .api_versions(resource_type)
            .iter()
            .filter(|v| version::is_stable(v))
            .max_by(|a, b| version::compare(a, b))
            .or_else(|| {
                self.api_versions(resource_type)
                    .iter()
                    .max_by(|a, b| version::compare(a, b))
            });
        match newest {
            Some(v) => self.schema(resource_type, v),
            None => Ok(None),
        }
    }

    /// Up to three published api-versions closest in date to `api_version`, closest first
    /// (for "api-version X is not published for T; nearest are ..."). Empty for an unknown type.
    pub fn nearest_versions(&self, resource_type: &str, api_version: &str) -> Vec<&str> {
        let versions = self.api_versions(resource_type);
        let Some(target) = version::day_number(api_version) else {
            // Not a date: offer the newest ones.
            return versions.iter().rev().take(3).map(String::as_str).collect();
        };
        let mut scored: Vec<(i64, bool, &str)> = versions
            .iter()
            .map(|v| {
                let d = version::day_number(v).map_or(i64::MAX, |d| (d - target).abs());
                (d, !version::is_stable(v), v.as_str())
            })
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, _, v)| v).collect()
    }

    /// Whether the artefact carries full schemas for this type.
    pub fn has_schemas(&self, resource_type: &str) -> bool {
        self.file(resource_type).is_some()
    }

    /// Types whose full schemas are embedded (lowercased).
    pub fn types_with_schemas(&self) -> impl Iterator<Item = &'static str> {
        self.files.iter().map(|(t, _)| *t)
    }

    fn file(&self, resource_type: &str) -> Option<&'static [u8]> {
        let key = resource_type.to_ascii_lowercase();
        self.files
            .binary_search_by(|(t, _)| (*t).cmp(key.as_str()))
            .ok()
            .and_then(|i| self.files.get(i))
            .map(|(_, b)| *b)
    }

    /// The schema of a type at an api-version (both case-insensitive). `Ok(None)` when the
    /// type has no embedded schemas or does not publish that version. The type's schema file
    /// is decompressed on first use and cached.
    pub fn schema(
        &self,
        resource_type: &str,
        api_version: &str,
    ) -> Result<Option<Arc<Schema>>, CatalogueError> {
        let key = resource_type.to_ascii_lowercase();
        let Some(bytes) = self.file(&key) else {
            return Ok(None);
        };
        let cached = self.lock_cache().get(&key).cloned();
        let schemas = match cached {
            Some(s) => s,
            None => {
                let decoded = format::decode_schemas(bytes, &format::schema_file_name(&key))?;
                let mut t = TypeSchemas::default();
                for s in decoded {
                    t.by_version
                        .insert(s.api_version.to_ascii_lowercase(), Arc::new(s));
                }
                let t = Arc::new(t);
                self.lock_cache().insert(key, t.clone());
                t
            }
        };
        Ok(schemas.by_version.get(&api_version.to_ascii_lowercase()).cloned())
    }

    /// The api-versions (oldest first) whose schema of `resource_type` has the property at
    /// `path` (case-insensitive names; arrays are stepped through): for hints such as
    /// "`x` is published up to 2024-04-01". Empty when the type has no embedded schemas.
    pub fn versions_with_property(
        &self,
        resource_type: &str,
        path: &[&str],
    ) -> Result<Vec<String>, CatalogueError> {
        let mut out = Vec::new();
        for v in self.api_versions(resource_type) {
            if let Some(s) = self.schema(resource_type, v)?
                && s.property(path).is_some()
            {
                out.push(v.clone());
            }
        }
        Ok(out)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TypeSchemas>>> {
        // A poisoned cache only means another thread panicked while inserting; the map is
        // still consistent (inserts are single calls).
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}
