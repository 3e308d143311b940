//! How an emulator is started: where it listens, where it keeps its data, how slow it is.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::faults::FaultConfig;
use crate::identity::AuthConfig;
use crate::throttle::ThrottleConfig;
use crate::tls::TlsConfig;

/// Everything [`crate::start`] needs.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// The socket to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `None` keeps the estate in memory; `Some` persists it there so it survives restarts.
    pub data_dir: Option<PathBuf>,
    /// How long long-running operations take, per resource type.
    pub latency: Latency,
    /// `Some` requires bearer tokens on every ARM request and serves the identity endpoint;
    /// `None` (the default) lets every request in.
    pub auth: Option<AuthConfig>,
    /// `Some` throttles like ARM (token buckets, `x-ms-ratelimit-remaining-*` headers, 429).
    pub throttle: Option<ThrottleConfig>,
    /// `Some` injects faults, reproducibly for a seed.
    pub faults: Option<FaultConfig>,
    /// `Some` serves https (ARM and the identity endpoints) with a certificate made at start;
    /// `None` (the default) serves plain http.
    pub tls: Option<TlsConfig>,
    /// Refuse api-versions newer than the type catalogue knows (by default they are served
    /// with the newest schema and a `Warning` header).
    pub strict_api_versions: bool,
    /// Refuse request bodies holding anything Azure would ignore or refuse per its published
    /// type definitions (unknown or read-only properties, case-only mismatches), instead of
    /// dropping it as ARM does: for tests of what a client sends.
    pub strict_bodies: bool,
    /// Regions out from the start (`westeurope`), for disaster-recovery drills: requests about
    /// resources there answer 503 and their long-running operations stall until the region is
    /// restored (`POST /_emulator/regions/{region}/restore`).
    pub region_outages: Vec<String>,
    /// How far Resource Graph trails the estate (`--graph-lag`): its queries answer with the
    /// estate as it was that long ago. Zero (the default) answers with the estate as it is.
    pub graph_lag: Duration,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data_dir: None,
            latency: Latency::default(),
            auth: None,
            throttle: None,
            faults: None,
            tls: None,
            strict_api_versions: false,
            strict_bodies: false,
            region_outages: Vec::new(),
            graph_lag: Duration::ZERO,
        }
    }
}

/// Provisioning latency: a default duration plus per-type overrides.
///
/// Types are full ARM types (`Microsoft.Network/virtualNetworks/subnets`) compared
/// case-insensitively. The latency of `Microsoft.Resources/resourceGroups` is the time a resource
/// group takes to delete. Synchronous types (resource groups' PUT, generic resources) ignore it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latency {
    default: Duration,
    /// Lowercase full type and its duration.
    overrides: Vec<(String, Duration)>,
}

impl Default for Latency {
    /// Azure's typical provisioning times, scaled down (roughly a second for a minute) so that
    /// a local run stays quick while clients still see every operation go through its
    /// non-terminal states, and the slow types stay the slow ones.
    fn default() -> Self {
        let ms = Duration::from_millis;
        let table: &[(&str, u64)] = &[
            ("microsoft.resources/resourcegroups", 200),
            ("microsoft.network/virtualnetworks", 150),
            ("microsoft.network/virtualnetworks/subnets", 100),
            ("microsoft.network/networksecuritygroups", 100),
            ("microsoft.network/networksecuritygroups/securityrules", 100),
            ("microsoft.network/publicipaddresses", 150),
            ("microsoft.network/networkinterfaces", 150),
            ("microsoft.network/privateendpoints", 300),
            ("microsoft.network/applicationgateways", 1500),
            ("microsoft.network/privatednszones", 200),
            ("microsoft.network/privatednszones/virtualnetworklinks", 300),
            ("microsoft.network/frontdoorwebapplicationfirewallpolicies", 300),
            ("microsoft.storage/storageaccounts", 300),
            // An account failover: typically about an hour.
            ("microsoft.storage/storageaccounts/failover", 1000),
            ("microsoft.keyvault/vaults", 300),
            ("microsoft.keyvault/deletedvaults", 300),
            ("microsoft.compute/virtualmachines", 800),
            ("microsoft.compute/virtualmachinescalesets", 1000),
            ("microsoft.web/serverfarms", 300),
            ("microsoft.web/sites", 400),
            ("microsoft.dbforpostgresql/flexibleservers", 1500),
            ("microsoft.dbforpostgresql/flexibleservers/databases", 300),
            // Not an operation: how far geo-backups lag behind the server (Azure: up to 1 h).
            ("microsoft.dbforpostgresql/flexibleservers/geobackups", 2000),
            ("microsoft.operationalinsights/workspaces", 300),
            ("microsoft.cdn/profiles", 300),
            ("microsoft.cdn/profiles/afdendpoints", 400),
            ("microsoft.cdn/profiles/origingroups", 400),
            ("microsoft.cdn/profiles/origingroups/origins", 400),
            ("microsoft.cdn/profiles/afdendpoints/routes", 400),
            ("microsoft.cdn/profiles/securitypolicies", 400),
        ];
        Latency {
            default: ms(100),
            overrides: table.iter().map(|(t, d)| ((*t).to_string(), ms(*d))).collect(),
        }
    }
}

