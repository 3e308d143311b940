//! ARM api-versions: `YYYY-MM-DD` with an optional suffix (`-preview`, `-beta`, `-privatepreview`).
//! Ordered by date; on the same date a suffixed (pre-release) version sorts before the stable one.

use std::cmp::Ordering;

/// Whether `v` is a stable (unsuffixed) api-version.
pub fn is_stable(v: &str) -> bool {
    date_part(v).is_some() && v.len() == 10
}

fn date_part(v: &str) -> Option<(u32, u32, u32)> {
    let d = v.get(..10)?;
    let mut it = d.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let day = it.next()?.parse().ok()?;
    Some((y, m, day))
}

/// Days since 0000-03-01 (proleptic Gregorian), for distances between versions.
pub(crate) fn day_number(v: &str) -> Option<i64> {
    let (y, m, d) = date_part(v)?;
    let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    Some(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + d - 1)
}

/// Total order over api-versions (see the module doc); unparseable versions sort first, by text.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (date_part(a), date_part(b)) {
        (Some(da), Some(db)) => da
            .cmp(&db)
            .then_with(|| is_stable(a).cmp(&is_stable(b)))
            .then_with(|| a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()))
            .then_with(|| a.cmp(b)),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_date_then_preview_before_stable() {
        let mut v = vec![
            "2024-07-01",
            "2023-01-01-preview",
            "2024-07-01-preview",
            "2015-05-01-preview",
            "2023-01-01",
        ];
        v.sort_by(|a, b| compare(a, b));
        assert_eq!(
            v,
            [
                "2015-05-01-preview",
                "2023-01-01-preview",
                "2023-01-01",
                "2024-07-01-preview",
                "2024-07-01"
            ]
        );
        assert!(is_stable("2024-07-01"));
        assert!(!is_stable("2024-07-01-preview"));
        assert_eq!(
            day_number("2024-03-01").unwrap() - day_number("2024-02-28").unwrap(),
            2
        );
    }
}
