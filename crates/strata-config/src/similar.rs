//! "Did you mean …?" suggestions and lists of allowed names for hints.

/// Levenshtein distance, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Candidates close to `name`, closest first (at most three).
pub(crate) fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = distance(&lower, &c.to_ascii_lowercase());
            let limit = (name.chars().count().max(c.chars().count()) / 3).max(1);
            let contains = c.len() >= 3 && (lower.contains(&c.to_ascii_lowercase()) || c.contains(&lower));
            (d <= limit || contains).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// `did you mean `x`?` when something is close, else the full list:
/// `<what>: a, b, c`.
pub(crate) fn hint<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    let near = similar(name, candidates.clone());
    let all: Vec<&str> = candidates.into_iter().collect();
    let list = if all.is_empty() {
        format!("there are no {what}")
    } else {
        format!("{what}: {}", all.join(", "))
    };
    match near.as_slice() {
        [] => list,
        [one] => format!("did you mean `{one}`? {list}"),
        many => format!(
            "did you mean one of {}? {list}",
            many.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(similar("cidrsubnt", ["cidrsubnet", "cidrhost", "upper"]), vec!["cidrsubnet"]);
        assert!(similar("zzz", ["cidrsubnet"]).is_empty());
        let h = hint("locaton", "allowed", ["location", "name"]);
        assert!(h.starts_with("did you mean `location`?"), "{h}");
        assert!(h.ends_with("allowed: location, name"), "{h}");
    }
}
