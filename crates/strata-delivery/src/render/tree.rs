//! A resource's property changes as a tree, at the level that changed.
//!
//! Paths split at array elements: `properties.securityRules[1].properties.priority` is the
//! group `properties.securityRules["allow-https"]` (elements named by their `name` when they
//! have one) holding the leaf `properties.priority`. A change whose values are whole objects or
//! lists is opened up: objects key by key (only the keys the configuration sets, except in
//! `tags`, which is replaced whole), lists of named objects element by element, lists of
//! scalars as the items added and removed. Fields ARM adds on its own (ids, etags,
//! provisioning state, default rules) are never shown.

use serde_json::{Map, Value as Json};
use strata_engine::{PropertyChange, Shown};

use super::line::Mark;
use super::values::{is_identifier, quote};

/// Read-only fields ARM adds to what it returns: never shown when only the live side has them.
const READ_ONLY: &[&str] = &[
    "id",
    "etag",
    "type",
    "provisioningState",
    "resourceGuid",
    "defaultSecurityRules",
    "systemData",
    "createdAt",
    "creationTime",
    "createdTime",
    "changedTime",
    "lastModifiedTime",
    "primaryEndpoints",
    "secondaryEndpoints",
    "statusOfPrimary",
    "statusOfSecondary",
];

/// Maps whose keys are written whole: a key only on the live side is a removal.
fn is_whole_map(key: &str) -> bool {
    key == "tags"
}

/// One step of a displayed path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
    /// An array element picked by its `name`.
    Name(String),
}

impl Seg {
    fn is_element(&self) -> bool {
        matches!(self, Seg::Index(_) | Seg::Name(_))
    }
}

/// `properties.securityRules["allow-https"].properties.priority`
pub(crate) fn display(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if is_identifier(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Key(k) | Seg::Name(k) => {
                out.push('[');
                out.push_str(&quote(k));
                out.push(']');
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Parses a plan's path: `a.b[2].c`, `a["x y"].b`.
pub(crate) fn parse(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut key = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !key.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut key)));
                }
            }
            '[' => {
                if !key.is_empty() {
                    out.push(Seg::Key(std::mem::take(&mut key)));
                }
                let mut inner = String::new();
                let mut quoted = false;
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        inner.push(c);
                        escaped = false;
                    } else if c == '\\' && quoted {
                        escaped = true;
                    } else if c == '"' {
                        quoted = !quoted;
                    } else if c == ']' && !quoted {
                        break;
                    } else {
                        inner.push(c);
                    }
                }
                out.push(match inner.parse::<usize>() {
                    Ok(i) => Seg::Index(i),
                    Err(_) => Seg::Name(inner),
                });
            }
            c => key.push(c),
        }
    }
    if !key.is_empty() {
        out.push(Seg::Key(key));
    }
    out
}

/// A node of the tree, with its path relative to its parent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    /// A value that changes.
    Leaf {
        path: Vec<Seg>,
        before: Shown,
        after: Shown,
        force: bool,
    },
    /// One item added to or removed from a list of scalars.
    Item { mark: Mark, value: Json },
    /// An array element, or a list of scalars, holding what changed inside it. Its mark is
    /// known when the group is an element added, removed or kept, and otherwise follows its
    /// children.
    Group {
        path: Vec<Seg>,
        mark: Option<Mark>,
        children: Vec<Node>,
        force: bool,
    },
}

impl Node {
    pub(crate) fn mark(&self) -> Mark {
        match self {
            Node::Leaf { before, after, .. } => match (before, after) {
                (Shown::Absent, _) => Mark::Create,
                (_, Shown::Absent) => Mark::Delete,
                _ => Mark::Update,
            },
            Node::Item { mark, .. } => *mark,
            Node::Group { mark: Some(mark), .. } => *mark,
            Node::Group { children, .. } => {
                let marks: Vec<Mark> = children.iter().map(Node::mark).collect();
                if !marks.is_empty() && marks.iter().all(|m| *m == Mark::Create) {
                    Mark::Create
                } else if !marks.is_empty() && marks.iter().all(|m| *m == Mark::Delete) {
                    Mark::Delete
                } else {
                    Mark::Update
                }
            }
        }
    }
}

/// `null` is no value.
fn norm(s: &Shown) -> Shown {
    match s {
        Shown::Known(Json::Null) => Shown::Absent,
        other => other.clone(),
    }
}

