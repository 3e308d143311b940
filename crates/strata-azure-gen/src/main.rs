//! `strata-azure-gen --snapshot <dir> --out crates/strata-azure/data`

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use strata_azure_gen::{generate, snapshot::Snapshot};

/// Regenerates strata-azure's type catalogue from a bicep-types-az snapshot.
#[derive(Parser)]
struct Args {
    /// A bicep-types-az checkout, or its git directory (HEAD is read).
    #[arg(long)]
    snapshot: PathBuf,
    /// Output directory (crates/strata-azure/data).
    #[arg(long)]
    out: PathBuf,
    /// The resource types to carry full schemas for.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/types.txt"))]
    types: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let list = std::fs::read_to_string(&args.types).with_context(|| args.types.display().to_string())?;
    let wanted = generate::read_type_list(&list);
    let snapshot = Snapshot::open(&args.snapshot)?;
    let out = generate::generate(&snapshot, &wanted)?;
    generate::write(&args.out, &out)?;
    println!("{}", out.summary);
    Ok(())
}
