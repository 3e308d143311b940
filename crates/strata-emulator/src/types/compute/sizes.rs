//! The VM sizes the emulator offers, in every region and zone. A size outside the list is
//! refused as the compute provider refuses a size its region does not offer: `InvalidParameter`
//! on `vmSize`.

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

/// The size in Azure's casing. A size outside the list is one the emulator's regions do not
/// offer, answered as the compute provider answers a size not valid in the region:
/// `InvalidParameter` on `vmSize` (400), listing the sizes offered. (Azure's `SkuNotAvailable`,
/// for a size the region has but the subscription may not use now, has no cause here.)
pub(crate) fn check(size: &str, location: &str) -> Result<&'static str, ArmError> {
    SIZES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(size))
        .copied()
        .ok_or_else(|| {
            ArmError::bad_request(
                "InvalidParameter",
                format!(
                    "The value {size} provided for the VM size is not valid. The sizes the strata emulator offers in \
                     '{location}' are: {}.",
                    SIZES.join(", ")
                ),
            )
            .with_target("vmSize".to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_matched_case_insensitively() {
        assert_eq!(check("standard_b2s", "westeurope").unwrap(), "Standard_B2s");
        for size in ["Standard_M416ms_v2", "Standard_Huge", "big"] {
            let e = check(size, "westeurope").unwrap_err();
            assert_eq!((e.status.as_u16(), e.code()), (400, "InvalidParameter"), "{size}");
        }
    }
}
