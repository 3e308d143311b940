//! `strata emulator`: serve the ARM emulator until interrupted.

use anyhow::{Context, Result, anyhow};
use strata_emulator::{EmulatorConfig, Latency};

use crate::cli::EmulatorArgs;
use crate::style;

pub async fn run(args: EmulatorArgs) -> Result<u8> {
    let latency = match &args.latency {
        Some(spec) => Latency::parse(spec).map_err(|e| anyhow!("--latency: {e}"))?,
        None => Latency::default(),
    };
    if let Some(d) = &args.data {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let config = EmulatorConfig {
        listen: args.listen,
        data_dir: args.data.clone(),
        latency,
    };
    let handle = strata_emulator::start(config)
        .await
        .context("cannot start the emulator")?;
    println!(
        "{}",
        style::bold(&format!(
            "strata emulator listening on {} — an Azure Resource Manager emulator, NOT Azure",
            handle.endpoint()
        ))
    );
    match &args.data {
        Some(d) => println!("estate kept in {}", d.display()),
        None => println!("estate kept in memory (use --data DIR to keep it)"),
    }
    println!(
        "point strata at it with: export STRATA_ARM_ENDPOINT={}",
        handle.endpoint()
    );
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    println!("stopping");
    handle.shutdown().await;
    Ok(0)
}
