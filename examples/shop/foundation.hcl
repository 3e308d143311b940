# Layer 1: the resource group everything else lives in.
module "rg" {
  source   = "resource_group"
  name     = "rg-${local.prefix}"
  location = env.location
  tags     = local.tags
}
