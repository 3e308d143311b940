//! The generator end to end: a small handcrafted snapshot directory, and (when
//! STRATA_BICEP_TYPES points at a bicep-types-az snapshot) byte-for-byte reproduction of the
//! committed artefact.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::json;
use strata_azure::{Catalogue, Severity, ViolationKind};
use strata_azure_gen::generate::{self, Output};
use strata_azure_gen::snapshot::Snapshot;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn things(version: &str, extra: &str) -> String {
    format!(
        r##"[
      {{"$type": "StringType", "pattern": "^[a-z]+$"}},
      {{"$type": "StringLiteralType", "value": "Microsoft.Test/things"}},
      {{"$type": "StringLiteralType", "value": "{version}"}},
      {{"$type": "ObjectType", "name": "Microsoft.Test/things", "properties": {{
          "id": {{"type": {{"$ref": "#/0"}}, "flags": 10, "description": "id"}},
          "name": {{"type": {{"$ref": "#/0"}}, "flags": 9}},
          "type": {{"type": {{"$ref": "#/1"}}, "flags": 10}},
          "apiVersion": {{"type": {{"$ref": "#/2"}}, "flags": 10}},
          "location": {{"type": {{"$ref": "#/0"}}, "flags": 1}},
          "properties": {{"type": {{"$ref": "#/4"}}, "flags": 0}}}}}},
      {{"$type": "ObjectType", "name": "Props", "properties": {{
          "size": {{"type": {{"$ref": "#/5"}}, "flags": 0}},
          "mode": {{"type": {{"$ref": "#/6"}}, "flags": 0}},
          "state": {{"type": {{"$ref": "#/0"}}, "flags": 2}}{extra}}}}},
      {{"$type": "IntegerType", "minValue": 1, "maxValue": 10}},
      {{"$type": "UnionType", "elements": [{{"$ref": "#/7"}}, {{"$ref": "#/8"}}]}},
      {{"$type": "StringLiteralType", "value": "Fast"}},
      {{"$type": "StringLiteralType", "value": "Slow"}},
      {{"$type": "ResourceType", "name": "Microsoft.Test/things@{version}", "body": {{"$ref": "#/3"}}, "readableScopes": 8, "writableScopes": 8}},
      {{"$type": "ResourceFunctionType", "name": "listSecrets", "resourceType": "Microsoft.Test/things", "apiVersion": "{version}", "output": {{"$ref": "#/4"}}}}
    ]"##
    )
}

fn small_snapshot(root: &Path) {
    write(root, "LICENSE", "MIT License\n\nCopyright (c) Test.\n");
    write(
        root,
        "generated/test/microsoft.test/2024-01-01/types.json",
        &things("2024-01-01", ""),
    );
    write(
        root,
        "generated/test/microsoft.test/2025-01-01-preview/types.json",
        &things(
            "2025-01-01-preview",
            r##", "extra": {"type": {"$ref": "#/0"}, "flags": 0}"##,
        ),
    );
    write(
        root,
        "generated/other/microsoft.other/2023-05-01/types.json",
        r##"[{"$type": "ObjectType", "name": "X", "properties": {}},
             {"$type": "ResourceType", "name": "Microsoft.Other/widgets@2023-05-01", "body": {"$ref": "#/0"}, "readableScopes": 31, "writableScopes": 31}]"##,
    );
}

fn catalogue(out: &Output) -> Catalogue {
    let index = strata_azure::format::decode_index(&out.files["index.txt.gz"]).unwrap();
    let mut files: Vec<(&'static str, &'static [u8])> = index
        .iter()
        .filter_map(|e| {
            let bytes = out.files.get(&format!(
                "schemas/{}",
                strata_azure::format::schema_file_name(&e.name)
            ))?;
            let key: &'static str = Box::leak(e.name.to_ascii_lowercase().into_boxed_str());
            Some((key, &*Box::leak(bytes.clone().into_boxed_slice())))
        })
        .collect();
    files.sort();
    Catalogue::from_parts(&out.files["index.txt.gz"], Box::leak(files.into_boxed_slice())).unwrap()
}

