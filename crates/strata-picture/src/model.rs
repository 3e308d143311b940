//! From items to a picture: nodes, bands, networks and edges.

use std::collections::{BTreeMap, BTreeSet};

use strata_core::{ArmId, Layer};

/// What a plan does to a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    Replace,
    Delete,
    Unchanged,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::Create => "create",
            Change::Update => "update",
            Change::Replace => "replace",
            Change::Delete => "delete",
            Change::Unchanged => "unchanged",
        }
    }
}

/// A resource to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// `module.network.vnet`
    pub addr: String,
    pub id: ArmId,
    pub layer: Layer,
    /// The addresses of the resources its configuration refers to.
    pub references: Vec<String>,
    /// `None`: drawn without a plan.
    pub change: Option<Change>,
}

/// A box in the picture: a top-level resource (its children folded in), or a subnet.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub addr: String,
    /// The resource's name.
    pub label: String,
    /// `virtual network`, `app service plan`, …
    pub kind: String,
    pub change: Option<Change>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// Logs and metrics sent by a diagnostic setting.
    Diagnostics,
    /// The edge routes traffic to it.
    Serves,
    /// Refers to it.
    Uses,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SubnetBox {
    pub node: usize,
    /// What is injected into the subnet.
    pub members: Vec<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VnetBox {
    pub node: usize,
    pub subnets: Vec<SubnetBox>,
}

/// One layer of the estate.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub layer: Layer,
    pub title: &'static str,
    /// Nodes drawn in the band itself (not inside a network).
    pub nodes: Vec<usize>,
    pub vnets: Vec<VnetBox>,
}

/// The whole picture.
#[derive(Clone, Debug, PartialEq)]
pub struct Picture {
    pub title: String,
    pub nodes: Vec<Node>,
    pub bands: Vec<Band>,
    pub edges: Vec<Edge>,
}

/// The bands top to bottom: the edge in front of what it serves.
const ORDER: &[(Layer, &str)] = &[
    (Layer::ResourceGroups, "resource groups"),
    (Layer::Edge, "edge"),
    (Layer::Network, "network"),
    (Layer::Compute, "compute"),
    (Layer::Data, "secured services"),
    (Layer::Monitoring, "monitoring"),
];

/// `Microsoft.Network/virtualNetworks` → `virtual network`.
fn kind(resource_type: &str) -> String {
    let lower = resource_type.to_ascii_lowercase();
    let known = [
        ("microsoft.web/sites", "app"),
        ("microsoft.web/serverfarms", "app service plan"),
        ("microsoft.dbforpostgresql/flexibleservers", "postgresql server"),
        ("microsoft.cdn/profiles", "front door"),
        (
            "microsoft.operationalinsights/workspaces",
            "log analytics workspace",
        ),
        ("microsoft.insights/components", "application insights"),
        ("microsoft.keyvault/vaults", "key vault"),
        ("microsoft.recoveryservices/vaults", "recovery services vault"),
    ];
    if let Some((_, name)) = known.iter().find(|(t, _)| *t == lower) {
        return (*name).to_string();
    }
    let last = resource_type.rsplit('/').next().unwrap_or(resource_type);
    let mut words = String::new();
    for (i, c) in last.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    if let Some(stem) = words.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = words
        .strip_suffix("es")
        .filter(|w| w.ends_with("ss") || w.ends_with("ch") || w.ends_with("sh"))
    {
        stem.to_string()
    } else if let Some(stem) = words.strip_suffix('s').filter(|w| !w.ends_with('s')) {
        stem.to_string()
    } else {
        words
    }
}

fn is_diagnostics(resource_type: &str) -> bool {
    resource_type
        .to_ascii_lowercase()
        .ends_with("microsoft.insights/diagnosticsettings")
}

fn is_subnet(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Network/virtualNetworks/subnets")
}

