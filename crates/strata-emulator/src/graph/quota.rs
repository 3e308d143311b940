//! Resource Graph's per-user quota: 15 queries per 5-second window, counted per caller; every
//! answer says what is left (`x-ms-user-quota-remaining`) and when the window starts afresh
//! (`x-ms-user-quota-resets-after`, `hh:mm:ss`). Only an emulator throttling like Azure
//! (`--throttle`) refuses the query past the quota (429 with `Retry-After`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Queries per window.
pub(crate) const QUERIES: u32 = 15;
/// The window.
pub(crate) const WINDOW: Duration = Duration::from_secs(5);

/// What the quota says about one query.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Count {
    pub remaining: u32,
    pub resets_after: Duration,
    /// The quota was used up before this query.
    pub exceeded: bool,
}

impl Count {
    pub fn headers(&self) -> [(&'static str, String); 2] {
        let s = self.resets_after.as_secs() + u64::from(self.resets_after.subsec_nanos() > 0);
        [
            ("x-ms-user-quota-remaining", self.remaining.to_string()),
            (
                "x-ms-user-quota-resets-after",
                format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60),
            ),
        ]
    }

    /// Whole seconds until the window resets (at least 1).
    pub fn retry_after(&self) -> u64 {
        (self.resets_after.as_secs() + u64::from(self.resets_after.subsec_nanos() > 0)).max(1)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Quota {
    /// Per caller: when its window started and the queries counted in it.
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Quota {
    /// Counts a query of `caller` at `now` (a refused one is not counted).
    pub fn count(&self, caller: &str, now: Instant) -> Count {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let window = windows.entry(caller.to_ascii_lowercase()).or_insert((now, 0));
        if now.saturating_duration_since(window.0) >= WINDOW {
            *window = (now, 0);
        }
        let exceeded = window.1 >= QUERIES;
        if !exceeded {
            window.1 += 1;
        }
        Count {
            remaining: QUERIES - window.1,
            resets_after: WINDOW.saturating_sub(now.saturating_duration_since(window.0)),
            exceeded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_caller_and_window() {
        let q = Quota::default();
        let t0 = Instant::now();
        for left in (0..QUERIES).rev() {
            let c = q.count("a", t0);
            assert_eq!((c.remaining, c.exceeded), (left, false));
        }
        let over = q.count("A", t0 + Duration::from_millis(1500));
        assert!(over.exceeded);
        assert_eq!(over.retry_after(), 4);
        assert_eq!(over.headers()[1].1, "00:00:04");
        assert!(!q.count("b", t0).exceeded);
        let fresh = q.count("a", t0 + WINDOW);
        assert_eq!((fresh.remaining, fresh.exceeded), (QUERIES - 1, false));
        assert_eq!(fresh.headers()[1].1, "00:00:05");
    }
}
