//! The architecture of an estate as a picture, drawn from what a plan would deploy.
//!
//! - [`Item`] is what the picture is made from: one resource with its address, ARM id, type,
//!   layer, the addresses its configuration refers to, and what a plan does to it
//!   ([`Change`]).
//! - [`Picture::build`] (`model.rs`) arranges items: the layers as [`Band`]s (resource groups,
//!   the edge in front, network, compute, secured services, monitoring); top-level resources
//!   are [`Node`]s and their child resources are folded into them; each virtual network is a
//!   [`VnetBox`] holding its [`SubnetBox`]es, each holding what is injected there (a resource
//!   that refers to the subnet); diagnostic settings become [`Edge`]s to their workspace, and
//!   other references between nodes become edges too.
//! - [`svg`] lays the picture out in Rust (no external binary) as SVG; [`mermaid`] and [`dot`]
//!   write it for Mermaid (a pull request shows it) and Graphviz.

pub mod dot;
pub mod mermaid;
mod model;
pub mod svg;

pub use model::{Band, Change, Edge, EdgeKind, Item, Node, Picture, SubnetBox, VnetBox};

/// Text in a picture: what would break the markup escaped.
pub(crate) fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}
