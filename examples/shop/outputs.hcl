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

output "storage_account_id" {
  value = module.storage.account_id
}

output "blob_endpoint" {
  value = module.storage.primary_blob_endpoint
}

output "storage_connection_string" {
  value       = module.storage.primary_connection_string
  sensitive   = true
  description = "Also in Key Vault as storage-connection-string."
}

output "vault_uri" {
  value = module.vault.vault_uri
}

output "database_fqdn" {
  value       = module.database.fqdn
  description = "Resolvable only inside the virtual network."
}

output "database_connection_string" {
  value     = module.database.connection_string
  sensitive = true
}

output "app_hostname" {
  value = module.app.default_hostname
}

output "url" {
  value       = "https://${module.edge.endpoint_hostname}/"
  description = "The shop, through Front Door."
}

output "log_analytics_workspace_id" {
  value = module.monitoring.workspace_id
}

output "app_insights_connection_string" {
  value     = module.monitoring.app_insights_connection_string
  sensitive = true
}
