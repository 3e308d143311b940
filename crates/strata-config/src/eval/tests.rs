use std::collections::BTreeMap;

use strata_core::{Deferred, PathStep, ResourceAddr, Value};

use super::*;

/// Evaluates `src` as a constant expression.
pub(crate) fn ev(src: &str) -> Result<Value, String> {
    let e = hcl_edit::parser::parse_expr(src).map_err(|e| format!("parse: {e}"))?;
    literal(&e).map_err(|e| match e.hint {
        Some(h) => format!("{} (hint: {h})", e.message),
        None => e.message,
    })
}

/// Asserts that `src` evaluates to what `expected` (also an expression) evaluates to.
#[track_caller]
pub(crate) fn same(src: &str, expected: &str) {
    let want = ev(expected).unwrap_or_else(|e| panic!("expected `{expected}` failed: {e}"));
    match ev(src) {
        Ok(got) => assert_eq!(got, want, "{src}"),
        Err(e) => panic!("`{src}` failed: {e}"),
    }
}

/// Asserts that `src` fails with a message containing `needle`.
#[track_caller]
pub(crate) fn fails(src: &str, needle: &str) {
    match ev(src) {
        Ok(v) => panic!("`{src}` should fail, got {v:?}"),
        Err(e) => assert!(e.contains(needle), "`{src}`: `{e}` does not contain `{needle}`"),
    }
}

/// A scope with a module whose outputs are partly unknown, a sensitive variable and a
/// generic resource.
struct TestScope {
    vars: BTreeMap<String, Value>,
    modules: BTreeMap<String, Value>,
}

fn vm() -> ResourceAddr {
    ResourceAddr::module("vm", "nic", None)
}

impl TestScope {
    fn new() -> TestScope {
        TestScope {
            vars: BTreeMap::from([
                ("secret".to_string(), Value::from("pw").sensitive()),
                ("names".to_string(), Value::List(vec!["a".into(), "b".into()])),
            ]),
            modules: BTreeMap::from([(
                "vm".to_string(),
                Value::object([
                    (
                        "ip",
                        Value::attr(
                            &vm(),
                            "properties.ipConfigurations[0].properties.privateIPAddress",
                        ),
                    ),
                    ("config", Value::attr(&vm(), "properties")),
                    ("list", Value::attr(&vm(), "properties.list")),
                    ("id", Value::from("/subscriptions/s/resourceGroups/rg")),
                ]),
            )]),
        }
    }
}

impl Scope for TestScope {
    fn lookup(&self, root: &str, name: &str) -> Result<Value, EvalError> {
        let map = match root {
            "var" => &self.vars,
            "module" => &self.modules,
            _ => return Err(EvalError::new(format!("no {root}"), None)),
        };
        map.get(name)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("no {root}.{name}"), None))
    }

    fn resource(&self, label: &str) -> Result<ResourceRef, EvalError> {
        Ok(ResourceRef {
            addr: ResourceAddr::resource(label),
            id: format!(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/{label}"
            ),
            name: label.to_string(),
            type_name: "Microsoft.Network/publicIPAddresses".into(),
            location: "westeurope".into(),
        })
    }
}

fn scoped(src: &str) -> Result<Value, String> {
    let e = hcl_edit::parser::parse_expr(src).map_err(|e| e.to_string())?;
    Evaluator::new(&TestScope::new()).eval(&e).map_err(|e| e.message)
}

#[test]
fn literals_and_operators() {
    same("1 + 2 * 3", "7");
    same("(1 + 2) * 3", "9");
    same("7 / 2", "3.5");
    same("-(3)", "-3");
    same("!false", "true");
    same("1 < 2 && 2 <= 2", "true");
    same("false || 1 == 1", "true");
    same("\"a\" == \"a\"", "true");
    same("[1, \"a\"] == [1, \"a\"]", "true");
    same("{a = 1} != {a = 2}", "true");
    same("true ? \"yes\" : \"no\"", "\"yes\"");
    // The branch not taken is not evaluated.
    same("false ? 1 / 0 : 2", "2");
    same("true || (1 / 0 == 1)", "true");
    fails("1 / 0", "division by zero");
    fails("\"a\" + \"b\"", "template");
    fails("1 ? 2 : 3", "must be a bool");
}

