//! The state document: what strata last wrote to Azure, per environment.
//!
//! A [`State`] is versioned by `format_version` (the document's shape), `serial` (bumped on
//! every persisted write) and `lineage` (set once, when the state is created). Stores use the
//! last two to refuse overwriting a state that another run or another stack wrote.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strata_core::{ArmId, Layer, PathStep, ResourceAddr};

use crate::error::StateError;

/// The shape of the state document this strata writes and reads.
pub const STATE_FORMAT_VERSION: u32 = 1;

/// The version of strata, recorded in states and locks.
pub const STRATA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything strata knows about one environment's deployed resources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// Increases on every persisted write.
    pub serial: u64,
    /// A uuid v4 set once when the state is created; a state of another lineage is another
    /// stack's (or a re-created) state and is never overwritten.
    pub lineage: String,
    pub strata_version: String,
    pub environment: String,
    /// Serialised as a list sorted by address, each entry carrying its own address, so the
    /// file reads top to bottom and diffs well in review.
    #[serde(default, with = "resource_list")]
    pub resources: BTreeMap<ResourceAddr, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// The configuration the last apply ran from (for `strata promote`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied_from: Option<AppliedFrom>,
    /// Disaster recovery's record, kept in a standby estate's state: which estate serves, and
    /// the failover or failback in progress (so an interrupted one resumes where it stopped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery: Option<RecoveryRecord>,
}

/// Which estate serves, since when, and the runbook in progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryRecord {
    pub serving: strata_core::EstateRole,
    /// When the serving estate last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// A failover or failback that started and has not finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<RunbookProgress>,
}

/// A runbook that started: what it is, when, and the steps it finished.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookProgress {
    /// `failover` or `failback`.
    pub kind: String,
    pub started_at: String,
    /// The moment the primary region was lost, when the runbook answers an outage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outage_at: Option<String>,
    /// Ids of the steps done, in order.
    #[serde(default)]
    pub done: Vec<String>,
}

/// Where the configuration of the last apply came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedFrom {
    /// The git commit of the stack folder, when it is in a git work tree with no local changes
    /// to the stack (`None` otherwise).
    pub git_commit: Option<String>,
    /// The stack folder relative to the repository root.
    pub git_path: Option<String>,
    /// The digest of the stack's files.
    pub config_digest: String,
}

impl State {
    /// A fresh, empty state: new lineage, serial 0 (the first write makes it 1).
    pub fn new(environment: &str) -> State {
        State {
            format_version: STATE_FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            strata_version: STRATA_VERSION.to_string(),
            environment: environment.to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            applied_from: None,
            recovery: None,
        }
    }

    /// Parses a state document. `location` names it in errors. An empty document is no state.
    pub fn decode(bytes: &[u8], location: &str) -> Result<Option<State>, StateError> {
        if StateHeader::peek(bytes, location)?.is_none() {
            return Ok(None);
        }
        serde_json::from_slice(bytes)
            .map(Some)
            .map_err(|source| StateError::Corrupt {
                path: location.to_string(),
                source,
            })
    }

    /// The document as pretty JSON with a trailing newline.
    pub fn encode(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut out = serde_json::to_vec_pretty(self)?;
        out.push(b'\n');
        Ok(out)
    }

    /// The document as a store writes it: at `serial`, stamped with this strata's format and
    /// version, without copying the state.
    pub fn encode_at(&self, serial: u64) -> Result<Vec<u8>, serde_json::Error> {
        let view = StateView {
            format_version: STATE_FORMAT_VERSION,
            serial,
            lineage: &self.lineage,
            strata_version: STRATA_VERSION,
            environment: &self.environment,
            resources: Resources(&self.resources),
            outputs: &self.outputs,
            applied_from: &self.applied_from,
            recovery: &self.recovery,
        };
        let mut out = serde_json::to_vec_pretty(&view)?;
        out.push(b'\n');
        Ok(out)
    }

    /// Records that the state was persisted at `serial` by this strata.
    pub fn mark_written(&mut self, serial: u64) {
        self.serial = serial;
        self.format_version = STATE_FORMAT_VERSION;
        self.strata_version = STRATA_VERSION.to_string();
    }
}