#[test]
fn generates_index_schemas_and_provenance_from_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    small_snapshot(dir.path());
    let snap = Snapshot::open(dir.path()).unwrap();
    let out = generate::generate(&snap, &["microsoft.test/THINGS".to_string()]).unwrap();
    let names: Vec<&str> = out.files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "LICENSE-bicep-types-az",
            "PROVENANCE.md",
            "index.txt.gz",
            "schemas.rs",
            "schemas/microsoft.test.things.json.gz"
        ]
    );
    let prov = String::from_utf8(out.files["PROVENANCE.md"].clone()).unwrap();
    assert!(prov.contains("https://github.com/Azure/bicep-types-az"));
    assert!(
        prov.contains("| Microsoft.Test/things | 2 | 2024-01-01 | 2025-01-01-preview |"),
        "{prov}"
    );
    let table = String::from_utf8(out.files["schemas.rs"].clone()).unwrap();
    assert!(table.contains("\"microsoft.test/things\""));

    let c = catalogue(&out);
    assert_eq!(
        c.api_versions("Microsoft.Test/things"),
        ["2024-01-01", "2025-01-01-preview"]
    );
    assert_eq!(c.latest_stable("microsoft.test/things"), Some("2024-01-01"));
    assert_eq!(c.api_versions("Microsoft.Other/widgets"), ["2023-05-01"]);
    assert_eq!(
        c.resource_type("Microsoft.Other/widgets")
            .unwrap()
            .version("2023-05-01")
            .unwrap()
            .writable_scopes,
        31
    );
    assert_eq!(
        c.resource_type("Microsoft.Test/things")
            .unwrap()
            .version("2024-01-01")
            .unwrap()
            .functions,
        ["listSecrets"]
    );
    assert!(
        c.schema("Microsoft.Other/widgets", "2023-05-01")
            .unwrap()
            .is_none(),
        "not in the list"
    );

    let s = c.schema("Microsoft.Test/things", "2024-01-01").unwrap().unwrap();
    assert!(
        s.validate(&json!({"location": "x", "properties": {"size": 3, "mode": "Fast"}}))
            .is_empty()
    );
    let v = s.validate(&json!({"properties": {"size": 30, "mode": "fast", "state": "s", "extra": "e"}}));
    let kinds: Vec<(&str, Severity, &ViolationKind)> =
        v.iter().map(|x| (x.path.as_str(), x.severity, &x.kind)).collect();
    assert!(
        kinds.iter().any(|(p, s, k)| *p == "properties.size"
            && *s == Severity::Error
            && matches!(k, ViolationKind::OutOfRange { actual: 30, .. })),
        "{v:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(p, s, _)| *p == "properties.mode" && *s == Severity::Warning),
        "{v:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(p, _, k)| *p == "properties.state" && matches!(k, ViolationKind::ReadOnly { .. })),
        "{v:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(p, _, k)| *p == "properties.extra" && matches!(k, ViolationKind::UnknownProperty { .. })),
        "{v:?}"
    );
    assert!(
        kinds.iter().any(|(p, _, k)| p.is_empty()
            && matches!(k, ViolationKind::MissingRequired { name } if name == "location")),
        "{v:?}"
    );
    // The preview publishes `extra`.
    let p = c
        .schema("Microsoft.Test/things", "2025-01-01-PREVIEW")
        .unwrap()
        .unwrap();
    assert!(
        p.validate(&json!({"location": "x", "properties": {"extra": "e"}}))
            .is_empty()
    );

    // Deterministic, and a listed type nobody publishes is an error.
    let again = generate::generate(&snap, &["Microsoft.Test/things".to_string()]).unwrap();
    assert_eq!(again.files, out.files);
    let err = generate::generate(&snap, &["Microsoft.Test/nothing".to_string()])
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .contains("Microsoft.Test/nothing".to_ascii_lowercase().as_str()),
        "{err}"
    );
}

#[test]
fn regenerating_from_the_snapshot_reproduces_the_committed_artefact() {
    let Ok(snapshot) = std::env::var("STRATA_BICEP_TYPES") else {
        println!(
            "skipped: set STRATA_BICEP_TYPES to a bicep-types-az checkout or git directory to check the committed artefact"
        );
        return;
    };
    let list = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/types.txt")).unwrap();
    let snap = Snapshot::open(Path::new(&snapshot)).unwrap();
    let out = generate::generate(&snap, &generate::read_type_list(&list)).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../strata-azure/data");
    let mut committed: Vec<String> = std::fs::read_dir(data.join("schemas"))
        .unwrap()
        .map(|e| format!("schemas/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    committed.extend(
        [
            "LICENSE-bicep-types-az",
            "PROVENANCE.md",
            "index.txt.gz",
            "schemas.rs",
        ]
        .map(String::from),
    );
    committed.sort();
    let generated: Vec<String> = out.files.keys().cloned().collect();
    assert_eq!(generated, committed, "the set of files differs");
    for (rel, bytes) in &out.files {
        let on_disk = std::fs::read(data.join(rel)).unwrap();
        assert!(
            on_disk == *bytes,
            "{rel} differs from what the snapshot generates; regenerate (see README)"
        );
    }
}
