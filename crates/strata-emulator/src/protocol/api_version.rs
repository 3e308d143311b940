//! The `api-version` rules: always required, always a date, and for the providers the emulator
//! models, one of the versions that provider really publishes.

use super::reply::ArmError;

/// Stable Microsoft.Network versions (the same for every Network type).
pub(crate) const NETWORK_VERSIONS: &[&str] = &[
    "2025-05-01",
    "2025-03-01",
    "2025-01-01",
    "2024-10-01",
    "2024-07-01",
    "2024-05-01",
    "2024-03-01",
    "2024-01-01",
    "2023-11-01",
    "2023-09-01",
    "2023-06-01",
    "2023-05-01",
    "2023-04-01",
    "2023-02-01",
    "2022-11-01",
    "2022-09-01",
    "2022-07-01",
    "2022-05-01",
    "2022-01-01",
    "2021-08-01",
    "2021-05-01",
    "2021-03-01",
    "2021-02-01",
    "2020-11-01",
    "2020-08-01",
    "2020-07-01",
    "2020-06-01",
    "2020-05-01",
    "2020-04-01",
    "2020-03-01",
    "2019-12-01",
    "2019-11-01",
    "2019-09-01",
    "2019-08-01",
    "2019-07-01",
    "2019-06-01",
    "2019-04-01",
    "2019-02-01",
    "2018-12-01",
    "2018-11-01",
    "2018-10-01",
    "2018-08-01",
    "2018-07-01",
    "2018-06-01",
    "2018-04-01",
    "2018-02-01",
    "2018-01-01",
    "2017-11-01",
    "2017-10-01",
    "2017-09-01",
    "2017-08-01",
    "2017-06-01",
    "2017-03-01",
    "2016-12-01",
    "2016-09-01",
    "2016-06-01",
    "2016-03-30",
    "2015-06-15",
];

/// Microsoft.Resources versions (resource groups, generic resource lists).
pub(crate) const RESOURCES_VERSIONS: &[&str] = &[
    "2025-04-01",
    "2025-03-01",
    "2025-01-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-09-01",
    "2021-04-01",
    "2021-01-01",
    "2020-10-01",
    "2020-08-01",
    "2020-06-01",
    "2019-10-01",
    "2019-08-01",
    "2019-07-01",
    "2019-05-10",
    "2019-05-01",
    "2019-03-01",
    "2018-05-01",
    "2018-02-01",
    "2017-05-10",
    "2016-09-01",
    "2016-07-01",
    "2016-02-01",
    "2015-11-01",
    "2014-04-01",
];

/// True for `yyyy-MM-dd` optionally followed by a `-preview`-style suffix.
pub(crate) fn is_well_formed(v: &str) -> bool {
    let (date, suffix) = match v.get(..10) {
        Some(d) => (d, &v[10..]),
        None => return false,
    };
    let b = date.as_bytes();
    let date_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok();
    let suffix_ok = suffix.is_empty()
        || (suffix.len() > 1
            && suffix.starts_with('-')
            && suffix[1..].chars().all(|c| c.is_ascii_alphanumeric()));
    date_ok && suffix_ok
}

/// Checks the syntax of any api-version.
pub(crate) fn check_format(v: &str) -> Result<(), ArmError> {
    if is_well_formed(v) {
        Ok(())
    } else {
        Err(ArmError::bad_request(
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{v}' is invalid. The api-version must be a date in the format \
                 'yyyy-MM-dd', optionally followed by a suffix such as '-preview'."
            ),
        ))
    }
}

/// Whether Azure publishes `v` for `resource_type`, per the type catalogue (Microsoft's
/// published type definitions): the emulator accepts every published version of a type it
/// models, not only the ones listed by hand here.
fn published(resource_type: &str, v: &str) -> bool {
    let resource_type = versions_of(resource_type);
    strata_azure::Catalogue::global().is_ok_and(|c| c.has_version(resource_type, v))
        || released_since_catalogue(resource_type, v, chrono::Utc::now().date_naive())
}

/// Collections that are not resource types of their own are served at the api-versions of the
/// type they hold: soft-deleted vaults and workspaces at their providers' versions.
fn versions_of(resource_type: &str) -> &str {
    const SERVED_AS: &[(&str, &str)] = &[
        ("Microsoft.KeyVault/deletedVaults", "Microsoft.KeyVault/vaults"),
        (
            "Microsoft.OperationalInsights/deletedWorkspaces",
            "Microsoft.OperationalInsights/workspaces",
        ),
    ];
    SERVED_AS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(resource_type))
        .map_or(resource_type, |(_, of)| of)
}

