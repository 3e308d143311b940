# Layer 2: the segmented network. Every subnet gets its own NSG; inbound traffic is denied
# unless a rule below allows it. The app and data subnets are delegated to the services that
# are injected into them, and later layers check that they are placed in the right one.
module "network" {
  source         = "networking"
  resource_group = module.rg.name
  name           = "vnet-${local.prefix}"
  address_space  = [var.vnet_cidr]
  tags           = local.tags

  subnets = {
    # Application components: the App Service's VNet integration.
    app = {
      address_prefix = cidrsubnet(var.vnet_cidr, 8, 1)
      delegation     = "Microsoft.Web/serverFarms"
      nsg_rules = [
        {
          name                       = "allow-https-from-vnet"
          priority                   = 100
          direction                  = "Inbound"
          access                     = "Allow"
          protocol                   = "Tcp"
          source_address_prefix      = "VirtualNetwork"
          destination_address_prefix = "*"
          destination_port_range     = "443"
        },
      ]
    }

    # Databases: PostgreSQL is injected here; only the app subnet may reach it.
    data = {
      address_prefix = cidrsubnet(var.vnet_cidr, 8, 2)
      delegation     = "Microsoft.DBforPostgreSQL/flexibleServers"
      nsg_rules = [
        {
          name                       = "allow-postgres-from-app"
          priority                   = 100
          direction                  = "Inbound"
          access                     = "Allow"
          protocol                   = "Tcp"
          source_address_prefix      = cidrsubnet(var.vnet_cidr, 8, 1)
          destination_address_prefix = "*"
          destination_port_range     = "5432"
        },
      ]
    }

    # Administrative access, from the admins' network only.
    mgmt = {
      address_prefix = cidrsubnet(var.vnet_cidr, 8, 3)
      nsg_rules = [
        {
          name                       = "allow-ssh-from-admins"
          priority                   = 100
          direction                  = "Inbound"
          access                     = "Allow"
          protocol                   = "Tcp"
          source_address_prefix      = var.admin_source_prefix
          destination_address_prefix = "*"
          destination_port_range     = "22"
        },
      ]
    }
  }
}
