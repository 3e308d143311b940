# Production: highly available and redundant. Staging inherits from it.
environment "prod" {
  target          = "azure"
  subscription_id = "00000000-0000-0000-0000-00000000a003"
  location        = "westeurope"
  variables = {
    vnet_cidr = "10.30.0.0/16"
  }
}
