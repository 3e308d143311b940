# Layer 6: monitoring. A Log Analytics workspace and Application Insights linked to it.
# Because this module collects the stack's diagnostics, strata gives every resource above that
# supports it a diagnostic setting sending its logs and metrics here; a module opts out with
# `diagnostics = false`.
module "monitoring" {
  source         = "monitoring"
  resource_group = module.rg.name
  name           = "log-${local.prefix}"
  tags           = local.tags
}
