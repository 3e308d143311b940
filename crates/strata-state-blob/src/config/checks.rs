//! Checks of single settings: Azure's naming rules, URLs, booleans, lease durations.

use std::time::Duration;

use strata_core::Secret;
use url::Url;

use super::{BlobAuth, MAX_LEASE_DURATION, MIN_LEASE_DURATION};
use crate::error::BlobConfigError;

pub(super) fn account_key(source: &'static str, key: String) -> Result<BlobAuth, BlobConfigError> {
    check_account_key(source, &key)?;
    Ok(BlobAuth::AccountKey(Secret::new(key)))
}

pub(super) fn check_account_key(source: &'static str, key: &str) -> Result<(), BlobConfigError> {
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(key.trim()) {
        Ok(bytes) if !bytes.is_empty() => Ok(()),
        _ => Err(BlobConfigError::BadAccountKey { origin: source }),
    }
}

/// `^[0-9a-z]{3,24}$`, as Azure (and OpenTofu) require.
pub(super) fn check_account_name(name: &str) -> Result<(), BlobConfigError> {
    let ok =
        (3..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(BlobConfigError::Invalid {
            key: "storage_account_name",
            value: name.to_string(),
            reason: "a storage account name is 3 to 24 lower-case letters and digits".into(),
        })
    }
}

/// Azure's container rules: 3 to 63 of lower-case letters, digits and single hyphens,
/// starting and ending with a letter or digit.
pub(super) fn check_container_name(name: &str) -> Result<(), BlobConfigError> {
    let b = name.as_bytes();
    let edge_ok = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && edge_ok(b.first())
        && edge_ok(b.last())
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(BlobConfigError::Invalid {
            key: "container_name",
            value: name.to_string(),
            reason: "a container name is 3 to 63 lower-case letters, digits and single hyphens, \
                     starting and ending with a letter or digit"
                .into(),
        })
    }
}

pub(super) fn check_blob_name(name: &str) -> Result<(), BlobConfigError> {
    let reason = if name.chars().count() > 1024 {
        Some("a blob name is at most 1024 characters")
    } else if name.ends_with('/') || name.ends_with('.') {
        Some("a blob name must not end with `/` or `.`")
    } else if name.starts_with('/') {
        Some("a blob name must not start with `/`")
    } else if name.contains('\\') || name.chars().any(char::is_control) {
        Some("a blob name must not contain `\\` or control characters")
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(r) => Err(BlobConfigError::Invalid {
            key: "key",
            value: name.to_string(),
            reason: r.into(),
        }),
    }
}

pub(super) fn parse_endpoint(key: &'static str, value: &str) -> Result<Url, BlobConfigError> {
    let invalid = |reason: String| BlobConfigError::Invalid {
        key,
        value: value.to_string(),
        reason,
    };
    let mut url = Url::parse(value.trim()).map_err(|e| invalid(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid(
            "expected an http(s) URL such as https://<account>.blob.core.windows.net".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "the endpoint takes no query string; give a SAS token with `sas_token`".into(),
        ));
    }
    // The SDK appends path segments: a trailing slash would leave an empty one.
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    Ok(url)
}

pub(super) fn parse_bool(key: &'static str, value: &str) -> Result<bool, BlobConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(BlobConfigError::Invalid {
            key,
            value: value.to_string(),
            reason: "expected true or false".into(),
        }),
    }
}

pub(super) fn parse_lease_duration(value: &str) -> Result<Duration, BlobConfigError> {
    let d = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(value).map_err(|e| BlobConfigError::Invalid {
            key: "lease_duration",
            value: value.to_string(),
            reason: format!("expected seconds or a duration such as `45s` ({e})"),
        })?,
    };
    check_lease_duration(d, value)?;
    Ok(d)
}

pub(super) fn check_lease_duration(d: Duration, shown: &str) -> Result<(), BlobConfigError> {
    if (MIN_LEASE_DURATION..=MAX_LEASE_DURATION).contains(&d) && d.subsec_nanos() == 0 {
        Ok(())
    } else {
        Err(BlobConfigError::Invalid {
            key: "lease_duration",
            value: shown.to_string(),
            reason: "Azure leases last a whole number of seconds from 15 to 60".into(),
        })
    }
}
