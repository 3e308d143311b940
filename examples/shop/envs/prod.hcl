# Production: highly available and redundant — zone-redundant app and database, RA-GZRS
# storage, three instances, purge protection, a WAF, long retention. Staging inherits from it.
# Rehearse it locally with `strata plan -e prod --emulator`.
environment "prod" {
  target          = "azure"
  profile         = "prod"
  subscription_id = "00000000-0000-0000-0000-00000000a003"
  location        = "westeurope"
  variables = {
    vnet_cidr = "10.30.0.0/16"
    tenant_id = "00000000-0000-0000-0000-00000000a000"
  }

  # Survive the loss of westeurope: a standby kept running in its paired region (northeurope,
  # the default secondary). Drills are judged against these targets. Staging inherits it.
  # The standby is the derived environment prod-dr (own state and lock): its own network,
  # vault, workspace and app, a read replica of the database, and Front Door's second origin.
  disaster_recovery {
    strategy = "warm"
    rpo      = "15m"
    rto      = "1h"
    # What the standby sets differently: its own address range, apart from the primary's.
    variables = {
      vnet_cidr = "10.31.0.0/16"
    }
  }
}
