use strata_core::{Deferred, ResourceAddr};

use super::*;

fn unknown() -> Value {
    Value::attr(&ResourceAddr::module("m", "r", None), "properties.x")
}

fn inputs(pairs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn path(steps: &[&str]) -> Vec<PathStep> {
    steps
        .iter()
        .map(|s| match s.parse::<usize>() {
            Ok(i) => PathStep::Index(i),
            Err(_) => key(s),
        })
        .collect()
}

#[test]
fn strings_known_unknown_missing_and_mistyped() {
    let i = inputs(vec![
        ("a", Value::from("x")),
        ("n", Value::from(22)),
        ("u", unknown()),
        ("l", Value::List(vec![])),
        ("z", Value::Null),
    ]);
    assert_eq!(req_string(&i, "a").unwrap().known.as_deref(), Some("x"));
    assert_eq!(req_string(&i, "n").unwrap().known.as_deref(), Some("22"));
    assert_eq!(req_string(&i, "n").unwrap().value, Value::from("22"));
    let u = req_string(&i, "u").unwrap();
    assert_eq!(u.known, None);
    assert!(matches!(u.value, Value::Unknown(ref d) if matches!(**d, Deferred::Attr { .. })));
    let e = req_string(&i, "l").unwrap_err();
    assert_eq!(
        (e.path, e.message.as_str()),
        (path(&["l"]), "must be a string, not a list")
    );
    let e = req_string(&i, "z").unwrap_err();
    assert_eq!(e.path, path(&["z"]));
    assert!(e.message.contains("required"));
    assert_eq!(opt_string(&i, "missing").unwrap(), None);
}

#[test]
fn known_strings_explain_plan_time() {
    let i = inputs(vec![("name", unknown())]);
    let e = Fields::root(&i)
        .req_known_string("name", "it is part of the resource id")
        .unwrap_err();
    assert!(
        e.message
            .contains("known at plan time because it is part of the resource id")
    );
    assert!(e.hint.is_some());
}

#[test]
fn sensitive_marks_survive_conversion() {
    let i = inputs(vec![("s", Value::from(7).sensitive())]);
    let s = req_string(&i, "s").unwrap();
    assert_eq!(s.known.as_deref(), Some("7"));
    assert!(s.value.is_sensitive());
}

#[test]
fn lists_and_maps_with_unknown_elements() {
    let i = inputs(vec![
        ("list", Value::List(vec![Value::from("a"), unknown()])),
        ("bad", Value::List(vec![Value::from("a"), Value::List(vec![])])),
        ("whole", unknown()),
        (
            "tags",
            Value::object([("env", Value::from("dev")), ("owner", unknown())]),
        ),
    ]);
    let f = Fields::root(&i);
    let l = f.req_list_string("list").unwrap().known.unwrap();
    assert_eq!(l[0].known.as_deref(), Some("a"));
    assert_eq!(l[1].known, None);
    assert_eq!(f.req_list_string("bad").unwrap_err().path, path(&["bad", "1"]));
    assert_eq!(f.req_list_string("whole").unwrap().known, None);
    let t = opt_map_string(&i, "tags").unwrap().unwrap().known.unwrap();
    assert_eq!(t["env"].known.as_deref(), Some("dev"));
    assert_eq!(t["owner"].known, None);
}

#[test]
fn nested_objects_carry_their_path() {
    let i = inputs(vec![(
        "subnets",
        Value::object([(
            "app",
            Value::object([
                ("address_prefix", Value::List(vec![])),
                (
                    "rules",
                    Value::List(vec![Value::object([("priority", Value::from("x"))])]),
                ),
                ("typo", Value::from(1)),
            ]),
        )]),
    )]);
    let subnets = Fields::root(&i).opt_known_map_object("subnets", "names").unwrap();
    let (name, app) = &subnets[0];
    assert_eq!(name, "app");
    let e = app.req_string("address_prefix").unwrap_err();
    assert_eq!(e.path, path(&["subnets", "app", "address_prefix"]));
    let rules = app.opt_known_list_object("rules", "x").unwrap();
    let e = rules[0].req_int("priority").unwrap_err();
    assert_eq!(e.path, path(&["subnets", "app", "rules", "0", "priority"]));
    let errs = app.unknown_fields(&["address_prefix", "rules"]);
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, path(&["subnets", "app", "typo"]));
    assert!(errs[0].hint.as_deref().unwrap().contains("address_prefix, rules"));
}

#[test]
fn maps_of_objects_must_be_known() {
    let i = inputs(vec![
        ("subnets", unknown()),
        ("one", Value::object([("a", unknown())])),
    ]);
    let f = Fields::root(&i);
    assert!(
        f.opt_known_map_object("subnets", "why")
            .unwrap_err()
            .message
            .contains("plan time")
    );
    let e = f.opt_known_map_object("one", "why").unwrap_err();
    assert_eq!(e.path, path(&["one", "a"]));
    assert!(f.opt_known_map_object("absent", "why").unwrap().is_empty());
}

#[test]
fn ints_accept_digit_strings() {
    let i = inputs(vec![
        ("a", Value::from("100")),
        ("b", Value::from(1.5_f64.to_string())),
        ("c", unknown()),
    ]);
    let f = Fields::root(&i);
    assert_eq!(f.req_int("a").unwrap().known, Some(100));
    assert_eq!(f.req_int("a").unwrap().value, Value::from(100));
    assert!(f.req_int("b").is_err());
    assert_eq!(f.req_int("c").unwrap().known, None);
}

#[test]
fn locations_are_normalised_and_checked() {
    let i = inputs(vec![
        ("location", Value::from("West Europe")),
        ("bad", Value::from("west-europe!")),
    ]);
    let f = Fields::root(&i);
    let l = location(&f, "location", "x").unwrap();
    assert_eq!(l.known.as_deref(), Some("westeurope"));
    assert_eq!(l.value, Value::from("westeurope"));
    assert_eq!(
        location(&f, "absent", "northeurope").unwrap().known.as_deref(),
        Some("northeurope")
    );
    assert_eq!(location(&f, "bad", "x").unwrap_err().path, path(&["bad"]));
}

#[test]
fn tag_limits() {
    let many: Vec<(String, Value)> = (0..51).map(|i| (format!("t{i}"), Value::from("v"))).collect();
    let i = inputs(vec![
        ("many", Value::object(many)),
        ("badname", Value::object([("a/b", Value::from("v"))])),
        ("long", Value::object([("a", Value::from("v".repeat(257)))])),
        ("ok", Value::object([("a", Value::from("v"))])),
    ]);
    let f = Fields::root(&i);
    assert!(tags(&f, "many").unwrap_err().message.contains("at most 50"));
    assert_eq!(tags(&f, "badname").unwrap_err().path, path(&["badname", "a/b"]));
    assert!(tags(&f, "long").is_err());
    assert!(tags(&f, "ok").unwrap().is_some());
    assert!(tags(&f, "absent").unwrap().is_none());
}
