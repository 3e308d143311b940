//! Optimistic concurrency on every resource, as ARM providers implement it: `If-Match` with an
//! etag (or `*`) writes or deletes only when the resource's current etag matches (or it
//! exists), and `If-None-Match: *` creates only when nothing is there; otherwise
//! `412 PreconditionFailed`. The current etag is the one the resource's document carries.

use axum::http::{HeaderMap, StatusCode};

use super::reply::ArmError;

/// The conditional headers of a request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
}

impl Preconditions {
    pub fn from_headers(headers: &HeaderMap) -> Preconditions {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Preconditions {
            if_match: get("if-match"),
            if_none_match: get("if-none-match"),
        }
    }

    /// Whether the request carries a condition at all (the current etag is read only then).
    pub fn any(&self) -> bool {
        self.if_match.is_some() || self.if_none_match.is_some()
    }

    /// Checks a write or delete against the resource's current etag (`None`: the resource does
    /// not exist; `Some(None)`: it exists and its type has no etag).
    pub fn check(&self, current: Option<Option<&str>>) -> Result<(), ArmError> {
        if let Some(expected) = &self.if_match {
            let ok = match current {
                None => false,
                Some(_) if expected == "*" => true,
                Some(Some(etag)) => list(expected).any(|e| same(e, etag)),
                Some(None) => false,
            };
            if !ok {
                return Err(failed(match current {
                    None => "The resource does not exist, and the request's If-Match header requires it to."
                        .to_string(),
                    Some(_) => format!(
                        "The specified precondition 'If-Match = {expected}' failed: the resource's etag has changed."
                    ),
                }));
            }
        }
        if let Some(expected) = &self.if_none_match
            && let Some(existing) = current
        {
            let blocked =
                expected == "*" || existing.is_some_and(|etag| list(expected).any(|e| same(e, etag)));
            if blocked {
                return Err(failed(format!(
                    "The specified precondition 'If-None-Match = {expected}' failed: the resource already exists."
                )));
            }
        }
        Ok(())
    }
}

fn list(header: &str) -> impl Iterator<Item = &str> {
    header.split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// Etags compare as sent, ignoring a weak prefix and the quotes on either side: some providers
/// hand out bare etags (private DNS record sets: a GUID) that the SDKs send back quoted.
fn same(a: &str, b: &str) -> bool {
    let bare = |e: &str| {
        let e = e.trim_start_matches("W/");
        e.strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(e)
            .to_string()
    };
    bare(a) == bare(b)
}

fn failed(message: String) -> ArmError {
    ArmError::new(StatusCode::PRECONDITION_FAILED, "PreconditionFailed", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(if_match: Option<&str>, if_none_match: Option<&str>) -> Preconditions {
        Preconditions {
            if_match: if_match.map(str::to_string),
            if_none_match: if_none_match.map(str::to_string),
        }
    }

    #[test]
    fn if_match_and_if_none_match() {
        let etag = "W/\"abc\"";
        assert!(p(None, None).check(None).is_ok());
        assert!(p(Some("W/\"abc\""), None).check(Some(Some(etag))).is_ok());
        assert!(p(Some("\"abc\""), None).check(Some(Some(etag))).is_ok());
        assert!(p(Some("\"x\", \"abc\""), None).check(Some(Some(etag))).is_ok());
        assert!(p(Some("*"), None).check(Some(None)).is_ok());
        let e = p(Some("\"zzz\""), None).check(Some(Some(etag))).unwrap_err();
        assert_eq!(
            (e.status, e.code()),
            (StatusCode::PRECONDITION_FAILED, "PreconditionFailed")
        );
        assert!(p(Some("*"), None).check(None).is_err());
        assert!(p(None, Some("*")).check(Some(Some(etag))).is_err());
        assert!(p(None, Some("*")).check(Some(None)).is_err());
        assert!(p(None, Some("*")).check(None).is_ok());
        assert!(p(None, Some("\"other\"")).check(Some(Some(etag))).is_ok());
    }
}
