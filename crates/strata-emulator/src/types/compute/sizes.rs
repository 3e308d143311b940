//! The VM sizes the emulator offers, in every region and zone. A size outside the list is
//! answered as Azure answers a size it cannot give: `SkuNotAvailable`.

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

/// The size in Azure's casing, or `SkuNotAvailable` for `resource_id`.
pub(crate) fn check(
    size: &str,
    resource_id: &str,
    location: &str,
    zones: &[String],
    subscription: &str,
) -> Result<&'static str, ArmError> {
    SIZES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(size))
        .copied()
        .ok_or_else(|| {
            ArmError::new(
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
            )
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
        let e = check("Standard_Huge", "/vm", "westeurope", &["1".into()], "s").unwrap_err();
        assert_eq!((e.status.as_u16(), e.code()), (409, "SkuNotAvailable"));
    }
}
