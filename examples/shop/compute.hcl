# Layer 4: compute. The shop runs on App Service: HTTPS only, TLS 1.2, FTP off, and all its
# outbound traffic routed through the app subnet, where the NSGs and the database's private
# DNS apply. The plan's sku, worker count and zone redundancy come from the profile.
module "app" {
  source            = "compute"
  kind              = "app_service"
  resource_group    = module.rg.name
  name              = "app-${local.prefix}"
  subnet            = module.network.subnets["app"]
  runtime           = var.app_runtime
  health_check_path = "/healthz"
  tags              = local.tags
}
