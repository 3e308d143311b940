//! The layer a resource of a given type belongs to: generic `resource` blocks and imports get
//! it from their type (built-in modules name the layer of what they create themselves).

use strata_core::Layer;

/// The layer a generic resource of `resource_type` belongs to (case-insensitive).
pub fn layer_for(resource_type: &str) -> Layer {
    let t = resource_type.to_ascii_lowercase();
    if t == "microsoft.resources/resourcegroups" {
        Layer::ResourceGroups
    } else if t.starts_with("microsoft.network/applicationgateways")
        || t.starts_with("microsoft.cdn/")
        || t.starts_with("microsoft.network/frontdoorwebapplicationfirewallpolicies")
    {
        Layer::Edge
    } else if t.starts_with("microsoft.network/") {
        Layer::Network
    } else if t.starts_with("microsoft.storage/")
        || t.starts_with("microsoft.keyvault/")
        || t.starts_with("microsoft.dbforpostgresql/")
        || t.starts_with("microsoft.sql/")
        || t.starts_with("microsoft.recoveryservices/")
    {
        Layer::Data
    } else if t.starts_with("microsoft.operationalinsights/") || t.starts_with("microsoft.insights/") {
        Layer::Monitoring
    } else {
        Layer::Compute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_by_type() {
        assert_eq!(
            layer_for("Microsoft.Network/virtualNetworks/subnets"),
            Layer::Network
        );
        assert_eq!(
            layer_for("microsoft.resources/RESOURCEGROUPS"),
            Layer::ResourceGroups
        );
        assert_eq!(layer_for("Microsoft.Network/applicationGateways"), Layer::Edge);
        assert_eq!(layer_for("Microsoft.Cdn/profiles/afdEndpoints"), Layer::Edge);
        assert_eq!(layer_for("Microsoft.KeyVault/vaults/secrets"), Layer::Data);
        assert_eq!(layer_for("Microsoft.Insights/components"), Layer::Monitoring);
        assert_eq!(layer_for("Microsoft.Web/sites"), Layer::Compute);
    }
}
