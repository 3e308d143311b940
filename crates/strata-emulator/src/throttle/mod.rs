//! ARM's request throttling: token buckets per subscription (or tenant), principal and
//! operation class, a subscription-wide bucket over all principals, and Microsoft.Network's
//! own limit on writes.
//!
//! - [`ThrottleConfig`] / [`BucketLimits`]: the numbers (`--throttle`), ARM's by default:
//!   reads 250 refilled at 25/s, writes and deletes 200 at 10/s, the subscription-wide
//!   buckets 15 times a principal's, Microsoft.Network writes 1,000 per 5 minutes.
//! - `bucket`: one bucket on an explicit clock.
//! - `limiter`: the buckets of a running emulator; admits a request or answers 429
//!   `TooManyRequests` with `Retry-After` (whole seconds until the refill gives a token), and
//!   says what to put in the `x-ms-ratelimit-remaining-*` headers of every answer.

mod bucket;
mod limiter;

use std::time::Duration;

pub(crate) use limiter::{Class, Scope, Throttler};

/// The size and refill rate of one token bucket.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BucketLimits {
    /// Tokens in a full bucket: the requests that may be sent in a burst.
    pub capacity: u32,
    /// Tokens added per second (fractions allowed: `0.1` is one token every ten seconds).
    pub refill_per_second: f64,
}

impl BucketLimits {
    const fn new(capacity: u32, refill_per_second: f64) -> BucketLimits {
        BucketLimits {
            capacity,
            refill_per_second,
        }
    }

    /// The limits multiplied by `factor` (the subscription-wide buckets).
    fn times(self, factor: u32) -> BucketLimits {
        BucketLimits {
            capacity: self.capacity.saturating_mul(factor),
            refill_per_second: self.refill_per_second * f64::from(factor),
        }
    }
}

/// The throttling limits of an emulator.
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottleConfig {
    pub reads: BucketLimits,
    pub writes: BucketLimits,
    pub deletes: BucketLimits,
    /// The subscription-wide buckets (all principals together) hold this many times a
    /// principal's.
    pub global_factor: u32,
    /// Writes to Microsoft.Network per subscription; `None` for no provider limit.
    pub network_writes: Option<BucketLimits>,
}

impl Default for ThrottleConfig {
    /// ARM's documented limits.
    fn default() -> Self {
        ThrottleConfig {
            reads: BucketLimits::new(250, 25.0),
            writes: BucketLimits::new(200, 10.0),
            deletes: BucketLimits::new(200, 10.0),
            global_factor: 15,
            network_writes: Some(BucketLimits::new(1000, 1000.0 / 300.0)),
        }
    }
}

const SHAPE: &str =
    "use e.g. `default` or `reads=250/25,writes=200/10,deletes=200/10,global=15,network-writes=1000/5m`";

impl ThrottleConfig {
    /// Parses the `--throttle` flag: `default` (ARM's limits), or comma-separated changes to
    /// them: `reads=CAPACITY/RATE`, `writes=…`, `deletes=…` (RATE tokens per second, or
    /// `CAPACITY/DURATION` for "that many per duration"), `global=FACTOR`, and
    /// `network-writes=1000/5m` or `network-writes=off`.
    pub fn parse(spec: &str) -> Result<ThrottleConfig, String> {
        let mut config = ThrottleConfig::default();
        let spec = spec.trim();
        if spec.is_empty() || spec.eq_ignore_ascii_case("default") || spec.eq_ignore_ascii_case("on") {
            return Ok(config);
        }
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item.eq_ignore_ascii_case("default") {
                continue;
            }
            let Some((key, value)) = item.split_once('=') else {
                return Err(format!("`{item}` is not `name=value`; {SHAPE}"));
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "reads" => config.reads = parse_limits(value)?,
                "writes" => config.writes = parse_limits(value)?,
                "deletes" => config.deletes = parse_limits(value)?,
                "global" => {
                    config.global_factor = value
                        .parse::<u32>()
                        .ok()
                        .filter(|f| *f >= 1)
                        .ok_or_else(|| format!("`global={value}` needs a whole factor of at least 1"))?;
                }
                "network-writes" if value.eq_ignore_ascii_case("off") => config.network_writes = None,
                "network-writes" => config.network_writes = Some(parse_limits(value)?),
                _ => return Err(format!("`{key}` is not a throttle setting; {SHAPE}")),
            }
        }
        Ok(config)
    }
}

/// `CAPACITY/RATE` (tokens per second) or `CAPACITY/DURATION` (CAPACITY tokens per duration).
fn parse_limits(value: &str) -> Result<BucketLimits, String> {
    let bad =
        || format!("`{value}` is not CAPACITY/RATE (e.g. `250/25`) or CAPACITY/DURATION (e.g. `1000/5m`)");
    let (capacity, rate) = value.split_once('/').ok_or_else(bad)?;
    let capacity: u32 = capacity.trim().parse().ok().filter(|c| *c >= 1).ok_or_else(bad)?;
    let rate = rate.trim();
    let refill_per_second = match rate.parse::<f64>() {
        Ok(r) => r,
        Err(_) => {
            let period: Duration = humantime::parse_duration(rate).map_err(|_| bad())?;
            if period.is_zero() {
                return Err(bad());
            }
            f64::from(capacity) / period.as_secs_f64()
        }
    };
    if !refill_per_second.is_finite() || refill_per_second <= 0.0 {
        return Err(format!("`{value}` needs a refill rate above zero"));
    }
    Ok(BucketLimits {
        capacity,
        refill_per_second,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_arms() {
        let c = ThrottleConfig::parse("default").unwrap();
        assert_eq!(c, ThrottleConfig::default());
        assert_eq!(c.reads, BucketLimits::new(250, 25.0));
        assert_eq!(c.global_factor, 15);
        let network = c.network_writes.unwrap();
        assert_eq!(network.capacity, 1000);
        assert!((network.refill_per_second * 300.0 - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn parses_changes() {
        let c = ThrottleConfig::parse("reads=10/0.5, writes=5/1m,global=2,network-writes=off").unwrap();
        assert_eq!(c.reads, BucketLimits::new(10, 0.5));
        assert_eq!(c.writes.capacity, 5);
        assert!((c.writes.refill_per_second - 5.0 / 60.0).abs() < 1e-12);
        assert_eq!(c.deletes, ThrottleConfig::default().deletes);
        assert_eq!((c.global_factor, c.network_writes), (2, None));
        assert_eq!(
            ThrottleConfig::parse("network-writes=100/10")
                .unwrap()
                .network_writes,
            Some(BucketLimits::new(100, 10.0))
        );
        assert_eq!(BucketLimits::new(2, 1.5).times(3), BucketLimits::new(6, 4.5));
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "reads",
            "reads=250",
            "reads=0/1",
            "reads=10/0",
            "reads=10/-1",
            "reads=10/0s",
            "reads=x/1",
            "global=0",
            "bogus=1/1",
            "network-writes=1000/soon",
        ] {
            assert!(ThrottleConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
