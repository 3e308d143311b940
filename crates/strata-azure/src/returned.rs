//! Which attributes a resource's document (what ARM returns on GET) can hold, per its schema:
//! for references such as `resource.identity.properties.principalId`, checked before anything
//! is sent. Write-only properties (secrets, passwords) are never returned.

use crate::model::{Node, NodeId, Property, Schema};
use crate::validate::suggest;

/// What the schema says about an attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// The document can hold it.
    Yes,
    /// Below a map, free-form object or `any`: the schema cannot tell.
    Unknowable,
    /// The document never holds this name at `at` (the path up to it); `suggestion` is the
    /// path the user most likely meant.
    Missing { at: String, suggestion: Option<String> },
    /// The property is write-only: Azure accepts it but never returns it.
    WriteOnly { at: String },
}

impl Schema {
    /// Whether a GET of the resource can return the attribute at `path` (property names;
    /// arrays are stepped through, so list indexes are left out).
    pub fn returned(&self, path: &[&str]) -> Returned {
        let mut current = self.body;
        let mut walked: Vec<&str> = Vec::new();
        for (i, seg) in path.iter().enumerate() {
            let Some(props) = self.properties_at(&mut current) else {
                return Returned::Unknowable;
            };
            let found = props.iter().find(|p| p.name.eq_ignore_ascii_case(seg));
            walked.push(seg);
            let at = walked.join(".");
            match found {
                Some(p) if p.flags.write_only() => return Returned::WriteOnly { at },
                Some(p) => current = p.ty,
                None => {
                    // The commonest slip: an attribute that lives under `properties`.
                    let under_properties = i == 0 && props.iter().any(|p| p.name == "properties") && {
                        let mut inner: Vec<&str> = vec!["properties"];
                        inner.extend_from_slice(path);
                        matches!(self.returned(&inner), Returned::Yes | Returned::Unknowable)
                    };
                    let suggestion = if under_properties {
                        Some(format!("properties.{}", path.join(".")))
                    } else {
                        suggest(
                            seg,
                            props
                                .iter()
                                .filter(|p| !p.flags.write_only())
                                .map(|p| p.name.as_str()),
                        )
                        .map(|s| {
                            let mut parts: Vec<&str> = walked[..walked.len() - 1].to_vec();
                            parts.push(&s);
                            parts.join(".")
                        })
                    };
                    return Returned::Missing { at, suggestion };
                }
            }
        }
        Returned::Yes
    }

    /// The properties of the object at `id` (arrays stepped through; a discriminated object's
    /// base and every variant's properties). `None` for maps, free-form objects and non-objects.
    fn properties_at(&self, id: &mut NodeId) -> Option<Vec<Property>> {
        let mut guard = 0;
        while let Some(Node::Array { item, .. }) = self.node(*id) {
            *id = *item;
            guard += 1;
            if guard > 64 {
                return None;
            }
        }
        match self.node(*id)? {
            Node::Object {
                properties,
                additional: None,
                ..
            } if !properties.is_empty() => Some(properties.clone()),
            Node::Discriminated { base, elements, .. } => {
                let mut all = base.clone();
                for (_, e) in elements {
                    if let Some(Node::Object { properties, .. }) = self.node(*e) {
                        all.extend(properties.iter().cloned());
                    }
                }
                Some(all)
            }
            _ => None,
        }
    }
}
