# Development: lowest cost (smallest SKUs, locally redundant storage, one instance, no zones),
# deployed into the local emulator by default.
environment "dev" {
  target          = "emulator"
  profile         = "dev"
  subscription_id = "00000000-0000-0000-0000-00000000a001"
  location        = "westeurope"
  variables = {
    vnet_cidr = "10.10.0.0/16"
  }
}
