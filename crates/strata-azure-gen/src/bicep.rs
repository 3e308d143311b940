//! The bicep-types JSON format (`types.json`): an array of type nodes referring to each other
//! by `{"$ref": "#/N"}`, discriminated by `$type`. Descriptions are read past, not kept.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// A `{"$ref": "#/N"}` reference into the same file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ref(pub usize);

impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct R {
            #[serde(rename = "$ref")]
            r: String,
        }
        let r = R::deserialize(d)?;
        r.r.strip_prefix("#/")
            .and_then(|n| n.parse().ok())
            .map(Ref)
            .ok_or_else(|| serde::de::Error::custom(format!("unsupported $ref `{}`", r.r)))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawProperty {
    #[serde(rename = "type")]
    pub ty: Ref,
    #[serde(default)]
    pub flags: u8,
    #[serde(default, rename = "description")]
    _description: Option<IgnoredAny>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "$type")]
pub enum RawNode {
    AnyType,
    NullType,
    BooleanType,
    IntegerType {
        #[serde(default, rename = "minValue")]
        min: Option<i64>,
        #[serde(default, rename = "maxValue")]
        max: Option<i64>,
    },
    StringType {
        #[serde(default)]
        pattern: Option<String>,
        #[serde(default, rename = "minLength")]
        min_length: Option<u64>,
        #[serde(default, rename = "maxLength")]
        max_length: Option<u64>,
        #[serde(default)]
        sensitive: Option<bool>,
    },
    StringLiteralType {
        value: String,
    },
    UnionType {
        elements: Vec<Ref>,
    },
    ArrayType {
        #[serde(rename = "itemType")]
        item: Ref,
        #[serde(default, rename = "minLength")]
        min_length: Option<u64>,
        #[serde(default, rename = "maxLength")]
        max_length: Option<u64>,
    },
    ObjectType {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        properties: BTreeMap<String, RawProperty>,
        #[serde(default, rename = "additionalProperties")]
        additional: Option<Ref>,
        #[serde(default)]
        sensitive: Option<bool>,
    },
    DiscriminatedObjectType {
        #[serde(default)]
        name: Option<String>,
        discriminator: String,
        #[serde(default, rename = "baseProperties")]
        base: BTreeMap<String, RawProperty>,
        elements: BTreeMap<String, Ref>,
    },
    ResourceType {
        name: String,
        body: Ref,
        #[serde(default, rename = "readableScopes")]
        readable_scopes: u32,
        #[serde(default, rename = "writableScopes")]
        writable_scopes: u32,
    },
    ResourceFunctionType {
        name: String,
        #[serde(rename = "resourceType")]
        resource_type: String,
        #[serde(rename = "apiVersion")]
        api_version: String,
        #[serde(default)]
        input: Option<Ref>,
        output: Ref,
    },
}

/// A types.json file, fully parsed.
pub fn parse(bytes: &[u8]) -> Result<Vec<RawNode>, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// Only what the index needs (resource types and functions), cheap to read from every file.
#[derive(Debug, Clone, Deserialize)]
pub struct LiteNode {
    #[serde(rename = "$type")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "readableScopes")]
    pub readable_scopes: u32,
    #[serde(default, rename = "writableScopes")]
    pub writable_scopes: u32,
    #[serde(default, rename = "resourceType")]
    pub resource_type: Option<String>,
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<String>,
}

