//! The graph's indexing lag: per row key, the versions of the row with the time each was
//! seen, a deletion being a version without a row. A query at time T reads each key's last
//! version at or before T − lag: a resource created since is absent, one deleted since still
//! there, one changed since as it was.
//!
//! Bounded: a key keeps its newest version at or before now − lag (what queries can still ask
//! for) and the ones after it, at most [`MAX_VERSIONS`]; a key whose visible version is a
//! deletion is forgotten. Only kept when the lag is above zero.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};

use super::rows::Entry;

/// Versions kept per key at most (the oldest go first).
const MAX_VERSIONS: usize = 16;

/// A row as seen from a time on (`None`: deleted).
type Version = (DateTime<Utc>, Option<Entry>);

#[derive(Debug, Default)]
pub(crate) struct History {
    rows: BTreeMap<String, VecDeque<Version>>,
}

impl History {
    /// Records what `key` holds at `at` (`None`: nothing), unless it holds that already.
    pub fn record(&mut self, key: String, entry: Option<Entry>, at: DateTime<Utc>) {
        if entry.is_none() && !self.rows.contains_key(&key) {
            return;
        }
        let versions = self.rows.entry(key).or_default();
        if versions.back().is_some_and(|(_, last)| *last == entry) {
            return;
        }
        versions.push_back((at, entry));
        while versions.len() > MAX_VERSIONS {
            versions.pop_front();
        }
    }

    /// The rows as they were at `at`, by key.
    pub fn at(&self, at: DateTime<Utc>) -> Vec<Entry> {
        self.rows
            .values()
            .filter_map(|versions| {
                versions
                    .iter()
                    .rev()
                    .find(|(t, _)| *t <= at)
                    .and_then(|(_, e)| e.clone())
            })
            .collect()
    }

    /// Forgets what no query can ask for any more: versions older than the one visible at
    /// `horizon` (now − lag), and keys deleted before it.
    pub fn prune(&mut self, horizon: DateTime<Utc>) {
        self.rows.retain(|_, versions| {
            while versions.len() > 1 && versions.get(1).is_some_and(|(t, _)| *t <= horizon) {
                versions.pop_front();
            }
            !(versions.is_empty()
                || versions.len() == 1
                    && versions
                        .front()
                        .is_some_and(|(t, e)| *t <= horizon && e.is_none()))
        });
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::kql::Table;
    use super::*;

    fn row(name: &str) -> Option<Entry> {
        Some((
            Table::Resources,
            json!({ "name": name }).as_object().cloned().unwrap(),
        ))
    }

    #[test]
    fn answers_as_of_a_time_and_forgets_what_is_past() {
        let t0 = Utc::now();
        let s = chrono::Duration::seconds;
        let mut h = History::default();
        h.record("a".into(), row("a1"), t0);
        h.record("a".into(), row("a1"), t0 + s(1));
        h.record("a".into(), row("a2"), t0 + s(2));
        h.record("b".into(), row("b"), t0 + s(1));
        h.record("b".into(), None, t0 + s(3));
        h.record("c".into(), None, t0);
        assert_eq!(h.at(t0 - s(1)).len(), 0);
        assert_eq!(h.at(t0).len(), 1);
        let at = h.at(t0 + s(2));
        assert_eq!(
            at.iter().map(|(_, r)| r["name"].clone()).collect::<Vec<_>>(),
            [json!("a2"), json!("b")]
        );
        assert_eq!(h.at(t0 + s(3)).len(), 1);
        h.prune(t0 + s(2));
        assert_eq!(h.rows["a"].len(), 1);
        assert_eq!(h.at(t0 + s(2)).len(), 2);
        h.prune(t0 + s(3));
        assert_eq!(h.rows.len(), 1);
    }
}
