//! Loading stacks: parsing, shape checks and their locations, the digest.

mod common;

use common::{DEV_ENV, at, find, write};
use strata_config::Stack;

fn load_err(files: &[(&str, &str)]) -> strata_core::Diagnostics {
    let dir = write(files);
    match Stack::load(dir.path()) {
        Ok(_) => panic!("load should fail"),
        Err(d) => d,
    }
}

#[test]
fn loads_every_file_of_a_stack() {
    let dir = write(&[
        (
            "strata.hcl",
            "stack \"shop\" {\n  description = \"Example shop estate\"\n}\n",
        ),
        ("network.hcl", "locals {\n  a = 1\n}\n"),
        ("notes.txt", "not hcl"),
        ("envs/dev.hcl", DEV_ENV),
        (
            "envs/prod.hcl",
            "environment \"prod\" {\n  location = \"westeurope\"\n}\n",
        ),
    ]);
    let stack = Stack::load(dir.path()).unwrap();
    assert_eq!(stack.name(), "shop");
    assert_eq!(stack.description(), Some("Example shop estate"));
    assert_eq!(stack.dir(), dir.path());
    assert_eq!(stack.environment_names(), vec!["dev", "prod"]);
}

#[test]
fn syntax_errors_have_file_line_and_column() {
    let d = load_err(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("broken.hcl", "locals {\n  a = 1\n  b = \n}\n"),
        (
            "also.hcl",
            "module \"x\" {\n  source = \"resource_group\"\n  name = \"a\" \"b\"\n}\n",
        ),
    ]);
    assert_eq!(d.0.len(), 2, "{d}");
    let broken = d.0.iter().find(|x| at(x).starts_with("broken.hcl")).unwrap();
    assert!(broken.summary.starts_with("syntax error"), "{broken}");
    // The value of `b` is missing: the parser stops at the end of that line.
    assert_eq!(at(broken), "broken.hcl:3");
    let loc = broken.loc.as_ref().unwrap();
    assert_eq!(loc.column, 7, "{broken}");
    assert!(d.0.iter().any(|x| at(x) == "also.hcl:3"), "{d}");
}

#[test]
fn unknown_blocks_and_attributes_list_what_is_allowed() {
    let d = load_err(&[(
        "strata.hcl",
        r#"stack "shop" {}
varible "x" {}
variable "y" {
  tpye = string
}
resource "r" {
  type   = "Microsoft.Network/networkWatchers@2024-07-01"
  name   = "n"
  parent = "p"
  locaton = "x"
}
output "o" {
  value = 1
  extra {}
}
a = 1
"#,
    )]);
    let b = find(&d, "unsupported block `varible`");
    assert_eq!(at(b), "strata.hcl:2");
    assert!(
        b.hint.as_ref().unwrap().contains("did you mean `variable`?"),
        "{b}"
    );
    let a = find(&d, "unsupported attribute `tpye`");
    assert_eq!(at(a), "strata.hcl:4");
    assert!(a.hint.as_ref().unwrap().contains("did you mean `type`?"));
    let l = find(&d, "unsupported attribute `locaton`");
    assert!(l.hint.as_ref().unwrap().contains("location"));
    let e = find(&d, "unsupported block `extra`");
    assert_eq!(at(e), "strata.hcl:14");
    let top = find(&d, "cannot be set at the top level");
    assert_eq!(at(top), "strata.hcl:16");
}

#[test]
fn required_attributes_labels_and_duplicates() {
    let d = load_err(&[
        (
            "strata.hcl",
            r#"stack "shop" {}
module "m" {
  name = "x"
}
resource "r" {
  name = "x"
}
output "o" {}
variable "v" {}
variable "1bad" {}
locals { x = 1 }
"#,
        ),
        (
            "more.hcl",
            "variable \"v\" {}\nlocals {\n  x = 2\n}\nstack \"again\" {}\nvariable {}\n",
        ),
    ]);
    assert_eq!(at(find(&d, "module \"m\" has no `source`")), "strata.hcl:2");
    assert!(
        find(&d, "resource \"r\" has no `type`")
            .hint
            .as_ref()
            .unwrap()
            .contains("@")
    );
    find(&d, "resource \"r\" has no `parent`");
    find(&d, "output \"o\" has no `value`");
    assert!(find(&d, "`1bad` is not a valid name").hint.is_some());
    // Files are read in name order: more.hcl comes first.
    let dup = find(&d, "variable `v` is declared twice");
    assert_eq!(at(dup), "strata.hcl:9");
    assert!(dup.detail.as_ref().unwrap().contains("more.hcl:1"), "{dup}");
    assert_eq!(at(find(&d, "local `x` is declared twice")), "strata.hcl:11");
    find(&d, "exactly one `stack` block");
    find(&d, "a variable block takes one label, not 0");
}

