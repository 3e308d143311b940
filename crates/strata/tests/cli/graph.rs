//! `strata graph`: the example estate drawn from its configuration (no Azure), coloured by a
//! saved plan, and the picture in the markdown report.

use crate::common::*;

#[test]
fn graph_draws_the_example_without_azure_and_colours_a_saved_plan() {
    let ctx = Ctx::example();
    let sentinel = Sentinel::new();
    let r = ctx
        .cmd()
        .env("STRATA_ARM_ENDPOINT", sentinel.endpoint())
        .args(["graph", "-e", "prod", "--format", "mermaid"])
        .output()
        .unwrap();
    let r = Run::from(r);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!sentinel.contacted(), "graph sends nothing to Azure");
    let m = &r.stdout;
    assert!(m.starts_with("flowchart TB\n"), "{m}");
    // The app and the database sit in their subnets, inside the network.
    let app_subnet = m.find("[\"subnet app\"]").expect(m);
    let app = m.find("[\"app-shop-prod<br/>").expect(m);
    let data_subnet = m.find("[\"subnet data\"]").expect(m);
    let db = m.find("[\"psql-shop-prod<br/>").expect(m);
    assert!(app_subnet < app && app < data_subnet && data_subnet < db, "{m}");
    assert!(m.contains("-. diagnostics .->"), "{m}");
    assert!(m.contains("== serves ==>"), "{m}");
    assert!(!m.contains("classDef create"), "no plan, no colours: {m}");

    let r = ctx.ok(&["graph", "-e", "dev", "--format", "dot"]);
    assert!(r.stdout.starts_with("digraph \"estate\" {"), "{}", r.stdout);
    ctx.ok(&["graph", "-e", "dev", "-o", "dev.svg"]);
    let svg = ctx.read("dev.svg");
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.contains("data-addr=\"module.app.app\""), "{svg}");

    // A saved plan colours what it changes.
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let var = "admin_source_prefix=198.51.100.0/24";
    ctx.ok(&["plan", "-e", "dev", "--var", var, "-out", "dev.tfplan"]);
    let r = ctx.ok(&[
        "graph",
        "-e",
        "dev",
        "--var",
        var,
        "--plan",
        "dev.tfplan",
        "--format",
        "mermaid",
    ]);
    let m = &r.stdout;
    // The rule changes: its security group is drawn as updated, the rest as unchanged.
    let nsg = m
        .lines()
        .find(|l| l.contains("[\"nsg-vnet-shop-dev-mgmt<br/>"))
        .expect(m)
        .trim()
        .split('[')
        .next()
        .unwrap()
        .to_string();
    let updated = m
        .lines()
        .find(|l| l.starts_with("  class ") && l.ends_with(" update"))
        .expect(m);
    assert!(updated.contains(&nsg), "{m}");
    let r = ctx.run(&["graph", "-e", "prod", "--plan", "dev.tfplan"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("is a plan of dev, not of prod"), "{}", r.all());
}

#[test]
fn the_markdown_report_shows_the_estate() {
    let ctx = Ctx::example();
    let r = ctx.ok(&["plan", "-e", "dev", "--report", "markdown"]);
    let at = r
        .stdout
        .find("<details><summary>The estate</summary>")
        .expect(&r.stdout);
    let rest = &r.stdout[at..];
    assert!(rest.contains("```mermaid\nflowchart TB\n"), "{rest}");
    assert!(
        rest.contains("classDef create"),
        "a first plan creates everything: {rest}"
    );
}
