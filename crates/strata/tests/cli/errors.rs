//! Bad input: exit 1, file and line, what is wrong, a hint — and nothing sent to ARM.

use crate::common::{Ctx, Sentinel};

/// Runs `plan -e dev` against a sentinel endpoint; asserts the failure and that no request left.
fn fails_before_arm(ctx: &Ctx, file: &str, needles: &[&str]) -> String {
    let sentinel = Sentinel::new();
    let r = ctx
        .cmd()
        .env("STRATA_ARM_ENDPOINT", sentinel.endpoint())
        .args(["plan", "-e", "dev"])
        .output()
        .unwrap();
    let r = crate::common::Run::from(r);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!sentinel.contacted(), "a request reached ARM:\n{}", r.all());
    assert!(r.stderr.contains(file), "no file name {file} in:\n{}", r.all());
    assert!(r.stderr.contains("hint:"), "no hint in:\n{}", r.all());
    for n in needles {
        assert!(r.stderr.contains(n), "missing {n:?} in:\n{}", r.all());
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.all());
    r.stderr
}

#[test]
fn hcl_syntax_error() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "source         = \"networking\"",
        "source         = \"networking",
    );
    fails_before_arm(&ctx, "network.hcl:", &[]);
}

#[test]
fn unknown_module_source() {
    let ctx = Ctx::example();
    ctx.edit("network.hcl", "\"networking\"", "\"netwerking\"");
    fails_before_arm(&ctx, "network.hcl:", &["netwerking", "networking"]);
}

#[test]
fn missing_required_input() {
    let ctx = Ctx::example();
    ctx.edit("network.hcl", "  address_space  = [var.vnet_cidr]\n", "");
    fails_before_arm(&ctx, "network.hcl:", &["address_space"]);
}

#[test]
fn unknown_input() {
    let ctx = Ctx::example();
    ctx.edit(
        "foundation.hcl",
        "  tags     = local.tags\n",
        "  tags     = local.tags\n  colour = \"blue\"\n",
    );
    fails_before_arm(&ctx, "foundation.hcl:", &["colour"]);
}

#[test]
fn unknown_module_reference() {
    let ctx = Ctx::example();
    ctx.edit("network.hcl", "module.rg.name", "module.rgg.name");
    fails_before_arm(&ctx, "network.hcl:", &["rgg"]);
}

#[test]
fn unknown_output_reference() {
    let ctx = Ctx::example();
    ctx.edit("outputs.hcl", "module.network.vnet_id", "module.network.vnet_idd");
    fails_before_arm(&ctx, "outputs.hcl:", &["vnet_idd"]);
}

#[test]
fn unknown_variable_reference() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "address_space  = [var.vnet_cidr]",
        "address_space  = [var.vnet_cdir]",
    );
    fails_before_arm(&ctx, "network.hcl:", &["vnet_cdir"]);
}

#[test]
fn unknown_environment_field_and_environment() {
    let ctx = Ctx::example();
    ctx.edit("foundation.hcl", "env.location", "env.region");
    fails_before_arm(&ctx, "foundation.hcl:", &["region"]);
    let ctx = Ctx::example();
    let r = ctx.run(&["plan", "-e", "qa"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("qa") && r.stderr.contains("dev"), "{}", r.all());
}

#[test]
fn dependency_cycle_prints_the_cycle() {
    let ctx = Ctx::example();
    ctx.edit(
        "foundation.hcl",
        "name     = \"rg-${local.prefix}\"",
        "name     = \"rg-${local.prefix}-${module.network.vnet_name}\"",
    );
    fails_before_arm(&ctx, ".hcl:", &["cycle", "module.rg", "module.network"]);
}

#[test]
fn invalid_cidr() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "address_prefix = cidrsubnet(var.vnet_cidr, 8, 2)",
        "address_prefix = \"10.10.300.0/24\"",
    );
    fails_before_arm(&ctx, "network.hcl:", &["10.10.300.0/24"]);
}

#[test]
fn subnet_outside_the_vnet() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "address_prefix = cidrsubnet(var.vnet_cidr, 8, 2)",
        "address_prefix = \"10.99.2.0/24\"",
    );
    fails_before_arm(&ctx, "network.hcl:", &["10.99.2.0/24", "outside"]);
}

#[test]
fn overlapping_subnets() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "address_prefix = cidrsubnet(var.vnet_cidr, 8, 2)",
        "address_prefix = \"10.10.1.128/25\"",
    );
    fails_before_arm(&ctx, "network.hcl:", &["overlap"]);
}

#[test]
fn duplicate_nsg_priority_in_one_direction() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "      nsg_rules = [\n        {\n          name                       = \"allow-https-from-vnet\"",
        "      nsg_rules = [\n        {\n          name = \"allow-http\"\n          priority = 100\n          direction = \"Inbound\"\n          access = \"Allow\"\n          protocol = \"Tcp\"\n          source_address_prefix = \"*\"\n          destination_address_prefix = \"*\"\n          destination_port_range = \"80\"\n        },\n        {\n          name                       = \"allow-https-from-vnet\"",
    );
    fails_before_arm(&ctx, "network.hcl:", &["priority", "100"]);
}

#[test]
fn invalid_resource_name() {
    let ctx = Ctx::example();
    ctx.edit(
        "network.hcl",
        "name           = \"vnet-${local.prefix}\"",
        "name           = \"vnet ${local.prefix}!\"",
    );
    fails_before_arm(&ctx, "network.hcl:", &["vnet shop-dev!"]);
}

#[test]
fn variable_of_the_wrong_type() {
    let ctx = Ctx::example();
    ctx.edit(
        "envs/dev.hcl",
        "vnet_cidr = \"10.10.0.0/16\"",
        "vnet_cidr = [\"10.10.0.0/16\"]",
    );
    fails_before_arm(&ctx, "dev.hcl:", &["vnet_cidr"]);
}

#[test]
fn variable_failing_its_validation() {
    let ctx = Ctx::example();
    ctx.edit(
        "envs/dev.hcl",
        "vnet_cidr = \"10.10.0.0/16\"",
        "vnet_cidr = \"ten-dot-ten\"",
    );
    fails_before_arm(&ctx, ".hcl:", &["vnet_cidr must be an IPv4 CIDR block"]);
}

#[test]
fn no_stack_here() {
    let ctx = Ctx::with_files(&[("README.txt", "nothing")]);
    let r = ctx.run(&["plan", "-e", "dev"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no strata stack"), "{}", r.all());
}

#[test]
fn garbage_never_panics() {
    // A handful of malformed inputs: each must be a clean error, never a panic.
    let cases = [
        "module {",
        "module \"x\" { source = 1 }",
        "variable \"v\" { type = strin }",
        "locals { a = local.a }",
        "output \"o\" { value = 1 +  }",
        "resource \"r\" { type = \"Microsoft.Foo\" name = \"x\" parent = \"nope\" }",
        "\u{0}\u{1}\u{2}",
        "stack \"s\" {}\nstack \"t\" {}",
    ];
    for text in cases {
        let ctx = Ctx::example();
        ctx.write("extra.hcl", text);
        let r = ctx.run(&["validate"]);
        assert_eq!(r.code, 1, "{text:?}: {}", r.all());
        assert!(!r.stderr.contains("panicked"), "{text:?}: {}", r.all());
    }
}
