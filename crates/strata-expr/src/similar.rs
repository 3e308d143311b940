//! "Did you mean …?" suggestions and lists of allowed names for hints.

/// Edit distance by characters, where swapping two neighbours counts as one edit (typos
/// like `tpye` are one step from `type`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Candidates close to `name`, closest first (at most three).
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
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

/// Lists longer than this are left out of hints that have a close match.
const LONG_LIST: usize = 12;

/// `did you mean `x`?` when something is close, else the full list:
/// `<what>: a, b, c`.
pub fn hint<'a>(name: &str, what: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    let near = similar(name, candidates.clone());
    let all: Vec<&str> = candidates.into_iter().collect();
    let list = if all.is_empty() {
        format!("there are no {what}")
    } else {
        format!("{what}: {}", all.join(", "))
    };
    // A long list adds nothing to a close match.
    let list = if all.len() > LONG_LIST && !near.is_empty() {
        String::new()
    } else {
        format!(" {list}")
    };
    let near: Vec<String> = near.iter().map(|c| format!("`{c}`")).collect();
    match near.as_slice() {
        [] => list.trim_start().to_string(),
        [one] => format!("did you mean {one}?{list}"),
        many => format!("did you mean one of {}?{list}", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("tpye", "type"), 1);
        assert_eq!(
            similar("cidrsubnt", ["cidrsubnet", "cidrhost", "upper"]),
            vec!["cidrsubnet"]
        );
        assert!(similar("zzz", ["cidrsubnet"]).is_empty());
        let h = hint("locaton", "allowed", ["location", "name"]);
        assert!(h.starts_with("did you mean `location`?"), "{h}");
        assert!(h.ends_with("allowed: location, name"), "{h}");
    }
}
