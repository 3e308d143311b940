//! Azure naming rules per resource type ("Naming rules and restrictions for Azure resources").
//!
//! Shared by the configuration checks (so bad names fail before any call to ARM) and by the
//! emulator (which answers `InvalidResourceName` like ARM does).

/// What a resource type allows for a name.
#[derive(Debug, Clone, Copy)]
pub struct NameRule {
    /// Inclusive length bounds.
    pub min: usize,
    pub max: usize,
    /// Human description of the allowed characters, for messages.
    pub allowed: &'static str,
    check: fn(&str) -> Option<&'static str>,
}

impl NameRule {
    /// `Ok(())`, or a sentence saying what is wrong with `name`.
    pub fn check(&self, name: &str) -> Result<(), String> {
        let len = name.chars().count();
        if len < self.min || len > self.max {
            return Err(format!(
                "the name `{name}` is {len} characters long; it must be {}-{} characters ({})",
                self.min, self.max, self.allowed
            ));
        }
        if name.contains('#') {
            return Err(format!(
                "the name `{name}` contains `#`, which Azure never allows"
            ));
        }
        match (self.check)(name) {
            None => Ok(()),
            Some(why) => Err(format!("the name `{name}` {why}; allowed: {}", self.allowed)),
        }
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn rg_chars(n: &str) -> Option<&'static str> {
    if !n
        .chars()
        .all(|c| is_word(c) || matches!(c, '-' | '.' | '(' | ')'))
    {
        return Some("contains a character that is not allowed");
    }
    if n.ends_with('.') {
        return Some("ends with `.`");
    }
    None
}

/// Virtual networks, subnets, NSGs, rules, NICs, public IPs: letters, digits, `_`, `.`, `-`;
/// start alphanumeric; end alphanumeric or `_`.
fn network_chars(n: &str) -> Option<&'static str> {
    if !n
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return Some("contains a character that is not allowed");
    }
    if !n.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
        return Some("must start with a letter or digit");
    }
    if !n
        .chars()
        .last()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Some("must end with a letter, digit or `_`");
    }
    None
}

fn lower_alnum(n: &str) -> Option<&'static str> {
    if n.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        None
    } else {
        Some("may only contain lowercase letters and digits")
    }
}

fn container_chars(n: &str) -> Option<&'static str> {
    if !n
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("may only contain lowercase letters, digits and `-`");
    }
    if n.starts_with('-') || n.ends_with('-') || n.contains("--") {
        return Some("must start and end with a letter or digit and not contain `--`");
    }
    None
}

fn vault_chars(n: &str) -> Option<&'static str> {
    if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("may only contain letters, digits and `-`");
    }
    if !n.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Some("must start with a letter");
    }
    if n.ends_with('-') || n.contains("--") {
        return Some("must end with a letter or digit and not contain `--`");
    }
    None
}

fn alnum_hyphen_edges(n: &str) -> Option<&'static str> {
    if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("may only contain letters, digits and `-`");
    }
    if n.starts_with('-') || n.ends_with('-') {
        return Some("must start and end with a letter or digit");
    }
    None
}

/// PostgreSQL flexible servers: a DNS label, lowercase.
fn lower_alnum_hyphen_edges(n: &str) -> Option<&'static str> {
    if !n
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Some("may only contain lowercase letters, digits and `-`");
    }
    if n.starts_with('-') || n.ends_with('-') {
        return Some("must start and end with a letter or digit");
    }
    None
}

/// Front Door WAF policies: letters and digits, starting with a letter.
fn letter_then_alnum(n: &str) -> Option<&'static str> {
    if !n.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Some("may only contain letters and digits");
    }
    if !n.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Some("must start with a letter");
    }
    None
}

