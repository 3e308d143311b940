//! One module per verb. Each returns the process exit code.

mod auth;
mod delivery;
mod dr;
mod dr_copies;
mod dr_emulator;
mod dr_health;
mod dr_report;
mod dr_runbook;
mod drift;
mod emulator;
pub(crate) mod estates;
pub(crate) mod graph;
mod init;
mod outcome;
mod output;
pub(crate) mod run;
mod state;
mod unlock;
mod validate;

use anyhow::Result;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> Result<u8> {
    let dir = cli.dir.as_deref();
    match cli.command {
        Command::Init(args) => init::run(dir, args).await,
        Command::Validate(args) => validate::run(dir, args),
        Command::Plan(args) => run::plan(dir, args).await,
        Command::Drift(args) => drift::run(dir, args).await,
        Command::Graph(args) => graph::run(dir, args),
        Command::Apply(args) => run::apply(dir, args).await,
        Command::Destroy(args) => run::destroy(dir, args).await,
        Command::Output(args) => output::run(dir, args).await,
        Command::State(cmd) => state::run(dir, cmd).await,
        Command::Auth(cmd) => auth::run(dir, cmd).await,
        Command::Show(args) => delivery::show(args),
        Command::Ci(cmd) => delivery::ci(dir, cmd),
        Command::Promote(args) => delivery::promote(dir, args).await,
        Command::Import(args) => run::import(dir, args).await,
        Command::ForceUnlock(args) => unlock::run(dir, args).await,
        Command::Emulator(args) => emulator::run(args).await,
        Command::Dr(cmd) => dr::run(dir, cmd).await,
    }
}