/// The tree of a resource's property changes, in plan order.
pub(crate) fn build(changes: &[PropertyChange]) -> Vec<Node> {
    let mut root = Vec::new();
    for change in changes {
        let before = norm(&change.before);
        let after = norm(&change.after);
        let mut path = parse(&change.path);
        let opens = is_object(&before) || is_object(&after);
        if let Some(last @ Seg::Index(_)) = path.last_mut()
            && let Some(name) = element_name(&after).or_else(|| element_name(&before))
        {
            *last = Seg::Name(name);
        }
        // Cut the path into groups at array elements; the rest is the leaf's own path. A path
        // that ends at an element is a group only when its values open up into fields.
        let mut groups: Vec<Vec<Seg>> = Vec::new();
        let mut rest = Vec::new();
        for seg in path {
            let element = seg.is_element();
            rest.push(seg);
            if element {
                groups.push(std::mem::take(&mut rest));
            }
        }
        if rest.is_empty() && !opens {
            rest = groups.pop().unwrap_or_default();
        }
        let named = matches!(groups.last().and_then(|g| g.last()), Some(Seg::Name(_))) && rest.is_empty();
        let (before, after) = if named {
            (without_name(&before), without_name(&after))
        } else {
            (before, after)
        };
        let mark = rest.is_empty().then(|| presence(&before, &after));
        let nodes = expand(rest, &before, &after, change.forces_replacement);
        insert(&mut root, &groups, nodes, change.forces_replacement, mark);
    }
    root
}

/// Added, removed or kept.
fn presence(before: &Shown, after: &Shown) -> Mark {
    match (before, after) {
        (Shown::Absent, _) => Mark::Create,
        (_, Shown::Absent) => Mark::Delete,
        _ => Mark::Update,
    }
}

/// Puts `nodes` under the groups named by `groups`, creating them; the innermost takes `mark`.
fn insert(level: &mut Vec<Node>, groups: &[Vec<Seg>], nodes: Vec<Node>, force: bool, mark: Option<Mark>) {
    let Some((first, more)) = groups.split_first() else {
        level.extend(nodes);
        return;
    };
    let found = level
        .iter()
        .position(|n| matches!(n, Node::Group { path, .. } if path == first));
    let at = found.unwrap_or_else(|| {
        level.push(Node::Group {
            path: first.clone(),
            mark: None,
            children: Vec::new(),
            force: false,
        });
        level.len() - 1
    });
    if let Some(Node::Group {
        children,
        force: f,
        mark: m,
        ..
    }) = level.get_mut(at)
    {
        if more.is_empty() {
            *f |= force;
            if mark.is_some() {
                *m = mark;
            }
        }
        insert(children, more, nodes, force, mark);
    }
}

fn is_object(s: &Shown) -> bool {
    matches!(s, Shown::Known(Json::Object(_)))
}

fn element_name(s: &Shown) -> Option<String> {
    match s {
        Shown::Known(j) => j.get("name").and_then(Json::as_str).map(str::to_string),
        _ => None,
    }
}

/// An element without its `name`, which its group already shows.
fn without_name(s: &Shown) -> Shown {
    match s {
        Shown::Known(Json::Object(m)) => {
            let mut m = m.clone();
            m.remove("name");
            Shown::Known(Json::Object(m))
        }
        other => other.clone(),
    }
}

fn with(path: &[Seg], seg: Seg) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(seg);
    p
}

fn in_whole_map(path: &[Seg]) -> bool {
    matches!(path.last(), Some(Seg::Key(k)) if is_whole_map(k))
}

fn find<'a>(map: &'a Map<String, Json>, key: &str) -> Option<&'a Json> {
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn known(j: Option<&Json>) -> Shown {
    match j {
        None | Some(Json::Null) => Shown::Absent,
        Some(j) => Shown::Known(j.clone()),
    }
}

