//! Recovery benchmark: how long the example estate takes to recover from the loss of its
//! primary region on the emulator, step by step. It applies prod (with its warm standby) in a
//! rehearsal once, then runs rounds of `strata dr drill -e prod --emulator` followed by
//! `strata dr failback`, and prints the medians of the drill's wall time, its measured RTO
//! (outage to the app answering through Front Door, on the emulator's clock) and each step,
//! next to the durations Azure documents for the same steps.
//!
//! `cargo bench -p strata --bench recovery` runs 5 rounds with the emulator's default
//! latencies (scaled down from Azure's); `STRATA_BENCH_ROUNDS` changes the count,
//! `STRATA_BIN` the binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == ".strata" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn run(bin: &Path, dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let out = Command::new(bin)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("STRATA_ARM_ENDPOINT")
        .args(args)
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert!(
        out.status.success(),
        "strata {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    wall
}

/// A step's durations over the rounds, and what Azure documents for it (seconds, source).
type StepTimes = (Vec<f64>, Option<(u64, String)>);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn main() {
    // `cargo test --all-targets` runs bench targets too: this one takes a minute or more, so
    // it runs only under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("recovery benchmark skipped: run it with `cargo bench -p strata --bench recovery`");
        return;
    }
    let bin = std::env::var("STRATA_BIN")
        .map_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_strata")), PathBuf::from);
    let rounds: usize = std::env::var("STRATA_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let work = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    copy_dir(&example, work.path());
    let dir = work.path();
    let apply = run(
        &bin,
        dir,
        &["apply", "-e", "prod", "--emulator", "--auto-approve"],
    );
    println!("apply of prod and prod-dr: {:.1}s", apply.as_secs_f64());

    let mut walls = Vec::new();
    let mut rtos = Vec::new();
    let mut failbacks = Vec::new();
    let mut steps: BTreeMap<String, StepTimes> = BTreeMap::new();
    let mut projected = 0;
    let reports = dir.join(".strata/dr/prod");
    for round in 0..rounds {
        let before: usize = std::fs::read_dir(&reports).map_or(0, |d| d.count());
        walls.push(run(&bin, dir, &["dr", "drill", "-e", "prod", "--emulator"]).as_secs_f64());
        failbacks.push(
            run(
                &bin,
                dir,
                &[
                    "dr",
                    "failback",
                    "-e",
                    "prod",
                    "--emulator",
                    "--confirm",
                    "prod to westeurope",
                ],
            )
            .as_secs_f64(),
        );
        let mut drills: Vec<PathBuf> = std::fs::read_dir(&reports)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && p.file_name().unwrap().to_string_lossy().starts_with("drill-")
            })
            .collect();
        drills.sort();
        assert!(
            std::fs::read_dir(&reports).unwrap().count() > before,
            "round {round}: no report"
        );
        let report: Json = serde_json::from_slice(&std::fs::read(drills.last().unwrap()).unwrap()).unwrap();
        assert_eq!(report["passed"], true, "round {round}: {report:#}");
        rtos.push(report["rto"]["achieved_seconds"].as_f64().unwrap());
        projected = report["projected_rto_seconds"].as_u64().unwrap();
        for s in report["steps"].as_array().unwrap() {
            let e = steps
                .entry(s["title"].as_str().unwrap().to_string())
                .or_insert_with(|| (Vec::new(), None));
            e.0.push(s["seconds"].as_f64().unwrap());
            if let Some(d) = s["documented"].as_object() {
                e.1 = Some((
                    d["seconds"].as_u64().unwrap(),
                    d["source"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    println!("\nrounds: {rounds}");
    println!("drill (whole process), median: {:.2}s", median(walls));
    println!(
        "measured RTO (outage → healthy through Front Door), median: {:.2}s",
        median(rtos)
    );
    println!("failback (whole process), median: {:.2}s", median(failbacks));
    println!(
        "projected RTO on Azure (documented durations, one after the other): {}s",
        projected
    );
    println!("\nstep medians:");
    for (title, (secs, doc)) in steps {
        let doc = doc.map_or(String::new(), |(s, src)| {
            format!("   Azure documents {s}s ({src})")
        });
        println!("  {:>7.2}s  {title}{doc}", median(secs));
    }
}
