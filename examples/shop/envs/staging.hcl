# Staging: production-like, for pre-deployment validation — prod's topology and security
# (zones, WAF, purge protection) with fewer and smaller instances. Same as prod otherwise,
# with its own network range and subscription.
environment "staging" {
  inherits        = "prod"
  profile         = "staging"
  subscription_id = "00000000-0000-0000-0000-00000000a002"
  variables = {
    vnet_cidr = "10.20.0.0/16"
  }

  # Prod's disaster recovery, with the standby's own range.
  disaster_recovery {
    variables = {
      vnet_cidr = "10.21.0.0/16"
    }
  }
}
