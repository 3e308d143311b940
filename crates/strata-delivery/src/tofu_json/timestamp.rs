//! The plan's creation time as RFC 3339, the form OpenTofu writes in `timestamp`.

/// Plans record their creation time as Unix seconds; OpenTofu consumers expect
/// `2026-08-22T11:19:02Z`. Anything that is not a plain number of seconds is passed through
/// unchanged, so a plan that already carries RFC 3339 text keeps it.
pub(crate) fn rfc3339(created_at: &str) -> String {
    match created_at.trim().parse::<i64>() {
        Ok(seconds) => from_unix_seconds(seconds),
        Err(_) => created_at.to_string(),
    }
}

fn from_unix_seconds(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_become_rfc3339() {
        assert_eq!(rfc3339("0"), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339("951782400"), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339("1787397542"), "2026-08-22T11:19:02Z");
        assert_eq!(rfc3339("-1"), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn other_text_is_kept() {
        assert_eq!(rfc3339("2026-08-22T11:19:02Z"), "2026-08-22T11:19:02Z");
    }
}