/// The nodes for one change of `before` to `after` at `path`.
fn expand(path: Vec<Seg>, before: &Shown, after: &Shown, force: bool) -> Vec<Node> {
    let mut nodes = match (before, after) {
        (Shown::Known(b), Shown::Known(a)) if b == a => Vec::new(),
        (Shown::Known(Json::Object(b)), Shown::Known(Json::Object(a))) => {
            let whole = in_whole_map(&path);
            let mut out = Vec::new();
            for (k, av) in a {
                out.extend(expand(
                    with(&path, Seg::Key(k.clone())),
                    &known(find(b, k)),
                    &known(Some(av)),
                    false,
                ));
            }
            for (k, bv) in b {
                if whole && find(a, k).is_none() {
                    out.extend(expand(
                        with(&path, Seg::Key(k.clone())),
                        &known(Some(bv)),
                        &Shown::Absent,
                        false,
                    ));
                }
            }
            out
        }
        (Shown::Known(Json::Array(b)), Shown::Known(Json::Array(a))) => list(&path, b, a),
        (Shown::Absent, Shown::Known(Json::Object(a))) if !a.is_empty() => a
            .iter()
            .flat_map(|(k, v)| {
                expand(
                    with(&path, Seg::Key(k.clone())),
                    &Shown::Absent,
                    &known(Some(v)),
                    false,
                )
            })
            .collect(),
        (Shown::Known(Json::Object(b)), Shown::Absent) if !b.is_empty() => {
            let whole = in_whole_map(&path);
            b.iter()
                .filter(|(k, v)| whole || !(READ_ONLY.contains(&k.as_str()) || is_empty(v)))
                .flat_map(|(k, v)| {
                    expand(
                        with(&path, Seg::Key(k.clone())),
                        &known(Some(v)),
                        &Shown::Absent,
                        false,
                    )
                })
                .collect()
        }
        (Shown::Absent, Shown::Known(Json::Array(a))) if all_objects(a) && !a.is_empty() => {
            list(&path, &[], a)
        }
        (Shown::Known(Json::Array(b)), Shown::Absent) if all_objects(b) && !b.is_empty() => {
            list(&path, b, &[])
        }
        (Shown::Absent, Shown::Absent) => Vec::new(),
        _ => vec![leaf(path.clone(), before, after)],
    };
    if force {
        for n in &mut nodes {
            match n {
                Node::Leaf { force, .. } | Node::Group { force, .. } => *force = true,
                Node::Item { .. } => {}
            }
        }
    }
    // Changed values that open up into nothing visible (only read-only fields differ) are still
    // changes: show them whole rather than hide them.
    if nodes.is_empty() && before != after && !matches!((before, after), (Shown::Known(_), Shown::Known(_))) {
        return vec![leaf(path, before, after)];
    }
    nodes
}

/// `[]`, `{}` or `""`: a default ARM fills in, not worth a line when something goes.
fn is_empty(v: &Json) -> bool {
    match v {
        Json::Array(a) => a.is_empty(),
        Json::Object(m) => m.is_empty(),
        Json::String(s) => s.is_empty(),
        _ => false,
    }
}

fn leaf(path: Vec<Seg>, before: &Shown, after: &Shown) -> Node {
    Node::Leaf {
        path,
        before: before.clone(),
        after: after.clone(),
        force: false,
    }
}

fn all_objects(items: &[Json]) -> bool {
    items.iter().all(Json::is_object)
}

fn all_named(items: &[Json]) -> bool {
    items
        .iter()
        .all(|i| i.get("name").and_then(Json::as_str).is_some())
}

fn name_of(j: &Json) -> &str {
    j.get("name").and_then(Json::as_str).unwrap_or_default()
}

