//! Reproducible fault injection (`--faults SPEC --seed N`): the failures Azure shows a
//! client that runs at scale, on request.
//!
//! Each fault, and when it is decided:
//! - **transient** (500 `InternalServerError` / 503 `ServiceUnavailable`): before the request
//!   is processed; nothing changes.
//! - **dropped** (the connection is closed without an answer): *after* the request was
//!   processed. A dropped write did happen; the client must find that out.
//! - **read-after-create** (404 on reads for a while after a successful create): the window is
//!   opened when the create succeeds; each read in it is answered 404 before being processed.
//! - **slow long-running operations** (latency multiplied): decided before the write, applied
//!   to the operations it schedules; the outcome is unchanged, only later.
//! - **conflict** (409 `AnotherOperationInProgress` on writes to Microsoft.Network child
//!   resources): before the request is processed. No resource changes, but, as in Azure, the
//!   answer comes from an operation that holds the top-level resource: someone else's, which
//!   lasts as long as a write of that type and whose status is served at the uri the message
//!   names (the Network RP's "… To retrieve status of the operation use uri: …").
//! - **not provisioned** (429 `RetryableError` / `ReferencedResourceNotProvisioned` on a PUT
//!   that references another resource): before the request is processed; nothing changes.
//!
//! Decisions are reproducible: each is a hash of the seed, the fault, the method and path,
//! and how many times that method and path were requested before. The same requests give the
//! same faults whatever the interleaving of requests to other resources. The identity
//! endpoint, `/metadata/*` and `/_emulator/*` never see a fault.

mod engine;

use std::time::Duration;

pub(crate) use engine::{Draw, Faults};

/// Which faults, at what rates. Rates are shares (`0.05` = 5%).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// Requests answered 500 or 503 instead of being served.
    pub transient: f64,
    /// Requests served whose answer is then dropped.
    pub dropped: f64,
    /// Creates whose resource then answers 404 to reads for
    /// [`FaultSpec::read_after_create_window`].
    pub read_after_create: f64,
    pub read_after_create_window: Duration,
    /// Writes whose long-running operations take [`FaultSpec::slow_factor`] times as long.
    pub slow: f64,
    pub slow_factor: f64,
    /// Writes to Microsoft.Network child resources answered `AnotherOperationInProgress`.
    pub conflict: f64,
    /// PUTs that reference another resource answered `ReferencedResourceNotProvisioned`.
    pub not_provisioned: f64,
}

impl Default for FaultSpec {
    /// No faults.
    fn default() -> Self {
        FaultSpec {
            transient: 0.0,
            dropped: 0.0,
            read_after_create: 0.0,
            read_after_create_window: Duration::from_millis(500),
            slow: 0.0,
            slow_factor: 1.0,
            conflict: 0.0,
            not_provisioned: 0.0,
        }
    }
}

/// A fault mix and the seed that makes it reproducible.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    pub spec: FaultSpec,
    pub seed: u64,
}

impl FaultConfig {
    /// A seed for runs that were not given one (print it, so the run can be reproduced).
    pub fn random_seed() -> u64 {
        let mut bytes = [0u8; 8];
        if aws_lc_rs::rand::fill(&mut bytes).is_err() {
            // Unpredictability hardly matters here; a changing seed does.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            return (nanos as u64) ^ u64::from(std::process::id());
        }
        u64::from_le_bytes(bytes)
    }
}

const SHAPE: &str = "use `default`, or e.g. `transient=5%,drop=2%,read-after-create=5%/500ms,slow-lro=x2,conflict=2%,not-provisioned=2%`";

impl FaultSpec {
    /// A realistic mix: 5% transient errors, 5% of creates unreadable for 500 ms, 2% dropped
    /// answers, every long-running operation twice as slow, 2% extra parallel-write conflicts
    /// and 2% references to resources still provisioning.
    pub fn realistic() -> FaultSpec {
        FaultSpec {
            transient: 0.05,
            dropped: 0.02,
            read_after_create: 0.05,
            read_after_create_window: Duration::from_millis(500),
            slow: 1.0,
            slow_factor: 2.0,
            conflict: 0.02,
            not_provisioned: 0.02,
        }
    }

