//! Address prefixes: parsing with helpful errors, overlap and containment.

use std::net::IpAddr;

use ipnet::IpNet;

/// A CIDR prefix that is not one, with a hint.
pub(super) struct PrefixError {
    pub message: String,
    pub hint: String,
}

/// Parses a CIDR prefix such as `10.0.0.0/16`. Host bits must be zero, as ARM requires.
pub(super) fn parse(s: &str) -> Result<IpNet, PrefixError> {
    let net: IpNet = match s.trim().parse() {
        Ok(n) => n,
        Err(_) => {
            let hint = match s.trim().parse::<IpAddr>() {
                Ok(IpAddr::V4(a)) => format!("add a prefix length, e.g. `{a}/24`"),
                Ok(IpAddr::V6(a)) => format!("add a prefix length, e.g. `{a}/64`"),
                Err(_) => "write an address and a prefix length, e.g. `10.0.0.0/16`".into(),
            };
            return Err(PrefixError {
                message: format!("`{s}` is not a CIDR prefix"),
                hint,
            });
        }
    };
    let network = net.trunc();
    if network != net {
        return Err(PrefixError {
            message: format!("`{s}` has host bits set"),
            hint: format!("did you mean `{network}`?"),
        });
    }
    Ok(net)
}

/// Pairs `(earlier, later)` of overlapping prefixes, by position in `nets`; every prefix that
/// overlaps an earlier one is reported once. Sorting makes this `n log n`: CIDR blocks
/// overlap only when one contains the other, so after sorting by start address, a block
/// overlaps the earlier ones exactly when it starts before the furthest end seen so far.
pub(super) fn overlaps(nets: &[(usize, IpNet)]) -> Vec<(usize, usize)> {
    let mut order: Vec<&(usize, IpNet)> = nets.iter().collect();
    order.sort_by_key(|(i, n)| (n.network(), n.prefix_len(), *i));
    let mut found = Vec::new();
    let mut cover: Option<&(usize, IpNet)> = None;
    for entry in order {
        let (i, net) = entry;
        match cover {
            Some((j, c)) if same_family(c, net) && net.network() <= c.broadcast() => {
                found.push(((*i).min(*j), (*i).max(*j)));
                if net.broadcast() > c.broadcast() {
                    cover = Some(entry);
                }
            }
            _ => cover = Some(entry),
        }
    }
    found.sort_unstable();
    found
}

/// Whether two prefixes share an address (one contains the other).
pub(super) fn overlap(a: &IpNet, b: &IpNet) -> bool {
    same_family(a, b) && (a.contains(&b.network()) || b.contains(&a.network()))
}

fn same_family(a: &IpNet, b: &IpNet) -> bool {
    matches!(
        (a, b),
        (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_))
    )
}

/// Azure's size limits for a subnet prefix, or `None` if it is fine.
pub(super) fn subnet_size_problem(net: &IpNet) -> Option<(String, String)> {
    match net {
        IpNet::V4(n) if n.prefix_len() > 29 => Some((
            format!("`{net}` is smaller than Azure's smallest subnet, /29"),
            "Azure reserves 5 addresses in every subnet; use a /29 or larger prefix".into(),
        )),
        IpNet::V6(n) if n.prefix_len() != 64 => Some((
            format!("`{net}` is not a /64; Azure IPv6 subnets are exactly /64"),
            "use a /64 prefix inside the address space".into(),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<(usize, IpNet)> {
        list.iter()
            .enumerate()
            .map(|(i, s)| (i, s.parse().unwrap()))
            .collect()
    }

    #[test]
    fn parse_errors_have_hints() {
        assert!(parse("10.0.0.0/16").is_ok());
        assert!(parse("fd00::/48").is_ok());
        let e = parse("10.0.1.0/16").unwrap_err();
        assert!(e.message.contains("host bits"));
        assert_eq!(e.hint, "did you mean `10.0.0.0/16`?");
        let e = parse("10.0.0.0").unwrap_err();
        assert!(e.hint.contains("10.0.0.0/24"));
        let e = parse("10.0.0/16").unwrap_err();
        assert!(e.message.contains("not a CIDR prefix"));
        assert!(parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn overlaps_are_found_once_each() {
        assert!(overlaps(&nets(&["10.0.0.0/24", "10.0.1.0/24", "10.1.0.0/16"])).is_empty());
        assert_eq!(overlaps(&nets(&["10.0.0.0/24", "10.0.0.0/16"])), vec![(0, 1)]);
        assert_eq!(overlaps(&nets(&["10.0.0.0/24", "10.0.0.0/24"])), vec![(0, 1)]);
        // One big block swallowing two small ones, declared in between.
        assert_eq!(
            overlaps(&nets(&[
                "10.0.1.0/24",
                "10.0.0.0/16",
                "10.0.2.0/24",
                "10.1.0.0/24"
            ])),
            vec![(0, 1), (1, 2)]
        );
        // A block after a big one still collides even if a small one came between.
        assert_eq!(
            overlaps(&nets(&["10.0.0.0/16", "10.0.0.0/24", "10.0.200.0/24"])),
            vec![(0, 1), (0, 2)]
        );
        // Families never collide.
        assert!(overlaps(&nets(&["10.0.0.0/8", "::/0"])).is_empty());
        assert!(overlaps(&nets(&["0.0.0.0/0", "fd00::/8"])).is_empty());
    }

    #[test]
    fn subnet_sizes() {
        assert!(subnet_size_problem(&"10.0.0.0/29".parse().unwrap()).is_none());
        assert!(subnet_size_problem(&"10.0.0.0/30".parse().unwrap()).is_some());
        assert!(subnet_size_problem(&"fd00:0:0:1::/64".parse().unwrap()).is_none());
        assert!(subnet_size_problem(&"fd00::/48".parse().unwrap()).is_some());
    }
}