/// [`State`]'s serialised form, borrowed (fields in the same order).
#[derive(Serialize)]
struct StateView<'a> {
    format_version: u32,
    serial: u64,
    lineage: &'a str,
    strata_version: &'a str,
    environment: &'a str,
    resources: Resources<'a>,
    outputs: &'a BTreeMap<String, OutputState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    applied_from: &'a Option<AppliedFrom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovery: &'a Option<RecoveryRecord>,
}

struct Resources<'a>(&'a BTreeMap<ResourceAddr, ResourceState>);

impl Serialize for Resources<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        resource_list::serialize(self.0, s)
    }
}

/// The fields of a stored state that decide whether it may be overwritten, read without
/// parsing the resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateHeader {
    pub format_version: u32,
    pub serial: u64,
    pub lineage: String,
}

impl StateHeader {
    /// Checks that `bytes` is a state this strata understands and returns its header; `None`
    /// for an empty document.
    pub fn peek(bytes: &[u8], location: &str) -> Result<Option<StateHeader>, StateError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        let corrupt = |source| StateError::Corrupt {
            path: location.to_string(),
            source,
        };
        // A shallow look first, so that a newer document says "upgrade strata" instead of
        // failing on whatever field changed shape.
        let probe: Probe = serde_json::from_slice(bytes).map_err(corrupt)?;
        let Some(version) = probe.format_version else {
            let what = if probe.encryption_version.is_some() {
                "an encrypted OpenTofu state"
            } else if probe.terraform_version.is_some() {
                "an OpenTofu/Terraform state"
            } else {
                "not a strata state (it has no `format_version`)"
            };
            return Err(StateError::Foreign {
                path: location.to_string(),
                what,
            });
        };
        let format_version = match u32::try_from(version) {
            Ok(v) if v <= STATE_FORMAT_VERSION => v,
            _ => {
                return Err(StateError::UnsupportedVersion {
                    path: location.to_string(),
                    found: version,
                    supported: STATE_FORMAT_VERSION,
                    written_by: probe.strata_version,
                });
            }
        };
        let missing = |field| corrupt(serde::de::Error::custom(format!("the state has no `{field}`")));
        Ok(Some(StateHeader {
            format_version,
            serial: probe.serial.ok_or_else(|| missing("serial"))?,
            lineage: probe.lineage.ok_or_else(|| missing("lineage"))?,
        }))
    }
}

#[derive(Deserialize)]
struct Probe {
    format_version: Option<u64>,
    serial: Option<u64>,
    lineage: Option<String>,
    strata_version: Option<String>,
    terraform_version: Option<serde::de::IgnoredAny>,
    encryption_version: Option<serde::de::IgnoredAny>,
}

/// One deployed ARM resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    pub addr: ResourceAddr,
    pub id: ArmId,
    pub resource_type: String,
    pub api_version: String,
    pub layer: Layer,
    /// What ARM returned after the last write or refresh, plus `$action:<name>` results.
    pub attributes: serde_json::Value,
    /// Attribute paths that are secret (`$action:listKeys` always is).
    #[serde(default)]
    pub sensitive_paths: Vec<Vec<PathStep>>,
    /// What this resource waited for when it was created, so destroy can run in reverse
    /// order without the configuration.
    #[serde(default)]
    pub dependencies: Vec<ResourceAddr>,
    /// sha256 of the body last applied.
    #[serde(default)]
    pub desired_digest: Option<String>,
    /// A write or delete of it was sent but its outcome is not known (the run was interrupted
    /// or stopped waiting): the next run reads it back before deciding anything about it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outcome_unknown: bool,
    /// `lifecycle.prevent_destroy` as of its last apply, honoured when it leaves the
    /// configuration.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prevent_destroy: bool,
    /// How Azure soft-deletes it, as of its last apply (for deleting it without the
    /// configuration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_delete: Option<strata_core::SoftDelete>,
    /// When strata last wrote it (seconds since the Unix epoch): a bulk refresh reads what was
    /// written more recently than Resource Graph's staleness window with a GET.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_at: Option<u64>,
}

/// A stack output as of the last apply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
}

/// `resources` as a list of entries keyed by their own `addr`.
mod resource_list {
    use std::collections::BTreeMap;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use strata_core::ResourceAddr;

