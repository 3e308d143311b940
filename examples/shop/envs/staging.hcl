# Staging: production-like, for pre-deployment validation. Same as prod, its own network range.
environment "staging" {
  inherits        = "prod"
  subscription_id = "00000000-0000-0000-0000-00000000a002"
  variables = {
    vnet_cidr = "10.20.0.0/16"
  }
}