/// A list that changes: by name, as a set of scalars, or by position.
fn list(path: &[Seg], before: &[Json], after: &[Json]) -> Vec<Node> {
    let element = |seg: Seg, b: Shown, a: Shown| -> Option<Node> {
        let (b, a) = if matches!(seg, Seg::Name(_)) {
            (without_name(&b), without_name(&a))
        } else {
            (b, a)
        };
        let mark = presence(&b, &a);
        let children = expand(Vec::new(), &b, &a, false);
        (!children.is_empty()).then(|| Node::Group {
            path: with(path, seg),
            mark: Some(mark),
            children,
            force: false,
        })
    };
    if all_objects(before) && all_objects(after) && all_named(before) && all_named(after) {
        let mut out: Vec<Node> = after
            .iter()
            .filter_map(|a| {
                let b = before
                    .iter()
                    .find(|b| name_of(b).eq_ignore_ascii_case(name_of(a)));
                element(Seg::Name(name_of(a).to_string()), known(b), known(Some(a)))
            })
            .collect();
        out.extend(before.iter().filter_map(|b| {
            let kept = after.iter().any(|a| name_of(a).eq_ignore_ascii_case(name_of(b)));
            if kept {
                None
            } else {
                element(Seg::Name(name_of(b).to_string()), known(Some(b)), Shown::Absent)
            }
        }));
        return out;
    }
    let scalar = |j: &Json| !j.is_object() && !j.is_array();
    if before.iter().all(scalar) && after.iter().all(scalar) {
        let mut removed: Vec<&Json> = before.iter().collect();
        let mut added = Vec::new();
        for a in after {
            match removed.iter().position(|b| *b == a) {
                Some(i) => {
                    removed.remove(i);
                }
                None => added.push(a),
            }
        }
        if added.is_empty() && removed.is_empty() {
            // Only the order differs.
            return vec![leaf(
                path.to_vec(),
                &known(Some(&Json::Array(before.to_vec()))),
                &known(Some(&Json::Array(after.to_vec()))),
            )];
        }
        let items = added
            .into_iter()
            .map(|v| Node::Item {
                mark: Mark::Create,
                value: v.clone(),
            })
            .chain(removed.into_iter().map(|v| Node::Item {
                mark: Mark::Delete,
                value: v.clone(),
            }))
            .collect();
        if before.is_empty() {
            // A new list shows whole.
            return vec![leaf(
                path.to_vec(),
                &Shown::Absent,
                &known(Some(&Json::Array(after.to_vec()))),
            )];
        }
        return vec![Node::Group {
            path: path.to_vec(),
            mark: Some(Mark::Update),
            children: items,
            force: false,
        }];
    }
    if all_objects(before) && all_objects(after) {
        return (0..before.len().max(after.len()))
            .filter_map(|i| element(Seg::Index(i), known(before.get(i)), known(after.get(i))))
            .collect();
    }
    vec![leaf(
        path.to_vec(),
        &known(Some(&Json::Array(before.to_vec()))),
        &known(Some(&Json::Array(after.to_vec()))),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(path: &str, before: Shown, after: Shown) -> PropertyChange {
        PropertyChange {
            path: path.into(),
            before,
            after,
            forces_replacement: false,
        }
    }

    #[test]
    fn paths_parse_and_display() {
        let p = parse("properties.securityRules[1].properties.priority");
        assert_eq!(p[2], Seg::Index(1));
        assert_eq!(display(&p), "properties.securityRules[1].properties.priority");
        let p = parse("a[\"x.y]\"].b");
        assert_eq!(p[1], Seg::Name("x.y]".into()));
        assert_eq!(display(&p), "a[\"x.y]\"].b");
        assert_eq!(
            display(&[Seg::Key("tags".into()), Seg::Key("cost center".into())]),
            "tags[\"cost center\"]"
        );
    }

    #[test]
    fn an_element_opens_up_by_name_and_hides_read_only_fields() {
        let tree = build(&[change(
            "properties.securityRules[0]",
            Shown::Known(json!({"name": "allow-https", "id": "/x", "etag": "e",
                "properties": {"priority": 200, "access": "Allow", "provisioningState": "Succeeded"}})),
            Shown::Known(json!({"name": "allow-https", "properties": {"priority": 210, "access": "Allow"}})),
        )]);
        let expected = Node::Group {
            path: parse("properties.securityRules[\"allow-https\"]"),
            mark: Some(Mark::Update),
            children: vec![Node::Leaf {
                path: parse("properties.priority"),
                before: Shown::Known(json!(200)),
                after: Shown::Known(json!(210)),
                force: false,
            }],
            force: false,
        };
        assert_eq!(tree, [expected]);
    }

    #[test]
    fn whole_maps_show_each_key_and_removals() {
        let tree = build(&[change(
            "tags",
            Shown::Known(json!({"env": "dev", "old": "x"})),
            Shown::Known(json!({"env": "dev", "new": "y"})),
        )]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree[0].mark(), Mark::Create);
        assert_eq!(tree[1].mark(), Mark::Delete);
    }

    #[test]
    fn scalar_lists_show_items_added_and_removed() {
        let tree = build(&[change(
            "properties.addressSpace.addressPrefixes",
            Shown::Known(json!(["10.0.0.0/16", "10.1.0.0/16"])),
            Shown::Known(json!(["10.0.0.0/16", "10.2.0.0/16"])),
        )]);
        let [Node::Group { children, .. }] = tree.as_slice() else {
            panic!("{tree:?}")
        };
        assert_eq!(children.len(), 2);
        assert_eq!(children[0].mark(), Mark::Create);
        assert_eq!(children[1].mark(), Mark::Delete);
    }

    #[test]
    fn leaf_paths_under_the_same_element_share_one_group() {
        let tree = build(&[
            change(
                "rules[1].properties.a",
                Shown::Known(json!(1)),
                Shown::Known(json!(2)),
            ),
            change("rules[1].properties.b", Shown::Sensitive, Shown::Sensitive),
        ]);
        let [Node::Group { children, .. }] = tree.as_slice() else {
            panic!("{tree:?}")
        };
        assert_eq!(children.len(), 2);
    }
}
