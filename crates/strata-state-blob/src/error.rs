//! Errors: bad backend settings ([`BlobConfigError`]), and what the blob service answered,
//! turned into [`StateError`]s that say what to do.
//!
//! Nothing here prints a secret: settings errors never echo a key or SAS, and transport
//! messages have any SAS signature (`sig=`) blanked before they reach a message.

use azure_core::error::ErrorKind;
use strata_state::StateError;

/// A `backend "azurerm"` setting that is missing, malformed or not supported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BlobConfigError {
    #[error(
        "the azurerm backend needs `{key}`: set it in the backend block or pass \
         -backend-config {key}=..."
    )]
    Missing { key: &'static str },

    #[error("invalid azurerm backend setting `{key}` = `{value}`: {reason}")]
    Invalid {
        key: &'static str,
        value: String,
        reason: String,
    },

    #[error("the azurerm backend does not take `{key}`; settings it knows: {accepted}")]
    Unknown { key: String, accepted: String },

    #[error(
        "`{key}` is an OpenTofu credential setting that strata does not take: strata signs in to \
         storage with Entra ID the same way as to ARM (az login, or the AZURE_* variables), or \
         with `access_key` / `sas_token`"
    )]
    Unsupported { key: String },

    #[error("conflicting azurerm backend settings {keys}: {reason}")]
    Conflict {
        keys: &'static str,
        reason: &'static str,
    },

    #[error(
        "the storage account key from {origin} is not valid: it should be the base64 key shown \
         under the account's Access keys"
    )]
    BadAccountKey { origin: &'static str },

    #[error(
        "the azurerm backend authenticates with Entra ID here but no credential was supplied; \
         sign in (az login, or the AZURE_* variables), or set `access_key` or `sas_token`"
    )]
    NoCredential,

    #[error("cannot set up the blob client for {url}: {message}")]
    Client { url: String, message: String },
}

/// The parts of a failed call that decide what it means.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    /// The service's message (first line), or the transport error, with secrets blanked.
    pub message: String,
}

impl Failure {
    pub fn from_azure(e: &azure_core::Error) -> Failure {
        match e.kind() {
            ErrorKind::HttpResponse {
                status,
                error_code,
                raw_response,
            } => {
                let body_message = raw_response
                    .as_ref()
                    .and_then(|r| xml_element(r.body(), "Message"))
                    .map(|m| m.lines().next().unwrap_or_default().trim().to_string());
                let code = error_code
                    .clone()
                    .or_else(|| raw_response.as_ref().and_then(|r| xml_element(r.body(), "Code")));
                Failure {
                    status: Some(u16::from(*status)),
                    code,
                    message: redact(&body_message.unwrap_or_else(|| status.to_string())),
                }
            }
            _ => {
                let mut message = e.to_string();
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    let text = s.to_string();
                    if !message.contains(&text) {
                        message.push_str(": ");
                        message.push_str(&text);
                    }
                    source = s.source();
                }
                Failure {
                    status: None,
                    code: None,
                    message: redact(&message),
                }
            }
        }
    }

    pub fn is(&self, code: &str) -> bool {
        self.code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code))
    }

    pub fn status_is(&self, status: u16) -> bool {
        self.status == Some(status)
    }

    /// The lease named in the request is not the blob's (any more): released, broken,
    /// expired and re-taken, or never there.
    pub fn is_lease_lost(&self) -> bool {
        [
            "LeaseIdMismatchWithBlobOperation",
            "LeaseIdMismatchWithLeaseOperation",
            "LeaseNotPresentWithBlobOperation",
            "LeaseNotPresentWithLeaseOperation",
            "LeaseLost",
            "LeaseIsBrokenAndCannotBeRenewed",
            "LeaseIsBreakingAndCannotBeAcquired",
            "LeaseIsBreakingAndCannotBeChanged",
        ]
        .iter()
        .any(|c| self.is(c))
    }

    /// `code: message`, or the message alone.
    pub fn detail(&self) -> String {
        match (&self.code, self.status) {
            (Some(c), _) => format!("{c}: {}", self.message),
            (None, Some(s)) => format!("HTTP {s}: {}", self.message),
            (None, None) => self.message.clone(),
        }
    }
}

