//! Why an emulator could not start.
//!
//! Errors served to clients are ARM error envelopes built by the protocol layer; this type is
//! only for the process that hosts the emulator.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot use the data directory {}: {source}", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "the data directory {} is in use by another emulator; stop it or choose another directory",
        path.display()
    )]
    DataDirLocked { path: PathBuf },

    #[error(
        "the emulator store {} is unreadable: {reason}; move the file away to start from an empty estate",
        path.display()
    )]
    CorruptStore { path: PathBuf, reason: String },

    #[error("cannot make the emulator's TLS certificate: {0}")]
    Tls(String),

    #[error("cannot write the emulator's certificate to {}: {source}; check that its folder exists", path.display())]
    CertFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