    use super::ResourceState;

    pub fn serialize<S: Serializer>(
        map: &BTreeMap<ResourceAddr, ResourceState>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<ResourceAddr, ResourceState>, D::Error> {
        let list = Vec::<ResourceState>::deserialize(d)?;
        let mut map = BTreeMap::new();
        for r in list {
            let addr = r.addr.clone();
            if map.insert(addr.clone(), r).is_some() {
                return Err(D::Error::custom(format!("resource `{addr}` appears twice")));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> State {
        let mut s = State::new("dev");
        let addr = ResourceAddr::module("network", "subnet", Some("app"));
        let id = ArmId::parse(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/app",
        )
        .unwrap();
        s.resources.insert(
            addr.clone(),
            ResourceState {
                addr,
                id,
                resource_type: "Microsoft.Network/virtualNetworks/subnets".into(),
                api_version: "2024-07-01".into(),
                layer: Layer::Network,
                attributes: serde_json::json!({"properties": {"addressPrefix": "10.0.1.0/24"}}),
                sensitive_paths: vec![vec![PathStep::Key("$action:listKeys".into())]],
                dependencies: vec![ResourceAddr::module("network", "vnet", None)],
                desired_digest: Some("abc".into()),
                outcome_unknown: false,
                prevent_destroy: false,
                soft_delete: None,
                written_at: None,
            },
        );
        s.outputs.insert(
            "vnet_id".into(),
            OutputState {
                value: serde_json::json!("/subscriptions/s"),
                sensitive: false,
            },
        );
        s
    }

    #[test]
    fn new_state_is_fresh() {
        let a = State::new("dev");
        let b = State::new("dev");
        assert_eq!(a.serial, 0);
        assert_eq!(a.format_version, STATE_FORMAT_VERSION);
        assert_ne!(a.lineage, b.lineage);
        assert!(uuid::Uuid::parse_str(&a.lineage).is_ok());
    }

    #[test]
    fn round_trips_with_resources_as_a_list() {
        let s = sample();
        let bytes = s.encode().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let list = json["resources"].as_array().unwrap();
        assert_eq!(list[0]["addr"], "module.network.subnet[\"app\"]");
        assert_eq!(
            list[0]["sensitive_paths"],
            serde_json::json!([["$action:listKeys"]])
        );
        assert_eq!(State::decode(&bytes, "x").unwrap(), Some(s));
    }

    #[test]
    fn encode_at_matches_encode_of_the_written_state() {
        let mut s = sample();
        s.strata_version = "0.0.1".into();
        let bytes = s.encode_at(9).unwrap();
        s.mark_written(9);
        assert_eq!(bytes, s.encode().unwrap());
    }

    #[test]
    fn empty_document_is_no_state() {
        assert_eq!(State::decode(b"", "x").unwrap(), None);
        assert_eq!(State::decode(b" \n", "x").unwrap(), None);
    }

    #[test]
    fn newer_format_is_refused_with_upgrade_hint() {
        let doc = br#"{"format_version": 7, "strata_version": "9.0.0", "whatever": {"new": true}}"#;
        let err = State::decode(doc, "dev.json").unwrap_err();
        assert!(matches!(err, StateError::UnsupportedVersion { found: 7, .. }));
        let msg = err.to_string();
        assert!(msg.contains("newer strata"), "{msg}");
        assert!(msg.contains("9.0.0"), "{msg}");
    }

    #[test]
    fn foreign_and_corrupt_documents() {
        let tofu = br#"{"version": 4, "terraform_version": "1.9.0", "serial": 1}"#;
        assert!(matches!(
            State::decode(tofu, "x"),
            Err(StateError::Foreign { what, .. }) if what.contains("OpenTofu")
        ));
        let err = State::decode(b"{not json", "dev.json").unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }));
        assert!(err.to_string().contains("dev.json"));
        let mut s = sample();
        s.format_version = 1;
        let mut json: serde_json::Value = serde_json::from_slice(&s.encode().unwrap()).unwrap();
        let first = json["resources"][0].clone();
        json["resources"].as_array_mut().unwrap().push(first);
        let err = State::decode(json.to_string().as_bytes(), "dev.json").unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }
}
