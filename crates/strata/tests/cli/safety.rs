//! Safe on a real estate: renames keep resources, existing resources are not taken over,
//! soft-deleted names do not break apply / destroy / apply, and interrupts leave a consistent
//! state and a free lock.

use std::io::BufRead;
use std::time::{Duration, Instant};

use crate::common::*;

/// Renames `module "storage"` to `module "store"` everywhere in the example.
fn rename_storage(ctx: &Ctx) {
    for f in ["data.hcl", "outputs.hcl"] {
        let text = ctx.read(f);
        ctx.write(
            f,
            &text
                .replace("module \"storage\"", "module \"store\"")
                .replace("module.storage.", "module.store."),
        );
    }
}

#[test]
fn renaming_a_module_moves_it_instead_of_destroying_the_storage_account() {
    let ctx = Ctx::example();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    rename_storage(&ctx);
    let r = ctx.run(&["plan", "-e", "dev"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("module.storage.account has moved to module.store.account"),
        "{}",
        r.all()
    );
    assert!(
        !r.stdout.contains("to destroy") || r.stdout.contains("0 to destroy"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("0 to add"), "{}", r.all());
    let r = ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    assert!(
        r.stdout.contains("0 added, 0 changed, 0 destroyed"),
        "{}",
        r.all()
    );
    let list = ctx.ok(&["state", "list", "-e", "dev"]).stdout;
    assert!(list.contains("module.store.account"), "{list}");
    assert!(!list.contains("module.storage."), "{list}");
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn state_mv_and_rm_edit_state_only() {
    let ctx = Ctx::example();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    let r = ctx.ok(&["state", "mv", "-e", "dev", "module.storage", "module.store"]);
    assert!(
        r.stdout
            .contains("Moved module.storage.account to module.store.account"),
        "{}",
        r.all()
    );
    // Renaming the block now matches state: no changes at all.
    rename_storage(&ctx);
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
    // A move onto an address in use is refused, and changes nothing.
    let r = ctx.run(&[
        "state",
        "mv",
        "-e",
        "dev",
        "module.store.account",
        "module.network.vnet",
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("already in state"), "{}", r.all());

    let r = ctx.ok(&["state", "rm", "-e", "dev", "module.monitoring.insights"]);
    assert!(r.stdout.contains("still exists in Azure"), "{}", r.all());
    // Forgotten, and still there: the plan refuses to create it over itself.
    let r = ctx.run(&["plan", "-e", "dev"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("module.monitoring.insights: already exists in Azure and is not managed by this state"),
        "{}",
        r.all()
    );
}

#[test]
fn a_lost_state_does_not_overwrite_the_estate_and_import_adopts_it() {
    let ctx = Ctx::example();
    ctx.ok(&["apply", "-e", "dev", "--auto-approve"]);
    std::fs::remove_file(ctx.path().join(".strata/state/dev.json")).unwrap();

    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr
            .contains("already exists in Azure and is not managed by this state"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("nothing was applied"), "{}", r.all());
    assert!(
        !ctx.path().join(".strata/state/dev.json").exists(),
        "nothing written"
    );

    // Adopt the resource group explicitly; the plan then shows what is still unmanaged.
    let id = rg_id("rg-shop-dev");
    let r = ctx.ok(&["import", "-e", "dev", "module.rg.group", &id]);
    assert!(r.stdout.contains("Import successful"), "{}", r.all());
    assert!(
        ctx.ok(&["state", "list", "-e", "dev"])
            .stdout
            .contains("module.rg.group")
    );
    // Import blocks adopt the rest in one apply.
    let mut blocks = String::new();
    let state_before = ctx.state("dev");
    assert_eq!(state_before["resources"].as_array().unwrap().len(), 1);
    blocks.push_str(&format!(
        "import {{\n  to = module.network.vnet\n  id = \"{}\"\n}}\n",
        vnet_id()
    ));
    ctx.write("imports.hcl", &blocks);
    let r = ctx.run(&["plan", "-e", "dev"]);
    assert!(
        r.stdout.contains("module.network.vnet will be imported"),
        "{}",
        r.all()
    );
}

#[test]
fn apply_destroy_apply_works_for_every_profile() {
    let ctx = Ctx::example();
    // An emulator environment of each profile (prod's own targets Azure).
    for profile in ["staging", "prod"] {
        ctx.write(
            &format!("envs/loop{profile}.hcl"),
            &format!(
                "environment \"loop{profile}\" {{\n  target    = \"emulator\"\n  profile   = \"{profile}\"\n  location  = \"westeurope\"\n  variables = {{ vnet_cidr = \"10.40.0.0/16\", tenant_id = \"00000000-0000-0000-0000-00000000a000\" }}\n  backend   = {{ type = \"local\" }}\n}}\n"
            ),
        );
    }
    for env in ["dev", "loopstaging", "loopprod"] {
        for round in 0..2 {
            let r = ctx.run(&["apply", "-e", env, "--auto-approve"]);
            assert_eq!(r.code, 0, "{env} apply {round}: {}", r.all());
            let r = ctx.run(&["destroy", "-e", env, "--auto-approve"]);
            assert_eq!(r.code, 0, "{env} destroy {round}: {}", r.all());
            if env == "dev" {
                assert!(r.stdout.contains("purged after deletion"), "{}", r.all());
            }
        }
        // Kept in soft delete (staging, prod): the next apply plans a recovery.
        if env != "dev" {
            let r = ctx.ok(&["plan", "-e", env]);
            assert!(r.stdout.contains("recovered"), "{env}: {}", r.all());
        }
    }
}

/// Starts an apply with slow writes and waits until its first resource completed.
fn start_slow_apply(ctx: &Ctx) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut cmd = ctx.cmd();
    cmd.env("STRATA_EMULATOR_LATENCY", "default=600ms")
        .args(["apply", "-e", "dev", "--auto-approve", "--parallelism", "4"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) if l.contains("Creation complete") => break,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (child, rx)
}

fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn finish(mut child: std::process::Child) -> (i32, String) {
    let status = child.wait().unwrap();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    (status.code().unwrap_or(-1), err)
}

#[test]
fn ctrl_c_finishes_in_flight_writes_records_them_and_frees_the_lock() {
    let ctx = Ctx::example();
    let (child, _rx) = start_slow_apply(&ctx);
    signal(&child, "-INT");
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("Stopping"), "{stderr}");
    let state = ctx.state("dev");
    let resources = state["resources"].as_array().unwrap();
    assert!(!resources.is_empty());
    assert!(
        resources.iter().all(|r| r.get("outcome_unknown").is_none()),
        "the first interrupt waits for every write: {state}"
    );
    // The lock is free at once and the next apply finishes the job.
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("already exists"), "{}", r.all());
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
}

#[test]
fn ci_cancellation_sigint_then_sigterm_leaves_a_consistent_state_and_a_free_lock() {
    let ctx = Ctx::example();
    let (child, _rx) = start_slow_apply(&ctx);
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(50));
    signal(&child, "-TERM");
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("Stopping without waiting"), "{stderr}");
    // Whatever was in flight is in state (known or unknown), never forgotten: the next apply
    // creates nothing twice and converges.
    let r = ctx.run(&["apply", "-e", "dev", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("already exists"), "{}", r.all());
    assert!(ctx.ok(&["plan", "-e", "dev"]).stdout.contains("No changes."));
    let state = ctx.state("dev");
    assert!(
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("outcome_unknown").is_none()),
        "{state}"
    );
}

/// Runs `strata ARGS` on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_terminal(ctx: &Ctx, args: &str, input: &str) -> String {
    let bin = assert_cmd::cargo::cargo_bin("strata");
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .current_dir(ctx.path())
        .env("NO_COLOR", "1")
        .env("STRATA_EMULATOR_LATENCY", "0ms")
        .env_remove("STRATA_ARM_ENDPOINT")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, input.as_bytes()).unwrap();
    // Keep the terminal open until strata has read the answer and finished.
    let out = std::thread::scope(|s| {
        let h = s.spawn(|| child.wait_with_output().unwrap());
        std::thread::sleep(Duration::from_millis(200));
        let out = h.join().unwrap();
        drop(stdin);
        out
    });
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_prod_profile_apply_asks_for_the_word_yes_naming_environment_and_subscription() {
    let ctx = Ctx::example();
    ctx.write(
        "envs/loopprod.hcl",
        "environment \"loopprod\" {\n  target    = \"emulator\"\n  profile   = \"prod\"\n  location  = \"westeurope\"\n  variables = { vnet_cidr = \"10.40.0.0/16\", tenant_id = \"00000000-0000-0000-0000-00000000a000\" }\n  backend   = { type = \"local\" }\n}\n",
    );
    let out = on_terminal(&ctx, "apply -e loopprod -target=module.rg", "y\n");
    assert!(out.contains("Only 'yes' will be accepted"), "{out}");
    assert!(
        out.contains("environment loopprod (profile prod), subscription"),
        "{out}"
    );
    assert!(
        out.contains("Apply cancelled."),
        "`y` is not enough for prod: {out}"
    );
    assert!(
        ctx.ok(&["state", "list", "-e", "loopprod"])
            .stdout
            .trim()
            .is_empty()
    );

    let out = on_terminal(&ctx, "apply -e loopprod -target=module.rg", "yes\n");
    assert!(out.contains("Apply complete!"), "{out}");
    // Other profiles keep OpenTofu's y/N.
    let out = on_terminal(&ctx, "apply -e dev -target=module.rg", "y\n");
    assert!(out.contains("[y/N]"), "{out}");
    assert!(out.contains("Apply complete!"), "{out}");
}
