//! Blob metadata: the lock record OpenTofu and strata share, and what strata notes about
//! each write.
//!
//! Metadata names are case-insensitive on the wire; OpenTofu's older Go client stored
//! `Terraformlockid`, so every lookup here ignores case, and a replaced key drops all its
//! spellings.

use std::collections::HashMap;

use base64::Engine as _;
use strata_state::LockInfo;

/// OpenTofu's lock record: standard padded base64 of the `LockInfo` JSON.
pub(crate) const LOCK_KEY: &str = "terraformlockid";
/// The serial, lineage and writer (`user@host`) of the state written with this metadata, so
/// history can be listed without downloading every version.
pub(crate) const SERIAL_KEY: &str = "strataserial";
pub(crate) const LINEAGE_KEY: &str = "stratalineage";
pub(crate) const WHO_KEY: &str = "stratawho";
/// When that state was written (RFC 3339): the blob's Last-Modified also moves when a lock
/// record is set or removed.
pub(crate) const WRITTEN_KEY: &str = "stratawritten";

pub(crate) type Metadata = HashMap<String, String>;

pub(crate) fn get<'m>(meta: &'m Metadata, key: &str) -> Option<&'m str> {
    meta.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn set(meta: &mut Metadata, key: &str, value: String) {
    remove(meta, key);
    meta.insert(key.to_string(), value);
}

pub(crate) fn remove(meta: &mut Metadata, key: &str) {
    meta.retain(|k, _| !k.eq_ignore_ascii_case(key));
}

/// What the metadata says about the lock.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LockRecord {
    None,
    Info(LockInfo),
    /// A record that is not OpenTofu's format; its holder cannot be shown.
    Unreadable,
}

impl LockRecord {
    pub fn info(self) -> Option<LockInfo> {
        match self {
            LockRecord::Info(i) => Some(i),
            LockRecord::None | LockRecord::Unreadable => None,
        }
    }
}

pub(crate) fn lock_record(meta: &Metadata) -> LockRecord {
    match get(meta, LOCK_KEY).map(str::trim).filter(|v| !v.is_empty()) {
        None => LockRecord::None,
        Some(v) => decode_lock(v).map_or(LockRecord::Unreadable, LockRecord::Info),
    }
}

pub(crate) fn encode_lock(info: &LockInfo) -> Result<String, serde_json::Error> {
    let json = serde_json::to_vec(info)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(json))
}

fn decode_lock(value: &str) -> Option<LockInfo> {
    let engine = &base64::engine::general_purpose::STANDARD;
    let bytes = engine
        .decode(value)
        // Tolerate a record written without padding.
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(value.trim_end_matches('=')))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// What strata recorded about the state written with `meta`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WriteNote {
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    pub who: Option<String>,
    pub written: Option<chrono::DateTime<chrono::Utc>>,
}

pub(crate) fn write_note(meta: &Metadata) -> WriteNote {
    WriteNote {
        serial: get(meta, SERIAL_KEY).and_then(|s| s.trim().parse().ok()),
        lineage: get(meta, LINEAGE_KEY).map(str::to_string),
        who: get(meta, WHO_KEY).map(str::to_string),
        written: get(meta, WRITTEN_KEY)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|t| t.with_timezone(&chrono::Utc)),
    }
}

/// Metadata values travel as HTTP header values: keep them to printable ASCII.
pub(crate) fn header_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use strata_state::operation;

    #[test]
    fn lock_record_round_trips_and_reads_opentofu_records() {
        let mut info = LockInfo::new(operation::APPLY).with_info("ci");
        info.path = "https://a.blob.core.windows.net/c/k".into();
        let mut meta = Metadata::new();
        set(&mut meta, LOCK_KEY, encode_lock(&info).unwrap());
        assert_eq!(lock_record(&meta), LockRecord::Info(info));

        // As OpenTofu writes it, under the Go client's capitalised name.
        let tofu = r#"{"ID":"0c6e3a5c-6a7e-4a55-9d4e-2d1d2c3b4a59","Operation":"OperationTypeApply","Info":"","Who":"ana@build-01","Version":"1.10.0","Created":"2025-03-04T05:06:07.123456Z","Path":"https://a.blob.core.windows.net/tfstate/prod.tfstate"}"#;
        let mut meta = Metadata::new();
        meta.insert(
            "Terraformlockid".into(),
            base64::engine::general_purpose::STANDARD.encode(tofu),
        );
        let LockRecord::Info(got) = lock_record(&meta) else {
            panic!("OpenTofu's record must parse")
        };
        assert_eq!(got.who, "ana@build-01");
        assert_eq!(got.id, "0c6e3a5c-6a7e-4a55-9d4e-2d1d2c3b4a59");

        set(&mut meta, LOCK_KEY, "not base64!".into());
        assert_eq!(meta.len(), 1, "one spelling only");
        assert_eq!(lock_record(&meta), LockRecord::Unreadable);
        remove(&mut meta, "TERRAFORMLOCKID");
        assert_eq!(lock_record(&meta), LockRecord::None);
    }

    #[test]
    fn write_notes() {
        let mut meta = Metadata::new();
        meta.insert("StrataSerial".into(), "7".into());
        meta.insert(WHO_KEY.into(), "ana@host".into());
        meta.insert(WRITTEN_KEY.into(), "2025-01-02T03:04:05.000Z".into());
        let note = write_note(&meta);
        assert_eq!(note.written.unwrap().timestamp(), 1_735_787_045);
        assert_eq!(note.serial, Some(7));
        assert_eq!(note.who.as_deref(), Some("ana@host"));
        assert_eq!(note.lineage, None);
        assert_eq!(header_safe("ana\u{e9}@h\nost"), "ana?@h?ost");
    }
}