#[test]
fn collections_and_indexing() {
    same("{a = [1, 2]}.a[1]", "2");
    same("{a = 1}[\"a\"]", "1");
    same("{\"a b\" = 1}[\"a b\"]", "1");
    same("[10, 20].1", "20");
    same("[{a = 1}, {a = 2}][*].a", "[1, 2]");
    same("[{a = {b = 1}}][*].a.b", "[1]");
    same("[{a = 1}, {a = 2}].*.a", "[1, 2]");
    same("{a = 1}[*].a", "[1]");
    fails("{a = 1}.b", "no attribute `b`");
    fails("[1].a", "use an index");
    fails("[1][3]", "out of range");
    fails("{a = 1, a = 2}", "redefined object key");
    fails("{(\"a\") = 1, a = 2}", "set twice");
}

#[test]
fn for_expressions() {
    same(
        "[for s in [\"a\", \"\", \"b\"] : upper(s) if s != \"\"]",
        "[\"A\", \"B\"]",
    );
    same("{for k, v in {a = 1, b = 2} : k => v * 2}", "{a = 2, b = 4}");
    same("[for i, v in [\"x\", \"y\"] : \"${i}${v}\"]", "[\"0x\", \"1y\"]");
    same(
        "{for s in [\"a\", \"b\", \"a\"] : s => 1...}",
        "{a = [1, 1], b = [1]}",
    );
    same("[for k, v in {b = 1, a = 2} : k]", "[\"a\", \"b\"]");
    fails("{for s in [\"a\", \"a\"] : s => 1}", "produced twice");
    fails("[for s in null : s]", "null");
    fails("[for s in 3 : s]", "cannot iterate over a number");
}

#[test]
fn templates() {
    same("\"a-${1 + 1}\"", "\"a-2\"");
    same("\"${[1, 2]}\"", "[1, 2]");
    same("\"%{ if true }yes%{ else }no%{ endif }\"", "\"yes\"");
    same("\"%{ if false }yes%{ endif }\"", "\"\"");
    same("\"%{ for s in [\"a\", \"b\"] }${s},%{ endfor }\"", "\"a,b,\"");
    same("\"%{ for k, v in {x = 1} }${k}=${v}%{ endfor }\"", "\"x=1\"");
    same("\"a  ${~ \"b\" ~}  c\"", "\"abc\"");
    same("\"x %{~ if true ~} y %{~ endif ~} z\"", "\"xyz\"");
    same("\"$${literal}\"", "\"$${literal}\"");
    fails("\"${null}\"x", "parse");
    fails("\"a${null}\"", "null");
    fails("\"a${[1]}\"", "list");
}

#[test]
fn heredocs() {
    let body = hcl_edit::parser::parse_body("x = <<-EOT\n    hello\n      ${\"world\"}\n    EOT\n").unwrap();
    let v = literal(&body.get_attribute("x").unwrap().value).unwrap();
    assert_eq!(v, Value::from("hello\n  world\n"));
}

#[test]
fn constants_reject_references() {
    fails("var.x", "must be a constant");
    fails("foo", "unknown name `foo`");
    fails("var", "must be followed by a name");
    fails("foo::bar(1)", "namespaced");
}