    /// Parses the `--faults` flag: `default` (the [realistic](FaultSpec::realistic) mix),
    /// `none`, or comma-separated `fault=rate` items, applied in order (`default,transient=10%`
    /// is the default mix with more transient errors). Rates are `5%` or `0.05`:
    /// `transient`, `drop`, `read-after-create=RATE[/WINDOW]`, `slow-lro=[RATE]xFACTOR`,
    /// `conflict`, `not-provisioned`.
    pub fn parse(spec: &str) -> Result<FaultSpec, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err(format!("the fault spec is empty; {SHAPE}"));
        }
        let mut out = FaultSpec::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item.eq_ignore_ascii_case("default") {
                out = FaultSpec::realistic();
                continue;
            }
            if item.eq_ignore_ascii_case("none") {
                out = FaultSpec::default();
                continue;
            }
            let Some((key, value)) = item.split_once('=') else {
                return Err(format!("`{item}` is not `fault=rate`; {SHAPE}"));
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "transient" => out.transient = parse_rate(value)?,
                "drop" | "dropped" => out.dropped = parse_rate(value)?,
                "read-after-create" => {
                    let (rate, window) = match value.split_once('/') {
                        Some((rate, window)) => (rate, Some(window.trim())),
                        None => (value, None),
                    };
                    out.read_after_create = parse_rate(rate)?;
                    if let Some(window) = window {
                        out.read_after_create_window = humantime::parse_duration(window)
                            .map_err(|e| format!("`{window}` is not a duration ({e}); use e.g. `500ms`"))?;
                    }
                }
                "slow-lro" | "slow" => (out.slow, out.slow_factor) = parse_slow(value)?,
                "conflict" => out.conflict = parse_rate(value)?,
                "not-provisioned" => out.not_provisioned = parse_rate(value)?,
                other => return Err(format!("`{other}` is not a fault; {SHAPE}")),
            }
        }
        Ok(out)
    }

    /// True when no fault can happen.
    pub fn is_none(&self) -> bool {
        self.transient == 0.0
            && self.dropped == 0.0
            && self.read_after_create == 0.0
            && (self.slow == 0.0 || self.slow_factor == 1.0)
            && self.conflict == 0.0
            && self.not_provisioned == 0.0
    }
}

/// `5%` or `0.05`, between 0 and 1.
fn parse_rate(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let rate = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    }
    .map_err(|_| format!("`{text}` is not a rate; use e.g. `5%` or `0.05`"))?;
    if !(0.0..=1.0).contains(&rate) {
        return Err(format!("`{text}` is not a rate between 0% and 100%"));
    }
    Ok(rate)
}

/// `x2` (every write), `20%x3`, or `2x`.
fn parse_slow(text: &str) -> Result<(f64, f64), String> {
    let bad = || format!("`{text}` is not [RATE]xFACTOR (e.g. `x2` or `20%x3`)");
    let lower = text.to_ascii_lowercase();
    let (rate, factor) = match lower.split_once('x') {
        Some((rate, factor)) if factor.trim().is_empty() => ("", rate),
        Some(parts) => parts,
        None => return Err(bad()),
    };
    let rate = if rate.trim().is_empty() {
        1.0
    } else {
        parse_rate(rate)?
    };
    let factor: f64 = factor.trim().parse().map_err(|_| bad())?;
    if !(1.0..=1000.0).contains(&factor) {
        return Err(format!("`{text}` needs a factor between 1 and 1000"));
    }
    Ok((rate, factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mixes() {
        assert_eq!(FaultSpec::parse("default").unwrap(), FaultSpec::realistic());
        let s = FaultSpec::parse("default, transient=10%, read-after-create=20%/1s").unwrap();
        assert_eq!((s.transient, s.read_after_create), (0.1, 0.2));
        assert_eq!(s.read_after_create_window, Duration::from_secs(1));
        assert_eq!(s.dropped, 0.02);
        let s = FaultSpec::parse("drop=0.5,slow-lro=25%x3,conflict=1%,not-provisioned=100%").unwrap();
        assert_eq!((s.dropped, s.slow, s.slow_factor), (0.5, 0.25, 3.0));
        assert_eq!((s.conflict, s.not_provisioned, s.transient), (0.01, 1.0, 0.0));
        assert_eq!(FaultSpec::parse("slow-lro=x2").unwrap().slow, 1.0);
        assert_eq!(FaultSpec::parse("slow-lro=4x").unwrap().slow_factor, 4.0);
        assert!(FaultSpec::parse("none").unwrap().is_none());
        assert!(FaultSpec::parse("default,none").unwrap().is_none());
        assert!(!FaultSpec::realistic().is_none());
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "",
            "transient",
            "transient=150%",
            "transient=-1",
            "transient=lots",
            "slow-lro=2",
            "slow-lro=x0.5",
            "read-after-create=5%/soon",
            "bogus=1%",
        ] {
            assert!(FaultSpec::parse(bad).is_err(), "{bad}");
        }
    }
}
