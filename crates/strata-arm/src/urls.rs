//! Turning ARM ids into URLs, and deciding which URLs a server may send us to.
//!
//! Ids are paths joined to the endpoint (whose own path, if any, is kept as a prefix), with
//! `api-version` added. URLs that come from the server (`Location`, `Azure-AsyncOperation`,
//! `nextLink`) are followed only to the endpoint's own scheme, host and port: they receive
//! the bearer token, which must never leave for another host.

use url::Url;

use crate::error::ArmError;

/// `endpoint` + `path` (which may carry its own query, e.g. `$filter`) + `api-version`.
pub(crate) fn resource_url(endpoint: &Url, path: &str, api_version: &str) -> Result<Url, ArmError> {
    if !path.starts_with('/') {
        return Err(ArmError::invalid_request(format!(
            "`{path}` is not an ARM path: it must start with `/`"
        )));
    }
    let (path_part, query) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    if path_part.contains('#') || path_part.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(ArmError::invalid_request(format!(
            "`{path_part}` is not an ARM path: it contains `#`, `.` or `..` segments"
        )));
    }
    let mut url = endpoint.clone();
    let prefix = endpoint.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path_part}"));
    url.set_query(query.filter(|q| !q.is_empty()));
    url.set_fragment(None);
    with_api_version(&mut url, api_version);
    Ok(url)
}

/// Adds `api-version` unless the URL already has one (a `nextLink` usually does).
pub(crate) fn with_api_version(url: &mut Url, api_version: &str) {
    if !url
        .query_pairs()
        .any(|(k, _)| k.eq_ignore_ascii_case("api-version"))
    {
        url.query_pairs_mut().append_pair("api-version", api_version);
    }
}

/// Resolves a server-given link against the request it came with, refusing other origins.
pub(crate) fn follow(endpoint: &Url, base: &Url, link: &str) -> Result<Url, ArmError> {
    let url = base
        .join(link.trim())
        .map_err(|e| ArmError::invalid_response(format!("the server sent an unusable link: {e}")))?;
    let same_origin = url.scheme() == endpoint.scheme()
        && url.port_or_known_default() == endpoint.port_or_known_default()
        && match (url.host_str(), endpoint.host_str()) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        };
    if !same_origin {
        // Name the host only: the rest of the link may carry a signature.
        return Err(ArmError::invalid_response(format!(
            "refusing to follow a link to {}://{} (the endpoint is {}): the bearer token is only sent to the endpoint",
            url.scheme(),
            url.host_str().unwrap_or("?"),
            endpoint.origin().ascii_serialization(),
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Url {
        s.parse().unwrap()
    }

    #[test]
    fn ids_become_urls() {
        let id = "/subscriptions/s/resourceGroups/my rg(1)/providers/Microsoft.Network/virtualNetworks/v";
        let u = resource_url(&ep("https://management.azure.com"), id, "2024-07-01").unwrap();
        assert_eq!(
            u.as_str(),
            "https://management.azure.com/subscriptions/s/resourceGroups/my%20rg(1)/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-07-01"
        );
        let u = resource_url(&ep("http://127.0.0.1:9/arm/"), "/subscriptions/s", "1").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/arm/subscriptions/s?api-version=1");
    }

    #[test]
    fn queries_are_kept_and_api_version_not_doubled() {
        let e = ep("https://management.azure.com");
        let u = resource_url(&e, "/subscriptions/s/resources?$filter=tagName eq 'a'", "1").unwrap();
        assert_eq!(u.query(), Some("$filter=tagName%20eq%20%27a%27&api-version=1"));
        let u = resource_url(&e, "/subscriptions/s?api-version=2", "1").unwrap();
        assert_eq!(u.query(), Some("api-version=2"));
    }

    #[test]
    fn bad_paths_are_rejected() {
        let e = ep("https://management.azure.com");
        for bad in ["subscriptions/s", "/subscriptions/../x", "/subscriptions/s#x", ""] {
            assert!(resource_url(&e, bad, "1").is_err(), "{bad}");
        }
    }

    #[test]
    fn links_stay_on_the_endpoint_origin() {
        let e = ep("https://management.azure.com");
        let base = resource_url(&e, "/subscriptions/s", "1").unwrap();
        assert!(follow(&e, &base, "https://MANAGEMENT.azure.com:443/op/1?api-version=1").is_ok());
        assert_eq!(
            follow(&e, &base, "/op/2").unwrap().as_str(),
            "https://management.azure.com/op/2"
        );
        let err = follow(&e, &base, "https://evil.example/op?sig=abc").unwrap_err();
        assert!(err.message().contains("evil.example") && !err.message().contains("sig=abc"));
        assert!(follow(&e, &base, "http://management.azure.com/op").is_err());
        assert!(follow(&e, &base, "https://management.azure.com:8443/op").is_err());
    }
}
