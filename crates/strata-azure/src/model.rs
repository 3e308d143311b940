//! The compact schema model: one resource type at one api-version, as a table of type nodes
//! referring to each other by index (recursive types stay recursive). Descriptions are not
//! kept, only structure. The serde names are short because the artefact is embedded.

use serde::{Deserialize, Serialize};

/// Index of a node in [`Schema::nodes`].
pub type NodeId = u32;

/// Property flags, as published (bicep-types `ObjectTypePropertyFlags`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Flags(pub u8);

impl Flags {
    pub const REQUIRED: u8 = 1;
    pub const READ_ONLY: u8 = 2;
    pub const WRITE_ONLY: u8 = 4;
    pub const DEPLOY_TIME_CONSTANT: u8 = 8;
    pub const IDENTIFIER: u8 = 16;

    pub fn required(self) -> bool {
        self.0 & Self::REQUIRED != 0
    }
    pub fn read_only(self) -> bool {
        self.0 & Self::READ_ONLY != 0
    }
    pub fn write_only(self) -> bool {
        self.0 & Self::WRITE_ONLY != 0
    }
    pub fn deploy_time_constant(self) -> bool {
        self.0 & Self::DEPLOY_TIME_CONSTANT != 0
    }
    pub fn identifier(self) -> bool {
        self.0 & Self::IDENTIFIER != 0
    }
}

/// One property of an object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Property {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "t")]
    pub ty: NodeId,
    #[serde(rename = "f", default, skip_serializing_if = "is_zero")]
    pub flags: Flags,
}

fn is_zero(f: &Flags) -> bool {
    f.0 == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One type node.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "k")]
pub enum Node {
    /// Any JSON value.
    #[serde(rename = "any")]
    Any,
    #[serde(rename = "bool")]
    Boolean,
    #[serde(rename = "int")]
    Integer {
        #[serde(rename = "min", default, skip_serializing_if = "Option::is_none")]
        min: Option<i64>,
        #[serde(rename = "max", default, skip_serializing_if = "Option::is_none")]
        max: Option<i64>,
    },
    #[serde(rename = "str")]
    String {
        #[serde(rename = "re", default, skip_serializing_if = "Option::is_none")]
        pattern: Option<String>,
        #[serde(rename = "min", default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u64>,
        #[serde(rename = "max", default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u64>,
        #[serde(rename = "s", default, skip_serializing_if = "is_false")]
        sensitive: bool,
    },
    /// Exactly this string (ARM compares enum values case-insensitively).
    #[serde(rename = "lit")]
    Literal {
        #[serde(rename = "v")]
        value: String,
    },
    /// One of the elements. Literals plus a plain string is an open ("extensible") enum.
    #[serde(rename = "or")]
    Union {
        #[serde(rename = "e")]
        elements: Vec<NodeId>,
    },
    #[serde(rename = "arr")]
    Array {
        #[serde(rename = "i")]
        item: NodeId,
        #[serde(rename = "min", default, skip_serializing_if = "Option::is_none")]
        min_length: Option<u64>,
        #[serde(rename = "max", default, skip_serializing_if = "Option::is_none")]
        max_length: Option<u64>,
    },
    #[serde(rename = "obj")]
    Object {
        #[serde(rename = "p", default)]
        properties: Vec<Property>,
        /// The type of properties not named in `properties` (maps such as `tags`).
        #[serde(rename = "ap", default, skip_serializing_if = "Option::is_none")]
        additional: Option<NodeId>,
        #[serde(rename = "s", default, skip_serializing_if = "is_false")]
        sensitive: bool,
    },
    /// An object whose shape depends on the string at `discriminator`.
    #[serde(rename = "disc")]
    Discriminated {
        #[serde(rename = "d")]
        discriminator: String,
        #[serde(rename = "p", default)]
        base: Vec<Property>,
        /// Discriminator value → object node (sorted by value).
        #[serde(rename = "e")]
        elements: Vec<(String, NodeId)>,
    },
}

/// A POST action published for a resource type at an api-version (`listKeys`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Function {
    #[serde(rename = "n")]
    pub name: String,
    #[serde(rename = "in", default, skip_serializing_if = "Option::is_none")]
    pub input: Option<NodeId>,
    #[serde(rename = "out")]
    pub output: NodeId,
}

/// The schema of one resource type at one api-version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Resource type as published at this version (case preserved).
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(rename = "v")]
    pub api_version: String,
    /// The body node (an object, sometimes a discriminated object).
    #[serde(rename = "b")]
    pub body: NodeId,
    /// Scopes it can be read at / written at (bicep-types `ScopeType` bits: 1 tenant,
    /// 2 management group, 4 subscription, 8 resource group, 16 extension).
    #[serde(rename = "rs")]
    pub readable_scopes: u32,
    #[serde(rename = "ws")]
    pub writable_scopes: u32,
    #[serde(rename = "fn", default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    #[serde(rename = "t")]
    pub nodes: Vec<Node>,
}

impl Schema {
    /// The node at `id`, `None` when out of range (a corrupt artefact).
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    /// The body's top-level properties (the base properties for a discriminated body).
    pub fn body_properties(&self) -> &[Property] {
        match self.node(self.body) {
            Some(Node::Object { properties, .. }) => properties,
            Some(Node::Discriminated { base, .. }) => base,
            _ => &[],
        }
    }

    /// Walks `path` (property names) from the body through objects and arrays' items.
    pub fn property(&self, path: &[&str]) -> Option<&Property> {
        let mut current = self.body;
        let mut found = None;
        for seg in path {
            let mut id = current;
            // Step through arrays to their items.
            while let Some(Node::Array { item, .. }) = self.node(id) {
                id = *item;
            }
            let props: &[Property] = match self.node(id)? {
                Node::Object { properties, .. } => properties,
                Node::Discriminated { base, .. } => base,
                _ => return None,
            };
            let p = props.iter().find(|p| p.name.eq_ignore_ascii_case(seg))?;
            current = p.ty;
            found = Some(p);
        }
        found
    }

    /// The literal values of an enum node (a literal or a union of literals), and whether
    /// the enum is open (a plain string is also accepted). `None` when `id` is no enum.
    pub fn enum_values(&self, id: NodeId) -> Option<(Vec<&str>, bool)> {
        let mut values = Vec::new();
        let mut open = false;
        let mut stack = vec![id];
        let mut seen = 0usize;
        while let Some(n) = stack.pop() {
            seen += 1;
            if seen > 10_000 {
                return None;
            }
            match self.node(n)? {
                Node::Literal { value } => values.push(value.as_str()),
                Node::String { .. } => open = true,
                Node::Union { elements } => stack.extend(elements.iter().rev().copied()),
                _ => return None,
            }
        }
        if values.is_empty() {
            None
        } else {
            Some((values, open))
        }
    }
}
