# Layer 5: where traffic enters. Front Door terminates TLS at the edge, redirects HTTP to
# HTTPS and forwards to the app. In staging and prod the profile makes it Premium with a WAF
# (Microsoft's managed rule sets, in prevention mode).
module "edge" {
  source            = "edge"
  resource_group    = module.rg.name
  name              = local.prefix
  origins           = [module.app.default_hostname]
  health_probe_path = "/healthz"
  tags              = local.tags
}
