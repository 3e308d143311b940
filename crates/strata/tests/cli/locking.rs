//! One run at a time per environment.

use std::time::Duration;

use strata_state::{LocalStore, LockInfo, StateStore};

use crate::common::Ctx;

#[test]
fn a_held_lock_refuses_with_the_holders_details_then_waits_with_lock_timeout() {
    let ctx = Ctx::example_with_emulator();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = LocalStore::new(ctx.path(), "dev");
    let mut info = LockInfo::new("OperationTypeApply");
    info.who = "alice@build-agent-7".into();
    let guard = rt.block_on(store.lock(info)).unwrap();
    let lock_id = guard.id().to_string();

    let r = ctx.run(&["plan", "-e", "dev"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("locked"), "{}", r.all());
    assert!(r.stderr.contains("alice@build-agent-7"), "{}", r.all());
    assert!(r.stderr.contains(&lock_id), "{}", r.all());
    assert!(r.stderr.contains("force-unlock"), "{}", r.all());

    // With --lock-timeout the run waits for the holder to finish.
    let child = ctx
        .cmd()
        .args(["apply", "-e", "dev", "--auto-approve", "--lock-timeout", "60s"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    rt.block_on(store.unlock(guard)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
}

#[test]
fn concurrent_applies_on_one_environment_never_interleave() {
    let mut ctx = Ctx::example();
    ctx.start_emulator(strata_emulator::Latency::parse("default=20ms").unwrap());
    let spawn = || {
        ctx.cmd()
            .args(["apply", "-e", "dev", "--auto-approve", "--lock-timeout", "120s"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn();
    let b = spawn();
    let a = crate::common::Run::from(a.wait_with_output().unwrap());
    let b = crate::common::Run::from(b.wait_with_output().unwrap());
    assert_eq!(a.code, 0, "{}", a.all());
    assert_eq!(b.code, 0, "{}", b.all());
    // One created everything; the other found nothing to do.
    let created = [&a, &b].iter().filter(|r| r.stdout.contains("41 added")).count();
    let nothing = [&a, &b]
        .iter()
        .filter(|r| r.stdout.contains("No changes."))
        .count();
    assert_eq!((created, nothing), (1, 1), "{}\n{}", a.all(), b.all());
    let state = ctx.state("dev");
    let count = state["resources"]
        .as_array()
        .map_or_else(|| state["resources"].as_object().unwrap().len(), Vec::len);
    assert_eq!(count, 41);
}

#[test]
fn force_unlock_needs_the_right_id_and_a_dead_holder() {
    let ctx = Ctx::example_with_emulator();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = LocalStore::new(ctx.path(), "dev");
    let guard = rt
        .block_on(store.lock(LockInfo::new("OperationTypeApply")))
        .unwrap();
    // A wrong id is refused, naming the lock that is held.
    let r = ctx.run(&["force-unlock", "-e", "dev", "not-the-lock", "--force"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains(guard.id()), "{}", r.all());
    // Without a terminal and without --force it asks for --force.
    let r = ctx.run(&["force-unlock", "-e", "dev", guard.id()]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("--force"), "{}", r.all());
    rt.block_on(store.unlock(guard)).unwrap();
}