/// The top-level resource an id belongs to: itself, its top-level ancestor, or for an
/// extension resource the resource it extends.
fn owner(id: &ArmId) -> ArmId {
    let mut cur = id.clone();
    // An extension (`{scope}/providers/Microsoft.Insights/…`) belongs to its scope.
    if let Some(pos) = cur.as_str().to_ascii_lowercase().rfind("/providers/")
        && cur
            .as_str()
            .to_ascii_lowercase()
            .find("/providers/")
            .is_some_and(|first| first != pos)
        && let Ok(scope) = ArmId::parse(&cur.as_str()[..pos])
    {
        cur = scope;
    }
    while cur.segments().len() > 1 {
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
    cur
}

impl Picture {
    /// Arranges `items` (see the crate docs).
    pub fn build(title: &str, items: &[Item]) -> Picture {
        let mut nodes: Vec<Node> = Vec::new();
        // Lower-case id → node, address → node.
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_addr: BTreeMap<&str, usize> = BTreeMap::new();
        let mut layer_of: Vec<Layer> = Vec::new();
        // Top-level resources and subnets first.
        for it in items {
            let t = it.id.resource_type();
            let top = it.id.is_resource_group() || it.id.segments().len() == 1 && !is_diagnostics(&t);
            if top || is_subnet(&t) {
                by_id.insert(it.id.key(), nodes.len());
                by_addr.insert(&it.addr, nodes.len());
                layer_of.push(if is_subnet(&t) { Layer::Network } else { it.layer });
                nodes.push(Node {
                    addr: it.addr.clone(),
                    label: it.id.name().to_string(),
                    kind: if it.id.is_resource_group() {
                        "resource group".into()
                    } else {
                        kind(&t)
                    },
                    change: it.change,
                });
            }
        }
        // Children fold into their top-level resource: their references and changes count
        // for it.
        let mut folded: Vec<usize> = Vec::with_capacity(items.len());
        for it in items {
            let n = by_addr.get(it.addr.as_str()).copied().or_else(|| {
                let o = owner(&it.id);
                by_id.get(&o.key()).copied()
            });
            folded.push(n.unwrap_or(usize::MAX));
            if let (Some(n), Some(c)) = (n, it.change)
                && c != Change::Unchanged
                && nodes[n].change.is_none_or(|x| x == Change::Unchanged)
            {
                nodes[n].change = Some(Change::Update);
            }
        }
        let node_of_addr = |a: &str| -> Option<usize> {
            by_addr.get(a).copied().or_else(|| {
                items
                    .iter()
                    .position(|i| i.addr == a)
                    .and_then(|p| folded.get(p).copied())
                    .filter(|n| *n != usize::MAX)
            })
        };
        let subnet = |n: usize| nodes[n].kind == "subnet";
        let mut injected: BTreeMap<usize, usize> = BTreeMap::new();
        let mut edges: BTreeSet<Edge> = BTreeSet::new();
        for (i, it) in items.iter().enumerate() {
            let from = folded[i];
            if from == usize::MAX {
                continue;
            }
            let diag = is_diagnostics(&it.id.resource_type());
            for r in &it.references {
                let Some(to) = node_of_addr(r) else { continue };
                if to == from || layer_of[to] == Layer::ResourceGroups {
                    continue;
                }
                if subnet(to) && !subnet(from) {
                    injected.entry(from).or_insert(to);
                    continue;
                }
                if subnet(to) || nodes[to].kind == "virtual network" {
                    continue;
                }
                let kind = if diag {
                    EdgeKind::Diagnostics
                } else if layer_of[from] == Layer::Edge {
                    EdgeKind::Serves
                } else {
                    EdgeKind::Uses
                };
                edges.insert(Edge { from, to, kind });
            }
        }
        // A subnet belongs to its network.
        let mut vnet_of_subnet: BTreeMap<usize, usize> = BTreeMap::new();
        for it in items {
            if is_subnet(&it.id.resource_type())
                && let (Some(&s), Some(p)) = (by_addr.get(it.addr.as_str()), it.id.parent())
                && let Some(&v) = by_id.get(&p.key())
            {
                vnet_of_subnet.insert(s, v);
            }
        }
        let mut bands = Vec::new();
        for (layer, title) in ORDER {
            let mut band = Band {
                layer: *layer,
                title,
                nodes: Vec::new(),
                vnets: Vec::new(),
            };
            for (n, l) in layer_of.iter().enumerate() {
                if l != layer || subnet(n) || injected.contains_key(&n) {
                    continue;
                }
                if *layer == Layer::Network && nodes[n].kind == "virtual network" {
                    let subnets = vnet_of_subnet
                        .iter()
                        .filter(|(_, v)| **v == n)
                        .map(|(s, _)| SubnetBox {
                            node: *s,
                            members: injected
                                .iter()
                                .filter(|(_, t)| **t == *s)
                                .map(|(m, _)| *m)
                                .collect(),
                        })
                        .collect();
                    band.vnets.push(VnetBox { node: n, subnets });
                } else {
                    band.nodes.push(n);
                }
            }
            if !band.nodes.is_empty() || !band.vnets.is_empty() {
                bands.push(band);
            }
        }
        // Injected resources whose subnet has no network in the picture stay in their band.
        let placed: BTreeSet<usize> = bands
            .iter()
            .flat_map(|b| {
                b.vnets
                    .iter()
                    .flat_map(|v| v.subnets.iter().flat_map(|s| s.members.iter().copied()))
            })
            .collect();
        for (m, _) in injected.iter().filter(|(m, _)| !placed.contains(m)) {
            if let Some(b) = bands.iter_mut().find(|b| b.layer == layer_of[*m]) {
                b.nodes.push(*m);
            }
        }
        Picture {
            title: title.to_string(),
            nodes,
            bands,
            edges: edges.into_iter().collect(),
        }
    }

    /// Whether any node carries a change (a picture of a plan).
    pub fn has_changes(&self) -> bool {
        self.nodes.iter().any(|n| n.change.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RG: &str = "/subscriptions/s/resourceGroups/rg";

    fn item(addr: &str, id: &str, layer: Layer, refs: &[&str]) -> Item {
        Item {
            addr: addr.into(),
            id: ArmId::parse(id).unwrap(),
            layer,
            references: refs.iter().map(|r| (*r).to_string()).collect(),
            change: None,
        }
    }

    pub(crate) fn estate() -> Vec<Item> {
        let vnet = format!("{RG}/providers/Microsoft.Network/virtualNetworks/vnet");
        let app = format!("{RG}/providers/Microsoft.Web/sites/app");
        let ws = format!("{RG}/providers/Microsoft.OperationalInsights/workspaces/log");
        vec![
            item("rg", RG, Layer::ResourceGroups, &[]),
            item("vnet", &vnet, Layer::Network, &["rg"]),
            item(
                "snet_app",
                &format!("{vnet}/subnets/app"),
                Layer::Network,
                &["vnet"],
            ),
            item(
                "snet_data",
                &format!("{vnet}/subnets/data"),
                Layer::Network,
                &["vnet"],
            ),
            item(
                "nsg",
                &format!("{RG}/providers/Microsoft.Network/networkSecurityGroups/nsg"),
                Layer::Network,
                &[],
            ),
            item(
                "plan",
                &format!("{RG}/providers/Microsoft.Web/serverFarms/plan"),
                Layer::Compute,
                &[],
            ),
            item("app", &app, Layer::Compute, &["plan", "snet_app"]),
            item(
                "app_config",
                &format!("{app}/config/web"),
                Layer::Compute,
                &["app"],
            ),
            item(
                "db",
                &format!("{RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/db"),
                Layer::Data,
                &["snet_data"],
            ),
            item(
                "fd",
                &format!("{RG}/providers/Microsoft.Cdn/profiles/fd"),
                Layer::Edge,
                &[],
            ),
            item(
                "origin",
                &format!("{RG}/providers/Microsoft.Cdn/profiles/fd/originGroups/g/origins/o"),
                Layer::Edge,
                &["app"],
            ),
            item("ws", &ws, Layer::Monitoring, &[]),
            item(
                "app_diag",
                &format!("{app}/providers/Microsoft.Insights/diagnosticSettings/d"),
                Layer::Monitoring,
                &["ws"],
            ),
        ]
    }

    #[test]
    fn networks_hold_subnets_holding_what_is_injected() {
        let p = Picture::build("shop dev", &estate());
        let idx = |a: &str| p.nodes.iter().position(|n| n.addr == a).unwrap();
        let titles: Vec<&str> = p.bands.iter().map(|b| b.title).collect();
        // The database is injected into its subnet: secured services has nothing else.
        assert_eq!(
            titles,
            ["resource groups", "edge", "network", "compute", "monitoring"]
        );
        let net = &p.bands[2];
        assert_eq!(net.vnets.len(), 1);
        let subnets = &net.vnets[0].subnets;
        assert_eq!(subnets.len(), 2);
        assert_eq!(subnets[0].members, [idx("app")]);
        assert_eq!(subnets[1].members, [idx("db")]);
        assert_eq!(net.nodes, [idx("nsg")]);
        // The app is in its subnet, not in the compute band; its config is folded into it.
        assert_eq!(p.bands[3].nodes, [idx("plan")]);
        assert!(
            p.nodes
                .iter()
                .all(|n| n.addr != "app_config" && n.addr != "origin")
        );
        assert!(p.edges.contains(&Edge {
            from: idx("app"),
            to: idx("ws"),
            kind: EdgeKind::Diagnostics
        }));
        assert!(p.edges.contains(&Edge {
            from: idx("fd"),
            to: idx("app"),
            kind: EdgeKind::Serves
        }));
        assert!(p.edges.contains(&Edge {
            from: idx("app"),
            to: idx("plan"),
            kind: EdgeKind::Uses
        }));
        assert_eq!(p.nodes[idx("db")].kind, "postgresql server");
        assert_eq!(p.nodes[idx("nsg")].kind, "network security group");
        assert_eq!(
            kind("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"),
            "front door web application firewall policy"
        );
        assert_eq!(kind("Microsoft.Web/serverfarms"), "app service plan");
        assert_eq!(kind("Microsoft.Network/privateDnsZones"), "private dns zone");
        assert_eq!(kind("Microsoft.Network/virtualNetworks/subnets"), "subnet");
    }

    #[test]
    fn a_changed_child_marks_its_parent() {
        let mut items = estate();
        for it in &mut items {
            it.change = Some(Change::Unchanged);
        }
        items[7].change = Some(Change::Update);
        let p = Picture::build("x", &items);
        let app = p.nodes.iter().find(|n| n.addr == "app").unwrap();
        assert_eq!(app.change, Some(Change::Update));
        assert!(p.has_changes());
    }
}
