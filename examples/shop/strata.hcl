# The shop estate: an Azure estate built in layers, each depending only on the ones before it.
#
#   1. resource group      foundation.hcl  (module "rg")
#   2. segmented network   network.hcl     (module "network"): app, data and management subnets,
#                          each behind its own network security group that denies inbound
#                          traffic by default
#   3. secured services    data.hcl        (modules "storage", "vault", "database"): storage with
#                          versioning and soft delete, a Key Vault holding the storage connection
#                          string, PostgreSQL reachable only from inside the network
#   4. compute             compute.hcl     (module "app"): an App Service web app in the app subnet
#   5. edge                edge.hcl        (module "edge"): Front Door in front of the app, with a
#                          WAF in staging and prod
#   6. monitoring          monitoring.hcl  (module "monitoring"): Log Analytics and Application
#                          Insights; every resource above sends its logs and metrics there through
#                          diagnostic settings that strata adds automatically
#
# Traffic enters through Front Door, is served by App Service, is persisted in Storage and
# PostgreSQL, and everything reports to Azure Monitor.
#
# Each environment (envs/*.hcl) picks a profile — dev, staging or prod — that sets the SKUs,
# replication, zones, instance counts and retention of every module; `strata plan -e prod`
# shows the difference. Anything set in a module block wins over the profile.

stack "shop" {
  description = "Example estate: the seed's architecture, from resource group to monitoring"
}

variable "vnet_cidr" {
  type        = string
  description = "Address space of the virtual network; subnets are carved out of it."
  default     = "10.10.0.0/16"

  validation {
    condition     = can(cidrhost(var.vnet_cidr, 0))
    error_message = "vnet_cidr must be an IPv4 CIDR block, like 10.10.0.0/16."
  }
}

variable "admin_source_prefix" {
  type        = string
  description = "Where administrators connect from (SSH into the management subnet)."
  default     = "203.0.113.0/24"
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource."
  default     = { owner = "platform-team", cost_center = "shop" }
}

variable "tenant_id" {
  type        = string
  description = "The Microsoft Entra tenant that guards Key Vault and signs in to PostgreSQL."
  default     = "00000000-0000-0000-0000-000000000000"
}

variable "db_admin_password" {
  type        = string
  description = "PostgreSQL administrator's password, only ever from the pipeline's secret store (--var db_admin_password=...). Unset, the server signs in with Microsoft Entra ID only: no password exists."
  sensitive   = true
  default     = null
}

variable "app_runtime" {
  type        = string
  description = "The web app's Linux runtime."
  default     = "NODE|20-lts"
}

locals {
  prefix = "shop-${env.name}"
  # Storage account names allow lowercase letters and digits only (prod-dr → proddr).
  compact = "shop${replace(env.name, "-", "")}"
  tags    = merge(var.tags, { environment = env.name, profile = env.profile, managed_by = "strata" })

  # Short region codes for names that must stay unique after deletion (see data.hcl).
  region_codes = { westeurope = "weu", northeurope = "neu", swedencentral = "sdc", eastus2 = "eus2" }
  region       = lookup(local.region_codes, env.location, env.location)
}
