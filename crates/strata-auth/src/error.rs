//! [`AuthError`]: why no token could be had, in words that say what to change.
//!
//! Messages name the variable to fix and never a secret's value: a rejection's text comes from
//! the server, and is scrubbed of the secrets that were sent to it before it is kept.

use std::fmt;
use std::path::PathBuf;

use strata_arm::ArmError;

use crate::chain::CredentialKind;

/// A credential could not be configured, or could not produce a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A variable holds a value that cannot be used.
    #[error("{var} is set to an unusable value: {problem}")]
    InvalidSetting { var: String, problem: String },
    /// A credential was asked for, but something it needs is missing.
    #[error("{credential} authentication is switched on by {switch}, but {missing}")]
    Incomplete {
        credential: CredentialKind,
        switch: String,
        missing: String,
    },
    /// Nothing to authenticate with.
    #[error("no Azure credential is configured: {hint}")]
    NoCredential { hint: String },
    /// A file named by a variable cannot be read.
    #[error("cannot read the {what} `{path}` (from {var}): {source}")]
    File {
        what: &'static str,
        path: PathBuf,
        var: String,
        #[source]
        source: std::io::Error,
    },
    /// The certificate file cannot be used.
    #[error("the certificate file `{path}` (from {var}) {problem}")]
    Certificate {
        path: PathBuf,
        var: String,
        problem: String,
    },
    /// The identity service refused the request.
    #[error("{0}")]
    Rejected(Box<Rejection>),
    /// The identity service could not be reached.
    #[error("cannot reach {service} at {endpoint}: {message}")]
    Unreachable {
        service: &'static str,
        endpoint: String,
        message: String,
    },
    /// The identity service answered something that is not a token.
    #[error("{service} answered something that cannot be used: {message}")]
    InvalidResponse { service: &'static str, message: String },
    /// `az account get-access-token` failed.
    #[error("the Azure CLI could not provide a token: {message}")]
    AzureCli { message: String },
    /// A pre-obtained token is past its expiry.
    #[error("the token in {var} expired at {expired_at}; {hint}")]
    Expired {
        var: String,
        expired_at: String,
        hint: String,
    },
}

impl AuthError {
    pub(crate) fn invalid(var: impl Into<String>, problem: impl Into<String>) -> AuthError {
        AuthError::InvalidSetting {
            var: var.into(),
            problem: problem.into(),
        }
    }

    /// For [`strata_arm::TokenCredential`], whose callers expect an [`ArmError`].
    pub(crate) fn into_arm(self) -> ArmError {
        let message = self.to_string();
        ArmError::auth_with_source(message, self)
    }
}

/// An identity service's refusal: its OAuth error, its `AADSTS` code, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// Who refused: "Microsoft Entra ID", "the managed identity endpoint", …
    pub service: &'static str,
    pub status: u16,
    /// The OAuth `error` (`invalid_client`, `invalid_request`, …).
    pub error: Option<String>,
    /// Entra's error number, e.g. `AADSTS7000215`.
    pub aadsts: Option<String>,
    /// The first line of the service's description, scrubbed of secrets.
    pub description: Option<String>,
    /// Entra's correlation id, to quote to Microsoft support.
    pub correlation_id: Option<String>,
    /// What to change, naming the variable concerned.
    pub hint: Option<String>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused the token request", self.service)?;
        if let Some(hint) = &self.hint {
            write!(f, ": {hint}")?;
        }
        match (&self.aadsts, &self.description) {
            (Some(code), Some(d)) if d.starts_with(code.as_str()) => write!(f, " [{d}]")?,
            (Some(code), Some(d)) => write!(f, " [{code}: {d}]")?,
            (Some(code), None) => write!(f, " [{code}]")?,
            (None, Some(d)) => write!(f, " [{d}]")?,
            (None, None) => {}
        }
        let mut extra = vec![format!("HTTP {}", self.status)];
        if let Some(e) = &self.error {
            extra.push(e.clone());
        }
        if let Some(id) = &self.correlation_id {
            extra.push(format!("correlation id {id}"));
        }
        write!(f, " ({})", extra.join(", "))
    }
}

/// Replaces every occurrence of a secret in a server's text, in case it echoes one back.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        // Very short values would blank out ordinary words; they are not secrets worth hiding.
        if secret.len() >= 6 {
            out = out.replace(secret, "<redacted>");
        }
    }
    out
}

/// At most `max` characters of the first line of `text`.
pub(crate) fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    match line.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_display() {
        let r = Rejection {
            service: "Microsoft Entra ID",
            status: 401,
            error: Some("invalid_client".into()),
            aadsts: Some("AADSTS7000215".into()),
            description: Some("AADSTS7000215: Invalid client secret provided.".into()),
            correlation_id: Some("c-1".into()),
            hint: Some("the client secret is wrong or expired (ARM_CLIENT_SECRET)".into()),
        };
        assert_eq!(
            r.to_string(),
            "Microsoft Entra ID refused the token request: the client secret is wrong or expired \
             (ARM_CLIENT_SECRET) [AADSTS7000215: Invalid client secret provided.] \
             (HTTP 401, invalid_client, correlation id c-1)"
        );
        let bare = Rejection {
            service: "the managed identity endpoint",
            status: 500,
            error: None,
            aadsts: None,
            description: None,
            correlation_id: None,
            hint: None,
        };
        assert_eq!(
            bare.to_string(),
            "the managed identity endpoint refused the token request (HTTP 500)"
        );
    }

    #[test]
    fn scrubbing_and_lines() {
        assert_eq!(
            scrub("bad s3cr3t-value here", &["s3cr3t-value"]),
            "bad <redacted> here"
        );
        assert_eq!(scrub("a b", &["a"]), "a b");
        assert_eq!(first_line("\n  one\r\ntwo", 10), "one");
        assert_eq!(first_line("abcdef", 3), "abc…");
    }
}