#[test]
fn a_stack_needs_a_stack_block_and_files() {
    let d = load_err(&[("a.hcl", "locals {}\n")]);
    let s = find(&d, "has no `stack` block");
    assert!(
        s.hint.as_ref().unwrap().contains("stack \\\"<name>\\\"")
            || s.hint.as_ref().unwrap().contains("stack \"<name>\"")
    );
    let empty = tempfile::tempdir().unwrap();
    let d = Stack::load(empty.path()).unwrap_err();
    find(&d, "holds no .hcl files");
    let d = Stack::load(&empty.path().join("missing")).unwrap_err();
    find(&d, "cannot read the stack directory");
}

#[test]
fn environment_files_must_match_their_names() {
    let d = load_err(&[
        ("strata.hcl", "stack \"shop\" {}\n"),
        ("envs/dev.hcl", "environment \"prod\" {\n  location = \"x\"\n}\n"),
        ("envs/empty.hcl", "# nothing\n"),
        (
            "envs/other.hcl",
            "environment \"other\" {\n  colour = \"x\"\n}\nbackend \"azurerm\" {}\n",
        ),
    ]);
    let m = find(&d, "declares environment `prod`");
    assert_eq!(at(m), "dev.hcl:1");
    assert!(m.hint.as_ref().unwrap().contains("envs/prod.hcl"));
    find(&d, "envs/empty.hcl has no environment block");
    find(&d, "unsupported attribute `colour` in environment \"other\"");
    find(&d, "unsupported block `backend` in an environment file");
}

#[test]
fn constants_are_checked_at_load() {
    let d = load_err(&[(
        "strata.hcl",
        "stack \"shop\" {}\nmodule \"m\" {\n  source = var.x\n}\noutput \"o\" {\n  value = 1\n  sensitive = \"yes\"\n}\n",
    )]);
    let s = find(&d, "invalid `source`");
    assert!(s.summary.contains("must be a constant"), "{s}");
    assert_eq!(at(s), "strata.hcl:3");
    find(&d, "`sensitive` must be true or false");
}

#[test]
fn digest_covers_names_and_contents() {
    let files = [("strata.hcl", "stack \"shop\" {}\n"), ("envs/dev.hcl", DEV_ENV)];
    let a = Stack::load(write(&files).path()).unwrap().digest();
    let b = Stack::load(write(&files).path()).unwrap().digest();
    assert_eq!(a, b);
    assert_eq!(a.len(), 64);
    let changed =
        Stack::load(write(&[("strata.hcl", "stack \"shop\" {}\n\n"), ("envs/dev.hcl", DEV_ENV)]).path())
            .unwrap()
            .digest();
    assert_ne!(a, changed);
    let renamed =
        Stack::load(write(&[("main.hcl", "stack \"shop\" {}\n"), ("envs/dev.hcl", DEV_ENV)]).path())
            .unwrap()
            .digest();
    assert_ne!(a, renamed);
}

#[test]
fn loaded_stacks_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Stack>();
    assert_send_sync::<strata_config::Environment>();
    assert_send_sync::<strata_config::Evaluated>();
}

#[test]
fn a_syntax_error_in_the_stack_file_is_the_only_error() {
    let d = load_err(&[("strata.hcl", "stack \"s\" {}\nlocals {\n  a = [1, 2\n}\n")]);
    assert_eq!(d.0.len(), 1, "{d}");
    assert!(d.0[0].summary.starts_with("syntax error"));
}
