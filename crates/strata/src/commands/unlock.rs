//! `strata force-unlock LOCK_ID`: release a lock left by a run that died.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;

use crate::cli::ForceUnlockArgs;
use crate::session::load_workspace;
use crate::{Exit, style};

pub async fn run(dir: Option<&Path>, args: ForceUnlockArgs) -> Result<u8> {
    let ws = load_workspace(dir)?;
    let env = ws.environment(&args.env)?;
    let store = ws.store(&env)?;
    let store = store.as_dyn();
    if !args.force {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "{} no terminal to confirm on\n  {} pass --force to release the lock without confirmation",
                style::error_label(),
                style::hint_label()
            );
            return Err(Exit(1).into());
        }
        print!(
            "Release lock {} on {}? Only do this if the run holding it is dead. [y/N] ",
            args.lock_id,
            store.describe()
        );
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !matches!(line.trim(), "y" | "yes") {
            println!("Unlock cancelled.");
            return Ok(1);
        }
    }
    match store.force_unlock(&args.lock_id).await {
        Ok(()) => {
            println!("{}", style::green("The state has been unlocked."));
            Ok(0)
        }
        Err(e) => {
            eprintln!("{} {e}", style::error_label());
            Err(Exit(1).into())
        }
    }
}
