//! Typed errors of the catalogue.

use thiserror::Error;

#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CatalogueError {
    /// The embedded artefact could not be read (a build of strata with a damaged catalogue).
    #[error("the Azure type catalogue's {what} is damaged: {detail}; regenerate it with strata-azure-gen")]
    Corrupt { what: String, detail: String },
}
