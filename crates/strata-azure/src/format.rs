//! The artefact's file formats, written by strata-azure-gen and read here, so both sides
//! share one definition.
//!
//! - `index.txt.gz`: one line per resource type, sorted case-insensitively:
//!   `Type<TAB>version;rs;ws;fn1,fn2<TAB>version;rs;ws;...` (versions sorted by [`crate::version::compare`],
//!   `rs`/`ws` the readable/writable scope bits, then the resource functions).
//! - `schemas/<type lowercased, '/' as '.'>.json.gz`: a JSON array of [`Schema`], one per api-version.
//!
//! Compression is gzip (flate2 with the zlib-rs backend pinned, mtime 0) so the bytes are
//! reproducible.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::CatalogueError;
use crate::model::Schema;

/// One api-version of one resource type in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    pub version: String,
    pub readable_scopes: u32,
    pub writable_scopes: u32,
    pub functions: Vec<String>,
}

/// One resource type in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// As published by its newest api-version (case preserved).
    pub name: String,
    pub versions: Vec<VersionEntry>,
}

/// File name (under `schemas/`) of a type's schema file.
pub fn schema_file_name(resource_type: &str) -> String {
    format!("{}.json.gz", resource_type.to_ascii_lowercase().replace('/', "."))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

pub fn gunzip(bytes: &[u8], what: &str) -> Result<Vec<u8>, CatalogueError> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| CatalogueError::Corrupt {
            what: what.to_string(),
            detail: e.to_string(),
        })?;
    Ok(out)
}

pub fn encode_index(entries: &[IndexEntry]) -> Vec<u8> {
    let mut s = String::new();
    for e in entries {
        s.push_str(&e.name);
        for v in &e.versions {
            s.push('\t');
            s.push_str(&format!(
                "{};{};{};{}",
                v.version,
                v.readable_scopes,
                v.writable_scopes,
                v.functions.join(",")
            ));
        }
        s.push('\n');
    }
    gzip(s.as_bytes())
}

pub fn decode_index(bytes: &[u8]) -> Result<Vec<IndexEntry>, CatalogueError> {
    let raw = gunzip(bytes, "index")?;
    let text = String::from_utf8(raw).map_err(|e| corrupt("index", e))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split('\t');
        let name = fields.next().unwrap_or_default().to_string();
        let mut versions = Vec::new();
        for f in fields {
            let mut parts = f.split(';');
            let (Some(version), Some(rs), Some(ws), Some(fns)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(corrupt("index", format!("line {}: bad version entry", n + 1)));
            };
            versions.push(VersionEntry {
                version: version.to_string(),
                readable_scopes: rs.parse().map_err(|e| corrupt("index", e))?,
                writable_scopes: ws.parse().map_err(|e| corrupt("index", e))?,
                functions: fns
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            });
        }
        out.push(IndexEntry { name, versions });
    }
    Ok(out)
}

pub fn encode_schemas(schemas: &[Schema]) -> Result<Vec<u8>, CatalogueError> {
    let json = serde_json::to_vec(schemas).map_err(|e| corrupt("schemas", e))?;
    Ok(gzip(&json))
}

pub fn decode_schemas(bytes: &[u8], what: &str) -> Result<Vec<Schema>, CatalogueError> {
    let raw = gunzip(bytes, what)?;
    serde_json::from_slice(&raw).map_err(|e| corrupt(what, e))
}

fn corrupt(what: &str, e: impl ToString) -> CatalogueError {
    CatalogueError::Corrupt {
        what: what.to_string(),
        detail: e.to_string(),
    }
}
