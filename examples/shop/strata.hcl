# The shop estate: an Azure estate built in layers, each depending only on the ones before it.
#
#   1. resource group      (module "rg")
#   2. segmented network   (module "network"): app, data and management subnets, each behind
#                          its own network security group that denies inbound traffic by default
#
# Later layers (storage and Key Vault, compute, edge, monitoring) build on these outputs.

stack "shop" {
  description = "Example estate: resource group and a segmented virtual network"
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

locals {
  prefix = "shop-${env.name}"
  tags   = merge(var.tags, { environment = env.name, managed_by = "strata" })
}
