//! An environment's `disaster_recovery { … }` block, resolved through inheritance and checked
//! on its own before anything is evaluated: the strategy, the targets, and a secondary region
//! that exists, differs from the primary, and defaults to the primary's documented pair.

use std::collections::BTreeMap;
use std::time::Duration;

use strata_azure::behaviour::regions;
use strata_core::{DisasterRecovery, DrStrategy};

use super::decl::EnvDecl;
use super::schema::{Attr, Reader};
use crate::similar;
use crate::source::Place;

/// The block's attributes, the nearest environment's winning per attribute, and the place of
/// the nearest block. `None` when no environment of the chain declares one.
pub(super) fn merged<'a>(chain: &[&'a EnvDecl]) -> Option<(&'a Place, BTreeMap<&'a str, &'a Attr>)> {
    let mut attrs = BTreeMap::new();
    let mut place = None;
    let mut any = None;
    for decl in chain.iter().rev() {
        if let Some((p, a)) = &decl.disaster_recovery {
            any = Some(p);
            // Diagnostics about the targets point at the nearest block that sets them, not at
            // one that only gives the standby its variables.
            if a.keys().any(|k| k != "variables") {
                place = Some(p);
            }
            for (k, v) in a {
                attrs.insert(k.as_str(), v);
            }
        }
    }
    place.or(any).map(|p| (p, attrs))
}

/// Resolves the block for an environment whose primary region is `primary`. `None` with
/// `strategy = "none"` (an environment switching off what it inherits) or after an error.
pub(super) fn resolve(
    r: &mut Reader<'_>,
    place: &Place,
    attrs: &BTreeMap<&str, &Attr>,
    primary: &str,
) -> Option<DisasterRecovery> {
    let strategy = match attrs.get("strategy") {
        None => {
            let d = r.error("the disaster_recovery block sets no `strategy`", place);
            d.hint = Some(
                "strategy = \"warm\" keeps a standby running in the secondary region; \"cold\" rebuilds there \
                 from code and backups; \"none\" switches off what an inherited environment declares"
                    .into(),
            );
            return None;
        }
        Some(a) => match r.constant_string(a)?.as_str() {
            "warm" => DrStrategy::Warm,
            "cold" => DrStrategy::Cold,
            "none" => return None,
            other => {
                let d = r.error(
                    format!("`{other}` is not a disaster recovery strategy"),
                    &a.value_place(),
                );
                d.hint = Some("strategy is \"warm\", \"cold\" or \"none\"".into());
                return None;
            }
        },
    };
    let rpo = target(
        r,
        place,
        attrs,
        "rpo",
        "how much data a recovery may lose, like rpo = \"15m\"",
    );
    let rto = target(
        r,
        place,
        attrs,
        "rto",
        "how long a recovery may take, like rto = \"1h\"",
    );
    let primary_known = regions::is_known(primary);
    if !primary_known {
        let d = r.error(
            format!("the environment's location `{primary}` is not an Azure region strata knows"),
            place,
        );
        d.hint = Some(similar::hint(
            &regions::normalize(primary),
            "regions",
            regions::REGIONS.iter().copied(),
        ));
    }
    let (secondary, secondary_is_default) = match attrs.get("secondary_location") {
        Some(a) => {
            let s = r.constant_string(a)?;
            let norm = regions::normalize(&s);
            if !regions::is_known(&norm) {
                let d = r.error(format!("`{s}` is not an Azure region"), &a.value_place());
                d.hint = Some(similar::hint(&norm, "regions", regions::REGIONS.iter().copied()));
                return None;
            }
            if norm == regions::normalize(primary) {
                let d = r.error(
                    format!("the secondary region `{s}` is the environment's own location"),
                    &a.value_place(),
                );
                d.hint = Some(match regions::pair_of(primary) {
                    Some(p) => {
                        format!("recover into another region, such as `{p}`, {primary}'s documented pair")
                    }
                    None => "recover into another region".into(),
                });
                return None;
            }
            (norm, false)
        }
        None if !primary_known => return None,
        None => match regions::pair_of(primary) {
            Some(p) => (p.to_string(), true),
            None => {
                let d = r.error(
                    format!("`{primary}` has no paired region, so disaster recovery must name its secondary"),
                    place,
                );
                d.hint = Some(
                    "set secondary_location = \"<region>\"; geo-redundant storage and PostgreSQL geo-backup are \
                     not available in a region without a pair"
                        .into(),
                );
                return None;
            }
        },
    };
    Some(DisasterRecovery {
        secondary_location: secondary,
        secondary_is_default,
        strategy,
        rpo: rpo?,
        rto: rto?,
        loc: place.loc(r.sources),
    })
}

/// `variables = { vnet_cidr = "10.31.0.0/16" }`: the standby estate's own variable values.
pub(super) fn standby_variables(
    r: &mut Reader<'_>,
    attrs: &BTreeMap<&str, &Attr>,
) -> BTreeMap<String, strata_core::Value> {
    let Some(a) = attrs.get("variables") else {
        return BTreeMap::new();
    };
    match r.constant(a) {
        Some(strata_core::Value::Object(o)) => o,
        Some(other) => {
            let d = r.error(
                format!("`variables` must be an object, not a {}", other.type_name()),
                &a.value_place(),
            );
            d.hint = Some(
                "write variables = { vnet_cidr = \"10.31.0.0/16\" }: the values the standby estate sets differently".into(),
            );
            BTreeMap::new()
        }
        None => BTreeMap::new(),
    }
}

/// A required duration attribute (`15m`, `1h`, `90s`).
fn target(
    r: &mut Reader<'_>,
    place: &Place,
    attrs: &BTreeMap<&str, &Attr>,
    name: &str,
    what: &str,
) -> Option<Duration> {
    let Some(a) = attrs.get(name) else {
        let d = r.error(format!("the disaster_recovery block sets no `{name}`"), place);
        d.hint = Some(format!("set {what}: the drill is judged against it"));
        return None;
    };
    let s = r.constant_string(a)?;
    match humantime::parse_duration(s.trim()) {
        Ok(d) if !d.is_zero() => Some(d),
        _ => {
            let d = r.error(format!("`{s}` is not a duration for `{name}`"), &a.value_place());
            d.hint = Some(format!(
                "write a duration like \"15m\", \"1h\" or \"90s\" ({what})"
            ));
            None
        }
    }
}