/// How far past today an api-version may be dated and still be taken for a real release (Azure
/// dates some versions a few weeks ahead of their rollout).
const RELEASE_AHEAD_DAYS: i64 = 62;

/// How long before the catalogue's snapshot a version may be dated and still be missing from
/// it: the published definitions lag some services by more than a year (the network SDK's
/// default 2026-03-01 and the Web SDK's 2025-05-01 were not in the August 2026 definitions).
/// Older versions a type does not publish are refused, as ARM refuses them.
const CATALOGUE_LAG_DAYS: i64 = 730;

/// Whether `v` is newer than every version the type catalogue publishes for `resource_type`,
/// dated within two years before the catalogue's snapshot or later, and not in the future: a version Azure released after the catalogue was generated
/// (the current SDKs' defaults often are). The emulator serves it with the newest schema it
/// knows and says so in a `Warning` header, unless it runs with strict api-versions.
pub(crate) fn released_since_catalogue(resource_type: &str, v: &str, today: chrono::NaiveDate) -> bool {
    let Some(date) = v
        .get(..10)
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return false;
    };
    let recent_enough = strata_azure::Catalogue::snapshot_date()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|snapshot| date > snapshot - chrono::Duration::days(CATALOGUE_LAG_DAYS));
    recent_enough
        && date <= today + chrono::Duration::days(RELEASE_AHEAD_DAYS)
        && strata_azure::Catalogue::global().is_ok_and(|c| c.is_newer_than_published(resource_type, v))
}

/// The `Warning` header (RFC 7234, code 299) for a request at a version newer than the
/// catalogue: which schema serves it.
pub(crate) fn newer_version_warning(resource_type: &str, v: &str) -> String {
    let served = strata_azure::Catalogue::global()
        .ok()
        .and_then(|c| c.latest_stable(resource_type).map(str::to_string))
        .unwrap_or_default();
    format!(
        "299 strata-emulator \"api-version {v} of {resource_type} is newer than the published \
         type definitions the emulator carries; served with {served}'s schema\""
    )
}

/// The error strict api-versions answer for a version newer than the catalogue.
pub(crate) fn unpublished(resource_type: &str, v: &str, location: &str) -> ArmError {
    let short_type = resource_type.split_once('/').map_or(resource_type, |(_, t)| t);
    let known = strata_azure::Catalogue::global()
        .map(|c| {
            let mut all = c.api_versions(resource_type).to_vec();
            all.reverse();
            all.join(", ")
        })
        .unwrap_or_default();
    ArmError::bad_request(
        "NoRegisteredProviderFound",
        format!(
            "No registered resource provider found for location '{location}' and API version '{v}' \
             for type '{short_type}'. The supported api-versions are '{known}'."
        ),
    )
}

/// The versions to quote in an error: the hand list and the catalogue's, newest first.
fn supported_versions(list: &[&str], resource_type: &str) -> Vec<String> {
    let mut all: Vec<String> = list.iter().map(|v| (*v).to_string()).collect();
    if let Ok(c) = strata_azure::Catalogue::global() {
        for v in c.api_versions(resource_type) {
            if !all.iter().any(|a| a.eq_ignore_ascii_case(v)) {
                all.push(v.clone());
            }
        }
    }
    all.sort_by(|a, b| b.cmp(a));
    all
}

/// Checks an api-version of Microsoft.Resources itself (resource groups).
pub(crate) fn check_resources(v: &str) -> Result<(), ArmError> {
    check_format(v)?;
    const GROUPS: &str = "Microsoft.Resources/resourceGroups";
    if RESOURCES_VERSIONS.contains(&v) || published(GROUPS, v) {
        return Ok(());
    }
    Err(ArmError::bad_request(
        "InvalidApiVersionParameter",
        format!(
            "The api-version '{v}' is invalid. The supported versions are '{}'.",
            supported_versions(RESOURCES_VERSIONS, GROUPS).join(",")
        ),
    ))
}