fn vm_chars(n: &str) -> Option<&'static str> {
    if n.chars()
        .any(|c| "\\/\"[]:|<>+=;,?*@&".contains(c) || c.is_whitespace())
    {
        return Some("contains a character that is not allowed");
    }
    if n.starts_with('_') {
        return Some("must not start with `_`");
    }
    if n.ends_with('.') || n.ends_with('-') {
        return Some("must not end with `.` or `-`");
    }
    None
}

fn any_chars(n: &str) -> Option<&'static str> {
    if n.chars()
        .any(|c| matches!(c, '<' | '>' | '%' | '&' | '\\' | '?' | '/'))
    {
        Some("contains one of < > % & \\ ? /")
    } else {
        None
    }
}

const NETWORK: &str = "letters, digits, `_`, `.` and `-`, starting with a letter or digit and ending with a letter, digit or `_`";

/// The rule for a full resource type (case-insensitive), or a permissive default.
pub fn rule_for(resource_type: &str) -> NameRule {
    let t = resource_type.to_ascii_lowercase();
    let r = |min, max, allowed, check| NameRule {
        min,
        max,
        allowed,
        check,
    };
    match t.as_str() {
        "microsoft.resources/resourcegroups" => r(
            1,
            90,
            "letters, digits, `_`, `-`, `.`, `(` and `)`, not ending with `.`",
            rg_chars,
        ),
        "microsoft.network/virtualnetworks" => r(2, 64, NETWORK, network_chars),
        "microsoft.network/virtualnetworks/subnets" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/networksecuritygroups" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/networksecuritygroups/securityrules" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/networkinterfaces" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/publicipaddresses" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/applicationgateways" => r(1, 80, NETWORK, network_chars),
        "microsoft.network/privateendpoints" => r(2, 64, NETWORK, network_chars),
        "microsoft.storage/storageaccounts" => r(3, 24, "lowercase letters and digits", lower_alnum),
        "microsoft.storage/storageaccounts/blobservices/containers" => {
            r(3, 63, "lowercase letters, digits and `-`", container_chars)
        }
        "microsoft.keyvault/vaults" => r(
            3,
            24,
            "letters, digits and `-`, starting with a letter",
            vault_chars,
        ),
        "microsoft.keyvault/vaults/secrets" => r(1, 127, "letters, digits and `-`", alnum_hyphen_edges),
        "microsoft.compute/virtualmachines" | "microsoft.compute/virtualmachinescalesets" => r(
            1,
            64,
            "no \\/\"[]:|<>+=;,?*@& or spaces; not starting with `_`, not ending with `.` or `-`",
            vm_chars,
        ),
        "microsoft.web/serverfarms" => r(1, 60, "letters, digits and `-`", alnum_hyphen_edges),
        "microsoft.web/sites" => r(
            2,
            60,
            "letters, digits and `-`, not starting or ending with `-`",
            alnum_hyphen_edges,
        ),
        "microsoft.operationalinsights/workspaces" => r(
            4,
            63,
            "letters, digits and `-`, starting and ending with a letter or digit",
            alnum_hyphen_edges,
        ),
        "microsoft.insights/components" => r(1, 260, "any characters except % & \\ ? /", any_chars),
        "microsoft.cdn/profiles"
        | "microsoft.cdn/profiles/afdendpoints"
        | "microsoft.cdn/profiles/origingroups"
        | "microsoft.cdn/profiles/origingroups/origins"
        | "microsoft.cdn/profiles/afdendpoints/routes" => r(
            1,
            260,
            "letters, digits and `-`, starting and ending with a letter or digit",
            alnum_hyphen_edges,
        ),
        "microsoft.dbforpostgresql/flexibleservers" => r(
            3,
            63,
            "lowercase letters, digits and `-`, not starting or ending with `-`",
            lower_alnum_hyphen_edges,
        ),
        "microsoft.network/frontdoorwebapplicationfirewallpolicies" => r(
            1,
            128,
            "letters and digits, starting with a letter",
            letter_then_alnum,
        ),
        "microsoft.recoveryservices/vaults" => r(
            2,
            50,
            "letters, digits and `-`, starting with a letter",
            vault_chars,
        ),
        _ => r(1, 260, "any characters except < > % & \\ ? /", any_chars),
    }
}