impl Latency {
    /// Every operation completes at once (the first poll already sees it finished).
    pub fn none() -> Latency {
        Latency {
            default: Duration::ZERO,
            overrides: Vec::new(),
        }
    }

    /// Parses the `--latency` flag: `200ms` (all types), `none`, or a comma-separated list of
    /// `type=duration` where the type `default` sets the fallback:
    /// `default=50ms,Microsoft.Network/virtualNetworks=300ms`.
    pub fn parse(spec: &str) -> Result<Latency, String> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Err("the latency is empty; use e.g. `200ms` or `default=50ms,Microsoft.Network/virtualNetworks=300ms`".into());
        }
        if spec.eq_ignore_ascii_case("none") {
            return Ok(Latency::none());
        }
        if !spec.contains('=') {
            return Ok(Latency {
                default: parse_duration(spec)?,
                overrides: Vec::new(),
            });
        }
        let mut latency = Latency::none();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((kind, value)) = item.split_once('=') else {
                return Err(format!(
                    "`{item}` is not `type=duration` (e.g. `Microsoft.Network/virtualNetworks=300ms`)"
                ));
            };
            let (kind, duration) = (kind.trim(), parse_duration(value.trim())?);
            if kind.eq_ignore_ascii_case("default") {
                latency.default = duration;
                continue;
            }
            let segments: Vec<&str> = kind.split('/').collect();
            if segments.len() < 2
                || segments.iter().any(|s| s.is_empty())
                || kind.contains(char::is_whitespace)
            {
                return Err(format!(
                    "`{kind}` is not a resource type (expected `Namespace/type[/childType]`, e.g. `Microsoft.Network/virtualNetworks`)"
                ));
            }
            let key = kind.to_ascii_lowercase();
            latency.overrides.retain(|(k, _)| *k != key);
            latency.overrides.push((key, duration));
        }
        Ok(latency)
    }

    /// The latency of `resource_type` (a full type, compared case-insensitively).
    pub fn for_type(&self, resource_type: &str) -> Duration {
        self.overrides
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(resource_type))
            .map_or(self.default, |(_, d)| *d)
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(s)
        .map_err(|e| format!("`{s}` is not a duration ({e}); use e.g. `150ms` or `2s`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_single_duration_for_all_types() {
        let l = Latency::parse("200ms").unwrap();
        assert_eq!(
            l.for_type("Microsoft.Network/virtualNetworks"),
            Duration::from_millis(200)
        );
        assert_eq!(l.for_type("anything/else"), Duration::from_millis(200));
    }

    #[test]
    fn parses_overrides_case_insensitively() {
        let l = Latency::parse("default=50ms, Microsoft.Network/virtualNetworks=300ms").unwrap();
        assert_eq!(
            l.for_type("microsoft.network/VIRTUALNETWORKS"),
            Duration::from_millis(300)
        );
        assert_eq!(
            l.for_type("Microsoft.Network/virtualNetworks/subnets"),
            Duration::from_millis(50)
        );
        let l = Latency::parse("Microsoft.Network/virtualNetworks=1s").unwrap();
        assert_eq!(l.for_type("Microsoft.Storage/storageAccounts"), Duration::ZERO);
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in ["", "fast", "default=", "virtualNetworks=1s", "a=b=c", "x/y=soon"] {
            assert!(Latency::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Latency::parse("none").unwrap(), Latency::none());
        assert_eq!(Latency::parse("0").unwrap(), Latency::none());
    }

    #[test]
    fn defaults_are_realistic_but_small() {
        let l = Latency::default();
        assert_eq!(
            l.for_type("Microsoft.Network/virtualNetworks"),
            Duration::from_millis(150)
        );
        assert_eq!(
            l.for_type("Microsoft.Resources/resourceGroups"),
            Duration::from_millis(200)
        );
        // The slow types stay the slow ones.
        assert!(
            l.for_type("Microsoft.Network/applicationGateways")
                > l.for_type("Microsoft.Compute/virtualMachines")
        );
        assert!(
            l.for_type("Microsoft.Compute/virtualMachines") > l.for_type("Microsoft.Storage/storageAccounts")
        );
        assert_eq!(
            Latency::none().for_type("Microsoft.Network/virtualNetworks"),
            Duration::ZERO
        );
    }
}