/// Checks an api-version against a provider's list for a resource type, as ARM does before
/// calling the provider.
pub(crate) fn check_provider(
    v: &str,
    supported: Option<&[&str]>,
    resource_type: &str,
    location: &str,
) -> Result<(), ArmError> {
    check_format(v)?;
    let Some(list) = supported else {
        return Ok(());
    };
    if list.contains(&v) || published(resource_type, v) {
        return Ok(());
    }
    let short_type = resource_type.split_once('/').map_or(resource_type, |(_, t)| t);
    Err(ArmError::bad_request(
        "NoRegisteredProviderFound",
        format!(
            "No registered resource provider found for location '{location}' and API version '{v}' \
             for type '{short_type}'. The supported api-versions are '{}'.",
            supported_versions(list, resource_type).join(", ")
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        for ok in ["2024-07-01", "2021-05-01-preview", "2023-01-01-beta"] {
            assert!(is_well_formed(ok), "{ok}");
        }
        for bad in [
            "",
            "latest",
            "2024-7-01",
            "2024-13-01",
            "2024-07-01-",
            "2024-07-01preview",
            "2024/07/01",
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn provider_lists() {
        assert!(
            check_provider(
                "2024-07-01",
                Some(NETWORK_VERSIONS),
                "Microsoft.Network/virtualNetworks",
                "x"
            )
            .is_ok()
        );
        let e = check_provider(
            "2099-01-01",
            Some(NETWORK_VERSIONS),
            "Microsoft.Network/virtualNetworks",
            "westeurope",
        )
        .unwrap_err();
        assert_eq!(e.code(), "NoRegisteredProviderFound");
        assert!(e.body.message.contains("for type 'virtualNetworks'"));
        assert!(check_provider("2099-01-01", None, "Contoso.Things/widgets", "x").is_ok());
        assert!(check_resources("2024-11-01").is_ok());
        // Every version Azure publishes for a modelled type is accepted, listed by hand or not.
        let catalogue = strata_azure::Catalogue::global().unwrap();
        let extra: Vec<&String> = catalogue
            .api_versions("Microsoft.Network/virtualNetworks")
            .iter()
            .filter(|v| !NETWORK_VERSIONS.contains(&v.as_str()))
            .collect();
        assert!(
            !extra.is_empty(),
            "the catalogue publishes versions the hand list lacks"
        );
        for v in extra {
            assert!(
                check_provider(
                    v,
                    Some(NETWORK_VERSIONS),
                    "Microsoft.Network/virtualNetworks",
                    "x"
                )
                .is_ok(),
                "{v}"
            );
        }
        let e = check_provider(
            "2099-01-01",
            Some(NETWORK_VERSIONS),
            "Microsoft.Network/virtualNetworks",
            "x",
        )
        .unwrap_err();
        assert!(
            e.body.message.contains("2024-07-01"),
            "the error lists the published versions"
        );
        assert_eq!(
            check_resources("2011-01-01").unwrap_err().code(),
            "InvalidApiVersionParameter"
        );
    }

    #[test]
    fn versions_released_after_the_catalogue() {
        let vnets = "Microsoft.Network/virtualNetworks";
        let catalogue = strata_azure::Catalogue::global().unwrap();
        let newest = catalogue.api_versions(vnets).last().unwrap().clone();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        // A version after the newest published one, dated before today: a later release.
        let year: i32 = newest[..4].parse().unwrap();
        let later = format!("{}-01-01", year + 1);
        assert!(released_since_catalogue(
            vnets,
            &later,
            chrono::NaiveDate::from_ymd_opt(year + 1, 6, 1).unwrap()
        ));
        // Published versions and older unpublished ones are not "newer".
        assert!(!released_since_catalogue(vnets, &newest, today));
        assert!(!released_since_catalogue(vnets, "2015-02-02", today));
        // Newer than a type's sparse versions but long before the snapshot: refused.
        assert!(!released_since_catalogue(
            "Microsoft.Network/privateDnsZones",
            "2024-07-01",
            today
        ));
        assert!(strata_azure::Catalogue::snapshot_date().is_some());
        // Far in the future: no release is dated there.
        assert!(!released_since_catalogue(vnets, "2099-01-01", today));
        // Unknown types and malformed versions never are.
        assert!(!released_since_catalogue("Contoso.Things/widgets", &later, today));
        assert!(!released_since_catalogue(vnets, "latest", today));
        let w = newer_version_warning(vnets, &later);
        assert!(w.starts_with("299 "), "{w}");
        assert!(w.contains(catalogue.latest_stable(vnets).unwrap()), "{w}");
        assert_eq!(
            unpublished(vnets, &later, "westeurope").code(),
            "NoRegisteredProviderFound"
        );
    }
}
