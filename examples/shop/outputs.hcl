output "resource_group_id" {
  value       = module.rg.id
  description = "Id of the environment's resource group."
}

output "vnet_id" {
  value = module.network.vnet_id
}

output "subnet_ids" {
  value       = module.network.subnet_ids
  description = "Subnet ids by name: app, data, mgmt."
}

output "nsg_ids" {
  value = module.network.nsg_ids
}
