# Layer 3: secured services. Replication, retention, purge protection and the database's
# high availability come from the environment's profile.

# Blob storage: HTTPS only, TLS 1.2, no anonymous access, versioning and soft delete on.
# Its keys are read after creation (listKeys) and never shown.
module "storage" {
  source         = "storage"
  resource_group = module.rg.name
  name           = "st${local.compact}"
  tags           = local.tags

  containers = {
    assets  = {}
    uploads = { metadata = { purpose = "customer uploads" } }
  }
}

# Key Vault with RBAC authorization. It holds the storage connection string, so the app reads
# it from the vault instead of from its configuration. A deleted vault keeps its name for its
# retention period, so the name carries the region: moving the environment creates a new
# vault instead of colliding with the soft-deleted one.
module "vault" {
  source         = "key_vault"
  resource_group = module.rg.name
  name           = "kv-${local.prefix}-${local.region}"
  tenant_id      = var.tenant_id
  tags           = local.tags

  secrets = {
    storage-connection-string = module.storage.primary_connection_string
  }
}

# PostgreSQL flexible server, injected into the data subnet with a private DNS zone: no
# public endpoint at all. Without db_admin_password it signs in with Entra ID only.
module "database" {
  source                 = "database"
  resource_group         = module.rg.name
  name                   = "psql-${local.prefix}"
  subnet                 = module.network.subnets["data"]
  tenant_id              = var.tenant_id
  administrator_password = var.db_admin_password
  databases              = ["shop"]
  tags                   = local.tags
}
