//! Re-encodes the part of a types.json reachable from a resource type into the compact
//! [`strata_azure::Schema`]: nodes renumbered in order of discovery, descriptions and names
//! dropped.

use std::collections::{BTreeMap, HashMap};

use strata_azure::{Flags, Function, Node, NodeId, Property, Schema};

use crate::bicep::{RawNode, RawProperty, Ref};

#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error("$ref #/{0} points past the end of the file")]
    Dangling(usize),
    #[error("node #/{0} ({1}) cannot appear inside a body")]
    Misplaced(usize, &'static str),
    #[error("more nodes than a schema can index")]
    TooLarge,
}

/// A resource function to carry into the schema.
pub struct FunctionRoot {
    pub name: String,
    pub input: Option<Ref>,
    pub output: Ref,
}

pub struct Roots<'a> {
    pub resource_type: &'a str,
    pub api_version: &'a str,
    pub body: Ref,
    pub readable_scopes: u32,
    pub writable_scopes: u32,
    pub functions: Vec<FunctionRoot>,
}

pub fn convert(raw: &[RawNode], roots: Roots<'_>) -> Result<Schema, ConvertError> {
    let mut c = Converter {
        raw,
        map: HashMap::new(),
        order: Vec::new(),
    };
    let body = c.id(roots.body)?;
    let mut functions = Vec::new();
    for f in roots.functions {
        let input = f.input.map(|r| c.id(r)).transpose()?;
        let output = c.id(f.output)?;
        functions.push(Function {
            name: f.name,
            input,
            output,
        });
    }
    // Breadth-first: converting a node may discover more.
    let mut nodes = Vec::new();
    let mut i = 0;
    while i < c.order.len() {
        let raw_index = c.order[i];
        let node = c.node(raw_index)?;
        nodes.push(node);
        i += 1;
    }
    Ok(Schema {
        resource_type: roots.resource_type.to_string(),
        api_version: roots.api_version.to_string(),
        body,
        readable_scopes: roots.readable_scopes,
        writable_scopes: roots.writable_scopes,
        functions,
        nodes,
    })
}

struct Converter<'a> {
    raw: &'a [RawNode],
    map: HashMap<usize, NodeId>,
    order: Vec<usize>,
}

impl Converter<'_> {
    fn id(&mut self, r: Ref) -> Result<NodeId, ConvertError> {
        if r.0 >= self.raw.len() {
            return Err(ConvertError::Dangling(r.0));
        }
        if let Some(id) = self.map.get(&r.0) {
            return Ok(*id);
        }
        let id = NodeId::try_from(self.order.len()).map_err(|_| ConvertError::TooLarge)?;
        self.map.insert(r.0, id);
        self.order.push(r.0);
        Ok(id)
    }

    fn props(&mut self, p: &BTreeMap<String, RawProperty>) -> Result<Vec<Property>, ConvertError> {
        p.iter()
            .map(|(name, rp)| {
                Ok(Property {
                    name: name.clone(),
                    ty: self.id(rp.ty)?,
                    flags: Flags(rp.flags),
                })
            })
            .collect()
    }

    fn node(&mut self, index: usize) -> Result<Node, ConvertError> {
        let raw = self.raw.get(index).ok_or(ConvertError::Dangling(index))?;
        Ok(match raw {
            RawNode::AnyType | RawNode::NullType => Node::Any,
            RawNode::BooleanType => Node::Boolean,
            RawNode::IntegerType { min, max } => Node::Integer { min: *min, max: *max },
            RawNode::StringType {
                pattern,
                min_length,
                max_length,
                sensitive,
            } => Node::String {
                pattern: pattern.clone(),
                min_length: *min_length,
                max_length: *max_length,
                sensitive: sensitive.unwrap_or(false),
            },
            RawNode::StringLiteralType { value } => Node::Literal { value: value.clone() },
            RawNode::UnionType { elements } => Node::Union {
                elements: elements.iter().map(|r| self.id(*r)).collect::<Result<_, _>>()?,
            },
            RawNode::ArrayType {
                item,
                min_length,
                max_length,
            } => Node::Array {
                item: self.id(*item)?,
                min_length: *min_length,
                max_length: *max_length,
            },
            RawNode::ObjectType {
                properties,
                additional,
                sensitive,
                ..
            } => Node::Object {
                properties: self.props(properties)?,
                additional: additional.map(|r| self.id(r)).transpose()?,
                sensitive: sensitive.unwrap_or(false),
            },
            RawNode::DiscriminatedObjectType {
                discriminator,
                base,
                elements,
                ..
            } => Node::Discriminated {
                discriminator: discriminator.clone(),
                base: self.props(base)?,
                elements: elements
                    .iter()
                    .map(|(k, r)| Ok((k.clone(), self.id(*r)?)))
                    .collect::<Result<_, ConvertError>>()?,
            },
            RawNode::ResourceType { .. } => return Err(ConvertError::Misplaced(index, "ResourceType")),
            RawNode::ResourceFunctionType { .. } => {
                return Err(ConvertError::Misplaced(index, "ResourceFunctionType"));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bicep;

    #[test]
    fn keeps_only_the_reachable_part_renumbered_and_recursive() {
        let raw = bicep::parse(
            br##"[
            {"$type": "StringLiteralType", "value": "unused"},
            {"$type": "ObjectType", "name": "Body", "properties": {
                "properties": {"type": {"$ref": "#/2"}, "flags": 1, "description": "x"}}},
            {"$type": "ObjectType", "name": "Tree", "properties": {
                "children": {"type": {"$ref": "#/3"}, "flags": 0},
                "size": {"type": {"$ref": "#/4"}, "flags": 2}}},
            {"$type": "ArrayType", "itemType": {"$ref": "#/2"}},
            {"$type": "IntegerType", "minValue": 0},
            {"$type": "ResourceType", "name": "Microsoft.Test/trees@2024-01-01", "body": {"$ref": "#/1"}, "readableScopes": 8, "writableScopes": 8}
        ]"##,
        )
        .unwrap();
        let s = convert(
            &raw,
            Roots {
                resource_type: "Microsoft.Test/trees",
                api_version: "2024-01-01",
                body: Ref(1),
                readable_scopes: 8,
                writable_scopes: 8,
                functions: vec![],
            },
        )
        .unwrap();
        assert_eq!(s.body, 0);
        assert_eq!(
            s.nodes.len(),
            4,
            "the unused literal and the ResourceType are dropped"
        );
        let size = s.property(&["properties", "size"]).unwrap();
        assert!(size.flags.read_only());
        assert_eq!(
            s.node(size.ty),
            Some(&Node::Integer {
                min: Some(0),
                max: None
            })
        );
        // properties.children[].children resolves to the same Tree node (recursion kept).
        let children = s.property(&["properties", "children"]).unwrap();
        let Some(Node::Array { item, .. }) = s.node(children.ty) else {
            panic!()
        };
        assert_eq!(*item, s.property(&["properties"]).unwrap().ty);
    }

    #[test]
    fn dangling_ref_is_an_error() {
        let raw = bicep::parse(br##"[{"$type": "ArrayType", "itemType": {"$ref": "#/7"}}]"##).unwrap();
        let r = convert(
            &raw,
            Roots {
                resource_type: "T",
                api_version: "v",
                body: Ref(0),
                readable_scopes: 0,
                writable_scopes: 0,
                functions: vec![],
            },
        );
        assert!(matches!(r, Err(ConvertError::Dangling(7))));
    }
}
