//! `strata emulator --region-outage`: regions out from the start, for disaster-recovery drills.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn strata() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("strata"));
    cmd.env("NO_COLOR", "1").stdin(Stdio::null());
    cmd
}

#[test]
fn a_bad_region_name_is_refused_before_anything_starts() {
    let out = strata()
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--region-outage",
            "west-europe",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--region-outage") && err.contains("west-europe") && err.contains("westeurope"),
        "{err}"
    );
}

#[test]
fn regions_given_at_start_are_out_until_restored() {
    let mut child = strata()
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--latency",
            "none",
            "--region-outage",
            "westeurope",
            "--region-outage",
            "North Europe",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    std::thread::spawn(move || for _ in lines {});
    let endpoint = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no endpoint in {first:?}"))
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (regions, vnet, restored) = rt.block_on(async {
        let client = reqwest::Client::new();
        let regions: serde_json::Value = client
            .get(format!("{endpoint}/_emulator/regions"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let group = format!(
            "/subscriptions/{}/resourceGroups/rg-drill",
            strata_emulator::DEFAULT_SUBSCRIPTION_ID
        );
        client
            .put(format!("{endpoint}{group}?api-version=2024-11-01"))
            .json(&serde_json::json!({"location": "westeurope"}))
            .send()
            .await
            .unwrap();
        let vnet = client
            .put(format!(
                "{endpoint}{group}/providers/Microsoft.Network/virtualNetworks/v?api-version=2024-07-01"
            ))
            .json(&serde_json::json!({"location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        let restored: serde_json::Value = client
            .post(format!("{endpoint}/_emulator/regions/westeurope/restore"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (regions, vnet, restored)
    });
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        regions["out"],
        serde_json::json!(["northeurope", "westeurope"]),
        "{regions}"
    );
    assert_eq!(vnet, 503, "a create into a region that is out");
    assert_eq!(restored["out"], serde_json::json!(["northeurope"]), "{restored}");
}
