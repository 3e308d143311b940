//! Scale benchmark: apply, plan and destroy a synthetic stack of many resources against the
//! emulator with ARM's token buckets on, and print wall time, requests, 429s and the lower
//! bound the buckets impose.
//!
//! `cargo bench -p strata --bench scale` (STRATA_BENCH_RESOURCES sets the size, default 1500;
//! STRATA_BENCH_THROTTLE the buckets, default ARM's reads=250/25,writes=200/10,deletes=200/10).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use strata_emulator::{EmulatorConfig, Latency, ThrottleConfig};

const GROUPS: usize = 20;

fn stack(resources: usize) -> String {
    let mut s = String::from("stack \"bench\" {}\n\n");
    for g in 0..GROUPS {
        let _ = writeln!(
            s,
            "module \"rg{g}\" {{\n  source = \"resource_group\"\n  name   = \"rg-bench-{g}\"\n}}\n"
        );
    }
    for i in 0..resources {
        let _ = writeln!(
            s,
            "resource \"w{i}\" {{\n  type     = \"Microsoft.Example/widgets@2024-01-01\"\n  name     = \"widget-{i}\"\n  parent   = module.rg{}.id\n  location = env.location\n  body     = {{ properties = {{ size = {i} }} }}\n}}\n",
            i % GROUPS
        );
    }
    s
}

struct Figures {
    wall: Duration,
    requests: u64,
    throttled: u64,
}

fn run(bin: &str, dir: &std::path::Path, handle: &strata_emulator::EmulatorHandle, args: &[&str]) -> Figures {
    handle.reset_stats();
    let started = Instant::now();
    let out = Command::new(bin)
        .current_dir(dir)
        .env("STRATA_ARM_ENDPOINT", handle.endpoint())
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run strata");
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "strata {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = handle.stats();
    Figures {
        wall,
        requests: stats["requests"]["total"].as_u64().unwrap_or(0),
        throttled: stats["throttled"]["total"].as_u64().unwrap_or(0),
    }
}

/// The shortest time `count` operations can take through a bucket: `capacity` at once, then
/// `refill_per_second`.
fn bound(count: u64, limits: &strata_emulator::BucketLimits) -> f64 {
    (count as f64 - f64::from(limits.capacity)).max(0.0) / limits.refill_per_second
}

fn main() {
    // `cargo test --all-targets` runs bench targets too: this one takes minutes, so it runs
    // only under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("scale benchmark skipped: run it with `cargo bench -p strata --bench scale`");
        return;
    }
    let n: usize = std::env::var("STRATA_BENCH_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let spec = std::env::var("STRATA_BENCH_THROTTLE")
        .unwrap_or_else(|_| "reads=250/25,writes=200/10,deletes=200/10".into());
    let throttle = ThrottleConfig::parse(&spec).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("strata.hcl"), stack(n)).unwrap();
    std::fs::create_dir_all(dir.path().join("envs")).unwrap();
    std::fs::write(
        dir.path().join("envs/dev.hcl"),
        "environment \"dev\" {\n  target   = \"emulator\"\n  location = \"westeurope\"\n}\n",
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = EmulatorConfig {
        latency: Latency::none(),
        throttle: Some(throttle.clone()),
        ..Default::default()
    };
    let handle = rt.block_on(strata_emulator::start(config)).unwrap();
    let bin = env!("CARGO_BIN_EXE_strata");
    let total = (n + GROUPS) as u64;

    println!("scale benchmark: {n} resources in {GROUPS} resource groups, buckets {spec}");
    println!(
        "{:<10} {:>10} {:>10} {:>8} {:>14}",
        "step", "wall", "requests", "429s", "bucket bound"
    );
    let rows = [
        (
            "apply",
            vec!["apply", "-e", "dev", "--auto-approve"],
            &throttle.writes,
        ),
        ("plan", vec!["plan", "-e", "dev"], &throttle.reads),
        (
            "destroy",
            vec!["destroy", "-e", "dev", "--auto-approve"],
            &throttle.deletes,
        ),
    ];
    for (name, args, limits) in rows {
        let f = run(bin, dir.path(), &handle, &args);
        println!(
            "{name:<10} {:>9.1}s {:>10} {:>8} {:>13.1}s",
            f.wall.as_secs_f64(),
            f.requests,
            f.throttled,
            bound(total, limits)
        );
    }
    rt.block_on(handle.shutdown());
}
