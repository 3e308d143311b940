# Layer 2: the segmented network. Every subnet gets its own NSG; inbound traffic is denied
# unless a rule below allows it.
module "network" {
  source         = "networking"
  resource_group = module.rg.name
  name           = "vnet-${local.prefix}"
  address_space  = [var.vnet_cidr]
  tags           = local.tags

  subnets = {
    # Application components (App Service integration, VM scale sets).
    app = {
      address_prefix = cidrsubnet(var.vnet_cidr, 8, 1)
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

    # Databases and storage private endpoints: only the app subnet may reach them.
    data = {
      address_prefix = cidrsubnet(var.vnet_cidr, 8, 2)
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