#[test]
fn unknown_values_propagate() {
    let ip = Value::attr(
        &vm(),
        "properties.ipConfigurations[0].properties.privateIPAddress",
    );
    assert_eq!(scoped("module.vm.ip").unwrap(), ip);
    let t = scoped("\"${module.vm.ip}:80\"").unwrap();
    assert!(matches!(&t, Value::Unknown(d) if matches!(**d, Deferred::Template { .. })));
    let c = scoped("upper(module.vm.ip)").unwrap();
    assert!(
        matches!(&c, Value::Unknown(d) if matches!(&**d, Deferred::Call { function, .. } if function == "upper"))
    );
    let b = scoped("module.vm.ip == \"x\"").unwrap();
    assert!(matches!(&b, Value::Unknown(d) if matches!(**d, Deferred::Binary { .. })));
    let k = scoped("module.vm.ip != \"\" ? 1 : 2").unwrap();
    assert!(matches!(&k, Value::Unknown(d) if matches!(**d, Deferred::Conditional { .. })));
    let u = scoped("-module.vm.ip").unwrap();
    assert!(matches!(&u, Value::Unknown(d) if matches!(**d, Deferred::Unary { .. })));
    // Attribute access on an unknown attribute is a longer attribute path.
    assert_eq!(
        scoped("module.vm.config.dnsSettings.fqdn").unwrap(),
        Value::attr(&vm(), "properties.dnsSettings.fqdn")
    );
    let i = scoped("module.vm.config[var.names[0]]").unwrap();
    assert_eq!(i, Value::attr(&vm(), "properties.a"));
    // Structure around unknowns stays known.
    assert_eq!(scoped("length([module.vm.ip, 1])").unwrap(), Value::from(2));
    let m = scoped("merge({a = module.vm.ip}, {b = 1})").unwrap();
    assert_eq!(m.get("a"), Some(&ip));
    assert_eq!(
        scoped("[for s in [module.vm.ip] : s]").unwrap(),
        Value::List(vec![ip.clone()])
    );
    let tr = scoped("try(module.vm.ip, \"x\")").unwrap();
    assert!(
        matches!(&tr, Value::Unknown(d) if matches!(&**d, Deferred::Call { function, args } if function == "try" && args.len() == 2))
    );
    let cn = scoped("can(module.vm.ip)").unwrap();
    assert!(cn.is_wholly_unknown());
    assert!(
        scoped("[for s in module.vm.list : s]")
            .unwrap_err()
            .contains("known only after apply")
    );
    assert!(
        scoped("module.vm.list[*].x")
            .unwrap_err()
            .contains("known only after apply")
    );
    let d = scoped("\"ip=%{ if module.vm.ip != \"\" }${module.vm.ip}%{ else }none%{ endif }\"").unwrap();
    let resolved = crate::resolve(&d, &|_: &ResourceAddr, _: &[PathStep]| {
        Some(Value::from("10.0.0.4"))
    })
    .unwrap();
    assert_eq!(resolved, Value::from("ip=10.0.0.4"));
    // `false && unknown` is decided now.
    assert_eq!(
        scoped("false && module.vm.ip == \"\"").unwrap(),
        Value::Bool(false)
    );
}

#[test]
fn generic_resource_references() {
    assert_eq!(scoped("resource.pip.name").unwrap(), Value::from("pip"));
    assert_eq!(
        scoped("resource.pip.location").unwrap(),
        Value::from("westeurope")
    );
    assert!(
        scoped("resource.pip.id")
            .unwrap()
            .as_str()
            .unwrap()
            .ends_with("/publicIPAddresses/pip")
    );
    let addr = ResourceAddr::resource("pip");
    assert_eq!(
        scoped("resource.pip.properties.ipAddress").unwrap(),
        Value::attr(&addr, "properties.ipAddress")
    );
    assert_eq!(
        scoped("resource.pip.properties[\"ipTags\"][0].tag").unwrap(),
        Value::unknown(Deferred::Attr {
            resource: addr,
            path: vec![
                PathStep::Key("properties".into()),
                PathStep::Key("ipTags".into()),
                PathStep::Index(0),
                PathStep::Key("tag".into()),
            ],
        })
    );
}

#[test]
fn sensitive_values_propagate() {
    assert_eq!(
        scoped("\"${var.secret}-x\"").unwrap(),
        Value::from("pw-x").sensitive()
    );
    assert_eq!(
        scoped("upper(var.secret)").unwrap(),
        Value::from("PW").sensitive()
    );
    let o = scoped("{a = var.secret, b = \"x\"}").unwrap();
    assert_eq!(o.get("a"), Some(&Value::from("pw").sensitive()));
    assert_eq!(o.get("b"), Some(&Value::from("x")));
    // Structural functions keep marks where they are.
    assert_eq!(
        scoped("lookup({a = var.secret, b = \"x\"}, \"b\")").unwrap(),
        Value::from("x")
    );
    assert_eq!(
        scoped("lookup({a = var.secret}, \"a\")").unwrap(),
        Value::from("pw").sensitive()
    );
    assert!(scoped("jsonencode({a = var.secret})").unwrap().is_sensitive());
    assert!(scoped("var.secret == \"pw\" ? 1 : 2").unwrap().is_sensitive());
    assert!(scoped("[for c in [var.secret] : c]").unwrap().is_sensitive());
    assert_eq!(scoped("nonsensitive(var.secret)").unwrap(), Value::from("pw"));
    assert_eq!(scoped("sensitive(1)").unwrap(), Value::from(1).sensitive());
}
