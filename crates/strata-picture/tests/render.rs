//! The SVG renders (with resvg, as a browser would), and what it draws is where the layout
//! says: boxes in their colours, text in the system's fonts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use strata_core::{ArmId, Layer};
use strata_picture::{Change, Item, Picture, dot::dot, mermaid::mermaid, svg::svg};

const RG: &str = "/subscriptions/s/resourceGroups/rg-shop-dev";

fn item(addr: &str, id: &str, layer: Layer, refs: &[&str], change: Change) -> Item {
    Item {
        addr: addr.into(),
        id: ArmId::parse(id).unwrap(),
        layer,
        references: refs.iter().map(|r| (*r).to_string()).collect(),
        change: Some(change),
    }
}

fn estate() -> Vec<Item> {
    let vnet = format!("{RG}/providers/Microsoft.Network/virtualNetworks/vnet-shop-dev");
    let app = format!("{RG}/providers/Microsoft.Web/sites/app-shop-dev");
    let ws = format!("{RG}/providers/Microsoft.OperationalInsights/workspaces/log-shop-dev");
    vec![
        item(
            "module.rg.group",
            RG,
            Layer::ResourceGroups,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.network.vnet",
            &vnet,
            Layer::Network,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.network.subnet[\"app\"]",
            &format!("{vnet}/subnets/app"),
            Layer::Network,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.network.subnet[\"data\"]",
            &format!("{vnet}/subnets/data"),
            Layer::Network,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.app.plan",
            &format!("{RG}/providers/Microsoft.Web/serverFarms/plan-shop-dev"),
            Layer::Compute,
            &[],
            Change::Update,
        ),
        item(
            "module.app.app",
            &app,
            Layer::Compute,
            &["module.app.plan", "module.network.subnet[\"app\"]"],
            Change::Unchanged,
        ),
        item(
            "module.database.server",
            &format!("{RG}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-shop-dev"),
            Layer::Data,
            &["module.network.subnet[\"data\"]"],
            Change::Create,
        ),
        item(
            "module.storage.account",
            &format!("{RG}/providers/Microsoft.Storage/storageAccounts/stshopdev"),
            Layer::Data,
            &[],
            Change::Delete,
        ),
        item(
            "module.edge.profile",
            &format!("{RG}/providers/Microsoft.Cdn/profiles/fd-shop-dev"),
            Layer::Edge,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.edge.origin",
            &format!("{RG}/providers/Microsoft.Cdn/profiles/fd-shop-dev/originGroups/g/origins/app"),
            Layer::Edge,
            &["module.app.app"],
            Change::Unchanged,
        ),
        item(
            "module.monitoring.workspace",
            &ws,
            Layer::Monitoring,
            &[],
            Change::Unchanged,
        ),
        item(
            "module.app.diag",
            &format!("{app}/providers/Microsoft.Insights/diagnosticSettings/d"),
            Layer::Monitoring,
            &["module.monitoring.workspace"],
            Change::Unchanged,
        ),
    ]
}

/// The `<rect>` of the node with `addr`: its x, y, width and height.
fn rect_of(svg: &str, addr: &str) -> (f64, f64, f64, f64) {
    let at = svg
        .find(&format!("data-addr=\"{}\"", addr.replace('"', "&quot;")))
        .expect(addr);
    let rest = &svg[at..];
    let num = |attr: &str| -> f64 {
        let s = &rest[rest.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3..];
        s[..s.find('"').unwrap()].parse().unwrap()
    };
    (num("x"), num("y"), num("width"), num("height"))
}

#[test]
fn the_svg_renders_and_draws_boxes_where_the_layout_puts_them() {
    let picture = Picture::build("shop · dev", &estate());
    let text = svg(&picture);
    let mut options = resvg::usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = resvg::usvg::Tree::from_str(&text, &options).expect("valid SVG");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    if let Ok(dir) = std::env::var("STRATA_PICTURE_PNG") {
        pixmap.save_png(dir).unwrap();
    }
    let pixel = |x: f64, y: f64| {
        let p = pixmap.pixel(x as u32, y as u32).unwrap();
        (p.red(), p.green(), p.blue())
    };
    // Inside a box, just below its top-left corner and left of the text: the fill of its change.
    let inside = |addr: &str| {
        let (x, y, _, _) = rect_of(&text, addr);
        pixel(x + 4.0, y + 6.0)
    };
    assert_eq!(
        inside("module.database.server"),
        (0xd7, 0xf5, 0xdd),
        "created: green"
    );
    assert_eq!(inside("module.app.plan"), (0xff, 0xf4, 0xcc), "updated: amber");
    assert_eq!(
        inside("module.storage.account"),
        (0xff, 0xd7, 0xd5),
        "deleted: red"
    );
    assert_eq!(inside("module.app.app"), (0xff, 0xff, 0xff), "unchanged: white");
    // The app sits inside its subnet, inside the network.
    let (ax, ay, aw, ah) = rect_of(&text, "module.app.app");
    let (sx, sy, sw, sh) = rect_of(&text, "module.network.subnet[\"app\"]");
    let (vx, vy, vw, vh) = rect_of(&text, "module.network.vnet");
    assert!(ax > sx && ay > sy && ax + aw < sx + sw && ay + ah < sy + sh);
    assert!(sx > vx && sy > vy && sx + sw < vx + vw && sy + sh < vy + vh);
    // The edge is drawn above the network it serves.
    let (_, ey, _, _) = rect_of(&text, "module.edge.profile");
    assert!(ey < vy);
    // Text was drawn: some pixels of the title are dark.
    let dark = (24..400).any(|x| {
        let (r, g, b) = pixel(f64::from(x), 40.0);
        r < 80 && g < 80 && b < 80
    });
    assert!(dark, "the title is rendered with a system font");
}

#[test]
fn mermaid_and_dot_carry_the_same_structure() {
    let picture = Picture::build("shop · dev", &estate());
    let m = mermaid(&picture);
    assert!(m.starts_with("flowchart TB\n"));
    assert!(m.contains("subgraph b2[\"network\"]"), "{m}");
    assert!(m.contains("[\"subnet app\"]"), "{m}");
    assert!(m.contains("-. diagnostics .->"), "{m}");
    assert!(m.contains("== serves ==>"), "{m}");
    assert!(m.contains("classDef create"), "{m}");
    let d = dot(&picture);
    assert!(d.starts_with("digraph \"estate\" {"));
    assert!(d.contains("subgraph cluster_b2"), "{d}");
    assert!(d.contains("style=dashed, label=\"diagnostics\""), "{d}");
    assert_eq!(d.matches('{').count(), d.matches('}').count());
}
