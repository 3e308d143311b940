//! Every function, table-driven: `(expression, expected expression)` and
//! `(expression, part of the error)`.

use proptest::prelude::*;
use strata_core::Value;

use crate::eval::tests::{ev, fails, same};

#[test]
fn networks() {
    for (src, want) in [
        (r#"cidrsubnet("10.0.0.0/16", 8, 2)"#, r#""10.0.2.0/24""#),
        (r#"cidrsubnet("172.16.0.0/12", 4, 2)"#, r#""172.18.0.0/16""#),
        (r#"cidrsubnet("10.1.2.0/24", 4, 15)"#, r#""10.1.2.240/28""#),
        (r#"cidrsubnet("10.1.2.3/16", 8, 1)"#, r#""10.1.1.0/24""#),
        (r#"cidrsubnet("10.0.0.0/16", 0, 0)"#, r#""10.0.0.0/16""#),
        (r#"cidrsubnet("10.0.0.0/24", 8, 255)"#, r#""10.0.0.255/32""#),
        (
            r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#,
            r#""fd00:fd12:3456:7800:a200::/72""#,
        ),
        (r#"cidrhost("10.12.112.0/20", 16)"#, r#""10.12.112.16""#),
        (r#"cidrhost("10.12.112.0/20", 268)"#, r#""10.12.113.12""#),
        (r#"cidrhost("10.0.0.0/24", -1)"#, r#""10.0.0.255""#),
        (r#"cidrhost("10.0.0.0/24", -256)"#, r#""10.0.0.0""#),
        (r#"cidrhost("10.0.0.0/32", 0)"#, r#""10.0.0.0""#),
        (
            r#"cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)"#,
            r#""fd00:fd12:3456:7890::22""#,
        ),
        (r#"cidrnetmask("172.16.0.0/12")"#, r#""255.240.0.0""#),
        (r#"cidrnetmask("10.0.0.0/32")"#, r#""255.255.255.255""#),
        (r#"cidrnetmask("0.0.0.0/0")"#, r#""0.0.0.0""#),
        (
            r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#,
            r#"["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]"#,
        ),
        (
            r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#,
            r#"["fd00:fd12:3456:7800::/72", "fd00:fd12:3456:7800:100::/72", "fd00:fd12:3456:7800:200::/72", "fd00:fd12:3456:7800:300::/88"]"#,
        ),
        (
            r#"cidrsubnets("0.0.0.0/0", 1, 1)"#,
            r#"["0.0.0.0/1", "128.0.0.0/1"]"#,
        ),
    ] {
        same(src, want);
    }
    for (src, err) in [
        (
            r#"cidrsubnet("10.0.0.0/30", 3, 0)"#,
            "insufficient address space to extend prefix of 30 by 3",
        ),
        (
            r#"cidrsubnet("10.0.0.0/16", 8, 256)"#,
            "does not accommodate a subnet numbered 256",
        ),
        (
            r#"cidrsubnet("10.0.0.0/16", -1, 0)"#,
            "newbits must not be negative",
        ),
        (
            r#"cidrsubnet("10.0.0.0/16", 8, -1)"#,
            "netnum must not be negative",
        ),
        (r#"cidrsubnet("10.0.0.0", 8, 1)"#, "invalid CIDR address"),
        (r#"cidrsubnet("not a cidr", 8, 1)"#, "invalid CIDR address"),
        (r#"cidrsubnet("10.0.0.0/16", 8.5, 1)"#, "whole number"),
        (
            r#"cidrhost("10.0.0.0/24", 256)"#,
            "does not accommodate a host numbered 256",
        ),
        (
            r#"cidrhost("10.0.0.0/24", -257)"#,
            "does not accommodate a host numbered -257",
        ),
        (r#"cidrnetmask("fd00::/8")"#, "IPv6"),
        (
            r#"cidrsubnets("10.0.0.0/30", 1, 1, 1)"#,
            "not enough remaining address space",
        ),
        (r#"cidrsubnets("10.0.0.0/30", 3)"#, "too long"),
    ] {
        fails(src, err);
    }
}

#[test]
fn format_verbs() {
    for (src, want) in [
        (r#"format("Hello, %s!", "Ander")"#, r#""Hello, Ander!""#),
        (r#"format("There are %d lights", 4)"#, r#""There are 4 lights""#),
        (r#"format("%5.2f", 3.14159)"#, r#"" 3.14""#),
        (r#"format("%f", 1.5)"#, r#""1.500000""#),
        (r#"format("%-5s|", "ab")"#, r#""ab   |""#),
        (r#"format("%5s|", "ab")"#, r#""   ab|""#),
        (r#"format("%03d", 7)"#, r#""007""#),
        (r#"format("%03d", -7)"#, r#""-07""#),
        (r#"format("%+d", 5)"#, r#""+5""#),
        (r#"format("%x %X %o %b", 255, 255, 8, 5)"#, r#""ff FF 10 101""#),
        (r#"format("%#x", 255)"#, r#""0xff""#),
        (r#"format("%t", true)"#, r#""true""#),
        (r#"format("%q", "a\"b")"#, r#""\"a\\\"b\"""#),
        (r#"format("%v", [1, "a"])"#, r#""[1,\"a\"]""#),
        (r#"format("%v %v %v", "s", 1.5, null)"#, r#""s 1.5 null""#),
        (r#"format("%#v", "s")"#, r#""\"s\"""#),
        (r#"format("100%%")"#, r#""100%""#),
        (r#"format("%[2]s %[1]s", "a", "b")"#, r#""b a""#),
        (r#"format("%.3s", "abcdef")"#, r#""abc""#),
        (r#"format("%s", 12)"#, r#""12""#),
        (r#"format("%e", 1234.5678)"#, r#""1.234568e+03""#),
        (r#"format("%E", 0.00012)"#, r#""1.200000E-04""#),
        (r#"format("%g", 1234567)"#, r#""1.234567e+06""#),
        (r#"format("%g", 0.5)"#, r#""0.5""#),
        (r#"format("%g", 100)"#, r#""100""#),
        (r#"format("%g", 0.00001234)"#, r#""1.234e-05""#),
        (r#"format("%.3g", 1)"#, r#""1""#),
        (r#"format("%.3g", 1234567)"#, r#""1.23e+06""#),
        (
            r#"formatlist("Hello, %s!", ["Valentina", "Ander"])"#,
            r#"["Hello, Valentina!", "Hello, Ander!"]"#,
        ),
        (r#"formatlist("%s, %s", "x", ["a", "b"])"#, r#"["x, a", "x, b"]"#),
        (r#"formatlist("%s", "x")"#, r#"["x"]"#),
        (r#"formatlist("%s", [])"#, "[]"),
    ] {
        same(src, want);
    }
    for (src, err) in [
        (r#"format("%d", 1.5)"#, "not a whole number"),
        (r#"format("%s")"#, "not enough arguments"),
        (r#"format("%s", "a", "b")"#, "too many arguments"),
        (r#"format("%s", null)"#, "null"),
        (r#"format("%s", [1])"#, "a string is required"),
        (r#"format("%d", "x")"#, "a number is required"),
        (r#"format("%z", 1)"#, "unsupported verb"),
        (r#"format("abc %")"#, "ends in the middle"),
        (r#"format("%.2000000f", 1)"#, "too large"),
        (r#"formatlist("%s %s", ["a"], ["b", "c"])"#, "does not match"),
    ] {
        fails(src, err);
    }
}

#[test]
fn strings() {
    for (src, want) in [
        (r#"lower("HELLO")"#, r#""hello""#),
        (r#"upper("hello")"#, r#""HELLO""#),
        (r#"title("hello world")"#, r#""Hello World""#),
        (r#"title("hello-world_foo")"#, r#""Hello-World_foo""#),
        (r#"trimspace("  hi \n")"#, r#""hi""#),
        (r#"trim("?!hello?!", "!?")"#, r#""hello""#),
        (r#"trimprefix("helloworld", "hello")"#, r#""world""#),
        (r#"trimprefix("helloworld", "cat")"#, r#""helloworld""#),
        (r#"trimsuffix("helloworld", "world")"#, r#""hello""#),
        (r#"chomp("hello\n\n")"#, r#""hello""#),
        (r#"strrev("hello")"#, r#""olleh""#),
        (r#"replace("1 + 2 + 3", "+", "-")"#, r#""1 - 2 - 3""#),
        (r#"split(",", "foo,bar,baz")"#, r#"["foo", "bar", "baz"]"#),
        (r#"split(",", "foo")"#, r#"["foo"]"#),
        (r#"split(",", "")"#, r#"[""]"#),
        (r#"join(", ", ["foo", "bar", "baz"])"#, r#""foo, bar, baz""#),
        (r#"join("-", ["a"], ["b", 1])"#, r#""a-b-1""#),
        (r#"join(",", [])"#, r#""""#),
        (r#"substr("hello world", 1, 4)"#, r#""ello""#),
        (r#"substr("hello world", -5, -1)"#, r#""world""#),
        (r#"substr("héllo", 1, 2)"#, r#""él""#),
        (r#"substr("hello", 10, 1)"#, r#""""#),
        (r#"substr("hello", 2, 100)"#, r#""llo""#),
        (r#"length("héllo")"#, "5"),
        (r#"length([1, 2])"#, "2"),
        (r#"length({a = 1})"#, "1"),
        (r#"startswith("hello world", "hello")"#, "true"),
        (r#"startswith("hello world", "world")"#, "false"),
        (r#"endswith("hello world", "world")"#, "true"),
        (r#"upper(12)"#, r#""12""#),
    ] {
        same(src, want);
    }
    for (src, err) in [
        (r#"replace("a", "/a/", "b")"#, "regular expression"),
        (r#"upper(null)"#, "null"),
        (r#"upper([1])"#, "must be a string"),
        (r#"join(",", ["a", null])"#, "null"),
        (r#"length(null)"#, "null"),
        (r#"length(1)"#, "string, list or map"),
        (r#"upper()"#, "takes 1 argument, not 0"),
        (r#"lookup({})"#, "takes 2 to 3 arguments, not 1"),
        (r#"join()"#, "at least 2 arguments"),
    ] {
        fails(src, err);
    }
}

#[test]
fn collections() {
    for (src, want) in [
        (
            r#"merge({a = "b", c = "d"}, {e = "f", c = "z"})"#,
            r#"{a = "b", c = "z", e = "f"}"#,
        ),
        (r#"merge()"#, "{}"),
        (r#"merge({a = 1}, null)"#, "{a = 1}"),
        (r#"lookup({a = "ay", b = "bee"}, "a", "what?")"#, r#""ay""#),
        (r#"lookup({a = "ay"}, "c", "what?")"#, r#""what?""#),
        (r#"lookup({a = "ay"}, "a")"#, r#""ay""#),
        (r#"concat(["a", ""], ["b", "c"])"#, r#"["a", "", "b", "c"]"#),
        (r#"concat()"#, "[]"),
        (r#"toset(["c", "b", "b"])"#, r#"["b", "c"]"#),
        (r#"toset([3, 1, 3])"#, "[1, 3]"),
        (r#"tolist(["a"])"#, r#"["a"]"#),
        (r#"tomap({a = 1, b = "x"})"#, r#"{a = "1", b = "x"}"#),
        (r#"tomap({a = 1, b = 2})"#, "{a = 1, b = 2}"),
        (r#"tostring(1)"#, r#""1""#),
        (r#"tostring(true)"#, r#""true""#),
        (r#"tostring(null)"#, "null"),
        (r#"tonumber("1.5")"#, "1.5"),
        (r#"tonumber(2)"#, "2"),
        (r#"tobool("true")"#, "true"),
        (r#"keys({a = 1, c = 2, d = 3})"#, r#"["a", "c", "d"]"#),
        (r#"values({a = 3, c = 2, d = 1})"#, "[3, 2, 1]"),
        (r#"contains(["a", "b", "c"], "a")"#, "true"),
        (r#"contains(["a"], "d")"#, "false"),
        (r#"contains([1, 2], 2)"#, "true"),
        (r#"element(["a", "b", "c"], 1)"#, r#""b""#),
        (r#"element(["a", "b", "c"], 3)"#, r#""a""#),
        (r#"index(["a", "b", "c"], "b")"#, "1"),
        (r#"flatten([["a", "b"], [], ["c"]])"#, r#"["a", "b", "c"]"#),
        (r#"flatten([[["a", "b"], []], ["c"]])"#, r#"["a", "b", "c"]"#),
        (
            r#"distinct(["a", "b", "a", "c", "d", "b"])"#,
            r#"["a", "b", "c", "d"]"#,
        ),
        (r#"coalesce("a", "b")"#, r#""a""#),
        (r#"coalesce("", "b")"#, r#""b""#),
        (r#"coalesce(null, 1, 2)"#, "1"),
        (r#"compact(["a", "", "b", null, "c"])"#, r#"["a", "b", "c"]"#),
        (r#"zipmap(["a", "b"], [1, 2])"#, "{a = 1, b = 2}"),
        (r#"slice(["a", "b", "c", "d"], 1, 3)"#, r#"["b", "c"]"#),
        (r#"slice(["a"], 1, 1)"#, "[]"),
        (r#"reverse([1, 2, 3])"#, "[3, 2, 1]"),
        (r#"sort(["e", "d", "a", "x"])"#, r#"["a", "d", "e", "x"]"#),
        (r#"sort([10, 9])"#, r#"["10", "9"]"#),
        (r#"one([])"#, "null"),
        (r#"one(["hello"])"#, r#""hello""#),
        (r#"alltrue(["true", true])"#, "true"),
        (r#"alltrue([true, false])"#, "false"),
        (r#"alltrue([])"#, "true"),
        (r#"anytrue([])"#, "false"),
        (r#"anytrue([false, true])"#, "true"),
    ] {
        same(src, want);
    }
    for (src, err) in [
        (r#"lookup({a = "ay"}, "c")"#, "no key \"c\""),
        (r#"merge({a = 1}, [1])"#, "must be a map or object"),
        (r#"concat(["a"], "b")"#, "must be a list"),
        (r#"element([], 0)"#, "empty list"),
        (r#"element(["a"], -1)"#, "negative"),
        (r#"index(["a"], "z")"#, "not in the list"),
        (r#"coalesce(null, "")"#, "no non-null"),
        (r#"zipmap(["a"], [])"#, "same length"),
        (r#"slice(["a", "b"], 1, 3)"#, "out of range"),
        (r#"one(["a", "b"])"#, "zero or one"),
        (r#"alltrue([1])"#, "must be a bool"),
        (r#"tostring([])"#, "cannot convert a list"),
        (r#"tonumber("no")"#, "not one"),
        (r#"tobool(1)"#, "a bool is required"),
        (r#"keys([1])"#, "map or object"),
    ] {
        fails(src, err);
    }
}

#[test]
fn numbers() {
    for (src, want) in [
        ("min(12, 54, 3)", "3"),
        ("max(12, 54, 3)", "54"),
        ("min([12, 54, 3]...)", "3"),
        ("max(-1.5, -2)", "-1.5"),
        ("abs(-12.4)", "12.4"),
        ("abs(3)", "3"),
        ("ceil(5.1)", "6"),
        ("floor(4.9)", "4"),
        ("floor(-4.1)", "-5"),
        ("signum(-3)", "-1"),
        ("pow(2, 10)", "1024"),
        ("sum([10, 13, 6, 4.5])", "33.5"),
        ("range(3)", "[0, 1, 2]"),
        ("range(1, 4)", "[1, 2, 3]"),
        ("range(1, 8, 2)", "[1, 3, 5, 7]"),
        ("range(4, 1)", "[4, 3, 2]"),
        ("range(0, 1, 0.5)", "[0, 0.5]"),
        ("range(0)", "[]"),
    ] {
        same(src, want);
    }
    for (src, err) in [
        ("min()", "at least 1 argument"),
        ("min(\"a\")", "must be a number"),
        ("sum([])", "empty list"),
        ("range(1, 4, 0)", "must not be zero"),
        ("range(0, 2000)", "more than 1024"),
    ] {
        fails(src, err);
    }
}

#[test]
fn encodings() {
    for (src, want) in [
        (r#"jsonencode({"hello" = "world"})"#, r#""{\"hello\":\"world\"}""#),
        (r#"jsonencode([1, true, null])"#, r#""[1,true,null]""#),
        (r#"jsonencode("<a&b>")"#, r#""\"\\u003ca\\u0026b\\u003e\"""#),
        (r#"jsondecode("{\"hello\": \"world\"}")"#, r#"{hello = "world"}"#),
        (r#"jsondecode("true")"#, "true"),
        (
            r#"jsondecode(jsonencode({a = [1, {b = null}]}))"#,
            "{a = [1, {b = null}]}",
        ),
        (r#"base64encode("Hello World")"#, r#""SGVsbG8gV29ybGQ=""#),
        (r#"base64decode("SGVsbG8gV29ybGQ=")"#, r#""Hello World""#),
        (
            r#"sha256("hello world")"#,
            r#""b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9""#,
        ),
    ] {
        same(src, want);
    }
    fails(r#"jsondecode("{")"#, "not valid JSON");
    fails(r#"base64decode("!!")"#, "not valid base64");
    fails(r#"base64decode("/w==")"#, "UTF-8");
}

#[test]
fn can_try_and_unknown_functions() {
    same(r#"can(cidrhost("x", 1))"#, "false");
    same("can(1)", "true");
    same(r#"try(cidrhost("x", 1), "fallback")"#, r#""fallback""#);
    same(r#"try({a = 1}.b, {a = 1}.a)"#, "1");
    fails(
        r#"try(cidrhost("x", 1))"#,
        "no expression given to try() succeeded",
    );
    fails(
        "cidrsubnt(\"10.0.0.0/16\", 8, 1)",
        "did you mean one of `cidrsubnet`",
    );
    fails("nope(1)", "there is no function named `nope`");
    fails("nonsensitive(1)", "not sensitive");
}

proptest! {
    #[test]
    fn cidrsubnet_stays_inside_its_prefix(a in any::<u32>(), len in 0u32..=32, nb in 0u32..=8, n in any::<u64>()) {
        let newbits = nb.min(32 - len);
        let netnum = n % (1u64 << newbits);
        let base = std::net::Ipv4Addr::from(a);
        let prefix = format!("{base}/{len}");
        let sub = ev(&format!("cidrsubnet(\"{prefix}\", {newbits}, {netnum})")).unwrap();
        let sub: ipnet::Ipv4Net = sub.as_str().unwrap().parse().unwrap();
        let outer: ipnet::Ipv4Net = prefix.parse().unwrap();
        prop_assert_eq!(u32::from(sub.prefix_len()), len + newbits);
        prop_assert!(outer.trunc().contains(&sub));
        prop_assert_eq!(sub.network(), sub.addr());
        // Subnet number n is the n-th block of its size.
        let step = if len + newbits == 0 { 0 } else { 1u64 << (32 - len - newbits) };
        prop_assert_eq!(u64::from(u32::from(sub.network())) - u64::from(u32::from(outer.network())), netnum * step);
        let host = ev(&format!("cidrhost(\"{sub}\", 0)")).unwrap();
        prop_assert_eq!(host, Value::String(sub.network().to_string()));
    }

    #[test]
    fn format_d_matches_display(n in -1_000_000i64..1_000_000) {
        prop_assert_eq!(ev(&format!("format(\"%d\", {n})")).unwrap(), Value::String(n.to_string()));
    }

    #[test]
    fn integer_arithmetic_is_exact(a in -1_000_000_000i64..1_000_000_000, b in -1_000_000_000i64..1_000_000_000) {
        prop_assert_eq!(ev(&format!("{a} + ({b})")).unwrap(), Value::from(a + b));
        prop_assert_eq!(ev(&format!("{a} * ({b})")).unwrap(), Value::from(a * b));
    }
}