/// Turns a failure into the [`StateError`] a user can act on. `doing` says what was being
/// done ("read the state"); `location` is the blob URL; `hint` is what to check on 401/403.
pub(crate) fn to_state_error(
    f: &Failure,
    doing: &str,
    location: &str,
    container: &str,
    hint: &str,
) -> StateError {
    let message = if f.is("ContainerNotFound") {
        format!(
            "container `{container}` does not exist: run `strata init` to create it (or check \
             `container_name`)"
        )
    } else if f.status_is(403) || f.status_is(401) {
        format!("access denied while trying to {doing} ({}); {hint}", f.detail())
    } else if f.is("LeaseIdMissing") || f.is("LeaseAlreadyPresent") {
        return StateError::Locked { holder: None };
    } else if f.is_lease_lost() {
        return StateError::LockNotHeld {
            location: location.to_string(),
            reason: format!("lost the state lock ({}); nothing more was written", f.detail()),
        };
    } else if f.is("ConditionNotMet") || f.status_is(412) {
        format!(
            "the state changed while this run was trying to {doing} ({}); another writer got \
             there first: run plan again",
            f.detail()
        )
    } else if f.is("AuthenticationFailed") {
        format!("cannot {doing}: {}; {hint}", f.detail())
    } else if f.status.is_none() && is_certificate_message(&f.message) {
        format!(
            "cannot {doing}: the blob endpoint's TLS certificate is not trusted on this machine \
             ({}); if it is signed by a private CA (a proxy, a private endpoint, an emulator), add \
             that CA to the trust store, or point SSL_CERT_FILE at a PEM bundle that includes it",
            f.detail()
        )
    } else if f.status.is_none() {
        format!(
            "cannot {doing}: the blob service did not answer ({}); check the network and the \
             storage account name or endpoint",
            f.detail()
        )
    } else {
        format!("cannot {doing}: {}", f.detail())
    };
    StateError::Backend {
        location: location.to_string(),
        message,
        source: None,
    }
}

/// A transport failure about the server's certificate (see `transport`).
fn is_certificate_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("certificate") || m.contains("unknownissuer")
}

/// The text of the first `<name>…</name>` element of an XML error body.
fn xml_element(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(text[start..end].to_string())
}

/// Blanks the value of every `sig=` query parameter: a SAS signature is the secret part of a
/// SAS URL, and transport errors quote the URL they failed on.
pub(crate) fn redact(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find("sig=") {
        let value_start = i + found + "sig=".len();
        out.push_str(&text[i..value_start]);
        out.push_str("REDACTED");
        let rest = &text[value_start..];
        let value_len = rest
            .find(|c: char| matches!(c, '&' | ')' | '(' | '"' | '\'' | '>' | '<') || c.is_whitespace())
            .unwrap_or(rest.len());
        i = value_start + value_len;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_sas_signatures() {
        let t = "error sending request for url (https://a.blob.core.windows.net/c/k?sv=2020&SIG=abc%2Bdef&se=1): boom";
        let r = redact(t);
        assert!(!r.contains("abc%2Bdef"), "{r}");
        assert!(r.contains("sv=2020") && r.contains("&se=1): boom"), "{r}");
        assert_eq!(redact("sig=x y sig=z"), "sig=REDACTED y sig=REDACTED");
        assert_eq!(redact("nothing here"), "nothing here");
    }

    #[test]
    fn reads_xml_error_parts() {
        let body = b"<?xml version=\"1.0\"?><Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.\nRequestId:1</Message></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("ContainerNotFound"));
        assert!(xml_element(body, "Message").unwrap().starts_with("The specified"));
        assert_eq!(xml_element(body, "Nope"), None);
    }

    fn failure(status: u16, code: &str) -> Failure {
        Failure {
            status: Some(status),
            code: Some(code.into()),
            message: "m".into(),
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = to_state_error(
            &failure(404, "ContainerNotFound"),
            "read the state",
            "u",
            "tfstate",
            "h",
        );
        assert!(
            e.to_string()
                .contains("container `tfstate` does not exist: run `strata init`"),
            "{e}"
        );
        let e = to_state_error(
            &failure(403, "AuthorizationFailure"),
            "read the state",
            "u",
            "c",
            "set ARM_ACCESS_KEY",
        );
        assert!(e.to_string().contains("ARM_ACCESS_KEY"), "{e}");
        let e = to_state_error(&failure(412, "LeaseIdMissing"), "write", "u", "c", "h");
        assert!(matches!(e, StateError::Locked { holder: None }));
        let e = to_state_error(
            &failure(412, "LeaseIdMismatchWithBlobOperation"),
            "write",
            "u",
            "c",
            "h",
        );
        assert!(e.to_string().contains("lost the state lock"), "{e}");
        let e = to_state_error(&failure(412, "ConditionNotMet"), "write the state", "u", "c", "h");
        assert!(e.to_string().contains("run plan again"), "{e}");
    }
}