impl NameRule {
    /// What to do about a rejected `name`: the rule, and a corrected name when one can be
    /// derived by dropping what is not allowed.
    pub fn hint(&self, name: &str) -> String {
        let mut fixed: String = name
            .chars()
            .map(|c| if c.is_whitespace() { '-' } else { c })
            .filter(|c| !"#<>%&\\?/!\"'[]:|+=;,*@$^`~{}".contains(*c))
            .collect();
        if self.check(&fixed).is_err() {
            fixed = fixed.to_ascii_lowercase();
        }
        if self.check(&fixed).is_err() {
            fixed.retain(|c| c.is_ascii_alphanumeric());
        }
        fixed = fixed.chars().take(self.max).collect();
        let rule = format!("use {}-{} characters: {}", self.min, self.max, self.allowed);
        if !fixed.is_empty() && fixed != name && self.check(&fixed).is_ok() {
            format!("{rule}; for example `{fixed}`")
        } else {
            rule
        }
    }
}

/// Names the compute provider refuses as a VM's administrator ("The Admin Username specified
/// is not allowed"): shared by the configuration checks and the emulator.
pub const RESERVED_VM_ADMIN_NAMES: &[&str] = &[
    "administrator",
    "admin",
    "user",
    "user1",
    "test",
    "user2",
    "test1",
    "user3",
    "admin1",
    "1",
    "123",
    "a",
    "actuser",
    "adm",
    "admin2",
    "aspnet",
    "backup",
    "console",
    "david",
    "guest",
    "john",
    "owner",
    "root",
    "server",
    "sql",
    "support",
    "support_388945a0",
    "sys",
    "test2",
    "test3",
    "user4",
    "user5",
];

#[cfg(test)]
mod tests {
    #[test]
    fn hints_suggest_a_valid_name() {
        let h = super::rule_for("Microsoft.Network/virtualNetworks").hint("vnet shop-dev!");
        assert!(h.contains("`vnet-shop-dev`"), "{h}");
        let h = super::rule_for("Microsoft.Storage/storageAccounts").hint("St-Shop");
        assert!(h.contains("`stshop`"), "{h}");
    }

    use super::*;

    #[test]
    fn network_names() {
        let r = rule_for("Microsoft.Network/virtualNetworks");
        assert!(r.check("vnet-dev_1").is_ok());
        assert!(r.check("v").is_err());
        assert!(r.check("-vnet").is_err());
        assert!(r.check("vnet-").is_err());
        assert!(r.check("vnet_").is_ok());
        assert!(r.check("vn et").is_err());
        assert!(r.check(&"a".repeat(65)).is_err());
    }

    #[test]
    fn storage_names() {
        let r = rule_for("microsoft.storage/storageaccounts");
        assert!(r.check("stshopdev01").is_ok());
        assert!(r.check("StShop").is_err());
        assert!(r.check("st").is_err());
    }

    #[test]
    fn database_and_waf_names() {
        let r = rule_for("Microsoft.DBforPostgreSQL/flexibleServers");
        assert!(r.check("psql-shop-dev").is_ok());
        assert!(r.check("Psql").is_err());
        assert!(r.check("psql-").is_err());
        assert!(r.check("ps").is_err());
        let r = rule_for("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies");
        assert!(r.check("wafShopProd").is_ok());
        assert!(r.check("waf-shop").is_err());
        assert!(r.check("1waf").is_err());
    }

    #[test]
    fn resource_group_names() {
        let r = rule_for("Microsoft.Resources/resourceGroups");
        assert!(r.check("rg-shop(dev).1").is_ok());
        assert!(r.check("rg.").is_err());
        assert!(r.check("rg/x").is_err());
        assert!(r.check("rg#x").is_err());
    }
}
