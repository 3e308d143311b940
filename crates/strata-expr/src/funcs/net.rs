//! Network address functions: `cidrsubnet`, `cidrsubnets`, `cidrhost`, `cidrnetmask`, for
//! IPv4 and IPv6, with OpenTofu's rules and messages.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use strata_core::Value;

use super::{FnError, FnResult, int, invalid, string};

/// A prefix as integers: the network address, its length and the address width.
struct Prefix {
    base: u128,
    len: u32,
    bits: u32,
    v6: bool,
}

fn parse(a: &[Value]) -> Result<Prefix, FnError> {
    let s = string(a, 0, "the prefix")?;
    let net: IpNet = match s.parse() {
        Ok(n) => n,
        Err(_) => {
            return invalid(format!(
                "invalid CIDR address \"{s}\"; expected an address and a prefix length like 10.0.0.0/16"
            ));
        }
    };
    Ok(match net.network() {
        IpAddr::V4(ip) => Prefix {
            base: u128::from(u32::from(ip)),
            len: u32::from(net.prefix_len()),
            bits: 32,
            v6: false,
        },
        IpAddr::V6(ip) => Prefix {
            base: u128::from(ip),
            len: u32::from(net.prefix_len()),
            bits: 128,
            v6: true,
        },
    })
}

/// The mask of the host part of a `len`-bit prefix in a `bits`-wide address.
fn host_mask(len: u32, bits: u32) -> u128 {
    let host = bits - len.min(bits);
    if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    }
}

fn net_mask(len: u32, bits: u32) -> u128 {
    let all = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    all & !host_mask(len, bits)
}

fn no_space(len: u32, addr: u128, cur_len: u32, v6: bool) -> String {
    format!(
        "not enough remaining address space for a subnet with a prefix of {len} bits after {}/{cur_len}",
        ip_string(addr, v6)
    )
}

fn ip_string(addr: u128, v6: bool) -> String {
    if v6 {
        Ipv6Addr::from(addr).to_string()
    } else {
        Ipv4Addr::from(u32::try_from(addr).unwrap_or(u32::MAX)).to_string()
    }
}

pub(super) fn cidrsubnet(a: &[Value]) -> FnResult {
    let p = parse(a)?;
    let newbits = int(a, 1, "newbits")?;
    let netnum = int(a, 2, "netnum")?;
    if newbits < 0 {
        return invalid("newbits must not be negative");
    }
    if netnum < 0 {
        return invalid("netnum must not be negative");
    }
    let newbits = u32::try_from(newbits).unwrap_or(u32::MAX);
    let new_len = p.len.saturating_add(newbits);
    if new_len > p.bits {
        return invalid(format!(
            "insufficient address space to extend prefix of {} by {newbits}",
            p.len
        ));
    }
    let netnum = netnum as u128;
    if newbits < 128 && netnum >> newbits != 0 {
        return invalid(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {netnum}"
        ));
    }
    let shift = p.bits - new_len;
    let offset = if shift >= 128 { 0 } else { netnum << shift };
    Ok(format!("{}/{new_len}", ip_string(p.base | offset, p.v6)).into())
}

pub(super) fn cidrhost(a: &[Value]) -> FnResult {
    let p = parse(a)?;
    let hostnum = int(a, 1, "hostnum")?;
    let max = host_mask(p.len, p.bits);
    let n: u128 = if hostnum < 0 {
        // -1 is the last address of the prefix, -2 the one before, …
        let back = hostnum.unsigned_abs() as u128;
        if back > max.saturating_add(1) {
            return invalid(format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                p.len
            ));
        }
        max - (back - 1)
    } else {
        let n = hostnum as u128;
        if n > max {
            return invalid(format!(
                "prefix of {} does not accommodate a host numbered {hostnum}",
                p.len
            ));
        }
        n
    };
    Ok(ip_string(p.base | n, p.v6).into())
}

pub(super) fn cidrnetmask(a: &[Value]) -> FnResult {
    let p = parse(a)?;
    if p.v6 {
        return invalid("IPv6 addresses cannot have a netmask; cidrnetmask() takes an IPv4 prefix");
    }
    Ok(ip_string(net_mask(p.len, 32), false).into())
}

/// Consecutive subnets of the given sizes, each aligned to its own size (OpenTofu's
/// `cidrsubnets`).
pub(super) fn cidrsubnets(a: &[Value]) -> FnResult {
    let p = parse(a)?;
    let mut sizes = Vec::new();
    for i in 1..a.len() {
        let nb = int(a, i, "each newbits")?;
        if nb < 1 {
            return invalid("each newbits must be 1 or more");
        }
        let len = p.len.saturating_add(u32::try_from(nb).unwrap_or(u32::MAX));
        if len > p.bits {
            return invalid(format!(
                "would extend prefix to {len} bits, which is too long for an {} address",
                if p.v6 { "IPv6" } else { "IPv4" }
            ));
        }
        sizes.push(len);
    }
    let width = net_mask(0, p.bits);
    let mut current: Option<(u128, u32)> = None;
    let mut out = Vec::new();
    for len in sizes {
        let start = match current {
            // The prefix's own address is aligned for any longer prefix.
            None => p.base,
            Some((addr, cur_len)) => {
                // The next subnet of this size after the end of the previous one.
                let last = addr | host_mask(cur_len, p.bits);
                let end = (last & net_mask(len, p.bits)) | host_mask(len, p.bits);
                if end == width {
                    return invalid(no_space(len, addr, cur_len, p.v6));
                }
                end + 1
            }
        };
        if start & net_mask(p.len, p.bits) != p.base {
            let (addr, cur_len) = current.unwrap_or((p.base, p.len));
            return invalid(no_space(len, addr, cur_len, p.v6));
        }
        current = Some((start, len));
        out.push(Value::String(format!("{}/{len}", ip_string(start, p.v6))));
    }
    Ok(Value::List(out))
}
