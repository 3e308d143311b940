//! Address prefixes: parsing with the network provider's errors, containment and overlap.

use ipnet::IpNet;
use serde_json::Value;

use crate::protocol::ArmError;

/// Parses a CIDR prefix of the resource `resource_id`. Host bits must be zero, as Azure insists.
pub(crate) fn parse(prefix: &str, resource_id: &str) -> Result<IpNet, ArmError> {
    let net: IpNet = prefix.trim().parse().map_err(|_| {
        ArmError::bad_request(
            "InvalidAddressPrefixFormat",
            format!(
                "Address prefix {prefix} of resource {resource_id} is not formatted correctly. It should \
                 follow CIDR notation, for example 10.0.0.0/24."
            ),
        )
    })?;
    if net.trunc() != net {
        return Err(ArmError::bad_request(
            "InvalidCIDRNotation",
            format!(
                "The address prefix {prefix} in resource {resource_id} has an invalid CIDR notation. For the \
                 given prefix length, the address prefix should be {}.",
                net.trunc()
            ),
        ));
    }
    Ok(net)
}

/// Parses a JSON array of prefixes (`addressPrefixes`).
pub(crate) fn parse_list(value: &Value, resource_id: &str, what: &str) -> Result<Vec<IpNet>, ArmError> {
    let Value::Array(items) = value else {
        return Err(ArmError::bad_request(
            "InvalidRequestFormat",
            format!(
                "Cannot parse the request. {what} of resource {resource_id} must be an array of strings."
            ),
        ));
    };
    items
        .iter()
        .map(|i| match i {
            Value::String(s) => parse(s, resource_id),
            other => Err(ArmError::bad_request(
                "InvalidAddressPrefixFormat",
                format!(
                    "Address prefix {other} of resource {resource_id} is not formatted correctly. It should \
                     follow CIDR notation, for example 10.0.0.0/24."
                ),
            )),
        })
        .collect()
}

/// True when `inner` lies entirely inside one of `space`.
pub(crate) fn within(inner: &IpNet, space: &[IpNet]) -> bool {
    space.iter().any(|outer| outer.contains(inner))
}

/// True when two prefixes share an address.
pub(crate) fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    #[test]
    fn parses_like_the_network_provider() {
        assert_eq!(parse("10.0.0.0/16", "r").unwrap(), net("10.0.0.0/16"));
        assert_eq!(
            parse("10.0.0", "r").unwrap_err().code(),
            "InvalidAddressPrefixFormat"
        );
        let e = parse("10.0.0.1/24", "r").unwrap_err();
        assert_eq!(e.code(), "InvalidCIDRNotation");
        assert!(e.body.message.contains("should be 10.0.0.0/24"));
        assert!(parse("fd00::/64", "r").is_ok());
    }

    #[test]
    fn containment_and_overlap() {
        let space = [net("10.0.0.0/16"), net("192.168.0.0/24")];
        assert!(within(&net("10.0.1.0/24"), &space));
        assert!(within(&net("192.168.0.0/25"), &space));
        assert!(!within(&net("10.1.0.0/24"), &space));
        assert!(!within(&net("10.0.0.0/8"), &space));
        assert!(overlaps(&net("10.0.0.0/24"), &net("10.0.0.128/25")));
        assert!(!overlaps(&net("10.0.0.0/25"), &net("10.0.0.128/25")));
        assert!(!overlaps(&net("10.0.0.0/24"), &net("fd00::/64")));
    }
}
