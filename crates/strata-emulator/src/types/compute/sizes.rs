//! The VM sizes the emulator offers, in every region and zone. A real size outside the list is
//! answered as Azure answers a size it cannot give (`SkuNotAvailable`); a name that is no size
//! at all, as the compute provider refuses it (`InvalidParameter` on `vmSize`).

use axum::http::StatusCode;

use crate::protocol::ArmError;

const SIZES: &[&str] = &[
    "Standard_A1_v2",
    "Standard_A2_v2",
    "Standard_A4_v2",
    "Standard_B1ls",
    "Standard_B1s",
    "Standard_B1ms",
    "Standard_B2s",
    "Standard_B2ms",
    "Standard_B4ms",
    "Standard_B8ms",
    "Standard_B2ats_v2",
    "Standard_B2als_v2",
    "Standard_B2as_v2",
    "Standard_B4als_v2",
    "Standard_B2pts_v2",
    "Standard_DS1_v2",
    "Standard_DS2_v2",
    "Standard_DS3_v2",
    "Standard_D2s_v3",
    "Standard_D4s_v3",
    "Standard_D8s_v3",
    "Standard_D2s_v4",
    "Standard_D4s_v4",
    "Standard_D2s_v5",
    "Standard_D4s_v5",
    "Standard_D8s_v5",
    "Standard_D16s_v5",
    "Standard_D2ds_v5",
    "Standard_D4ds_v5",
    "Standard_D2as_v5",
    "Standard_D4as_v5",
    "Standard_D2ads_v5",
    "Standard_D2s_v6",
    "Standard_D4s_v6",
    "Standard_D2as_v6",
    "Standard_E2s_v5",
    "Standard_E4s_v5",
    "Standard_E8s_v5",
    "Standard_E2ds_v5",
    "Standard_E4ds_v5",
    "Standard_F2s_v2",
    "Standard_F4s_v2",
    "Standard_F8s_v2",
];

/// The size in Azure's casing. A size Azure does not have at all is the compute provider's
/// `InvalidParameter` on `vmSize` (400); one it has but the emulator does not offer is answered as
/// Azure answers a size it cannot give in a region: `SkuNotAvailable` (409).
pub(crate) fn check(
    size: &str,
    resource_id: &str,
    location: &str,
    zones: &[String],
    subscription: &str,
) -> Result<&'static str, ArmError> {
    if let Some(s) = SIZES.iter().find(|s| s.eq_ignore_ascii_case(size)) {
        return Ok(s);
    }
    if !looks_like_a_size(size) {
        return Err(ArmError::bad_request(
            "InvalidParameter",
            format!(
                "The value {size} provided for the VM size is not valid. The sizes the strata emulator offers in \
                 '{location}' are: {}.",
                SIZES.join(", ")
            ),
        )
        .with_target("vmSize".to_string()));
    }
    Err(ArmError::new(
        StatusCode::CONFLICT,
        "SkuNotAvailable",
        format!(
            "The requested VM size for resource '{resource_id}' is currently not available in location \
             '{location}' zones '{}' for subscription '{subscription}'. Please try another size or deploy to \
             a different location or zones. See https://aka.ms/azureskunotavailable for details. (The strata \
             emulator offers: {}.)",
            zones.join(","),
            SIZES.join(", ")
        ),
    ))
}

/// Azure's size names: `Standard_` or `Basic_`, a family letter, then a digit somewhere
/// (`Standard_D2s_v5`, `Standard_NC24ads_A100_v4`).
fn looks_like_a_size(size: &str) -> bool {
    let rest = size
        .strip_prefix("Standard_")
        .or_else(|| size.strip_prefix("standard_"))
        .or_else(|| size.strip_prefix("Basic_"))
        .or_else(|| size.strip_prefix("basic_"));
    rest.is_some_and(|r| {
        r.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && r.chars().any(|c| c.is_ascii_digit())
            && r.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_matched_case_insensitively() {
        assert_eq!(
            check("standard_b2s", "/vm", "westeurope", &[], "s").unwrap(),
            "Standard_B2s"
        );
        let e = check("Standard_M416ms_v2", "/vm", "westeurope", &["1".into()], "s").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code()), (409, "SkuNotAvailable"));
        let e = check("Standard_Huge", "/vm", "westeurope", &[], "s").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code()), (400, "InvalidParameter"));
        let e = check("big", "/vm", "westeurope", &[], "s").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code()), (400, "InvalidParameter"));
    }
}
