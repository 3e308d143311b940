//! Convergence benchmark: for each seed, apply, plan and destroy the example estate against
//! `strata emulator --throttle --faults default --seed N` (ARM's rate limits and the realistic
//! fault mix, the emulator's default latencies), and count the seeds that converge: every
//! step succeeds, the plan after apply shows no changes, nothing is created twice, and nothing
//! is left behind after destroy.
//!
//! `cargo bench -p strata --bench convergence` runs seeds 101–150. `STRATA_BENCH_SEEDS` picks
//! others (`101-120`, or `7,42`); `STRATA_BENCH_FAULTS` another fault mix; `STRATA_BIN`
//! another strata binary (to compare releases: the emulator is that binary's too).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value as Json;

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000a001";

fn seeds() -> Vec<u64> {
    let spec = std::env::var("STRATA_BENCH_SEEDS").unwrap_or_else(|_| "101-150".into());
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.trim().parse::<u64>().unwrap()..=b.trim().parse::<u64>().unwrap()),
            None => out.push(part.parse().unwrap()),
        }
    }
    out
}

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

/// A `strata emulator` child process, killed (by its own handle) when dropped.
struct Emulator {
    child: Child,
    endpoint: String,
    /// Where its standard error goes, to show a panic if there is one.
    log: PathBuf,
}

impl Emulator {
    fn start(bin: &Path, seed: u64, faults: &str, log: PathBuf) -> Emulator {
        let mut child = Command::new(bin)
            .args([
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--throttle",
                "--faults",
                faults,
                "--seed",
            ])
            .arg(seed.to_string())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .env("RUST_BACKTRACE", "0")
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start strata emulator");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let endpoint = loop {
            let line = lines.next().expect("the emulator printed its endpoint").unwrap();
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Keep reading so that the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Emulator { child, endpoint, log }
    }

    /// Panic messages the emulator wrote (a failure that is the emulator's, not strata's).
    fn panics(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("panicked"))
            .map(str::to_string)
            .collect()
    }

    /// GET on the emulator, retried: the fault mix applies to these reads too.
    fn get(&self, path: &str) -> Json {
        let url = format!("{}{path}", self.endpoint);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let http = reqwest::Client::new();
            for _ in 0..30 {
                if let Ok(r) = http.get(&url).send().await
                    && r.status().is_success()
                    && let Ok(body) = r.json::<Json>().await
                {
                    return body;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            panic!("GET {url} kept failing");
        })
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Step {
    code: i32,
    wall: Duration,
    output: String,
}

fn step(bin: &Path, dir: &Path, endpoint: &str, args: &[&str]) -> Step {
    let started = Instant::now();
    let out = Command::new(bin)
        .current_dir(dir)
        .env("STRATA_ARM_ENDPOINT", endpoint)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("run strata");
    Step {
        code: out.status.code().unwrap_or(-1),
        wall: started.elapsed(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// The lines of a failed step worth reading: errors and what they name.
fn gist(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("error") || l.contains("failed") || l.contains("unknown") || l.contains("→")
        })
        .take(8)
        .collect();
    if lines.is_empty() {
        output.lines().rev().take(8).collect::<Vec<_>>().join("\n      ")
    } else {
        lines.join("\n      ")
    }
}

fn main() {
    // `cargo test --all-targets` runs bench targets too: this one takes many minutes, so it
    // runs only under `cargo bench` (which passes --bench).
    if !std::env::args().any(|a| a == "--bench") {
        println!("convergence benchmark skipped: run it with `cargo bench -p strata --bench convergence`");
        return;
    }
    let bin = std::env::var_os("STRATA_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_strata")), PathBuf::from);
    let faults = std::env::var("STRATA_BENCH_FAULTS").unwrap_or_else(|_| "default".into());
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/shop");
    let seeds = seeds();
    println!(
        "convergence benchmark: {} seeds, `strata emulator --throttle --faults {faults}`, {}",
        seeds.len(),
        bin.display()
    );
    let (mut converged, mut duplicates, mut leftovers) = (0usize, 0usize, 0usize);
    let mut failed = Vec::new();
    for seed in &seeds {
        let dir = tempfile::tempdir().unwrap();
        let emu = Emulator::start(&bin, *seed, &faults, dir.path().join("emulator.log"));
        let stack = dir.path().join("stack");
        copy_dir(&example, &stack);
        let apply = step(
            &bin,
            &stack,
            &emu.endpoint,
            &["apply", "-e", "dev", "--auto-approve"],
        );
        let plan = step(
            &bin,
            &stack,
            &emu.endpoint,
            &["plan", "-e", "dev", "-detailed-exitcode"],
        );
        let destroy = step(
            &bin,
            &stack,
            &emu.endpoint,
            &["destroy", "-e", "dev", "--auto-approve"],
        );
        let stats = emu.get("/_emulator/stats");
        let dups = stats["creates"]["duplicates"].as_array().map_or(0, Vec::len);
        let groups = emu.get(&format!(
            "/subscriptions/{SUBSCRIPTION}/resourcegroups?api-version=2021-04-01"
        ));
        let resources = emu.get(&format!(
            "/subscriptions/{SUBSCRIPTION}/resources?api-version=2021-04-01"
        ));
        let left = groups["value"].as_array().map_or(0, Vec::len)
            + resources["value"].as_array().map_or(0, Vec::len);
        let ok = apply.code == 0 && plan.code == 0 && destroy.code == 0 && dups == 0 && left == 0;
        duplicates += dups;
        leftovers += left;
        let times = format!(
            "apply {:.1}s, plan {:.1}s, destroy {:.1}s, {} faults",
            apply.wall.as_secs_f64(),
            plan.wall.as_secs_f64(),
            destroy.wall.as_secs_f64(),
            stats["faults"]["total"]
        );
        if ok {
            converged += 1;
            println!("seed {seed}: converged ({times})");
            continue;
        }
        failed.push(*seed);
        println!(
            "seed {seed}: DID NOT CONVERGE ({times}; exit codes apply {} plan {} destroy {}, {dups} duplicate creates, {left} left behind)",
            apply.code, plan.code, destroy.code
        );
        for (name, s) in [("apply", &apply), ("plan", &plan), ("destroy", &destroy)] {
            if s.code != 0 {
                println!("    {name}: {}", gist(&s.output));
            }
        }
        if dups > 0 {
            println!("    created twice: {}", stats["creates"]["duplicates"]);
        }
        for panic in emu.panics() {
            println!("    emulator: {panic}");
        }
    }
    println!(
        "{converged} of {} seeds converged; {duplicates} duplicate creates, {leftovers} resources left behind{}",
        seeds.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; not converged: {failed:?}")
        }
    );
}
