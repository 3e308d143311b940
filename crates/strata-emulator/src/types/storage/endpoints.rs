//! What a storage account's sku and kind make of it: endpoints, regions, tiers.

use serde_json::{Map, Value, json};
use strata_azure::behaviour::regions;

/// The replicated skus and whether their secondary can be read.
fn replication(sku: &str) -> (bool, bool) {
    regions::storage_geo_replication(sku)
}

/// True for the geo-replicated skus (those with a secondary region).
pub(super) fn is_geo(sku: &str) -> bool {
    replication(sku).0
}

/// The services an account of `kind` serves.
fn services(kind: &str) -> &'static [&'static str] {
    match kind {
        "FileStorage" => &["file"],
        "BlockBlobStorage" => &["dfs", "web", "blob"],
        "BlobStorage" => &["dfs", "blob", "table"],
        "Storage" => &["blob", "queue", "table", "file"],
        _ => &["dfs", "web", "blob", "queue", "table", "file"],
    }
}

fn endpoints(name: &str, kind: &str) -> Value {
    let mut out = Map::new();
    for svc in services(kind) {
        let url = if *svc == "web" {
            format!("https://{name}.z6.web.core.windows.net/")
        } else {
            format!("https://{name}.{svc}.core.windows.net/")
        };
        out.insert((*svc).to_string(), json!(url));
    }
    Value::Object(out)
}

/// Sets the read-only fields that follow from the account's name, kind, sku and primary
/// region (its location until a failover moves the primary).
pub(super) fn derive(props: &mut Map<String, Value>, name: &str, kind: &str, sku: &str, location: &str) {
    props.insert("primaryEndpoints".into(), endpoints(name, kind));
    props.insert("primaryLocation".into(), json!(location));
    props.insert("statusOfPrimary".into(), json!("available"));
    for k in ["secondaryLocation", "statusOfSecondary", "secondaryEndpoints"] {
        props.remove(k);
    }
    let (geo, readable) = replication(sku);
    if geo && let Some(pair) = regions::pair_of(location) {
        props.insert("secondaryLocation".into(), json!(pair));
        props.insert("statusOfSecondary".into(), json!("available"));
        if readable {
            props.insert(
                "secondaryEndpoints".into(),
                endpoints(&format!("{name}-secondary"), kind),
            );
        }
    }
}

/// The tier of a sku name (`Premium_LRS` → `Premium`).
pub(super) fn tier(sku: &str) -> &'static str {
    if sku.starts_with("Premium") {
        "Premium"
    } else {
        "Standard"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_follow_kind_and_sku() {
        let mut p = Map::new();
        derive(&mut p, "stshop", "StorageV2", "Standard_RAGRS", "westeurope");
        assert_eq!(
            p["primaryEndpoints"]["blob"],
            "https://stshop.blob.core.windows.net/"
        );
        assert_eq!(p["secondaryLocation"], "northeurope");
        assert_eq!(
            p["secondaryEndpoints"]["blob"],
            "https://stshop-secondary.blob.core.windows.net/"
        );
        derive(&mut p, "stshop", "StorageV2", "Standard_LRS", "westeurope");
        assert!(p.get("secondaryLocation").is_none());
        derive(&mut p, "files", "FileStorage", "Premium_LRS", "westeurope");
        assert!(p["primaryEndpoints"].get("blob").is_none());
        assert_eq!(tier("Premium_ZRS"), "Premium");
    }
}