/// The index view of a types.json; `Ok(None)` when the file is not a bicep-types array
/// (the snapshot holds one stray swagger document under `generated/`).
pub fn parse_lite(bytes: &[u8]) -> Result<Option<Vec<LiteNode>>, serde_json::Error> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'[') {
        return Ok(None);
    }
    serde_json::from_slice(bytes).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r##"[
      {"$type": "StringType", "pattern": "^[a-z]+$", "minLength": 3, "maxLength": 24},
      {"$type": "StringLiteralType", "value": "Microsoft.Test/things"},
      {"$type": "ObjectType", "name": "Thing", "properties": {
          "name": {"type": {"$ref": "#/0"}, "flags": 9, "description": "The name"},
          "type": {"type": {"$ref": "#/1"}, "flags": 10},
          "properties": {"type": {"$ref": "#/3"}, "flags": 0, "description": "Props"}
      }, "additionalProperties": {"$ref": "#/0"}},
      {"$type": "ObjectType", "name": "Props", "properties": {"kind": {"type": {"$ref": "#/4"}, "flags": 1}}},
      {"$type": "UnionType", "elements": [{"$ref": "#/5"}, {"$ref": "#/6"}]},
      {"$type": "StringLiteralType", "value": "A"},
      {"$type": "StringLiteralType", "value": "B"},
      {"$type": "ResourceType", "name": "Microsoft.Test/things@2024-01-01", "body": {"$ref": "#/2"}, "readableScopes": 8, "writableScopes": 8},
      {"$type": "ResourceFunctionType", "name": "listThings", "resourceType": "Microsoft.Test/things", "apiVersion": "2024-01-01", "output": {"$ref": "#/3"}},
      {"$type": "DiscriminatedObjectType", "name": "D", "discriminator": "kind", "baseProperties": {}, "elements": {"a": {"$ref": "#/3"}}},
      {"$type": "IntegerType", "minValue": 1, "maxValue": 5},
      {"$type": "ArrayType", "itemType": {"$ref": "#/10"}, "minLength": 1},
      {"$type": "AnyType"}, {"$type": "BooleanType"}
    ]"##;

    #[test]
    fn parses_every_node_kind_with_its_fields() {
        let nodes = parse(SMALL.as_bytes()).unwrap();
        assert_eq!(nodes.len(), 14);
        match &nodes[0] {
            RawNode::StringType {
                pattern,
                min_length,
                max_length,
                sensitive,
            } => {
                assert_eq!(pattern.as_deref(), Some("^[a-z]+$"));
                assert_eq!((*min_length, *max_length, *sensitive), (Some(3), Some(24), None));
            }
            other => panic!("{other:?}"),
        }
        match &nodes[2] {
            RawNode::ObjectType {
                properties,
                additional,
                ..
            } => {
                assert_eq!(properties["name"].flags, 9);
                assert_eq!(properties["properties"].ty, Ref(3));
                assert_eq!(*additional, Some(Ref(0)));
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&nodes[7], RawNode::ResourceType { name, body: Ref(2), readable_scopes: 8, .. } if name == "Microsoft.Test/things@2024-01-01")
        );
        assert!(matches!(
            &nodes[8],
            RawNode::ResourceFunctionType {
                input: None,
                output: Ref(3),
                ..
            }
        ));
        assert!(
            matches!(&nodes[9], RawNode::DiscriminatedObjectType { discriminator, elements, .. } if discriminator == "kind" && elements["a"] == Ref(3))
        );
        assert!(matches!(
            nodes[10],
            RawNode::IntegerType {
                min: Some(1),
                max: Some(5)
            }
        ));
        assert!(matches!(
            nodes[11],
            RawNode::ArrayType {
                item: Ref(10),
                min_length: Some(1),
                max_length: None
            }
        ));
        let lite = parse_lite(SMALL.as_bytes()).unwrap().unwrap();
        assert_eq!(lite[8].resource_type.as_deref(), Some("Microsoft.Test/things"));
    }

    #[test]
    fn rejects_foreign_refs_and_unknown_kinds() {
        assert!(parse(br##"[{"$type": "ArrayType", "itemType": {"$ref": "other.json#/1"}}]"##).is_err());
        assert!(parse(br#"[{"$type": "FancyType"}]"#).is_err());
        assert!(parse_lite(br#"{"swagger": "2.0"}"#).unwrap().is_none());
    }
}
